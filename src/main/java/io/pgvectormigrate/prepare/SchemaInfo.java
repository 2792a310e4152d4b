package io.pgvectormigrate.prepare;

import io.pgvectormigrate.pg.Catalog;
import io.pgvectormigrate.pg.Extensions;
import io.pgvectormigrate.pg.Queries;
import io.pgvectormigrate.pg.TableDefinitions;
import io.pgvectormigrate.pg.TableId;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Arrays;
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
    record ExtensionState(boolean available, ExtensionVersion defaultVersion, ExtensionVersion installedVersion,
                          List<ExtensionVersion> availableVersions) {
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
        return (int) Queries.number(c, "SELECT current_setting('server_version_num')::int") / 10000;
    }

    /** e.g. {@code 15.3}, without the packager's suffix ("15.20 (Debian 15.20-0+deb12u1)"). */
    static String serverVersion(Connection c) throws SQLException {
        String v = Queries.string(c, "SELECT current_setting('server_version')").orElseThrow().trim();
        int sp = v.indexOf(' ');
        return sp > 0 ? v.substring(0, sp) : v;
    }

    static ExtensionState extension(Connection c, String name) throws SQLException {
        boolean available = Queries.bool(c, "SELECT EXISTS (SELECT FROM pg_available_extensions WHERE name = ?)", name);
        ExtensionVersion def = ExtensionVersion.of(Queries.string(c,
                "SELECT default_version FROM pg_available_extensions WHERE name = ?", name).orElse(null));
        // versions never hold a comma (they name the extension's script files)
        List<ExtensionVersion> versions = Queries.string(c,
                        "SELECT string_agg(version, ',') FROM pg_available_extension_versions WHERE name = ?", name)
                .map(v -> Arrays.stream(v.split(",")).map(ExtensionVersion::of).sorted().toList()).orElse(List.of());
        return new ExtensionState(available, def,
                Extensions.installed(c, name).map(e -> ExtensionVersion.of(e.version())).orElse(null), versions);
    }

    static boolean hasUpdatePath(Connection c, String extension, ExtensionVersion from, ExtensionVersion to) throws SQLException {
        return Queries.bool(c, "SELECT path IS NOT NULL FROM pg_extension_update_paths(?) "
                + "WHERE source = ? AND target = ?", extension, from.text(), to.text());
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
}
