package io.pgvectormigrate.verify;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgvectormigrate.report.Json;
import io.pgvectormigrate.testing.CliRun;
import io.pgvectormigrate.testing.PgServers;
import io.pgvectormigrate.testing.Sql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static io.pgvectormigrate.verify.VerifyFixtures.bedrockItems;
import static io.pgvectormigrate.verify.VerifyFixtures.itemId;
import static io.pgvectormigrate.verify.VerifyFixtures.verify;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Column types, partitioned tables, ANN parity, and a connection lost mid-run. */
@ExtendWith(PgServers.class)
class VerifyTypesTest {

    private static final String TYPES_TABLE = "CREATE TABLE kinds(id uuid PRIMARY KEY, n numeric(10,3), f float8, r real, "
            + "j jsonb, js json, m mood, ts timestamptz, iv interval, b bytea, arr text[], c pair, h halfvec(3), sv sparsevec(5), "
            + "v vector(3), ch char(5), t text COLLATE \"C\")";
    private static final String TYPES_ROWS = "INSERT INTO kinds SELECT md5(i::text)::uuid, i / 7.0, i * 0.1, i * 0.5, "
            + "jsonb_build_object('k', i, 'a', jsonb_build_array(1, 2)), '{\"x\": 1}', (ARRAY['sad','ok','happy'])[i % 3 + 1]::mood, "
            + "timestamptz '2024-01-01 00:00:00+00' + i * interval '1 hour', i * interval '1 minute', "
            + "decode(md5(i::text), 'hex'), ARRAY['a' || i, NULL], ROW(i, 'p' || i)::pair, '[1,2,3]', '{1:1,3:2.5}/5', "
            + "'[1,2,3]', 'ab', 'text ' || i FROM generate_series(1, 120) i";

    @Test
    void manyColumnTypesCompareExactly(PgServers.DbPair db) throws Exception {
        db.both("CREATE EXTENSION vector");
        // different OIDs for the user types on each side: hashes must not depend on them
        Sql.exec(db.target(), "CREATE TYPE filler AS ENUM ('x')", "CREATE TYPE filler2 AS (a int)");
        db.both("CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')", "CREATE TYPE pair AS (a int, b text)", TYPES_TABLE, TYPES_ROWS);
        CliRun.Result ok = verify(db, "--chunk-rows", "25");
        assertEquals(0, ok.exitCode(), ok.toString());
        CliRun.Result vectorsOnly = verify(db, "--chunk-rows", "25", "--skip", "content", "--format", "json");
        assertEquals(0, vectorsOnly.exitCode(), vectorsOnly.toString());
        assertEquals(3, Json.mapper().readTree(vectorsOnly.out()).get("tableResults").get(0).get("vectors").get(0)
                .get("source").get("maxDims").asInt(), "halfvec(3) dimensions via vector_dims");

        String[] changes = {
                "n = n + 0.001", "f = f + 1e-12", "r = r * 1.0000001", "j = j || '{\"k2\": 1}'", "js = '{\"x\":  1}'",
                "m = 'happy'", "ts = ts + interval '1 microsecond'", "iv = interval '1 day'", "b = b || '\\x00'::bytea",
                "arr = ARRAY['a', 'b']", "c = ROW(0, 'p')::pair", "h = '[1,2,4]'", "sv = '{1:1,3:2.5,5:1}/5'",
                "v = '[1,2,3.0001]'", "ch = 'ab c'", "t = 'Text'", "n = 1.000"};
        for (String change : changes) {
            String id = Sql.scalar(db.target(), "SELECT id FROM kinds WHERE m <> 'happy' AND n <> 1 ORDER BY id OFFSET 17 LIMIT 1");
            Sql.exec(db.target(), "UPDATE kinds SET " + change + " WHERE id = '" + id + "'");
            try {
                CliRun.Result r = verify(db, "--chunk-rows", "25", "--format", "json");
                assertEquals(3, r.exitCode(), change + ": " + r);
                JsonNode ex = Json.mapper().readTree(r.out()).get("tableResults").get(0).get("content").get("examples").get(0);
                assertEquals("id='" + id + "'", ex.get("key").asText(), change);
                assertEquals(change.substring(0, change.indexOf(' ')), ex.get("columns").get(0).asText(), change);
            } finally {
                Sql.exec(db.target(), "DELETE FROM kinds", TYPES_ROWS);
            }
        }
        // numeric 1.0 and 1.000 are equal to PostgreSQL but print differently: the copy must keep the scale
        db.both("CREATE TABLE nums(id int PRIMARY KEY, x numeric)");
        Sql.exec(db.source(), "INSERT INTO nums VALUES (1, 1.0)");
        Sql.exec(db.target(), "INSERT INTO nums VALUES (1, 1.000)");
        CliRun.Result r = verify(db, "--table", "nums");
        assertEquals(3, r.exitCode(), r.toString());
        assertTrue(r.out().contains("changed: id=1 (columns: x)"), r.toString());
    }

