package io.pgvectormigrate.run;

import io.pgvectormigrate.aws.dms.FakeDms;
import io.pgvectormigrate.aws.fake.SimulatedCrash;
import io.pgvectormigrate.core.ExitCode;
import io.pgvectormigrate.pipeline.Endpoints;
import io.pgvectormigrate.pipeline.Pipeline;
import io.pgvectormigrate.pipeline.RunContext;
import io.pgvectormigrate.pipeline.Step;
import io.pgvectormigrate.pipeline.StepStatus;
import io.pgvectormigrate.report.Progress;
import io.pgvectormigrate.testing.CliRun;
import io.pgvectormigrate.testing.PgServers;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The process dies during a run, then the same command with the same run id resumes it: it ends verified, with every
 * row once on the target, one of each resource while it ran, and nothing left anywhere (no resource in any fake,
 * nothing live in the journal, no orphan without tags either). Crashes come at the end of each step (its work done, the
 * journal not yet saying so: the hardest point to resume from), after each RDS and Secrets Manager change, and around
 * DMS calls, including in a head start running next to the restore.
 */
@ExtendWith(PgServers.class)
class RunCrashResumeTest {
    private static final int ROWS = 120;

    @TempDir
    Path tmp;

    /** Dies in afterStep of {@code at}: the step's work is done, the journal still has it RUNNING. */
    private record CrashAfter(Step at) implements Pipeline.Listener {
        @Override
        public void afterStep(Step step, RunContext ctx, Endpoints endpoints, boolean succeeded) {
            if (step == at && succeeded) throw new SimulatedCrash("the end of " + step);
        }
    }

    private RunWorld world(PgServers.DbPair db) throws Exception {
        return new RunWorld(tmp.resolve("w"), db, ROWS, 3);
    }

    @ParameterizedTest(name = "crash at the end of {0}, then resume")
    @EnumSource(Step.class)
    void crashAtTheEndOfEachStepThenResume(Step step, PgServers.DbPair db) throws Exception {
        try (RunWorld w = world(db)) {
            Path config = w.config("migration.yaml", "");
            RunSettings s = RunSettings.resolve(new RunSettings.Flags(config, null, null, null, null, null, "crash", null, null, null,
                    null, null, List.of(), List.of(), List.of(), null, null, null, null), w.cwd);
            assertThrows(SimulatedCrash.class, () -> CloudRun.run(s, w.aws, Progress.SILENT, Clock.systemUTC(), List.of(new CrashAfter(step))));
            assertEquals(StepStatus.RUNNING, w.journal("crash").step(step).status(), "a crash leaves the step running");
            resumeAndCheck(w, config, List.of());
        }
    }

    /** AwsCrashResumeTest crashes after every one of these for restore and cleanup; here the restore, the writer's reboot and the teardown's. */
    @ParameterizedTest(name = "crash after the RDS/Secrets Manager change #{0}, then resume")
    @ValueSource(ints = {3, 5, 9})
    void crashAfterEachAwsChangeThenResume(int n, PgServers.DbPair db) throws Exception {
        try (RunWorld w = world(db)) {
            Path config = w.config("migration.yaml", "");
            w.aws.faults.crashAfterMutation(n);
            SimulatedCrash crash = assertThrows(SimulatedCrash.class, () -> w.run("run", "--config", config.toString(), "--run-id", "crash"));
            String after = w.aws.faults.mutations().get(n - 1);
            assertTrue(crash.getMessage().contains(after), crash.getMessage());
            // the writer comes up pending-reboot with the new parameter group (FakeRds, as RDS may): restore reboots it
            List<String> expected = List.of("CreateDBClusterParameterGroup", "ModifyDBClusterParameterGroup", "RestoreDBClusterFromSnapshot",
                    "CreateDBInstance", "RebootDBInstance", "CreateSecret", "ModifyDBCluster", "DeleteDBInstance", "DeleteDBCluster",
                    "DeleteDBClusterParameterGroup", "DeleteSecret");
            assertEquals(expected.get(n - 1), after, "the changes come in this order");
            resumeAndCheck(w, config, List.of(crash.getMessage()));
        }
    }

