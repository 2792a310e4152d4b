package io.pgvectormigrate.verify;

import io.pgvectormigrate.pg.Sql;
import io.pgvectormigrate.report.Progress;
import io.pgvectormigrate.verify.VerifyReport.RowDiff;
import io.pgvectormigrate.verify.VerifyReport.VectorStats;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * Checks 2, 3 and 5 in one pass: rows, vectors and content of every table present on both sides.
 *
 * <p>A table with a primary key is cut into chunks at every n-th key of the source's primary-key index; each
 * chunk is aggregated on both sides at once (count, sum of 64-bit row hashes, vector NULLs and dimensions) by
 * worker connections that share each side's snapshot. Only a chunk whose aggregates differ is narrowed: both
 * sides stream (key, row hash) for that chunk in key order and the streams are merged, so one changed row costs
 * one extra chunk read. Nothing per row is kept beyond the chunk being merged. A table without a primary key
 * gets one order-independent whole-table aggregate, narrowed (when it differs) by merging both sides' row
 * hashes in hash order.
 */
final class ContentCheck {
    private static final int FETCH = 1000;

    private final Workers workers;
    private final boolean rows;
    private final boolean vectors;
    private final boolean content;
    private final int chunkRows;
    private final int maxDiffs;
    private final Progress progress;

    ContentCheck(Workers workers, boolean rows, boolean vectors, boolean content, int chunkRows, int maxDiffs,
                 Progress progress) {
        this.workers = workers;
        this.rows = rows;
        this.vectors = vectors;
        this.content = content;
        this.chunkRows = chunkRows;
        this.maxDiffs = maxDiffs;
        this.progress = progress;
    }

    /** Aggregates of one chunk on one side. */
    record Agg(long count, String hash, long[] nulls, long[] off, Integer[] min, Integer[] max) {
        boolean sameRowsAndHash(Agg o) {
            return count == o.count && Objects.equals(hash, o.hash);
        }
    }

    /** What the scan found for one table. */
    static final class Outcome {
        final TablePlan plan;
        long sourceRows;
        long targetRows;
        long chunks;
        long differingChunks;
        long missing;
        long extra;
        long changed;
        final long[][] nulls = new long[2][];
        final long[][] off = new long[2][];
        final Integer[][] min = new Integer[2][];
        final Integer[][] max = new Integer[2][];
        final long[][] nonNull = new long[2][];
        // the first max-diffs differences in key order: (chunk, sequence) -> diff
        private final TreeMap<long[], RowDiff> examples = new TreeMap<>((a, b) ->
                a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
        final Map<String, String[]> changedKeys = new LinkedHashMap<>();

        Outcome(TablePlan plan) {
            this.plan = plan;
            int v = plan.vectorColumns.size();
            for (int s = 0; s < 2; s++) {
                nulls[s] = new long[v];
                off[s] = new long[v];
                min[s] = new Integer[v];
                max[s] = new Integer[v];
                nonNull[s] = new long[v];
            }
        }

        synchronized void add(int side, Agg a) {
            if (side == 0) sourceRows += a.count;
            else targetRows += a.count;
            if (a.nulls == null) return;
            for (int i = 0; i < a.nulls.length; i++) {
                nulls[side][i] += a.nulls[i];
                nonNull[side][i] += a.count - a.nulls[i];
                off[side][i] += a.off[i];
                min[side][i] = minOf(min[side][i], a.min[i]);
                max[side][i] = maxOf(max[side][i], a.max[i]);
            }
        }

        synchronized void example(long chunk, long seq, RowDiff d, int limit, String[] changedKey) {
            if (limit == 0) return;
            long[] k = {chunk, seq};
            if (examples.size() >= limit && examples.comparator().compare(k, examples.lastKey()) > 0) return;
            examples.put(k, d);
            if (changedKey != null) changedKeys.put(d.key(), changedKey);
            while (examples.size() > limit) {
                RowDiff dropped = examples.pollLastEntry().getValue();
                changedKeys.remove(dropped.key());
            }
        }

        synchronized List<RowDiff> examples() {
            return new ArrayList<>(examples.values());
        }

        synchronized void replaceExample(RowDiff oldDiff, RowDiff newDiff) {
            examples.replaceAll((k, v) -> v == oldDiff ? newDiff : v);
        }

        VectorStats stats(int side, int i) {
            return new VectorStats(nonNull[side][i], nulls[side][i], off[side][i], min[side][i], max[side][i]);
        }

        private static Integer minOf(Integer a, Integer b) {
            return a == null ? b : b == null ? a : Integer.valueOf(Math.min(a, b));
        }

        private static Integer maxOf(Integer a, Integer b) {
            return a == null ? b : b == null ? a : Integer.valueOf(Math.max(a, b));
        }
    }

