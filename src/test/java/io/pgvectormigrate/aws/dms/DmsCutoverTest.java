package io.pgvectormigrate.aws.dms;

import io.pgvectormigrate.core.ExitCode;
import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pipeline.RunContext;
import io.pgvectormigrate.testing.PgServers;
import io.pgvectormigrate.testing.Sql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.databasemigration.DatabaseMigrationClient;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the DMS engine's cutover accepts as finished: a full load only once DMS ended it in Stopped, a CDC migration only
 * once DMS's slot confirmed the sync point. A load still running is neither stopped nor declared done; Failed is a
 * failure; a CDC migration stopped (before or during cutover) without a confirmed sync point is refused, because
 * changes since may be missing on the target.
 */
@ExtendWith(PgServers.class)
class DmsCutoverTest {
    @TempDir
    Path work;

    @Test
    void aFullLoadStillRunningIsNotStoppedNorCutOver(PgServers.DbPair db) throws Exception {
        DmsFixture f = new DmsFixture(db, work);
        f.bedrockChatAndTwoMoreTables();
        f.fake.crash("DescribeDataMigrations", FakeDms.When.AFTER, 5); // the process dies while the load runs
        assertThrows(FakeDms.FakeCrash.class, () -> f.engine().migrate(f.ctx("loading"), f.endpoints()));
        f.fake.clearCrashes();
        assertEquals(FakeDms.LOAD_RUNNING, f.fake.statusOf("pgvm-loading-dms"));

        ToolException e = assertThrows(ToolException.class, () -> f.engine().cutover(f.ctx("loading"), f.endpoints()));
        assertEquals(ExitCode.RUNTIME_FAILURE, e.exitCode());
        assertTrue(e.getMessage().contains("full load has not finished") && e.getMessage().contains("nothing was stopped"), e.getMessage());
        assertEquals(0, f.fake.calls("StopDataMigration"), "a load still running is not stopped: " + f.fake.calls());
        assertTrue(f.finished.isEmpty(), "no index was built on a partial load");
        f.engine().teardown(f.ctx("loading"), f.endpoints());
    }

    @Test
    void aFailedMigrationAtCutoverIsAFailureNotFinished(PgServers.DbPair db) throws Exception {
        DmsFixture f = new DmsFixture(db, work);
        f.bedrockChat(10, 1);
        f.fake.failNextStart("Failed to connect to the source database: timeout");
        assertThrows(ToolException.class, () -> f.engine().migrate(f.ctx("failed"), f.endpoints()));
        assertEquals(FakeDms.FAILED, f.fake.statusOf("pgvm-failed-dms"));

        ToolException e = assertThrows(ToolException.class, () -> f.engine().cutover(f.ctx("failed"), f.endpoints()));
        assertEquals(ExitCode.RUNTIME_FAILURE, e.exitCode());
        assertTrue(e.getMessage().contains("failed: Failed to connect to the source database"), e.getMessage());
        assertTrue(f.finished.isEmpty());
        f.engine().teardown(f.ctx("failed"), f.endpoints());
    }

    @Test
    void aCdcMigrationStoppedBeforeCutoverIsRefusedUntilResumed(PgServers.DbPair db) throws Exception {
        DmsFixture f = new DmsFixture(db, work);
        f.bedrockChat(30, 2);
        DmsEngine cdc = f.engine(f.options().migrationType(DmsOptions.MigrationType.FULL_LOAD_AND_CDC).build());
        RunContext ctx = f.ctx("stopped");
        cdc.migrate(ctx, f.endpoints());
        f.fake.stopDataMigration(b -> b.dataMigrationIdentifier("pgvm-stopped-dms")); // someone stops it in the console
        // ... and it reached Stopped before the change below (while Stopping, DMS may still replicate it)
        f.fake.describeDataMigrations(b -> b.maxRecords(100));
        assertEquals(FakeDms.STOPPED, f.fake.statusOf("pgvm-stopped-dms"));
        Sql.exec(db.source(), "UPDATE items SET source = 's3://after-the-stop' WHERE id = (SELECT min(id) FROM items)");

        ToolException e = assertThrows(ToolException.class, () -> cdc.cutover(f.ctx("stopped"), f.endpoints()));
        assertEquals(ExitCode.RUNTIME_FAILURE, e.exitCode());
        assertTrue(e.getMessage().contains("stopped") && e.getMessage().contains("before cutover confirmed")
                && e.getMessage().contains("--start-type resume-processing"), e.getMessage());
        assertEquals(1L, Long.parseLong(Sql.scalar(db.source(), "SELECT count(*) FROM pg_replication_slots WHERE slot_name LIKE 'migration\\_subscriber\\_%' "
                + "AND database = current_database()")), "DMS's slot is kept: nothing was removed");
        assertNotEquals(f.digest(db.source()), f.digest(db.target()), "the change after the stop is not on the target");

        // resumed as the message says, cutover confirms the sync point and finishes
        f.fake.startDataMigration(b -> b.dataMigrationIdentifier("pgvm-stopped-dms").startType("resume-processing"));
        cdc.cutover(f.ctx("stopped"), f.endpoints());
        assertEquals(f.digest(db.source()), f.digest(db.target()));
        cdc.teardown(f.ctx("stopped"), f.endpoints());
    }

    /** Stopped by someone while cutover waits for its slot: not caught up, whatever the status says. */
    @Test
    void aCdcMigrationStoppedWhileCutoverWaitsIsNotTakenForCaughtUp(PgServers.DbPair db) throws Exception {
        DmsFixture f = new DmsFixture(db, work);
        f.bedrockChat(30, 2);
        DmsOptions options = f.options().migrationType(DmsOptions.MigrationType.FULL_LOAD_AND_CDC).timeout(Duration.ofSeconds(30)).build();
        RunContext ctx = f.ctx("midwait");
        f.engine(options).migrate(ctx, f.endpoints());
        Sql.exec(db.source(), "DELETE FROM items WHERE id IN (SELECT id FROM items ORDER BY id LIMIT 5)");
        f.fake.pauseApply(1_000); // DMS lags behind the sync point
        int finishedBefore = f.finished.size();
        AtomicInteger describes = new AtomicInteger();
        DatabaseMigrationClient stopsDuringTheWait = (DatabaseMigrationClient) Proxy.newProxyInstance(
                DatabaseMigrationClient.class.getClassLoader(), new Class<?>[]{DatabaseMigrationClient.class}, (p, m, args) -> {
                    // the engine's paginators page through this proxy, so each page is a describe seen here
                    if (m.isDefault() && m.getName().endsWith("Paginator")) return java.lang.reflect.InvocationHandler.invokeDefault(p, m, args);
                    if (m.getName().equals("describeDataMigrations") && describes.incrementAndGet() == 4) {
                        f.fake.stopDataMigration(b -> b.dataMigrationIdentifier("pgvm-midwait-dms"));
                    }
                    try {
                        return m.invoke(f.client, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        DmsEngine engine = new DmsEngine(stopsDuringTheWait, options, (target, tables, progress) -> f.finished.add(target));
        ToolException e = assertThrows(ToolException.class, () -> engine.cutover(f.ctx("midwait"), f.endpoints()));
        assertTrue(e.getMessage().contains("before cutover confirmed it replicated everything up to"), e.getMessage());
        assertEquals(FakeDms.STOPPED, f.fake.statusOf("pgvm-midwait-dms"));
        assertEquals(finishedBefore, f.finished.size(), "nothing was finished on a target that lacks changes");
        f.engine(options).teardown(f.ctx("midwait"), f.endpoints());
    }
}
