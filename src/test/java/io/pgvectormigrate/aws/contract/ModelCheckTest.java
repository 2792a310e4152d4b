package io.pgvectormigrate.aws.contract;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.databasemigration.DatabaseMigrationClient;
import software.amazon.awssdk.services.databasemigration.model.CreateDataMigrationRequest;
import software.amazon.awssdk.services.databasemigration.model.DescribeDataMigrationsRequest;
import software.amazon.awssdk.services.databasemigration.model.DescribeDataMigrationsResponse;
import software.amazon.awssdk.services.databasemigration.model.StartDataMigrationRequest;
import software.amazon.awssdk.services.rds.model.ModifyDbClusterRequest;
import software.amazon.awssdk.services.rds.model.RestoreDbClusterFromSnapshotRequest;
import software.amazon.awssdk.services.secretsmanager.model.CreateSecretRequest;
import software.amazon.awssdk.services.secretsmanager.model.ListSecretsRequest;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The instrument can fail: requests that break the models are caught, good ones pass, and values of secrets are never quoted. */
class ModelCheckTest {
    private static String problems(Object request) {
        return ModelCheck.check(request).toString();
    }

    @Test
    void aWellFormedRequestPasses() {
        assertEquals(List.of(), ModelCheck.check(CreateDataMigrationRequest.builder().dataMigrationName("pgvm-r1-dms")
                .migrationProjectIdentifier("arn:aws:dms:us-east-1:123456789012:migration-project:X").dataMigrationType("full-load")
                .serviceAccessRoleArn("arn:aws:iam::123456789012:role/r").tags(t -> t.key("pgvector-migrate:run-id").value("r1")).build()));
        assertEquals("dms:CreateDataMigration", ModelCheck.operationOf(CreateDataMigrationRequest.builder().build()));
        assertEquals("rds:RestoreDBClusterFromSnapshot", ModelCheck.operationOf(RestoreDbClusterFromSnapshotRequest.builder().build()));
    }

    @Test
    void missingRequiredMembersBadEnumsAndLimitsAreViolations() {
        String p = problems(CreateDataMigrationRequest.builder().dataMigrationType("full-load-only").build());
        assertTrue(p.contains("MigrationProjectIdentifier: required member missing"), p);
        assertTrue(p.contains("ServiceAccessRoleArn: required member missing"), p);
        assertTrue(p.contains("DataMigrationType: 'full-load-only' is not one of [full-load, cdc, full-load-and-cdc]"), p);
        assertTrue(problems(StartDataMigrationRequest.builder().dataMigrationIdentifier("x").build()).contains("StartType: required member missing"));
        assertTrue(problems(DescribeDataMigrationsRequest.builder().marker("m".repeat(1025)).build()).contains("length 1025 above the maximum 1024"));
        List<software.amazon.awssdk.services.secretsmanager.model.Filter> eleven = new ArrayList<>();
        for (int i = 0; i < 11; i++) eleven.add(software.amazon.awssdk.services.secretsmanager.model.Filter.builder().key("name").values("x").build());
        assertTrue(problems(ListSecretsRequest.builder().filters(eleven).build()).contains("list size 11 above the maximum 10"));
        assertTrue(problems(ListSecretsRequest.builder().filters(f -> f.key("tag-key").values("bad|value")).build()).contains("does not match the pattern"));
    }

    @Test
    void documentedRulesFromTheModelTextAreChecked() {
        String secret = problems(CreateSecretRequest.builder().name("pgvector-migrate/r1/temporary-source").secretString("{}").build());
        assertTrue(secret.contains("hyphen and six characters"), secret);
        String restore = problems(RestoreDbClusterFromSnapshotRequest.builder().dbClusterIdentifier("pgvm--x").snapshotIdentifier("s")
                .engine("aurora-postgresql").serverlessV2ScalingConfiguration(c -> c.minCapacity(0.3).maxCapacity(300.0))
                .tags(t -> t.key("aws:owner").value("me")).build());
        assertTrue(restore.contains("DBClusterIdentifier: 'pgvm--x' ends with a hyphen or has two in a row"), restore);
        assertTrue(restore.contains("MinCapacity: 0.3 is not a half step"), restore);
        assertTrue(restore.contains("MaxCapacity: above 256 ACU"), restore);
        assertTrue(restore.contains("reserved prefix aws:"), restore);
    }

    @Test
    void sensitiveValuesAreNeverQuoted() {
        String p = problems(ModifyDbClusterRequest.builder().dbClusterIdentifier("c").masterUserPassword("short\"pw").build());
        assertTrue(p.contains("MasterUserPassword"), p);
        assertFalse(p.contains("short"), p);
    }

    @Test
    void theRecorderStopsABadRequestBeforeTheFakeSeesItAndCountsTheGoodOnes() {
        List<Object> seen = new ArrayList<>();
        DatabaseMigrationClient fake = new DatabaseMigrationClient() {
            @Override public String serviceName() { return "dms"; }
            @Override public void close() { }
            @Override public DescribeDataMigrationsResponse describeDataMigrations(DescribeDataMigrationsRequest r) {
                seen.add(r);
                return DescribeDataMigrationsResponse.builder().build();
            }
        };
        DatabaseMigrationClient client = ContractRecorder.wrap(DatabaseMigrationClient.class, fake);
        long before = ContractRecorder.counts().getOrDefault("dms:DescribeDataMigrations", 0L);
        client.describeDataMigrations(b -> b.maxRecords(20)); // the Consumer overload comes through the request overload
        assertEquals(1, seen.size());
        assertEquals(before + 1, ContractRecorder.counts().get("dms:DescribeDataMigrations"));
        assertThrows(AssertionError.class, () -> ContractRecorder.expectingViolation(
                () -> client.describeDataMigrations(b -> b.marker("m".repeat(2000)))));
        assertEquals(1, seen.size(), "the refused request never reached the fake");
    }
}
