package io.pgvectormigrate.replication;

import io.pgvectormigrate.pg.Catalog;
import io.pgvectormigrate.pg.Sql;
import io.pgvectormigrate.pg.TableId;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A table the engine copies and replicates (a {@linkplain Catalog.Selection#leaves() leaf} of the selection: an
 * ordinary table or a partition), with what copying it needs beyond the catalog's selection.
 *
 * @param owned         whether the source user may add it to a publication (owner or superuser)
 * @param tableBytes    heap plus TOAST, for planning and progress
 * @param heapBlocks    heap blocks, for splitting the copy by block ranges
 * @param estimatedRows reltuples, -1 when never analyzed
 */
public record TableInfo(Catalog.Relation relation, boolean owned, long tableBytes, long heapBlocks, long estimatedRows,
                        List<Column> columns) {
    public TableInfo {
        columns = List.copyOf(columns);
    }

    /** A column that COPY moves (no dropped or generated columns). */
    public record Column(String name, String type, boolean binarySafe) {}

    public long oid() {
        return relation.oid();
    }

    public TableId id() {
        return relation.id();
    }

    public String schema() {
        return relation.id().schema();
    }

    public String name() {
        return relation.id().name();
    }

    /** schema.name as pg_publication_tables and the journal name it. */
    public String display() {
        return relation.id().key();
    }

    public String quoted() {
        return relation.id().sql();
    }

    public String columnList() {
        return columns.stream().map(c -> Sql.ident(c.name())).collect(Collectors.joining(", "));
    }

    /**
     * Binary COPY is safe when every column's binary form carries no cluster-specific type OIDs: built-in types,
     * and base or enum types of extensions (vector, halfvec) that are not arrays or composites.
     */
    public boolean binarySafe() {
        return columns.stream().allMatch(Column::binarySafe);
    }
}
