package io.pgvectormigrate.aws.dms;

import io.pgvectormigrate.core.ExitCode;
import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pg.TableFilter;
import io.pgvectormigrate.pipeline.CopyEngine;
import io.pgvectormigrate.pipeline.Journal;
import io.pgvectormigrate.pipeline.Resource;
import io.pgvectormigrate.pipeline.RunContext;
import io.pgvectormigrate.testing.PgServers;
import io.pgvectormigrate.testing.Sql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.databasemigration.model.DataMigration;
import software.amazon.awssdk.services.databasemigration.model.DataProvider;
import software.amazon.awssdk.services.databasemigration.model.InstanceProfile;
import software.amazon.awssdk.services.databasemigration.model.MigrationProject;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The DMS engine end to end against the fake DMS, which really copies rows between two PostgreSQL servers. */
@ExtendWith(PgServers.class)
class DmsEngineTest {
    @TempDir
    Path work;

    @Test
    void fullLoadCopiesTheRowsThenTeardownDeletesEveryObjectInOrder(PgServers.DbPair db) throws Exception {
        DmsFixture f = new DmsFixture(db, work);
        f.bedrockChat(300, 5);
        db.both("CREATE TABLE notes(id serial PRIMARY KEY, body text)", "CREATE TABLE scratch(id int PRIMARY KEY)");
        Sql.exec(db.source(), "INSERT INTO notes(body) SELECT 'note ' || g FROM generate_series(1, 50) g",
                "INSERT INTO scratch SELECT generate_series(1, 10)");
        // rows already on the target must go: table preparation is truncate
        Sql.exec(db.target(), "INSERT INTO notes(body) VALUES ('stale'), ('stale')");
        TableFilter filter = new TableFilter(List.of(), List.of(), List.of("scratch"));

        RunContext ctx = f.ctx("r1");
        DmsEngine engine = f.engine();
        engine.preflight(ctx, f.endpoints(filter));
        CopyEngine.Result migrated = engine.migrate(ctx, f.endpoints(filter));

        assertEquals(f.digest(db.source()), f.digest(db.target()));
        assertEquals("300", Sql.scalar(db.target(), "SELECT count(*) FROM items"));
        assertEquals(Sql.scalar(db.source(), "SELECT string_agg(body, ',' ORDER BY id) FROM notes"),
                Sql.scalar(db.target(), "SELECT string_agg(body, ',' ORDER BY id) FROM notes"));
        assertEquals("0", Sql.scalar(db.target(), "SELECT count(*) FROM scratch"), "excluded table untouched");
        assertEquals("2", migrated.figures().get("tables"));
        assertEquals("full-load", migrated.figures().get("type"));

        // what was created, and how
        assertEquals(List.of("replication-subnet-group pgvm-r1-dms", "instance-profile pgvm-r1-dms",
                "data-provider pgvm-r1-dms-source", "data-provider pgvm-r1-dms-target",
                "migration-project pgvm-r1-dms", "data-migration pgvm-r1-dms"), f.fake.inventory());
        InstanceProfile profile = f.fake.profileNamed("pgvm-r1-dms").orElseThrow();
        assertFalse(profile.publiclyAccessible(), "instance profile must not be publicly accessible");
        assertEquals(List.of("sg-0db"), profile.vpcSecurityGroups());
        assertEquals("pgvm-r1-dms", profile.subnetGroupIdentifier());
        for (DataProvider p : f.fake.providers()) {
            assertEquals("aurora-postgresql", p.engine());
            assertEquals("require", p.settings().postgreSqlSettings().sslModeAsString());
            assertEquals(db.name(), p.settings().postgreSqlSettings().databaseName());
            assertEquals("r1", f.fake.tagsOf(p.dataProviderArn()).get("pgvector-migrate:run-id"));
        }
        MigrationProject project = f.fake.projectNamed("pgvm-r1-dms").orElseThrow();
        assertEquals(DmsFixture.SOURCE_SECRET, project.sourceDataProviderDescriptors().get(0).secretsManagerSecretId());
        assertEquals(DmsFixture.TARGET_SECRET, project.targetDataProviderDescriptors().get(0).secretsManagerSecretId());
        assertEquals(DmsFixture.ROLE, project.sourceDataProviderDescriptors().get(0).secretsManagerAccessRoleArn());
        DataMigration dm = f.fake.migrationNamed("pgvm-r1-dms").orElseThrow();
        assertEquals("full-load", dm.dataMigrationTypeAsString());
        assertEquals("truncate", dm.targetDataSettings().get(0).tablePreparationModeAsString());
        assertTrue(dm.dataMigrationSettings().cloudwatchLogsEnabled());
        assertEquals(List.of(new SelectionRules.Rule("public", "items"), new SelectionRules.Rule("public", "notes")),
                SelectionRules.parse(dm.dataMigrationSettings().selectionRules()));
        assertEquals("r1", f.fake.tagsOf(dm.dataMigrationArn()).get("pgvector-migrate:run-id"));

        // progress on stderr: status, percentage and table counts; a full load ends in Stopped, with its stop reason and end time
        assertTrue(f.progressLines.stream().anyMatch(l -> DmsFixture.has(l, "Load running") && l.contains("full load") && l.contains("queued")),
                String.join("\n", f.progressLines));
        assertTrue(f.progressLines.stream().anyMatch(l -> DmsFixture.has(l, "Stopped") && l.contains("full load 100%")
                && l.contains("stop reason: FULL_LOAD_ONLY_FINISHED") && l.contains(", ended 20")), String.join("\n", f.progressLines));
        assertEquals("reported", migrated.figures().get("dmsStatistics"));
        assertTrue(migrated.figures().containsKey("dmsEndTime"), migrated.figures().toString());

        // migrate already left the target ready for verify (indexes, sequences); cutover does both again after the
        // last change: nothing to stop for a full load; the sequence follows the source; the target is finished
        assertEquals(1, f.finished.size(), "indexes built after the load, before verify");
        CopyEngine.Result cut = engine.cutover(ctx, f.endpoints(filter));
        assertEquals("1", cut.figures().get("sequencesSet"));
        assertEquals("51", Sql.scalar(db.target(), "SELECT nextval('notes_id_seq')"));
        assertEquals(2, f.finished.size());
        assertFalse(f.fake.calls().contains("StopDataMigration"));

        engine.teardown(ctx, f.endpoints(filter));
        assertEquals(List.of(), f.fake.inventory());
        List<String> deletes = f.fake.calls().stream().filter(c -> c.startsWith("Delete")).toList();
        assertEquals(List.of("DeleteDataMigration", "DeleteMigrationProject", "DeleteDataProvider", "DeleteDataProvider",
                "DeleteInstanceProfile", "DeleteReplicationSubnetGroup"), deletes);
        assertTrue(ctx.journal().resources().stream().allMatch(Resource::deleted), ctx.journal().resources().toString());

        // idempotent: a second teardown finds nothing and deletes nothing
        int callsBefore = f.fake.calls().size();
        f.engine().teardown(f.ctx("r1"), f.endpoints(filter));
        assertTrue(f.fake.calls().subList(callsBefore, f.fake.calls().size()).stream().noneMatch(c -> c.startsWith("Delete")));
        assertTrue(f.progressLines.get(f.progressLines.size() - 1).contains("nothing left to delete"));
    }