    @Test
    void partitionedTable(PgServers.DbPair db) throws Exception {
        db.both("CREATE EXTENSION vector",
                "CREATE TABLE events(bot int, id int, e vector(4), PRIMARY KEY (bot, id)) PARTITION BY LIST (bot)",
                "CREATE TABLE events_a PARTITION OF events FOR VALUES IN (1, 2)",
                "CREATE TABLE events_b PARTITION OF events FOR VALUES IN (3)",
                "INSERT INTO events SELECT i % 3 + 1, i, '[1,2,3,4]' FROM generate_series(1, 90) i");
        CliRun.Result ok = verify(db, "--format", "json", "--chunk-rows", "20");
        assertEquals(0, ok.exitCode(), ok.toString());
        JsonNode tables = Json.mapper().readTree(ok.out()).get("tableResults");
        assertEquals(1, tables.size(), "partitions are verified through their parent");
        assertEquals(90, tables.get(0).get("targetRows").asLong());
        Sql.exec(db.target(), "DELETE FROM events WHERE bot = 3 AND id = 44");
        CliRun.Result r = verify(db, "--chunk-rows", "20");
        assertEquals(3, r.exitCode(), r.toString());
        assertTrue(r.out().contains("missing: (bot=3, id=44)"), r.toString());
    }

    @Test
    void annParity(PgServers.DbPair db) throws Exception {
        bedrockItems(db, 200, 16);
        CliRun.Result ok = verify(db, "--ann-queries", "5", "--ann-k", "5", "--format", "json");
        assertEquals(0, ok.exitCode(), ok.toString());
        JsonNode ann = Json.mapper().readTree(ok.out()).get("ann").get(0);
        assertEquals("<->", ann.get("operator").asText());
        assertEquals(5, ann.get("queries").asInt());
        assertEquals(0, ann.get("exactMismatches").asInt());
        assertNotNull(ann.get("sourceRecall"), ann.toString());
        assertTrue(ann.get("targetRecall").asDouble() > 0, ann.toString());
        assertTrue(ann.get("sourceIndex").asText().contains("idx_items_embedding (ivfflat)"), ann.toString());

        // every stored vector as a query: the row whose vector moved far away answers differently on the target
        Sql.exec(db.target(), "UPDATE items SET embedding = (SELECT array_agg(100)::vector FROM generate_series(1, 16)) "
                + "WHERE id = '" + itemId(10) + "'");
        CliRun.Result r = verify(db, "--ann-queries", "200", "--ann-k", "3", "--skip", "content,groups");
        assertEquals(3, r.exitCode(), r.toString());
        assertTrue(r.out().contains("[ann] public.items.embedding:"), r.toString());
        assertTrue(r.out().contains("exact top-3 answers differ between source and target"), r.toString());
    }

    @Test
    void connectionLostMidRunExits1(PgServers.DbPair db) throws Exception {
        bedrockItems(db, 2000, 256);
        AtomicReference<Exception> killerFailure = new AtomicReference<>();
        AtomicBoolean fired = new AtomicBoolean();
        // verify's sessions on this database once they hold the shared snapshot: past connecting and importing it,
        // so the kill lands while chunks are being read
        String verifySessions = "FROM pg_stat_activity WHERE datname = current_database() "
                + "AND application_name = 'pgvector-migrate' AND backend_xmin IS NOT NULL";
        Thread killer = new Thread(() -> {
            try (Connection c = db.openSource(); Statement st = c.createStatement()) {
                long deadline = System.nanoTime() + 60_000_000_000L;
                while (System.nanoTime() < deadline) {
                    // main + 1 worker
                    try (var rs = st.executeQuery("SELECT count(*) " + verifySessions)) {
                        rs.next();
                        if (rs.getLong(1) >= 2) {
                            st.execute("SELECT pg_terminate_backend(pid) " + verifySessions);
                            fired.set(true);
                            return;
                        }
                    }
                    Thread.sleep(10);
                }
            } catch (Exception e) {
                killerFailure.set(e);
            }
        });
        killer.start();
        // two worker connections: the main one (it scans too, once the catalog is read) and one more
        CliRun.Result r = verify(db, "--chunk-rows", "10", "--jobs", "2");
        killer.join();
        assertEquals(null, killerFailure.get());
        assertTrue(fired.get(), "the kill never found verify's two sessions holding the snapshot: " + r);
        assertEquals(1, r.exitCode(), r.toString());
        assertTrue(r.err().contains("connection to the source lost mid-run"), r.toString());
    }
}
