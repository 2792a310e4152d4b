package io.pgvectormigrate.aws;

import io.pgvectormigrate.aws.fake.FailureClasses;
import io.pgvectormigrate.testing.CliRun;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each AWS failure class ({@link AwsErrors.Kind}, the table in docs/architecture.md) through each command that calls
 * RDS, Secrets Manager or CloudFormation: the class's exit code and its one line saying what to do. The faults come on
 * the wire, under the clients' retry strategy (persistent ones outlast it). DMS and IAM: run/DmsFailureClassesTest.
 */
class AwsFailureClassesTest {
    @TempDir
    Path tmp;

    /** Every attempt of {@code operation} fails with a fault of the class; the words of the tool's line for it. */
    private static String inject(World w, AwsErrors.Kind kind, String operation, String service, String quotaCode) {
        return FailureClasses.of(kind, service, quotaCode).injectInto(w.aws.faults, operation).says();
    }

    static void assertClass(AwsErrors.Kind kind, String says, CliRun.Result r) {
        assertEquals(kind.exitCode, r.exitCode(), kind + ":\n" + r);
        assertTrue(r.err().contains(says), kind + ": " + r.err());
        assertFalse(r.err().contains("unexpected"), "translated, not an unexpected failure: " + r.err());
    }

    @ParameterizedTest
    @EnumSource(AwsErrors.Kind.class)
    void restore(AwsErrors.Kind kind) {
        World w = new World(tmp);
        String says = inject(w, kind, "RestoreDBClusterFromSnapshot", "Rds", "DBClusterQuotaExceededFault");
        assertClass(kind, says, w.run("restore", "--snapshot", World.SNAPSHOT, "--run-id", "f1"));
    }

    @ParameterizedTest
    @EnumSource(AwsErrors.Kind.class)
    void plan(AwsErrors.Kind kind) {
        World w = new World(tmp);
        String says = inject(w, kind, "DescribeDBClusterSnapshots", "Rds", "DBClusterQuotaExceededFault");
        assertClass(kind, says, w.run("plan", "--snapshot", World.SNAPSHOT, "--stack", World.STACK, "--run-id", "f2"));
    }

    @ParameterizedTest
    @EnumSource(AwsErrors.Kind.class)
    void capture(AwsErrors.Kind kind) {
        World w = new World(tmp);
        String says = inject(w, kind, "CreateSecret", "SecretsManager", "LimitExceededException");
        assertClass(kind, says, w.run("capture", "--cluster", World.OLD_CLUSTER, "--stack", "BedrockChatStackBeforeDeploy",
                "--run-id", "f3"));
    }

    @ParameterizedTest
    @EnumSource(AwsErrors.Kind.class)
    void captureReadingTheStack(AwsErrors.Kind kind) {
        World w = new World(tmp);
        String says = inject(w, kind, "DescribeStacks", "CloudFormation", "LimitExceededException");
        assertClass(kind, says, w.run("capture", "--cluster", World.OLD_CLUSTER, "--stack", "BedrockChatStackBeforeDeploy",
                "--run-id", "f4"));
    }

    @ParameterizedTest
    @EnumSource(AwsErrors.Kind.class)
    void cleanup(AwsErrors.Kind kind) {
        World w = new World(tmp);
        assertEquals(0, w.run("restore", "--snapshot", World.SNAPSHOT, "--run-id", "f5").exitCode());
        String says = inject(w, kind, "DeleteDBInstance", "Rds", "DBClusterQuotaExceededFault");
        assertClass(kind, says, w.run("cleanup", "--run-id", "f5", "--yes"));
    }
}
