package io.pgvectormigrate.replication;

import io.pgvectormigrate.pg.Catalog;
import io.pgvectormigrate.pg.TableDefinitions;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What copying needs to know about the tables the {@linkplain Catalog catalog} selected: sizes, ownership and the
 * columns COPY moves, on the source. Which tables these are is the catalog's decision (the engine copies the
 * selection's leaves), never this class's; the catalog SQL is pg's ({@link TableDefinitions}).
 */
final class CopyTables {
    private CopyTables() {}

    /** The selection's leaves with their copy metadata, in schema/name order. */
    static List<TableInfo> of(Connection c, Catalog.Selection selection) throws SQLException {
        List<Catalog.Relation> leaves = new ArrayList<>(selection.leaves());
        leaves.sort((a, b) -> a.id().compareTo(b.id()));
        if (leaves.isEmpty()) return List.of();
        List<Long> oids = leaves.stream().map(Catalog.Relation::oid).toList();
        Map<Long, TableDefinitions.Storage> storage = TableDefinitions.storage(c, oids);
        Map<Long, List<TableDefinitions.Column>> columns = TableDefinitions.columns(c, oids);
        List<TableInfo> out = new ArrayList<>();
        for (Catalog.Relation r : leaves) {
            TableDefinitions.Storage s = storage.get(r.oid());
            if (s == null) continue; // dropped since the catalog read it
            // COPY moves no generated column: the target computes it
            List<TableInfo.Column> copied = columns.getOrDefault(r.oid(), List.of()).stream().filter(col -> !col.isGenerated())
                    .map(col -> new TableInfo.Column(col.name(), col.type(), col.binarySafe())).toList();
            out.add(new TableInfo(r, s.owned(), s.bytes(), s.heapBlocks(), s.estimatedRows(), copied));
        }
        return out;
    }
}
