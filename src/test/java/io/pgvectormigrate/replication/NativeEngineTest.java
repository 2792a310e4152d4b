package io.pgvectormigrate.replication;

import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pg.TableFilter;
import io.pgvectormigrate.pipeline.CopyEngine;
import io.pgvectormigrate.pipeline.Endpoints;
import io.pgvectormigrate.pipeline.Journal;
import io.pgvectormigrate.pipeline.Resource;
import io.pgvectormigrate.testing.PgServers;
import io.pgvectormigrate.testing.Sql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The native engine end to end on two real servers: copy, live changes, cutover, resume, secrets. */
@ExtendWith(PgServers.class)
class NativeEngineTest {

    /** Small ranges so the 600-row table is copied by several parallel streams. */
    private static NativeOptions snapshotOptions() {
        return NativeOptions.defaults().withJobs(2).withChunkBytes(256 * 1024);
    }

    private static Endpoints endpoints(PgServers.DbPair db) {
        return new Endpoints(db.source(), db.target(), db.sourceFromTarget(), TableFilter.ALL);
    }

    @Test
    void byDefaultTheServersSettingsChooseTheStreamsAndTheProgressSaysWhy(PgServers.DbPair db, @TempDir Path dir) throws Exception {
        Fixture.schemaAndRows(db, 600, 300);
        // what each server gives one of its own operations, read over SQL as a plain session sees it
        Sql.exec(db.source(), "ALTER DATABASE " + db.name() + " SET max_parallel_workers_per_gather = 5");
        Sql.exec(db.target(), "ALTER DATABASE " + db.name() + " SET max_parallel_maintenance_workers = 0");
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(db.source().jdbcUrl(), db.source().driverProperties())) {
            CopyStreams.Server source = CopyStreams.read(c, db.source(), "source", "max_parallel_workers_per_gather");
            assertEquals(6, source.perOperation());
            assertTrue(source.onThisMachine(), "a loopback server");
            long max = Sql.count(db.source(), "SELECT current_setting('max_connections')::int");
            assertTrue(source.freeConnections() > 0 && source.freeConnections() < max, source.toString());
        }

