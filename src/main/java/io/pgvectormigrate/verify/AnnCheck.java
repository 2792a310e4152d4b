package io.pgvectormigrate.verify;

import io.pgvectormigrate.pg.Sql;
import io.pgvectormigrate.pg.TableDefinitions.IndexShape;
import io.pgvectormigrate.pg.TableDefinitions;
import io.pgvectormigrate.pg.TableId;
import io.pgvectormigrate.verify.SideSchema.Column;
import io.pgvectormigrate.verify.SideSchema.Table;
import io.pgvectormigrate.verify.VerifyReport.AnnResult;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Check 7 (opt-in): for N stored vectors used as queries, the exact top-k must be the same rows at the same
 * distances on both sides; with the vector index forced on, recall@k against the exact answer is reported per side.
 *
 * <p>All N exact answers come from one scan per side: each row's vector is read once and its distance to every
 * query computed, and only rows that can be in some query's top k leave the server. That is decided by an upper bound
 * per query on its k-th distance, from k rows known to exist on that side: the k nearest of a sample of the side's
 * own rows. The scan is cut into block ranges read by the side's worker connections at once, like the content scan,
 * and both sides scan at the same time; the index answers (N small index scans) run next to it. Settings change only
 * with SET LOCAL inside the read-only transaction.
 */
final class AnnCheck {
    /** Rows of the sample bound: at least this many, about 2% of the table, at most MAX_SAMPLE. */
    private static final int MIN_SAMPLE = 2000;
    private static final int MAX_SAMPLE = 20_000;
    private static final int FETCH = 1000;

    private AnnCheck() {}

    /** One top-k answer: keys and distances in order. */
    record TopK(List<String> keys, List<Double> distances) {}

    /** What the index answered (null without index) and what its statistics say. */
    private record IndexAnswers(List<TopK> answers, IvfflatStats ivfflat) {}

    /** An ivfflat index's lists and the rows its statistics say it holds (-1: never counted since it was built). */
    record IvfflatStats(String index, int lists, double indexRows, boolean tableHasLists) {
        /** The statistics say the lists were computed from fewer rows than there are lists: they are untrained. */
        boolean untrained() {
            return indexRows < lists && tableHasLists;
        }
    }

    static List<AnnResult> run(Workers w, ScanRanges ranges, List<TablePlan> plans, int queries, int k) {
        List<AnnResult> out = new ArrayList<>();
        for (TablePlan p : plans) {
            for (String v : p.vectorColumns) {
                if (!p.hasPk()) {
                    out.add(new AnnResult(p.display(), Sql.display(v), null, null, null, 0, k, 0, null, null, true,
                            "not checked: the table has no primary key to compare answers by"));
                    continue;
                }
                out.add(column(w, ranges, p, v, queries, k));
            }
        }
        return out;
    }

    private static AnnResult column(Workers w, ScanRanges ranges, TablePlan p, String v, int queries, int k) {
        IndexShape si = annIndex(p.src, v);
        IndexShape ti = annIndex(p.tgt, v);
        String op = operator(si != null ? si : ti);
        List<String> qs = Workers.await(w.on(true, "sampling ANN queries of " + p.display(), c -> sample(c, p, v, queries)));
        if (qs.isEmpty()) {
            return new AnnResult(p.display(), Sql.display(v), op, name(si), name(ti), 0, k, 0, null, null, true,
                    "no non-NULL vectors to query with");
        }
        int sampleRows = (int) Math.max(Math.max(MIN_SAMPLE, 50L * k), Math.min(MAX_SAMPLE, p.src.estimatedRows() / 50));
        CompletableFuture<double[]> sb = w.on(true, "ANN bounds on " + p.display(), c -> bounds(c, p, true, v, op, qs, k, sampleRows));
        CompletableFuture<double[]> tb = w.on(false, "ANN bounds on " + p.display(), c -> bounds(c, p, false, v, op, qs, k, sampleRows));
        double[] sBounds = Workers.await(sb);
        double[] tBounds = Workers.await(tb);
        // queued first, so each side's index answers take one worker while the others start the scan
        CompletableFuture<IndexAnswers> si2 = w.on(true, "ANN index answers on " + p.display(), c -> indexAnswers(c, p, true, v, op, qs, k, si));
        CompletableFuture<IndexAnswers> ti2 = w.on(false, "ANN index answers on " + p.display(), c -> indexAnswers(c, p, false, v, op, qs, k, ti));
        Exact sExact = new Exact(w, ranges, p, true, v, op, qs, k, sBounds);
        Exact tExact = new Exact(w, ranges, p, false, v, op, qs, k, tBounds);
        List<TopK> se = sExact.await();
        List<TopK> te = tExact.await();
        IndexAnswers s = Workers.await(si2);
        IndexAnswers t = Workers.await(ti2);
        int mismatches = 0;
        double sRecall = 0;
        double tRecall = 0;
        for (int i = 0; i < qs.size(); i++) {
            if (!sameAnswer(se.get(i), te.get(i))) mismatches++;
            if (si != null) sRecall += recall(se.get(i), s.answers().get(i));
            if (ti != null) tRecall += recall(te.get(i), t.answers().get(i));
        }
        Double sr = si == null ? null : round(sRecall / qs.size());
        Double tr = ti == null ? null : round(tRecall / qs.size());
        return new AnnResult(p.display(), Sql.display(v), op, name(si), name(ti), qs.size(), k, mismatches, sr, tr,
                mismatches == 0, note(sr, tr, si, ti, s.ivfflat(), t.ivfflat()));
    }

