package io.pgvectormigrate.local;

import io.pgvectormigrate.core.ExitCode;
import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pipeline.Journal;
import io.pgvectormigrate.pipeline.Resource;
import io.pgvectormigrate.pipeline.RunContext;
import io.pgvectormigrate.pipeline.Step;
import io.pgvectormigrate.report.Progress;
import io.pgvectormigrate.testing.PgServers;
import io.pgvectormigrate.testing.Sql;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The local provider on real instances: restore, resume, teardown, bad input. */
@ExtendWith(PgServers.class)
class LocalProviderTest {
    private final PgBinaries bins = PgBinaries.locate(System.getenv()).requirePgvector();
    private final StringWriter err = new StringWriter();
    private Path work;
    private RunContext ctx;

    @BeforeEach
    void workDir() throws Exception {
        work = Files.createTempDirectory(LocalPostgres.defaultBaseDir(), "lp-work-");
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
        ctx = context("run-1");
    }

    RunContext context(String runId) {
        return new RunContext(Journal.open(work, runId, "rehearse", Clock.systemUTC()),
                Progress.to(new PrintWriter(err, true), false), work, Clock.systemUTC());
    }

    /** Whatever a test left, its instances are stopped and removed. */
    @AfterEach
    void cleanUp() {
        for (String run : List.of("run-1", "run-2")) {
            if (!Journal.exists(work, run)) continue;
            RunContext c = context(run);
            for (Resource r : c.journal().liveResourcesNewestFirst()) {
                if (r.kind().equals(LocalInstances.KIND)) LocalInstances.destroy(c, bins, r.id());
            }
        }
        LocalPostgres.deleteTree(work);
    }

    static LocalProvider sample(long rows) {
        return new LocalProvider(new LocalProvider.Options(new LocalProvider.Snapshot.Sample(rows, 3, 7), 0, System.getenv()));
    }

    @Test
    void restoresTheGeneratedSampleIntoATemporaryInstanceAndRemovesItAtTeardown() throws Exception {
        LocalProvider p = sample(300);
        p.preflight(ctx);
        p.restore(ctx);
        ConnectionSpec src = p.credentials(ctx);

        assertEquals(300, Sql.count(src, "SELECT count(*) FROM items"));
        assertEquals(3, Sql.count(src, "SELECT count(DISTINCT botid) FROM items"));
        assertEquals(1024, Sql.count(src, "SELECT vector_dims(embedding) FROM items LIMIT 1"));
        assertEquals(2, Sql.count(src, "SELECT count(*) FROM pg_indexes WHERE tablename = 'items' AND indexname LIKE 'idx_items_%'"));
        assertEquals("logical", Sql.scalar(src, "SHOW wal_level"), "the temporary source can publish");

        Resource source = ctx.journal().resource(LocalInstances.KIND, LocalProvider.SOURCE).orElseThrow();
        Path dir = Path.of(source.attribute("dir"));
        assertEquals(String.valueOf(src.port()), source.attribute("port"));
        assertEquals(dir.resolve("data").toString(), source.attribute("dataDir"));
        assertTrue(dir.startsWith(ctx.journal().runDir()), "instances live under the run directory: " + dir);
        Resource scratch = ctx.journal().resource(LocalInstances.KIND, LocalProvider.SCRATCH).orElseThrow();
        assertTrue(scratch.deleted(), "the scratch instance is gone once the archive is made");
        assertFalse(Files.exists(Path.of(scratch.attribute("dir"))));
        assertEquals("300", ctx.journal().output(Step.RESTORE, "source-rows").orElseThrow());
        String password = Files.readString(dir.resolve("password")).trim();
        assertFalse(Files.readString(ctx.journal().file()).contains(password), "the journal holds no password");
        assertFalse(err.toString().contains(password));

        p.teardown(ctx);
        assertFalse(LocalPostgres.isRunning(bins, dir));
        assertFalse(Files.exists(dir), "teardown removes the instance directory");
        assertFalse(Files.exists(ctx.journal().runDir().resolve(LocalProvider.ARCHIVE_NAME)), "and the generated archive");
        assertTrue(ctx.journal().liveResourcesNewestFirst().isEmpty());
        p.teardown(ctx); // a second teardown finds nothing to do
        ToolException gone = assertThrows(ToolException.class, () -> p.credentials(ctx));
        assertTrue(gone.getMessage().contains("already removed"), gone.getMessage());
    }

