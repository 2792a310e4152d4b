package io.pgvectormigrate.prepare;

import io.pgvectormigrate.pg.Catalog;
import io.pgvectormigrate.pg.Extensions;
import io.pgvectormigrate.pg.TableDefinitions;
import io.pgvectormigrate.pg.TableId;

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

/**
 * Read-only questions prepare-target asks of either side about the server, its extensions and a table's definition.
 * Which tables, sequences and indexes there are is {@link Catalog}'s answer; what a table is made of,
 * {@link TableDefinitions}'.
 */
final class SchemaInfo {
    private SchemaInfo() {}

    /** An extension as the server knows it: installable (a control file exists) and/or installed. */
    record ExtensionState(String name, boolean available, ExtensionVersion defaultVersion,
                          ExtensionVersion installedVersion, String installedSchema, List<ExtensionVersion> availableVersions) {
        boolean installed() {
            return installedVersion != null;
        }
    }

    /** A column as the comparison sees it; the type as format_type renders it (e.g. {@code vector(1024)}). */
    record Column(String name, String type, boolean notNull) {}

    /**
     * What "same definition" means here: the columns (by name), the primary key and, for a partitioned table, its
     * partitions ("name bound", with the parent when it is not the root).
     */
    record TableDef(TableId table, Map<String, Column> columns, List<String> primaryKey, List<String> partitions) {}

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
        Optional<Extensions.Installed> installed = Extensions.installed(c, name);
        List<ExtensionVersion> versions = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT version FROM pg_available_extension_versions WHERE name = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) versions.add(ExtensionVersion.of(rs.getString(1)));
            }
        }
        versions.sort(null);
        return new ExtensionState(name, available, def, installed.map(e -> ExtensionVersion.of(e.version())).orElse(null),
                installed.map(Extensions.Installed::schema).orElse(null), List.copyOf(versions));
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
     * The definition of a table, or empty when it does not exist. Types are rendered with the extensions' schemas on
     * the search_path, so {@code vector(3)} reads the same on both sides wherever each side installed pgvector.
     */
    static Optional<TableDef> definition(Connection c, TableId t) throws SQLException {
        Map<String, Column> columns = new LinkedHashMap<>();
        Extensions.withTheirSchemasOnPath(c, () -> {
            for (TableDefinitions.Column col : TableDefinitions.columns(c, t).orElse(List.of())) {
                columns.put(col.name(), new Column(col.name(), col.type(), col.notNull()));
            }
        });
        if (columns.isEmpty() && !Catalog.exists(c, t)) return Optional.empty();
        return Optional.of(new TableDef(t, columns, TableDefinitions.primaryKey(c, t), List.of()));
    }

    /** The definition of a table the catalog selected on this side, its partitions included. */
    static TableDef definition(Connection c, Catalog.Table t) throws SQLException {
        TableDef d = definition(c, t.id()).orElseThrow(() -> new SQLException("table " + t.id().display() + " vanished"));
        List<String> partitions = t.partitions().stream().map(p -> p.id().display() + " " + p.bound()
                + (p.parent().equals(t.id()) ? "" : " of " + p.parent().display())).toList();
        return new TableDef(d.table(), d.columns(), d.primaryKey(), partitions);
    }

    static String scalar(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }
}
