package io.pgvectormigrate.verify;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgvectormigrate.pg.TableDefinitions;
import io.pgvectormigrate.report.Json;
import io.pgvectormigrate.testing.CliRun;
import io.pgvectormigrate.testing.PgServers;
import io.pgvectormigrate.testing.Sql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;

import static io.pgvectormigrate.verify.VerifyFixtures.bedrockItems;
import static io.pgvectormigrate.verify.VerifyFixtures.verify;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How verify reads: each side's heap in block ranges read at once, rows compared through key-hash buckets whatever
 * their physical order, and ANN parity's exact answers in one scan per side.
 */
@ExtendWith(PgServers.class)
class VerifyScanTest {
    // about 1 KB a row, stored inline: 40,000 rows are ~40 MB of heap, enough for 4 ranges of 8 MB or more
    private static final String BIG = "CREATE TABLE big(id int PRIMARY KEY, pad text, e vector(4))";

    private static String bigRows(String order) {
        return "INSERT INTO big SELECT i, i || repeat(md5(i::text), 28), ('[' || i % 97 || ',' || i % 89 || ',' || i % 83 || ',1]')::vector "
                + "FROM generate_series(1, 40000) i ORDER BY i " + order;
    }

    @Test
    void rangesCoverEveryBlockOnce() {
        assertEquals(List.of(""), ScanRanges.predicates(0, 8), "an empty table is read whole");
        assertEquals(List.of(""), ScanRanges.predicates(1500, 8), "a small table is not cut");
        List<String> r = ScanRanges.predicates(10_000, 8);
        assertEquals(8, r.size(), r.toString());
        assertEquals("ctid < '(1250,0)'::tid", r.get(0));
        assertEquals("ctid >= '(1250,0)'::tid AND ctid < '(2500,0)'::tid", r.get(1));
        assertEquals("ctid >= '(8750,0)'::tid", r.get(7), "the last range is open: blocks added later are read too");
        assertEquals(3, ScanRanges.predicates(3500, 8).size(), "ranges of at least 1024 blocks");
    }

    @Test
    void rangesAndBucketsFindEveryDifferenceWhateverThePhysicalOrder(PgServers.DbPair db) throws Exception {
        db.both("CREATE EXTENSION vector", BIG);
        Sql.exec(db.source(), bigRows("ASC"));
        // the copy stores its rows in the opposite order: every range holds other keys than on the source
        Sql.exec(db.target(), bigRows("DESC"));
        CliRun.Result ok = verify(db, "--jobs", "2", "--table", "big");
        assertEquals(0, ok.exitCode(), ok.toString());
        assertTrue(ok.err().contains("(8 range scans; 2 source and 2 target connections)"), "4 ranges per side: " + ok);

        // the physically first and last rows of the target, one in the middle, a missing one and an extra one
        Sql.exec(db.target(), "UPDATE big SET pad = 'x' WHERE id IN (1, 20000, 40000)",
                "UPDATE big SET e = '[1,2,3,4.0001]' WHERE id = 777",
                "DELETE FROM big WHERE id = 31337", "INSERT INTO big VALUES (40001, 'extra', '[1,1,1,1]')");
        CliRun.Result r = verify(db, "--jobs", "2", "--table", "big", "--format", "json");
        assertEquals(3, r.exitCode(), r.toString());
        JsonNode c = Json.mapper().readTree(r.out()).get("tableResults").get(0).get("content");
        assertEquals(4, c.get("changed").asLong(), c.toString());
        assertEquals(1, c.get("missingOnTarget").asLong(), c.toString());
        assertEquals(1, c.get("extraOnTarget").asLong(), c.toString());
        assertEquals("key-hash buckets", c.get("method").asText());
        assertEquals(21, c.get("chunks").asLong(), "40,000 rows / 2,000 + 1 buckets");
        String text = verify(db, "--jobs", "2", "--table", "big").out();
        for (String expected : new String[]{"changed: id=1 (columns: pad)", "changed: id=20000 (columns: pad)",
                "changed: id=40000 (columns: pad)", "changed: id=777 (columns: e)", "missing: id=31337", "extra: id=40001"}) {
            assertTrue(text.contains(expected), expected + " in " + text);
        }
    }

