package io.pgvectormigrate.run;

import io.pgvectormigrate.core.ExitCode;
import io.pgvectormigrate.pipeline.Journal;
import io.pgvectormigrate.testing.CliRun;
import io.pgvectormigrate.testing.PgServers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad input to the step commands is exit 2 with nothing created: no journal, no AWS call. */
@ExtendWith(PgServers.class)
class StepCommandsBadInputTest {
    @TempDir
    Path tmp;

    @Test
    void aDmsMigrateWithoutATargetAndACutoverOfAnUnknownRunCreateNoJournal(PgServers.DbPair db) throws Exception {
        try (RunWorld w = new RunWorld(tmp.resolve("w"), db, 10, 1)) {
            CliRun.Result m = w.run("migrate", "--engine", "dms", "--run-id", "fresh", "--dms-role-arn", RunWorld.ROLE_ARN,
                    "--region", RunWorld.REGION);
            assertEquals(ExitCode.USAGE, m.exitCode(), m.toString());
            assertTrue(m.err().contains("no --target, and run fresh has no target cluster recorded"), m.err());
            assertFalse(Journal.exists(w.workDir(), "fresh"), "bad input left a journal behind");

            CliRun.Result c = w.run("cutover", "--engine", "dms", "--run-id", "never", "--region", RunWorld.REGION);
            assertEquals(ExitCode.USAGE, c.exitCode(), c.toString());
            assertTrue(c.err().contains("nothing to cut over for run never") && c.err().contains("run migrate first"), c.err());
            assertFalse(Journal.exists(w.workDir(), "never"));
            assertFalse(Files.exists(w.workDir().resolve("runs")), "no run directory at all");
            assertEquals(java.util.List.of(), w.aws.dms.calls(), "no DMS call");
        }
    }

    /** A standalone migrate --engine dms checks the roles DMS assumes before its first create, as run's preflight does. */
    @Test
    void aDmsMigrateChecksTheRolesBeforeCreatingAnything(PgServers.DbPair db) throws Exception {
        try (RunWorld w = new RunWorld(tmp.resolve("w"), db, 10, 1)) {
            String c = w.config("migration.yaml", "").toString();
            assertEquals(ExitCode.OK, w.run("restore", "--snapshot", RunWorld.SNAPSHOT, "--stack", RunWorld.STACK, "--run-id", "r7",
                    "--region", RunWorld.REGION).exitCode());
            String vpc = w.aws.iam.roles.remove("dms-vpc-role");
            CliRun.Result noVpcRole = w.run("migrate", "--engine", "dms", "--run-id", "r7", "--config", c);
            assertEquals(ExitCode.USAGE, noVpcRole.exitCode(), noVpcRole.toString());
            assertTrue(noVpcRole.err().contains("no IAM role dms-vpc-role"), noVpcRole.err());
            w.aws.iam.roles.put("dms-vpc-role", vpc);
            w.aws.iam.roles.put(RunWorld.ROLE, io.pgvectormigrate.aws.fake.FakeIam.trust(java.util.List.of("dms-data-migrations.amazonaws.com")));
            CliRun.Result trust = w.run("migrate", "--engine", "dms", "--run-id", "r7", "--config", c);
            assertEquals(ExitCode.USAGE, trust.exitCode(), trust.toString());
            assertTrue(trust.err().contains("does not trust dms.us-east-1.amazonaws.com"), trust.err());
            assertTrue(w.aws.dms.calls().stream().noneMatch(x -> x.startsWith("Create")), "nothing created: " + w.aws.dms.calls());
            assertEquals(ExitCode.OK, w.run("cleanup", "--run-id", "r7", "--yes", "--no-final-snapshot").exitCode());
        }
    }
}
