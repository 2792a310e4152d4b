package io.pgvectormigrate.verify;

import io.pgvectormigrate.pg.Queries;
import io.pgvectormigrate.pg.Sql;
import io.pgvectormigrate.report.Progress;
import io.pgvectormigrate.verify.VerifyReport.GroupDiff;
import io.pgvectormigrate.verify.VerifyReport.GroupResult;
import io.pgvectormigrate.verify.VerifyReport.RowDiff;
import io.pgvectormigrate.verify.VerifyReport.VectorStats;

import java.math.BigInteger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.function.BinaryOperator;

/**
 * Checks 2, 3 and 5 in one pass over every table present on both sides: each side's block ranges (ScanRanges) are
 * aggregated per key-hash bucket (one whole-table aggregate without a primary key), and only the buckets that differ
 * are narrowed to rows (docs/verification.md, "Buckets" and "Narrowing"). Nothing per row is kept beyond the bucket
 * being merged.
 */
record ContentCheck(Workers workers, ScanRanges ranges, boolean rows, boolean vectors, boolean content, int chunkRows,
                    int maxDiffs, Progress progress) {
    /** At most this many buckets per table, so each range's hash aggregate fits in the default work_mem (4 MB). */
    static final int MAX_BUCKETS = 8192;
    /** A NULL group value, which no text value can be (text never contains NUL). */
    static final String NULL_GROUP = "\0NULL";
    private static final long[] NO_ROWS = {0, 0};

    /** One side's aggregates of one table, summed over its ranges. */
    static final class Sums {
        final long[] counts;
        final BigInteger[] hashes;
        final long[] nulls;
        final long[] off;
        final Integer[] min;
        final Integer[] max;
        /** Per group column: rows and non-NULL vectors per group value (as text, NULL_GROUP for NULL). */
        final List<Map<String, long[]>> groups = new ArrayList<>();

        Sums(int buckets, boolean hash, int vectorColumns, int groupColumns) {
            counts = new long[buckets];
            hashes = hash ? new BigInteger[buckets] : null;
            nulls = new long[vectorColumns];
            off = new long[vectorColumns];
            min = new Integer[vectorColumns];
            max = new Integer[vectorColumns];
            for (int i = 0; i < groupColumns; i++) groups.add(new HashMap<>());
        }

        /** Adds one range's result rows (see TablePlan.aggregateSql); returns how many table rows they count. */
        synchronized long add(ResultSet rs, boolean hash, boolean vectors) throws SQLException {
            long n = 0;
            int g = 3 + (hash ? 1 : 0) + (vectors ? 4 * nulls.length : 0);
            while (rs.next()) {
                long count = rs.getLong(2);
                int set = groups.isEmpty() ? -1 : groupingSet(rs.getInt(g));
                if (set >= 0) {
                    String value = Objects.requireNonNullElse(rs.getString(g + 1 + set), NULL_GROUP);
                    long[] c = groups.get(set).computeIfAbsent(value, k -> new long[2]);
                    c[0] += count;
                    c[1] += rs.getLong(g + 1 + groups.size());
                    continue;
                }
                int b = rs.getInt(1);
                n += count;
                counts[b] += count;
                int col = 3;
                if (hash) {
                    String h = rs.getString(col++);
                    if (h != null) hashes[b] = hashes[b] == null ? new BigInteger(h) : hashes[b].add(new BigInteger(h));
                }
                if (!vectors) continue;
                for (int i = 0; i < nulls.length; i++) {
                    nulls[i] += rs.getLong(col++);
                    off[i] += rs.getLong(col++);
                    min[i] = either(min[i], (Integer) rs.getObject(col++), Math::min);
                    max[i] = either(max[i], (Integer) rs.getObject(col++), Math::max);
                }
            }
            return n;
        }

        /** The group column a result row counts, from its GROUPING bits (the last is the last column's); -1: a bucket. */
        private int groupingSet(int bits) {
            for (int i = 0; i < groups.size(); i++) if ((bits >> (groups.size() - 1 - i) & 1) == 0) return i;
            return -1;
        }

        synchronized boolean sameBucket(Sums o, int b) {
            return counts[b] == o.counts[b] && (hashes == null || Objects.equals(hashes[b], o.hashes[b]));
        }

        synchronized long rows() {
            long n = 0;
            for (long c : counts) n += c;
            return n;
        }
    }

    static final class Outcome {
        final TablePlan plan;
        final int buckets;
        /** Each side's sums (source, target), complete once the side's range scans are. */
        final Sums[] sides;
        long differingChunks;
        long missing;
        long extra;
        long changed;
        // the first max-diffs differences in (bucket, key) order: (bucket, sequence) -> diff
        private final TreeMap<long[], RowDiff> examples = new TreeMap<>((a, b) ->
                a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
        final Map<String, String[]> changedKeys = new LinkedHashMap<>();

        Outcome(TablePlan plan, int buckets, boolean hash) {
            this.plan = plan;
            this.buckets = buckets;
            int vs = plan.vectorColumns.size();
            int gs = plan.groupColumns.size();
            sides = new Sums[]{new Sums(buckets, hash, vs, gs), new Sums(buckets, hash, vs, gs)};
        }

        /** Counts a differing row by its kind, and keeps it among the first {@code limit} in (bucket, key) order. */
        synchronized void example(long bucket, long seq, RowDiff d, int limit, String[] changedKey) {
            switch (d.kind()) {
                case "missing" -> missing++;
                case "extra" -> extra++;
                default -> changed++;
            }
            if (limit == 0) return;
            long[] k = {bucket, seq};
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

        synchronized void nameColumns(String key, List<String> columns) {
            examples.replaceAll((k, v) -> v.key().equals(key) ? new RowDiff(v.kind(), key, columns) : v);
        }

        VectorStats stats(int side, int i) {
            Sums a = sides[side];
            return new VectorStats(a.rows() - a.nulls[i], a.nulls[i], a.off[i], a.min[i], a.max[i]);
        }

        /** Check 4 for group column {@code i}; for Bedrock Chat these are rows per bot: which bots lost vectors. */
        GroupResult groups(int i, int maxDiffs) {
            String vectorColumn = plan.vectorColumns.isEmpty() ? null : plan.vectorColumns.get(0);
            Map<String, long[]> source = sides[0].groups.get(i);
            Map<String, long[]> target = sides[1].groups.get(i);
            List<GroupDiff> examples = new ArrayList<>();
            long differing = 0;
            TreeSet<String> values = new TreeSet<>(source.keySet());
            values.addAll(target.keySet());
            for (String v : values) {
                long[] s = source.getOrDefault(v, NO_ROWS);
                long[] t = target.getOrDefault(v, NO_ROWS);
                if (Arrays.equals(s, t)) continue;
                differing++;
                if (examples.size() >= maxDiffs) continue;
                String shown = NULL_GROUP.equals(v) ? "NULL" : Sql.literal(v);
                boolean vectors = vectorColumn != null;
                examples.add(new GroupDiff(shown, s[0], t[0], vectors ? s[1] : null, vectors ? t[1] : null));
            }
            return new GroupResult(Sql.display(plan.groupColumns.get(i)), vectorColumn == null ? null
                    : Sql.display(vectorColumn), source.size(), target.size(), differing, examples);
        }
    }

    /** {@code f} of both, or the one that is not null. */
    private static Integer either(Integer a, Integer b, BinaryOperator<Integer> f) {
        return a == null ? b : b == null ? a : f.apply(a, b);
    }

    private record Scan(Outcome out, List<CompletableFuture<Long>> parts) {}

    List<Outcome> run(List<TablePlan> plans) {
        boolean narrow = rows || content;
        // about --chunk-rows rows per bucket, from the source's row estimate (counted when there is none)
        List<CompletableFuture<Long>> sizes = new ArrayList<>();
        for (TablePlan p : plans) {
            boolean counted = narrow && p.hasPk() && p.src.estimatedRows() <= 0;
            sizes.add(counted ? workers.on(true, "counting the rows of " + p.display(), c -> count(c, p.src))
                    : CompletableFuture.completedFuture(p.src.estimatedRows()));
        }
        List<Scan> scans = new ArrayList<>();
        long totalRows = 0;
        int rangeScans = 0;
        for (int i = 0; i < plans.size(); i++) {
            TablePlan p = plans.get(i);
            long estimate = Workers.await(sizes.get(i));
            totalRows += estimate;
            int buckets = narrow && p.hasPk() ? (int) Math.min(MAX_BUCKETS, estimate / chunkRows + 1) : 1;
            Outcome o = new Outcome(p, buckets, content);
            List<CompletableFuture<Long>> parts = new ArrayList<>();
            for (int side = 0; side < 2; side++) {
                boolean source = side == 0;
                Sums into = o.sides[side];
                for (String range : ranges.of(p, source)) {
                    String sql = p.aggregateSql(source, content, vectors, buckets, range);
                    parts.add(workers.on(source, "scanning " + p.display(), c -> aggregate(c, sql, into)));
                }
            }
            rangeScans += parts.size();
            scans.add(new Scan(o, parts));
        }
        progress.info("comparing " + plans.size() + " table" + (plans.size() == 1 ? "" : "s") + " on both sides at once ("
                + rangeScans + " range scan" + (rangeScans == 1 ? "" : "s") + "; " + workers.jobs(true) + " source and "
                + workers.jobs(false) + " target connections)");

        // the differing rows of a table are found while the next tables are scanned, on connections the scan frees
        List<CompletableFuture<Void>> narrowing = new ArrayList<>();
        try (Progress.Bar bar = progress.bar("verify", 2 * totalRows, "rows (both sides)")) {
            for (Scan sc : scans) {
                for (CompletableFuture<Long> part : sc.parts) bar.stepBy(Workers.await(part));
                Outcome o = sc.out;
                List<Integer> differing = new ArrayList<>();
                for (int b = 0; b < o.buckets; b++) if (!o.sides[0].sameBucket(o.sides[1], b)) differing.add(b);
                o.differingChunks = differing.size();
                if (!differing.isEmpty() && narrow && (o.plan.hasPk() || content)) {
                    if (narrowing.isEmpty()) progress.info("rows of " + o.plan.display() + " differ: naming them");
                    Integer[] which = differing.toArray(new Integer[0]);
                    narrowing.add(workers.onBoth("narrowing the differing rows of " + o.plan.display(), (s, t) -> {
                        if (o.plan.hasPk()) narrowByKey(s, t, o, which);
                        else narrowByHash(s, t, o);
                        return null;
                    }));
                }
            }
        }
        narrowing.forEach(Workers::await);
        List<Outcome> outcomes = scans.stream().map(Scan::out).toList();
        for (Outcome o : outcomes) {
            if (content && !o.changedKeys.isEmpty()) {
                Workers.await(workers.onBoth("comparing columns of changed rows of " + o.plan.display(), (sc, tc) -> {
                    describeChanged(sc, tc, o);
                    return null;
                }));
            }
        }
        return outcomes;
    }

    static long count(Connection c, SideSchema.Table t) throws SQLException {
        return Queries.number(c, "SELECT count(*) FROM " + t.sql());
    }

    private long aggregate(Connection c, String sql, Sums into) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return into.add(rs, content, vectors);
        }
    }

    /**
     * Merges both sides' (bucket, key, hash) streams of the differing buckets. Buckets arrive in the same order on
     * both sides; within a bucket keys arrive in each side's key order, and a key not yet seen on the other side
     * waits in a small map, so the merge is right even if the two sides order text differently, and stays tiny when
     * they agree. What is left in the maps when both sides leave a bucket is missing or extra.
     */
    private void narrowByKey(Connection sc, Connection tc, Outcome o, Integer[] which) throws SQLException {
        TablePlan p = o.plan;
        int n = p.pk.size();
        int cols = 1 + n + (content ? 1 : 0);
        // both sides compute their row hashes at the same time
        try (Prefetch srs = new Prefetch(sc, p.narrowSql(true, content, o.buckets), cols, "narrow-source",
                sc.createArrayOf("int4", which));
             Prefetch trs = new Prefetch(tc, p.narrowSql(false, content, o.buckets), cols, "narrow-target",
                     tc.createArrayOf("int4", which))) {
            boolean sHas = srs.next();
            boolean tHas = trs.next();
            while (sHas || tHas) {
                int bucket = Math.min(sHas ? bucketOf(srs) : Integer.MAX_VALUE, tHas ? bucketOf(trs) : Integer.MAX_VALUE);
                Map<String, Long> pendingSource = new LinkedHashMap<>();
                Map<String, Long> pendingTarget = new LinkedHashMap<>();
                long[] seq = {0};
                boolean sIn = sHas && bucketOf(srs) == bucket;
                boolean tIn = tHas && bucketOf(trs) == bucket;
                while (sIn || tIn) {
                    String sKey = sIn ? joinKey(srs, n) : null;
                    String tKey = tIn ? joinKey(trs, n) : null;
                    long sHash = sIn && content ? Long.parseLong(srs.get(n + 2)) : 0;
                    long tHash = tIn && content ? Long.parseLong(trs.get(n + 2)) : 0;
                    if (sIn && tIn && sKey.equals(tKey)) {
                        if (sHash != tHash) changed(o, bucket, sKey, seq);
                    } else {
                        if (sIn) pair(sKey, sHash, pendingTarget, pendingSource, o, bucket, seq);
                        if (tIn) pair(tKey, tHash, pendingSource, pendingTarget, o, bucket, seq);
                    }
                    if (sIn) {
                        sHas = srs.next();
                        sIn = sHas && bucketOf(srs) == bucket;
                    }
                    if (tIn) {
                        tHas = trs.next();
                        tIn = tHas && bucketOf(trs) == bucket;
                    }
                }
                for (String k : pendingSource.keySet()) {
                    o.example(bucket, seq[0]++, new RowDiff("missing", p.renderKey(splitKey(k, n)), null), maxDiffs, null);
                }
                for (String k : pendingTarget.keySet()) {
                    o.example(bucket, seq[0]++, new RowDiff("extra", p.renderKey(splitKey(k, n)), null), maxDiffs, null);
                }
            }
        }
    }

    private void pair(String key, long hash, Map<String, Long> otherWaiting, Map<String, Long> waiting, Outcome o,
                      int bucket, long[] seq) {
        Long other = otherWaiting.remove(key);
        if (other == null) waiting.put(key, hash);
        else if (other != hash) changed(o, bucket, key, seq);
    }

    private static int bucketOf(Prefetch rs) {
        return Integer.parseInt(rs.get(1));
    }

    private void changed(Outcome o, int bucket, String key, long[] seq) {
        String[] parts = splitKey(key, o.plan.pk.size());
        o.example(bucket, seq[0]++, new RowDiff("changed", o.plan.renderKey(parts), null), maxDiffs, parts);
    }

    /** No primary key: merge both sides' row hashes in hash order; duplicates count as often as they occur. */
    private void narrowByHash(Connection sc, Connection tc, Outcome o) throws SQLException {
        TablePlan p = o.plan;
        long seq = 0;
        try (Prefetch srs = new Prefetch(sc, hashStreamSql(p, true), 3, "narrow-source");
             Prefetch trs = new Prefetch(tc, hashStreamSql(p, false), 3, "narrow-target")) {
            boolean sHas = srs.next();
            boolean tHas = trs.next();
            while (sHas || tHas) {
                int cmp = !sHas ? 1 : !tHas ? -1 : Long.compare(Long.parseLong(srs.get(1)), Long.parseLong(trs.get(1)));
                if (cmp == 0) {
                    sHas = srs.next();
                    tHas = trs.next();
                } else if (cmp < 0) {
                    o.example(0, seq++, new RowDiff("missing", "source row " + srs.get(2) + ": " + srs.get(3), null), maxDiffs, null);
                    sHas = srs.next();
                } else {
                    o.example(0, seq++, new RowDiff("extra", "target row " + trs.get(2) + ": " + trs.get(3), null), maxDiffs, null);
                    tHas = trs.next();
                }
            }
        }
    }

    private static String hashStreamSql(TablePlan p, boolean source) {
        SideSchema.Table t = p.table(source);
        List<String> preview = new ArrayList<>();
        for (String n : p.hashed) {
            SideSchema.Column c = t.column(n);
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
        try (PreparedStatement sp = sc.prepareStatement(p.columnHashesSql(true));
             PreparedStatement tp = tc.prepareStatement(p.columnHashesSql(false))) {
            // narrowing, the only writer of changedKeys, is done
            for (Map.Entry<String, String[]> e : o.changedKeys.entrySet()) {
                long[] sh = columnHashes(sp, e.getValue(), p.hashed.size());
                long[] th = columnHashes(tp, e.getValue(), p.hashed.size());
                if (sh == null || th == null) continue;
                List<String> cols = new ArrayList<>();
                for (int i = 0; i < sh.length; i++) if (sh[i] != th[i]) cols.add(p.hashed.get(i));
                o.nameColumns(e.getKey(), cols);
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

    // text values never contain NUL, so it separates key parts unambiguously
    private static String joinKey(Prefetch rs, int n) {
        if (n == 1) return rs.get(2);
        StringBuilder sb = new StringBuilder();
        for (int i = 2; i <= n + 1; i++) {
            if (i > 2) sb.append('\0');
            sb.append(rs.get(i));
        }
        return sb.toString();
    }

    private static String[] splitKey(String k, int n) {
        return n == 1 ? new String[]{k} : k.split("\0", -1);
    }
}