    private record Chunk(Outcome out, long index, String[] lower, String[] upper) {}

    List<Outcome> run(List<TablePlan> plans) {
        List<Outcome> outcomes = new ArrayList<>();
        List<CompletableFuture<List<String[]>>> bounds = new ArrayList<>();
        for (TablePlan p : plans) {
            outcomes.add(new Outcome(p));
            bounds.add(p.hasPk() ? workers.on(true, "reading chunk boundaries of " + p.display(), c -> boundaries(c, p))
                    : CompletableFuture.completedFuture(List.of()));
        }
        List<Chunk> chunks = new ArrayList<>();
        long totalRows = 0;
        for (int i = 0; i < plans.size(); i++) {
            Outcome o = outcomes.get(i);
            List<String[]> b = Workers.await(bounds.get(i));
            totalRows += Math.max(o.plan.src.estimatedRows(), (long) b.size() * chunkRows);
            String[] lower = null;
            for (int k = 0; k <= b.size(); k++) {
                String[] upper = k < b.size() ? b.get(k) : null;
                chunks.add(new Chunk(o, k, lower, upper));
                lower = upper;
            }
            o.chunks = b.size() + 1;
        }
        progress.info("comparing " + plans.size() + " table" + (plans.size() == 1 ? "" : "s") + " in " + chunks.size()
                + " chunk" + (chunks.size() == 1 ? "" : "s") + " on both sides at once");

        // a differing chunk is narrowed while the scan goes on, on connections the scan is not using
        List<CompletableFuture<Void>> narrowing = new ArrayList<>();
        boolean narrow = rows || content;
        try (Progress.Bar bar = progress.bar("verify", totalRows, "rows")) {
            List<CompletableFuture<Agg>> src = new ArrayList<>();
            List<CompletableFuture<Agg>> tgt = new ArrayList<>();
            for (Chunk ch : chunks) {
                src.add(workers.on(true, "scanning " + ch.out.plan.display(), c -> aggregate(c, true, ch)));
                tgt.add(workers.on(false, "scanning " + ch.out.plan.display(), c -> aggregate(c, false, ch)));
            }
            for (int i = 0; i < chunks.size(); i++) {
                Chunk ch = chunks.get(i);
                Agg s = Workers.await(src.get(i));
                Agg t = Workers.await(tgt.get(i));
                ch.out.add(0, s);
                ch.out.add(1, t);
                if (!s.sameRowsAndHash(t)) {
                    ch.out.differingChunks++;
                    if (narrow && (ch.out.plan.hasPk() || content)) {
                        if (narrowing.isEmpty()) progress.info("a chunk of " + ch.out.plan.display() + " differs: narrowing down to rows");
                        narrowing.add(workers.onBoth("narrowing a differing chunk of " + ch.out.plan.display(), (sc, tc) -> {
                            if (ch.out.plan.hasPk()) narrowByKey(sc, tc, ch);
                            else narrowByHash(sc, tc, ch.out);
                            return null;
                        }));
                    }
                }
                bar.stepBy(Math.max(s.count, t.count));
            }
        }
        narrowing.forEach(Workers::await);
        if (!narrowing.isEmpty()) {
            for (Outcome o : outcomes) {
                if (content && !o.changedKeys.isEmpty()) {
                    Workers.await(workers.onBoth("comparing columns of changed rows of " + o.plan.display(),
                            (sc, tc) -> {
                                describeChanged(sc, tc, o);
                                return null;
                            }));
                }
            }
        }
        return outcomes;
    }

    private List<String[]> boundaries(Connection c, TablePlan p) throws SQLException {
        List<String[]> out = new ArrayList<>();
        try (Statement st = c.createStatement()) {
            st.setFetchSize(FETCH);
            try (ResultSet rs = st.executeQuery(p.boundariesSql(chunkRows))) {
                while (rs.next()) out.add(keyOf(rs, 1, p.pk.size()));
            }
        }
        return out;
    }