    @Test
    void cdcStreamsChangesUntilCutoverThenDropsThePublicationAndSlotDmsLeaves(PgServers.DbPair db) throws Exception {
        DmsFixture f = new DmsFixture(db, work);
        f.bedrockChat(120, 3);
        // an earlier, unrelated leftover on the source: kept
        Sql.exec(db.source(), "CREATE PUBLICATION publication_before FOR TABLE items",
                "SELECT pg_create_logical_replication_slot('migration_subscriber_before', 'pgoutput')");
        RunContext ctx = f.ctx("cdc1");
        DmsEngine engine = f.engine(f.options().migrationType(DmsOptions.MigrationType.FULL_LOAD_AND_CDC).build());
        CopyEngine.Result r = engine.migrate(ctx, f.endpoints());
        assertTrue(r.summary().contains("streaming"), r.summary());
        assertEquals(f.digest(db.source()), f.digest(db.target()));
        String suffix = f.fake.leftoverSuffix("pgvm-cdc1-dms");

        // changes after the load reach the target through CDC
        Sql.exec(db.source(), "DELETE FROM items WHERE id IN (SELECT id FROM items ORDER BY id LIMIT 5)",
                "UPDATE items SET content = 'changed during cdc' WHERE id = (SELECT max(id) FROM items)");
        engine.cutover(ctx, f.endpoints());
        assertEquals(f.digest(db.source()), f.digest(db.target()), String.join("\n", f.progressLines));
        assertEquals("1", Sql.scalar(db.target(), "SELECT count(*) FROM items WHERE content = 'changed during cdc'"));
        assertTrue(f.fake.calls().contains("StopDataMigration"));
        assertEquals(FakeDms.STOPPED, f.fake.statusOf("pgvm-cdc1-dms"));

        // DMS's publication and slot are gone from the source; the earlier ones stay; no subscription remains
        assertEquals("publication_before", Sql.scalar(db.source(), "SELECT string_agg(pubname, ',') FROM pg_publication"));
        assertEquals("migration_subscriber_before", Sql.scalar(db.source(),
                "SELECT string_agg(slot_name, ',') FROM pg_replication_slots WHERE database = current_database()"));
        assertEquals("0", Sql.scalar(db.target(), "SELECT count(*) FROM pg_subscription WHERE subname LIKE 'migration_subscriber_%' "
                + "AND subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())"));
        assertTrue(ctx.journal().resource("pg.publication", "publication_" + suffix).orElseThrow().deleted());
        assertTrue(ctx.journal().resource("pg.replication-slot", "migration_subscriber_" + suffix).orElseThrow().deleted());
        assertTrue(f.progressLines.stream().anyMatch(l -> l.contains("keeping replication slot migration_subscriber_before")));
        assertTrue(f.progressLines.stream().anyMatch(l -> l.contains("CDC latency")), String.join("\n", f.progressLines));

        engine.teardown(ctx, f.endpoints());
        assertEquals(List.of(), f.fake.inventory());
        Sql.exec(db.source(), "DROP PUBLICATION publication_before", "SELECT pg_drop_replication_slot('migration_subscriber_before')");
    }

