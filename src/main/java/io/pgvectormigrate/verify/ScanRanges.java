package io.pgvectormigrate.verify;

import io.pgvectormigrate.pg.Queries;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * How each side's scans of a table are cut up: block ranges of the heap read in physical order by the side's workers
 * at once (docs/verification.md, "One sequential pass per side"). The last range is open-ended, so rows in blocks
 * added after the size was read are not lost (rows the snapshot cannot see are skipped anyway). A partitioned table
 * is cut by the block numbers of its largest partition: the same predicate applies to every partition.
 */
record ScanRanges(Map<Long, List<String>> source, Map<Long, List<String>> target) {
    /** TID range scans (ctid >= ... AND ctid < ...) arrived in PostgreSQL 14. */
    static final int TID_RANGE_VERSION = 140000;
    /** Ranges per worker connection: enough that a worker finishing early finds another range to read. */
    private static final int RANGES_PER_JOB = 4;
    /** A table smaller than this many blocks per range (8 MB) is not cut further. */
    private static final long MIN_BLOCKS_PER_RANGE = 1024;
    private static final List<String> WHOLE_TABLE = List.of("");

    /** Reads the heap size of every planned table on both sides at once (one catalog query per side). */
    static ScanRanges read(Workers w, List<TablePlan> plans) {
        CompletableFuture<Map<Long, List<String>>> s = w.on(true, "reading table sizes",
                c -> ranges(c, w.source.identity.versionNum(), plans.stream().map(p -> p.src.oid()).toList(), w.jobs(true)));
        CompletableFuture<Map<Long, List<String>>> t = w.on(false, "reading table sizes",
                c -> ranges(c, w.target.identity.versionNum(), plans.stream().map(p -> p.tgt.oid()).toList(), w.jobs(false)));
        return new ScanRanges(Workers.await(s), Workers.await(t));
    }

    /** The predicates (without WHERE; an empty string means the whole table), one query's range each. */
    List<String> of(TablePlan p, boolean sourceSide) {
        return (sourceSide ? source : target).getOrDefault(p.table(sourceSide).oid(), WHOLE_TABLE);
    }

    private static Map<Long, List<String>> ranges(Connection c, int versionNum, List<Long> oids, int jobs) throws SQLException {
        Map<Long, List<String>> out = new HashMap<>();
        if (versionNum < TID_RANGE_VERSION || oids.isEmpty()) return out;
        // pg_relation_size needs no privilege; pg_partition_tree lists nothing for a table that is not partitioned
        String sql = "SELECT t.id, coalesce((SELECT max(pg_relation_size(p.relid)) FROM pg_partition_tree(t.id::oid::regclass) p "
                + "WHERE p.isleaf), pg_relation_size(t.id::oid::regclass)) / current_setting('block_size')::bigint "
                + "FROM unnest(?::bigint[]) AS t(id)";
        try (PreparedStatement ps = Queries.prepare(c, sql, c.createArrayOf("int8", oids.toArray()));
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) out.put(rs.getLong(1), predicates(rs.getLong(2), Math.max(1, jobs) * RANGES_PER_JOB));
        }
        return out;
    }

    /** Cuts blocks [0, blocks) into at most {@code parts} ranges of at least MIN_BLOCKS_PER_RANGE; the last is open. */
    static List<String> predicates(long blocks, int parts) {
        int n = (int) Math.max(1, Math.min(parts, blocks / MIN_BLOCKS_PER_RANGE));
        if (n == 1) return WHOLE_TABLE;
        List<String> out = new ArrayList<>(n);
        long step = (blocks + n - 1) / n;
        for (int i = 0; i < n; i++) {
            String from = i == 0 ? null : "ctid >= '(" + i * step + ",0)'::tid";
            String to = i == n - 1 ? null : "ctid < '(" + (i + 1) * step + ",0)'::tid";
            out.add(from == null ? to : to == null ? from : from + " AND " + to);
        }
        return out;
    }
}
