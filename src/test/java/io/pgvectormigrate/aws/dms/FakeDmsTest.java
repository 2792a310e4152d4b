package io.pgvectormigrate.aws.dms;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.databasemigration.model.DataMigration;
import software.amazon.awssdk.services.databasemigration.model.DatabaseMigrationException;
import software.amazon.awssdk.services.databasemigration.model.DescribeDataMigrationsResponse;
import software.amazon.awssdk.services.databasemigration.model.InvalidResourceStateException;
import software.amazon.awssdk.services.databasemigration.model.MigrationTypeValue;
import software.amazon.awssdk.services.databasemigration.model.ReplicationSubnetGroupDoesNotCoverEnoughAZsException;
import software.amazon.awssdk.services.databasemigration.model.ResourceAlreadyExistsException;
import software.amazon.awssdk.services.databasemigration.model.ResourceNotFoundException;
import software.amazon.awssdk.services.databasemigration.model.StartReplicationMigrationTypeValue;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fake follows the DMS API reference where the engine depends on it: states, preconditions, faults. */
class FakeDmsTest {
    private static final String ROLE = "arn:aws:iam::123456789012:role/pgvector-migrate-dms";
    /** The DMS role has exactly what `iam-policy --document dms-permissions` prints; the secrets resolve to nothing. */
    private final java.util.Map<String, List<String>> policies = new java.util.HashMap<>(java.util.Map.of(ROLE,
            List.of(io.pgvectormigrate.aws.fake.PrintedPolicies.dmsPermissions(FakeDms.REGION))));
    private final FakeDms dms = new FakeDms(id -> null, policies::get)
            .subnetZones(java.util.Map.of("subnet-a", "us-east-1a", "subnet-b", "us-east-1b", "subnet-c", "us-east-1a")::get)
            .statusStyle(FakeDms.StatusStyle.GUIDE);

    private String profile() {
        dms.createReplicationSubnetGroup(b -> b.replicationSubnetGroupIdentifier("sg1").replicationSubnetGroupDescription("d")
                .subnetIds("subnet-a", "subnet-b"));
        return dms.createInstanceProfile(b -> b.instanceProfileName("p").subnetGroupIdentifier("sg1")
                .tags(t -> t.key("k").value("v"))).instanceProfile().instanceProfileArn();
    }

    private String provider(String name) {
        return dms.createDataProvider(b -> b.dataProviderName(name).engine("aurora-postgresql")
                .settings(s -> s.postgreSqlSettings(pg -> pg.serverName("h").port(5432).databaseName("postgres").sslMode("require"))))
                .dataProvider().dataProviderArn();
    }

    private String project(String profile, String src, String tgt) {
        return dms.createMigrationProject(b -> b.migrationProjectName("proj").instanceProfileIdentifier(profile)
                .sourceDataProviderDescriptors(d -> d.dataProviderIdentifier(src).secretsManagerSecretId("s1").secretsManagerAccessRoleArn(ROLE))
                .targetDataProviderDescriptors(d -> d.dataProviderIdentifier(tgt).secretsManagerSecretId("s2").secretsManagerAccessRoleArn(ROLE)))
                .migrationProject().migrationProjectArn();
    }

    /** Pages through every data migration (no filter name is documented) and picks this one. */
    private DataMigration describe(String arn) {
        String marker = null;
        DataMigration found = null;
        do {
            String m = marker;
            DescribeDataMigrationsResponse r = dms.describeDataMigrations(b -> b.marker(m));
            for (DataMigration d : r.dataMigrations()) if (d.dataMigrationArn().equals(arn)) found = d;
            marker = r.marker();
        } while (marker != null);
        return found;
    }

    private String migration(String project, String name, String role) {
        return dms.createDataMigration(b -> b.dataMigrationName(name).migrationProjectIdentifier(project)
                .dataMigrationType(MigrationTypeValue.FULL_LOAD).serviceAccessRoleArn(role).enableCloudwatchLogs(true)
                .selectionRules("{\"rules\":[{\"rule-type\":\"selection\",\"rule-action\":\"include\",\"object-locator\":{\"schema-name\":\"public\",\"table-name\":\"%\"}}]}"))
                .dataMigration().dataMigrationArn();
    }