    @Test
    void partitionedTableIsCutByItsLargestPartition(PgServers.DbPair db) throws Exception {
        db.both("CREATE EXTENSION vector",
                "CREATE TABLE parted(id int PRIMARY KEY, pad text) PARTITION BY RANGE (id)",
                "CREATE TABLE parted_a PARTITION OF parted FOR VALUES FROM (1) TO (30001)",
                "CREATE TABLE parted_b PARTITION OF parted FOR VALUES FROM (30001) TO (40001)",
                "INSERT INTO parted SELECT i, i || repeat(md5(i::text), 28) FROM generate_series(1, 40000) i");
        CliRun.Result ok = verify(db, "--jobs", "2", "--table", "parted");
        assertEquals(0, ok.exitCode(), ok.toString());
        assertTrue(ok.err().contains("(6 range scans;"), "parted_a (~30 MB) cut in 3 per side: " + ok);
        Sql.exec(db.target(), "DELETE FROM parted WHERE id IN (29999, 39999)");
        CliRun.Result r = verify(db, "--jobs", "2", "--table", "parted");
        assertEquals(3, r.exitCode(), r.toString());
        assertTrue(r.out().contains("missing: id=29999") && r.out().contains("missing: id=39999"), r.toString());
        assertTrue(r.out().contains("source has 40000 rows, target 39998"), r.toString());
    }

    @Test
    void annParityScansEachSideOnceForAllQueries(PgServers.DbPair db) throws Exception {
        bedrockItems(db, 300, 16);
        long before = waitForStats(db, "items", 0); // the index builds' scans, counted when their sessions end
        CliRun.Result ok = verify(db, "--skip", "schema,indexes,extensions,rows,vectors,groups,content,sequences",
                "--ann-queries", "40", "--ann-k", "5", "--format", "json");
        assertEquals(0, ok.exitCode(), ok.toString());
        JsonNode ann = Json.mapper().readTree(ok.out()).get("ann").get(0);
        assertEquals(40, ann.get("queries").asInt());
        assertEquals(0, ann.get("exactMismatches").asInt(), ann.toString());
        // the sample of the bounds, the one scan, the ivfflat statistics' row check: never one scan per query
        long scans = waitForStats(db, "items", before);
        assertTrue(scans <= 3, "sequential scans of the target for 40 queries: " + scans);
    }

    @Test
    void annParityOverRangesFindsMovedVectors(PgServers.DbPair db) throws Exception {
        db.both("CREATE EXTENSION vector", BIG, bigRows("ASC"),
                "CREATE INDEX big_e ON big USING ivfflat (e vector_l2_ops) WITH (lists = 20)", "ANALYZE big");
        String[] annOnly = {"--jobs", "2", "--table", "big", "--skip", "schema,indexes,extensions,rows,vectors,groups,content,sequences",
                "--ann-k", "5", "--format", "json"};
        CliRun.Result ok = verify(db, concat(annOnly, "--ann-queries", "100"));
        assertEquals(0, ok.exitCode(), ok.toString());
        assertEquals(0, Json.mapper().readTree(ok.out()).get("ann").get(0).get("exactMismatches").asInt(), ok.toString());

        // a tenth of the vectors moved far away on the target: the queries that are those vectors answer differently
        Sql.exec(db.target(), "UPDATE big SET e = '[500,500,500,500]' WHERE id % 10 = 3");
        CliRun.Result r = verify(db, concat(annOnly, "--ann-queries", "200"));
        assertEquals(3, r.exitCode(), r.toString());
        JsonNode ann = Json.mapper().readTree(r.out()).get("ann").get(0);
        assertTrue(ann.get("exactMismatches").asInt() > 0, ann.toString());
        assertFalse(ann.get("matched").asBoolean(), ann.toString());
    }

    @Test
    void annParityOnEveryVectorType(PgServers.DbPair db) throws Exception {
        db.both("CREATE EXTENSION vector", "CREATE TABLE kinds(id int PRIMARY KEY, v vector(3), h halfvec(3), s sparsevec(5))",
                "INSERT INTO kinds SELECT i, ARRAY[i % 7, i % 11, 1]::real[]::vector, ARRAY[i % 5, i % 3, 2]::real[]::vector::halfvec, "
                        + "('{1:' || (i % 13 + 1) || ',4:' || (i % 17 + 1) || '}/5')::sparsevec FROM generate_series(1, 500) i",
                "CREATE INDEX ON kinds USING hnsw (h halfvec_cosine_ops)");
        CliRun.Result r = verify(db, "--ann-queries", "15", "--ann-k", "4", "--format", "json");
        assertEquals(0, r.exitCode(), r.toString());
        JsonNode ann = Json.mapper().readTree(r.out()).get("ann");
        assertEquals(3, ann.size(), ann.toString());
        for (JsonNode a : ann) {
            assertEquals(15, a.get("queries").asInt(), a.toString());
            assertEquals(0, a.get("exactMismatches").asInt(), a.toString());
        }
        assertEquals("<=>", ann.get(1).get("operator").asText(), "the hnsw index's cosine operator on the halfvec column");
        Sql.exec(db.target(), "UPDATE kinds SET s = '{2:1000}/5' WHERE id % 4 = 0");
        JsonNode changed = Json.mapper().readTree(verify(db, "--ann-queries", "60", "--ann-k", "4", "--skip", "content,vectors",
                "--format", "json").out()).get("ann");
        assertTrue(changed.get(2).get("exactMismatches").asInt() > 0, changed.toString());
        assertEquals(0, changed.get(0).get("exactMismatches").asInt(), changed.toString());
    }

