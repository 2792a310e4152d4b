package io.pgvectormigrate.replication;

import io.pgvectormigrate.pg.TableFilter;
import io.pgvectormigrate.pipeline.Journal;
import io.pgvectormigrate.pipeline.Step;
import io.pgvectormigrate.pipeline.StepStatus;
import io.pgvectormigrate.report.Progress;
import io.pgvectormigrate.run.CopyPass;
import io.pgvectormigrate.run.Standalone;
import io.pgvectormigrate.testing.CliRun;
import io.pgvectormigrate.testing.PgServers;
import io.pgvectormigrate.testing.Sql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;

import static io.pgvectormigrate.replication.MigrateCliTest.url;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The process dies inside the standalone {@code migrate} and later inside {@code cutover} (native); each command run
 * again with the same run id resumes from the journal the first one left: no duplicate row, one subscription, nothing
 * left on either side, and verify passes. The kills happen in the commands' own pass (what the CLI runs after parsing).
 */
@ExtendWith(PgServers.class)
class StepCommandsResumeTest {
    /** A kill: not an exception a step can catch and journal, so the step stays RUNNING as after a real kill. */
    static final class Kill extends Error {
        Kill(String where) {
            super("simulated kill " + where, null, false, false);
        }
    }

    @Test
    void killedMigrateAndKilledCutoverResumeWithTheSameRunId(PgServers.DbPair db, @TempDir Path dir) throws Exception {
        Fixture.schemaAndRows(db, 500, 60);
        String runId = "killed-steps";
        Path work = dir.resolve(".pgvector-migrate");

        // 1. migrate dies mid-copy, after the first chunk is committed on the target
        migrateKilledMidCopy(db, runId, work);
        Journal afterKill = Journal.load(work, runId, Clock.systemUTC());
        assertEquals(StepStatus.DONE, afterKill.step(Step.PREPARE_TARGET).status());
        assertEquals(StepStatus.RUNNING, afterKill.step(Step.MIGRATE).status(), "the killed step stays RUNNING");
        assertTrue(Sql.count(db.target(), "SELECT count(*) FROM items") + Sql.count(db.target(), "SELECT count(*) FROM bot_audit") > 0,
                "part of the copy was committed before the kill");
        Fixture.writeRound(db.source(), "between", 5, new SplittableRandom(11));

        // 2. the same command again: the journal's prepare-target is skipped, migrate runs once more, from scratch
        CliRun.Result m = CliRun.run(Map.of(), dir, "migrate", "--source", url(db.source()), "--target", url(db.target()),
                "--run-id", runId);
        assertEquals(0, m.exitCode(), m.toString());
        assertTrue(m.err().contains("prepare-target: done in an earlier attempt, skipped"), m.err());
        assertTrue(m.err().contains("copying again from a fresh snapshot"), m.err());
        assertTrue(m.out().contains("run " + runId + ": initial copy complete"), m.out());
        assertEquals(Fixture.itemsHash(db.source()), Fixture.itemsHash(db.target()), "no duplicate or missing rows after migrate");

        // 3. a third migrate finds the step done and does nothing (the same rule as rehearse, run and DMS)
        CliRun.Result again = CliRun.run(Map.of(), dir, "migrate", "--source", url(db.source()), "--target", url(db.target()),
                "--run-id", runId);
        assertEquals(0, again.exitCode(), again.toString());
        assertTrue(again.err().contains("migrate: done in an earlier attempt, skipped"), again.err());
        assertFalse(again.err().contains("creating replication slot"), again.err());

        // 4. cutover dies after carrying sequences, before removing the replication
        Fixture.writeRound(db.source(), "before-cutover", 8, new SplittableRandom(12));
        AtomicInteger afterLoads = new AtomicInteger();
        NativeOptions cutoverDying = NativeOptions.defaults().withAfterLoad((target, tables, progress) -> {
            afterLoads.incrementAndGet();
            throw new Kill("mid-cutover");
        });
        assertThrows(Kill.class, () -> CopyPass.nativeCopy(Standalone.Copy.cutover(runId, work, TableFilter.ALL, false),
                db.source(), db.sourceFromTarget(), db.target(), cutoverDying, Progress.SILENT, Clock.systemUTC()));
        assertEquals(1, afterLoads.get());
        assertEquals(StepStatus.RUNNING, Journal.load(work, runId, Clock.systemUTC()).step(Step.CUTOVER).status());
        assertEquals(1, Sql.count(db.target(), "SELECT count(*) FROM pg_subscription WHERE subname = 'pgvm_killed_steps'"),
                "the subscription is still there after the kill");

        // 5. cutover again, without --run-id: it finds the run migrate journaled and finishes it
        CliRun.Result c = CliRun.run(Map.of(), dir, "cutover", "--source", url(db.source()), "--target", url(db.target()));
        assertEquals(0, c.exitCode(), c.toString());
        assertTrue(c.out().contains("run " + runId + ": cut over"), c.out());
        assertTrue(c.err().contains("[7/8] cutover (attempt 2, resuming)"), c.err());

        assertEquals(Fixture.itemsHash(db.source()), Fixture.itemsHash(db.target()), "items identical");
        assertEquals(Fixture.auditHash(db.source()), Fixture.auditHash(db.target()), "bot_audit identical");
        assertEquals(Sql.count(db.target(), "SELECT count(*) FROM items"), Sql.count(db.target(), "SELECT count(DISTINCT id) FROM items"));
        Fixture.assertNoReplicationLeft(db, runId);
        Journal j = Journal.load(work, runId, Clock.systemUTC());
        assertEquals(1, j.resourcesOfKind(NativeEngine.SUBSCRIPTION).size(), "one subscription in the whole run");
        assertEquals(1, j.resourcesOfKind(NativeEngine.PUBLICATION).size());
        assertTrue(j.liveResourcesNewestFirst().isEmpty(), j.liveResourcesNewestFirst().toString());
        assertEquals(2, j.step(Step.MIGRATE).attempts());
        assertEquals(2, j.step(Step.CUTOVER).attempts());
        assertEquals(StepStatus.DONE, j.step(Step.CUTOVER).status());

        CliRun.Result v = CliRun.run(Map.of(), dir, "verify", "--source", url(db.source()), "--target", url(db.target()));
        assertEquals(0, v.exitCode(), v.toString());
        for (String pw : new String[]{db.source().password(), db.target().password()}) {
            Fixture.assertNoSecret("the commands' output", m.out() + m.err() + c.out() + c.err(), pw);
            Fixture.assertNoSecret("the journal", java.nio.file.Files.readString(j.file()), pw);
        }
    }

