package io.pgvectormigrate.local;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgvectormigrate.core.ExitCode;
import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pipeline.Journal;
import io.pgvectormigrate.pipeline.Pipeline;
import io.pgvectormigrate.pipeline.Resource;
import io.pgvectormigrate.pipeline.RunContext;
import io.pgvectormigrate.pipeline.Step;
import io.pgvectormigrate.pipeline.StepStatus;
import io.pgvectormigrate.report.Json;
import io.pgvectormigrate.report.Progress;
import io.pgvectormigrate.testing.CliRun;
import io.pgvectormigrate.testing.PgServers;
import io.pgvectormigrate.testing.Sql;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code rehearse} end to end through the CLI, on instances it starts itself: verified result, live writes,
 * resumes (after --stop-after and after a real kill -9 mid-copy), bad input, and nothing left behind.
 */
@ExtendWith(PgServers.class)
class RehearseTest {
    /** LocalPostgres passwords: "L" and 36 hex digits. None may appear in any output. */
    private static final Pattern LOCAL_PASSWORD = Pattern.compile("L[0-9a-f]{36}");

    private final PgBinaries bins = PgBinaries.locate(System.getenv()).requirePgvector();
    private Path work;

    @BeforeEach
    void workDir() throws Exception {
        work = Files.createTempDirectory(LocalPostgres.defaultBaseDir(), "rehearse-test-");
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** Whatever a failed test left running is stopped and removed. */
    @AfterEach
    void cleanUp() throws Exception {
        Path runs = work.resolve("runs");
        if (Files.isDirectory(runs)) {
            try (var s = Files.list(runs)) {
                for (Path run : s.toList()) {
                    RunContext c = new RunContext(Journal.open(work, run.getFileName().toString(), "rehearse", Clock.systemUTC()),
                            Progress.SILENT, work, Clock.systemUTC());
                    for (Resource r : c.journal().liveResourcesNewestFirst()) {
                        if (r.kind().equals(LocalInstances.KIND)) LocalInstances.destroy(c, bins, r.id());
                    }
                }
            }
        }
        LocalPostgres.deleteTree(work);
    }

    CliRun.Result rehearse(String... args) {
        List<String> a = new ArrayList<>(List.of("rehearse", "--work-dir", work.toString()));
        a.addAll(List.of(args));
        return CliRun.run(Map.of(), work, a.toArray(String[]::new));
    }

    Journal journal(String runId) {
        return Journal.load(work, runId, Clock.systemUTC());
    }

    /** Every instance the run recorded is deleted, its directory gone and no postgres process runs on it. */
    void assertNothingLeft(String runId) {
        Journal j = journal(runId);
        assertTrue(j.liveResourcesNewestFirst().isEmpty(), "live resources: " + j.liveResourcesNewestFirst());
        List<Resource> instances = j.resourcesOfKind(LocalInstances.KIND);
        assertFalse(instances.isEmpty());
        for (Resource r : instances) {
            Path dir = Path.of(r.attribute("dir"));
            assertFalse(Files.exists(dir), dir + " is removed");
            assertFalse(LocalPostgres.isRunning(bins, dir));
            assertTrue(postgresProcessesOn(r.attribute("dataDir")).isEmpty(), "no postgres runs on " + r.attribute("dataDir"));
        }
    }

    static List<Long> postgresProcessesOn(String dataDir) {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().map(c -> c.contains("-D " + dataDir)).orElse(false))
                .map(ProcessHandle::pid).toList();
    }

    static void assertNoSecrets(String... texts) {
        for (String t : texts) assertFalse(LOCAL_PASSWORD.matcher(t).find(), "a password leaked into: " + t);
    }

    @Test
    void aSmallRehearsalEndsVerifiedAndRemovesEverything() throws Exception {
        CliRun.Result r = rehearse("--rows", "600", "--bots", "3", "--run-id", "e2e", "--report", "report.md");
        assertEquals(ExitCode.OK, r.exitCode(), r.toString());
        assertTrue(r.out().startsWith("rehearse run e2e: VERIFIED (exit 0)"), r.out());
        assertTrue(r.out().contains("rows moved: 600"), r.out());
        assertTrue(r.out().contains("verification: PASSED"), r.out());
        assertTrue(r.out().contains("resources left: none"), r.out());
        for (Step s : Step.values()) {
            assertTrue(r.err().contains("[" + (s.ordinal() + 1) + "/8] " + s + ": done in "), "stderr shows " + s + ":\n" + r.err());
            assertEquals(StepStatus.DONE, journal("e2e").step(s).status(), s.id());
        }
        assertNothingLeft("e2e");
        assertFalse(Files.exists(work.resolve("runs/e2e/snapshot.dump")), "the generated archive goes too");
        String md = Files.readString(work.resolve("report.md"));
        assertTrue(md.contains("**Result: verified** (exit 0)") && md.contains("| migrate | done |"), md);
        assertNoSecrets(r.out(), r.err(), md, Files.readString(journal("e2e").file()));

        // a finished run asked again reports from its journal, verification included, and touches nothing
        CliRun.Result again = rehearse("--run-id", "e2e");
        assertEquals(ExitCode.OK, again.exitCode(), again.toString());
        assertTrue(again.out().contains("verification: PASSED") && again.out().contains("    content    passed"), again.out());
        assertTrue(again.err().contains("[8/8] teardown: done in an earlier attempt, skipped"), again.err());
    }

