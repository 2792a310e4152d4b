package io.pgvectormigrate.replication;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgvectormigrate.pg.TableFilter;
import io.pgvectormigrate.pipeline.Journal;
import io.pgvectormigrate.pipeline.Step;
import io.pgvectormigrate.pipeline.StepStatus;
import io.pgvectormigrate.report.Json;
import io.pgvectormigrate.report.Progress;
import io.pgvectormigrate.run.Standalone;
import io.pgvectormigrate.run.StandardStages;
import io.pgvectormigrate.testing.CliRun;
import io.pgvectormigrate.testing.PgServers;
import io.pgvectormigrate.testing.Sql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.pgvectormigrate.replication.MigrateCliTest.url;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The documented native path (prepare-target without --defer-indexes, migrate, cutover) never maintains the empty
 * target tables' secondary and vector indexes during the load: migrate defers them itself and its after-load builds
 * them again, with the definitions they had. Observed on the target while the copy runs (a hook after each committed
 * chunk), in the bookkeeping table and in the journal; a migrate killed mid-copy, after the deferral, rebuilds them on
 * resume.
 */
@ExtendWith(PgServers.class)
class DeferredIndexesStepCommandsTest {
    /** Every index of the copied tables with its definition, one per line. */
    static final String INDEXES = "SELECT string_agg(indexname || ': ' || indexdef, E'\\n' ORDER BY indexname) FROM pg_indexes "
            + "WHERE schemaname = 'public' AND tablename IN ('items', 'bot_audit')";
    static final String INDEX_NAMES = "SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes "
            + "WHERE schemaname = 'public' AND tablename IN ('items', 'bot_audit')";

    @Test
    void prepareTargetThenMigrateThenCutoverLoadsWithoutTheIndexesAndEndsWithThemAsBefore(PgServers.DbPair db, @TempDir Path dir)
            throws Exception {
        Fixture.schemaAndRows(db, 300, 40);
        Path work = dir.resolve(".pgvector-migrate");
        CliRun.Result p = CliRun.run(Map.of(), dir, "prepare-target", "--target", url(db.target()), "--source", url(db.source()));
        assertEquals(0, p.exitCode(), p.toString());
        assertFalse(p.out().contains("deferred"), "prepare-target without --defer-indexes leaves the indexes: " + p.out());
        String before = Sql.scalar(db.target(), INDEXES);
        assertTrue(before.contains("idx_items_embedding: CREATE INDEX idx_items_embedding ON public.items USING ivfflat")
                && before.contains("idx_items_botid"), before);

        // migrate as the CLI runs it, with a hook that looks at the target's indexes after every committed chunk
        List<String> duringLoad = new CopyOnWriteArrayList<>();
        List<String> lines = new CopyOnWriteArrayList<>();
        NativeOptions watching = NativeOptions.defaults().withChunkBytes(64 * 1024).withHooks(new NativeOptions.Hooks() {
            @Override
            public void afterChunkCopied(String table, int chunk) {
                duringLoad.add(indexNames(db));
            }
        });
        Standalone.Result m = io.pgvectormigrate.run.CopyPass.nativeCopy(Standalone.Copy.migrate("defer-std", work, TableFilter.ALL, false),
                db.source(), db.sourceFromTarget(), db.target(), watching, capture(lines), Clock.systemUTC());
        assertEquals(0, m.outcome().exitCode(), m.outcome().message() + "\n" + String.join("\n", lines));
        assertTrue(duringLoad.size() > 1, "several chunks were copied: " + duringLoad);
        assertEquals(List.of("bot_audit_pkey,items_pkey"), duringLoad.stream().distinct().toList(),
                "during the load only the keys exist");
        String out = String.join("\n", lines);
        assertTrue(out.contains("deferred index public.idx_items_embedding (ivfflat) of public.items"), out);
        assertTrue(out.contains("2 index(es) of the empty target tables deferred until after the load"), out);
        assertTrue(out.contains("rebuilt 2 index(es) deferred during the load: public.idx_items_embedding, public.idx_items_botid")
                || out.contains("rebuilt 2 index(es) deferred during the load: public.idx_items_botid, public.idx_items_embedding"), out);
        assertEquals(before, Sql.scalar(db.target(), INDEXES), "migrate's after-load built them again as they were");
        Journal j = Journal.load(work, "defer-std", Clock.systemUTC());
        assertEquals("public.idx_items_botid,public.idx_items_embedding", j.output(Step.MIGRATE, StandardStages.DEFERRED_INDEXES).orElse(""));
        assertEquals(2, Sql.count(db.target(), "SELECT count(*) FROM pgvector_migrate.deferred_index "
                + "WHERE rebuilt_at IS NOT NULL AND rebuilt_at > deferred_at"), "both deferred, then built after the load");

        Fixture.writeRound(db.source(), "late", 5, new SplittableRandom(5));
        CliRun.Result c = CliRun.run(Map.of(), dir, "cutover", "--source", url(db.source()), "--target", url(db.target()),
                "--run-id", "defer-std");
        assertEquals(0, c.exitCode(), c.toString());
        assertEquals(before, Sql.scalar(db.target(), INDEXES), "the same indexes as before the migration");
        assertEquals(0, Sql.count(db.target(), "SELECT count(*) FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid "
                + "WHERE t.relname IN ('items', 'bot_audit') AND NOT i.indisvalid"));
        assertEquals(Fixture.itemsHash(db.source()), Fixture.itemsHash(db.target()));
        Fixture.assertNoReplicationLeft(db, "defer-std");
    }