    /**
     * The notes on recall. An ivfflat index is called untrained only when its statistics show it was built on fewer
     * rows than it has lists and has not been counted since (REINDEX and a plain ANALYZE count it); low recall
     * without that evidence gets a "may".
     */
    static String note(Double sr, Double tr, IndexShape si, IndexShape ti, IvfflatStats s, IvfflatStats t) {
        List<String> notes = new ArrayList<>();
        for (IvfflatStats x : new IvfflatStats[]{s, t}) {
            if (x != null && x.untrained()) {
                notes.add("ivfflat index " + x.index() + " on the " + (x == s ? "source" : "target") + " was built on fewer rows "
                        + "than its " + x.lists() + " lists (its statistics count " + (x.indexRows() < 0 ? "no rows"
                        : String.format(Locale.ROOT, "%.0f rows", x.indexRows())) + "), so its lists are untrained: "
                        + "REINDEX INDEX " + x.index() + " after the load");
            }
        }
        boolean known = !notes.isEmpty();
        boolean ivfflat = ti != null && "ivfflat".equals(ti.method());
        if (tr != null && sr != null && tr < sr - 0.1) {
            notes.add(0, "recall on the target is lower than on the source" + (ivfflat && !known
                    ? ": if the ivfflat index was created before the data was loaded, its lists may be untrained; REINDEX it then" : ""));
        } else if (tr != null && tr < 0.5) {
            notes.add(0, "low recall on the target" + (ivfflat && !known ? ": if the ivfflat index was created on an empty or "
                    + "small table, its lists may be untrained; REINDEX it then" : ""));
        } else if (si == null && ti == null) {
            notes.add("no vector index on this column: exact answers compared only");
        }
        return notes.isEmpty() ? null : String.join("; ", notes);
    }

    private static String name(IndexShape i) {
        return i == null ? null : Sql.display(i.name()) + " (" + i.method() + ")";
    }

    private static double round(double d) {
        return Math.round(d * 1000) / 1000.0;
    }

    private static IndexShape annIndex(Table t, String column) {
        for (IndexShape i : t.indexes()) {
            if (("ivfflat".equals(i.method()) || "hnsw".equals(i.method())) && i.valid()
                    && i.columns().size() == 1 && column.equals(i.columns().get(0))) {
                return i;
            }
        }
        return null;
    }

    private static String operator(IndexShape i) {
        if (i == null || i.operatorClasses() == null) return "<->";
        String oc = i.operatorClasses().toLowerCase(Locale.ROOT);
        if (oc.endsWith("_ip_ops")) return "<#>";
        if (oc.endsWith("_cosine_ops")) return "<=>";
        if (oc.endsWith("_l1_ops")) return "<+>";
        return "<->";
    }