    @Test
    void objectsReferToEachOtherAndCannotBeDeletedWhileInUse() {
        String profile = profile();
        String src = provider("src");
        String tgt = provider("tgt");
        String project = project(profile, src, tgt);
        String dm = migration(project, "dm", ROLE);

        assertThrows(InvalidResourceStateException.class, () -> dms.deleteReplicationSubnetGroup(b -> b.replicationSubnetGroupIdentifier("sg1")));
        assertThrows(InvalidResourceStateException.class, () -> dms.deleteInstanceProfile(b -> b.instanceProfileIdentifier(profile)));
        assertThrows(InvalidResourceStateException.class, () -> dms.deleteDataProvider(b -> b.dataProviderIdentifier("src")));
        assertThrows(InvalidResourceStateException.class, () -> dms.deleteMigrationProject(b -> b.migrationProjectIdentifier(project)));

        dms.deleteDataMigration(b -> b.dataMigrationIdentifier(dm));
        assertEquals("Creating", describe(dm).dataMigrationStatus(), "the guide lists no Deleting label: the status stays as it was");
        assertThrows(InvalidResourceStateException.class, () -> dms.deleteMigrationProject(b -> b.migrationProjectIdentifier(project)),
                "a project cannot go while its data migration is still being deleted");
        describe(dm);
        assertEquals(null, describe(dm));
        dms.deleteMigrationProject(b -> b.migrationProjectIdentifier(project));
        dms.deleteDataProvider(b -> b.dataProviderIdentifier(src));
        dms.deleteDataProvider(b -> b.dataProviderIdentifier("tgt"));
        dms.deleteInstanceProfile(b -> b.instanceProfileIdentifier("p"));
        dms.deleteReplicationSubnetGroup(b -> b.replicationSubnetGroupIdentifier("SG1"));
        assertEquals(List.of(), dms.inventory());
        assertThrows(ResourceNotFoundException.class, () -> dms.deleteDataProvider(b -> b.dataProviderIdentifier(src)));
        assertThrows(ResourceNotFoundException.class, () -> dms.listTagsForResource(b -> b.resourceArn(profile)));
    }

    @Test
    void dataMigrationLifeCycleAndItsPreconditions() {
        String project = project(profile(), provider("src"), provider("tgt"));
        String arn = migration(project, "dm", ROLE);
        assertEquals("Creating", dms.statusOf("dm"));
        assertThrows(InvalidResourceStateException.class, () -> dms.startDataMigration(b -> b.dataMigrationIdentifier(arn)
                .startType(StartReplicationMigrationTypeValue.START_REPLICATION)), "not Ready yet");
        assertEquals("Ready", describe(arn).dataMigrationStatus());
        assertThrows(InvalidResourceStateException.class, () -> dms.stopDataMigration(b -> b.dataMigrationIdentifier(arn)), "not running");
        assertThrows(InvalidResourceStateException.class, () -> dms.startDataMigration(b -> b.dataMigrationIdentifier(arn)
                .startType(StartReplicationMigrationTypeValue.RELOAD_TARGET)), "reload needs a stopped or failed migration");
        assertEquals("Starting", dms.startDataMigration(b -> b.dataMigrationIdentifier(arn)
                .startType(StartReplicationMigrationTypeValue.START_REPLICATION)).dataMigration().dataMigrationStatus());
        assertThrows(InvalidResourceStateException.class, () -> dms.deleteDataMigration(b -> b.dataMigrationIdentifier(arn)), "running");
        assertThrows(InvalidResourceStateException.class, () -> dms.stopDataMigration(b -> b.dataMigrationIdentifier(arn)),
                "no stop while the serverless environment is provisioned");
        // the secrets resolve to nothing: the role may not read them, and the migration fails with DMS's words
        describe(arn);
        DataMigration failed = describe(arn);
        assertEquals("Failed", failed.dataMigrationStatus());
        assertTrue(failed.lastFailureMessage().contains("secretsmanager:GetSecretValue"), failed.lastFailureMessage());
        dms.deleteDataMigration(b -> b.dataMigrationIdentifier(arn));
    }

    @Test
    void faultsForNamesBadInputAndUnknownFilters() {
        profile();
        assertThrows(ResourceAlreadyExistsException.class, () -> dms.createInstanceProfile(b -> b.instanceProfileName("p")));
        assertThrows(ResourceNotFoundException.class, () -> dms.createInstanceProfile(b -> b.instanceProfileName("q").subnetGroupIdentifier("nope")));
        assertEquals(true, dms.createInstanceProfile(b -> b.instanceProfileName("public")).instanceProfile().publiclyAccessible(),
                "the API's default is publicly accessible");
        assertThrows(ReplicationSubnetGroupDoesNotCoverEnoughAZsException.class, () -> dms.createReplicationSubnetGroup(b -> b
                .replicationSubnetGroupIdentifier("one").replicationSubnetGroupDescription("d").subnetIds("subnet-a")));
        assertThrows(ReplicationSubnetGroupDoesNotCoverEnoughAZsException.class, () -> dms.createReplicationSubnetGroup(b -> b
                .replicationSubnetGroupIdentifier("same-az").replicationSubnetGroupDescription("d").subnetIds("subnet-a", "subnet-c")),
                "two subnets, one Availability Zone");
        assertThrows(software.amazon.awssdk.services.databasemigration.model.InvalidSubnetException.class, () -> dms.createReplicationSubnetGroup(b -> b
                .replicationSubnetGroupIdentifier("nope").replicationSubnetGroupDescription("d").subnetIds("subnet-a", "subnet-zzz")));
        assertThrows(DatabaseMigrationException.class, () -> dms.describeDataMigrations(b -> b.filters(f -> f.name("data-migration-identifier")
                .values("x"))), "DescribeDataMigrations documents no filter names");
        assertThrows(DatabaseMigrationException.class, () -> dms.describeReplicationSubnetGroups(b -> b.maxRecords(10)), "MaxRecords 20-100");
        assertThrows(DatabaseMigrationException.class, () -> dms.createDataProvider(b -> b.dataProviderName("x").engine("aurora-postgresql")
                .settings(s -> s.postgreSqlSettings(pg -> pg.serverName("h").port(5432).databaseName("d").sslMode("verify-full")))),
                "verify-full needs a certificate");
        assertThrows(DatabaseMigrationException.class, () -> dms.describeDataProviders(b -> b.filters(f -> f.name("name").values("x"))));
        assertThrows(ResourceNotFoundException.class, () -> dms.createMigrationProject(b -> b.migrationProjectName("m")
                .instanceProfileIdentifier("p")
                .sourceDataProviderDescriptors(d -> d.dataProviderIdentifier("missing"))
                .targetDataProviderDescriptors(d -> d.dataProviderIdentifier("missing"))));
        assertEquals("v", dms.tagsOf(dms.profileNamed("p").orElseThrow().instanceProfileArn()).get("k"));
    }

