package io.pgvectormigrate.aws.dms;

import io.pgvectormigrate.pg.TableFilter;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/** The ordinary and partitioned tables of a database that a {@link TableFilter} selects, in name order. */
public final class SourceTables {
    private SourceTables() {}

    public record Table(String schema, String name) {
        public String qualified() {
            return quote(schema) + "." + quote(name);
        }

        @Override
        public String toString() {
            return schema + "." + name;
        }
    }

    public static List<Table> list(Connection c, TableFilter filter) throws SQLException {
        List<Table> out = new ArrayList<>();
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("""
                     SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                     WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
                     ORDER BY n.nspname, c.relname""")) {
            while (rs.next()) {
                String schema = rs.getString(1);
                String table = rs.getString(2);
                if (filter.matches(schema, table)) out.add(new Table(schema, table));
            }
        }
        return out;
    }

    public static String quote(String ident) {
        return "\"" + ident.replace("\"", "\"\"") + "\"";
    }
}
