package io.pgvectormigrate.aws.dms;

import io.pgvectormigrate.pg.ConnectionSpec;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.databasemigration.model.DataMigration;
import software.amazon.awssdk.services.databasemigration.model.MigrationTypeValue;
import software.amazon.awssdk.services.databasemigration.model.StartReplicationMigrationTypeValue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DMS reads each data provider's secret as the secrets-access role: the role must be allowed GetSecretValue on that
 * secret (its ARN and tags). FakeDms also checks the role may read no other secret of the account.
 */
class FakeDmsSecretsTest {
    private static final String ROLE = "arn:aws:iam::123456789012:role/pgvector-migrate-dms";
    private static final String SOURCE = "arn:aws:secretsmanager:us-east-1:123456789012:secret:pgvector-migrate/r1/temporary-source-credentials-Ab12Cd";
    private static final String TARGET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:BedrockChatStackDbSecret-Xy34Zw";
    private static final String CAPTURED = "arn:aws:secretsmanager:us-east-1:123456789012:secret:pgvector-migrate/r1/captured-Qw12Er";

    private final Map<String, List<String>> policies = new HashMap<>(Map.of(ROLE, List.of(io.pgvectormigrate.aws.fake.PrintedPolicies.dmsPermissions(FakeDms.REGION))));
    /** Every secret resolves to a login no server answers: past the secrets, the migration fails on the connection. */
    private final FakeDms dms = new FakeDms(id -> new ConnectionSpec("127.0.0.1", 1, "postgres", "postgres", "pw", Map.of()), policies::get)
            .subnetZones(Map.of("subnet-a", "us-east-1a", "subnet-b", "us-east-1b")::get);

    private static FakeDms.AccountSecret secret(String arn, Map<String, String> tags) {
        String name = arn.substring(arn.indexOf(":secret:") + 8, arn.lastIndexOf('-'));
        return new FakeDms.AccountSecret(arn, name, tags);
    }

    private static final FakeDms.AccountSecret SOURCE_SECRET = secret(SOURCE, Map.of("pgvector-migrate:run-id", "r1"));
    private static final FakeDms.AccountSecret TARGET_SECRET = secret(TARGET, Map.of("aws:cloudformation:stack-name", "BedrockChatStack"));
    private static final FakeDms.AccountSecret CAPTURED_SECRET = secret(CAPTURED, Map.of("pgvector-migrate:run-id", "r1"));
    private static final FakeDms.AccountSecret OTHER = secret("arn:aws:secretsmanager:us-east-1:123456789012:secret:other-app-Zx98Cv", Map.of());

    private String lastFailure(List<FakeDms.AccountSecret> account) {
        dms.secretsOfAccount(() -> account);
        dms.createReplicationSubnetGroup(b -> b.replicationSubnetGroupIdentifier("sg1").replicationSubnetGroupDescription("d")
                .subnetIds("subnet-a", "subnet-b"));
        String profile = dms.createInstanceProfile(b -> b.instanceProfileName("p").subnetGroupIdentifier("sg1")).instanceProfile().instanceProfileArn();
        String[] providers = new String[2];
        for (int i = 0; i < 2; i++) {
            int n = i;
            providers[i] = dms.createDataProvider(b -> b.dataProviderName("dp" + n).engine("aurora-postgresql")
                    .settings(s -> s.postgreSqlSettings(pg -> pg.serverName("127.0.0.1").port(1).databaseName("postgres").sslMode("require"))))
                    .dataProvider().dataProviderArn();
        }
        String project = dms.createMigrationProject(b -> b.migrationProjectName("proj").instanceProfileIdentifier(profile)
                .sourceDataProviderDescriptors(d -> d.dataProviderIdentifier(providers[0]).secretsManagerSecretId(SOURCE).secretsManagerAccessRoleArn(ROLE))
                .targetDataProviderDescriptors(d -> d.dataProviderIdentifier(providers[1]).secretsManagerSecretId(TARGET).secretsManagerAccessRoleArn(ROLE)))
                .migrationProject().migrationProjectArn();
        String arn = dms.createDataMigration(b -> b.dataMigrationName("dm").migrationProjectIdentifier(project)
                .dataMigrationType(MigrationTypeValue.FULL_LOAD).serviceAccessRoleArn(ROLE).enableCloudwatchLogs(true)
                .selectionRules("{\"rules\":[{\"rule-type\":\"selection\",\"rule-id\":\"1\",\"rule-name\":\"1\",\"rule-action\":\"include\","
                        + "\"object-locator\":{\"schema-name\":\"public\",\"table-name\":\"items\"}}]}")).dataMigration().dataMigrationArn();
        DataMigration dm = null;
        for (int i = 0; i < 4; i++) {
            dm = dms.describeDataMigrations(b -> b.maxRecords(100)).dataMigrations().get(0);
            if (i == 0) dms.startDataMigration(b -> b.dataMigrationIdentifier(arn).startType(StartReplicationMigrationTypeValue.START_REPLICATION));
        }
        assertEquals("Failed", dm.dataMigrationStatus(), dm.toString());
        return dm.lastFailureMessage();
    }

    @Test
    void thePrintedRoleReadsExactlyTheTwoSecrets() {
        String failure = lastFailure(List.of(SOURCE_SECRET, TARGET_SECRET, CAPTURED_SECRET, OTHER));
        assertFalse(failure.contains("GetSecretValue") || failure.contains("least-privilege"), failure);
        assertTrue(failure.contains("Failed to connect"), "past both secrets, on to the databases: " + failure);
    }

    @Test
    void aSecretTheRoleMayNotReadFailsTheMigrationAsDmsWould() {
        // the stack's secret without CloudFormation's tag: the role's ReadTargetSecret statement does not cover it
        String failure = lastFailure(List.of(SOURCE_SECRET, secret(TARGET, Map.of()), OTHER));
        assertTrue(failure.contains("is not authorized to perform: secretsmanager:GetSecretValue on resource: " + TARGET), failure);
        // a secret the account does not hold
        assertTrue(new FakeDmsSecretsTest().lastFailure(List.of(TARGET_SECRET)).contains("GetSecretValue on resource: " + SOURCE));
    }

    @Test
    void aRoleThatMayReadAnyOtherSecretIsRefused() {
        policies.put(ROLE, List.of(io.pgvectormigrate.aws.fake.PrintedPolicies.dmsPermissions(FakeDms.REGION),
                "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"secretsmanager:GetSecretValue\","
                        + "\"Resource\":\"arn:aws:secretsmanager:us-east-1:123456789012:secret:*\"}]}"));
        String failure = lastFailure(List.of(SOURCE_SECRET, TARGET_SECRET, OTHER));
        assertTrue(failure.contains("least-privilege") && failure.contains("may also read secret other-app"), failure);
    }
}
