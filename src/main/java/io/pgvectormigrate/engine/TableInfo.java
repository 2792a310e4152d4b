package io.pgvectormigrate.engine;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A selected source table, as the engine needs it.
 *
 * @param replicaIdentity pg_class.relreplident: d default (primary key), n nothing, f full, i index
 * @param persistence     pg_class.relpersistence: p permanent, u unlogged
 * @param owned           whether the source user may add it to a publication (owner or superuser)
 * @param tableBytes      heap plus TOAST, for planning and progress
 * @param heapBlocks      heap blocks, for splitting the copy by block ranges
 * @param estimatedRows   reltuples, -1 when never analyzed
 */
public record TableInfo(long oid, String schema, String name, char replicaIdentity, boolean hasPrimaryKey,
                        char persistence, boolean owned, long tableBytes, long heapBlocks, long estimatedRows,
                        List<Column> columns) {
    public TableInfo {
        columns = List.copyOf(columns);
    }

    /** A column that COPY moves (no dropped or generated columns). */
    public record Column(String name, String type, boolean binarySafe) {}

    public String display() {
        return schema + "." + name;
    }

    public String quoted() {
        return Pg.qualified(schema, name);
    }

    public String columnList() {
        return columns.stream().map(c -> Pg.ident(c.name())).collect(Collectors.joining(", "));
    }

    /** Replication can carry updates and deletes: a primary key, a chosen index, or FULL. */
    public boolean hasReplicaIdentity() {
        return switch (replicaIdentity) {
            case 'd' -> hasPrimaryKey;
            case 'i', 'f' -> true;
            default -> false;
        };
    }

    /**
     * Binary COPY is safe when every column's binary form carries no cluster-specific type OIDs: built-in types,
     * and base or enum types of extensions (vector, halfvec) that are not arrays or composites.
     */
    public boolean binarySafe() {
        return columns.stream().allMatch(Column::binarySafe);
    }
}