    @Test
    void cutoverDropsOnlyThePublicationAndSlotThatAppearedAfterDmsStarted(PgServers.DbPair db) throws Exception {
        DmsFixture f = new DmsFixture(db, work);
        f.bedrockChat(40, 2);
        Sql.exec(db.source(), "CREATE PUBLICATION publication_old FOR TABLE items",
                "SELECT pg_create_logical_replication_slot('migration_subscriber_old', 'pgoutput')");
        RunContext ctx = f.ctx("left1");
        DmsEngine engine = f.engine();
        engine.migrate(ctx, f.endpoints());
        // what DMS leaves behind after a run, made by hand on the real source
        Sql.exec(db.source(), "CREATE PUBLICATION publication_abc123 FOR TABLE items",
                "SELECT pg_create_logical_replication_slot('migration_subscriber_abc123', 'pgoutput')");
        CopyEngine.Result cut = engine.cutover(ctx, f.endpoints());
        assertEquals("2", cut.figures().get("leftoversDropped"));
        assertTrue(cut.summary().contains("publication publication_abc123"), cut.summary());
        assertEquals("publication_old", Sql.scalar(db.source(), "SELECT string_agg(pubname, ',') FROM pg_publication"));
        assertEquals("migration_subscriber_old", Sql.scalar(db.source(),
                "SELECT string_agg(slot_name, ',') FROM pg_replication_slots WHERE database = current_database()"));
        // a second cutover (resume) has nothing more to drop
        assertEquals("0", engine.cutover(f.ctx("left1"), f.endpoints()).figures().get("leftoversDropped"));
        engine.teardown(ctx, f.endpoints());
        Sql.exec(db.source(), "DROP PUBLICATION publication_old", "SELECT pg_drop_replication_slot('migration_subscriber_old')");
    }

    @Test
    void aSecretTheRoleCannotReadFailsWithTheLikelyCauseThenARerunReloadsWithoutDuplicates(PgServers.DbPair db) throws Exception {
        DmsFixture f = new DmsFixture(db, work);
        f.bedrockChat(60, 2);
        f.secrets.remove(DmsFixture.TARGET_SECRET);
        ToolException e = assertThrows(ToolException.class, () -> f.engine().migrate(f.ctx("sec1"), f.endpoints()));
        assertEquals(ExitCode.RUNTIME_FAILURE, e.exitCode());
        assertTrue(e.getMessage().contains("secretsmanager:GetSecretValue"), "DMS's own message: " + e.getMessage());
        assertTrue(e.getMessage().contains("likely cause: DMS could not read the database credentials"), e.getMessage());
        assertTrue(e.getMessage().contains("dms-data-migrations.amazonaws.com"), e.getMessage());
        assertEquals("0", Sql.scalar(db.target(), "SELECT count(*) FROM items"));

        // the operator fixes the role; the same command restarts the failed migration
        f.secrets.put(DmsFixture.TARGET_SECRET, db.target());
        f.engine().migrate(f.ctx("sec1"), f.endpoints());
        assertEquals(f.digest(db.source()), f.digest(db.target()));
        assertEquals(6, f.fake.inventory().size(), f.fake.inventory().toString());
        assertEquals(1, f.fake.calls().stream().filter(c -> c.equals("CreateDataMigration")).count());
        assertTrue(f.fake.requests().stream().anyMatch(r -> r.contains("StartType=reload-target")), "restarted with reload-target");
        assertTrue(f.progressLines.stream().anyMatch(l -> l.contains("restarting") && l.contains("reload-target")));
        f.engine().teardown(f.ctx("sec1"), f.endpoints());
        assertEquals(List.of(), f.fake.inventory());
    }