        Fixture.Run run = Fixture.run(dir, "auto-streams");
        NativeEngine engine = new NativeEngine(NativeOptions.defaults().withChunkBytes(256 * 1024));
        CopyEngine.Result migrated = engine.migrate(run.ctx(), endpoints(db));
        assertTrue(run.output().contains("copying with 1 stream (automatic: the target's 1 + max_parallel_maintenance_workers)"),
                run.output());
        assertTrue(migrated.figures().get("initial-copy").contains("1 stream(s)"), migrated.figures().toString());
        CopyEngine.Copy how = ((CopyEngine.Migrated) migrated).copy();
        assertEquals(1, how.streams(), how.toString());
        assertEquals("automatic: the target's 1 + max_parallel_maintenance_workers", how.streamsWhy());
        assertTrue(how.seconds() >= 0 && !how.resumed(), how.toString());
        engine.cutover(run.ctx(), endpoints(db));
        assertEquals(Fixture.itemsHash(db.source()), Fixture.itemsHash(db.target()), "items identical after cutover");
        assertEquals(Fixture.auditHash(db.source()), Fixture.auditHash(db.target()), "bot_audit identical after cutover");
    }

    @Test
    void snapshotCopyCarriesLiveChangesAndCutoverLeavesNothing(PgServers.DbPair db, @TempDir Path dir) throws Exception {
        Fixture.schemaAndRows(db, 600, 300);
        String runId = "snap-live";
        AtomicBoolean wroteDuringCopy = new AtomicBoolean();
        SplittableRandom rnd = new SplittableRandom(7);
        NativeOptions options = snapshotOptions().withHooks(new NativeOptions.Hooks() {
            @Override
            public void afterChunkCopied(String table, int chunk) {
                // changes committed after the snapshot, while other ranges are still being copied
                if (wroteDuringCopy.compareAndSet(false, true)) {
                    try {
                        Fixture.writeRound(db.source(), "during", 10, rnd);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
            }
        });
        NativeEngine engine = new NativeEngine(options);
        Fixture.Run run = Fixture.run(dir, runId);

        CopyEngine.Result migrated;
        try (Fixture.LiveWriter writer = new Fixture.LiveWriter(db.source(), "w")) {
            migrated = engine.migrate(run.ctx(), endpoints(db));
            int duringMigrate = writer.rounds();
            assertTrue(duringMigrate > 0, "the live writer changed the source while migrate ran");
            // and changes committed after migrate returned, which only the subscription carries
            writer.awaitRounds(duringMigrate + 2, Duration.ofSeconds(30));
        }
        assertTrue(wroteDuringCopy.get(), "the hook wrote during the copy");
        assertTrue(migrated.summary().contains("changes streaming"), migrated.summary());
        assertTrue(Long.parseLong(migrated.figures().get("rows-copied")) >= 600, migrated.figures().toString());
        assertTrue(run.output().contains("binary"), "vectors copied in binary: " + run.output());
        assertTrue(migrated.figures().get("initial-copy").contains("2 stream(s)"), migrated.figures().toString());
        CopyEngine.Migrated typed = (CopyEngine.Migrated) migrated;
        assertEquals(2, typed.copy().streams(), typed.copy().toString());
        assertEquals(Long.parseLong(migrated.figures().get("rows-copied")), typed.rows());
        Fixture.writeRound(db.source(), "after", 15, rnd);

        CopyEngine.Result cut = engine.cutover(run.ctx(), endpoints(db));
        assertTrue(cut.summary().startsWith("cut over"), cut.summary());

        assertEquals(Fixture.itemsHash(db.source()), Fixture.itemsHash(db.target()), "items identical after cutover");
        assertEquals(Fixture.auditHash(db.source()), Fixture.auditHash(db.target()), "bot_audit identical after cutover");
        assertEquals(Sql.scalar(db.source(), "SELECT last_value FROM bot_audit_id_seq"),
                Sql.scalar(db.target(), "SELECT last_value FROM bot_audit_id_seq"), "sequence carried");
        assertTrue(Sql.count(db.target(), "SELECT last_value FROM bot_audit_id_seq")
                >= Sql.count(db.target(), "SELECT max(id) FROM bot_audit"), "sequence ahead of its data");
        assertEquals(2L, Sql.count(db.target(), "SELECT count(*) FROM pg_indexes WHERE tablename = 'items' AND indexname LIKE 'idx_items_%'"));
        Fixture.assertNoReplicationLeft(db, runId);

        Journal j = run.ctx().journal();
        for (String kind : List.of(NativeEngine.PUBLICATION, NativeEngine.SLOT, NativeEngine.SUBSCRIPTION)) {
            List<Resource> rs = j.resourcesOfKind(kind);
            assertEquals(1, rs.size(), kind + " recorded once");
            assertTrue(rs.get(0).deleted(), kind + " marked deleted");
            assertEquals(String.valueOf(kind.equals(NativeEngine.SUBSCRIPTION) ? db.target().port() : db.source().port()),
                    rs.get(0).attribute("port"));
            assertEquals(db.name(), rs.get(0).attribute("db"));
        }
        String password = db.sourceFromTarget().password();
        Fixture.assertNoSecret("progress output", run.output() + migrated + cut, password);
        Fixture.assertNoSecret("the journal", Files.readString(j.file()), password);

        // a second cutover finds nothing left and says so without failing
        CopyEngine.Result again = engine.cutover(run.ctx(), endpoints(db));
        assertEquals("", again.figures().get("removed"));
    }

    @Test
    void subscriptionCopyCarriesLiveChangesAndCutoverLeavesNothing(PgServers.DbPair db, @TempDir Path dir) throws Exception {
        Fixture.schemaAndRows(db, 300, 100);
        String runId = "sub-live";
        NativeEngine engine = new NativeEngine(NativeOptions.defaults().withInitialCopy(NativeOptions.InitialCopy.SUBSCRIPTION));
        Fixture.Run run = Fixture.run(dir, runId);
        try (Fixture.LiveWriter writer = new Fixture.LiveWriter(db.source(), "s")) {
            CopyEngine.Result r = engine.migrate(run.ctx(), endpoints(db));
            assertEquals("subscription table sync", r.figures().get("initial-copy"));
            assertEquals(0, ((CopyEngine.Migrated) r).copy().streams(), "the subscription copies, not the tool's streams");
        }
        Fixture.writeRound(db.source(), "after", 10, new SplittableRandom(3));
        engine.cutover(run.ctx(), endpoints(db));
        assertEquals(Fixture.itemsHash(db.source()), Fixture.itemsHash(db.target()));
        assertEquals(Fixture.auditHash(db.source()), Fixture.auditHash(db.target()));
        assertTrue(Sql.count(db.target(), "SELECT last_value FROM bot_audit_id_seq")
                >= Sql.count(db.target(), "SELECT max(id) FROM bot_audit"), "sequence ahead of its data");
        Fixture.assertNoReplicationLeft(db, runId);
    }

    @Test
    void interruptedSnapshotCopyStartsAgainWithoutDuplicates(PgServers.DbPair db, @TempDir Path dir) throws Exception {
        Fixture.schemaAndRows(db, 400, 50);
        String runId = "snap-crash";
        NativeEngine crashing = new NativeEngine(snapshotOptions().withHooks(new NativeOptions.Hooks() {
            @Override
            public void afterChunkCopied(String table, int chunk) {
                throw new IllegalStateException("simulated crash mid-copy");
            }
        }));
        Fixture.Run first = Fixture.run(dir, runId);
        IllegalStateException crash = assertThrows(IllegalStateException.class, () -> crashing.migrate(first.ctx(), endpoints(db)));
        assertEquals("simulated crash mid-copy", crash.getMessage());
        long partial = Sql.count(db.target(), "SELECT count(*) FROM items") + Sql.count(db.target(), "SELECT count(*) FROM bot_audit");
        assertTrue(partial > 0, "part of the copy committed before the crash");
        assertEquals(1, Sql.count(db.source(), "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'pgvm_snap_crash'"));
        Fixture.writeRound(db.source(), "between", 5, new SplittableRandom(5));

        // the re-run (a new process: the journal is read back from disk) empties the partial tables and copies again
        Fixture.Run second = Fixture.run(dir, runId);
        NativeEngine engine = new NativeEngine(snapshotOptions());
        engine.migrate(second.ctx(), endpoints(db));
        assertTrue(second.output().contains("copying again from a fresh snapshot"), second.output());
        assertEquals(1, Sql.count(db.target(), "SELECT count(*) FROM pg_subscription WHERE subname = 'pgvm_snap_crash'"));
        assertEquals(Fixture.itemsHash(db.source()), Fixture.itemsHash(db.target()), "no duplicate or missing rows");

        // and a third run of migrate just reuses the subscription
        Fixture.Run third = Fixture.run(dir, runId);
        CopyEngine.Result r = engine.migrate(third.ctx(), endpoints(db));
        assertEquals("true", r.figures().get("resumed"));
        assertEquals(1, Sql.count(db.target(), "SELECT count(*) FROM pg_subscription WHERE subname = 'pgvm_snap_crash'"));

        engine.cutover(third.ctx(), endpoints(db));
        assertEquals(Fixture.itemsHash(db.source()), Fixture.itemsHash(db.target()));
        assertEquals(Fixture.auditHash(db.source()), Fixture.auditHash(db.target()));
        Fixture.assertNoReplicationLeft(db, runId);

        // after cutover, migrate refuses to copy again over tables the application may already use
        ToolException refused = assertThrows(ToolException.class, () -> engine.migrate(Fixture.run(dir, runId).ctx(), endpoints(db)));
        assertEquals(2, refused.exitCode());
        assertTrue(refused.getMessage().contains("start a new run"), refused.getMessage());
    }

    @Test
    void connectionsKilledMidCopyFailWithExitOneThenResume(PgServers.DbPair db, @TempDir Path dir) throws Exception {
        Fixture.schemaAndRows(db, 400, 50);
        String runId = "snap-killed";
        AtomicBoolean killed = new AtomicBoolean();
        NativeEngine killing = new NativeEngine(snapshotOptions().withHooks(new NativeOptions.Hooks() {
            @Override
            public void afterChunkCopied(String table, int chunk) {
                // an administrator (or a failover) ends the tool's sessions on the source mid-copy
                if (killed.compareAndSet(false, true)) {
                    try {
                        Sql.scalar(db.source(), "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                + "WHERE datname = current_database() AND application_name = 'pgvector-migrate'");
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
            }
        }));
        ToolException lost = assertThrows(ToolException.class, () -> killing.migrate(Fixture.run(dir, runId).ctx(), endpoints(db)));
        assertEquals(1, lost.exitCode(), lost.getMessage());
        assertTrue(lost.getMessage().contains("--run-id " + runId), lost.getMessage());
        assertEquals(0, Sql.count(db.target(), "SELECT count(*) FROM pg_subscription WHERE subname = 'pgvm_snap_killed'"));

        NativeEngine engine = new NativeEngine(snapshotOptions());
        Fixture.Run again = Fixture.run(dir, runId);
        engine.migrate(again.ctx(), endpoints(db));
        assertEquals(Fixture.itemsHash(db.source()), Fixture.itemsHash(db.target()), "no duplicate or missing rows");
        assertEquals(Fixture.auditHash(db.source()), Fixture.auditHash(db.target()));
        engine.cutover(again.ctx(), endpoints(db));
        Fixture.assertNoReplicationLeft(db, runId);
    }

    @Test
    void stopAfterCreatingTheSubscriptionThenResume(PgServers.DbPair db, @TempDir Path dir) throws Exception {
        Fixture.schemaAndRows(db, 200, 20);
        String runId = "sub-crash";
        NativeOptions sub = NativeOptions.defaults().withInitialCopy(NativeOptions.InitialCopy.SUBSCRIPTION);
        NativeEngine crashing = new NativeEngine(sub.withHooks(new NativeOptions.Hooks() {
            @Override
            public void afterSubscriptionCreated(String subscription) {
                throw new IllegalStateException("simulated crash after CREATE SUBSCRIPTION");
            }
        }));
        assertThrows(IllegalStateException.class, () -> crashing.migrate(Fixture.run(dir, runId).ctx(), endpoints(db)));
        assertEquals(1, Sql.count(db.target(), "SELECT count(*) FROM pg_subscription WHERE subname = 'pgvm_sub_crash'"));

        Fixture.Run again = Fixture.run(dir, runId);
        NativeEngine engine = new NativeEngine(sub);
        CopyEngine.Result r = engine.migrate(again.ctx(), endpoints(db));
        assertEquals("true", r.figures().get("resumed"));
        assertTrue(again.output().contains("reusing subscription pgvm_sub_crash"), again.output());
        assertEquals(1, Sql.count(db.target(), "SELECT count(*) FROM pg_subscription WHERE subname = 'pgvm_sub_crash'"));
        assertEquals(Fixture.itemsHash(db.source()), Fixture.itemsHash(db.target()), "no duplicate rows");

        // teardown instead of cutover removes everything, and tolerates a second call
        engine.teardown(again.ctx(), endpoints(db));
        engine.teardown(again.ctx(), endpoints(db));
        Fixture.assertNoReplicationLeft(db, runId);
    }

    @Test
    void failedSubscriptionLeavesNoPasswordInTheTargetLog(PgServers.DbPair db, @TempDir Path dir) throws Exception {
        Fixture.schemaAndRows(db, 20, 5);
        String runId = "bad-conn";
        // the tool reaches the source, but the subscription is told a port nothing listens on
        Endpoints ep = new Endpoints(db.source(), db.target(), db.sourceFromTarget().withPort(1), TableFilter.ALL);
        Fixture.Run run = Fixture.run(dir, runId);
        NativeEngine engine = new NativeEngine(snapshotOptions());
        ToolException e = assertThrows(ToolException.class, () -> engine.migrate(run.ctx(), ep));
        assertTrue(e.getMessage().contains("could not connect to the publisher"), e.getMessage());
        String password = db.sourceFromTarget().password();
        Fixture.assertNoSecret("the error", e.getMessage() + run.output(), password);
        Fixture.assertNoSecret("the journal", Files.readString(run.ctx().journal().file()), password);
        String log = Fixture.serverLog(db.target());
        if (!"testcontainers".equals(System.getenv("PGVM_TEST_BACKEND"))) {
            assertTrue(log.contains("could not connect to the publisher"), "the local server log is readable and has the error");
        }
        assertFalse(log.contains("CREATE SUBSCRIPTION"), "the failed statement was logged");
        Fixture.assertNoSecret("the target's server log", log, password);
        engine.teardown(run.ctx(), ep);
        Fixture.assertNoReplicationLeft(db, runId);
    }
}