    @Test
    void liveWritesDuringTheCopyArriveAndTheKeptTargetHoldsThem() throws Exception {
        CliRun.Result r = rehearse("--rows", "800", "--bots", "4", "--live-writes", "--keep", "--run-id", "live", "--format", "json");
        assertEquals(ExitCode.OK, r.exitCode(), r.toString());
        JsonNode report = Json.mapper().readTree(r.out());
        assertEquals("verified", report.get("result").asText());
        Journal j = journal("live");
        String writes = j.output(Step.MIGRATE, "live-writes").orElseThrow();
        long[] n = Pattern.compile("\\d+").matcher(writes).results().mapToLong(m -> Long.parseLong(m.group())).toArray();
        assertTrue(n[0] > 0 && n[1] > 0 && n[2] > 0, "inserts, updates and deletes happened: " + writes);

        Resource target = j.resource(LocalInstances.KIND, LocalTarget.TARGET).orElseThrow();
        assertFalse(target.deleted(), "--keep keeps the target");
        assertTrue(j.resource(LocalInstances.KIND, LocalProvider.SOURCE).orElseThrow().deleted(), "the temporary source goes");
        assertEquals(1, report.get("resourcesLeft").size());
        ConnectionSpec t = new ConnectionSpec("127.0.0.1", Integer.parseInt(target.attribute("port")), "postgres", "postgres",
                Files.readString(Path.of(target.attribute("passwordFile"))).trim(), Map.of());
        assertEquals(800 + n[0] - n[2], Sql.count(t, "SELECT count(*) FROM items"), "every insert and delete arrived");
        assertEquals(Sql.count(t, "SELECT count(*) FROM items"), Sql.count(t, "SELECT count(DISTINCT id) FROM items"));
        long live = Sql.count(t, "SELECT count(*) FROM items WHERE content LIKE 'live write %'");
        assertTrue(live > 0 && live <= n[0], "inserted rows arrived (some the writer deleted again): " + live);
        assertTrue(Sql.count(t, "SELECT count(*) FROM items WHERE content LIKE 'rewritten during the copy%'") > 0, "updates arrived");
        assertEquals(0, Sql.count(t, "SELECT count(*) FROM pg_subscription"), "cutover removed the subscription");
        assertEquals(2, Sql.count(t, "SELECT count(*) FROM pg_indexes WHERE tablename = 'items' AND indexname LIKE 'idx_items_%'"));
        assertTrue(r.out().contains(Path.of(target.attribute("passwordFile")).toString()), "the report says where the password is");
        assertNoSecrets(r.out(), r.err());
    }

    @Test
    void theOperatorsTargetIsFilledAndNeverRemoved(PgServers.DbPair db) throws Exception {
        ConnectionSpec t = db.target();
        String uri = "postgresql://postgres:" + t.password() + "@127.0.0.1:" + t.port() + "/" + db.name();
        CliRun.Result r = rehearse("--rows", "300", "--bots", "2", "--target", uri, "--run-id", "mine", "--report", "mine.md");
        assertEquals(ExitCode.OK, r.exitCode(), r.toString());
        assertTrue(r.out().contains("target: postgresql://postgres@127.0.0.1:" + t.port() + "/" + db.name()), r.out());
        assertEquals(300, Sql.count(t, "SELECT count(*) FROM items"));
        assertEquals(0, Sql.count(t, "SELECT count(*) FROM pg_subscription WHERE subname LIKE 'pgvm_%' AND subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())"), "no subscription left");
        assertNothingLeft("mine");
        assertTrue(journal("mine").resourcesOfKind(LocalInstances.KIND).stream().noneMatch(x -> x.id().equals(LocalTarget.TARGET)),
                "no local target was made");
        for (String text : List.of(r.out(), r.err(), Files.readString(work.resolve("mine.md")), Files.readString(journal("mine").file()))) {
            assertFalse(text.contains(t.password()), "the target's password leaked into: " + text);
        }
        CliRun.Result withoutTarget = rehearse("--run-id", "mine");
        assertEquals(ExitCode.USAGE, withoutTarget.exitCode(), "a resumed run needs the same target: " + withoutTarget);
    }

