package io.pgvectormigrate.aws;

import io.pgvectormigrate.aws.fake.FakeAws;
import io.pgvectormigrate.aws.fake.FakeRds;
import io.pgvectormigrate.core.ExitCode;
import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pipeline.Journal;
import io.pgvectormigrate.report.Progress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.rds.RdsClient;
import software.amazon.awssdk.services.rds.model.ApplyMethod;
import software.amazon.awssdk.services.rds.model.Parameter;
import software.amazon.awssdk.services.rds.model.RdsException;
import software.amazon.awssdk.services.secretsmanager.model.InvalidRequestException;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The RDS and Secrets Manager fakes refuse what AWS documents as refused, and the tool copes: it waits for a new
 * master password to take effect, sends delete and parameter options AWS accepts, and says what to do about a secret
 * scheduled for deletion. No database is needed: these are the fakes' rules and the tool's requests.
 */
class AwsAsDocumentedTest {
    @TempDir
    Path tmp;

    private final FakeAws aws = new FakeAws("us-east-1");
    private final AwsWaits waits = new AwsWaits(Pacing.immediate(), Progress.SILENT);

    private FakeRds.Cluster cluster(String id) {
        FakeRds.Cluster c = aws.rds.addCluster(id, "15.5", null, List.of("sg-1"));
        c.masterPassword = "Old-Passw0rd-1";
        return c;
    }

    private static String code(RdsException e) {
        return e.awsErrorDetails().errorCode();
    }

    // ---------------------------------------------------------------- master password

