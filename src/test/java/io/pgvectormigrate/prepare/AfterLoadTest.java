package io.pgvectormigrate.prepare;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgvectormigrate.pg.TableFilter;
import io.pgvectormigrate.report.Json;
import io.pgvectormigrate.report.Progress;
import io.pgvectormigrate.prepare.Indexes.IndexAction.Action;
import io.pgvectormigrate.prepare.TargetPreparer.AfterLoadResult;
import io.pgvectormigrate.prepare.TargetPreparer.PrepareResult;
import io.pgvectormigrate.testing.CliRun;
import io.pgvectormigrate.testing.PgServers;
import io.pgvectormigrate.testing.Sql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static io.pgvectormigrate.prepare.PrepareSupport.cliNoSecrets;
import static io.pgvectormigrate.prepare.PrepareSupport.indexDefs;
import static io.pgvectormigrate.prepare.PrepareSupport.oid;
import static io.pgvectormigrate.prepare.PrepareSupport.relfilenode;
import static io.pgvectormigrate.prepare.PrepareSupport.rows;
import static io.pgvectormigrate.prepare.PrepareSupport.url;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Deferred indexes and the after-load pass, on real clusters. */
@ExtendWith(PgServers.class)
class AfterLoadTest {
    @TempDir
    Path tmp;

    @Test
    void deferredIndexesAreRecordedOnTheTargetAndRecreatedExactlyOnce(PgServers.DbPair db) throws Exception {
        assertEquals(0, cliNoSecrets(tmp, List.of(db.target()), "prepare-target", "--target", url(db.target())).exitCode());
        Map<String, String> before = indexDefs(db.target(), "public", "items");
        assertEquals(3, before.size());

        CliRun.Result r = cliNoSecrets(tmp, List.of(db.target()), "prepare-target", "--target", url(db.target()),
                "--defer-indexes", "--format", "json");
        assertEquals(0, r.exitCode(), r.toString());
        JsonNode json = Json.mapper().readTree(r.out());
        assertEquals(2, json.get("deferredIndexes").size(), r.out());
        // only the primary key stays during the load
        assertEquals(List.of("items_pkey"), List.copyOf(indexDefs(db.target(), "public", "items").keySet()));
        assertEquals(List.of("idx_items_botid|items|btree|CREATE INDEX idx_items_botid ON public.items USING btree (botid)|t",
                        "idx_items_embedding|items|ivfflat|CREATE INDEX idx_items_embedding ON public.items USING ivfflat "
                                + "(embedding) WITH (lists='100')|t"),
                rows(db.target(), "SELECT index_name, table_name, access_method, definition, rebuilt_at IS NULL "
                        + "FROM pgvector_migrate.deferred_index ORDER BY index_name"));

        // a resumed run re-prepares: the indexes are gone already and stay remembered
        CliRun.Result resumed = cliNoSecrets(tmp, List.of(db.target()), "prepare-target", "--target", url(db.target()), "--defer-indexes");
        assertEquals(0, resumed.exitCode(), resumed.toString());
        assertTrue(resumed.out().contains("public.idx_items_embedding (ivfflat)"), resumed.out());
        assertEquals("2", Sql.scalar(db.target(), "SELECT count(*) FROM pgvector_migrate.deferred_index WHERE rebuilt_at IS NULL"));

        Sql.exec(db.target(), "ALTER TABLE public.items SET (autovacuum_enabled = false)");
        PrepareSupport.loadItems(db.target(), 300);
        // as if an earlier after-load pass had built this one before it was interrupted
        Sql.exec(db.target(), "CREATE INDEX idx_items_botid ON public.items (botid)");
        long botidOid = oid(db.target(), "public.idx_items_botid");
        assertEquals("0", Sql.scalar(db.target(), "SELECT count(*) FROM pg_statistic WHERE starelid = 'public.items'::regclass"));

        CliRun.Result after = cliNoSecrets(tmp, List.of(db.target()), "prepare-target", "--target", url(db.target()), "--after-load");
        assertEquals(0, after.exitCode(), after.toString());
        assertTrue(after.out().contains("public.idx_items_embedding (ivfflat): recreated"), after.out());
        assertTrue(after.out().contains("public.idx_items_botid (btree): already present"), after.out());
        assertTrue(after.err().contains("building index public.idx_items_embedding (ivfflat)"), after.err());
        assertEquals(before, indexDefs(db.target(), "public", "items"));
        assertEquals(botidOid, oid(db.target(), "public.idx_items_botid"));
        assertEquals("0", Sql.scalar(db.target(), "SELECT count(*) FROM pgvector_migrate.deferred_index WHERE rebuilt_at IS NULL"));
        // analyzed (autovacuum is off for the table, so the statistics are the after-load pass's)
        assertTrue(Long.parseLong(Sql.scalar(db.target(), "SELECT count(*) FROM pg_statistic WHERE starelid = 'public.items'::regclass")) >= 5);

        // again (cutover, or after a crash): nothing is built twice
        long ivfOid = oid(db.target(), "public.idx_items_embedding");
        AfterLoadResult again = TargetPreparer.afterLoad(db.target(), TableFilter.ALL, Progress.SILENT);
        assertTrue(again.indexes().isEmpty(), again.toString());
        assertEquals(ivfOid, oid(db.target(), "public.idx_items_embedding"));
        assertEquals(botidOid, oid(db.target(), "public.idx_items_botid"));
        assertEquals(before, indexDefs(db.target(), "public", "items"));
        assertEquals("300", Sql.scalar(db.target(), "SELECT count(*) FROM public.items"));
    }

