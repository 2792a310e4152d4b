package io.pgvectormigrate.run;

import io.pgvectormigrate.aws.dms.FakeDms;
import io.pgvectormigrate.aws.fake.SimulatedCrash;
import io.pgvectormigrate.core.ExitCode;
import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pipeline.Journal;
import io.pgvectormigrate.testing.CliRun;
import io.pgvectormigrate.testing.PgServers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The steps one by one with the DMS engine (restore, prepare-target, migrate --engine dms, verify, migrate --cutover,
 * cleanup), and cleanup of a run's DMS objects from the journal and, when the journal is lost, from their tags:
 * always before the temporary cluster, in DMS's dependency order.
 */
@ExtendWith(PgServers.class)
class MigrateDmsAndCleanupTest {
    @TempDir
    Path tmp;

    private static String url(ConnectionSpec s) {
        return "postgresql://" + s.user() + ":" + s.password() + "@" + s.host() + ":" + s.port() + "/" + s.database();
    }

    @Test
    void stepByStepWithTheDmsEngineThenCleanupDeletesDmsObjectsFirst(PgServers.DbPair db) throws Exception {
        try (RunWorld w = new RunWorld(tmp.resolve("w"), db, 200, 3)) {
            String config = w.config("migration.yaml", "").toString();
            ConnectionSpec source = w.restoreAndPrepareTarget("m1");
            String sourcePassword = source.password();

            // everything else from the run's journal and the stack: source, target, network, both secrets
            CliRun.Result m = w.run("migrate", "--engine", "dms", "--run-id", "m1", "--config", config);
            assertEquals(ExitCode.OK, m.exitCode(), m.toString());
            assertTrue(m.out().contains("run m1: DMS full-load of 1 table(s) complete"), m.out());
            assertTrue(m.out().contains("next: then cut over"), m.out());
            assertEquals(200, w.targetRows());
            var project = w.aws.dms.projectNamed("pgvm-m1-dms").orElseThrow();
            assertEquals(w.aws.secrets.secrets.get("pgvector-migrate/m1/temporary-source-credentials").arn,
                    project.sourceDataProviderDescriptors().get(0).secretsManagerSecretId());
            assertEquals(w.stackSecretArn, project.targetDataProviderDescriptors().get(0).secretsManagerSecretId());
            assertEquals(List.of("sg-target"), w.aws.dms.profileNamed("pgvm-m1-dms").orElseThrow().vpcSecurityGroups());

            CliRun.Result v = w.run("verify", "--source", url(source), "--target", url(db.target()));
            assertEquals(ExitCode.OK, v.exitCode(), v.toString());
            CliRun.Result c = w.run("migrate", "--engine", "dms", "--run-id", "m1", "--config", config, "--cutover", "--format", "json");
            assertEquals(ExitCode.OK, c.exitCode(), c.toString());
            assertTrue(c.out().contains("\"cutover\""), c.out());

            CliRun.Result dry = w.run("cleanup", "--run-id", "m1", "--dry-run");
            assertEquals(ExitCode.OK, dry.exitCode(), dry.toString());
            List<String> kinds = dry.out().lines().filter(l -> l.startsWith("  delete")).map(l -> l.trim().split("\\s+")[1]).toList();
            assertEquals(List.of("dms.data-migration", "dms.migration-project", "dms.data-provider", "dms.data-provider",
                    "dms.instance-profile", "dms.replication-subnet-group", "rds.instance", "rds.cluster",
                    "rds.cluster-parameter-group", "secretsmanager.secret"), kinds, dry.out());

            w.aws.faults.clearLog();
            int dmsBefore = w.aws.dms.calls().size();
            CliRun.Result clean = w.run("cleanup", "--run-id", "m1", "--yes", "--no-final-snapshot");
            assertEquals(ExitCode.OK, clean.exitCode(), clean.toString());
            assertEquals(List.of("DeleteDataMigration", "DeleteMigrationProject", "DeleteDataProvider", "DeleteDataProvider",
                    "DeleteInstanceProfile", "DeleteReplicationSubnetGroup"), w.aws.dms.calls().subList(dmsBefore, w.aws.dms.calls().size())
                    .stream().filter(x -> x.startsWith("Delete")).toList());
            assertEquals(List.of("DeleteDBInstance", "DeleteDBCluster", "DeleteDBClusterParameterGroup", "DeleteSecret"), w.aws.faults.mutations());
            assertEquals(List.of(), w.leftovers("m1"));
            assertTrue(w.journal("m1").liveResourcesNewestFirst().isEmpty());
            CliRun.Result again = w.run("cleanup", "--run-id", "m1", "--yes");
            assertEquals(ExitCode.OK, again.exitCode(), again.toString());
            assertTrue(again.out().contains("nothing to delete"), again.out());
            for (CliRun.Result r : List.of(m, c, dry, clean)) w.assertNoLeak(r, List.of(), sourcePassword, RunWorld.OLD_PASSWORD);
            w.assertEveryCallIsGranted();
        }
    }

    @Test
    void cleanupOfACrashedRunStopsTheRunningMigrationAndDeletesEverythingEvenWithoutTheJournal(PgServers.DbPair db) throws Exception {
        try (RunWorld w = new RunWorld(tmp.resolve("w"), db, 200, 3)) {
            String config = w.config("migration.yaml", "").toString();
            w.aws.dms.startingPolls(40); // DMS still provisioning when the process dies
            w.aws.dms.crash("DescribeDataMigrations", FakeDms.When.AFTER, 5);
            assertThrows(SimulatedCrash.class, () -> w.run("run", "--config", config, "--run-id", "lost"));
            w.aws.dms.clearCrashes();
            assertEquals(io.pgvectormigrate.aws.dms.FakeDms.STARTING, w.aws.dms.statusOf("pgvm-lost-dms"));
            // the journal is lost: cleanup finds the run's objects by their tags
            try (var walk = Files.walk(Journal.runDir(w.workDir(), "lost"))) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
            CliRun.Result clean = w.run("cleanup", "--run-id", "lost", "--discover", "--region", RunWorld.REGION, "--yes",
                    "--no-final-snapshot");
            assertEquals(ExitCode.OK, clean.exitCode(), clean.toString());
            List<String> calls = w.aws.dms.calls();
            assertTrue(calls.lastIndexOf("StopDataMigration") >= 0 && calls.lastIndexOf("StopDataMigration") < calls.indexOf("DeleteDataMigration"),
                    "the running migration is stopped before it is deleted: " + calls);
            assertEquals(List.of(), w.leftovers("lost"));
            assertEquals(List.of(), w.aws.dms.inventory());
            assertEquals(java.util.Set.of(RunWorld.TARGET), w.aws.rds.clusters.keySet(), "the stack's cluster is never touched");
            assertTrue(w.aws.secrets.secrets.containsKey("BedrockChatStackDbSecret"));
            w.assertEveryCallIsGranted();
        }
    }

    @Test
    void helpShowsExamples() {
        CliRun.Result run = CliRun.run("run", "--help");
        assertEquals(ExitCode.OK, run.exitCode());
        assertTrue(run.out().contains("Examples:") && run.out().contains("--config migration.yaml") && run.out().contains("--engine"),
                run.out());
        CliRun.Result migrate = CliRun.run("migrate", "--help");
        assertTrue(migrate.out().contains("migrate --engine dms --run-id bedrock-v1") && migrate.out().contains("--dms-role-arn"), migrate.out());
        CliRun.Result cleanup = CliRun.run("cleanup", "--help");
        assertTrue(cleanup.out().contains("DMS objects"), cleanup.out());
    }
}