    private static List<String> sample(Connection c, TablePlan p, String v, int n) throws SQLException {
        String col = Sql.ident(v);
        double pct = Math.min(100.0, Math.max(0.001, 300.0 * n / Math.max(1, p.src.estimatedRows())));
        List<String> out = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT " + col + "::text FROM " + Sql.qualified(p.src.schema(), p.src.name()) + " TABLESAMPLE BERNOULLI ("
                        + String.format(Locale.ROOT, "%.4f", pct) + ") REPEATABLE (7) WHERE " + col + " IS NOT NULL LIMIT " + n)) {
            while (rs.next()) out.add(rs.getString(1));
        }
        if (out.size() < n) {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                    "SELECT " + col + "::text FROM " + p.src.sql() + " WHERE " + col + " IS NOT NULL" + p.orderByKey() + " LIMIT " + n)) {
                while (rs.next() && out.size() < n) {
                    if (!out.contains(rs.getString(1))) out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    /** The vector type without its typmod, e.g. {@code public.vector}: casts the queries and names its identity function. */
    private static String baseType(Column col) {
        return col.type().replaceAll("\\(.*\\)", "");
    }

    /**
     * The column's vector read once: {@code vector(v, -1, false)} is the type's own length coercion, which returns
     * its argument detoasted and unchanged. Every distance to it then reads memory; each operator call on the column
     * itself would fetch the vector from TOAST storage anew.
     */
    private static String detoasted(Column col) {
        return baseType(col) + "(" + Sql.ident(col.name()) + ", -1, false)";
    }

    /** The distances of {@code v} to the n queries ({@code ?} each), as float8 columns d0..d(n-1). */
    private static String distances(String op, String typ, int n) {
        List<String> ds = new ArrayList<>();
        for (int i = 0; i < n; i++) ds.add("(v " + op + " ?::" + typ + ")::float8 AS d" + i);
        return String.join(", ", ds);
    }

    /**
     * Each query's bound on one side: the k-th smallest distance among the first rows of a sample, which exist on
     * this side, so the true k-th distance is at most that (infinite when the table has fewer than k vectors). The
     * server picks it, so only the N bounds leave it.
     */
    private static double[] bounds(Connection c, TablePlan p, boolean source, String v, String op, List<String> qs, int k,
                                   int sampleRows) throws SQLException {
        Table t = p.table(source);
        Column col = t.column(v);
        double[] bounds = new double[qs.size()];
        List<String> kth = new ArrayList<>();
        for (int i = 0; i < qs.size(); i++) kth.add("coalesce((array_agg(d" + i + " ORDER BY d" + i + "))[" + k + "], 'Infinity')");
        String sql = "SELECT " + String.join(", ", kth) + " FROM (SELECT " + distances(op, baseType(col), qs.size()) + " FROM (SELECT "
                + detoasted(col) + " AS v FROM " + t.sql() + " WHERE " + Sql.ident(v) + " IS NOT NULL LIMIT " + sampleRows + ") s) d";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < qs.size(); i++) ps.setString(i + 1, qs.get(i));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                for (int i = 0; i < qs.size(); i++) bounds[i] = rs.getDouble(i + 1);
            }
        }
        return bounds;
    }

    /** On one side, with the vector index forced on: its answer to every query, and what its statistics say. */
    private static IndexAnswers indexAnswers(Connection c, TablePlan p, boolean source, String v, String op,
                                             List<String> qs, int k, IndexShape index) throws SQLException {
        if (index == null) return new IndexAnswers(null, null);
        Table t = p.table(source);
        String dist = Sql.ident(v) + " " + op + " ?::" + baseType(t.column(v));
        String sql = "SELECT " + p.keyTexts() + ", (" + dist + ")::float8 FROM " + t.sql() + " WHERE " + Sql.ident(v)
                + " IS NOT NULL ORDER BY " + dist + " LIMIT " + k;
        List<TopK> answers = new ArrayList<>();
        try (Statement st = c.createStatement(); PreparedStatement ps = c.prepareStatement(sql)) {
            st.execute("SET LOCAL enable_indexscan = on; SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off");
            try {
                for (String q : qs) {
                    ps.setString(1, q);
                    ps.setString(2, q);
                    answers.add(topK(ps, p.pk.size()));
                }
            } finally {
                st.execute("SET LOCAL enable_indexscan = on; SET LOCAL enable_bitmapscan = on; SET LOCAL enable_seqscan = on");
            }
        }
        return new IndexAnswers(answers, "ivfflat".equals(index.method()) ? ivfflatStats(c, t, v, index) : null);
    }

    private static IvfflatStats ivfflatStats(Connection c, Table t, String v, IndexShape index) throws SQLException {
        int lists = 100; // pgvector's default
        if (index.options() != null) {
            for (String o : index.options().split(",")) {
                if (o.startsWith("lists=")) lists = Integer.parseInt(o.substring(6).replace("'", "").trim());
            }
        }
        OptionalDouble estimate = TableDefinitions.indexRowEstimate(c, new TableId(t.schema(), index.name()));
        if (estimate.isEmpty()) return null; // a partitioned index has no statistics of its own
        double indexRows = estimate.getAsDouble();
        boolean enough;
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM (SELECT 1 FROM " + t.sql()
                + " WHERE " + Sql.ident(v) + " IS NOT NULL LIMIT " + lists + ") s")) {
            rs.next();
            enough = rs.getLong(1) >= lists;
        }
        return new IvfflatStats(Sql.display(t.schema(), index.name()), lists, indexRows, enough);
    }

    /** The exact top-k of every query on one side: one scan, in block ranges read by the side's workers at once. */
    private static final class Exact {
        private final List<PriorityQueue<Hit>> best = new ArrayList<>();
        private final List<CompletableFuture<Void>> parts = new ArrayList<>();

        Exact(Workers w, ScanRanges ranges, TablePlan p, boolean source, String v, String op, List<String> qs, int k,
              double[] bounds) {
            Table t = p.table(source);
            Column col = t.column(v);
            int n = qs.size();
            List<String> keys = new ArrayList<>();
            List<String> keyTexts = new ArrayList<>();
            for (int i = 0; i < p.pk.size(); i++) {
                keys.add("k" + i);
                keyTexts.add(Sql.ident(p.pk.get(i)) + " AS k" + i);
            }
            List<String> ds = new ArrayList<>();
            List<String> within = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                ds.add("d" + i);
                within.add("d" + i + " <= ?");
            }
            for (int i = 0; i < n; i++) best.add(new PriorityQueue<>(Hit.ORDER.reversed()));
            for (String range : ranges.of(p, source)) {
                // each level computes once per row: the vector (read once), then its distances, then the filter; the
                // keys become text only for the rows that pass it
                String sql = "SELECT " + String.join("::text, ", keys) + "::text, " + String.join(", ", ds) + " FROM (SELECT "
                        + String.join(", ", keys) + ", " + distances(op, baseType(col), n) + " FROM (SELECT "
                        + String.join(", ", keyTexts) + ", " + detoasted(col) + " AS v FROM " + t.sql() + " WHERE "
                        + Sql.ident(v) + " IS NOT NULL" + (range.isEmpty() ? "" : " AND " + range) + " OFFSET 0) s OFFSET 0) d "
                        + "WHERE " + String.join(" OR ", within);
                parts.add(w.on(source, "ANN exact answers on " + p.display(), c -> {
                    try (PreparedStatement ps = c.prepareStatement(sql)) {
                        for (int i = 0; i < n; i++) ps.setString(i + 1, qs.get(i));
                        for (int i = 0; i < n; i++) ps.setDouble(n + i + 1, bounds[i]);
                        ps.setFetchSize(FETCH);
                        try (ResultSet rs = ps.executeQuery()) {
                            while (rs.next()) {
                                String key = key(rs, keys.size());
                                for (int i = 0; i < n; i++) {
                                    double d = rs.getDouble(keys.size() + 1 + i);
                                    if (d <= bounds[i]) offer(best.get(i), new Hit(d, key), k);
                                }
                            }
                        }
                    }
                    return null;
                }));
            }
        }

        List<TopK> await() {
            parts.forEach(Workers::await);
            List<TopK> out = new ArrayList<>();
            for (PriorityQueue<Hit> q : best) {
                List<Hit> hits = new ArrayList<>(q);
                hits.sort(Hit.ORDER);
                out.add(new TopK(hits.stream().map(Hit::key).toList(), hits.stream().map(Hit::distance).toList()));
            }
            return out;
        }
    }

    private record Hit(double distance, String key) {
        static final Comparator<Hit> ORDER = Comparator.comparingDouble(Hit::distance).thenComparing(Hit::key);
    }

    /** Keeps the k nearest; a max-heap whose head is the farthest kept. */
    private static void offer(PriorityQueue<Hit> q, Hit h, int k) {
        synchronized (q) {
            if (q.size() < k) {
                q.add(h);
            } else if (Hit.ORDER.compare(h, q.peek()) < 0) {
                q.poll();
                q.add(h);
            }
        }
    }

    private static String key(ResultSet rs, int keyParts) throws SQLException {
        StringBuilder key = new StringBuilder();
        for (int i = 1; i <= keyParts; i++) key.append(i > 1 ? "\0" : "").append(rs.getString(i));
        return key.toString();
    }

    private static TopK topK(PreparedStatement ps, int keyParts) throws SQLException {
        List<String> keys = new ArrayList<>();
        List<Double> d = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                keys.add(key(rs, keyParts));
                d.add(rs.getDouble(keyParts + 1));
            }
        }
        return new TopK(keys, d);
    }

    /** Same distances, and the same rows except where rows tie at the k-th distance. */
    private static boolean sameAnswer(TopK a, TopK b) {
        if (!a.distances().equals(b.distances())) return false;
        if (a.keys().isEmpty()) return true;
        double last = a.distances().get(a.distances().size() - 1);
        Set<String> ka = new HashSet<>();
        Set<String> kb = new HashSet<>();
        for (int i = 0; i < a.keys().size(); i++) if (a.distances().get(i) < last) ka.add(a.keys().get(i));
        for (int i = 0; i < b.keys().size(); i++) if (b.distances().get(i) < last) kb.add(b.keys().get(i));
        return ka.equals(kb);
    }

    private static double recall(TopK exact, TopK ann) {
        if (ann == null || exact.keys().isEmpty()) return 0;
        Set<String> e = new HashSet<>(exact.keys());
        long hit = ann.keys().stream().filter(e::contains).count();
        return (double) hit / exact.keys().size();
    }
}
