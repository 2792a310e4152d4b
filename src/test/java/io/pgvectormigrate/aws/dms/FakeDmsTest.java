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
    private final FakeDms dms = new FakeDms(id -> null);

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
                .sourceDataProviderDescriptors(d -> d.dataProviderIdentifier(src).secretsManagerSecretId("s1").secretsManagerAccessRoleArn("r"))
                .targetDataProviderDescriptors(d -> d.dataProviderIdentifier(tgt).secretsManagerSecretId("s2").secretsManagerAccessRoleArn("r")))
                .migrationProject().migrationProjectArn();
    }

    private DataMigration describe(String arn) {
        DescribeDataMigrationsResponse r = dms.describeDataMigrations(b -> b.filters(f -> f.name("data-migration-identifier").values(arn)));
        return r.dataMigrations().isEmpty() ? null : r.dataMigrations().get(0);
    }

    @Test
    void objectsReferToEachOtherAndCannotBeDeletedWhileInUse() {
        String profile = profile();
        String src = provider("src");
        String tgt = provider("tgt");
        String project = project(profile, src, tgt);
        String dm = dms.createDataMigration(b -> b.dataMigrationName("dm").migrationProjectIdentifier(project)
                .dataMigrationType(MigrationTypeValue.FULL_LOAD).serviceAccessRoleArn("r")
                .selectionRules("{\"rules\":[{\"rule-type\":\"selection\",\"rule-action\":\"include\",\"object-locator\":{\"schema-name\":\"public\",\"table-name\":\"%\"}}]}"))
                .dataMigration().dataMigrationArn();

        assertThrows(InvalidResourceStateException.class, () -> dms.deleteReplicationSubnetGroup(b -> b.replicationSubnetGroupIdentifier("sg1")));
        assertThrows(InvalidResourceStateException.class, () -> dms.deleteInstanceProfile(b -> b.instanceProfileIdentifier(profile)));
        assertThrows(InvalidResourceStateException.class, () -> dms.deleteDataProvider(b -> b.dataProviderIdentifier("src")));
        assertThrows(InvalidResourceStateException.class, () -> dms.deleteMigrationProject(b -> b.migrationProjectIdentifier(project)));

        dms.deleteDataMigration(b -> b.dataMigrationIdentifier(dm));
        assertEquals("Deleting", describe(dm).dataMigrationStatus());
        assertThrows(InvalidResourceStateException.class, () -> dms.deleteMigrationProject(b -> b.migrationProjectIdentifier(project)),
                "a project cannot go while its data migration is still being deleted");
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
        DataMigration created = dms.createDataMigration(b -> b.dataMigrationName("dm").migrationProjectIdentifier(project)
                .dataMigrationType(MigrationTypeValue.FULL_LOAD).serviceAccessRoleArn("r")
                .selectionRules("{\"rules\":[{\"rule-type\":\"selection\",\"rule-action\":\"include\",\"object-locator\":{\"schema-name\":\"public\",\"table-name\":\"%\"}}]}"))
                .dataMigration();
        assertEquals("Creating", created.dataMigrationStatus());
        String arn = created.dataMigrationArn();
        assertThrows(InvalidResourceStateException.class, () -> dms.startDataMigration(b -> b.dataMigrationIdentifier(arn)
                .startType(StartReplicationMigrationTypeValue.START_REPLICATION)), "not Ready yet");
        assertEquals("Ready", describe(arn).dataMigrationStatus());
        assertThrows(InvalidResourceStateException.class, () -> dms.stopDataMigration(b -> b.dataMigrationIdentifier(arn)), "not running");
        assertThrows(InvalidResourceStateException.class, () -> dms.startDataMigration(b -> b.dataMigrationIdentifier(arn)
                .startType(StartReplicationMigrationTypeValue.RELOAD_TARGET)), "reload needs a stopped or failed migration");
        assertEquals("Starting", dms.startDataMigration(b -> b.dataMigrationIdentifier(arn)
                .startType(StartReplicationMigrationTypeValue.START_REPLICATION)).dataMigration().dataMigrationStatus());
        assertThrows(InvalidResourceStateException.class, () -> dms.deleteDataMigration(b -> b.dataMigrationIdentifier(arn)), "running");
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
}
