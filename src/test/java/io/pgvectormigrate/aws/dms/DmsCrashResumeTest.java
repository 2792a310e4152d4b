package io.pgvectormigrate.aws.dms;

import io.pgvectormigrate.pipeline.Resource;
import io.pgvectormigrate.pipeline.RunContext;
import io.pgvectormigrate.testing.PgServers;
import io.pgvectormigrate.testing.Sql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The process dies around each DMS call (before DMS acted, or after it acted but before the response arrived);
 * a re-run with the same journal finishes with exactly one of each DMS object, the right rows on the target,
 * and after teardown nothing left anywhere.
 */
@ExtendWith(PgServers.class)
class DmsCrashResumeTest {
    private static final List<String> ONE_OF_EACH = List.of("replication-subnet-group pgvm-crash-dms",
            "instance-profile pgvm-crash-dms", "data-provider pgvm-crash-dms-source",
            "data-provider pgvm-crash-dms-target", "migration-project pgvm-crash-dms", "data-migration pgvm-crash-dms");
    private static final Set<String> DMS_KINDS = Set.of("dms.replication-subnet-group", "dms.instance-profile", "dms.data-provider",
            "dms.migration-project", "dms.data-migration");

    @TempDir
    Path work;

    @ParameterizedTest(name = "crash {1} {0} #{2}, then resume")
    @CsvSource({
            "CreateReplicationSubnetGroup, BEFORE, 1", "CreateReplicationSubnetGroup, AFTER, 1",
            "CreateInstanceProfile, BEFORE, 1", "CreateInstanceProfile, AFTER, 1",
            "CreateDataProvider, AFTER, 1", "CreateDataProvider, BEFORE, 2", "CreateDataProvider, AFTER, 2",
            "CreateMigrationProject, BEFORE, 1", "CreateMigrationProject, AFTER, 1",
            "CreateDataMigration, BEFORE, 1", "CreateDataMigration, AFTER, 1",
            "StartDataMigration, BEFORE, 1", "StartDataMigration, AFTER, 1",
            "DescribeDataMigrations, AFTER, 4", "DescribeDataMigrations, AFTER, 5",
    })
    void crashDuringMigrateThenResume(String operation, FakeDms.When when, int occurrence, PgServers.DbPair db) throws Exception {
        DmsFixture f = new DmsFixture(db, work);
        f.bedrockChat(80, 3);
        f.fake.crash(operation, when, occurrence);
        assertThrows(FakeDms.FakeCrash.class, () -> f.engine().migrate(f.ctx("crash"), f.endpoints()));
        f.fake.clearCrashes();

        RunContext resumed = f.ctx("crash"); // a new process: journal read back from disk
        f.engine().migrate(resumed, f.endpoints());
        assertEquals(ONE_OF_EACH, f.fake.inventory(), "no duplicate, nothing missing");
        assertEquals(f.digest(db.source()), f.digest(db.target()));
        List<Resource> dms = resumed.journal().resources().stream().filter(r -> DMS_KINDS.contains(r.kind())).toList();
        assertEquals(6, dms.size(), dms.toString());
        for (Resource r : dms) {
            if (!r.kind().equals("dms.replication-subnet-group")) assertNotNull(r.attribute("arn"), r.toString());
            assertEquals("created", r.attribute("state"), r.toString());
        }

        f.engine().cutover(f.ctx("crash"), f.endpoints());
        f.engine().teardown(f.ctx("crash"), f.endpoints());
        assertEquals(List.of(), f.fake.inventory(), "no orphan");
        assertTrue(f.ctx("crash").journal().liveResourcesNewestFirst().isEmpty());
    }

    @ParameterizedTest(name = "crash {1} {0} #{2} during teardown, then resume")
    @CsvSource({
            "DeleteDataMigration, BEFORE, 1", "DeleteDataMigration, AFTER, 1",
            "DeleteMigrationProject, AFTER, 1",
            "DeleteDataProvider, AFTER, 1", "DeleteDataProvider, AFTER, 2",
            "DeleteInstanceProfile, BEFORE, 1", "DeleteInstanceProfile, AFTER, 1",
            "DeleteReplicationSubnetGroup, AFTER, 1",
            "ListTagsForResource, AFTER, 2",
    })
    void crashDuringTeardownThenResume(String operation, FakeDms.When when, int occurrence, PgServers.DbPair db) throws Exception {
        DmsFixture f = new DmsFixture(db, work);
        f.bedrockChat(20, 2);
        f.engine().migrate(f.ctx("crash"), f.endpoints());
        f.fake.crash(operation, when, occurrence);
        assertThrows(FakeDms.FakeCrash.class, () -> f.engine().teardown(f.ctx("crash"), f.endpoints()));
        f.fake.clearCrashes();
        f.engine().teardown(f.ctx("crash"), f.endpoints());
        assertEquals(List.of(), f.fake.inventory(), "no orphan");
        assertTrue(f.ctx("crash").journal().liveResourcesNewestFirst().isEmpty());
    }

    @Test
    void crashAfterStoppingCdcAtCutoverThenResumeDropsTheLeftovers(PgServers.DbPair db) throws Exception {
        DmsFixture f = new DmsFixture(db, work);
        f.bedrockChat(30, 2);
        DmsOptions cdc = f.options().migrationType(DmsOptions.MigrationType.FULL_LOAD_AND_CDC).build();
        f.engine(cdc).migrate(f.ctx("crash"), f.endpoints());
        Sql.exec(db.source(), "UPDATE items SET source = 's3://moved' WHERE id = (SELECT min(id) FROM items)");
        f.fake.crash("StopDataMigration", FakeDms.When.AFTER, 1);
        assertThrows(FakeDms.FakeCrash.class, () -> f.engine(cdc).cutover(f.ctx("crash"), f.endpoints()));
        f.fake.clearCrashes();
        f.engine(cdc).cutover(f.ctx("crash"), f.endpoints());
        assertEquals(f.digest(db.source()), f.digest(db.target()));
        assertEquals("0", Sql.scalar(db.source(), "SELECT count(*) FROM pg_replication_slots WHERE slot_name LIKE 'migration\\_subscriber\\_%' AND database = current_database()"));
        assertEquals("0", Sql.scalar(db.source(), "SELECT count(*) FROM pg_publication WHERE pubname LIKE 'publication\\_%'"));
        f.engine(cdc).teardown(f.ctx("crash"), f.endpoints());
        assertEquals(List.of(), f.fake.inventory());
        Set<String> live = f.ctx("crash").journal().liveResourcesNewestFirst().stream().map(Resource::kind).collect(Collectors.toSet());
        assertEquals(Set.of(), live);
    }
}
