package io.pgvectormigrate.aws.dms;

import io.pgvectormigrate.core.ExitCode;
import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pipeline.CopyEngine;
import io.pgvectormigrate.pipeline.RunContext;
import io.pgvectormigrate.testing.PgServers;
import io.pgvectormigrate.testing.Sql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The engine against DMS as its documentation leaves it: undocumented status casing, a full load that ends in Stopped,
 * statistics that may be missing, a CDC latency with no unit that may never read 0, no filter names for
 * DescribeDataMigrations, and a role that must hold what the user guide's policy grants.
 */
@ExtendWith(PgServers.class)
class DmsAsDocumentedTest {
    @TempDir
    Path work;

    /** The wire casing of the status is not documented: the same full-load and CDC runs pass in every casing (the suite's default is the guide's). */
    @ParameterizedTest(name = "statuses in {0} case")
    @EnumSource(FakeDms.StatusStyle.class)
    void fullLoadAndCdcInEveryStatusCasing(FakeDms.StatusStyle style, PgServers.DbPair db) throws Exception {
        DmsFixture f = new DmsFixture(db, work);
        f.fake.statusStyle(style);
        f.bedrockChat(60, 2);
        DmsEngine full = f.engine();
        RunContext a = f.ctx("case1");
        full.migrate(a, f.endpoints());
        assertEquals(f.digest(db.source()), f.digest(db.target()));
        full.cutover(a, f.endpoints());
        full.teardown(a, f.endpoints());

        // CDC in the same casing: "Load complete, replication ongoing" recognised whatever its case, a change made after
        // the load carried, the stop judged (no other test runs CDC outside the guide's casing)
        Sql.exec(db.target(), "TRUNCATE items");
        DmsEngine cdc = f.engine(f.options().migrationType(DmsOptions.MigrationType.FULL_LOAD_AND_CDC).build());
        RunContext b = f.ctx("case2");
        CopyEngine.Result r = cdc.migrate(b, f.endpoints());
        assertTrue(r.summary().contains("streaming"), r.summary());
        Sql.exec(db.source(), "UPDATE items SET content = 'after the load' WHERE id = (SELECT min(id) FROM items)");
        cdc.cutover(b, f.endpoints());
        assertEquals(f.digest(db.source()), f.digest(db.target()));
        cdc.teardown(b, f.endpoints());
        assertEquals(List.of(), f.fake.inventory());
        assertTrue(f.progressLines.stream().anyMatch(l -> l.contains(style.render(FakeDms.LOAD_COMPLETE_REPLICATION_ONGOING))),
                "the status is shown as DMS sent it: " + f.progressLines);
    }

    @Test
    void withoutStatisticsAFullLoadInStoppedIsDoneTheStepSaysVerifyJudgesAndAResumeNeverReloads(PgServers.DbPair db) throws Exception {
        DmsFixture f = new DmsFixture(db, work);
        f.fake.statistics(FakeDms.Statistics.NONE);
        f.bedrockChat(50, 2);
        CopyEngine.Result r = f.engine().migrate(f.ctx("nostats"), f.endpoints());
        assertEquals(f.digest(db.source()), f.digest(db.target()));
        assertTrue(r.summary().contains("no statistics") && r.summary().contains("verify judges"), r.summary());
        assertEquals("absent", r.figures().get("dmsStatistics"));
        assertTrue(f.progressLines.stream().anyMatch(l -> l.contains("no statistics reported")), String.join("\n", f.progressLines));

        // the same command again (a resumed run): the clean Stop is the end of the load, never a reason to reload
        f.engine().migrate(f.ctx("nostats"), f.endpoints());
        assertEquals(1, f.fake.calls("StartDataMigration"), "no reload-target after a clean stop: " + f.fake.calls());
        // cutover finds its own evidence: every table's row count, on both sides
        f.engine().cutover(f.ctx("nostats"), f.endpoints());
        assertTrue(f.progressLines.stream().anyMatch(l -> l.contains("the row counts of all 1 table(s) match")), String.join("\n", f.progressLines));
        f.engine().teardown(f.ctx("nostats"), f.endpoints());
    }

