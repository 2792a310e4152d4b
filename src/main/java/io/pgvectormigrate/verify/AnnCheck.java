package io.pgvectormigrate.verify;

import io.pgvectormigrate.pg.Sql;
import io.pgvectormigrate.verify.Catalog.Column;
import io.pgvectormigrate.verify.Catalog.Index;
import io.pgvectormigrate.verify.Catalog.Table;
import io.pgvectormigrate.verify.VerifyReport.AnnResult;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Check 7 (opt-in): for N stored vectors used as queries, the exact top-k (sequential scan, index off) must be
 * the same rows at the same distances on both sides; with the vector index forced on, recall@k against the
 * exact answer is reported per side. Settings change only with SET LOCAL inside the read-only transaction.
 */
final class AnnCheck {
    private AnnCheck() {}

    /** One top-k answer: keys and distances in order. */
    private record TopK(List<String> keys, List<Double> distances) {}

    static List<AnnResult> run(Workers w, List<TablePlan> plans, int queries, int k) {
        List<AnnResult> out = new ArrayList<>();
        for (TablePlan p : plans) {
            for (String v : p.vectorColumns) {
                if (!p.hasPk()) {
                    out.add(new AnnResult(p.display(), Sql.display(v), null, null, null, 0, k, 0, null, null, true,
                            "not checked: the table has no primary key to compare answers by"));
                    continue;
                }
                out.add(column(w, p, v, queries, k));
            }
        }
        return out;
    }

    private static AnnResult column(Workers w, TablePlan p, String v, int queries, int k) {
        Index si = annIndex(p.src, v);
        Index ti = annIndex(p.tgt, v);
        String op = operator(si != null ? si : ti);
        List<String> qs = Workers.await(w.on(true, "sampling ANN queries of " + p.display(), c -> sample(c, p, v, queries)));
        if (qs.isEmpty()) {
            return new AnnResult(p.display(), Sql.display(v), op, name(si), name(ti), 0, k, 0, null, null, true,
                    "no non-NULL vectors to query with");
        }
        CompletableFuture<List<TopK[]>> sf = w.on(true, "ANN queries on " + p.display(), c -> answers(c, p, true, v, op, qs, k, si != null));
        CompletableFuture<List<TopK[]>> tf = w.on(false, "ANN queries on " + p.display(), c -> answers(c, p, false, v, op, qs, k, ti != null));
        List<TopK[]> s = Workers.await(sf);
        List<TopK[]> t = Workers.await(tf);
        int mismatches = 0;
        double sRecall = 0;
        double tRecall = 0;
        for (int i = 0; i < qs.size(); i++) {
            TopK se = s.get(i)[0];
            TopK te = t.get(i)[0];
            if (!sameAnswer(se, te)) mismatches++;
            if (si != null) sRecall += recall(se, s.get(i)[1]);
            if (ti != null) tRecall += recall(te, t.get(i)[1]);
        }
        Double sr = si == null ? null : round(sRecall / qs.size());
        Double tr = ti == null ? null : round(tRecall / qs.size());
        String note = null;
        if (tr != null && sr != null && tr < sr - 0.1) {
            note = "recall on the target is lower than on the source"
                    + ("ivfflat".equals(ti.method()) ? ": an ivfflat index built before the data was loaded has untrained lists; REINDEX it" : "");
        } else if (tr != null && tr < 0.5 && "ivfflat".equals(ti.method())) {
            note = "low recall: an ivfflat index built on an empty table has untrained lists; REINDEX it after the load";
        } else if (si == null && ti == null) {
            note = "no vector index on this column: exact answers compared only";
        }
        return new AnnResult(p.display(), Sql.display(v), op, name(si), name(ti), qs.size(), k, mismatches, sr, tr,
                mismatches == 0, note);
    }

    private static String name(Index i) {
        return i == null ? null : Sql.display(i.name()) + " (" + i.method() + ")";
    }

    private static double round(double d) {
        return Math.round(d * 1000) / 1000.0;
    }

    private static Index annIndex(Table t, String column) {
        for (Index i : t.indexes()) {
            if (("ivfflat".equals(i.method()) || "hnsw".equals(i.method())) && i.valid()
                    && i.columns().size() == 1 && column.equals(i.columns().get(0))) {
                return i;
            }
        }
        return null;
    }

    private static String operator(Index i) {
        if (i == null || i.opclasses() == null) return "<->";
        String oc = i.opclasses().toLowerCase(Locale.ROOT);
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

    /** For each query: [exact top-k, index top-k (null without index)]. */
    private static List<TopK[]> answers(Connection c, TablePlan p, boolean source, String v, String op,
                                        List<String> qs, int k, boolean hasIndex) throws SQLException {
        Table t = p.table(source);
        Column col = t.column(v);
        String typ = col.type().replaceAll("\\(.*\\)", "");
        String dist = Sql.ident(v) + " " + op + " ?::" + typ;
        String sql = "SELECT " + p.keyTexts() + ", (" + dist + ")::float8 FROM " + t.sql() + " WHERE " + Sql.ident(v)
                + " IS NOT NULL ORDER BY " + dist + " LIMIT " + k;
        List<TopK[]> out = new ArrayList<>();
        try (Statement st = c.createStatement(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (String q : qs) {
                st.execute("SET LOCAL enable_indexscan = off; SET LOCAL enable_bitmapscan = off; SET LOCAL enable_seqscan = on");
                TopK exact = topK(ps, q, p.pk.size());
                TopK ann = null;
                if (hasIndex) {
                    st.execute("SET LOCAL enable_indexscan = on; SET LOCAL enable_seqscan = off");
                    ann = topK(ps, q, p.pk.size());
                }
                out.add(new TopK[]{exact, ann});
            }
            st.execute("SET LOCAL enable_indexscan = on; SET LOCAL enable_bitmapscan = on; SET LOCAL enable_seqscan = on");
        }
        return out;
    }

    private static TopK topK(PreparedStatement ps, String q, int keyParts) throws SQLException {
        ps.setString(1, q);
        ps.setString(2, q);
        List<String> keys = new ArrayList<>();
        List<Double> d = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                StringBuilder key = new StringBuilder();
                for (int i = 1; i <= keyParts; i++) key.append(i > 1 ? "\0" : "").append(rs.getString(i));
                keys.add(key.toString());
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
