package io.pgvectormigrate.target;

import io.pgvectormigrate.pg.TableFilter;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Read-only catalog questions prepare-target asks of either side. */
final class Catalog {
    private Catalog() {}

    /** An extension as the server knows it: installable (a control file exists) and/or installed. */
    record ExtensionState(String name, boolean available, ExtensionVersion defaultVersion,
                          ExtensionVersion installedVersion, String installedSchema, List<ExtensionVersion> availableVersions) {
        boolean installed() {
            return installedVersion != null;
        }
    }

    /** A column as the comparison sees it; the type as format_type renders it (e.g. {@code vector(1024)}). */
    record Column(String name, String type, boolean notNull) {}

    /** What "same definition" means here: the columns (by name) and the primary key. */
    record TableDef(TableRef table, Map<String, Column> columns, List<String> primaryKey) {}

    /**
     * An index of a table. {@code definition} is pg_get_indexdef with an empty search_path, so every name in it is
     * schema-qualified and it recreates the same index whatever the session's search_path.
     */
    record IndexInfo(TableRef table, String name, String accessMethod, String definition, boolean unique,
                     boolean backsConstraint, boolean replicaIdentity, boolean valid) {
        boolean isVector() {
            return accessMethod.equals("ivfflat") || accessMethod.equals("hnsw");
        }

        /** Secondary: nothing but speed depends on it during a load, so it can be dropped and rebuilt. */
        boolean deferrable() {
            return !unique && !backsConstraint && !replicaIdentity && valid;
        }
    }

    static int serverMajor(Connection c) throws SQLException {
        return Integer.parseInt(scalar(c, "SHOW server_version_num")) / 10000;
    }

    /** e.g. {@code 15.3}, without the packager's suffix ("15.20 (Debian 15.20-0+deb12u1)"). */
    static String serverVersion(Connection c) throws SQLException {
        String v = scalar(c, "SHOW server_version").trim();
        int sp = v.indexOf(' ');
        return sp > 0 ? v.substring(0, sp) : v;
    }