    /** A full load someone stopped halfway, with no statistics to say so: cutover counts rows and refuses. */
    @Test
    void withoutStatisticsCutoverRefusesAFullLoadStoppedHalfway(PgServers.DbPair db) throws Exception {
        DmsFixture f = new DmsFixture(db, work);
        f.fake.statistics(FakeDms.Statistics.NONE);
        f.bedrockChatAndTwoMoreTables();
        f.fake.crash("DescribeDataMigrations", FakeDms.When.AFTER, 5);
        assertThrows(FakeDms.FakeCrash.class, () -> f.engine().migrate(f.ctx("halfnostats"), f.endpoints()));
        f.fake.clearCrashes();
        f.fake.stopDataMigration(b -> b.dataMigrationIdentifier("pgvm-halfnostats-dms"));
        // Stopped without statistics: migrate cannot tell a finished load from a stopped one, and says verify judges
        CopyEngine.Result r = f.engine().migrate(f.ctx("halfnostats"), f.endpoints());
        assertTrue(r.summary().contains("verify judges"), r.summary());
        ToolException e = assertThrows(ToolException.class, () -> f.engine().cutover(f.ctx("halfnostats"), f.endpoints()));
        assertEquals(ExitCode.RUNTIME_FAILURE, e.exitCode());
        assertTrue(e.getMessage().contains("the row counts differ") && e.getMessage().contains("public.tags (source 10, target 0)")
                && e.getMessage().contains("Nothing was cut over"), e.getMessage());
        assertEquals(1, f.fake.calls("StartDataMigration"), "the tool does not reload by itself");
        f.engine().teardown(f.ctx("halfnostats"), f.endpoints());
    }

    @Test
    void aFullLoadStoppedHalfwayIsReportedWithItsStopReasonAndEndTimeAndNotReloaded(PgServers.DbPair db) throws Exception {
        DmsFixture f = new DmsFixture(db, work);
        f.bedrockChatAndTwoMoreTables();
        // the process dies while the load runs; someone stops the migration in the console meanwhile
        f.fake.crash("DescribeDataMigrations", FakeDms.When.AFTER, 5);
        assertThrows(FakeDms.FakeCrash.class, () -> f.engine().migrate(f.ctx("half"), f.endpoints()));
        f.fake.clearCrashes();
        assertEquals(FakeDms.LOAD_RUNNING, f.fake.statusOf("pgvm-half-dms"));
        f.fake.stopDataMigration(b -> b.dataMigrationIdentifier("pgvm-half-dms"));
        ToolException e = assertThrows(ToolException.class, () -> f.engine().migrate(f.ctx("half"), f.endpoints()));
        assertEquals(ExitCode.RUNTIME_FAILURE, e.exitCode());
        assertTrue(e.getMessage().contains("stopped before its full load completed") && e.getMessage().contains("stop reason: Stopped by user request")
                && e.getMessage().contains(", ended 20") && e.getMessage().contains("--start-type reload-target"), e.getMessage());
        assertEquals(1, f.fake.calls("StartDataMigration"), "the tool does not reload by itself");
        f.engine().teardown(f.ctx("half"), f.endpoints());
    }

    /** DMS's slot name is observed, not documented: a slot of another name that DMS made still has to confirm the sync point. */
    @Test
    void cdcCutoverConfirmsTheSyncPointOnDmsSlotWhateverItsName(PgServers.DbPair db) throws Exception {
        DmsFixture f = new DmsFixture(db, work);
        f.fake.slotPrefix("dms_cdc_slot_");
        f.bedrockChat(40, 2);
        DmsEngine cdc = f.engine(f.options().migrationType(DmsOptions.MigrationType.FULL_LOAD_AND_CDC).build());
        RunContext ctx = f.ctx("slotname");
        cdc.migrate(ctx, f.endpoints());
        Sql.exec(db.source(), "UPDATE items SET content = 'changed before cutover' WHERE id = (SELECT min(id) FROM items)");
        cdc.cutover(ctx, f.endpoints());
        assertEquals(f.digest(db.source()), f.digest(db.target()));
        assertTrue(f.progressLines.stream().anyMatch(l -> l.contains("dms: caught up: dms_cdc_slot_")), String.join("\n", f.progressLines));
        // not named as DMS's are observed to be: kept, and said so, never dropped on a guess
        assertTrue(f.progressLines.stream().anyMatch(l -> l.contains("so they were kept")), String.join("\n", f.progressLines));
        assertEquals(1, Sql.count(db.source(), "SELECT count(*) FROM pg_replication_slots WHERE slot_name LIKE 'dms\\_cdc\\_slot\\_%'"));
        cdc.teardown(ctx, f.endpoints());
        Sql.exec(db.source(), "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name LIKE 'dms\\_cdc\\_slot\\_%'");
    }

