package io.pgvectormigrate.pg;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * What the tables {@link Catalog} selected are made of: columns, primary keys, constraints, indexes as a comparison
 * sees them, storage and row estimates. verify compares these between the sides, prepare-target compares a table's
 * definition before reusing it, the native engine copies the columns. Types and index definitions are rendered as
 * the session's search_path shows them; a caller that needs another rendering sets the path around the read
 * ({@link Catalog#withSearchPath}, {@link Extensions#withTheirSchemasOnPath}).
 */
public final class TableDefinitions {
    private TableDefinitions() {}

    /**
     * A column (no dropped ones), in attribute order.
     *
     * @param type         as format_type renders it, e.g. {@code vector(1024)}
     * @param typeKind     pg_type.typtype: b base, c composite, d domain, e enum, r range, m multirange, p pseudo
     * @param elementType  the element type of an array type, 0 otherwise
     * @param baseType     the type a domain is over, 0 otherwise
     * @param sendFunction the type's binary send function, schema-qualified and quoted; null when it has none
     * @param defaultExpr  the default expression, null when none
     * @param identity     pg_attribute.attidentity: "" none, a always, d by default
     * @param generated    pg_attribute.attgenerated: "" none, s stored
     * @param collation    the column's collation when it differs from its type's default, null otherwise
     * @param collatable   whether the column has a collation at all
     * @param binarySafe   its binary form carries no cluster-specific type OIDs: built-in types, and base or enum types
     *                     of extensions (vector, halfvec) that are not arrays or composites
     */
    public record Column(String name, int number, String type, long typeOid, int typmod, String typeName,
                         String typeSchema, String typeKind, long elementType, long baseType, String sendFunction,
                         boolean notNull, String defaultExpr, String identity, String generated, String collation,
                         boolean collatable, boolean binarySafe) {
        public boolean isGenerated() {
            return !generated.isEmpty();
        }
    }

    /** The columns of these tables (by oid), in attribute order; a table without columns is absent. */
    public static Map<Long, List<Column>> columns(Connection c, Collection<Long> tables) throws SQLException {
        return readColumns(c, "a.attrelid = ANY (?)", oidArray(c, tables));
    }

    /** A table's columns in attribute order, or empty when no such table (plain or partitioned) exists. */
    public static Optional<List<Column>> columns(Connection c, TableId table) throws SQLException {
        Optional<Long> oid = oid(c, table);
        if (oid.isEmpty()) return Optional.empty();
        return Optional.of(readColumns(c, "a.attrelid = ?", oid.get()).getOrDefault(oid.get(), List.of()));
    }

    private static Map<Long, List<Column>> readColumns(Connection c, String where, Object arg) throws SQLException {
        String sql = "SELECT a.attrelid, a.attname, a.attnum, format_type(a.atttypid, a.atttypmod), a.atttypid, "
                + "a.atttypmod, t.typname, tn.nspname, t.typtype, t.typelem, t.typbasetype, "
                + "CASE WHEN t.typsend = 0 THEN NULL ELSE quote_ident(pn.nspname) || '.' || quote_ident(p.proname) END, "
                + "a.attnotnull, pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated, "
                + "CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation THEN co.collname END, "
                + "a.attcollation <> 0, "
                + "(a.atttypid < 16384 OR (t.typtype IN ('b', 'e') AND t.typelem = 0 AND t.typrelid = 0)) "
                + "  AND t.typsend <> 0 AND t.typreceive <> 0 "
                + "FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
                + "JOIN pg_namespace tn ON tn.oid = t.typnamespace "
                + "LEFT JOIN pg_proc p ON p.oid = t.typsend LEFT JOIN pg_namespace pn ON pn.oid = p.pronamespace "
                + "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
                + "LEFT JOIN pg_collation co ON co.oid = a.attcollation "
                + "WHERE " + where + " AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attrelid, a.attnum";
        return Queries.byOid(c, sql, rs -> new Column(rs.getString(2), rs.getInt(3), rs.getString(4), rs.getLong(5),
                rs.getInt(6), rs.getString(7), rs.getString(8), rs.getString(9), rs.getLong(10), rs.getLong(11),
                rs.getString(12), rs.getBoolean(13), rs.getString(14), rs.getString(15), rs.getString(16),
                rs.getString(17), rs.getBoolean(18), rs.getBoolean(19)), arg);
    }

    /** The primary-key columns of these tables (by oid), in key order; a table without one is absent. */
    public static Map<Long, List<String>> primaryKeys(Connection c, Collection<Long> tables) throws SQLException {
        return readPrimaryKeys(c, "con.conrelid = ANY (?)", oidArray(c, tables));
    }

    /** A table's primary-key columns in key order (empty without one, or without the table). */
    public static List<String> primaryKey(Connection c, TableId table) throws SQLException {
        Optional<Long> oid = oid(c, table);
        if (oid.isEmpty()) return List.of();
        return readPrimaryKeys(c, "con.conrelid = ?", oid.get()).getOrDefault(oid.get(), List.of());
    }

    private static Map<Long, List<String>> readPrimaryKeys(Connection c, String where, Object arg) throws SQLException {
        String sql = "SELECT con.conrelid, a.attname FROM pg_constraint con "
                + "CROSS JOIN LATERAL unnest(con.conkey) WITH ORDINALITY k(attnum, ord) "
                + "JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum "
                + "WHERE con.contype = 'p' AND " + where + " ORDER BY con.conrelid, k.ord";
        return Queries.byOid(c, sql, rs -> rs.getString(2), arg);
    }

    /** The constraints of these tables (by oid) other than the primary key: name to definition, by name. */
    public static Map<Long, Map<String, String>> constraints(Connection c, Collection<Long> tables) throws SQLException {
        String sql = "SELECT conrelid, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                + "WHERE conrelid = ANY (?) AND contype <> 'p' ORDER BY conrelid, conname";
        Map<Long, Map<String, String>> out = new LinkedHashMap<>();
        try (PreparedStatement ps = Queries.prepare(c, sql, oidArray(c, tables)); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) out.computeIfAbsent(rs.getLong(1), k -> new LinkedHashMap<>()).put(rs.getString(2), rs.getString(3));
        }
        return out;
    }

    /**
     * An index as a comparison between two databases sees it. {@code key} is what identifies it, its name aside:
     * the definition from USING on (method, columns, operator classes, INCLUDE, WITH, WHERE), prefixed
     * {@code UNIQUE } for a unique index. To recreate an index, use {@link Catalog.Index} instead.
     *
     * @param operatorClasses comma-separated, in column order
     * @param options         the storage parameters ({@code lists=100}), comma-separated; null when none
     * @param columns         the indexed columns in order (null for an expression)
     */
    public record IndexShape(String name, String key, String method, String operatorClasses, String options,
                             boolean valid, boolean unique, boolean primary, List<String> columns) {}

    /** The indexes of these tables (by oid), by name. */
    public static Map<Long, List<IndexShape>> indexShapes(Connection c, Collection<Long> tables) throws SQLException {
        String sql = "SELECT i.indrelid, ic.relname, regexp_replace(pg_get_indexdef(i.indexrelid), '^.*? USING ', 'USING '), "
                + "am.amname, (SELECT string_agg(opc.opcname, ',' ORDER BY k.ord) FROM unnest(i.indclass::oid[]) "
                + "  WITH ORDINALITY k(oid, ord) JOIN pg_opclass opc ON opc.oid = k.oid), "
                + "array_to_string(ic.reloptions, ','), i.indisvalid, i.indisunique, i.indisprimary, "
                + "array(SELECT a.attname FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(n, ord) "
                + "  LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n ORDER BY k.ord) "
                + "FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam "
                + "WHERE i.indrelid = ANY (?) ORDER BY i.indrelid, ic.relname";
        return Queries.byOid(c, sql, rs -> new IndexShape(rs.getString(2), (rs.getBoolean(8) ? "UNIQUE " : "")
                + rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6), rs.getBoolean(7), rs.getBoolean(8),
                rs.getBoolean(9), Arrays.asList((String[]) rs.getArray(10).getArray())), oidArray(c, tables));
    }

    /**
     * Where a relation's rows are and how many.
     *
     * @param owned         whether the current user may act as its owner (owner, member of the owning role, superuser)
     * @param bytes         heap plus TOAST
     * @param heapBlocks    heap blocks
     * @param estimatedRows reltuples, -1 when never analyzed
     */
    public record Storage(boolean owned, long bytes, long heapBlocks, long estimatedRows) {}

    /** The storage of these relations (by oid); one dropped meanwhile is absent. */
    public static Map<Long, Storage> storage(Connection c, Collection<Long> relations) throws SQLException {
        String sql = """
                SELECT c.oid, pg_has_role(current_user, c.relowner, 'USAGE'), pg_table_size(c.oid),
                       pg_relation_size(c.oid) / current_setting('block_size')::bigint, c.reltuples::bigint
                FROM pg_class c WHERE c.oid = ANY (?)""";
        Map<Long, Storage> out = new LinkedHashMap<>();
        try (PreparedStatement ps = Queries.prepare(c, sql, oidArray(c, relations)); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) out.put(rs.getLong(1), new Storage(rs.getBoolean(2), rs.getLong(3), rs.getLong(4), rs.getLong(5)));
        }
        return out;
    }

    /**
     * An index's own row estimate (reltuples), or empty when there is no such index with statistics of its own
     * (a partitioned index has none).
     */
    public static OptionalDouble indexRowEstimate(Connection c, TableId index) throws SQLException {
        return Queries.first(c, "SELECT i.reltuples FROM pg_class i JOIN pg_namespace n ON n.oid = i.relnamespace "
                + "WHERE n.nspname = ? AND i.relname = ? AND i.relkind = 'i'", rs -> rs.getDouble(1),
                index.schema(), index.name()).map(OptionalDouble::of).orElse(OptionalDouble.empty());
    }

    /** The oid of a plain or partitioned table. */
    private static Optional<Long> oid(Connection c, TableId table) throws SQLException {
        return Queries.string(c, "SELECT oid::text FROM pg_class WHERE oid = to_regclass(?) AND relkind IN ('r', 'p')",
                table.sql()).map(Long::valueOf);
    }

    private static java.sql.Array oidArray(Connection c, Collection<Long> oids) throws SQLException {
        return c.createArrayOf("oid", oids.toArray());
    }
}
