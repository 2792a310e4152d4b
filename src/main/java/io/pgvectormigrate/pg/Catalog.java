package io.pgvectormigrate.pg;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The one answer to "which tables, partitions, sequences and indexes does this command work on": verify, both
 * engines, prepare-target, the DMS selection rules and the row counter all ask here.
 *
 * <p><b>Partition policy.</b> The filter ({@code --schema}, {@code --table}, {@code --exclude}) matches <em>root</em>
 * tables: ordinary tables, and partitioned tables that are not themselves partitions. A selected partitioned table
 * brings every partition below it (sub-partitions included) whatever their names, and a partition is never selected
 * on its own. Each command then takes the part of that one set it works on:
 * <ul>
 *   <li>prepare-target creates each root with its whole partition tree (pg_dump is given every member);</li>
 *   <li>the engines copy and replicate the {@linkplain Table#leaves() leaves}, the relations that hold rows;</li>
 *   <li>verify compares and the row counter counts the {@linkplain Selection#roots() roots}: a partitioned root reads
 *       through all its partitions, so a row in the wrong partition still counts, and a missing one does not.</li>
 * </ul>
 * Partitions that are foreign tables are left out (logical replication cannot publish them). Temporary tables and
 * tables that belong to an extension are never selected.
 *
 * <p><b>Sequences.</b> A sequence belongs to the selection when a selected table's column owns it (serial and
 * identity), when a selected table's column default calls it, or when no column owns it at all, its schema is
 * selected and no {@code --table} pattern narrows the selection (an unowned sequence has no table a pattern could
 * name; {@code --exclude} names tables, so it does not leave unowned sequences out). Sequences of extensions never.
 */
public final class Catalog {
    private Catalog() {}

    /**
     * One table of the selection: a root or one of its partitions.
     *
     * @param parent          the partitioned table this one is a partition of (null for a root)
     * @param bound           the partition bound ({@code FOR VALUES ...} or {@code DEFAULT}; null for a root)
     * @param replicaIdentity pg_class.relreplident: d default (primary key), n nothing, f full, i index
     */
    public record Relation(long oid, TableId id, boolean partitioned, TableId parent, String bound,
                           char replicaIdentity, boolean hasPrimaryKey, boolean unlogged) {
        /** Logical replication can carry its updates and deletes: a primary key, a chosen index, or FULL. */
        public boolean hasReplicaIdentity() {
            return switch (replicaIdentity) {
                case 'd' -> hasPrimaryKey;
                case 'i', 'f' -> true;
                default -> false;
            };
        }
    }

    /** A selected root table and, when it is partitioned, every partition below it, parents before children. */
    public record Table(Relation root, List<Relation> partitions) {
        public Table {
            partitions = List.copyOf(partitions);
        }

        public TableId id() {
            return root.id();
        }

        public boolean partitioned() {
            return root.partitioned();
        }

        /** Where the rows live: the table itself, or its partitions that are not partitioned again. */
        public List<Relation> leaves() {
            return partitioned() ? partitions.stream().filter(p -> !p.partitioned()).toList() : List.of(root);
        }

        /** The root, then every partition: what pg_dump must be given, and where indexes live. */
        public List<Relation> relations() {
            return Stream.concat(Stream.of(root), partitions.stream()).toList();
        }
    }

    /** A sequence; {@code ownerTable}/{@code ownerColumn} are null when no column owns it. */
    public record Sequence(TableId id, long increment, TableId ownerTable, String ownerColumn) {
        public boolean owned() {
            return ownerTable != null;
        }
    }

    /** What a filter selects on one database. */
    public record Selection(List<Table> tables, List<Sequence> sequences) {
        public Selection {
            tables = List.copyOf(tables);
            sequences = List.copyOf(sequences);
        }

        public boolean isEmpty() {
            return tables.isEmpty();
        }

        /** The selected root tables: what verify compares and the row counter counts. */
        public List<TableId> roots() {
            return tables.stream().map(Table::id).toList();
        }

        /** Every relation that holds rows: what the engines copy and replicate. */
        public List<Relation> leaves() {
            return tables.stream().flatMap(t -> t.leaves().stream()).toList();
        }

        /** Roots and partitions. */
        public List<Relation> relations() {
            return tables.stream().flatMap(t -> t.relations().stream()).toList();
        }

        public Optional<Table> table(TableId id) {
            return tables.stream().filter(t -> t.id().equals(id)).findFirst();
        }

        /** Leaves whose updates and deletes logical replication cannot carry (no primary key, no replica identity). */
        public List<Relation> withoutReplicaIdentity() {
            return leaves().stream().filter(r -> !r.hasReplicaIdentity()).toList();
        }

        /** The root a relation belongs to (itself for a root). */
        public TableId rootOf(Relation r) {
            for (Table t : tables) {
                if (t.relations().stream().anyMatch(x -> x.oid() == r.oid())) return t.id();
            }
            return r.id();
        }

        /**
         * Why logical replication cannot carry these tables, naming each table and the fixes, or empty when it can.
         * A partition needs its own key or identity: REPLICA IDENTITY set on a partitioned table does not reach the
         * partitions that already exist, and --exclude names the root.
         */
        public Optional<String> replicaIdentityProblem() {
            List<Relation> bad = withoutReplicaIdentity();
            if (bad.isEmpty()) return Optional.empty();
            boolean one = bad.size() == 1;
            List<String> names = bad.stream().map(r -> r.id().display()
                    + (r.parent() == null ? "" : " (a partition of " + rootOf(r).display() + ")")).toList();
            // --exclude takes names as stored (no SQL quoting); the shell needs quotes around anything unusual
            String roots = String.join(",", bad.stream().map(this::rootOf).distinct().map(TableId::key).toList());
            if (!roots.matches("[A-Za-z0-9_.,$-]+")) roots = "'" + roots.replace("'", "'\\''") + "'";
            return Optional.of((one ? "1 table has" : bad.size() + " tables have") + " no primary key or replica identity, "
                    + "so logical replication cannot carry " + (one ? "its" : "their") + " updates and deletes: "
                    + shortList(names) + " (add a primary key, or ALTER TABLE " + bad.get(0).id().display()
                    + " REPLICA IDENTITY FULL" + (one ? "" : " and the same for each") + ", or leave "
                    + (one ? "it" : "them") + " out with --exclude " + roots + ")");
        }

        /** A filter naming exactly the selected roots (for work that must not pick up tables created since). */
        public TableFilter exactly() {
            return TableFilter.exactly(roots());
        }
    }

    /** For messages: the first five items, then how many more. */
    public static String shortList(List<String> items) {
        if (items.size() <= 5) return String.join(", ", items);
        return String.join(", ", items.subList(0, 5)) + " and " + (items.size() - 5) + " more";
    }

    /** Reads the selection on one database; see the class comment for the rules. */
    public static Selection select(Connection c, TableFilter filter) throws SQLException {
        List<Table> tables = tables(c, filter);
        Set<Long> selected = new HashSet<>();
        for (Table t : tables) t.relations().forEach(r -> selected.add(r.oid()));
        return new Selection(tables, sequences(c, filter, selected));
    }

    private static List<Table> tables(Connection c, TableFilter filter) throws SQLException {
        String sql = """
                WITH RECURSIVE root AS (
                  SELECT c.oid FROM pg_class c
                  WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.relpersistence <> 't'
                    AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                                    AND d.objid = c.oid AND d.deptype = 'e')
                ), tree(root, oid, parent, level) AS (
                  SELECT oid, oid, 0::oid, 0 FROM root
                  UNION ALL
                  SELECT t.root, i.inhrelid, i.inhparent, t.level + 1
                  FROM tree t JOIN pg_inherits i ON i.inhparent = t.oid
                  JOIN pg_class k ON k.oid = i.inhrelid AND k.relispartition AND k.relkind IN ('r', 'p')
                )
                SELECT t.root, t.oid, t.parent, n.nspname, c.relname, c.relkind = 'p', pg_get_expr(c.relpartbound, c.oid),
                       c.relreplident, EXISTS (SELECT 1 FROM pg_index x WHERE x.indrelid = c.oid AND x.indisprimary),
                       c.relpersistence = 'u'
                FROM tree t JOIN pg_class c ON c.oid = t.oid JOIN pg_namespace n ON n.oid = c.relnamespace
                ORDER BY t.level, n.nspname, c.relname""";
        Map<Long, Relation> byOid = new LinkedHashMap<>();
        Map<Long, List<Relation>> partitions = new LinkedHashMap<>();
        List<Relation> rootOrder = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                long root = rs.getLong(1);
                long oid = rs.getLong(2);
                Relation parent = byOid.get(rs.getLong(3));
                Relation r = new Relation(oid, new TableId(rs.getString(4), rs.getString(5)), rs.getBoolean(6),
                        parent == null ? null : parent.id(), rs.getString(7), rs.getString(8).charAt(0), rs.getBoolean(9),
                        rs.getBoolean(10));
                byOid.put(oid, r);
                if (root == oid) {
                    rootOrder.add(r);
                } else {
                    partitions.computeIfAbsent(root, k -> new ArrayList<>()).add(r);
                }
            }
        }
        return rootOrder.stream().filter(r -> filter.matches(r.id().schema(), r.id().name()))
                .map(r -> new Table(r, partitions.getOrDefault(r.oid(), List.of())))
                .sorted(Comparator.comparing(Table::id)).toList();
    }

    private static List<Sequence> sequences(Connection c, TableFilter filter, Set<Long> selectedTables) throws SQLException {
        String sql = """
                SELECT n.nspname, c.relname, s.seqincrement, d.refobjid, tn.nspname, t.relname, a.attname,
                       array(SELECT ad.adrelid FROM pg_depend u JOIN pg_attrdef ad ON ad.oid = u.objid
                             WHERE u.classid = 'pg_attrdef'::regclass AND u.refclassid = 'pg_class'::regclass
                             AND u.refobjid = c.oid)
                FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid
                  AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0
                LEFT JOIN pg_class t ON t.oid = d.refobjid LEFT JOIN pg_namespace tn ON tn.oid = t.relnamespace
                LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
                WHERE c.relpersistence <> 't'
                  AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_class'::regclass
                                  AND e.objid = c.oid AND e.deptype = 'e')
                ORDER BY n.nspname, c.relname""";
        List<Sequence> out = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                String schema = rs.getString(1);
                if (TableFilter.isSystemSchema(schema)) continue;
                long owner = rs.getLong(4);
                boolean owned = !rs.wasNull();
                Long[] users = (Long[]) rs.getArray(8).getArray();
                boolean selected = owned ? selectedTables.contains(owner) : !filter.namesTables() && filter.selectsSchema(schema);
                if (!selected) selected = Arrays.stream(users).anyMatch(selectedTables::contains);
                if (!selected) continue;
                out.add(new Sequence(new TableId(schema, rs.getString(2)), rs.getLong(3),
                        owned ? new TableId(rs.getString(5), rs.getString(6)) : null, owned ? rs.getString(7) : null));
            }
        }
        return out;
    }

    // ---- indexes

    /**
     * An index of a table. {@code definition} is pg_get_indexdef with an empty search_path, so every name in it is
     * schema-qualified and it recreates the same index whatever the session's search_path; for a partitioned index it
     * reads {@code ON ONLY} (the index of the partitioned table alone, as pg_dump writes it).
     *
     * @param partitioned the index of a partitioned table (its partitions' indexes are attached to it)
     * @param parent      the partitioned index this one is attached to (null when it stands alone)
     */
    public record Index(long oid, TableId table, String name, String accessMethod, String definition, boolean unique,
                        boolean backsConstraint, boolean replicaIdentity, boolean valid, boolean partitioned,
                        TableId parent) {
        /** The index as a relation name: indexes live in their table's schema. */
        public TableId id() {
            return new TableId(table.schema(), name);
        }

        public boolean isVector() {
            return accessMethod.equals("ivfflat") || accessMethod.equals("hnsw");
        }

        /**
         * Secondary and standing on its own: nothing but speed depends on it during a load, so it can be dropped
         * and rebuilt (an attached partition index goes and comes back with its partitioned index).
         */
        public boolean deferrable() {
            return !unique && !backsConstraint && !replicaIdentity && valid && parent == null;
        }
    }

    /** The indexes of a table, with fully qualified definitions. */
    public static List<Index> indexes(Connection c, TableId table) throws SQLException {
        return readIndexes(c, "n.nspname = ? AND tc.relname = ?", table.schema(), table.name());
    }

    /** An index by schema and name, or empty when absent. */
    public static Optional<Index> index(Connection c, TableId index) throws SQLException {
        return readIndexes(c, "n.nspname = ? AND ic.relname = ?", index.schema(), index.name()).stream().findFirst();
    }

    /**
     * Every index attached below a partitioned index, parents before their children: what recreates the index
     * tree of a partitioned table with the same names (the same way pg_dump does).
     */
    public static List<Index> attachedBelow(Connection c, Index partitioned) throws SQLException {
        List<Index> out = new ArrayList<>();
        List<Index> level = List.of(partitioned);
        while (!level.isEmpty()) {
            List<Index> next = new ArrayList<>();
            for (Index parent : level) {
                next.addAll(readIndexes(c, "EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = i.indexrelid "
                        + "AND h.inhparent = ?)", parent.oid()));
            }
            out.addAll(next);
            level = next.stream().filter(Index::partitioned).toList();
        }
        return out;
    }

    private static List<Index> readIndexes(Connection c, String where, Object... args) throws SQLException {
        String sql = "SELECT i.indexrelid, n.nspname, tc.relname, ic.relname, am.amname, pg_get_indexdef(i.indexrelid), "
                + "i.indisunique, EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid), "
                + "i.indisreplident, i.indisvalid, ic.relkind = 'I', pn.nspname, pc.relname "
                + "FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam "
                + "JOIN pg_class tc ON tc.oid = i.indrelid JOIN pg_namespace n ON n.oid = tc.relnamespace "
                + "LEFT JOIN pg_inherits h ON h.inhrelid = i.indexrelid LEFT JOIN pg_class pc ON pc.oid = h.inhparent "
                + "LEFT JOIN pg_namespace pn ON pn.oid = pc.relnamespace "
                + "WHERE " + where + " ORDER BY tc.relname, ic.relname";
        List<Index> out = new ArrayList<>();
        withSearchPath(c, "", () -> out.addAll(Queries.list(c, sql, rs -> new Index(rs.getLong(1),
                new TableId(rs.getString(2), rs.getString(3)), rs.getString(4), rs.getString(5), rs.getString(6),
                rs.getBoolean(7), rs.getBoolean(8), rs.getBoolean(9), rs.getBoolean(10), rs.getBoolean(11),
                rs.getString(12) == null ? null : new TableId(rs.getString(12), rs.getString(13))), args)));
        return out;
    }

    // ---- schemas

    /** Every schema of the database, the system ones included. */
    public static List<String> schemas(Connection c) throws SQLException {
        return Queries.list(c, "SELECT nspname FROM pg_namespace", rs -> rs.getString(1));
    }

    public static boolean schemaExists(Connection c, String schema) throws SQLException {
        return Queries.bool(c, "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = ?)", schema);
    }

    // ---- small questions about one table

    public static boolean exists(Connection c, TableId t) throws SQLException {
        return Queries.bool(c, "SELECT to_regclass(?) IS NOT NULL", t.sql());
    }

    /** A table's columns and their types in attribute order, or empty when no such table (plain or partitioned) exists. */
    public static Optional<Map<String, String>> columns(Connection c, TableId table) throws SQLException {
        return TableDefinitions.columns(c, table).map(columns -> columns.stream().collect(Collectors.toMap(
                TableDefinitions.Column::name, TableDefinitions.Column::type, (a, b) -> a, LinkedHashMap::new)));
    }

    /** Whether a table (a partitioned one through its partitions) holds at least one row; stops at the first. */
    public static boolean hasRows(Connection c, TableId t) throws SQLException {
        return Queries.bool(c, "SELECT EXISTS (SELECT 1 FROM " + t.sql() + ")");
    }

    /** Exact row count (a partitioned table's through its partitions). */
    public static long rowCount(Connection c, TableId t) throws SQLException {
        return Queries.number(c, "SELECT count(*) FROM " + t.sql());
    }

    @FunctionalInterface
    public interface SqlWork {
        void run() throws SQLException;
    }

    /** Runs with the session's search_path set to {@code path}, restoring it afterwards. */
    public static void withSearchPath(Connection c, String path, SqlWork work) throws SQLException {
        String saved = Queries.string(c, "SELECT current_setting('search_path')").orElse("");
        setSearchPath(c, path);
        try {
            work.run();
        } finally {
            setSearchPath(c, saved);
        }
    }

    private static void setSearchPath(Connection c, String path) throws SQLException {
        Queries.string(c, "SELECT set_config('search_path', ?, false)", path);
    }
}