    @Test
    void badOptionsAreRefusedBeforeAnythingStarts() {
        CliRun.Result report = rehearse("--report", "/nonexistent-dir/r.md");
        assertEquals(ExitCode.USAGE, report.exitCode());
        assertTrue(report.err().contains("directory /nonexistent-dir does not exist"), report.err());
        CliRun.Result step = rehearse("--stop-after", "lunch");
        assertEquals(ExitCode.USAGE, step.exitCode());
        assertTrue(step.err().contains("unknown step 'lunch'"), step.err());
        CliRun.Result id = rehearse("--run-id", "Bad_Id");
        assertEquals(ExitCode.USAGE, id.exitCode());
        CliRun.Result rows = rehearse("--rows", "0");
        assertEquals(ExitCode.USAGE, rows.exitCode());
        assertTrue(rows.err().contains("--rows and --bots must be at least 1"), rows.err());
        CliRun.Result target = rehearse("--target", "mysql://somewhere/db");
        assertEquals(ExitCode.USAGE, target.exitCode());
        assertTrue(target.err().contains("cannot read connection"), target.err());
        assertFalse(Files.exists(work.resolve("runs")), "no run was started");
        CliRun.Result help = rehearse("--help");
        assertEquals(ExitCode.OK, help.exitCode());
        assertTrue(help.out().contains("pgvector-migrate rehearse --rows 5000"), help.out());
    }

    @Test
    void aNonArchiveSnapshotIsBadInputAndCreatesNothing() throws Exception {
        Path notes = work.resolve("notes.sql");
        Files.writeString(notes, "SELECT 1;\n");
        CliRun.Result r = rehearse("--snapshot", notes.toString(), "--run-id", "bad");
        assertEquals(ExitCode.USAGE, r.exitCode(), r.toString());
        assertTrue(r.err().contains("error: snapshot " + notes + " is not a pg_dump archive"), r.err());
        assertTrue(journal("bad").resources().isEmpty(), "nothing was created");

        CliRun.Result missing = rehearse("--snapshot", "missing.dump");
        assertEquals(ExitCode.USAGE, missing.exitCode());
        assertTrue(missing.err().contains("does not exist"), missing.err());
    }

    @Test
    void aTableWithoutAPrimaryKeyIsReportedAndForceTeardownCleansUp(PgServers.DbPair db) throws Exception {
        Sql.exec(db.source(), "CREATE TABLE nokey(a int, b text)", "INSERT INTO nokey VALUES (1, 'x')");
        Path archive = work.resolve("nokey.dump");
        Proc.check("pg_dump", List.of(bins.tool("pg_dump").toString(), "-Fc", "-d", db.name(), "-f", archive.toString()), null,
                Map.of("PGHOST", "127.0.0.1", "PGPORT", String.valueOf(db.source().port()), "PGUSER", "postgres",
                        "PGPASSWORD", db.source().password()), Duration.ofMinutes(1));
        CliRun.Result r = rehearse("--snapshot", archive.toString(), "--run-id", "nokey");
        assertEquals(ExitCode.USAGE, r.exitCode(), r.toString());
        assertTrue(r.err().contains("nokey"), r.err());
        assertTrue(r.out().contains("--force-teardown"), "the report says how to clean up: " + r.out());

        CliRun.Result gone = rehearse("--run-id", "nokey", "--force-teardown");
        assertEquals(ExitCode.OK, gone.exitCode(), gone.toString());
        assertTrue(gone.out().startsWith("rehearse run nokey: ABANDONED") && gone.out().contains("resources left: none"), gone.out());
        assertFalse(gone.err().contains("[4/8] prepare-target (attempt 2"), "the failed step is not retried: " + gone.err());
        assertNothingLeft("nokey");
        assertTrue(Files.exists(archive), "the operator's archive is never removed");
    }

    @Test
    void aRunStoppedAfterMigrateResumesWithoutDuplicates() throws Exception {
        CliRun.Result first = rehearse("--rows", "700", "--bots", "3", "--run-id", "pause", "--stop-after", "migrate");
        assertEquals(ExitCode.OK, first.exitCode(), first.toString());
        assertTrue(first.out().startsWith("rehearse run pause: STOPPED"), first.out());

        CliRun.Result second = rehearse("--run-id", "pause", "--keep");
        assertEquals(ExitCode.OK, second.exitCode(), second.toString());
        assertTrue(second.out().contains("VERIFIED") && second.out().contains("rows moved: 700"), second.out());
        Journal j = journal("pause");
        assertEquals(1, j.step(Step.MIGRATE).attempts(), "migrate ran once");
        assertEquals(1, j.resourcesOfKind("pg.subscription").size(), "one subscription was ever made");
        Resource target = j.resource(LocalInstances.KIND, LocalTarget.TARGET).orElseThrow();
        ConnectionSpec t = new ConnectionSpec("127.0.0.1", Integer.parseInt(target.attribute("port")), "postgres", "postgres",
                Files.readString(Path.of(target.attribute("passwordFile"))).trim(), Map.of());
        assertEquals(700, Sql.count(t, "SELECT count(DISTINCT id) FROM items"));
        assertEquals(700, Sql.count(t, "SELECT count(*) FROM items"));
    }

