package io.pgvectormigrate.run;

import io.pgvectormigrate.aws.dms.FakeDms;
import io.pgvectormigrate.aws.fake.SimulatedCrash;
import io.pgvectormigrate.core.ExitCode;
import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pipeline.Step;
import io.pgvectormigrate.pipeline.StepStatus;
import io.pgvectormigrate.testing.CliRun;
import io.pgvectormigrate.testing.PgServers;
import io.pgvectormigrate.testing.Sql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The DMS step commands get the same fast path as the native ones: prepare-target (no --defer-indexes) leaves items'
 * indexes, migrate --engine dms defers them before DMS loads the table (observed while DMS is still loading, when the
 * process dies), and the resumed migrate builds them again, as they were.
 */
@ExtendWith(PgServers.class)
class DmsDeferredIndexesTest {
    static final String INDEXES = "SELECT string_agg(indexname || ': ' || indexdef, E'\\n' ORDER BY indexname) FROM pg_indexes "
            + "WHERE schemaname = 'public' AND tablename = 'items'";
    static final String INDEX_NAMES = "SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes "
            + "WHERE schemaname = 'public' AND tablename = 'items'";

    @TempDir
    Path tmp;

    @Test
    void migrateWithDmsLoadsWithoutTheIndexesAndBuildsThemAfterwardsEvenAfterACrash(PgServers.DbPair db) throws Exception {
        try (RunWorld w = new RunWorld(tmp.resolve("w"), db, 120, 3)) {
            String config = w.config("migration.yaml", "").toString();
            ConnectionSpec source = w.restoreAndPrepareTarget("dx1");
            String before = Sql.scalar(db.target(), INDEXES);
            assertEquals("idx_items_botid,idx_items_embedding,items_pkey", Sql.scalar(db.target(), INDEX_NAMES),
                    "prepare-target without --defer-indexes leaves them");

            // the process dies while DMS is still starting the load: the indexes are already gone, their definitions kept
            w.aws.dms.startingPolls(20);
            w.aws.dms.crash("DescribeDataMigrations", FakeDms.When.AFTER, 8);
            assertThrows(SimulatedCrash.class, () -> w.run("migrate", "--engine", "dms", "--run-id", "dx1", "--config", config));
            w.aws.dms.clearCrashes();
            assertEquals(StepStatus.RUNNING, w.journal("dx1").step(Step.MIGRATE).status());
            assertEquals(FakeDms.STARTING, w.aws.dms.statusOf("pgvm-dx1-dms"), "DMS has not loaded the table yet");
            assertEquals("items_pkey", Sql.scalar(db.target(), INDEX_NAMES), "no secondary or vector index while DMS loads");
            assertEquals(2, Sql.count(db.target(), "SELECT count(*) FROM pgvector_migrate.deferred_index WHERE rebuilt_at IS NULL"));
            assertEquals("public.idx_items_botid,public.idx_items_embedding",
                    w.journal("dx1").output(Step.MIGRATE, StandardStages.DEFERRED_INDEXES).orElse(""));

            // the same command again: DMS finishes the load, after-load builds both indexes from their records
            CliRun.Result m = w.run("migrate", "--engine", "dms", "--run-id", "dx1", "--config", config);
            assertEquals(ExitCode.OK, m.exitCode(), m.toString());
            assertTrue(m.out().contains("indexes deferred during the load and built after it: public.idx_items_botid, public.idx_items_embedding"),
                    m.out());
            assertTrue(m.err().contains("rebuilt 2 index(es) deferred during the load"), m.err());
            assertEquals(120, w.targetRows());
            assertEquals(before, Sql.scalar(db.target(), INDEXES), "the same indexes, with the same definitions");
            assertEquals(0, Sql.count(db.target(), "SELECT count(*) FROM pgvector_migrate.deferred_index WHERE rebuilt_at IS NULL"));

            CliRun.Result v = w.run("verify", "--source", RunWorld.url(source), "--target", RunWorld.url(db.target()));
            assertEquals(ExitCode.OK, v.exitCode(), v.toString());
            CliRun.Result clean = w.run("cleanup", "--run-id", "dx1", "--yes", "--no-final-snapshot");
            assertEquals(ExitCode.OK, clean.exitCode(), clean.toString());
            w.assertNoLeak(m, java.util.List.of(), source.password(), RunWorld.OLD_PASSWORD);
        }
    }
}
