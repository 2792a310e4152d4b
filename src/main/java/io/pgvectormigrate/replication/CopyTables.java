package io.pgvectormigrate.replication;

import io.pgvectormigrate.pg.Catalog;
import io.pgvectormigrate.pg.TableId;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What copying needs to know about the tables the {@linkplain Catalog catalog} selected: sizes, ownership and the
 * columns COPY moves, on the source; the columns each one has on the target. Which tables these are is the
 * catalog's decision (the engine copies the selection's leaves), never this class's.
 */
final class CopyTables {
    private CopyTables() {}

    /** The selection's leaves with their copy metadata, in schema/name order. */
    static List<TableInfo> of(Connection c, Catalog.Selection selection) throws SQLException {
        List<Catalog.Relation> leaves = new ArrayList<>(selection.leaves());
        leaves.sort((a, b) -> a.id().compareTo(b.id()));
        if (leaves.isEmpty()) return List.of();
        List<Long> oids = leaves.stream().map(Catalog.Relation::oid).toList();
        record Size(boolean owned, long bytes, long blocks, long rows) {}
        Map<Long, Size> sizes = new LinkedHashMap<>();
        String sql = """
                SELECT c.oid, pg_has_role(current_user, c.relowner, 'USAGE'), pg_table_size(c.oid),
                       pg_relation_size(c.oid) / current_setting('block_size')::bigint, c.reltuples::bigint
                FROM pg_class c WHERE c.oid = ANY (?)""";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setArray(1, c.createArrayOf("oid", oids.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    sizes.put(rs.getLong(1), new Size(rs.getBoolean(2), rs.getLong(3), rs.getLong(4), rs.getLong(5)));
                }
            }
        }
        Map<Long, List<TableInfo.Column>> columns = columns(c, oids);
        List<TableInfo> out = new ArrayList<>();
        for (Catalog.Relation r : leaves) {
            Size s = sizes.get(r.oid());
            if (s == null) continue; // dropped since the catalog read it
            out.add(new TableInfo(r, s.owned(), s.bytes(), s.blocks(), s.rows(), columns.getOrDefault(r.oid(), List.of())));
        }
        return out;
    }

    static Map<Long, List<TableInfo.Column>> columns(Connection c, List<Long> oids) throws SQLException {
        String sql = """
                SELECT a.attrelid, a.attname, format_type(a.atttypid, a.atttypmod),
                       (a.atttypid < 16384 OR (t.typtype IN ('b', 'e') AND t.typelem = 0 AND t.typrelid = 0))
                         AND t.typsend <> 0 AND t.typreceive <> 0 AS binary_safe
                FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
                WHERE a.attrelid = ANY (?) AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
                ORDER BY a.attrelid, a.attnum""";
        Map<Long, List<TableInfo.Column>> out = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setArray(1, c.createArrayOf("oid", oids.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.computeIfAbsent(rs.getLong(1), k -> new ArrayList<>())
                            .add(new TableInfo.Column(rs.getString(2), rs.getString(3), rs.getBoolean(4)));
                }
            }
        }
        return out;
    }
}