    /**
     * A real kill -9 of the CLI's JVM: while the sample is generated in its scratch instance (restore), and
     * while the initial copy runs (migrate). The same run id then finishes verified, with no duplicates and
     * nothing left of the dead attempt.
     */
    @ParameterizedTest
    @ValueSource(strings = {"restore", "migrate"})
    void aProcessKilledMidStepResumesWithTheSameRunId(String step) throws Exception {
        Step killedIn = Step.of(step);
        String runId = "killed-" + step;
        Process p = startRehearsalProcess("--rows", "3000", "--bots", "5", "--run-id", runId);
        try {
            Path journalFile = Journal.runDir(work, runId).resolve(Journal.FILE_NAME);
            long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
            while (true) {
                assertTrue(p.isAlive(), "the rehearsal ended before the kill point: exit " + (p.isAlive() ? "" : p.exitValue()));
                assertTrue(System.nanoTime() < deadline, step + " did not start");
                if (Files.exists(journalFile)) {
                    Journal j = Journal.load(work, runId, Clock.systemUTC());
                    boolean inRestore = j.step(Step.RESTORE).status() == StepStatus.RUNNING
                            && LocalInstances.live(j, LocalProvider.SCRATCH).map(r -> r.attribute("initialized") != null).orElse(false);
                    boolean inCopy = j.step(Step.MIGRATE).status() == StepStatus.RUNNING && j.output(Step.MIGRATE, "initial-copy").isPresent();
                    if (killedIn == Step.RESTORE ? inRestore : inCopy) break;
                }
                Thread.sleep(20);
            }
            p.destroyForcibly(); // SIGKILL: no finally blocks, no journal update
            p.waitFor();
        } finally {
            if (p.isAlive()) p.destroyForcibly().waitFor();
        }
        Journal afterKill = journal(runId);
        assertEquals(StepStatus.RUNNING, afterKill.step(killedIn).status(), "killed in " + step);

        CliRun.Result resumed = rehearse("--run-id", runId, "--keep");
        assertEquals(ExitCode.OK, resumed.exitCode(), resumed.toString());
        assertTrue(resumed.err().contains(Pipeline.label(killedIn) + " (attempt 2, resuming)"), resumed.err());
        if (killedIn == Step.RESTORE) {
            Resource scratch = journal(runId).resource(LocalInstances.KIND, LocalProvider.SCRATCH).orElseThrow();
            assertTrue(scratch.deleted());
            assertTrue(postgresProcessesOn(scratch.attribute("dataDir")).isEmpty(), "the dead attempt's scratch instance is stopped");
        }
        assertTrue(resumed.out().contains("rows moved: 3,000"), resumed.out());
        Journal j = journal(runId);
        assertEquals(2, j.step(killedIn).attempts());
        assertEquals(1, j.resourcesOfKind(LocalInstances.KIND).stream().filter(r -> r.id().equals("source")).count(),
                "the temporary source was reused, not made again");
        Resource target = j.resource(LocalInstances.KIND, LocalTarget.TARGET).orElseThrow();
        ConnectionSpec t = new ConnectionSpec("127.0.0.1", Integer.parseInt(target.attribute("port")), "postgres", "postgres",
                Files.readString(Path.of(target.attribute("passwordFile"))).trim(), Map.of());
        assertEquals(3000, Sql.count(t, "SELECT count(*) FROM items"), "no duplicate rows");
        assertEquals(3000, Sql.count(t, "SELECT count(DISTINCT id) FROM items"));
        assertEquals(0, Sql.count(t, "SELECT count(*) FROM pg_subscription"), "no subscription left");
        for (Resource r : j.resourcesOfKind("pg.slot")) assertTrue(r.deleted(), "slot removed: " + r);
        for (Resource r : j.resourcesOfKind("pg.publication")) assertTrue(r.deleted(), "publication removed: " + r);
    }

    /** The CLI in its own JVM, so it can be killed for real. */
    private Process startRehearsalProcess(String... args) throws Exception {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", cp, "io.pgvectormigrate.cli.Main", "rehearse", "--work-dir", work.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(work.toFile())
                .redirectErrorStream(true).redirectOutput(work.resolve("killed-run.log").toFile());
        assertNotNull(cp);
        assertTrue(cp.contains(File.pathSeparator) || cp.endsWith(".jar"), cp);
        return pb.start();
    }
}