    @Test
    void vectorIndexesThatStayedAreRebuiltOnceAfterTheLoad(PgServers.DbPair db) throws Exception {
        assertEquals(0, cliNoSecrets(tmp, List.of(db.target()), "prepare-target", "--target", url(db.target())).exitCode());
        long ivf = relfilenode(db.target(), "public.idx_items_embedding");
        long botid = relfilenode(db.target(), "public.idx_items_botid");
        PrepareSupport.loadItems(db.target(), 300);
        assertEquals(ivf, relfilenode(db.target(), "public.idx_items_embedding"));

        CliRun.Result r = cliNoSecrets(tmp, List.of(db.target()), "prepare-target", "--target", url(db.target()),
                "--after-load", "--format", "json", "--maintenance-work-mem", "256MB", "--parallel-workers", "1");
        assertEquals(0, r.exitCode(), r.toString());
        JsonNode json = Json.mapper().readTree(r.out());
        assertEquals(1, json.get("indexes").size(), r.out());
        assertEquals("idx_items_embedding", json.get("indexes").get(0).get("index").asText());
        assertEquals("REINDEXED", json.get("indexes").get(0).get("action").asText());
        assertEquals("public.items", json.get("analyzed").get(0).asText());
        // the ivfflat index was rebuilt on the loaded rows (new storage); the btree was left alone
        long ivfAfter = relfilenode(db.target(), "public.idx_items_embedding");
        assertNotEquals(ivf, ivfAfter);
        assertEquals(botid, relfilenode(db.target(), "public.idx_items_botid"));

        AfterLoadResult again = TargetPreparer.afterLoad(db.target(), TableFilter.ALL, Progress.SILENT);
        assertEquals(List.of(Action.ALREADY_REINDEXED), again.indexes().stream().map(Indexes.IndexAction::action).toList());
        assertEquals(ivfAfter, relfilenode(db.target(), "public.idx_items_embedding"));

        // a new preparation announces a new load: the next after-load pass rebuilds again
        assertEquals(0, cliNoSecrets(tmp, List.of(db.target()), "prepare-target", "--target", url(db.target()),
                "--allow-nonempty-target").exitCode());
        AfterLoadResult next = TargetPreparer.afterLoad(db.target(), TableFilter.ALL, Progress.SILENT);
        assertEquals(List.of(Action.REINDEXED), next.indexes().stream().map(Indexes.IndexAction::action).toList());
        assertNotEquals(ivfAfter, relfilenode(db.target(), "public.idx_items_embedding"));
    }

