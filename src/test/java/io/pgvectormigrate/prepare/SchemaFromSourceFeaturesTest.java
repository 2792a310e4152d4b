package io.pgvectormigrate.prepare;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgvectormigrate.report.Json;
import io.pgvectormigrate.testing.CliRun;
import io.pgvectormigrate.testing.PgServers;
import io.pgvectormigrate.testing.SchemaFeatures;
import io.pgvectormigrate.testing.Sql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static io.pgvectormigrate.prepare.PrepareSupport.cliNoSecrets;
import static io.pgvectormigrate.prepare.PrepareSupport.indexDefs;
import static io.pgvectormigrate.prepare.PrepareSupport.rows;
import static io.pgvectormigrate.prepare.PrepareSupport.url;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** prepare-target --schema-from-source with partitioned tables and sequences no column owns. */
@ExtendWith(PgServers.class)
class SchemaFromSourceFeaturesTest {
    @TempDir
    Path tmp;

    private static final String PARTITIONS = "SELECT c.relname || ' ' || pg_get_expr(c.relpartbound, c.oid) || ' of ' "
            + "|| (SELECT inhparent::regclass::text FROM pg_inherits WHERE inhrelid = c.oid) FROM pg_class c "
            + "WHERE c.relispartition AND c.relkind IN ('r', 'p') ORDER BY 1";
    private static final String SEQUENCES = "SELECT schemaname || '.' || sequencename || ' ' || increment_by || ' ' || start_value "
            + "FROM pg_sequences WHERE schemaname <> 'pgvector_migrate' ORDER BY 1";

    @Test
    void everyPartitionAndSequenceIsCreatedAndPartitionedIndexesComeBackWithTheirNames(PgServers.DbPair db) throws Exception {
        SchemaFeatures.LIST_PARTITIONS.createOnSource(db.source());
        SchemaFeatures.UNOWNED_SEQUENCES.createOnSource(db.source());
        String[] prepare = {"prepare-target", "--target", url(db.target()), "--source", url(db.source()), "--schema-from-source",
                "--defer-indexes", "--format", "json"};
        CliRun.Result r = cliNoSecrets(tmp, List.of(db.target(), db.source()), prepare);
        assertEquals(0, r.exitCode(), r.toString());
        JsonNode json = Json.mapper().readTree(r.out());
        assertEquals("[\"public.docs\",\"public.tickets\"]", json.get("tablesCreated").toString());
        assertEquals(rows(db.source(), PARTITIONS), rows(db.target(), PARTITIONS), "the same partition tree");
        assertEquals(5, rows(db.target(), PARTITIONS).size());
        assertEquals(rows(db.source(), SEQUENCES), rows(db.target(), SEQUENCES), "every sequence, unowned ones included");

        // the partitioned indexes were deferred whole: nothing but the keys is left on the partitions
        List<String> deferred = new ArrayList<>();
        for (JsonNode d : json.get("deferredIndexes")) deferred.add(d.get("table").asText() + "." + d.get("name").asText());
        assertEquals(List.of("docs.docs_body", "docs.docs_emb"), deferred.stream().sorted().toList());
        String emb = json.get("deferredIndexes").findValues("definition").stream().map(JsonNode::asText)
                .filter(d -> d.contains("docs_emb ON ONLY")).findFirst().orElseThrow();
        assertTrue(emb.contains("ALTER INDEX \"public\".\"docs_us_emb_idx\" ATTACH PARTITION \"public\".\"docs_us_low_emb_idx\""), emb);
        assertEquals(List.of("docs_eu_pkey"), List.copyOf(indexDefs(db.target(), "public", "docs_eu").keySet()));

        // after the load: the same indexes as the source, names and parameters, each valid
        CliRun.Result after = cliNoSecrets(tmp, List.of(db.target()), "prepare-target", "--target", url(db.target()), "--after-load");
        assertEquals(0, after.exitCode(), after.toString());
        assertEquals(SchemaFeatures.indexDefinitions(db.source()), SchemaFeatures.indexDefinitions(db.target()));
        assertEquals("0", Sql.scalar(db.target(), "SELECT count(*) FROM pg_index WHERE NOT indisvalid"));

        // a re-run finds the same definitions, partitions included
        CliRun.Result again = cliNoSecrets(tmp, List.of(db.target(), db.source()), prepare);
        assertEquals(0, again.exitCode(), again.toString());
        assertEquals("[\"public.docs\",\"public.tickets\"]", Json.mapper().readTree(again.out()).get("tablesPresent").toString());

        // a partition the target lacks is a difference, named
        Sql.exec(db.target(), "DROP TABLE docs_other");
        CliRun.Result differs = cliNoSecrets(tmp, List.of(db.target(), db.source()), prepare);
        assertEquals(2, differs.exitCode(), differs.toString());
        assertTrue(differs.err().contains("target table public.docs differs from the source: partition public.docs_other DEFAULT "
                + "is missing on the target"), differs.err());
    }

    @Test
    void aSequenceMissingOnTheTargetNeedsSchemaFromSource(PgServers.DbPair db) throws Exception {
        db.both("CREATE TABLE notes (id bigint PRIMARY KEY, note text)");
        Sql.exec(db.source(), "CREATE SEQUENCE invoice_no");
        CliRun.Result r = cliNoSecrets(tmp, List.of(db.target(), db.source()), "prepare-target", "--target", url(db.target()),
                "--source", url(db.source()));
        assertEquals(2, r.exitCode(), r.toString());
        assertTrue(r.err().contains("error: the target lacks sequence public.invoice_no that the source has: pass --schema-from-source"),
                r.err());
        CliRun.Result created = cliNoSecrets(tmp, List.of(db.target(), db.source()), "prepare-target", "--target", url(db.target()),
                "--source", url(db.source()), "--schema-from-source");
        assertEquals(0, created.exitCode(), created.toString());
        assertEquals("1", Sql.scalar(db.target(), "SELECT nextval('public.invoice_no')"));
    }
}