    private Agg aggregate(Connection c, boolean source, Chunk ch) throws SQLException {
        TablePlan p = ch.out.plan;
        String where = p.hasPk() ? p.rangeWhere(source, ch.lower != null, ch.upper != null) : "";
        String sql = p.chunkSql(source, content, vectors, where);
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bindRange(ps, ch);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                long count = rs.getLong(1);
                int col = 2;
                String hash = null;
                if (content) hash = rs.getString(col++);
                if (!vectors || p.vectorColumns.isEmpty()) return new Agg(count, hash, null, null, null, null);
                int v = p.vectorColumns.size();
                long[] nulls = new long[v];
                long[] off = new long[v];
                Integer[] min = new Integer[v];
                Integer[] max = new Integer[v];
                for (int i = 0; i < v; i++) {
                    nulls[i] = rs.getLong(col++);
                    off[i] = rs.getLong(col++);
                    min[i] = (Integer) rs.getObject(col++);
                    max[i] = (Integer) rs.getObject(col++);
                }
                return new Agg(count, hash, nulls, off, min, max);
            }
        }
    }

    private static void bindRange(PreparedStatement ps, Chunk ch) throws SQLException {
        int i = 1;
        if (ch.lower != null) for (String v : ch.lower) ps.setString(i++, v);
        if (ch.upper != null) for (String v : ch.upper) ps.setString(i++, v);
    }

    private PreparedStatement keyStream(Connection c, boolean source, Chunk ch) throws SQLException {
        TablePlan p = ch.out.plan;
        String sql = "SELECT " + p.keyTexts() + (content ? ", " + p.rowHashExpr(source) : "") + " FROM "
                + p.table(source).sql() + p.rangeWhere(source, ch.lower != null, ch.upper != null) + p.orderByKey();
        PreparedStatement ps = c.prepareStatement(sql);
        ps.setFetchSize(FETCH);
        bindRange(ps, ch);
        return ps;
    }

    /**
     * Merges both sides' (key, hash) streams of one chunk. Keys arrive in each side's key order; a key not yet
     * seen on the other side waits in a small map, so the merge is right even if the two sides order text
     * differently, and stays tiny when they agree.
     */
    private void narrowByKey(Connection sc, Connection tc, Chunk ch) throws SQLException {
        TablePlan p = ch.out.plan;
        int n = p.pk.size();
        int cols = n + (content ? 1 : 0);
        Map<String, Long> pendingSource = new LinkedHashMap<>();
        Map<String, Long> pendingTarget = new LinkedHashMap<>();
        long[] seq = {0};
        // both sides compute their row hashes at the same time
        try (PreparedStatement sps = keyStream(sc, true, ch); PreparedStatement tps = keyStream(tc, false, ch);
             Prefetch srs = new Prefetch(sps, cols, "narrow-source"); Prefetch trs = new Prefetch(tps, cols, "narrow-target")) {
            boolean sHas = srs.next();
            boolean tHas = trs.next();
            while (sHas || tHas) {
                String sKey = sHas ? joinKey(srs, n) : null;
                String tKey = tHas ? joinKey(trs, n) : null;
                long sHash = sHas && content ? Long.parseLong(srs.get(n + 1)) : 0;
                long tHash = tHas && content ? Long.parseLong(trs.get(n + 1)) : 0;
                if (sHas && tHas && sKey.equals(tKey)) {
                    if (sHash != tHash) changed(ch, sKey, seq);
                } else {
                    if (sHas) {
                        Long other = pendingTarget.remove(sKey);
                        if (other == null) pendingSource.put(sKey, sHash);
                        else if (other != sHash) changed(ch, sKey, seq);
                    }
                    if (tHas) {
                        Long other = pendingSource.remove(tKey);
                        if (other == null) pendingTarget.put(tKey, tHash);
                        else if (other != tHash) changed(ch, tKey, seq);
                    }
                }
                if (sHas) sHas = srs.next();
                if (tHas) tHas = trs.next();
            }
        }
        Outcome o = ch.out;
        for (String k : pendingSource.keySet()) {
            synchronized (o) {
                o.missing++;
            }
            o.example(ch.index, seq[0]++, new RowDiff("missing", p.renderKey(splitKey(k, n)), null), maxDiffs, null);
        }
        for (String k : pendingTarget.keySet()) {
            synchronized (o) {
                o.extra++;
            }
            o.example(ch.index, seq[0]++, new RowDiff("extra", p.renderKey(splitKey(k, n)), null), maxDiffs, null);
        }
    }

    private void changed(Chunk ch, String key, long[] seq) {
        Outcome o = ch.out;
        synchronized (o) {
            o.changed++;
        }
        String[] parts = splitKey(key, o.plan.pk.size());
        o.example(ch.index, seq[0]++, new RowDiff("changed", o.plan.renderKey(parts), null), maxDiffs, parts);
    }

    /** No primary key: merge both sides' row hashes in hash order; duplicates count as often as they occur. */
    private void narrowByHash(Connection sc, Connection tc, Outcome o) throws SQLException {
        TablePlan p = o.plan;
        long seq = 0;
        try (PreparedStatement ss = sc.prepareStatement(hashStreamSql(p, true));
             PreparedStatement ts = tc.prepareStatement(hashStreamSql(p, false))) {
            ss.setFetchSize(FETCH);
            ts.setFetchSize(FETCH);
            try (Prefetch srs = new Prefetch(ss, 3, "narrow-source"); Prefetch trs = new Prefetch(ts, 3, "narrow-target")) {
                boolean sHas = srs.next();
                boolean tHas = trs.next();
                while (sHas || tHas) {
                    int cmp = !sHas ? 1 : !tHas ? -1 : Long.compare(Long.parseLong(srs.get(1)), Long.parseLong(trs.get(1)));
                    if (cmp == 0) {
                        sHas = srs.next();
                        tHas = trs.next();
                    } else if (cmp < 0) {
                        synchronized (o) {
                            o.missing++;
                        }
                        o.example(0, seq++, new RowDiff("missing", "source row " + srs.get(2) + ": " + srs.get(3), null), maxDiffs, null);
                        sHas = srs.next();
                    } else {
                        synchronized (o) {
                            o.extra++;
                        }
                        o.example(0, seq++, new RowDiff("extra", "target row " + trs.get(2) + ": " + trs.get(3), null), maxDiffs, null);
                        tHas = trs.next();
                    }
                }
            }
        }
    }

    private static String hashStreamSql(TablePlan p, boolean source) {
        Catalog.Table t = p.table(source);
        List<String> preview = new ArrayList<>();
        for (String n : p.hashed) {
            Catalog.Column c = t.column(n);
            if (c.vectorKind() == null && preview.size() < 3) preview.add("left(" + Sql.ident(n) + "::text, 40)");
        }
        String previewExpr = preview.isEmpty() ? "''" : "concat_ws(', ', " + String.join(", ", preview) + ")";
        return "SELECT " + p.rowHashExpr(source) + " AS h, 'ctid ' || ctid::text"
                + (t.partitioned() ? " || ' in ' || tableoid::regclass::text" : "") + ", " + previewExpr
                + " FROM " + t.sql() + " ORDER BY 1";
    }

    /** For the listed changed rows, which columns differ (per-column hashes on both sides, by key). */
    private void describeChanged(Connection sc, Connection tc, Outcome o) throws SQLException {
        TablePlan p = o.plan;
        Map<String, String[]> keys;
        synchronized (o) {
            keys = new LinkedHashMap<>(o.changedKeys);
        }
        String sSql = "SELECT " + p.columnHashesExpr(true) + " FROM " + p.src.sql() + p.keyEquals(true);
        String tSql = "SELECT " + p.columnHashesExpr(false) + " FROM " + p.tgt.sql() + p.keyEquals(false);
        Map<String, RowDiff> byKey = new HashMap<>();
        for (RowDiff d : o.examples()) byKey.put(d.key(), d);
        try (PreparedStatement sp = sc.prepareStatement(sSql); PreparedStatement tp = tc.prepareStatement(tSql)) {
            for (Map.Entry<String, String[]> e : keys.entrySet()) {
                long[] sh = columnHashes(sp, e.getValue(), p.hashed.size());
                long[] th = columnHashes(tp, e.getValue(), p.hashed.size());
                if (sh == null || th == null) continue;
                List<String> cols = new ArrayList<>();
                for (int i = 0; i < sh.length; i++) if (sh[i] != th[i]) cols.add(p.hashed.get(i));
                RowDiff old = byKey.get(e.getKey());
                if (old != null) o.replaceExample(old, new RowDiff(old.kind(), old.key(), cols));
            }
        }
    }

    private static long[] columnHashes(PreparedStatement ps, String[] key, int n) throws SQLException {
        for (int i = 0; i < key.length; i++) ps.setString(i + 1, key[i]);
        try (ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) return null;
            long[] h = new long[n];
            for (int i = 0; i < n; i++) h[i] = rs.getLong(i + 1);
            return h;
        }
    }

    private static String[] keyOf(ResultSet rs, int from, int n) throws SQLException {
        String[] k = new String[n];
        for (int i = 0; i < n; i++) k[i] = rs.getString(from + i);
        return k;
    }

    // text values never contain NUL, so it separates key parts unambiguously
    private static String joinKey(Prefetch rs, int n) {
        if (n == 1) return rs.get(1);
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i <= n; i++) {
            if (i > 1) sb.append('\0');
            sb.append(rs.get(i));
        }
        return sb.toString();
    }

    private static String[] splitKey(String k, int n) {
        return n == 1 ? new String[]{k} : k.split("\0", -1);
    }
}