    @Test
    void aRestoreRunAgainStartsFromAnEmptyDatabaseOnTheSameInstance() throws Exception {
        LocalProvider p = sample(200);
        p.preflight(ctx);
        p.restore(ctx);
        ConnectionSpec first = p.credentials(ctx);
        // what a restore killed half-way leaves: rows that a second pg_restore would duplicate or trip over
        Sql.exec(first, "CREATE TABLE leftover(x int)", "INSERT INTO items SELECT 'X' || substr(id, 2), botid, content, source, embedding FROM items LIMIT 5");

        LocalProvider resumed = sample(200); // a new process
        RunContext again = context("run-1");
        resumed.restore(again);
        ConnectionSpec second = resumed.credentials(again);
        assertEquals(first.port(), second.port(), "the instance is reused");
        assertEquals(200, Sql.count(second, "SELECT count(*) FROM items"));
        assertEquals(0, Sql.count(second, "SELECT count(*) FROM pg_tables WHERE tablename = 'leftover'"));
        assertTrue(err.toString().contains("reusing the sample archive"), err.toString());
        assertEquals(1, again.journal().resourcesOfKind(LocalInstances.KIND).stream().filter(r -> r.id().equals("source")).count());
    }

    @Test
    void aGenerationKilledMidWayIsRedoneAndLeavesNoScratchInstance() throws Exception {
        // the state a kill during sample generation leaves: a running scratch instance and a partial dump
        LocalPostgres scratch = LocalInstances.start(ctx, bins, LocalProvider.SCRATCH, 0, LocalPostgres.throwawaySettings(), false);
        Files.writeString(ctx.journal().runDir().resolve(LocalProvider.ARCHIVE_NAME + ".partial"), "half a dump");
        assertTrue(scratch.isRunning());

        LocalProvider p = sample(100);
        p.restore(ctx);
        assertFalse(LocalPostgres.isRunning(bins, scratch.dir()), "the dead attempt's scratch instance is stopped");
        assertFalse(Files.exists(scratch.dir()));
        assertEquals(100, Sql.count(p.credentials(ctx), "SELECT count(*) FROM items"));
    }

    @Test
    void restoresTheOperatorsArchiveAndNeverDeletesIt(PgServers.DbPair db) throws Exception {
        Sql.exec(db.source(), "CREATE EXTENSION vector", "CREATE TABLE docs(id int primary key, body text, e vector(3))",
                "INSERT INTO docs SELECT g, 'doc ' || g, ARRAY[g, g, g]::vector FROM generate_series(1, 50) g");
        Path archive = work.resolve("mine.dump");
        dump(db.source(), archive);

        LocalProvider p = new LocalProvider(new LocalProvider.Options(new LocalProvider.Snapshot.File(archive), 0, System.getenv()));
        p.preflight(ctx);
        assertEquals(db.name(), ctx.journal().parameter("source-database").orElseThrow(), "the archive's database name is kept");
        p.restore(ctx);
        ConnectionSpec src = p.credentials(ctx);
        assertEquals(db.name(), src.database());
        assertEquals(50, Sql.count(src, "SELECT count(*) FROM docs"));
        assertEquals("[7,7,7]", Sql.scalar(src, "SELECT e::text FROM docs WHERE id = 7"));
        p.teardown(ctx);
        assertTrue(Files.exists(archive), "the operator's archive is theirs");
    }

    @Test
    void aFileThatIsNotAnArchiveOrIsMissingIsBadInput() throws Exception {
        Path notDump = work.resolve("notes.txt");
        Files.writeString(notDump, "CREATE TABLE x(); -- a plain SQL file, not an archive\n");
        ToolException e = assertThrows(ToolException.class, () -> fileProvider(notDump).preflight(ctx));
        assertEquals(ExitCode.USAGE, e.exitCode());
        assertTrue(e.getMessage().contains("is not a pg_dump archive") && e.getMessage().contains("pg_dump -Fc"), e.getMessage());

        Path missing = work.resolve("nope.dump");
        ToolException m = assertThrows(ToolException.class, () -> fileProvider(missing).preflight(ctx));
        assertEquals(ExitCode.USAGE, m.exitCode());
        assertTrue(m.getMessage().contains("does not exist"), m.getMessage());
        assertTrue(ctx.journal().resourcesOfKind(LocalInstances.KIND).isEmpty(), "preflight creates nothing");
    }

    @Test
    void notEnoughDiskSpaceIsBadInputBeforeAnythingIsCreated() {
        ToolException e = assertThrows(ToolException.class, () -> sample(1_000_000_000_000L).preflight(ctx));
        assertEquals(ExitCode.USAGE, e.exitCode());
        assertTrue(e.getMessage().startsWith("not enough free disk space in ") && e.getMessage().contains("lower --rows"), e.getMessage());
        assertTrue(ctx.journal().resourcesOfKind(LocalInstances.KIND).isEmpty());
    }

