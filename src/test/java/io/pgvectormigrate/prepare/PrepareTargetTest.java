package io.pgvectormigrate.prepare;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgvectormigrate.report.Json;
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
import static io.pgvectormigrate.prepare.PrepareSupport.fingerprint;
import static io.pgvectormigrate.prepare.PrepareSupport.indexDefs;
import static io.pgvectormigrate.prepare.PrepareSupport.oid;
import static io.pgvectormigrate.prepare.PrepareSupport.rows;
import static io.pgvectormigrate.prepare.PrepareSupport.url;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** prepare-target through the CLI, on real PostgreSQL 15 + pgvector clusters. */
@ExtendWith(PgServers.class)
class PrepareTargetTest {
    @TempDir
    Path tmp;

    private static final Map<String, String> BEDROCK_INDEXES = Map.of(
            "idx_items_botid", "CREATE INDEX idx_items_botid ON public.items USING btree (botid)",
            // pg_get_indexdef leaves out vector_l2_ops: it is ivfflat's default operator class for vector
            "idx_items_embedding", "CREATE INDEX idx_items_embedding ON public.items USING ivfflat (embedding) WITH (lists='100')",
            "items_pkey", "CREATE UNIQUE INDEX items_pkey ON public.items USING btree (id)");

    @Test
    void emptyTargetGetsExtensionsBedrockSchemaAndHistoryInTheToolSchema(PgServers.DbPair db) throws Exception {
        CliRun.Result r = cliNoSecrets(tmp, List.of(db.target()), "prepare-target", "--target", url(db.target()));
        assertEquals(0, r.exitCode(), r.toString());

        assertEquals(List.of("pgcrypto|public", "plpgsql|pg_catalog", "vector|public"), rows(db.target(),
                "SELECT e.extname, n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace ORDER BY 1"));
        assertEquals(List.of("id|character(26)|t", "botid|character(26)|f", "content|text|f",
                        "source|text|f", "embedding|vector(1024)|f"),
                rows(db.target(), "SELECT attname, format_type(atttypid, atttypmod), attnotnull FROM pg_attribute "
                        + "WHERE attrelid = 'public.items'::regclass AND attnum > 0 ORDER BY attnum"));
        assertEquals(BEDROCK_INDEXES, indexDefs(db.target(), "public", "items"));

        // Flyway's history: in pgvector_migrate, one table per module, nothing in public
        assertNull(Sql.scalar(db.target(), "SELECT to_regclass('public.flyway_schema_history')"));
        assertEquals(List.of("1|extensions|t", "2|index bookkeeping|t"), rows(db.target(),
                "SELECT version, description, success FROM pgvector_migrate.flyway_schema_history WHERE version <> '0' ORDER BY installed_rank"));
        assertEquals(List.of("1|items|t"), rows(db.target(),
                "SELECT version, description, success FROM pgvector_migrate.bedrock_chat_schema_history WHERE version <> '0' ORDER BY installed_rank"));
        assertEquals(List.of("items"), rows(db.target(),
                "SELECT tablename FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema', 'pgvector_migrate')"));

        assertTrue(r.out().contains("migrations applied now: core V1 extensions, core V2 index bookkeeping, bedrock-chat V1 items"), r.out());
        assertTrue(r.out().contains("tables created: public.items"), r.out());
        assertTrue(r.err().contains("flyway core: 2 applied"), r.err());
    }

    @Test
    void reRunIsIdempotent(PgServers.DbPair db) throws Exception {
        assertEquals(0, cliNoSecrets(tmp, List.of(db.target()), "prepare-target", "--target", url(db.target())).exitCode());
        long items = oid(db.target(), "public.items");
        long ivf = oid(db.target(), "public.idx_items_embedding");
        List<String> history = rows(db.target(), "SELECT installed_rank, version, checksum FROM pgvector_migrate.flyway_schema_history ORDER BY 1");

        CliRun.Result again = cliNoSecrets(tmp, List.of(db.target()), "prepare-target", "--target", url(db.target()), "--format", "json");
        assertEquals(0, again.exitCode(), again.toString());
        JsonNode json = Json.mapper().readTree(again.out());
        assertEquals(0, json.get("applied").size(), again.out());
        assertEquals("keep", json.get("vectorAction").asText());
        assertEquals("public.items", json.get("tablesPresent").get(0).asText());
        assertEquals(0, json.get("tablesCreated").size());
        assertEquals(items, oid(db.target(), "public.items"));
        assertEquals(ivf, oid(db.target(), "public.idx_items_embedding"));
        assertEquals(history, rows(db.target(), "SELECT installed_rank, version, checksum FROM pgvector_migrate.flyway_schema_history ORDER BY 1"));
        assertEquals(BEDROCK_INDEXES, indexDefs(db.target(), "public", "items"));
    }

