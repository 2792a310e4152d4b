package io.pgvectormigrate.replication;

import io.pgvectormigrate.pg.Catalog;
import io.pgvectormigrate.pg.TableId;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How many copy streams the snapshot copy runs, and which range each free stream takes next. */
class CopyStreamsTest {
    private static final CopyStreams.Server REMOTE_SOURCE = new CopyStreams.Server("source", 3, "max_parallel_workers_per_gather", 90, false);
    private static final CopyStreams.Server REMOTE_TARGET = new CopyStreams.Server("target", 3, "max_parallel_maintenance_workers", 90, false);

    private static CopyStreams.Server local(CopyStreams.Server s) {
        return new CopyStreams.Server(s.side(), s.perOperation(), s.perOperationSetting(), s.freeConnections(), true);
    }

    @Test
    void jobsGivenAreTakenAsGiven() {
        CopyStreams s = CopyStreams.choose(7, local(REMOTE_SOURCE), local(REMOTE_TARGET), 2);
        assertEquals(7, s.streams());
        assertEquals("--jobs 7", s.why());
    }

    @Test
    void remoteServersGiveWhatTheyGiveOneOfTheirOwnOperations() {
        CopyStreams s = CopyStreams.choose(0, REMOTE_SOURCE, REMOTE_TARGET, 8);
        assertEquals(3, s.streams());
        assertEquals("automatic: the source's 1 + max_parallel_workers_per_gather", s.why());
        CopyStreams t = CopyStreams.choose(0, new CopyStreams.Server("source", 9, "max_parallel_workers_per_gather", 90, false),
                new CopyStreams.Server("target", 5, "max_parallel_maintenance_workers", 90, false), 8);
        assertEquals(5, t.streams());
        assertEquals("automatic: the target's 1 + max_parallel_maintenance_workers", t.why());
    }

    @Test
    void serversOnThisMachineShareItsCoresOneStreamPerTwo() {
        CopyStreams two = CopyStreams.choose(0, local(REMOTE_SOURCE), local(REMOTE_TARGET), 2);
        assertEquals(1, two.streams());
        assertEquals("automatic: both servers run on this machine (2 cores): one stream per 2 cores", two.why());
        assertEquals(1, CopyStreams.choose(0, REMOTE_SOURCE, local(REMOTE_TARGET), 1).streams());
        assertEquals(2, CopyStreams.choose(0, local(REMOTE_SOURCE), REMOTE_TARGET, 4).streams());
        assertTrue(CopyStreams.choose(0, local(REMOTE_SOURCE), REMOTE_TARGET, 4).why().contains("the source runs on this machine"));
        // a big machine running both: the servers' own limits decide again
        assertEquals(3, CopyStreams.choose(0, local(REMOTE_SOURCE), local(REMOTE_TARGET), 32).streams());
    }

    @Test
    void aSmallClientAndBusyServersLimitToo() {
        CopyStreams client = CopyStreams.choose(0, REMOTE_SOURCE, REMOTE_TARGET, 1);
        assertEquals(2, client.streams());
        assertEquals("automatic: 2 relay threads per core of this machine (1)", client.why());
        CopyStreams busy = CopyStreams.choose(0, REMOTE_SOURCE,
                new CopyStreams.Server("target", 3, "max_parallel_maintenance_workers", 4, false), 8);
        assertEquals(2, busy.streams());
        assertEquals("automatic: half the target's 4 free connections", busy.why());
        CopyStreams full = CopyStreams.choose(0, new CopyStreams.Server("source", 3, "max_parallel_workers_per_gather", -2, false),
                REMOTE_TARGET, 8);
        assertEquals(1, full.streams(), "never fewer than one");
        CopyStreams noWorkers = CopyStreams.choose(0, REMOTE_SOURCE,
                new CopyStreams.Server("target", 1, "max_parallel_maintenance_workers", 90, false), 8);
        assertEquals(1, noWorkers.streams());
    }

