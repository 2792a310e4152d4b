package io.pgvectormigrate.replication;

import io.pgvectormigrate.pg.Catalog;
import io.pgvectormigrate.pg.Sql;
import io.pgvectormigrate.pg.TableDefinitions;
import io.pgvectormigrate.pg.TableId;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
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

    /**
     * The selection's leaves with their copy metadata, in schema/name order. Which tables these are is the
     * {@linkplain Catalog catalog}'s decision, never this class's; the catalog SQL is pg's ({@link TableDefinitions}).
     */
    static List<TableInfo> of(Connection c, Catalog.Selection selection) throws SQLException {
        List<Catalog.Relation> leaves = selection.leaves().stream()
                .sorted(Comparator.comparing(Catalog.Relation::id)).toList();
        if (leaves.isEmpty()) return List.of();
        List<Long> oids = leaves.stream().map(Catalog.Relation::oid).toList();
        Map<Long, TableDefinitions.Storage> storage = TableDefinitions.storage(c, oids);
        Map<Long, List<TableDefinitions.Column>> columns = TableDefinitions.columns(c, oids);
        List<TableInfo> out = new ArrayList<>();
        for (Catalog.Relation r : leaves) {
            TableDefinitions.Storage s = storage.get(r.oid());
            if (s == null) continue; // dropped since the catalog read it
            // COPY moves no generated column: the target computes it
            List<Column> copied = columns.getOrDefault(r.oid(), List.of()).stream().filter(col -> !col.isGenerated())
                    .map(col -> new Column(col.name(), col.type(), col.binarySafe())).toList();
            out.add(new TableInfo(r, s.owned(), s.bytes(), s.heapBlocks(), s.estimatedRows(), copied));
        }
        return out;
    }

    public TableId id() {
        return relation.id();
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