    @Test
    void v1ShapedTargetIsLeftAsItIs(PgServers.DbPair db) throws Exception {
        Sql.exec(db.target(), PrepareSupport.BEDROCK_V1_SETUP);
        long items = oid(db.target(), "public.items");
        long ivf = oid(db.target(), "public.idx_items_embedding");
        long botid = oid(db.target(), "public.idx_items_botid");

        CliRun.Result r = cliNoSecrets(tmp, List.of(db.target()), "prepare-target", "--target", url(db.target()));
        assertEquals(0, r.exitCode(), r.toString());
        assertEquals(items, oid(db.target(), "public.items"));
        assertEquals(ivf, oid(db.target(), "public.idx_items_embedding"));
        assertEquals(botid, oid(db.target(), "public.idx_items_botid"));
        assertEquals(BEDROCK_INDEXES, indexDefs(db.target(), "public", "items"));
        assertTrue(r.out().contains("tables already present (same definition): public.items"), r.out());
        assertTrue(!r.out().contains("note:"), r.out());
        assertEquals("1", Sql.scalar(db.target(), "SELECT count(*) FROM pgvector_migrate.bedrock_chat_schema_history WHERE version = '1' AND success"));

        // and again, with a source that is Bedrock Chat v0 (same schema): nothing to create, nothing refused
        Sql.exec(db.source(), PrepareSupport.BEDROCK_V1_SETUP);
        CliRun.Result withSource = cliNoSecrets(tmp, List.of(db.target(), db.source()), "prepare-target", "--target", url(db.target()),
                "--source", url(db.source()), "--schema-from-source");
        assertEquals(0, withSource.exitCode(), withSource.toString());
        assertEquals(items, oid(db.target(), "public.items"));
    }

    @Test
    void nonEmptyTargetIsRefusedUnlessAllowedAndItsRowsAreNeverTouched(PgServers.DbPair db) throws Exception {
        Sql.exec(db.target(), PrepareSupport.BEDROCK_V1_SETUP);
        PrepareSupport.loadItems(db.target(), 5);
        String before = fingerprint(db.target(), "public.items");

        CliRun.Result refused = cliNoSecrets(tmp, List.of(db.target()), "prepare-target", "--target", url(db.target()));
        assertEquals(2, refused.exitCode(), refused.toString());
        assertTrue(refused.err().contains("error: the target already holds rows in public.items: "), refused.err());
        assertTrue(refused.err().contains("--allow-nonempty-target"), refused.err());
        assertEquals(1, refused.err().lines().filter(l -> l.startsWith("error:")).count(), refused.err());
        // refused before any change: not even the tool schema
        assertNull(Sql.scalar(db.target(), "SELECT to_regnamespace('pgvector_migrate')"));

        CliRun.Result allowed = cliNoSecrets(tmp, List.of(db.target()), "prepare-target", "--target", url(db.target()),
                "--allow-nonempty-target", "--defer-indexes");
        assertEquals(0, allowed.exitCode(), allowed.toString());
        assertEquals(before, fingerprint(db.target(), "public.items"));
        // a table with rows keeps its indexes even when deferral was asked for
        assertEquals(BEDROCK_INDEXES, indexDefs(db.target(), "public", "items"));
        assertTrue(allowed.out().contains("note: target tables already hold rows and were left as they are: public.items"), allowed.out());
    }