    static ExtensionState extension(Connection c, String name) throws SQLException {
        boolean available = false;
        ExtensionVersion def = null;
        try (PreparedStatement ps = c.prepareStatement("SELECT default_version FROM pg_available_extensions WHERE name = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    available = true;
                    def = ExtensionVersion.of(rs.getString(1));
                }
            }
        }
        ExtensionVersion installed = null;
        String schema = null;
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT e.extversion, n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    installed = ExtensionVersion.of(rs.getString(1));
                    schema = rs.getString(2);
                }
            }
        }
        List<ExtensionVersion> versions = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT version FROM pg_available_extension_versions WHERE name = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) versions.add(ExtensionVersion.of(rs.getString(1)));
            }
        }
        versions.sort(null);
        return new ExtensionState(name, available, def, installed, schema, List.copyOf(versions));
    }

    /** Whether the server knows a way to update an installed extension from one version to another. */
    static boolean hasUpdatePath(Connection c, String extension, ExtensionVersion from, ExtensionVersion to) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT path IS NOT NULL FROM pg_extension_update_paths(?) WHERE source = ? AND target = ?")) {
            ps.setString(1, extension);
            ps.setString(2, from.text());
            ps.setString(3, to.text());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    /**
     * The ordinary and partitioned tables the filter selects (partitions are reached through their parent).
     */
    static List<TableRef> tables(Connection c, TableFilter filter) throws SQLException {
        List<TableRef> out = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                        + "WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition "
                        + "AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%' "
                        + "ORDER BY 1, 2")) {
            while (rs.next()) {
                TableRef t = new TableRef(rs.getString(1), rs.getString(2));
                if (filter.matches(t.schema(), t.name())) out.add(t);
            }
        }
        return out;
    }

    static boolean isPartitioned(Connection c, TableRef t) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT c.relkind = 'p' OR c.relispartition FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                        + "WHERE n.nspname = ? AND c.relname = ?")) {
            ps.setString(1, t.schema());
            ps.setString(2, t.name());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    static boolean hasRows(Connection c, TableRef t) throws SQLException {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT EXISTS (SELECT 1 FROM " + t.sql() + ")")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    /**
     * The definition of a table, or empty when it does not exist. Types are rendered with the extensions' schemas on
     * the search_path, so {@code vector(3)} reads the same on both sides wherever each side installed pgvector.
     */
    static Optional<TableDef> definition(Connection c, TableRef t) throws SQLException {
        Map<String, Column> columns = new LinkedHashMap<>();
        withTypeSearchPath(c, () -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull "
                            + "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
                            + "WHERE n.nspname = ? AND c.relname = ? AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped "
                            + "ORDER BY a.attnum")) {
                ps.setString(1, t.schema());
                ps.setString(2, t.name());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        columns.put(rs.getString(1), new Column(rs.getString(1), rs.getString(2), rs.getBoolean(3)));
                    }
                }
            }
        });
        if (columns.isEmpty() && !exists(c, t)) return Optional.empty();
        List<String> pk = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT a.attname FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
                        + "CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) "
                        + "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum "
                        + "WHERE n.nspname = ? AND c.relname = ? AND i.indisprimary ORDER BY k.ord")) {
            ps.setString(1, t.schema());
            ps.setString(2, t.name());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) pk.add(rs.getString(1));
            }
        }
        return Optional.of(new TableDef(t, columns, List.copyOf(pk)));
    }

    static boolean exists(Connection c, TableRef t) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
            ps.setString(1, t.sql());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    static boolean schemaExists(Connection c, String schema) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = ?)")) {
            ps.setString(1, schema);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    /** The indexes of a table, with fully qualified definitions. */
    static List<IndexInfo> indexes(Connection c, TableRef t) throws SQLException {
        List<IndexInfo> out = new ArrayList<>();
        withEmptySearchPath(c, () -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT ic.relname, am.amname, pg_get_indexdef(i.indexrelid), i.indisunique, "
                            + "EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid), "
                            + "i.indisreplident, i.indisvalid "
                            + "FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam "
                            + "JOIN pg_class tc ON tc.oid = i.indrelid JOIN pg_namespace n ON n.oid = tc.relnamespace "
                            + "WHERE n.nspname = ? AND tc.relname = ? ORDER BY ic.relname")) {
                ps.setString(1, t.schema());
                ps.setString(2, t.name());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new IndexInfo(t, rs.getString(1), rs.getString(2), rs.getString(3), rs.getBoolean(4),
                                rs.getBoolean(5), rs.getBoolean(6), rs.getBoolean(7)));
                    }
                }
            }
        });
        return out;
    }

    /** An index by schema and name: its definition and validity, or empty when absent. */
    static Optional<IndexInfo> index(Connection c, String schema, String name) throws SQLException {
        Optional<TableRef> table = Optional.empty();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT tn.nspname, tc.relname FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid "
                        + "JOIN pg_namespace n ON n.oid = ic.relnamespace JOIN pg_class tc ON tc.oid = i.indrelid "
                        + "JOIN pg_namespace tn ON tn.oid = tc.relnamespace WHERE n.nspname = ? AND ic.relname = ?")) {
            ps.setString(1, schema);
            ps.setString(2, name);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) table = Optional.of(new TableRef(rs.getString(1), rs.getString(2)));
            }
        }
        if (table.isEmpty()) return Optional.empty();
        return indexes(c, table.get()).stream().filter(i -> i.name().equals(name)).findFirst();
    }

    static String scalar(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    interface SqlWork {
        void run() throws SQLException;
    }

    /** Runs with search_path = '' (pg_catalog only), restoring the session's path afterwards. */
    static void withEmptySearchPath(Connection c, SqlWork work) throws SQLException {
        withSearchPath(c, "", work);
    }

    /** Runs with pg_catalog plus every schema holding an extension, so extension types print unqualified. */
    private static void withTypeSearchPath(Connection c, SqlWork work) throws SQLException {
        String path = scalar(c, "SELECT string_agg(DISTINCT quote_ident(n.nspname), ', ') FROM pg_extension e "
                + "JOIN pg_namespace n ON n.oid = e.extnamespace WHERE n.nspname <> 'pg_catalog'");
        withSearchPath(c, path == null ? "" : path, work);
    }

    private static void withSearchPath(Connection c, String path, SqlWork work) throws SQLException {
        String saved = scalar(c, "SELECT current_setting('search_path')");
        try (PreparedStatement ps = c.prepareStatement("SELECT set_config('search_path', ?, false)")) {
            ps.setString(1, path);
            ps.execute();
        }
        try {
            work.run();
        } finally {
            try (PreparedStatement ps = c.prepareStatement("SELECT set_config('search_path', ?, false)")) {
                ps.setString(1, saved);
                ps.execute();
            }
        }
    }
}
