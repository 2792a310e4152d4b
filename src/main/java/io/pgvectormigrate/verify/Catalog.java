package io.pgvectormigrate.verify;

import io.pgvectormigrate.pg.Sql;
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
import java.util.Set;
import java.util.TreeMap;

/** What one side's catalog says about the selected tables, read inside the side's snapshot. */
record Catalog(String encoding, String collate, String ctype, Map<String, String> extensions, String vectorSchema,
               Set<String> schemas, Map<String, Table> tables, List<Sequence> sequences) {

    /** How a column enters the row hash. */
    enum HashKind {
        /** hashed by the type's own hash function (exact for these types) */
        DIRECT,
        /** hashed as its binary send form (vectors, floats, numerics, jsonb, enums...) */
        SEND,
        /** hashed as text (composites and containers of non-built-in types, whose binary form embeds OIDs) */
        TEXT
    }

    enum VectorKind { VECTOR, HALFVEC, SPARSEVEC }

    record Column(String name, int attnum, String type, long typeOid, boolean notNull, String defaultExpr,
                  String identity, String generated, String collation, HashKind hashKind, String sendFunction,
                  VectorKind vectorKind, int declaredDims, boolean collatable) {
        /** The parity signature: what must be equal on both sides. */
        String signature() {
            return type + (notNull ? " NOT NULL" : "") + (defaultExpr != null ? " DEFAULT " + defaultExpr : "")
                    + (identity.isEmpty() ? "" : " IDENTITY " + identity) + (generated.isEmpty() ? "" : " GENERATED")
                    + (collation != null ? " COLLATE " + collation : "");
        }
    }

    /** columns: the indexed columns in order (null for an expression). */
    record Index(String name, String key, String method, String opclasses, String options, boolean valid,
                 boolean unique, boolean primary, List<String> columns) {}

    record Table(long oid, String schema, String name, boolean partitioned, long estimatedRows, List<Column> columns,
                 List<String> primaryKey, List<Index> indexes, Map<String, String> constraints) {
        String display() {
            return Sql.display(schema, name);
        }

        String sql() {
            return (partitioned ? "" : "ONLY ") + Sql.qualified(schema, name);
        }

        Column column(String n) {
            for (Column c : columns) if (c.name().equals(n)) return c;
            return null;
        }

        String key() {
            return schema + "." + name;
        }
    }

    record Sequence(String schema, String name, long increment, String ownerSchema, String ownerTable,
                    String ownerColumn) {
        String display() {
            return Sql.display(schema, name);
        }

        String key() {
            return schema + "." + name;
        }

        String ownerDisplay() {
            return ownerTable == null ? null : Sql.display(ownerSchema, ownerTable) + "." + Sql.display(ownerColumn);
        }
    }

    // built-in types whose hash function is exact for copy comparison (equal hash input <=> identical value)
    private static final Set<Long> DIRECT_TYPES = Set.of(16L, 17L, 18L, 19L, 20L, 21L, 23L, 25L, 1042L, 1043L,
            1082L, 1083L, 1114L, 1184L, 2950L);
    private static final Set<Long> COLLATABLE_DIRECT = Set.of(19L, 25L, 1042L, 1043L);
    private static final long FIRST_NORMAL_OID = 16384;

    static Catalog read(Connection c, TableFilter filter) throws SQLException {
        String enc;
        String coll;
        String ctype;
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT pg_encoding_to_char(encoding), datcollate, datctype FROM pg_database WHERE datname = current_database()")) {
            rs.next();
            enc = rs.getString(1);
            coll = rs.getString(2);
            ctype = rs.getString(3);
        }
        Map<String, String> ext = new TreeMap<>();
        String vectorSchema = null;
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT e.extname, e.extversion, n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace")) {
            while (rs.next()) {
                ext.put(rs.getString(1), rs.getString(2));
                if (rs.getString(1).equals("vector")) vectorSchema = rs.getString(3);
            }
        }
        Set<String> schemas = new java.util.TreeSet<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT nspname FROM pg_namespace")) {
            while (rs.next()) schemas.add(rs.getString(1));
        }

        // which tables and sequences: the one catalog's selection (roots; a partitioned one reads through its partitions)
        io.pgvectormigrate.pg.Catalog.Selection selection = io.pgvectormigrate.pg.Catalog.select(c, filter);
        Map<Long, TableBuilder> byOid = new LinkedHashMap<>();
        for (io.pgvectormigrate.pg.Catalog.Table t : selection.tables()) {
            byOid.put(t.root().oid(), new TableBuilder(t.root().oid(), t.id().schema(), t.id().name(), t.partitioned()));
        }
        Long[] oids = byOid.keySet().toArray(new Long[0]);
        if (oids.length > 0) {
            readEstimates(c, oids, byOid);
            readColumns(c, oids, byOid, vectorSchema);
            readPrimaryKeys(c, oids, byOid);
            readIndexes(c, oids, byOid);
            readConstraints(c, oids, byOid);
        }
        Map<String, Table> tables = new LinkedHashMap<>();
        for (TableBuilder b : byOid.values()) {
            Table t = b.build();
            tables.put(t.key(), t);
        }
        List<Sequence> sequences = selection.sequences().stream().map(q -> new Sequence(q.id().schema(), q.id().name(),
                q.increment(), q.owned() ? q.ownerTable().schema() : null, q.owned() ? q.ownerTable().name() : null,
                q.ownerColumn())).toList();
        return new Catalog(enc, coll, ctype, ext, vectorSchema, schemas, tables, sequences);
    }

    private static void readEstimates(Connection c, Long[] oids, Map<Long, TableBuilder> byOid) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT oid, greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = ANY (?)")) {
            ps.setArray(1, c.createArrayOf("oid", oids));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) byOid.get(rs.getLong(1)).est = rs.getLong(2);
            }
        }
    }

    private static void readColumns(Connection c, Long[] oids, Map<Long, TableBuilder> byOid, String vectorSchema)
            throws SQLException {
        String sql = "SELECT a.attrelid, a.attname, a.attnum, format_type(a.atttypid, a.atttypmod), a.atttypid, "
                + "a.atttypmod, t.typname, tn.nspname, t.typtype, t.typelem, t.typbasetype, "
                + "CASE WHEN t.typsend = 0 THEN NULL ELSE quote_ident(pn.nspname) || '.' || quote_ident(p.proname) END, "
                + "a.attnotnull, pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated, "
                + "CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation THEN co.collname END, "
                + "a.attcollation <> 0 "
                + "FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
                + "JOIN pg_namespace tn ON tn.oid = t.typnamespace "
                + "LEFT JOIN pg_proc p ON p.oid = t.typsend LEFT JOIN pg_namespace pn ON pn.oid = p.pronamespace "
                + "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
                + "LEFT JOIN pg_collation co ON co.oid = a.attcollation "
                + "WHERE a.attrelid = ANY (?) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attrelid, a.attnum";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setArray(1, c.createArrayOf("oid", oids));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long typeOid = rs.getLong(5);
                    int typmod = rs.getInt(6);
                    String typname = rs.getString(7);
                    String typSchema = rs.getString(8);
                    String typtype = rs.getString(9);
                    long elem = rs.getLong(10);
                    long base = rs.getLong(11);
                    String send = rs.getString(12);
                    VectorKind vk = null;
                    if (vectorSchema != null && vectorSchema.equals(typSchema)) {
                        vk = switch (typname) {
                            case "vector" -> VectorKind.VECTOR;
                            case "halfvec" -> VectorKind.HALFVEC;
                            case "sparsevec" -> VectorKind.SPARSEVEC;
                            default -> null;
                        };
                    }
                    long effective = "d".equals(typtype) && base != 0 ? base : typeOid;
                    HashKind kind;
                    if (vk != null) {
                        kind = HashKind.SEND;
                    } else if (DIRECT_TYPES.contains(effective)) {
                        kind = HashKind.DIRECT;
                    } else if ("c".equals(typtype) || (elem >= FIRST_NORMAL_OID)
                            || (("r".equals(typtype) || "m".equals(typtype)) && typeOid >= FIRST_NORMAL_OID)) {
                        kind = HashKind.TEXT; // their binary forms carry OIDs that differ between databases
                    } else if (send != null) {
                        kind = HashKind.SEND;
                    } else {
                        kind = HashKind.TEXT;
                    }
                    Column col = new Column(rs.getString(2), rs.getInt(3), rs.getString(4), typeOid, rs.getBoolean(13),
                            rs.getString(14), rs.getString(15), rs.getString(16), rs.getString(17), kind, send, vk,
                            vk == null ? -1 : typmod, COLLATABLE_DIRECT.contains(effective) && rs.getBoolean(18));
                    byOid.get(rs.getLong(1)).columns.add(col);
                }
            }
        }
    }

    private static void readPrimaryKeys(Connection c, Long[] oids, Map<Long, TableBuilder> byOid) throws SQLException {
        String sql = "SELECT con.conrelid, a.attname FROM pg_constraint con "
                + "CROSS JOIN LATERAL unnest(con.conkey) WITH ORDINALITY k(attnum, ord) "
                + "JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum "
                + "WHERE con.contype = 'p' AND con.conrelid = ANY (?) ORDER BY con.conrelid, k.ord";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setArray(1, c.createArrayOf("oid", oids));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) byOid.get(rs.getLong(1)).primaryKey.add(rs.getString(2));
            }
        }
    }

    private static void readIndexes(Connection c, Long[] oids, Map<Long, TableBuilder> byOid) throws SQLException {
        // the definition after USING (method, columns, opclasses, INCLUDE, WITH, WHERE) is the index's identity;
        // its name is not
        String sql = "SELECT i.indrelid, ic.relname, regexp_replace(pg_get_indexdef(i.indexrelid), '^.*? USING ', 'USING '), "
                + "am.amname, (SELECT string_agg(opc.opcname, ',' ORDER BY k.ord) FROM unnest(i.indclass::oid[]) "
                + "  WITH ORDINALITY k(oid, ord) JOIN pg_opclass opc ON opc.oid = k.oid), "
                + "array_to_string(ic.reloptions, ','), i.indisvalid, i.indisunique, i.indisprimary, "
                + "array(SELECT a.attname FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(n, ord) "
                + "  LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n ORDER BY k.ord) "
                + "FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam "
                + "WHERE i.indrelid = ANY (?) ORDER BY i.indrelid, ic.relname";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setArray(1, c.createArrayOf("oid", oids));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String key = (rs.getBoolean(8) ? "UNIQUE " : "") + rs.getString(3);
                    byOid.get(rs.getLong(1)).indexes.add(new Index(rs.getString(2), key, rs.getString(4),
                            rs.getString(5), rs.getString(6), rs.getBoolean(7), rs.getBoolean(8), rs.getBoolean(9),
                            java.util.Arrays.asList((String[]) rs.getArray(10).getArray())));
                }
            }
        }
    }

    private static void readConstraints(Connection c, Long[] oids, Map<Long, TableBuilder> byOid) throws SQLException {
        String sql = "SELECT conrelid, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                + "WHERE conrelid = ANY (?) AND contype <> 'p' ORDER BY conrelid, conname";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setArray(1, c.createArrayOf("oid", oids));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) byOid.get(rs.getLong(1)).constraints.put(rs.getString(2), rs.getString(3));
            }
        }
    }

    private static final class TableBuilder {
        final long oid;
        final String schema;
        final String name;
        final boolean partitioned;
        long est;
        final List<Column> columns = new ArrayList<>();
        final List<String> primaryKey = new ArrayList<>();
        final List<Index> indexes = new ArrayList<>();
        final Map<String, String> constraints = new LinkedHashMap<>();

        TableBuilder(long oid, String schema, String name, boolean partitioned) {
            this.oid = oid;
            this.schema = schema;
            this.name = name;
            this.partitioned = partitioned;
        }

        Table build() {
            return new Table(oid, schema, name, partitioned, est, List.copyOf(columns), List.copyOf(primaryKey),
                    List.copyOf(indexes), java.util.Collections.unmodifiableMap(new TreeMap<>(constraints)));
        }
    }
}