    /**
     * A snapshot copy killed half-way leaves a publication and a slot but no subscription. cutover must not take that
     * for "already cut over": it refuses (exit 2), removes nothing, builds nothing, and the run resumes with migrate.
     */
    @Test
    void cutoverOfACopyKilledHalfWayIsRefusedAndTheRunResumesWithMigrate(PgServers.DbPair db, @TempDir Path dir) throws Exception {
        Fixture.schemaAndRows(db, 300, 40);
        String runId = "killed-copy";
        Path work = dir.resolve(".pgvector-migrate");
        migrateKilledMidCopy(db, runId, work);
        long partial = Sql.count(db.target(), "SELECT count(*) FROM items");

        CliRun.Result c = CliRun.run(Map.of(), dir, "cutover", "--source", url(db.source()), "--target", url(db.target()),
                "--run-id", runId);
        assertEquals(2, c.exitCode(), c.toString());
        assertTrue(c.err().contains("migrate of run " + runId + " did not finish") && c.err().contains("--run-id " + runId + " again"), c.err());
        assertFalse(c.out().contains("point the application"), c.out());
        assertEquals(1, Sql.count(db.source(), "SELECT count(*) FROM pg_publication WHERE pubname = 'pgvm_killed_copy'"), "publication kept");
        assertEquals(1, Sql.count(db.source(), "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'pgvm_killed_copy'"), "slot kept");
        assertEquals(partial, Sql.count(db.target(), "SELECT count(*) FROM items"));
        Journal j = Journal.load(work, runId, Clock.systemUTC());
        assertEquals(0, j.step(Step.CUTOVER).attempts(), "cutover did not begin");
        assertTrue(j.resource(NativeEngine.PUBLICATION, "pgvm_killed_copy").map(r -> !r.deleted()).orElse(false));

        // the engine itself refuses too, whoever calls it
        Fixture.Run r = Fixture.run(work, runId);
        io.pgvectormigrate.core.ToolException e = assertThrows(io.pgvectormigrate.core.ToolException.class, () -> new NativeEngine(
                NativeOptions.defaults()).cutover(r.ctx(), new io.pgvectormigrate.pipeline.Endpoints(db.source(), db.target(),
                db.sourceFromTarget(), TableFilter.ALL)));
        assertEquals(2, e.exitCode());
        assertTrue(e.getMessage().contains("initial copy did not finish"), e.getMessage());
        assertEquals(1, Sql.count(db.source(), "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'pgvm_killed_copy'"));

        // migrate resumes, then cutover finishes
        CliRun.Result m = CliRun.run(Map.of(), dir, "migrate", "--source", url(db.source()), "--target", url(db.target()), "--run-id", runId);
        assertEquals(0, m.exitCode(), m.toString());
        CliRun.Result done = CliRun.run(Map.of(), dir, "cutover", "--source", url(db.source()), "--target", url(db.target()), "--run-id", runId);
        assertEquals(0, done.exitCode(), done.toString());
        assertEquals(Fixture.itemsHash(db.source()), Fixture.itemsHash(db.target()));
        Fixture.assertNoReplicationLeft(db, runId);
    }

    /** migrate dies mid-copy, after the first chunk is committed on the target. */
    private static void migrateKilledMidCopy(PgServers.DbPair db, String runId, Path work) {
        NativeOptions dying = NativeOptions.defaults().withJobs(2).withChunkBytes(16 * 1024).withHooks(new NativeOptions.Hooks() {
            @Override
            public void afterChunkCopied(String table, int chunk) {
                throw new Kill("mid-copy");
            }
        });
        assertThrows(Kill.class, () -> CopyPass.nativeCopy(Standalone.Copy.migrate(runId, work, TableFilter.ALL, false),
                db.source(), db.sourceFromTarget(), db.target(), dying, Progress.SILENT, Clock.systemUTC()));
    }
}