    @Test
    void migrateKilledAfterDeferringRebuildsTheIndexesOnResume(PgServers.DbPair db, @TempDir Path dir) throws Exception {
        Fixture.schemaAndRows(db, 300, 40);
        Path work = dir.resolve(".pgvector-migrate");
        assertEquals(0, CliRun.run(Map.of(), dir, "prepare-target", "--target", url(db.target()), "--source", url(db.source())).exitCode());
        String before = Sql.scalar(db.target(), INDEXES);

        // killed after the first committed chunk: the indexes are gone, their definitions recorded on the target
        List<String> atKill = new CopyOnWriteArrayList<>();
        NativeOptions dying = NativeOptions.defaults().withChunkBytes(16 * 1024).withHooks(new NativeOptions.Hooks() {
            @Override
            public void afterChunkCopied(String table, int chunk) {
                atKill.add(indexNames(db));
                throw new StepCommandsResumeTest.Kill("after deferring, mid-copy");
            }
        });
        assertThrows(StepCommandsResumeTest.Kill.class, () -> io.pgvectormigrate.run.CopyPass.nativeCopy(
                Standalone.Copy.migrate("defer-kill", work, TableFilter.ALL, false), db.source(), db.sourceFromTarget(), db.target(),
                dying, Progress.SILENT, Clock.systemUTC()));
        assertEquals("bot_audit_pkey,items_pkey", atKill.get(0));
        assertEquals(StepStatus.RUNNING, Journal.load(work, "defer-kill", Clock.systemUTC()).step(Step.MIGRATE).status());
        assertEquals(2, Sql.count(db.target(), "SELECT count(*) FROM pgvector_migrate.deferred_index WHERE rebuilt_at IS NULL"),
                "both definitions kept while the indexes are gone");

        // the same command again, here straight into cutover: the copy starts over without the indexes, then builds them
        CliRun.Result r = CliRun.run(Map.of(), dir, "migrate", "--source", url(db.source()), "--target", url(db.target()),
                "--run-id", "defer-kill", "--cutover", "--format", "json");
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.err().contains("2 index(es) deferred earlier are still pending"), r.err());
        assertTrue(r.err().contains("rebuilt 2 index(es) deferred during the load"), r.err());
        JsonNode doc = Json.mapper().readTree(r.out());
        assertEquals("[\"public.idx_items_botid\",\"public.idx_items_embedding\"]", doc.get("deferredIndexes").toString(), r.out());
        assertEquals(before, Sql.scalar(db.target(), INDEXES), "no index definition lost");
        assertEquals(0, Sql.count(db.target(), "SELECT count(*) FROM pgvector_migrate.deferred_index WHERE rebuilt_at IS NULL"));
        assertEquals(Fixture.itemsHash(db.source()), Fixture.itemsHash(db.target()));
        Fixture.assertNoReplicationLeft(db, "defer-kill");

        // a text run of a finished migrate says what the load left out
        CliRun.Result again = CliRun.run(Map.of(), dir, "migrate", "--source", url(db.source()), "--target", url(db.target()),
                "--run-id", "defer-kill");
        assertEquals(0, again.exitCode(), again.toString());
        assertTrue(again.out().contains("indexes deferred during the load and built after it: public.idx_items_botid, public.idx_items_embedding"),
                again.out());
    }

    private static String indexNames(PgServers.DbPair db) {
        try {
            return Sql.scalar(db.target(), INDEX_NAMES);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Progress capture(List<String> lines) {
        return new Progress() {
            @Override public void info(String line) { lines.add(line); }
            @Override public Bar bar(String task, long total, String unit) { return NO_BAR; }
        };
    }
}