    @Test
    void logicalReplicationOffOnTheSourceIsRefusedInPreflightAndExplainedWhenDmsFails(PgServers.DbPair db) throws Exception {
        io.pgvectormigrate.local.PgBinaries bins = io.pgvectormigrate.local.PgBinaries.locate(System.getenv());
        Path dir = Files.createTempDirectory(io.pgvectormigrate.local.LocalPostgres.defaultBaseDir(), "dms-nolr-");
        try (io.pgvectormigrate.local.LocalPostgres plain = io.pgvectormigrate.local.LocalPostgres.start(bins, dir, 0,
                io.pgvectormigrate.local.LocalPostgres.throwawaySettings(), true)) {
            Sql.exec(plain.connection("postgres"), "CREATE TABLE items(id int PRIMARY KEY)", "INSERT INTO items VALUES (1)");
            Sql.exec(db.target(), "CREATE TABLE items(id int PRIMARY KEY)");
            DmsFixture f = new DmsFixture(db, work);
            f.secrets.put(DmsFixture.SOURCE_SECRET, plain.connection("postgres"));
            io.pgvectormigrate.pipeline.Endpoints endpoints = new io.pgvectormigrate.pipeline.Endpoints(
                    plain.connection("postgres"), db.target(), TableFilter.ALL);

            ToolException pre = assertThrows(ToolException.class, () -> f.engine().preflight(f.ctx("nolr"), endpoints));
            assertEquals(ExitCode.USAGE, pre.exitCode());
            assertTrue(pre.getMessage().contains("wal_level=replica") && pre.getMessage().contains("rds.logical_replication=1"), pre.getMessage());
            assertEquals(List.of(), f.fake.inventory(), "preflight creates nothing");

            // without preflight (or when the setting changed after it), DMS itself fails; the engine explains why
            ToolException run = assertThrows(ToolException.class, () -> f.engine().migrate(f.ctx("nolr"), endpoints));
            assertEquals(ExitCode.RUNTIME_FAILURE, run.exitCode());
            assertTrue(run.getMessage().contains("Logical replication is not enabled on the source database"), run.getMessage());
            assertTrue(run.getMessage().contains("likely cause: logical replication is off on the source"), run.getMessage());
            f.engine().teardown(f.ctx("nolr"), endpoints);
            assertEquals(List.of(), f.fake.inventory());
        }
    }

    @Test
    void anUnreachableDatabaseIsReportedAsANetworkPathProblem(PgServers.DbPair db) throws Exception {
        DmsFixture f = new DmsFixture(db, work);
        f.bedrockChat(10, 1);
        int closedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        DmsOptions o = f.options().target(new DmsOptions.Location("127.0.0.1", closedPort, null)).build();
        ToolException e = assertThrows(ToolException.class, () -> f.engine(o).migrate(f.ctx("net1"), f.endpoints()));
        assertEquals(ExitCode.RUNTIME_FAILURE, e.exitCode());
        assertTrue(e.getMessage().contains("likely cause: network path"), e.getMessage());
        assertTrue(e.getMessage().contains("security group"), e.getMessage());
        f.engine(o).teardown(f.ctx("net1"), f.endpoints());
        assertEquals(List.of(), f.fake.inventory());
    }

    @Test
    void aFailureWithoutAKnownCausePointsToTheCloudWatchLog(PgServers.DbPair db) throws Exception {
        DmsFixture f = new DmsFixture(db, work);
        f.bedrockChat(10, 1);
        f.fake.failNextStart("Internal error in pg_restore worker 3");
        ToolException e = assertThrows(ToolException.class, () -> f.engine().migrate(f.ctx("cw1"), f.endpoints()));
        assertTrue(e.getMessage().contains("Internal error in pg_restore worker 3"), e.getMessage());
        assertTrue(e.getMessage().contains("dms-data-migration-"), e.getMessage());
        assertTrue(e.getMessage().contains("truncates the target tables first"), e.getMessage());
    }

