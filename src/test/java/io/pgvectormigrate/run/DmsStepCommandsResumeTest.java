package io.pgvectormigrate.run;

import io.pgvectormigrate.aws.dms.FakeDms;
import io.pgvectormigrate.aws.fake.SimulatedCrash;
import io.pgvectormigrate.core.ExitCode;
import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pipeline.Step;
import io.pgvectormigrate.pipeline.StepStatus;
import io.pgvectormigrate.testing.CliRun;
import io.pgvectormigrate.testing.PgServers;
import io.pgvectormigrate.testing.Sql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The DMS step commands on the fakes: the process dies inside {@code migrate --engine dms} (after DMS created the data
 * migration) and inside {@code cutover --engine dms} (after DMS stopped it); each command run again with the same run id
 * resumes from the journal: one of each DMS object, every row once, DMS's publication and slot gone, verify passes.
 */
@ExtendWith(PgServers.class)
class DmsStepCommandsResumeTest {
    @TempDir
    Path tmp;

    @Test
    void killedMigrateAndKilledCutoverResumeWithTheSameRunId(PgServers.DbPair db) throws Exception {
        try (RunWorld w = new RunWorld(tmp.resolve("w"), db, 240, 3)) {
            Path config = w.cdcConfig("migration.yaml", "");
            ConnectionSpec source = w.restoreAndPrepareTarget("k1");
            String sourcePassword = source.password();

            // 1. migrate dies right after DMS created the data migration, before the response reached the tool
            w.aws.dms.crash("CreateDataMigration", FakeDms.When.AFTER, 1);
            assertThrows(SimulatedCrash.class, () -> w.run("migrate", "--engine", "dms", "--run-id", "k1", "--config", config.toString()));
            w.aws.dms.clearCrashes();
            assertEquals(StepStatus.RUNNING, w.journal("k1").step(Step.MIGRATE).status(), "the killed step stays RUNNING");

            // 2. the same command again adopts what DMS made and finishes the load
            CliRun.Result m = w.run("migrate", "--engine", "dms", "--run-id", "k1", "--config", config.toString());
            assertEquals(ExitCode.OK, m.exitCode(), m.toString());
            assertTrue(m.err().contains("[5/8] migrate (attempt 2, resuming)"), m.err());
            assertTrue(m.out().contains("next: then cut over"), m.out());
            assertEquals(List.of("replication-subnet-group pgvm-k1-dms", "instance-profile pgvm-k1-dms", "data-provider pgvm-k1-dms-source",
                    "data-provider pgvm-k1-dms-target", "migration-project pgvm-k1-dms", "data-migration pgvm-k1-dms"),
                    w.aws.dms.inventory(), "one of each DMS object");
            assertEquals(240, w.targetRows());

            // 3. changes on the source stream through CDC; cutover dies right after DMS stopped the migration
            Sql.exec(source, "UPDATE items SET source = 's3://moved' WHERE id = (SELECT min(id) FROM items)");
            w.aws.dms.crash("StopDataMigration", FakeDms.When.AFTER, 1);
            assertThrows(SimulatedCrash.class, () -> w.run("cutover", "--engine", "dms", "--run-id", "k1", "--config", config.toString()));
            w.aws.dms.clearCrashes();
            assertEquals(StepStatus.RUNNING, w.journal("k1").step(Step.CUTOVER).status());

            // 4. cutover again finishes: DMS's publication and slot are gone from the source, sequences carried
            CliRun.Result c = w.run("cutover", "--engine", "dms", "--run-id", "k1", "--config", config.toString(), "--format", "json");
            assertEquals(ExitCode.OK, c.exitCode(), c.toString());
            assertTrue(c.out().contains("\"cutover\""), c.out());
            assertEquals(0L, Sql.count(source, "SELECT count(*) FROM pg_publication"));
            assertEquals(0L, Sql.count(source, "SELECT count(*) FROM pg_replication_slots"));
            assertEquals(1, w.aws.dms.inventory().stream().filter(i -> i.startsWith("data-migration")).count(), "one data migration");
            assertEquals(240, w.targetRows());
            assertEquals(Sql.count(db.target(), "SELECT count(*) FROM items"), Sql.count(db.target(), "SELECT count(DISTINCT id) FROM items"));
            assertEquals(2, w.journal("k1").step(Step.MIGRATE).attempts());
            assertEquals(2, w.journal("k1").step(Step.CUTOVER).attempts());

            CliRun.Result v = w.run("verify", "--source", RunWorld.url(source), "--target", RunWorld.url(db.target()));
            assertEquals(ExitCode.OK, v.exitCode(), v.toString());

            CliRun.Result clean = w.run("cleanup", "--run-id", "k1", "--yes", "--no-final-snapshot");
            assertEquals(ExitCode.OK, clean.exitCode(), clean.toString());
            assertEquals(List.of(), w.leftovers("k1"));
            for (CliRun.Result r : List.of(m, c, clean)) w.assertNoLeak(r, List.of(), sourcePassword, RunWorld.OLD_PASSWORD);
            w.assertEveryCallIsGranted();
        }
    }
}
