package io.pgvectormigrate.engine;

import io.pgvectormigrate.core.ToolException;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Carries sequence values, which logical replication does not: every sequence owned by a selected table
 * (serial, identity) or used in one of its column defaults ({@code nextval('...')}). Values only move forward
 * on the target, so a re-run, or a target that already handed out higher values, never goes backwards.
 */
final class Sequences {
    private Sequences() {}

    /** One sequence's position: the next value it hands out is {@code lastValue + increment} when {@code called}. */
    record Value(String schema, String name, long lastValue, boolean called, long increment) {
        String display() {
            return schema + "." + name;
        }

        /** The value nextval() returns next. */
        long next() {
            return called ? lastValue + increment : lastValue;
        }
    }

    /** What happened to one sequence. */
    record Copied(String sequence, long sourceNext, long targetNextBefore, boolean changed) {}

    static List<Value> ofTables(Connection src, List<TableInfo> tables) throws SQLException {
        if (tables.isEmpty()) return List.of();
        String sql = """
                WITH t AS (SELECT unnest(?::oid[]) AS oid),
                seqs AS (
                  SELECT d.objid AS seq FROM pg_depend d JOIN t ON t.oid = d.refobjid
                  WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
                  UNION
                  SELECT d.refobjid FROM pg_attrdef ad JOIN t ON t.oid = ad.adrelid
                  JOIN pg_depend d ON d.classid = 'pg_attrdef'::regclass AND d.objid = ad.oid AND d.refclassid = 'pg_class'::regclass
                )
                SELECT n.nspname, c.relname, s.seqincrement
                FROM seqs JOIN pg_class c ON c.oid = seqs.seq AND c.relkind = 'S'
                JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_sequence s ON s.seqrelid = c.oid
                ORDER BY 1, 2""";
        List<Value> out = new ArrayList<>();
        List<String[]> names = new ArrayList<>();
        List<Long> increments = new ArrayList<>();
        try (PreparedStatement ps = src.prepareStatement(sql)) {
            ps.setArray(1, src.createArrayOf("oid", tables.stream().map(TableInfo::oid).toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    names.add(new String[]{rs.getString(1), rs.getString(2)});
                    increments.add(rs.getLong(3));
                }
            }
        }
        for (int i = 0; i < names.size(); i++) {
            String[] n = names.get(i);
            try (PreparedStatement ps = src.prepareStatement("SELECT last_value, is_called FROM " + Pg.qualified(n[0], n[1]));
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                out.add(new Value(n[0], n[1], rs.getLong(1), rs.getBoolean(2), increments.get(i)));
            }
        }
        return out;
    }

    /** Sequences (schema.name) missing on the target. */
    static List<String> missingOnTarget(Connection tgt, List<Value> values) throws SQLException {
        List<String> missing = new ArrayList<>();
        for (Value v : values) {
            boolean exists = Pg.bool(tgt, "SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    + "WHERE n.nspname = ? AND c.relname = ? AND c.relkind = 'S')", v.schema(), v.name());
            if (!exists) missing.add(v.display());
        }
        return missing;
    }

    static List<Copied> copy(Connection src, Connection tgt, List<TableInfo> tables) throws SQLException {
        List<Value> values = ofTables(src, tables);
        List<String> missing = missingOnTarget(tgt, values);
        if (!missing.isEmpty()) {
            throw ToolException.usage("sequence" + (missing.size() > 1 ? "s " : " ") + String.join(", ", missing)
                    + " missing on the target: create the schema with prepare-target (or pg_dump --schema-only) first");
        }
        List<Copied> out = new ArrayList<>();
        for (Value v : values) {
            String q = Pg.qualified(v.schema(), v.name());
            Value t;
            try (PreparedStatement ps = tgt.prepareStatement("SELECT last_value, is_called FROM " + q);
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                t = new Value(v.schema(), v.name(), rs.getLong(1), rs.getBoolean(2), v.increment());
            }
            boolean behind = v.increment() > 0 ? t.next() < v.next() : t.next() > v.next();
            if (behind) {
                try (PreparedStatement ps = tgt.prepareStatement("SELECT setval(?::regclass, ?, ?)")) {
                    ps.setString(1, q);
                    ps.setLong(2, v.lastValue());
                    ps.setBoolean(3, v.called());
                    ps.execute();
                }
            }
            out.add(new Copied(v.display(), v.next(), t.next(), behind));
        }
        return out;
    }
}