    @Test
    void vectorIsRaisedToTheSourceVersion(PgServers.DbPair db) throws Exception {
        Sql.exec(db.source(), "CREATE EXTENSION vector");
        assertEquals("0.8.0", Sql.scalar(db.source(), "SELECT extversion FROM pg_extension WHERE extname = 'vector'"));
        // make the target a genuine 0.7.4 install: remove what 0.7.4 -> 0.8.0 adds, then record 0.7.4
        Sql.exec(db.target(), "CREATE EXTENSION vector");
        for (String type : List.of("integer[]", "real[]", "double precision[]", "numeric[]")) {
            Sql.exec(db.target(),
                    "ALTER EXTENSION vector DROP CAST (" + type + " AS sparsevec)",
                    "DROP CAST (" + type + " AS sparsevec)",
                    "ALTER EXTENSION vector DROP FUNCTION array_to_sparsevec(" + type + ", integer, boolean)",
                    "DROP FUNCTION array_to_sparsevec(" + type + ", integer, boolean)");
        }
        Sql.exec(db.target(), "UPDATE pg_extension SET extversion = '0.7.4' WHERE extname = 'vector'");

        CliRun.Result r = cliNoSecrets(tmp, List.of(db.target(), db.source()), "prepare-target", "--target", url(db.target()),
                "--source", url(db.source()), "--preset", "none");
        assertEquals(0, r.exitCode(), r.toString());
        assertEquals("0.8.0", Sql.scalar(db.target(), "SELECT extversion FROM pg_extension WHERE extname = 'vector'"));
        // the update script ran: what 0.8.0 adds is there again
        assertEquals("4", Sql.scalar(db.target(), "SELECT count(*) FROM pg_proc WHERE proname = 'array_to_sparsevec' AND pronargs = 3"));
        assertTrue(r.err().contains("updated extension vector 0.7.4 -> 0.8.0"), r.err());
        assertTrue(r.out().contains("extensions: vector 0.8.0 (updated from 0.7.4), pgcrypto 1.3"), r.out());
    }

    @Test
    void sourceVersionTheTargetCannotReachIsRefused(PgServers.DbPair db) throws Exception {
        // the source reports a pgvector newer than anything this server ships
        Sql.exec(db.source(), "CREATE EXTENSION vector", "UPDATE pg_extension SET extversion = '0.9.1' WHERE extname = 'vector'");
        CliRun.Result r = cliNoSecrets(tmp, List.of(db.target(), db.source()), "prepare-target", "--target", url(db.target()),
                "--source", url(db.source()));
        assertEquals(2, r.exitCode(), r.toString());
        assertTrue(r.err().contains("error: the target cannot reach pgvector 0.9.1 (the source's version): it offers at most 0.8.0"), r.err());
        assertNull(Sql.scalar(db.target(), "SELECT extversion FROM pg_extension WHERE extname = 'vector'"));
    }

    @Test
    void schemaFromSourceCopiesCustomTablesAndReRunsCleanly(PgServers.DbPair db) throws Exception {
        Sql.exec(db.source(), "CREATE EXTENSION vector",
                "CREATE SCHEMA \"App\"",
                "CREATE TABLE \"App\".\"DocChunks\" (\"TenantId\" int, \"ChunkNo\" int, \"Body\" text NOT NULL, "
                        + "\"Emb\" vector(3), created timestamptz DEFAULT now(), PRIMARY KEY (\"TenantId\", \"ChunkNo\"))",
                "CREATE INDEX \"Emb_Hnsw\" ON \"App\".\"DocChunks\" USING hnsw (\"Emb\" vector_cosine_ops)",
                "CREATE INDEX body_prefix ON \"App\".\"DocChunks\" (left(\"Body\", 10))",
                "CREATE TABLE public.notes (id bigserial PRIMARY KEY, note text)",
                "INSERT INTO \"App\".\"DocChunks\" VALUES (1, 1, 'x', '[1,2,3]')");
        CliRun.Result r = cliNoSecrets(tmp, List.of(db.target(), db.source()), "prepare-target", "--target", url(db.target()),
                "--source", url(db.source()), "--schema-from-source");
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().contains("tables created: \"App\".\"DocChunks\", public.notes"), r.out());
        assertTrue(r.out().contains("preset: none"), r.out());
        assertNull(Sql.scalar(db.target(), "SELECT to_regclass('public.items')"));

        String cols = "SELECT attname, format_type(atttypid, atttypmod), attnotnull FROM pg_attribute "
                + "WHERE attrelid = '\"App\".\"DocChunks\"'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum";
        assertEquals(rows(db.source(), cols), rows(db.target(), cols));
        assertEquals(indexDefs(db.source(), "App", "DocChunks"), indexDefs(db.target(), "App", "DocChunks"));
        assertEquals(3, indexDefs(db.target(), "App", "DocChunks").size());
        assertEquals("public.notes_id_seq", Sql.scalar(db.target(), "SELECT pg_get_serial_sequence('public.notes', 'id')"));
        assertEquals("0", Sql.scalar(db.target(), "SELECT count(*) FROM \"App\".\"DocChunks\""));

