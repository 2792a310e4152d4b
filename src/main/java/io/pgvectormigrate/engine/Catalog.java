package io.pgvectormigrate.engine;

import io.pgvectormigrate.pg.TableFilter;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Catalog reads the engine needs on either side. */
final class Catalog {
    private Catalog() {}

    /** Ordinary tables (including leaf partitions) the filter selects, in schema/name order. */
    static List<TableInfo> tables(Connection c, TableFilter filter) throws SQLException {
        record Row(long oid, String schema, String name, char ident, boolean pk, char persistence, boolean owned,
                   long bytes, long blocks, long rows) {}
        List<Row> rows = new ArrayList<>();
        String sql = """
                SELECT c.oid, n.nspname, c.relname, c.relreplident, c.relpersistence,
                       EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary) AS has_pk,
                       pg_has_role(current_user, c.relowner, 'USAGE') AS owned,
                       pg_table_size(c.oid) AS bytes,
                       pg_relation_size(c.oid) / current_setting('block_size')::bigint AS blocks,
                       c.reltuples::bigint AS est_rows
                FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE c.relkind = 'r' AND c.relpersistence <> 't'
                ORDER BY n.nspname, c.relname""";
        try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                String schema = rs.getString(2);
                String name = rs.getString(3);
                if (!filter.matches(schema, name)) continue;
                rows.add(new Row(rs.getLong(1), schema, name, rs.getString(4).charAt(0), rs.getBoolean(6),
                        rs.getString(5).charAt(0), rs.getBoolean(7), rs.getLong(8), rs.getLong(9), rs.getLong(10)));
            }
        }
        if (rows.isEmpty()) return List.of();
        Map<Long, List<TableInfo.Column>> columns = columns(c, rows.stream().map(Row::oid).toList());
        List<TableInfo> out = new ArrayList<>();
        for (Row r : rows) {
            out.add(new TableInfo(r.oid(), r.schema(), r.name(), r.ident(), r.pk(), r.persistence(), r.owned(),
                    r.bytes(), r.blocks(), r.rows(), columns.getOrDefault(r.oid(), List.of())));
        }
        return out;
    }

    static Map<Long, List<TableInfo.Column>> columns(Connection c, List<Long> oids) throws SQLException {
        String sql = """
                SELECT a.attrelid, a.attname, format_type(a.atttypid, a.atttypmod),
                       (a.atttypid < 16384 OR (t.typtype IN ('b', 'e') AND t.typelem = 0 AND t.typrelid = 0)) AS binary_safe
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

    /** The target's table of the same schema and name: its columns (name -> type), or empty when it is missing. */
    static Optional<Map<String, String>> targetColumns(Connection c, String schema, String name) throws SQLException {
        String sql = """
                SELECT a.attname, format_type(a.atttypid, a.atttypmod)
                FROM pg_class cl JOIN pg_namespace n ON n.oid = cl.relnamespace
                JOIN pg_attribute a ON a.attrelid = cl.oid AND a.attnum > 0 AND NOT a.attisdropped
                WHERE n.nspname = ? AND cl.relname = ? AND cl.relkind IN ('r', 'p')
                ORDER BY a.attnum""";
        Map<String, String> cols = new LinkedHashMap<>();
        boolean found = Pg.bool(c, "SELECT EXISTS (SELECT 1 FROM pg_class cl JOIN pg_namespace n ON n.oid = cl.relnamespace "
                + "WHERE n.nspname = ? AND cl.relname = ? AND cl.relkind IN ('r', 'p'))", schema, name);
        if (!found) return Optional.empty();
        try (PreparedStatement ps = Pg.prepare(c, sql, schema, name); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) cols.put(rs.getString(1), rs.getString(2));
        }
        return Optional.of(cols);
    }

    /** Whether a target table holds at least one row (cheap: stops at the first). */
    static boolean hasRows(Connection c, TableInfo t) throws SQLException {
        return Pg.bool(c, "SELECT EXISTS (SELECT 1 FROM " + t.quoted() + ")");
    }
}