    /** A data migration deleted before cutover says nothing any more: a full load is judged by row counts, CDC is refused. */
    @Test
    void aDataMigrationDeletedBeforeCutoverIsNeverTakenAsFinished(PgServers.DbPair db) throws Exception {
        DmsFixture f = new DmsFixture(db, work);
        f.bedrockChat(30, 2);
        DmsEngine full = f.engine();
        RunContext a = f.ctx("gone1");
        full.migrate(a, f.endpoints());
        full.teardown(a, f.endpoints()); // cleanup before cutover
        full.cutover(a, f.endpoints());
        assertTrue(f.progressLines.stream().anyMatch(l -> l.contains("is gone (deleted before cutover); the row counts of all 1 table(s) match")),
                String.join("\n", f.progressLines));

        Sql.exec(db.target(), "TRUNCATE items");
        DmsEngine cdc = f.engine(f.options().migrationType(DmsOptions.MigrationType.FULL_LOAD_AND_CDC).build());
        RunContext b = f.ctx("gone2");
        cdc.migrate(b, f.endpoints());
        cdc.teardown(b, f.endpoints());
        ToolException e = assertThrows(ToolException.class, () -> cdc.cutover(b, f.endpoints()));
        assertEquals(ExitCode.RUNTIME_FAILURE, e.exitCode());
        assertTrue(e.getMessage().contains("is gone") && e.getMessage().contains("before cutover confirmed it replicated every change"),
                e.getMessage());
    }

    /** Cutover waits for the source slot's confirmed position, not for CDCLatency, which may be missing or never 0. */
    @ParameterizedTest(name = "CDC latency {0}")
    @EnumSource(value = FakeDms.CdcLatency.class, names = {"ABSENT", "NEVER_ZERO"})
    void cutoverWaitsForTheSlotToConfirmTheSyncPointWhateverCdcLatencySays(FakeDms.CdcLatency latency, PgServers.DbPair db) throws Exception {
        DmsFixture f = new DmsFixture(db, work);
        f.fake.cdcLatency(latency);
        f.bedrockChat(80, 2);
        RunContext ctx = f.ctx("lag");
        DmsEngine engine = f.engine(f.options().migrationType(DmsOptions.MigrationType.FULL_LOAD_AND_CDC).timeout(Duration.ofSeconds(30)).build());
        engine.migrate(ctx, f.endpoints());
        Sql.exec(db.source(), "DELETE FROM items WHERE id IN (SELECT id FROM items ORDER BY id LIMIT 7)",
                "UPDATE items SET source = 's3://after' WHERE id = (SELECT max(id) FROM items)");
        f.fake.pauseApply(25); // DMS lags: nothing reaches the target for a while
        CopyEngine.Result cut = engine.cutover(ctx, f.endpoints());
        assertEquals(f.digest(db.source()), f.digest(db.target()), "cutover stopped DMS before it caught up: " + f.progressLines);
        assertTrue(cut.figures().containsKey("cdcSyncPoint") && cut.figures().containsKey("cdcConfirmedPosition"), cut.figures().toString());
        assertTrue(f.progressLines.stream().anyMatch(l -> l.contains("caught up")), String.join("\n", f.progressLines));
        engine.teardown(ctx, f.endpoints());
    }

    @Test
    void dataMigrationsAreFoundByPagingWhenNoFilterIsAcceptedAndByTheFilterWhenItIs(PgServers.DbPair db) throws Exception {
        DmsFixture f = new DmsFixture(db, work);
        f.fake.pageSize(1);
        f.bedrockChat(10, 1);
        // other runs' migrations before ours, on other pages
        f.engine().migrate(f.ctx("other1"), f.endpoints());
        f.engine().migrate(f.ctx("other2"), f.endpoints());
        f.engine().migrate(f.ctx("mine"), f.endpoints());
        assertEquals(FakeDms.STOPPED, f.fake.statusOf("pgvm-mine-dms"));
        assertTrue(f.fake.requests().stream().anyMatch(r -> r.contains("DescribeDataMigrations") && r.contains("Marker=fake-page-")),
                "paged with the Marker");
        for (String run : List.of("other1", "other2", "mine")) f.engine().teardown(f.ctx(run), f.endpoints());
        assertEquals(List.of(), f.fake.inventory());

        // a DMS that accepts the filter: paging only while the filter finds nothing (before the migration exists)
        DmsFixture g = new DmsFixture(db, work.resolve("g"));
        g.fake.acceptDataMigrationFilter(DmsObjects.DATA_MIGRATION_FILTER);
        g.engine().migrate(g.ctx("filtered"), g.endpoints());
        long filtered = g.fake.requests().stream().filter(r -> r.startsWith("DescribeDataMigrationsRequest(Filters=")).count();
        long paged = g.fake.requests().stream().filter(r -> r.startsWith("DescribeDataMigrationsRequest(MaxRecords=")).count();
        assertTrue(filtered > 3 && paged <= 2, "filtered " + filtered + ", paged " + paged + ": " + g.fake.requests());
        g.engine().teardown(g.ctx("filtered"), g.endpoints());
    }