    @Test
    void neverMoreStreamsThanRanges() {
        CopyStreams s = CopyStreams.choose(0, REMOTE_SOURCE, REMOTE_TARGET, 8).forRanges(1);
        assertEquals(1, s.streams());
        assertEquals("automatic: the tables split into 1 range of about 64 MB or less", s.why());
        assertEquals(3, CopyStreams.choose(0, REMOTE_SOURCE, REMOTE_TARGET, 8).forRanges(20).streams());
        assertEquals(2, CopyStreams.choose(4, null, null, 0).forRanges(2).streams());
        // a small table is one range, so one stream: the plan and the choice together
        TableInfo small = table("small", 1L << 20, 10);
        List<SnapshotCopy.Chunk> chunks = SnapshotCopy.plan(List.of(small), Map.of(), 3, 64L << 20, true);
        assertEquals(1, CopyStreams.choose(0, REMOTE_SOURCE, REMOTE_TARGET, 8).forRanges(chunks.size()).streams());
    }

    @Test
    void loopbackAndSocketsAreThisMachine() {
        assertTrue(CopyStreams.onThisMachine("127.0.0.1"));
        assertTrue(CopyStreams.onThisMachine("localhost"));
        assertTrue(CopyStreams.onThisMachine("::1"));
        assertTrue(CopyStreams.onThisMachine("/var/run/postgresql"));
        assertTrue(CopyStreams.onThisMachine(null));
        assertFalse(CopyStreams.onThisMachine("192.0.2.10"), "TEST-NET-1 is nobody's interface");
        assertFalse(CopyStreams.onThisMachine("no-such-host.invalid"));
    }

    @Test
    void aPortForwardToLocalhostReachesAServerElsewhere() {
        // the server names the address it received the connection on: its own, remote one through a tunnel
        assertFalse(CopyStreams.onThisMachine("localhost", "10.0.12.34"));
        assertFalse(CopyStreams.onThisMachine("127.0.0.1", "192.0.2.10"));
        assertTrue(CopyStreams.onThisMachine("127.0.0.1", "127.0.0.1"));
        assertTrue(CopyStreams.onThisMachine("/var/run/postgresql", null), "a Unix socket: the server has no address to name");
        assertFalse(CopyStreams.onThisMachine("192.0.2.10", null));
    }

    @Test
    void freeStreamsTakeATableNobodyIsWritingLargestFirst() {
        TableInfo big = table("big", 4L << 30, 4000);
        TableInfo mid = table("mid", 1L << 30, 1000);
        TableInfo small = table("small", 1L << 20, 10);
        List<SnapshotCopy.Chunk> chunks = SnapshotCopy.plan(List.of(small, mid, big), Map.of(), 2, 64L << 20, true);
        assertEquals(9, chunks.size(), "big and mid in 4 ranges each, small whole");
        SnapshotCopy.Schedule schedule = new SnapshotCopy.Schedule(chunks);
        SnapshotCopy.Chunk a = schedule.next();
        SnapshotCopy.Chunk b = schedule.next();
        assertEquals("big", a.table().id().name());
        assertEquals("mid", b.table().id().name(), "the second stream writes another table");
        SnapshotCopy.Chunk c = schedule.next();
        assertEquals("small", c.table().id().name(), "a third stream too, while there is a table nobody writes");
        SnapshotCopy.Chunk d = schedule.next();
        assertEquals("big", d.table().id().name(), "then the largest again");
        schedule.done(a);
        schedule.done(d);
        SnapshotCopy.Chunk e = schedule.next();
        assertEquals("big", e.table().id().name(), "big has no writer now, mid still has one");
        schedule.done(b);
        schedule.done(c);
        schedule.done(e);
        List<String> rest = new ArrayList<>();
        for (SnapshotCopy.Chunk x; (x = schedule.next()) != null; ) {
            rest.add(x.table().id().name() + x.index());
            schedule.done(x);
        }
        assertEquals(List.of("big3", "mid1", "mid2", "mid3"), rest, "every range handed out once, in plan order when all are free");
        assertNull(schedule.next());
    }

    private static TableInfo table(String name, long bytes, long blocks) {
        return new TableInfo(new Catalog.Relation(name.hashCode(), new TableId("public", name), false, null, null, 'd', true, false),
                true, bytes, blocks, 1000, List.of(new TableInfo.Column("id", "integer", true)));
    }
}