    @Test
    void aNewMasterPasswordTakesEffectOnlyAfterTheClusterReportedResettingForAWhile() {
        FakeRds.Cluster c = cluster("c1");
        RdsClient rds = aws.rds();
        rds.modifyDBCluster(b -> b.dbClusterIdentifier("c1").masterUserPassword("New-Passw0rd-2").applyImmediately(true));
        List<String> seen = new ArrayList<>();
        List<String> passwords = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            seen.add(rds.describeDBClusters(b -> b.dbClusterIdentifier("c1")).dbClusters().get(0).status());
            passwords.add(c.masterPassword);
        }
        assertEquals(List.of("available", "resetting-master-credentials", "resetting-master-credentials", "available",
                "available", "available"), seen);
        assertEquals(List.of("Old-Passw0rd-1", "Old-Passw0rd-1", "Old-Passw0rd-1", "New-Passw0rd-2", "New-Passw0rd-2",
                "New-Passw0rd-2"), passwords, "the old password works until the reset ends");
    }

    @Test
    void theToolWaitsUntilTheNewPasswordTookEffect() {
        for (int showsAfter = 0; showsAfter < TemporaryCluster.SHOW_POLLS; showsAfter++) {
            String runId = "pw" + showsAfter;
            RunNames n = new RunNames(runId);
            FakeRds.Cluster c = cluster(n.cluster());
            aws.rds.passwordResetShowsAfterPolls = showsAfter;
            new TemporaryCluster(waits, new RdsOps(aws.rds()), Duration.ofSeconds(30)).resetMasterPassword(n, "New-Passw0rd-2");
            assertEquals("New-Passw0rd-2", c.masterPassword, "returned before the reset took effect (shows after " + showsAfter + ")");
            assertNull(c.pendingPassword);
            assertEquals("available", c.status);
        }
    }

    // ---------------------------------------------------------------- DeleteDBCluster

    @Test
    void deleteDbClusterRefusesContradictorySnapshotOptions() {
        cluster("c2");
        RdsClient rds = aws.rds();
        RdsException both = assertThrows(RdsException.class, () -> rds.deleteDBCluster(b -> b.dbClusterIdentifier("c2")
                .skipFinalSnapshot(true).finalDBSnapshotIdentifier("c2-final")));
        assertEquals("InvalidParameterCombination", code(both));
        RdsException neither = assertThrows(RdsException.class, () -> rds.deleteDBCluster(b -> b.dbClusterIdentifier("c2")
                .skipFinalSnapshot(false)));
        assertEquals("InvalidParameterCombination", code(neither));
        assertEquals("available", aws.rds.clusters.get("c2").status, "a refused delete leaves the cluster alone");
        assertTrue(aws.rds.snapshots.keySet().stream().noneMatch(s -> s.startsWith("c2")));
    }

    @Test
    void theToolDeletesAClusterWithAndWithoutAFinalSnapshot() {
        for (boolean finalSnapshot : List.of(true, false)) {
            String runId = finalSnapshot ? "fs1" : "fs0";
            RunNames n = new RunNames(runId);
            cluster(n.cluster());
            Journal j = Journal.open(tmp, runId, "restore", Clock.systemUTC());
            ResourceHandler clusters = AwsHandlers.standard(aws, waits).stream()
                    .filter(h -> h.kind().equals(Kinds.RDS_CLUSTER)).findFirst().orElseThrow();
            ResourceHandler.Live live = clusters.inspect(n.cluster(), Map.of()).orElseThrow();
            clusters.delete(live, new ResourceHandler.DeleteContext(j, n, "us-east-1", finalSnapshot, Duration.ofSeconds(30)));
            assertTrue(clusters.inspect(n.cluster(), Map.of()).isEmpty(), "deleted");
            assertEquals(finalSnapshot, aws.rds.snapshots.containsKey(n.finalSnapshot()), "final snapshot " + finalSnapshot);
        }
    }

    /** Cleanup's second wait for the run's cluster (its parameter group still in use) is the SDK's RdsWaiter. */
    @Test
    void aParameterGroupStillUsedByTheRunsDeletingClusterIsDeletedOnceTheSdkWaiterSawTheClusterGo() {
        RunNames n = new RunNames("pgw");
        aws.rds().createDBClusterParameterGroup(b -> b.dbClusterParameterGroupName(n.parameterGroup())
                .dbParameterGroupFamily("aurora-postgresql15").description("test"));
        FakeRds.Cluster c = cluster(n.cluster());
        c.parameterGroup = n.parameterGroup();
        aws.rds().deleteDBCluster(b -> b.dbClusterIdentifier(n.cluster()).skipFinalSnapshot(true));
        Journal j = Journal.open(tmp, "pgw", "restore", Clock.systemUTC());
        ResourceHandler groups = AwsHandlers.standard(aws, waits).stream()
                .filter(h -> h.kind().equals(Kinds.RDS_PARAMETER_GROUP)).findFirst().orElseThrow();
        groups.delete(groups.inspect(n.parameterGroup(), Map.of()).orElseThrow(),
                new ResourceHandler.DeleteContext(j, n, "us-east-1", false, Duration.ofSeconds(30)));
        assertTrue(aws.rds.groups.isEmpty() && aws.rds.clusters.get(n.cluster()) == null);
        assertEquals(2, aws.faults.log().stream().filter("rds:DeleteDBClusterParameterGroup"::equals).count(),
                "refused while the cluster was there, deleted after the wait");
    }

    // ---------------------------------------------------------------- parameter groups

    @Test
    void theParameterGroupRefusesUnknownParametersAndImmediateOnStaticOnes() {
        RdsClient rds = aws.rds();
        rds.createDBClusterParameterGroup(b -> b.dbClusterParameterGroupName("g1").dbParameterGroupFamily("aurora-postgresql15")
                .description("test"));
        RdsException unknown = assertThrows(RdsException.class, () -> rds.modifyDBClusterParameterGroup(b -> b
                .dbClusterParameterGroupName("g1").parameters(Parameter.builder().parameterName("rds.no_such_thing")
                        .parameterValue("1").applyMethod(ApplyMethod.PENDING_REBOOT).build())));
        assertEquals("InvalidParameterValue", code(unknown));
        RdsException immediate = assertThrows(RdsException.class, () -> rds.modifyDBClusterParameterGroup(b -> b
                .dbClusterParameterGroupName("g1").parameters(Parameter.builder().parameterName("rds.logical_replication")
                        .parameterValue("1").applyMethod(ApplyMethod.IMMEDIATE).build())));
        assertEquals("InvalidParameterCombination", code(immediate));
        assertTrue(aws.rds.groups.get("g1").parameters.isEmpty(), "a refused call changes nothing");
        // a dynamic parameter takes immediate
        rds.modifyDBClusterParameterGroup(b -> b.dbClusterParameterGroupName("g1").parameters(Parameter.builder()
                .parameterName("work_mem").parameterValue("65536").applyMethod(ApplyMethod.IMMEDIATE).build()));
        assertEquals("65536", aws.rds.groups.get("g1").parameters.get("work_mem"));
    }

    @Test
    void theToolSetsOnlyKnownParametersAndStaticOnesAtTheNextReboot() {
        Journal j = Journal.open(tmp, "pg1", "restore", Clock.systemUTC());
        new ParameterGroupStep(new RdsOps(aws.rds())).ensure(j, "us-east-1", "pgvm-pg1-params", "aurora-postgresql15");
        FakeRds.Group g = aws.rds.groups.get("pgvm-pg1-params");
        assertEquals(ParameterGroupStep.PARAMETERS, g.parameters);
        for (String name : ParameterGroupStep.PARAMETERS.keySet()) {
            assertEquals("static", FakeRds.PARAMETER_APPLY_TYPES.get(name), name);
            assertEquals("pending-reboot", g.applyMethods.get(name), name);
        }
    }

    // ---------------------------------------------------------------- Secrets Manager

    @Test
    void aSecretScheduledForDeletionRefusesWritesAndTheToolSaysHowToRestoreIt() {
        String arn = aws.secrets.add("pgvector-migrate/sd1/temporary-source-credentials", "{\"username\":\"postgres\"}").arn;
        aws.secrets.secrets.get("pgvector-migrate/sd1/temporary-source-credentials").deletedDate = Instant.now();
        InvalidRequestException refused = assertThrows(InvalidRequestException.class, () -> aws.secretsManager()
                .putSecretValue(b -> b.secretId(arn).secretString("{}")));
        assertEquals("InvalidRequestException", refused.awsErrorDetails().errorCode());
        assertEquals("{\"username\":\"postgres\"}", aws.secrets.secrets.get("pgvector-migrate/sd1/temporary-source-credentials").value);

        Secrets secrets = new Secrets(aws.secretsManager());
        DbSecret value = new DbSecret("postgres", "h", 5432, "postgres", "Some-Passw0rd-3", "postgres", "c");
        ToolException put = assertThrows(ToolException.class, () -> secrets.put(arn, value, "sd1"));
        assertEquals(ExitCode.USAGE, put.exitCode());
        assertTrue(put.getMessage().contains("scheduled for deletion") && put.getMessage().contains("restore-secret"), put.getMessage());
        // creating it again under the same name is refused the same way (Secrets Manager keeps the name while scheduled)
        Journal j = Journal.open(tmp, "sd1", "restore", Clock.systemUTC());
        ToolException create = assertThrows(ToolException.class, () -> secrets.ensure(j, "us-east-1",
                "pgvector-migrate/sd1/temporary-source-credentials", Kinds.PURPOSE_TEMPORARY_SOURCE, Tags.ROLE_SOURCE_CREDENTIALS, "d", value));
        assertEquals(ExitCode.USAGE, create.exitCode());
        assertTrue(create.getMessage().contains("restore-secret"), create.getMessage());
        assertTrue(!put.getMessage().contains("Some-Passw0rd-3") && !create.getMessage().contains("Some-Passw0rd-3"));
    }
}