    @Test
    void aBusyRecordedPortOnResumeSaysWhatToDo() throws Exception {
        LocalProvider p = sample(20);
        p.restore(ctx);
        Resource r = ctx.journal().resource(LocalInstances.KIND, LocalProvider.SOURCE).orElseThrow();
        LocalPostgres.stop(bins, Path.of(r.attribute("dir"))); // e.g. the machine rebooted
        int port = Integer.parseInt(r.attribute("port"));
        try (ServerSocket taken = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            ToolException e = assertThrows(ToolException.class, () -> sample(20).credentials(context("run-1")));
            assertEquals(ExitCode.USAGE, e.exitCode());
            assertTrue(e.getMessage().contains("port " + port + ", recorded for the source instance of run run-1, is busy")
                    && e.getMessage().contains("--run-id run-1"), e.getMessage());
        }
        assertEquals(20, Sql.count(sample(20).credentials(context("run-1")), "SELECT count(*) FROM items"),
                "once the port is free the same instance starts again with its data");
    }

    @Test
    void instancesMoveToTheSharedBaseWhenThePostgresUserCannotReachTheWorkDir() throws Exception {
        Path closed = Files.createTempDirectory(LocalPostgres.defaultBaseDir(), "closed-");
        Files.setPosixFilePermissions(closed, PosixFilePermissions.fromString("rwx------"));
        try {
            RunContext c = new RunContext(Journal.open(closed, "run-2", "rehearse", Clock.systemUTC()),
                    Progress.to(new PrintWriter(err, true), false), closed, Clock.systemUTC());
            Path base = LocalInstances.baseDir(c);
            if (Proc.isRoot()) {
                assertEquals(LocalPostgres.defaultBaseDir().resolve("run-run-2"), base);
                assertTrue(err.toString().contains("cannot reach"), err.toString());
            } else {
                assertEquals(c.journal().runDir().toAbsolutePath().resolve("instances"), base, "without root there is no other user to reach it");
            }
            assertEquals(base.toString(), c.journal().parameter("local.instances-dir").orElseThrow(), "the choice is journaled");
            LocalPostgres pg = LocalInstances.start(c, bins, "target", 0, LocalPostgres.throwawaySettings(), false);
            assertEquals("1", Sql.scalar(pg.connection("postgres"), "SELECT 1"));
            assertTrue(LocalInstances.destroy(c, bins, "target"));
            LocalPostgres.deleteTree(base);
        } finally {
            LocalPostgres.deleteTree(closed);
        }
    }

    @Test
    void anInstanceTooDeepForAUnixSocketRunsOnTcpOnly() throws Exception {
        Path deep = work.resolve("a-directory-name-long-enough/to-push-the-socket-path/past-107-bytes");
        Files.createDirectories(deep);
        for (Path p = deep; !p.equals(work); p = p.getParent()) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        RunContext c = new RunContext(Journal.open(deep, "run-2", "rehearse", Clock.systemUTC()),
                Progress.to(new PrintWriter(err, true), false), deep, Clock.systemUTC());
        LocalPostgres pg = LocalInstances.start(c, bins, "target", 0, LocalPostgres.throwawaySettings(), false);
        try {
            assertTrue(pg.dir().resolve("socket/.s.PGSQL.65535").toString().length() > 107, pg.dir().toString());
            assertTrue(pg.dir().startsWith(deep), "still under the run directory");
            assertEquals("", Sql.scalar(pg.connection("postgres"), "SHOW unix_socket_directories"));
        } finally {
            LocalInstances.destroy(c, bins, "target");
        }
        assertFalse(Files.exists(pg.dir()));
    }

    private static LocalProvider fileProvider(Path file) {
        return new LocalProvider(new LocalProvider.Options(new LocalProvider.Snapshot.File(file), 0, System.getenv()));
    }

    private void dump(ConnectionSpec spec, Path file) {
        Map<String, String> env = Map.of("PGHOST", spec.host(), "PGPORT", String.valueOf(spec.port()), "PGUSER", spec.user(),
                "PGPASSWORD", spec.password(), "PGSSLMODE", "disable");
        Proc.check("pg_dump", List.of(bins.tool("pg_dump").toString(), "-Fc", "-d", spec.database(), "-f", file.toString()),
                null, env, Duration.ofMinutes(2));
    }
}