    @Test
    void pipelineDefaultsPrepareABedrockTargetFromItsSourceAndRestoreTheSourcesIndexes(PgServers.DbPair db) throws Exception {
        Sql.exec(db.source(), PrepareSupport.BEDROCK_V1_SETUP);
        PrepareSupport.loadItems(db.source(), 50);
        Sql.exec(db.source(), "CREATE TABLE public.bot_notes (bot char(26) PRIMARY KEY, note text)",
                "CREATE INDEX bot_notes_note ON public.bot_notes (note)");

        PrepareResult p = TargetPreparer.prepare(PrepareOptions.forPipeline(db.target(), db.source(), TableFilter.ALL), Progress.SILENT);
        assertEquals("bedrock-chat", p.preset());
        assertEquals(List.of("public.items", "public.bot_notes"), p.tablesCreated());
        assertEquals(List.of("bot_notes_note", "idx_items_botid", "idx_items_embedding"),
                p.deferredIndexes().stream().map(Indexes.DeferredIndex::name).sorted().toList());

        // the copy engine loads the rows here
        Sql.exec(db.target(), "INSERT INTO public.items SELECT 'X' || lpad(i::text, 25, '0'), 'B', 't', 's', "
                + "(SELECT array_agg(random())::vector(1024) FROM generate_series(1, 1024) WHERE i > 0) FROM generate_series(1, 50) i");
        AfterLoadResult a = TargetPreparer.afterLoad(db.target(), TableFilter.ALL, Progress.SILENT);
        assertEquals(3, a.indexes().stream().filter(i -> i.action() == Action.RECREATED).count(), a.toString());
        assertEquals(indexDefs(db.source(), "public", "items"), indexDefs(db.target(), "public", "items"));
        assertEquals(indexDefs(db.source(), "public", "bot_notes"), indexDefs(db.target(), "public", "bot_notes"));
    }

    @Test
    void quotedNamesAndNonDefaultOperatorClassesSurviveDeferral(PgServers.DbPair db) throws Exception {
        Sql.exec(db.source(), "CREATE EXTENSION vector", "CREATE SCHEMA \"App\"",
                "CREATE TABLE \"App\".\"DocChunks\" (\"TenantId\" int, \"ChunkNo\" int, \"Emb\" vector(3), "
                        + "PRIMARY KEY (\"TenantId\", \"ChunkNo\"))",
                "CREATE INDEX \"Emb_Hnsw\" ON \"App\".\"DocChunks\" USING hnsw (\"Emb\" vector_cosine_ops) WITH (m = 8)",
                "CREATE INDEX \"By Tenant\" ON \"App\".\"DocChunks\" (\"TenantId\") WHERE \"ChunkNo\" > 0");
        CliRun.Result r = cliNoSecrets(tmp, List.of(db.target(), db.source()), "prepare-target", "--target", url(db.target()),
                "--source", url(db.source()), "--schema-from-source", "--defer-indexes");
        assertEquals(0, r.exitCode(), r.toString());
        assertEquals(List.of("DocChunks_pkey"), List.copyOf(indexDefs(db.target(), "App", "DocChunks").keySet()));
        assertEquals(List.of("CREATE INDEX \"By Tenant\" ON \"App\".\"DocChunks\" USING btree (\"TenantId\") WHERE (\"ChunkNo\" > 0)",
                        "CREATE INDEX \"Emb_Hnsw\" ON \"App\".\"DocChunks\" USING hnsw (\"Emb\" public.vector_cosine_ops) WITH (m='8')"),
                rows(db.target(), "SELECT definition FROM pgvector_migrate.deferred_index ORDER BY index_name"));

        Sql.exec(db.target(), "INSERT INTO \"App\".\"DocChunks\" SELECT i, i, ARRAY[random(), random(), random()]::vector(3) "
                + "FROM generate_series(1, 200) i");
        // whatever search_path the after-load session has, the recorded definitions are fully qualified
        Sql.exec(db.target(), "ALTER DATABASE " + db.name() + " SET search_path = pg_catalog");
        AfterLoadResult a = TargetPreparer.afterLoad(db.target(), TableFilter.ALL, Progress.SILENT);
        assertEquals(2, a.indexes().stream().filter(i -> i.action() == Action.RECREATED).count(), a.toString());
        Sql.exec(db.target(), "ALTER DATABASE " + db.name() + " RESET search_path");
        assertEquals(indexDefs(db.source(), "App", "DocChunks"), indexDefs(db.target(), "App", "DocChunks"));
    }

