package io.pgvectormigrate.run;

import io.pgvectormigrate.aws.AwsErrors;
import io.pgvectormigrate.aws.fake.FailureClasses;
import io.pgvectormigrate.testing.CliRun;
import io.pgvectormigrate.testing.PgServers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each AWS failure class (the table in docs/architecture.md) through the commands that call DMS and IAM: run's
 * preflight (IAM GetRole), migrate --engine dms (DMS CreateDataProvider) and cleanup of the DMS objects: the same
 * exit code and words as for RDS (aws/AwsFailureClassesTest), a DMS denial naming the IAM action. Each fault is on the
 * wire under the clients' retry strategy; the run resumes once it is gone.
 */
@ExtendWith(PgServers.class)
class DmsFailureClassesTest {
    @TempDir
    Path tmp;

    /** Every attempt of {@code operation} fails with a fault of the class; the words of the tool's line for it. */
    private static String inject(RunWorld w, String operation, AwsErrors.Kind kind, String service, String quotaCode) {
        return FailureClasses.of(kind, service, quotaCode).injectInto(w.aws.faults, operation).says();
    }

    private static void assertClass(AwsErrors.Kind kind, String says, CliRun.Result r) {
        assertEquals(kind.exitCode, r.exitCode(), kind + ":\n" + r);
        assertTrue(r.err().contains(says), kind + ": " + r.err());
        assertFalse(r.err().contains("unexpected"), "translated, not an unexpected failure: " + r.err());
    }

    @Test
    void eachClassThroughRunMigrateAndCleanup(PgServers.DbPair db) throws Exception {
        try (RunWorld w = new RunWorld(tmp.resolve("w"), db, 20, 2)) {
            String config = w.config("migration.yaml", "").toString();
            for (AwsErrors.Kind kind : AwsErrors.Kind.values()) {
                String says = inject(w, "GetRole", kind, "Iam", "LimitExceeded");
                assertClass(kind, says, w.run("run", "--config", config, "--run-id", "fr-" + kind.ordinal()));
                w.aws.faults.fail("GetRole", 0, () -> null);
            }

            w.restoreAndPrepareTarget("fm");
            for (AwsErrors.Kind kind : AwsErrors.Kind.values()) {
                String says = inject(w, "CreateDataProvider", kind, "DatabaseMigration", "ResourceQuotaExceededFault");
                CliRun.Result r = w.run("migrate", "--engine", "dms", "--run-id", "fm", "--config", config);
                assertClass(kind, says, r);
                if (kind == AwsErrors.Kind.DENIED) assertTrue(r.err().contains("dms:CreateDataProvider"), "names the action: " + r.err());
            }
            w.aws.faults.fail("CreateDataProvider", 0, () -> null);
            // the data migration looked up while migrate watches DMS (paginated describes): the same classes
            for (AwsErrors.Kind kind : AwsErrors.Kind.values()) {
                String says = inject(w, "DescribeDataMigrations", kind, "DatabaseMigration", "ResourceQuotaExceededFault");
                assertClass(kind, says, w.run("migrate", "--engine", "dms", "--run-id", "fm", "--config", config));
            }
            w.aws.faults.fail("DescribeDataMigrations", 0, () -> null);

            for (AwsErrors.Kind kind : AwsErrors.Kind.values()) {
                String says = inject(w, "DeleteInstanceProfile", kind, "DatabaseMigration", "ResourceQuotaExceededFault");
                assertClass(kind, says, w.run("cleanup", "--run-id", "fm", "--yes"));
            }
            w.aws.faults.fail("DeleteInstanceProfile", 0, () -> null);
            CliRun.Result clean = w.run("cleanup", "--run-id", "fm", "--yes");
            assertEquals(0, clean.exitCode(), "once the fault is gone the same command finishes:\n" + clean);
        }
    }
}
