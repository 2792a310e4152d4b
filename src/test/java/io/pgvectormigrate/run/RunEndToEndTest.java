package io.pgvectormigrate.run;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgvectormigrate.core.ExitCode;
import io.pgvectormigrate.pipeline.Step;
import io.pgvectormigrate.report.Json;
import io.pgvectormigrate.testing.CliRun;
import io.pgvectormigrate.testing.PgServers;
import io.pgvectormigrate.testing.Sql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code run} end to end against the fakes, on real data: the snapshot's archive restored into a local PostgreSQL,
 * prepare-target on the real target, FakeDms copying the rows, the verifier comparing, cutover, teardown; exit 0,
 * verification passed, and nothing left in any fake nor in the journal.
 */
@ExtendWith(PgServers.class)
class RunEndToEndTest {
    @TempDir
    Path tmp;

    @Test
    void dmsRunCompletesVerifiedAndLeavesNothing(PgServers.DbPair db) throws Exception {
        try (RunWorld w = new RunWorld(tmp.resolve("w"), db, 400, 5)) {
            Path config = w.config("migration.yaml", """
                    cost:
                      dmsPerHour: 1.00
                      dmsMegabytesPerSecond: 20
                      acuPerHour: 0.15
                      temporaryClusterAcu: 2
                      restoreAndVerifyHours: 1.0
                      embedPer1kTokens: 0.0001
                      fargateVcpuPerHour: 0.04
                      fargateGbPerHour: 0.005
                      taskVcpu: 1
                      taskMemoryGb: 2
                      taskHoursPerBot: 0.25
                    """);
            Path report = tmp.resolve("w").resolve("report.md");
            CliRun.Result r = w.run("run", "--config", config.toString(), "--run-id", "e2e", "--report", report.toString());
            assertEquals(ExitCode.OK, r.exitCode(), r.toString());
            assertEquals(400, w.targetRows());
            assertTrue(r.out().contains("migration run e2e: VERIFIED"), r.out());
            assertTrue(r.out().contains("verification: PASSED"), r.out());
            assertTrue(r.out().contains("resources left: none"), r.out());
            assertTrue(r.out().contains("rows moved: 400"), r.out());
            assertEquals(List.of(), w.leftovers("e2e"), "nothing of the run left in any fake");
            assertTrue(w.journal("e2e").liveResourcesNewestFirst().isEmpty());
            for (Step s : Step.values()) assertEquals("DONE", w.journal("e2e").step(s).status().name(), s + "\n" + r);
            // the head starts ran next to the restore
            assertTrue(w.journal("e2e").step(Step.RESTORE).outputs().values().stream().filter(v -> v.startsWith("done")).count() == 2,
                    w.journal("e2e").step(Step.RESTORE).outputs().toString());
            // the stack's cluster and secret are untouched
            assertEquals("available", w.target.status);
            assertTrue(w.aws.secrets.secrets.containsKey("BedrockChatStackDbSecret"));
            // the indexes are back on the target, built on the data
            assertEquals(2L, Sql.count(db.target(), "SELECT count(*) FROM pg_indexes WHERE tablename = 'items' AND indexname LIKE 'idx_items_%'"));
            // the cost estimate, measured on the restored source: 5 bots, the chunks' characters
            assertTrue(r.out().contains("cost estimate") && r.out().contains("ECS task-hours = 5 bots x 0.25 h = 1.25")
                    && r.out().contains("re-embedding = $"), r.out());
            String md = Files.readString(report);
            assertTrue(md.contains("## Cost estimate") && md.contains("tool path = $"), md);
            assertTrue(md.contains("**Result: verified**") && md.contains("None: everything the run created is removed."), md);
            w.assertNoLeak(r, List.of(report), RunWorld.OLD_PASSWORD, db.target().password());
            w.assertEveryCallIsGranted();
        }
    }