    @ParameterizedTest(name = "crash {1} {0} #{2}, then resume")
    /** DmsCrashResumeTest crashes around every DMS call of the engine; here in a head start, the load and the teardown. */
    @CsvSource({
            "CreateInstanceProfile, AFTER, 1",     // in the head start, next to the restore
            "DescribeDataMigrations, AFTER, 4",    // while the load runs
            "DeleteDataMigration, AFTER, 1",       // teardown
    })
    void crashAroundDmsCallsThenResume(String operation, FakeDms.When when, int occurrence, PgServers.DbPair db) throws Exception {
        try (RunWorld w = world(db)) {
            Path config = w.config("migration.yaml", "");
            w.aws.dms.crash(operation, when, occurrence);
            assertThrows(SimulatedCrash.class, () -> w.run("run", "--config", config.toString(), "--run-id", "crash"));
            w.aws.dms.clearCrashes();
            resumeAndCheck(w, config, List.of());
        }
    }

    /**
     * The same for a full-load-and-cdc run, on FakeDms as documented (statuses, Stop refused while Starting, no
     * filters): killed while the initial sync runs, or right after cutover stopped DMS, then resumed and verified.
     */
    @ParameterizedTest(name = "CDC run: crash {1} {0} #{2}, then resume")
    @CsvSource({
            "DescribeDataMigrations, AFTER, 6",    // while the initial sync runs
            "StopDataMigration, AFTER, 1",         // cutover: DMS stopped, the response lost
    })
    void crashAroundDmsCallsOfACdcRunThenResume(String operation, FakeDms.When when, int occurrence, PgServers.DbPair db) throws Exception {
        try (RunWorld w = world(db)) {
            Path config = w.cdcConfig("migration.yaml", "");
            w.aws.dms.crash(operation, when, occurrence);
            assertThrows(SimulatedCrash.class, () -> w.run("run", "--config", config.toString(), "--run-id", "crash"));
            w.aws.dms.clearCrashes();
            resumeAndCheck(w, config, List.of());
        }
    }

    private static void resumeAndCheck(RunWorld w, Path config, List<String> notes) throws Exception {
        CliRun.Result r = w.run("run", "--config", config.toString(), "--run-id", "crash");
        assertEquals(ExitCode.OK, r.exitCode(), notes + "\n" + r);
        assertTrue(r.out().contains("migration run crash: VERIFIED") && r.out().contains("resources left: none"), r.out());
        assertEquals(ROWS, w.targetRows(), "every row once");
        assertEquals(List.of(), w.leftovers("crash"), "nothing of the run in any fake");
        assertTrue(w.journal("crash").liveResourcesNewestFirst().isEmpty(), w.journal("crash").resources().toString());
        // nothing untagged left behind either
        assertEquals(Set.of(RunWorld.TARGET), w.aws.rds.clusters.keySet());
        assertEquals(Set.of(), w.aws.rds.instances.keySet());
        assertEquals(Set.of(), w.aws.rds.groups.keySet());
        assertEquals(Set.of("BedrockChatStackDbSecret"), w.aws.secrets.secrets.keySet());
        assertEquals(List.of(), w.aws.dms.inventory());
        // one of each DMS object was ever made (a create the fake refused as a name clash made nothing)
        for (String create : List.of("CreateReplicationSubnetGroup", "CreateInstanceProfile", "CreateMigrationProject", "CreateDataMigration")) {
            assertEquals(1, w.aws.dms.calls(create), create + " " + w.aws.dms.calls());
        }
        w.assertNoLeak(r, List.of(), RunWorld.OLD_PASSWORD, w.db.target().password());
    }
}