    @Test
    void aMigrationStillStartingAtTheTimeoutFailsWithWhatToDoAndTeardownStopsItOnceDmsTakesTheStop(PgServers.DbPair db) throws Exception {
        DmsFixture f = new DmsFixture(db, work);
        f.bedrockChat(10, 1);
        // provisioning outlasts migrate's patience; CDC never ends by itself, so only an accepted stop ends it
        f.fake.startingPolls(150);
        DmsOptions.Builder cdc = f.options().migrationType(DmsOptions.MigrationType.FULL_LOAD_AND_CDC);
        ToolException e = assertThrows(ToolException.class, () -> f.engine(cdc.timeout(Duration.ofMillis(100)).build())
                .migrate(f.ctx("slow1"), f.endpoints()));
        assertEquals(ExitCode.RUNTIME_FAILURE, e.exitCode());
        assertTrue(DmsFixture.has(e.getMessage(), "Starting") && e.getMessage().contains("re-run the same command"), e.getMessage());
        assertEquals(FakeDms.STARTING, f.fake.statusOf("pgvm-slow1-dms"));

        // DMS refuses StopDataMigration while Starting: teardown sends it again on each poll until DMS takes it
        long t0 = System.nanoTime();
        f.engine(cdc.timeout(Duration.ofSeconds(20)).build()).teardown(f.ctx("slow1"), f.endpoints());
        assertTrue(Duration.ofNanos(System.nanoTime() - t0).compareTo(Duration.ofSeconds(15)) < 0, "no waiting out the timeout");
        assertTrue(f.fake.calls("StopDataMigration") > 1, "the refused stop was sent again");
        assertTrue(f.progressLines.stream().anyMatch(l -> l.contains("does not take the stop")), String.join("\n", f.progressLines));
        assertEquals(List.of(), f.fake.inventory());
        Sql.exec(db.source(), "DO $$ BEGIN PERFORM pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                + "WHERE slot_name LIKE 'migration\\_subscriber\\_%' AND NOT active; END $$");
    }

    @Test
    void missingTargetTablesAndBadOptionsAreBadInputBeforeAnythingIsCreated(PgServers.DbPair db) throws Exception {
        DmsFixture f = new DmsFixture(db, work);
        Sql.exec(db.source(), "CREATE TABLE items(id int PRIMARY KEY)");
        ToolException missing = assertThrows(ToolException.class, () -> f.engine().migrate(f.ctx("bad1"), f.endpoints()));
        assertEquals(ExitCode.USAGE, missing.exitCode());
        assertTrue(missing.getMessage().contains("run prepare-target first"), missing.getMessage());
        ToolException missingInPreflight = assertThrows(ToolException.class, () -> f.engine().preflight(f.ctx("bad1"), f.endpoints()));
        assertTrue(missingInPreflight.getMessage().contains("run prepare-target first"), missingInPreflight.getMessage());

        // a column the target lacks is refused by preflight too, as the native engine's preflight refuses it
        Sql.exec(db.source(), "ALTER TABLE items ADD COLUMN note text");
        Sql.exec(db.target(), "CREATE TABLE items(id int PRIMARY KEY)");
        ToolException column = assertThrows(ToolException.class, () -> f.engine().preflight(f.ctx("bad1"), f.endpoints()));
        assertEquals(ExitCode.USAGE, column.exitCode());
        assertTrue(column.getMessage().contains("the target lacks column(s) public.items.note"), column.getMessage());
        Sql.exec(db.target(), "ALTER TABLE items ADD COLUMN note text");

        ToolException opts = assertThrows(ToolException.class, () -> f.engine(f.options().subnetIds(List.of()).securityGroupIds(List.of())
                .sslMode(DmsOptions.SslMode.VERIFY_FULL).roleArn("not-an-arn").build()).preflight(f.ctx("bad1"), f.endpoints()));
        assertEquals(ExitCode.USAGE, opts.exitCode());
        for (String expected : List.of("no network for DMS", "no security group", "not an IAM role ARN", "verify-full needs a DMS certificate")) {
            assertTrue(opts.getMessage().contains(expected), expected + " in: " + opts.getMessage());
        }

        ToolException nothing = assertThrows(ToolException.class, () -> f.engine().preflight(f.ctx("bad1"),
                f.endpoints(new TableFilter(List.of(), List.of("nosuchtable"), List.of()))));
        assertEquals(ExitCode.USAGE, nothing.exitCode());
        assertTrue(nothing.getMessage().contains("no table on the source matches"), nothing.getMessage());
        assertEquals(List.of(), f.fake.inventory());
        assertTrue(f.fake.calls().stream().noneMatch(c -> c.startsWith("Create")));
    }

    @Test
    void passwordsDmsWouldRejectAreRefusedInPreflightWithoutShowingThem(PgServers.DbPair db) throws Exception {
        DmsFixture f = new DmsFixture(db, work);
        Sql.exec(db.source(), "CREATE TABLE items(id int PRIMARY KEY)");
        io.pgvectormigrate.pipeline.Endpoints e = new io.pgvectormigrate.pipeline.Endpoints(
                db.source().withPassword("sec ret;Pw"), db.target(), TableFilter.ALL);
        ToolException ex = assertThrows(ToolException.class, () -> f.engine().preflight(f.ctx("pw1"), e));
        assertEquals(ExitCode.USAGE, ex.exitCode());
        assertTrue(ex.getMessage().contains("source password does not meet DMS's rules"), ex.getMessage());
        assertFalse(ex.getMessage().contains("sec ret"), "never the password");
    }

    @Test
    void anObjectWithTheRunsNameOwnedByAnotherRunIsNeverAdopted(PgServers.DbPair db) throws Exception {
        DmsFixture f = new DmsFixture(db, work);
        f.bedrockChat(5, 1);
        f.fake.createInstanceProfile(b -> b.instanceProfileName("pgvm-own1-dms")
                .tags(t -> t.key("pgvector-migrate:run-id").value("someone-else")));
        ToolException e = assertThrows(ToolException.class, () -> f.engine().migrate(f.ctx("own1"), f.endpoints()));
        assertEquals(ExitCode.USAGE, e.exitCode());
        assertTrue(e.getMessage().contains("belongs to run 'someone-else'"), e.getMessage());
        assertEquals(1, f.fake.inventory().stream().filter(i -> i.startsWith("instance-profile")).count());
        assertTrue(f.fake.calls().stream().noneMatch(c -> c.equals("CreateDataProvider")));
    }

    @Test
    void secretsNeverReachProgressJournalErrorsOrDmsRequests(PgServers.DbPair db) throws Exception {
        DmsFixture f = new DmsFixture(db, work);
        f.bedrockChat(20, 2);
        String password = db.source().password();
        assertTrue(password != null && password.length() > 8);
        RunContext ctx = f.ctx("leak1");
        DmsEngine engine = f.engine(f.options().migrationType(DmsOptions.MigrationType.FULL_LOAD_AND_CDC).build());
        engine.preflight(ctx, f.endpoints());
        engine.migrate(ctx, f.endpoints());
        engine.cutover(ctx, f.endpoints());
        engine.teardown(ctx, f.endpoints());
        f.secrets.remove(DmsFixture.SOURCE_SECRET);
        ToolException e = assertThrows(ToolException.class, () -> f.engine().migrate(f.ctx("leak2"), f.endpoints()));
        String journals = Files.readString(Journal.runDir(work, "leak1").resolve(Journal.FILE_NAME))
                + Files.readString(Journal.runDir(work, "leak2").resolve(Journal.FILE_NAME));
        for (String text : List.of(String.join("\n", f.progressLines), journals, String.join("\n", f.fake.requests()), e.getMessage())) {
            assertFalse(text.contains(password), "a password leaked into: " + text.substring(0, Math.min(300, text.length())));
        }
        assertNotEquals(0, f.fake.requests().size());
        f.engine().teardown(f.ctx("leak2"), f.endpoints());
    }

    @Test
    void verifyFullSendsTheCertificateAndAnOperatorSubnetGroupIsUsedAsIs(PgServers.DbPair db) throws Exception {
        DmsFixture f = new DmsFixture(db, work);
        f.bedrockChat(5, 1);
        f.fake.createReplicationSubnetGroup(b -> b.replicationSubnetGroupIdentifier("ops-dms-subnets")
                .replicationSubnetGroupDescription("made by the operator").subnetIds("subnet-1", "subnet-2"));
        String cert = "arn:aws:dms:us-east-1:123456789012:cert:RDSCA";
        DmsOptions o = f.options().subnetIds(List.of()).subnetGroupId("ops-dms-subnets")
                .sslMode(DmsOptions.SslMode.VERIFY_FULL).certificateArn(cert).build();
        RunContext ctx = f.ctx("vf1");
        f.engine(o).migrate(ctx, f.endpoints());
        for (DataProvider p : f.fake.providers()) {
            assertEquals("verify-full", p.settings().postgreSqlSettings().sslModeAsString());
            assertEquals(cert, p.settings().postgreSqlSettings().certificateArn());
        }
        assertEquals("ops-dms-subnets", f.fake.profileNamed("pgvm-vf1-dms").orElseThrow().subnetGroupIdentifier());
        f.engine(o).teardown(ctx, f.endpoints());
        assertEquals(List.of("replication-subnet-group ops-dms-subnets"), f.fake.inventory(), "the operator's subnet group stays");
        assertTrue(ctx.journal().resourcesOfKind("dms.replication-subnet-group").isEmpty());
    }

    /** After-load (deferred indexes, REINDEX, ANALYZE) works on exactly the run's tables, not on what the patterns match later. */
    @Test
    void afterLoadWorksOnExactlyTheSelectedTables(PgServers.DbPair db) throws Exception {
        DmsFixture f = new DmsFixture(db, work);
        f.bedrockChat(10, 1);
        db.both("CREATE TABLE notes (id int PRIMARY KEY)");
        List<TableFilter> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        DmsEngine engine = new DmsEngine(f.client, f.options().build(), (target, tables, progress) -> seen.add(tables));
        TableFilter patterns = new TableFilter(List.of(), List.of("items", "note*"), List.of());
        RunContext ctx = f.ctx("exact1");
        engine.migrate(ctx, f.endpoints(patterns));
        Sql.exec(db.target(), "CREATE TABLE notes_archive (id int PRIMARY KEY)"); // made on the target since, matching note*
        engine.cutover(ctx, f.endpoints(patterns));
        assertEquals(2, seen.size());
        for (TableFilter tables : seen) {
            assertEquals(List.of(new io.pgvectormigrate.pg.TableId("public", "items"), new io.pgvectormigrate.pg.TableId("public", "notes")),
                    tables.only(), tables.describe());
            assertFalse(tables.matches("public", "notes_archive"));
        }
        engine.teardown(ctx, f.endpoints(patterns));
    }

    /** With the journal lost, cleanup's handlers (what operators run) find the run's objects by tag and delete only those. */
    @Test
    void withTheJournalLostDiscoverFindsTheRunsObjectsByTagAndTeardownDeletesOnlyThose(PgServers.DbPair db) throws Exception {
        DmsFixture f = new DmsFixture(db, work);
        f.bedrockChat(10, 1);
        f.engine().migrate(f.ctx("lost1"), f.endpoints());
        f.engine().migrate(f.ctx("other1"), f.endpoints());
        assertEquals(12, f.fake.inventory().size());

        io.pgvectormigrate.aws.AwsClients clients = new io.pgvectormigrate.aws.AwsClients() {
            @Override public String region() { return FakeDms.REGION; }
            @Override public software.amazon.awssdk.services.rds.RdsClient rds() {
                return io.pgvectormigrate.aws.contract.ContractRecorder.wrap(software.amazon.awssdk.services.rds.RdsClient.class,
                        new io.pgvectormigrate.aws.fake.FakeRds(FakeDms.REGION, new io.pgvectormigrate.aws.fake.Faults()));
            }
            @Override public software.amazon.awssdk.services.secretsmanager.SecretsManagerClient secretsManager() { throw new AssertionError(); }
            @Override public software.amazon.awssdk.services.cloudformation.CloudFormationClient cloudFormation() { throw new AssertionError(); }
            @Override public software.amazon.awssdk.services.databasemigration.DatabaseMigrationClient dms() { return f.client; }
            @Override public io.pgvectormigrate.aws.Pacing pacing() { return io.pgvectormigrate.aws.Pacing.immediate(); }
        };
        io.pgvectormigrate.aws.AwsWaits waits = new io.pgvectormigrate.aws.AwsWaits(clients.pacing(), f.progress());
        io.pgvectormigrate.aws.AwsCleanup cleanup = new io.pgvectormigrate.aws.AwsCleanup(clients, waits, DmsHandlers.forRun(clients, waits, "lost1"));
        List<io.pgvectormigrate.aws.AwsCleanup.Item> found = cleanup.inspect(null, "lost1", true);
        assertEquals(6, found.size(), found.toString());
        assertTrue(found.stream().allMatch(i -> i.action() == io.pgvectormigrate.aws.AwsCleanup.Action.DELETE), found.toString());
        Journal fresh = Journal.open(work.resolve("fresh-work-dir"), "lost1", "cleanup", java.time.Clock.systemUTC());
        cleanup.execute(fresh, "lost1", "tags", found, new io.pgvectormigrate.aws.AwsCleanup.Options(true, false, false, Duration.ofSeconds(30)));
        assertEquals(6, f.fake.inventory().size());
        assertTrue(f.fake.inventory().stream().allMatch(i -> i.contains("pgvm-other1-dms")), f.fake.inventory().toString());
        assertTrue(fresh.liveResourcesNewestFirst().isEmpty(), "what was found and deleted is journaled as deleted");
        assertEquals(List.of(), cleanup.inspect(null, "lost1", true));
        f.engine().teardown(f.ctx("other1"), f.endpoints());
        assertEquals(List.of(), f.fake.inventory());
    }

    @Test
    void plugsIntoPrepareTargetWhoseDeferredIndexesComeBackAtCutover(PgServers.DbPair db) throws Exception {
        DmsFixture f = new DmsFixture(db, work);
        try (java.sql.Connection s = db.openSource()) {
            io.pgvectormigrate.sample.BedrockChatSample.createSchema(s);
            io.pgvectormigrate.sample.BedrockChatSample.generate(s, 150, 3, 11, io.pgvectormigrate.report.Progress.SILENT);
        }
        RunContext ctx = f.ctx("prep1");
        io.pgvectormigrate.prepare.TargetPreparer.prepare(
                io.pgvectormigrate.prepare.PrepareOptions.forPipeline(db.target(), db.source(), TableFilter.ALL), ctx.progress());
        String indexes = "SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes WHERE tablename = 'items'";
        assertEquals("items_pkey", Sql.scalar(db.target(), indexes), "prepare-target deferred the secondary indexes");

        DmsEngine engine = new DmsEngine(f.client, f.options().build()); // the real after-load pass
        engine.preflight(ctx, f.endpoints());
        engine.migrate(ctx, f.endpoints());
        assertEquals(f.digest(db.source()), f.digest(db.target()));
        engine.cutover(ctx, f.endpoints());
        assertEquals("idx_items_botid,idx_items_embedding,items_pkey", Sql.scalar(db.target(), indexes));
        assertEquals("0", Sql.scalar(db.target(), "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid "
                + "WHERE c.relname = 'items' AND NOT i.indisvalid"));
        engine.teardown(ctx, f.endpoints());
        assertEquals(List.of(), f.fake.inventory());
    }

    @Test
    void aFailureSeenWhileWatchingAResumedRunIsReportedNotRestarted(PgServers.DbPair db) throws Exception {
        DmsFixture f = new DmsFixture(db, work);
        f.bedrockChat(10, 1);
        // provisioning outlasts the crash, so the resumed run sees it running before it fails
        f.fake.startingPolls(5).crash("StartDataMigration", FakeDms.When.AFTER, 1).failNextStart("ERROR: could not open relation items");
        assertThrows(FakeDms.FakeCrash.class, () -> f.engine().migrate(f.ctx("watch1"), f.endpoints()));
        f.fake.clearCrashes();
        ToolException e = assertThrows(ToolException.class, () -> f.engine().migrate(f.ctx("watch1"), f.endpoints()));
        assertTrue(e.getMessage().contains("could not open relation items"), e.getMessage());
        assertEquals(1, f.fake.calls().stream().filter(c -> c.equals("StartDataMigration")).count(), "no silent restart");
        assertTrue(f.progressLines.stream().anyMatch(l -> DmsFixture.has(l, "Starting")), String.join("\n", f.progressLines));
        f.engine().teardown(f.ctx("watch1"), f.endpoints());
    }

    @Test
    void aSlotStillHeldByAWalSenderIsReleasedThenDropped(PgServers.DbPair db) throws Exception {
        DmsFixture f = new DmsFixture(db, work);
        f.bedrockChat(10, 1);
        RunContext ctx = f.ctx("active1");
        DmsEngine engine = f.engine();
        engine.migrate(ctx, f.endpoints());
        // a subscriber that did not go away: a logical replication stream keeps the leftover slot active
        Sql.exec(db.source(), "CREATE PUBLICATION publication_held FOR TABLE items",
                "SELECT pg_create_logical_replication_slot('migration_subscriber_held', 'pgoutput')");
        java.util.Properties props = db.source().driverProperties();
        props.setProperty("replication", "database");
        props.setProperty("assumeMinServerVersion", "10");
        props.setProperty("preferQueryMode", "simple");
        java.sql.Connection repl = java.sql.DriverManager.getConnection(db.source().jdbcUrl(), props);
        try {
            repl.unwrap(org.postgresql.PGConnection.class).getReplicationAPI()
                    .replicationStream().logical().withSlotName("migration_subscriber_held")
                    .withSlotOption("proto_version", 1).withSlotOption("publication_names", "publication_held").start();
            assertEquals("t", Sql.scalar(db.source(), "SELECT active FROM pg_replication_slots WHERE slot_name = 'migration_subscriber_held'"));
            CopyEngine.Result cut = engine.cutover(ctx, f.endpoints());
            assertTrue(cut.summary().contains("replication slot migration_subscriber_held"), cut.summary());
            assertEquals("0", Sql.scalar(db.source(), "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'migration_subscriber_held'"));
            assertEquals("0", Sql.scalar(db.source(), "SELECT count(*) FROM pg_publication WHERE pubname = 'publication_held'"));
        } finally {
            try {
                repl.close();
            } catch (java.sql.SQLException terminated) {
                // its walsender was terminated by the engine: closing may fail
            }
        }
        engine.teardown(ctx, f.endpoints());
    }
}
