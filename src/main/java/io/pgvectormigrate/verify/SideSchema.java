package io.pgvectormigrate.verify;

import io.pgvectormigrate.pg.Catalog;
import io.pgvectormigrate.pg.Extensions;
import io.pgvectormigrate.pg.Queries;
import io.pgvectormigrate.pg.Sql;
import io.pgvectormigrate.pg.TableDefinitions;
import io.pgvectormigrate.pg.TableFilter;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One side's schema as verify compares it: the database's locale, extensions and schemas, and the definitions of the
 * selected tables and sequences, read inside the side's snapshot. Which tables these are is {@link Catalog}'s
 * selection; the catalog SQL is pg's ({@link TableDefinitions}); how each column is hashed is decided here.
 */
record SideSchema(String encoding, String collate, String ctype, Map<String, String> extensions, Set<String> schemas,
                  Map<String, Table> tables, List<Sequence> sequences) {

    enum HashKind {
        /** hashed by the type's own hash function (exact for these types) */
        DIRECT,
        /** hashed as its binary send form (vectors, floats, numerics, jsonb, enums...) */
        SEND,
        /** hashed as text (composites and containers of non-built-in types, whose binary form embeds OIDs) */
        TEXT
    }

    enum VectorKind { VECTOR, HALFVEC, SPARSEVEC }

    record Column(String name, String type, long typeOid, boolean notNull, String defaultExpr,
                  String identity, String generated, String collation, HashKind hashKind, String sendFunction,
                  VectorKind vectorKind, int declaredDims, boolean collatable) {
        /** The parity signature: what must be equal on both sides. */
        String signature() {
            return type + (notNull ? " NOT NULL" : "") + (defaultExpr != null ? " DEFAULT " + defaultExpr : "")
                    + (identity.isEmpty() ? "" : " IDENTITY " + identity) + (generated.isEmpty() ? "" : " GENERATED")
                    + (collation != null ? " COLLATE " + collation : "");
        }
    }

    record Table(long oid, String schema, String name, boolean partitioned, long estimatedRows, List<Column> columns,
                 List<String> primaryKey, List<TableDefinitions.IndexShape> indexes, Map<String, String> constraints) {
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

    static SideSchema read(Connection c, TableFilter filter) throws SQLException {
        List<String> locale = Queries.first(c, "SELECT pg_encoding_to_char(encoding), datcollate, datctype "
                + "FROM pg_database WHERE datname = current_database()",
                rs -> List.of(rs.getString(1), rs.getString(2), rs.getString(3))).orElseThrow();
        Map<String, String> ext = new TreeMap<>();
        String vectorSchema = null;
        for (Extensions.Installed e : Extensions.installed(c)) {
            ext.put(e.name(), e.version());
            if (e.name().equals("vector")) vectorSchema = e.schema();
        }
        Set<String> schemas = new TreeSet<>(Catalog.schemas(c));

        // which tables and sequences: the one catalog's selection (roots; a partitioned one reads through its partitions)
        Catalog.Selection selection = Catalog.select(c, filter);
        List<Long> oids = selection.tables().stream().map(t -> t.root().oid()).toList();
        Map<Long, TableDefinitions.Storage> storage = TableDefinitions.storage(c, oids);
        Map<Long, List<TableDefinitions.Column>> columns = TableDefinitions.columns(c, oids);
        Map<Long, List<String>> primaryKeys = TableDefinitions.primaryKeys(c, oids);
        Map<Long, List<TableDefinitions.IndexShape>> indexes = TableDefinitions.indexShapes(c, oids);
        Map<Long, Map<String, String>> constraints = TableDefinitions.constraints(c, oids);
        Map<String, Table> tables = new LinkedHashMap<>();
        for (Catalog.Table t : selection.tables()) {
            long oid = t.root().oid();
            List<Column> cols = new ArrayList<>();
            for (TableDefinitions.Column col : columns.getOrDefault(oid, List.of())) cols.add(column(col, vectorSchema));
            TableDefinitions.Storage st = storage.get(oid);
            long estimate = st == null ? 0 : Math.max(0, st.estimatedRows()); // -1: never analyzed
            Table table = new Table(oid, t.id().schema(), t.id().name(), t.partitioned(), estimate,
                    List.copyOf(cols), List.copyOf(primaryKeys.getOrDefault(oid, List.of())),
                    List.copyOf(indexes.getOrDefault(oid, List.of())),
                    Collections.unmodifiableMap(new TreeMap<>(constraints.getOrDefault(oid, Map.of()))));
            tables.put(table.key(), table);
        }
        List<Sequence> sequences = selection.sequences().stream().map(q -> new Sequence(q.id().schema(), q.id().name(),
                q.increment(), q.owned() ? q.ownerTable().schema() : null, q.owned() ? q.ownerTable().name() : null,
                q.ownerColumn())).toList();
        return new SideSchema(locale.get(0), locale.get(1), locale.get(2), ext, schemas, tables, sequences);
    }

    /** How verify hashes and checks a column, decided from what the catalog says of its type. */
    private static Column column(TableDefinitions.Column c, String vectorSchema) {
        long typeOid = c.typeOid();
        VectorKind vk = null;
        if (vectorSchema != null && vectorSchema.equals(c.typeSchema())) {
            vk = switch (c.typeName()) {
                case "vector" -> VectorKind.VECTOR;
                case "halfvec" -> VectorKind.HALFVEC;
                case "sparsevec" -> VectorKind.SPARSEVEC;
                default -> null;
            };
        }
        String typtype = c.typeKind();
        long effective = "d".equals(typtype) && c.baseType() != 0 ? c.baseType() : typeOid;
        String send = c.sendFunction();
        HashKind kind;
        if (vk != null) {
            kind = HashKind.SEND;
        } else if (DIRECT_TYPES.contains(effective)) {
            kind = HashKind.DIRECT;
        } else if ("c".equals(typtype) || (c.elementType() >= FIRST_NORMAL_OID)
                || (("r".equals(typtype) || "m".equals(typtype)) && typeOid >= FIRST_NORMAL_OID)) {
            kind = HashKind.TEXT; // their binary forms carry OIDs that differ between databases
        } else if (send != null) {
            kind = HashKind.SEND;
        } else {
            kind = HashKind.TEXT;
        }
        return new Column(c.name(), c.type(), typeOid, c.notNull(), c.defaultExpr(), c.identity(),
                c.generated(), c.collation(), kind, send, vk, vk == null ? -1 : c.typmod(),
                COLLATABLE_DIRECT.contains(effective) && c.collatable());
    }
}