    @Test
    void twoDeferredIndexesAreBuiltAtOnce(PgServers.DbPair db) throws Exception {
        Sql.exec(db.target(), "CREATE TABLE public.a (id int PRIMARY KEY, v int)", "CREATE INDEX a_v ON public.a (v)",
                "CREATE TABLE public.b (id int PRIMARY KEY, v int)", "CREATE INDEX b_v ON public.b (v)");
        assertEquals(0, cliNoSecrets(tmp, List.of(db.target()), "prepare-target", "--target", url(db.target()),
                "--defer-indexes").exitCode());
        Sql.exec(db.target(), "INSERT INTO public.a SELECT i, i FROM generate_series(1, 1000) i",
                "INSERT INTO public.b SELECT i, i FROM generate_series(1, 1000) i");
        // a session holds table a: a_v's build (first in recorded order) waits for it, and b_v must not wait behind it
        try (java.sql.Connection holder = java.sql.DriverManager.getConnection(db.target().jdbcUrl(), db.target().driverProperties())) {
            holder.setAutoCommit(false);
            holder.createStatement().execute("LOCK TABLE public.a IN ROW EXCLUSIVE MODE");
            java.util.concurrent.CompletableFuture<AfterLoadResult> pass = java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> TargetPreparer.afterLoad(db.target(), TableFilter.ALL, Progress.SILENT));
            long deadline = System.nanoTime() + java.time.Duration.ofSeconds(60).toNanos();
            // the preset's items table comes with its two deferred indexes: those are built meanwhile too
            String built = "";
            while (System.nanoTime() < deadline && !built.contains("b_v")) {
                built = String.valueOf(Sql.scalar(db.target(), "SELECT string_agg(index_name, ',' ORDER BY index_name) "
                        + "FROM pgvector_migrate.deferred_index WHERE rebuilt_at IS NOT NULL"));
                Thread.sleep(100);
            }
            assertTrue(built.contains("b_v"), "b_v was built while a_v's build waited for the lock on a: " + built);
            assertEquals("0", Sql.scalar(db.target(), "SELECT count(*) FROM pg_indexes WHERE indexname = 'a_v'"));
            assertTrue(!pass.isDone(), "the pass waits for a_v");
            holder.rollback();
            AfterLoadResult r = pass.get(60, java.util.concurrent.TimeUnit.SECONDS);
            assertEquals(List.of("a_v", "b_v", "idx_items_botid", "idx_items_embedding"),
                    r.indexes().stream().map(Indexes.IndexAction::index).toList(), "in recorded order");
            assertTrue(r.indexes().stream().allMatch(i -> i.action() == Action.RECREATED), r.toString());
        }
        assertEquals("2", Sql.scalar(db.target(), "SELECT count(*) FROM pg_indexes WHERE indexname IN ('a_v', 'b_v')"));
    }

    /**
     * Cutover's pass analyzes every table again: rows a subscription applied may not be in the statistics counters yet
     * when cutover looks, so no counter decides that a table can keep migrate's statistics.
     */
    @Test
    void everyPassAnalyzesEveryTableSoChangesSinceTheCopyAreInTheStatistics(PgServers.DbPair db) throws Exception {
        Sql.exec(db.target(), "CREATE TABLE public.quiet (id int PRIMARY KEY) WITH (autovacuum_enabled = false)",
                "CREATE TABLE public.busy (id int PRIMARY KEY) WITH (autovacuum_enabled = false)",
                "INSERT INTO public.quiet SELECT generate_series(1, 1000)", "INSERT INTO public.busy SELECT generate_series(1, 1000)");
        AfterLoadResult first = TargetPreparer.afterLoad(db.target(), TableFilter.ALL, Progress.SILENT);
        assertEquals(List.of("public.busy", "public.quiet"), first.analyzed().stream().sorted().toList());
        // changed right before cutover's pass, without waiting for the counters
        Sql.exec(db.target(), "INSERT INTO public.busy SELECT generate_series(1001, 1300)");
        io.pgvectormigrate.replication.NativeOptions.AfterLoad.TARGET_PREPARER.again(db.target(), TableFilter.ALL, Progress.SILENT);
        assertEquals("1300", Sql.scalar(db.target(), "SELECT reltuples::bigint FROM pg_class WHERE oid = 'public.busy'::regclass"));
        assertEquals("2 2", Sql.scalar(db.target(), "SELECT string_agg(analyze_count::text, ' ') FROM pg_stat_all_tables "
                + "WHERE relid IN ('public.busy'::regclass, 'public.quiet'::regclass)"));
    }
}