    @Test
    void cdcRunKeepingTheTemporaryClusterLeavesNoReplicationBehindAndCleanupRemovesTheRest(PgServers.DbPair db) throws Exception {
        try (RunWorld w = new RunWorld(tmp.resolve("w"), db, 300, 4)) {
            Path config = w.cdcConfig("migration.yaml", "keepTemporary: true\n");
            CliRun.Result r = w.run("run", "--config", config.toString(), "--run-id", "cdc", "--format", "json");
            assertEquals(ExitCode.OK, r.exitCode(), r.toString());
            JsonNode report = Json.mapper().readTree(r.out());
            assertEquals("verified", report.get("result").asText());
            assertEquals(300, report.get("rowsMoved").asLong());
            assertTrue(report.get("verification").get("passed").asBoolean());
            // the kept temporary cluster: DMS's publication and slot are gone from it, its subscription from the target
            io.pgvectormigrate.pg.ConnectionSpec source = w.temporarySource("cdc");
            assertEquals(0L, Sql.count(source, "SELECT count(*) FROM pg_publication"));
            assertEquals(0L, Sql.count(source, "SELECT count(*) FROM pg_replication_slots"));
            assertEquals(0L, Sql.count(db.target(), "SELECT count(*) FROM pg_subscription WHERE subname LIKE 'migration\\_subscriber\\_%'"));
            assertTrue(w.aws.dms.calls().contains("StopDataMigration"), "CDC is stopped at cutover");
            // what is left is exactly the kept cluster and what belongs to it, listed in the report
            List<String> kinds = new java.util.ArrayList<>();
            report.get("resourcesLeft").forEach(n -> kinds.add(n.get("kind").asText()));
            assertEquals(List.of("secretsmanager.secret", "rds.instance", "rds.cluster", "rds.cluster-parameter-group"), kinds);
            assertEquals(List.of("cluster:pgvm-cdc-source", "instance:pgvm-cdc-writer", "group:pgvm-cdc-params",
                    "secret:pgvector-migrate/cdc/temporary-source-credentials"), w.leftovers("cdc"));

            CliRun.Result c = w.run("cleanup", "--run-id", "cdc", "--yes", "--no-final-snapshot");
            assertEquals(ExitCode.OK, c.exitCode(), c.toString());
            assertEquals(List.of(), w.leftovers("cdc"));
            assertTrue(w.journal("cdc").liveResourcesNewestFirst().isEmpty());
            w.assertNoLeak(r, List.of(), RunWorld.OLD_PASSWORD, db.target().password(), source.password());
        }
    }

    @Test
    void nativeRunCompletesWithoutDms(PgServers.DbPair db) throws Exception {
        try (RunWorld w = new RunWorld(tmp.resolve("w"), db, 250, 3)) {
            Path config = w.config("migration.yaml", "");
            CliRun.Result r = w.run("run", "--config", config.toString(), "--run-id", "nat", "--engine", "native");
            assertEquals(ExitCode.OK, r.exitCode(), r.toString());
            assertEquals(250, w.targetRows());
            assertTrue(r.out().contains("verification: PASSED") && r.out().contains("resources left: none"), r.out());
            assertEquals(List.of(), w.aws.dms.calls(), "no DMS call at all");
            assertEquals(List.of(), w.leftovers("nat"));
            assertEquals(0L, Sql.count(db.target(), "SELECT count(*) FROM pg_subscription WHERE subname LIKE '%nat%'"));
            assertTrue(w.journal("nat").liveResourcesNewestFirst().isEmpty());
            w.assertNoLeak(r, List.of(), RunWorld.OLD_PASSWORD, db.target().password());
        }
    }

    @Test
    void differencesStopTheRunWithExit3AndNothingTornDownUntilCleanup(PgServers.DbPair db) throws Exception {
        try (RunWorld w = new RunWorld(tmp.resolve("w"), db, 150, 3)) {
            Path config = w.config("migration.yaml", "");
            RunSettings s = RunSettings.resolve(new RunSettings.Flags(config, null, null, null, null, null, "diff", null, null, null,
                    null, null, List.of(), List.of(), List.of(), null, null, null, null), w.cwd);
            // something writes to the new cluster between the copy and verify
            io.pgvectormigrate.pipeline.Pipeline.Listener intruder = new io.pgvectormigrate.pipeline.Pipeline.Listener() {
                @Override
                public void afterStep(Step step, io.pgvectormigrate.pipeline.RunContext ctx, io.pgvectormigrate.pipeline.Endpoints e,
                                      boolean ok) {
                    if (step != Step.MIGRATE || !ok) return;
                    try {
                        Sql.exec(db.target(), "DELETE FROM items WHERE id = (SELECT min(id) FROM items)");
                    } catch (java.sql.SQLException ex) {
                        throw new IllegalStateException(ex);
                    }
                }
            };
            CloudRun.Result r = CloudRun.run(s, w.aws, io.pgvectormigrate.report.Progress.SILENT, java.time.Clock.systemUTC(), List.of(intruder));
            assertEquals(ExitCode.DIFFERENCES, r.outcome().exitCode(), r.report().toText());
            assertEquals("differences", r.report().result());
            assertTrue(!r.report().verification().passed());
            assertEquals("PENDING", w.journal("diff").step(Step.CUTOVER).status().name(), "no cutover after differences");
            assertEquals("PENDING", w.journal("diff").step(Step.TEARDOWN).status().name(), "no teardown after differences");
            assertTrue(w.leftovers("diff").contains("cluster:pgvm-diff-source"), "the temporary cluster stays for a look");
            assertTrue(w.aws.dms.inventory().contains("data-migration pgvm-diff-dms"));
            assertTrue(r.report().next().stream().anyMatch(n -> n.contains("pgvector-migrate cleanup --run-id diff")), r.report().next().toString());

            CliRun.Result c = w.run("cleanup", "--run-id", "diff", "--yes", "--no-final-snapshot");
            assertEquals(ExitCode.OK, c.exitCode(), c.toString());
            assertEquals(List.of(), w.leftovers("diff"));
        }
    }
}
