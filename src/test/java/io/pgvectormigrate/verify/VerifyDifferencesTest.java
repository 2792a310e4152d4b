package io.pgvectormigrate.verify;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgvectormigrate.report.Json;
import io.pgvectormigrate.testing.CliRun;
import io.pgvectormigrate.testing.PgServers;
import io.pgvectormigrate.testing.Sql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;

import static io.pgvectormigrate.verify.VerifyFixtures.bedrockItems;
import static io.pgvectormigrate.verify.VerifyFixtures.itemId;
import static io.pgvectormigrate.verify.VerifyFixtures.verify;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** verify on real clusters: an exact copy passes, and each kind of damage is caught (exit 3) and named. */
@ExtendWith(PgServers.class)
class VerifyDifferencesTest {

    private static JsonNode json(CliRun.Result r) throws Exception {
        return Json.mapper().readTree(r.out());
    }

    private static String status(JsonNode report, String check) {
        for (JsonNode c : report.get("checks")) if (c.get("check").asText().equals(check)) return c.get("status").asText();
        throw new AssertionError("no check " + check);
    }

    @Test
    void exactCopyPasses(PgServers.DbPair db) throws Exception {
        bedrockItems(db, 300, 1024);
        CliRun.Result r = verify(db, "--chunk-rows", "64");
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().contains("PASSED"), r.toString());
        assertTrue(r.out().contains("public.items"), r.toString());