    @Test
    void annParityWithFewerVectorsThanK(PgServers.DbPair db) throws Exception {
        // no k rows bound the k-th distance: every row is in every answer, so the row moved on the target is in all three
        db.both("CREATE EXTENSION vector", "CREATE TABLE few(id int PRIMARY KEY, v vector(2))",
                "INSERT INTO few VALUES (1, '[0,0]'), (2, '[1,0]'), (3, '[0,2]')");
        Sql.exec(db.target(), "UPDATE few SET v = '[9,9]' WHERE id = 3");
        JsonNode ann = Json.mapper().readTree(verify(db, "--skip", "schema,indexes,extensions,rows,vectors,groups,content,sequences",
                "--ann-queries", "3", "--ann-k", "5", "--format", "json").out()).get("ann").get(0);
        assertEquals(3, ann.get("queries").asInt(), ann.toString());
        assertEquals(3, ann.get("exactMismatches").asInt(), ann.toString());
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static long seqScans(PgServers.DbPair db, String table) throws Exception {
        return Long.parseLong(Sql.scalar(db.target(), "SELECT seq_scan FROM pg_stat_user_tables WHERE relname = '" + table + "'"));
    }

    /** Backends flush their statistics when they end, a moment after verify closed them. */
    private static long waitForStats(PgServers.DbPair db, String table, long before) throws Exception {
        long last = -1;
        for (int i = 0; i < 30; i++) {
            Thread.sleep(200);
            long now = seqScans(db, table) - before;
            if (now == last && (now > 0 || i > 5)) return now;
            last = now;
        }
        return last;
    }

    @Test
    void untrainedIvfflatHintOnlyWithEvidence(PgServers.DbPair db) throws Exception {
        // Bedrock Chat's setup creates the index on the empty table; bedrockItems does the same on both sides. An
        // autovacuum ANALYZE after the insert would count the index's rows and erase the evidence: off from the start.
        bedrockItems(db, 200, 16, " WITH (autovacuum_enabled = false)");
        Sql.exec(db.source(), "REINDEX INDEX idx_items_embedding");
        CliRun.Result r = verify(db, "--ann-queries", "10", "--ann-k", "5", "--format", "json");
        String note = Json.mapper().readTree(r.out()).get("ann").get(0).get("note").asText();
        assertTrue(note.contains("ivfflat index public.idx_items_embedding on the target was built on fewer rows than its 10 lists"), note);
        assertTrue(note.contains("REINDEX INDEX public.idx_items_embedding after the load"), note);
        assertFalse(note.contains("on the source was built"), "the source's index was rebuilt after the load: " + note);

        Sql.exec(db.target(), "REINDEX INDEX idx_items_embedding");
        JsonNode after = Json.mapper().readTree(verify(db, "--ann-queries", "10", "--ann-k", "5", "--format", "json").out()).get("ann").get(0);
        String n2 = after.has("note") ? after.get("note").asText() : "";
        assertFalse(n2.contains("was built on fewer rows"), n2);
        assertFalse(n2.contains("untrained") && !n2.contains("may"), "without evidence the hint says 'may': " + n2);
    }

    @Test
    void hintWordingFollowsTheEvidence() {
        TableDefinitions.IndexShape ivf = new TableDefinitions.IndexShape("idx", "k", "ivfflat", "vector_l2_ops", "lists=100",
                true, false, false, List.of("e"));
        AnnCheck.IvfflatStats trained = new AnnCheck.IvfflatStats("public.idx", 100, 5000, true);
        AnnCheck.IvfflatStats untrained = new AnnCheck.IvfflatStats("public.idx", 100, -1, true);
        AnnCheck.IvfflatStats tinyTable = new AnnCheck.IvfflatStats("public.idx", 100, 40, false);
        String low = AnnCheck.note(0.9, 0.3, ivf, ivf, trained, trained);
        assertTrue(low.contains("may have untrained lists") || low.contains("may be untrained"), low);
        assertFalse(low.contains("was built on fewer rows"), low);
        String known = AnnCheck.note(0.9, 0.3, ivf, ivf, trained, untrained);
        assertTrue(known.contains("on the target was built on fewer rows than its 100 lists (its statistics count no rows)"), known);
        assertFalse(known.contains("may"), known);
        assertNull(AnnCheck.note(0.9, 0.88, ivf, ivf, trained, trained), "good recall, trained lists: nothing to say");
        assertNull(AnnCheck.note(0.9, 0.88, ivf, ivf, tinyTable, tinyTable), "a table with fewer rows than lists is no evidence");
    }
}
