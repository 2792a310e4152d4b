package io.pgvectormigrate.prepare;

import io.pgvectormigrate.pg.TableFilter;
import io.pgvectormigrate.prepare.Indexes.DeferredIndex;
import io.pgvectormigrate.prepare.TargetPreparer.Deferral;
import io.pgvectormigrate.report.Progress;
import io.pgvectormigrate.testing.PgServers;
import io.pgvectormigrate.testing.Sql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.pgvectormigrate.prepare.PrepareSupport.indexDefs;
import static io.pgvectormigrate.prepare.PrepareSupport.loadItems;
import static io.pgvectormigrate.prepare.PrepareSupport.oid;
import static io.pgvectormigrate.prepare.PrepareSupport.relfilenode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The deferral migrate does before its load ({@link TargetPreparer#deferForLoad}), on real clusters: an empty table's
 * secondary and vector indexes go (recorded on the target), a table that already holds rows keeps its own, a table
 * outside the source's selection is not touched, and the after-load pass brings back exactly what was deferred.
 */
@ExtendWith(PgServers.class)
class DeferForLoadTest {
    @Test
    void anEmptyTableIsLoadedWithoutItsIndexesAndATableWithRowsKeepsThem(PgServers.DbPair db) throws Exception {
        db.both(PrepareSupport.BEDROCK_V1_SETUP);
        db.both("CREATE TABLE notes(id int PRIMARY KEY, body text)", "CREATE INDEX idx_notes_body ON notes (body)");
        Sql.exec(db.target(), "CREATE TABLE target_only(id int PRIMARY KEY, v text)", "CREATE INDEX idx_target_only_v ON target_only (v)");
        loadItems(db.source(), 20);
        Sql.exec(db.target(), "INSERT INTO notes VALUES (1, 'already here')"); // --allow-nonempty-target's case
        Map<String, String> items = indexDefs(db.target(), "public", "items");
        long notesIndex = oid(db.target(), "idx_notes_body");
        long notesFile = relfilenode(db.target(), "idx_notes_body");

        List<String> lines = new CopyOnWriteArrayList<>();
        Deferral d = TargetPreparer.deferForLoad(db.target(), db.source(), TableFilter.ALL, capture(lines));
        assertEquals(List.of("idx_items_botid", "idx_items_embedding"), d.deferred().stream().map(DeferredIndex::name).sorted().toList());
        assertEquals(2, d.pending().size());
        assertEquals(List.of("public.idx_notes_body"), d.kept());
        assertEquals(List.of("items_pkey"), List.copyOf(indexDefs(db.target(), "public", "items").keySet()));
        assertEquals(oid(db.target(), "idx_notes_body"), notesIndex, "the table with rows keeps its index");
        assertEquals(2, indexDefs(db.target(), "public", "target_only").size(), "a table the source does not have is not loaded");
        assertTrue(String.join("\n", lines).contains("kept public.idx_notes_body in place: its table holds rows already"), lines.toString());

        // a resumed migrate: nothing left to drop, both still recorded
        Deferral again = TargetPreparer.deferForLoad(db.target(), db.source(), TableFilter.ALL, Progress.SILENT);
        assertEquals(List.of(), again.deferred());
        assertEquals(2, again.pending().size());
        assertEquals(List.of("public.idx_notes_body"), again.kept());

        TargetPreparer.afterLoad(db.target(), TableFilter.exactly(List.of(new io.pgvectormigrate.pg.TableId("public", "items"),
                new io.pgvectormigrate.pg.TableId("public", "notes"))), Progress.SILENT);
        assertEquals(items, indexDefs(db.target(), "public", "items"), "the same definitions as before");
        assertEquals(notesIndex, oid(db.target(), "idx_notes_body"));
        assertEquals(notesFile, relfilenode(db.target(), "idx_notes_body"), "the kept index is not rebuilt");
        assertEquals("0", Sql.scalar(db.target(), "SELECT count(*) FROM pgvector_migrate.deferred_index WHERE rebuilt_at IS NULL"));
    }

    private static Progress capture(List<String> lines) {
        return new Progress() {
            @Override public void info(String line) { lines.add(line); }
            @Override public Bar bar(String task, long total, String unit) { return NO_BAR; }
        };
    }
}