        CliRun.Result jr = verify(db, "--format", "json");
        JsonNode j = json(jr);
        assertTrue(j.get("passed").asBoolean());
        // the pipeline stores the report as JSON and reads it back
        VerifyReport back = Json.mapper().readValue(jr.out(), VerifyReport.class);
        assertTrue(back.passed());
        assertEquals(300L, back.table("public.items").targetRows());
        assertEquals(VerifyReport.Status.passed, back.check(Check.CONTENT).status());
        for (String c : new String[]{"schema", "indexes", "extensions", "rows", "vectors", "groups", "content", "sequences"}) {
            assertEquals("passed", status(j, c), c);
        }
        assertEquals("off", status(j, "ann"));
        JsonNode items = j.get("tableResults").get(0);
        assertEquals(300, items.get("sourceRows").asLong());
        assertEquals(300, items.get("targetRows").asLong());
        JsonNode vec = items.get("vectors").get(0);
        assertEquals(1024, vec.get("declaredDims").asInt());
        assertEquals(300, vec.get("target").get("nonNull").asLong());
        assertEquals(1024, vec.get("target").get("minDims").asInt());
        // the Bedrock Chat table gets per-bot counts by default
        JsonNode groups = items.get("groups").get(0);
        assertEquals("botid", groups.get("column").asText());
        assertEquals(7, groups.get("sourceGroups").asLong());
    }

    @Test
    void missingRowIsNamed(PgServers.DbPair db) throws Exception {
        bedrockItems(db, 300, 1024);
        Sql.exec(db.target(), "DELETE FROM items WHERE id = '" + itemId(123) + "'");
        CliRun.Result r = verify(db, "--chunk-rows", "64");
        assertEquals(3, r.exitCode(), r.toString());
        assertTrue(r.out().contains("missing: id='" + itemId(123) + "'"), r.toString());
        assertTrue(r.out().contains("source has 300 rows, target 299 (1 fewer)"), r.toString());
        assertTrue(r.out().contains("botid = 'BOT" + "0".repeat(22) + "4': 43 rows on source, 42 on target"), r.toString());
    }

    @Test
    void extraRowIsNamed(PgServers.DbPair db) throws Exception {
        bedrockItems(db, 300, 16);
        Sql.exec(db.target(), "INSERT INTO items SELECT 'ZZZEXTRA', botid, content, source, embedding FROM items LIMIT 1");
        CliRun.Result r = verify(db);
        assertEquals(3, r.exitCode(), r.toString());
        assertTrue(r.out().contains("extra: id='ZZZEXTRA'"), r.toString());
        JsonNode j = json(verify(db, "--format", "json"));
        assertEquals(1, j.get("tableResults").get(0).get("content").get("extraOnTarget").asLong());
        assertEquals("failed", status(j, "rows"));
    }

    @Test
    void oneChangedCharacterInContent(PgServers.DbPair db) throws Exception {
        bedrockItems(db, 300, 1024);
        Sql.exec(db.target(), "UPDATE items SET content = overlay(content placing 'X' from 40 for 1) WHERE id = '" + itemId(77) + "'");
        CliRun.Result r = verify(db, "--chunk-rows", "50");
        assertEquals(3, r.exitCode(), r.toString());
        assertTrue(r.out().contains("changed: id='" + itemId(77) + "' (columns: content)"), r.toString());
        JsonNode j = json(verify(db, "--format", "json", "--chunk-rows", "50"));
        assertEquals("failed", status(j, "content"));
        assertEquals("passed", status(j, "rows"));
        assertEquals("passed", status(j, "vectors"));
        assertEquals("passed", status(j, "groups"));
        JsonNode c = j.get("tableResults").get(0).get("content");
        assertEquals(1, c.get("changed").asLong());
        assertEquals(1, c.get("differingChunks").asLong());
        assertEquals(7, c.get("chunks").asLong());
    }

    @Test
    void oneChangedVectorComponent(PgServers.DbPair db) throws Exception {
        bedrockItems(db, 300, 1024);
        // the smallest possible change: the next float after component 500
        Sql.exec(db.target(), "UPDATE items SET embedding = (SELECT (a[1:499] || (a[500] * (1 + 1e-7))::real || a[501:1024])::vector "
                + "FROM (SELECT embedding::real[] AS a) x) WHERE id = '" + itemId(5) + "'");
        String q = "SELECT embedding::text FROM items WHERE id = '" + itemId(5) + "'";
        String[] before = Sql.scalar(db.source(), q).split(",");
        String[] after = Sql.scalar(db.target(), q).split(",");
        int changed = 0;
        for (int i = 0; i < before.length; i++) if (!before[i].equals(after[i])) changed++;
        assertEquals(1, changed, "exactly one component differs by a float ulp or two");
        CliRun.Result r = verify(db);
        assertEquals(3, r.exitCode(), r.toString());
        assertTrue(r.out().contains("changed: id='" + itemId(5) + "' (columns: embedding)"), r.toString());
    }

    @Test
    void nulledVector(PgServers.DbPair db) throws Exception {
        bedrockItems(db, 300, 1024);
        Sql.exec(db.target(), "UPDATE items SET embedding = NULL WHERE id = '" + itemId(200) + "'");
        CliRun.Result r = verify(db, "--format", "json");
        assertEquals(3, r.exitCode(), r.toString());
        JsonNode j = json(r);
        assertEquals("failed", status(j, "vectors"));
        assertEquals("failed", status(j, "groups")); // the bot lost a vector
        assertEquals("passed", status(j, "rows"));
        JsonNode vec = j.get("tableResults").get(0).get("vectors").get(0);
        assertEquals(0, vec.get("source").get("nulls").asLong());
        assertEquals(1, vec.get("target").get("nulls").asLong());
        JsonNode ex = j.get("tableResults").get(0).get("content").get("examples").get(0);
        assertEquals("changed", ex.get("kind").asText());
        assertEquals("id='" + itemId(200) + "'", ex.get("key").asText());
        assertEquals("embedding", ex.get("columns").get(0).asText());
    }

    @Test
    void rowMovedToAnotherBot(PgServers.DbPair db) throws Exception {
        bedrockItems(db, 300, 64);
        String bot1 = "BOT" + "0".repeat(22) + "1";
        String bot2 = "BOT" + "0".repeat(22) + "2";
        Sql.exec(db.target(), "UPDATE items SET botid = '" + bot2 + "' WHERE id = '" + itemId(8) + "'");
        CliRun.Result r = verify(db);
        assertEquals(3, r.exitCode(), r.toString());
        assertTrue(r.out().contains("[groups] public.items.botid: 2 of 7 groups differ"), r.toString());
        assertTrue(r.out().contains("botid = '" + bot1 + "': 43 rows on source, 42 on target; non-NULL embedding: 43 on source, 42 on target"), r.toString());
        assertTrue(r.out().contains("botid = '" + bot2 + "': 43 rows on source, 44 on target"), r.toString());
        assertTrue(r.out().contains("changed: id='" + itemId(8) + "' (columns: botid)"), r.toString());
    }

    @Test
    void dimensionMismatch(PgServers.DbPair db) throws Exception {
        db.both("CREATE EXTENSION vector", "CREATE TABLE docs(id int PRIMARY KEY, emb vector)",
                "INSERT INTO docs SELECT i, ('[' || i || ',2,3,4]')::vector FROM generate_series(1, 50) i");
        Sql.exec(db.target(), "UPDATE docs SET emb = '[9,2,3]' WHERE id = 9");
        CliRun.Result r = verify(db, "--format", "json");
        assertEquals(3, r.exitCode(), r.toString());
        JsonNode j = json(r);
        assertEquals("failed", status(j, "vectors"));
        JsonNode vec = j.get("tableResults").get(0).get("vectors").get(0);
        assertEquals(4, vec.get("source").get("minDims").asInt());
        assertEquals(3, vec.get("target").get("minDims").asInt());
        assertEquals("id=9", j.get("tableResults").get(0).get("content").get("examples").get(0).get("key").asText());
        // the vectors check alone (no content hash to share the read with) still sees it
        JsonNode alone = json(verify(db, "--format", "json", "--skip", "content"));
        assertEquals("failed", status(alone, "vectors"));
        assertEquals(3, alone.get("tableResults").get(0).get("vectors").get(0).get("target").get("minDims").asInt());

        // a declared dimension that differs is a schema difference
        db.both("CREATE TABLE d2(id int PRIMARY KEY)");
        Sql.exec(db.source(), "ALTER TABLE d2 ADD COLUMN e vector(4)");
        Sql.exec(db.target(), "ALTER TABLE d2 ADD COLUMN e vector(3)");
        CliRun.Result r2 = verify(db, "--table", "d2");
        assertEquals(3, r2.exitCode(), r2.toString());
        assertTrue(r2.out().contains("column e is vector(4) on source, vector(3) on target"), r2.toString());
    }

    @Test
    void missingIndexAndSkip(PgServers.DbPair db) throws Exception {
        bedrockItems(db, 100, 32);
        Sql.exec(db.target(), "DROP INDEX idx_items_embedding");
        CliRun.Result r = verify(db);
        assertEquals(3, r.exitCode(), r.toString());
        assertTrue(r.out().contains("index idx_items_embedding missing on target: USING ivfflat (embedding) WITH (lists='10')"
                + " (operator class vector_l2_ops)"), r.toString());
        assertEquals(0, verify(db, "--skip", "indexes").exitCode());

        // same name, other WITH parameters
        Sql.exec(db.target(), "CREATE INDEX idx_items_embedding ON items USING ivfflat (embedding vector_l2_ops) WITH (lists = 5)");
        CliRun.Result r2 = verify(db);
        assertEquals(3, r2.exitCode(), r2.toString());
        assertTrue(r2.out().contains("index idx_items_embedding differs: source USING ivfflat (embedding) WITH (lists='10')"), r2.toString());
        assertTrue(r2.out().contains("target USING ivfflat (embedding) WITH (lists='5')"), r2.toString());
    }

    @Test
    void sequenceBehind(PgServers.DbPair db) throws Exception {
        db.both("CREATE EXTENSION vector", "CREATE TABLE notes(id bigserial PRIMARY KEY, body text)");
        Sql.exec(db.source(), "INSERT INTO notes(body) SELECT 'n' || i FROM generate_series(1, 40) i");
        // a copy that moved rows but not the sequence, as logical replication does
        Sql.exec(db.target(), "INSERT INTO notes(id, body) SELECT i, 'n' || i FROM generate_series(1, 40) i");
        CliRun.Result r = verify(db);
        assertEquals(3, r.exitCode(), r.toString());
        assertTrue(r.out().contains("[sequences] public.notes_id_seq: behind the source: next value 1 on target, 41 on source"), r.toString());
        assertTrue(r.out().contains("is not beyond max(id) = 40 on target"), r.toString());
        assertTrue(r.out().contains("[content]") == false, r.toString());

        Sql.exec(db.target(), "SELECT setval('notes_id_seq', 40)");
        assertEquals(0, verify(db).exitCode());
        assertEquals(0, verify(db, "--skip", "sequences").exitCode());
    }

    @Test
    void compositeQuotedMixedCaseKey(PgServers.DbPair db) throws Exception {
        db.both("CREATE EXTENSION vector",
                "CREATE SCHEMA \"Tenant Data\"",
                "CREATE TABLE \"Tenant Data\".\"Docs\"(\"Tenant\" int, \"Doc Id\" text, \"Body\" text, \"Emb\" vector(8), "
                        + "PRIMARY KEY (\"Tenant\", \"Doc Id\"))",
                "INSERT INTO \"Tenant Data\".\"Docs\" SELECT i % 5, 'doc ''' || i, 'body ' || i, "
                        + "(SELECT array_agg((i + j)::real) FROM generate_series(1, 8) j)::vector FROM generate_series(1, 200) i");
        assertEquals(0, verify(db, "--chunk-rows", "30").exitCode());
        Sql.exec(db.target(), "UPDATE \"Tenant Data\".\"Docs\" SET \"Body\" = 'x' WHERE \"Tenant\" = 3 AND \"Doc Id\" = 'doc ''13'");
        Sql.exec(db.target(), "DELETE FROM \"Tenant Data\".\"Docs\" WHERE \"Tenant\" = 4 AND \"Doc Id\" = 'doc ''199'");
        CliRun.Result r = verify(db, "--chunk-rows", "30", "--schema", "Tenant Data");
        assertEquals(3, r.exitCode(), r.toString());
        assertTrue(r.out().contains("\"Tenant Data\".\"Docs\": changed: (\"Tenant\"=3, \"Doc Id\"='doc ''13') (columns: \"Body\")"), r.toString());
        assertTrue(r.out().contains("missing: (\"Tenant\"=4, \"Doc Id\"='doc ''199')"), r.toString());
    }

    @Test
    void tableWithoutPrimaryKey(PgServers.DbPair db) throws Exception {
        db.both("CREATE EXTENSION vector", "CREATE TABLE log(msg text, emb vector(3))",
                "INSERT INTO log SELECT 'm' || (i % 10), '[1,2,3]' FROM generate_series(1, 100) i");
        assertEquals(0, verify(db).exitCode());
        // duplicates must not cancel: swap one duplicate for another value
        Sql.exec(db.target(), "DELETE FROM log WHERE ctid = (SELECT min(ctid) FROM log WHERE msg = 'm3')",
                "INSERT INTO log VALUES ('m4', '[1,2,3]')");
        CliRun.Result r = verify(db, "--format", "json");
        assertEquals(3, r.exitCode(), r.toString());
        JsonNode c = json(r).get("tableResults").get(0).get("content");
        assertEquals("whole-table hash", c.get("method").asText());
        assertEquals(1, c.get("missingOnTarget").asLong());
        assertEquals(1, c.get("extraOnTarget").asLong());
        assertTrue(c.get("examples").toString().contains("m3"), c.toString());
    }

    @Test
    void valuesSwappedBetweenRowsDoNotCancel(PgServers.DbPair db) throws Exception {
        bedrockItems(db, 50, 8);
        Sql.exec(db.target(), "UPDATE items SET content = CASE id WHEN '" + itemId(1) + "' THEN (SELECT content FROM items WHERE id = '"
                + itemId(2) + "') ELSE (SELECT content FROM items WHERE id = '" + itemId(1) + "') END WHERE id IN ('"
                + itemId(1) + "', '" + itemId(2) + "')");
        CliRun.Result r = verify(db);
        assertEquals(3, r.exitCode(), r.toString());
        assertTrue(r.out().contains("2 changed"), r.toString());
    }

    @Test
    void maxDiffsListsSomeAndCountsAll(PgServers.DbPair db) throws Exception {
        bedrockItems(db, 300, 8);
        Sql.exec(db.target(), "DELETE FROM items WHERE id IN (SELECT id FROM items ORDER BY id LIMIT 5)",
                "UPDATE items SET source = 'moved' WHERE id IN (SELECT id FROM items ORDER BY id DESC LIMIT 4)");
        CliRun.Result r = verify(db, "--chunk-rows", "40", "--max-diffs", "3", "--format", "json");
        assertEquals(3, r.exitCode(), r.toString());
        JsonNode c = json(r).get("tableResults").get(0).get("content");
        assertEquals(5, c.get("missingOnTarget").asLong());
        assertEquals(4, c.get("changed").asLong());
        assertEquals(3, c.get("examples").size());
        assertTrue(r.out().contains("... and 6 more (raise --max-diffs to list them)"), r.out());
    }

    @Test
    void missingAndExtraTablesAndColumns(PgServers.DbPair db) throws Exception {
        db.both("CREATE TABLE a(id int PRIMARY KEY, v text)", "INSERT INTO a VALUES (1, 'x')");
        Sql.exec(db.source(), "CREATE TABLE gone(id int PRIMARY KEY)", "INSERT INTO gone SELECT generate_series(1, 12)",
                "ALTER TABLE a ADD COLUMN w int");
        Sql.exec(db.target(), "CREATE TABLE newer(id int)");
        CliRun.Result r = verify(db);
        assertEquals(3, r.exitCode(), r.toString());
        assertTrue(r.out().contains("[schema] public.gone: table missing on target"), r.toString());
        assertTrue(r.out().contains("[rows] public.gone: missing on target; source has 12 rows"), r.toString());
        assertTrue(r.out().contains("[schema] public.newer: table only on target"), r.toString());
        assertTrue(r.out().contains("column w integer missing on target"), r.toString());
        // content of the shared columns still matches, and the report says what was left out
        assertFalse(r.out().contains("[content]"), r.toString());
    }

    @Test
    void markdownReport(PgServers.DbPair db, @org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        bedrockItems(db, 60, 8);
        Sql.exec(db.target(), "DELETE FROM items WHERE id = '" + itemId(3) + "'");
        Path report = dir.resolve("verify.md");
        CliRun.Result r = verify(db, "--report", report.toString());
        assertEquals(3, r.exitCode(), r.toString());
        String md = Files.readString(report);
        assertTrue(md.startsWith("# pgvector-migrate verification: FAILED"), md);
        assertTrue(md.contains("| content | public.items | missing: id='" + itemId(3) + "' |"), md);
        assertTrue(md.contains("| Source | `" + db.source().display() + "`"), md);
        assertFalse(md.contains(db.source().password()), "password leaked into the report");
        assertFalse(md.contains(db.target().password()), "password leaked into the report");
    }
}