    @Test
    void crashesAreInjectedBeforeOrAfterTheCallTakesEffect() {
        dms.crash("CreateDataProvider", FakeDms.When.BEFORE, 1).crash("CreateDataProvider", FakeDms.When.AFTER, 2);
        assertThrows(FakeDms.FakeCrash.class, () -> provider("a"));
        assertEquals(List.of(), dms.inventory());
        assertThrows(FakeDms.FakeCrash.class, () -> provider("a"));
        assertEquals(List.of("data-provider a"), dms.inventory());
        provider("b");
        assertEquals(2, dms.inventory().size());
    }

    /** The policy iam-policy printed before this change: Describe actions, logs and metrics only. */
    private static final String DESCRIBE_ONLY_POLICY = """
            {"Version":"2012-10-17","Statement":[
             {"Sid":"DescribeNetwork","Effect":"Allow","Action":["ec2:DescribeVpcs","ec2:DescribeSubnets","ec2:DescribeSecurityGroups",
              "ec2:DescribeNetworkInterfaces","ec2:DescribeAvailabilityZones","ec2:DescribeInternetGateways","ec2:DescribeDhcpOptions",
              "ec2:DescribeRouteTables","ec2:DescribeVpcEndpoints"],"Resource":"*"},
             {"Sid":"WriteDataMigrationLogs","Effect":"Allow","Action":["logs:CreateLogGroup","logs:CreateLogStream","logs:PutLogEvents",
              "logs:DescribeLogStreams","logs:PutRetentionPolicy"],"Resource":["arn:aws:logs:*:*:log-group:dms-data-migration-*",
              "arn:aws:logs:*:*:log-group:dms-data-migration-*:log-stream:*"]},
             {"Sid":"PublishDataMigrationMetrics","Effect":"Allow","Action":["cloudwatch:PutMetricData"],"Resource":"*"}]}""";

    private DataMigration startAndProvision(String role) {
        String project = project(profile(), provider("src"), provider("tgt"));
        String arn = migration(project, "dm", role);
        describe(arn);
        dms.startDataMigration(b -> b.dataMigrationIdentifier(arn).startType(StartReplicationMigrationTypeValue.START_REPLICATION));
        describe(arn);
        return describe(arn);
    }

    @Test
    void aRoleWithoutTheDocumentedNetworkPermissionsFailsTheMigrationAsDmsWould() {
        String weak = "arn:aws:iam::123456789012:role/describe-only";
        policies.put(weak, List.of(DESCRIBE_ONLY_POLICY));
        DataMigration failed = startAndProvision(weak);
        assertEquals("Failed", failed.dataMigrationStatus());
        assertTrue(failed.lastFailureMessage().contains("is not authorized to perform: ec2:DescribeVpcPeeringConnections"), failed.lastFailureMessage());
    }

    @Test
    void theRoleWithExactlyWhatIamPolicyPrintsGetsPastTheNetworkToTheSecrets() {
        DataMigration failed = startAndProvision(ROLE);
        assertEquals("Failed", failed.dataMigrationStatus());
        assertTrue(failed.lastFailureMessage().contains("secretsmanager:GetSecretValue"), "the next thing DMS needs: " + failed.lastFailureMessage());
    }

    @Test
    void describesPageWithMarkersAndStatusesGoOutInTheConfiguredCasing() {
        dms.statusStyle(FakeDms.StatusStyle.UPPER);
        String project = project(profile(), provider("src"), provider("tgt"));
        for (int i = 0; i < 5; i++) migration(project, "dm" + i, ROLE);
        DescribeDataMigrationsResponse first = dms.describeDataMigrations(b -> b.maxRecords(100));
        assertEquals(2, first.dataMigrations().size(), "small pages whatever MaxRecords says");
        assertTrue(first.marker() != null);
        assertEquals("READY", first.dataMigrations().get(0).dataMigrationStatus());
        assertEquals(List.of("dm2", "dm3"), dms.describeDataMigrations(b -> b.marker(first.marker())).dataMigrations().stream()
                .map(DataMigration::dataMigrationName).toList());
        assertEquals("load-complete-replication-ongoing", FakeDms.StatusStyle.KEBAB.render(FakeDms.LOAD_COMPLETE_REPLICATION_ONGOING));
    }
}