    /** The role of the test has exactly what `iam-policy --document dms-permissions` prints (DmsFixture); the old policy fails. */
    @Test
    void aRoleWithoutTheGuidesNetworkPermissionsFailsWhileStartingWithAHintAtTheDocument(PgServers.DbPair db) throws Exception {
        DmsFixture f = new DmsFixture(db, work);
        f.bedrockChat(10, 1);
        f.rolePolicies.put(DmsFixture.ROLE, List.of("""
                {"Version":"2012-10-17","Statement":[
                 {"Sid":"DescribeNetwork","Effect":"Allow","Action":["ec2:DescribeVpcs","ec2:DescribeSubnets","ec2:DescribeSecurityGroups",
                  "ec2:DescribeRouteTables"],"Resource":"*"},
                 {"Sid":"WriteDataMigrationLogs","Effect":"Allow","Action":["logs:CreateLogGroup","logs:CreateLogStream","logs:PutLogEvents",
                  "logs:DescribeLogStreams"],"Resource":["arn:aws:logs:*:*:log-group:dms-data-migration-*",
                  "arn:aws:logs:*:*:log-group:dms-data-migration-*:log-stream:*"]},
                 {"Sid":"PublishDataMigrationMetrics","Effect":"Allow","Action":["cloudwatch:PutMetricData"],"Resource":"*"}]}"""));
        ToolException e = assertThrows(ToolException.class, () -> f.engine().migrate(f.ctx("weak"), f.endpoints()));
        assertEquals(ExitCode.RUNTIME_FAILURE, e.exitCode());
        assertTrue(e.getMessage().contains("is not authorized to perform: ec2:DescribeVpcPeeringConnections"), e.getMessage());
        assertTrue(e.getMessage().contains("iam-policy --document dms-permissions"), e.getMessage());
        f.engine().teardown(f.ctx("weak"), f.endpoints());
        assertEquals(List.of(), f.fake.inventory());
    }

    /** DMS's name rules (no two hyphens in a row...) and tag rules are checked before the first create. */
    @Test
    void namesAndTagsDmsWouldRefuseAreExit2BeforeAnythingIsCreated(PgServers.DbPair db) throws Exception {
        DmsFixture f = new DmsFixture(db, work);
        f.bedrockChat(5, 1);
        ToolException names = assertThrows(ToolException.class, () -> f.engine().preflight(f.ctx("a--b"), f.endpoints()));
        assertEquals(ExitCode.USAGE, names.exitCode());
        assertTrue(names.getMessage().contains("'pgvm-a--b-dms'") && names.getMessage().contains("nothing was created"), names.getMessage());
        ToolException tags = assertThrows(ToolException.class, () -> f.engine(f.options().extraTags(java.util.Map.of("dms:team", "x")).build())
                .migrate(f.ctx("t1"), f.endpoints()));
        assertEquals(ExitCode.USAGE, tags.exitCode());
        assertTrue(tags.getMessage().contains("dms.tags: tag key 'dms:team' uses the prefix dms:"), tags.getMessage());
        ToolException zones = assertThrows(ToolException.class, () -> f.engine(f.options().subnetZones(java.util.Map.of(
                "subnet-0aaa", "us-east-1a", "subnet-0bbb", "us-east-1a")).build()).migrate(f.ctx("t2"), f.endpoints()));
        assertTrue(zones.getMessage().contains("are all in us-east-1a"), zones.getMessage());
        assertEquals(List.of(), f.fake.inventory());
        assertTrue(f.fake.calls().stream().noneMatch(c -> c.startsWith("Create")), f.fake.calls().toString());
    }
}