        CliRun.Result again = cliNoSecrets(tmp, List.of(db.target(), db.source()), "prepare-target", "--target", url(db.target()),
                "--source", url(db.source()), "--schema-from-source");
        assertEquals(0, again.exitCode(), again.toString());
        assertTrue(again.out().contains("tables already present (same definition): \"App\".\"DocChunks\", public.notes"), again.out());
        assertTrue(!again.out().contains("tables created"), again.out());
    }

    @Test
    void aDifferentTargetDefinitionIsAnErrorNamingTheDifference(PgServers.DbPair db) throws Exception {
        db.both("CREATE EXTENSION vector", "CREATE SCHEMA \"App\"");
        Sql.exec(db.source(), "CREATE TABLE \"App\".\"DocChunks\" (\"TenantId\" int, \"ChunkNo\" int, \"Emb\" vector(3), "
                + "PRIMARY KEY (\"TenantId\", \"ChunkNo\"))");
        Sql.exec(db.target(), "CREATE TABLE \"App\".\"DocChunks\" (\"TenantId\" int, \"ChunkNo\" int, \"Emb\" vector(4), "
                + "PRIMARY KEY (\"TenantId\", \"ChunkNo\"))");
        CliRun.Result r = cliNoSecrets(tmp, List.of(db.target(), db.source()), "prepare-target", "--target", url(db.target()),
                "--source", url(db.source()), "--schema-from-source");
        assertEquals(2, r.exitCode(), r.toString());
        assertTrue(r.err().contains("error: target table \"App\".\"DocChunks\" differs from the source: "
                + "column \"Emb\" vector dimension: vector(3) on the source, vector(4) on the target"), r.err());
        assertNull(Sql.scalar(db.target(), "SELECT to_regnamespace('pgvector_migrate')"));

        // a different primary key and a missing column are named too
        Sql.exec(db.target(), "DROP TABLE \"App\".\"DocChunks\"",
                "CREATE TABLE \"App\".\"DocChunks\" (\"TenantId\" int PRIMARY KEY, \"ChunkNo\" int)");
        CliRun.Result r2 = cliNoSecrets(tmp, List.of(db.target(), db.source()), "prepare-target", "--target", url(db.target()),
                "--source", url(db.source()));
        assertEquals(2, r2.exitCode(), r2.toString());
        assertTrue(r2.err().contains("column \"Emb\" vector(3) is missing on the target"), r2.err());
        assertTrue(r2.err().contains("column \"ChunkNo\" is NOT NULL on the source, nullable on the target"), r2.err());
        assertTrue(r2.err().contains("primary key (\"TenantId\", \"ChunkNo\") on the source, (\"TenantId\") on the target"), r2.err());
    }

    @Test
    void aSourceTableMissingOnTheTargetNeedsSchemaFromSource(PgServers.DbPair db) throws Exception {
        Sql.exec(db.source(), "CREATE TABLE public.notes (id bigint PRIMARY KEY, note text)");
        CliRun.Result r = cliNoSecrets(tmp, List.of(db.target(), db.source()), "prepare-target", "--target", url(db.target()),
                "--source", url(db.source()));
        assertEquals(2, r.exitCode(), r.toString());
        assertTrue(r.err().contains("error: the target lacks public.notes that the source has: pass --schema-from-source"), r.err());
    }

    @Test
    void operatorMigrationsAreAppliedWithTheirOwnHistoryAndSearchPath(PgServers.DbPair db) throws Exception {
        Path dir = tmp.resolve("db-migrations");
        java.nio.file.Files.createDirectories(dir);
        // version 1 and 2 again: the operator's numbering is independent of the tool's
        java.nio.file.Files.writeString(dir.resolve("V1__audit_table.sql"),
                "CREATE TABLE audit_note (id int PRIMARY KEY, note text);\n");
        java.nio.file.Files.writeString(dir.resolve("V2__audit_column.sql"),
                "ALTER TABLE audit_note ADD COLUMN created timestamptz DEFAULT now();\n");
        CliRun.Result r = cliNoSecrets(tmp, List.of(db.target()), "prepare-target", "--target", url(db.target()),
                "--migrations", dir.toString());
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().contains("operator V1 audit table, operator V2 audit column"), r.out());
        // unqualified names land where psql would put them, not in the tool schema
        assertEquals(List.of("public"), rows(db.target(), "SELECT schemaname FROM pg_tables WHERE tablename = 'audit_note'"));
        assertEquals(List.of("1|t", "2|t"), rows(db.target(),
                "SELECT version, success FROM pgvector_migrate.operator_schema_history WHERE version <> '0' ORDER BY installed_rank"));

        CliRun.Result again = cliNoSecrets(tmp, List.of(db.target()), "prepare-target", "--target", url(db.target()),
                "--migrations", "db-migrations");
        assertEquals(0, again.exitCode(), again.toString());
        assertTrue(again.out().contains("migrations applied now: none"), again.out());

        // an applied migration edited afterwards is bad input, named by Flyway's validation
        java.nio.file.Files.writeString(dir.resolve("V2__audit_column.sql"), "SELECT 1;\n");
        CliRun.Result changed = cliNoSecrets(tmp, List.of(db.target()), "prepare-target", "--target", url(db.target()),
                "--migrations", dir.toString());
        assertEquals(2, changed.exitCode(), changed.toString());
        assertTrue(changed.err().contains("error: operator migrations: ") && changed.err().contains("checksum mismatch"), changed.err());

        // a broken migration is named, rolled back, and applied once fixed
        java.nio.file.Files.writeString(dir.resolve("V2__audit_column.sql"),
                "ALTER TABLE audit_note ADD COLUMN created timestamptz DEFAULT now();\n");
        java.nio.file.Files.writeString(dir.resolve("V3__broken.sql"), "CREATE TABLE half_done (id int);\nCREATE TABLE oops (;\n");
        CliRun.Result broken = cliNoSecrets(tmp, List.of(db.target()), "prepare-target", "--target", url(db.target()),
                "--migrations", dir.toString());
        assertEquals(2, broken.exitCode(), broken.toString());
        assertTrue(broken.err().contains("error: operator migrations failed on the target: ") && broken.err().contains("V3__broken.sql")
                && broken.err().contains("syntax error"), broken.err());
        assertEquals(1, broken.err().lines().filter(l -> l.startsWith("error:")).count(), broken.err());
        assertNull(Sql.scalar(db.target(), "SELECT to_regclass('public.half_done')"));
        java.nio.file.Files.writeString(dir.resolve("V3__broken.sql"), "CREATE TABLE half_done (id int PRIMARY KEY);\n");
        CliRun.Result fixed = cliNoSecrets(tmp, List.of(db.target()), "prepare-target", "--target", url(db.target()),
                "--migrations", dir.toString());
        assertEquals(0, fixed.exitCode(), fixed.toString());
        assertTrue(fixed.out().contains("migrations applied now: operator V3 broken"), fixed.out());

        java.nio.file.Files.writeString(dir.resolve("create_stuff.sql"), "SELECT 1;\n");
        CliRun.Result misnamed = cliNoSecrets(tmp, List.of(db.target()), "prepare-target", "--target", url(db.target()),
                "--migrations", dir.toString());
        assertEquals(2, misnamed.exitCode(), misnamed.toString());
        assertTrue(misnamed.err().contains("create_stuff.sql"), misnamed.err());

        CliRun.Result missing = cliNoSecrets(tmp, List.of(db.target()), "prepare-target", "--target", url(db.target()),
                "--migrations", "no-such-dir");
        assertEquals(2, missing.exitCode(), missing.toString());
        assertTrue(missing.err().contains("is not a directory"), missing.err());
    }

    @Test
    void helpHasAnExample() {
        CliRun.Result r = PrepareSupport.cli(tmp, "prepare-target", "--help");
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().contains("Examples:") && r.out().contains("--schema-from-source"), r.out());
        CliRun.Result bad = PrepareSupport.cli(tmp, "prepare-target", "--target", "postgresql://u@h/db", "--schema-from-source");
        assertEquals(2, bad.exitCode(), bad.toString());
        assertTrue(bad.err().contains("--schema-from-source needs --source"), bad.err());
    }
}
