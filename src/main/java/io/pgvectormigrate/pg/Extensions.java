package io.pgvectormigrate.pg;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/** The extensions installed in a database, and where. What the server could install is prepare-target's question. */
public final class Extensions {
    private Extensions() {}

    /** An installed extension: its version and the schema holding its objects. */
    public record Installed(String name, String version, String schema) {}

    public static List<Installed> installed(Connection c) throws SQLException {
        return read(c, "");
    }

    public static Optional<Installed> installed(Connection c, String name) throws SQLException {
        return read(c, " WHERE e.extname = ?", name).stream().findFirst();
    }

    private static List<Installed> read(Connection c, String where, Object... args) throws SQLException {
        return Queries.list(c, "SELECT e.extname, e.extversion, n.nspname FROM pg_extension e "
                + "JOIN pg_namespace n ON n.oid = e.extnamespace" + where,
                rs -> new Installed(rs.getString(1), rs.getString(2), rs.getString(3)), args);
    }

    /**
     * Runs with pg_catalog plus every schema holding an extension on the search_path, so extension types print
     * unqualified: {@code vector(3)} reads the same on two databases wherever each installed pgvector.
     */
    public static void withTheirSchemasOnPath(Connection c, Catalog.SqlWork work) throws SQLException {
        String path = Queries.string(c, "SELECT string_agg(DISTINCT quote_ident(n.nspname), ', ') FROM pg_extension e "
                + "JOIN pg_namespace n ON n.oid = e.extnamespace WHERE n.nspname <> 'pg_catalog'").orElse(null);
        Catalog.withSearchPath(c, path == null ? "" : path, work);
    }
}
