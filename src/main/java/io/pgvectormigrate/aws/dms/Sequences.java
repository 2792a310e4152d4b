package io.pgvectormigrate.aws.dms;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Carries the values of the sequences owned by the copied tables (serial and identity columns) from source
 * to target: logical replication (DMS's CDC) does not, and setting them again after a full load is harmless.
 */
final class Sequences {
    private Sequences() {}

    record Owned(String schema, String name, String tableSchema, String table) {}

    static List<Owned> owned(Connection c) throws SQLException {
        List<Owned> out = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("""
                SELECT sn.nspname, s.relname, tn.nspname, t.relname
                FROM pg_class s
                JOIN pg_namespace sn ON sn.oid = s.relnamespace
                JOIN pg_depend d ON d.objid = s.oid AND d.classid = 'pg_class'::regclass
                                 AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
                JOIN pg_class t ON t.oid = d.refobjid
                JOIN pg_namespace tn ON tn.oid = t.relnamespace
                WHERE s.relkind = 'S'
                ORDER BY 1, 2""")) {
            while (rs.next()) out.add(new Owned(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4)));
        }
        return out;
    }

    /** Returns how many sequences were set. */
    static int carry(Connection source, Connection target, List<SourceTables.Table> tables) throws SQLException {
        Set<SourceTables.Table> selected = Set.copyOf(tables);
        int n = 0;
        for (Owned o : owned(source)) {
            if (!selected.contains(new SourceTables.Table(o.tableSchema(), o.table()))) continue;
            String qualified = SourceTables.quote(o.schema()) + "." + SourceTables.quote(o.name());
            long last;
            boolean called;
            try (Statement st = source.createStatement();
                 ResultSet rs = st.executeQuery("SELECT last_value, is_called FROM " + qualified)) {
                rs.next();
                last = rs.getLong(1);
                called = rs.getBoolean(2);
            }
            try (PreparedStatement ps = target.prepareStatement("SELECT setval(?::regclass, ?, ?)")) {
                ps.setString(1, qualified);
                ps.setLong(2, last);
                ps.setBoolean(3, called);
                ps.execute();
            }
            n++;
        }
        return n;
    }
}
