package io.pgvectormigrate.testing;

import io.pgvectormigrate.pg.ConnectionSpec;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The schema features every engine must carry (issue 9, point 7), each as a source schema with rows, a round of
 * changes made while replication runs, and the checks that compare both sides once the run is cut over: every
 * leaf's rows, every sequence's position, every index definition (parameters included) and its validity.
 */
public enum SchemaFeatures {
    /** List partitioning with a sub-partitioned (range) partition, a default partition and an HNSW index with parameters. */
    LIST_PARTITIONS(new String[]{
            "CREATE TABLE docs (id bigint NOT NULL, region text NOT NULL, body text, emb vector(3), PRIMARY KEY (region, id)) "
                    + "PARTITION BY LIST (region)",
            "CREATE TABLE docs_eu PARTITION OF docs FOR VALUES IN ('eu')",
            "CREATE TABLE docs_us PARTITION OF docs FOR VALUES IN ('us') PARTITION BY RANGE (id)",
            "CREATE TABLE docs_us_low PARTITION OF docs_us FOR VALUES FROM (MINVALUE) TO (1000)",
            "CREATE TABLE docs_us_high PARTITION OF docs_us FOR VALUES FROM (1000) TO (MAXVALUE)",
            "CREATE TABLE docs_other PARTITION OF docs DEFAULT",
            "CREATE INDEX docs_emb ON docs USING hnsw (emb vector_l2_ops) WITH (m = 8, ef_construction = 40)",
            "CREATE INDEX docs_body ON docs (body)",
            "INSERT INTO docs SELECT g, (ARRAY['eu', 'us', 'apac'])[1 + g % 3], 'doc ' || g, "
                    + "ARRAY[g % 11, g % 7, 1]::real[]::vector FROM generate_series(1, 2400) g"},
            new String[]{
                    "INSERT INTO docs VALUES (5001, 'us', 'new us', '[1,1,1]'), (5002, 'eu', 'new eu', '[2,2,2]'), "
                            + "(5003, 'latam', 'new default', '[3,3,3]')",
                    "UPDATE docs SET body = body || ' (edited)', emb = '[9,9,9]' WHERE id % 10 = 0",
                    "DELETE FROM docs WHERE id % 17 = 0",
                    // moves the row to another partition: a delete on one leaf and an insert on another
                    "UPDATE docs SET region = 'eu' WHERE id = 4"}),

    /** Range partitioning, a serial key owned by the partitioned root, an IVFFlat index, and an index on one partition only. */
    RANGE_PARTITIONS(new String[]{
            "CREATE TABLE events (id bigserial, at date NOT NULL, kind text, emb vector(4), PRIMARY KEY (id, at)) "
                    + "PARTITION BY RANGE (at)",
            "CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
            "CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')",
            "CREATE INDEX events_emb ON events USING ivfflat (emb vector_cosine_ops) WITH (lists = 3)",
            "CREATE INDEX events_at ON events (at)",
            "CREATE INDEX events_2025_recent ON events_2025 (kind) WHERE kind <> 'old'",
            "INSERT INTO events (at, kind, emb) SELECT date '2024-03-01' + (g % 600), 'k' || (g % 5), "
                    + "ARRAY[1 + g % 3, g % 5, 1, 2]::real[]::vector FROM generate_series(1, 1800) g"},
            new String[]{
                    "INSERT INTO events (at, kind, emb) VALUES ('2025-06-01', 'new', '[1,2,3,4]'), ('2024-06-01', 'new', '[4,3,2,1]')",
                    "UPDATE events SET kind = 'old' WHERE id % 9 = 0",
                    "DELETE FROM events WHERE id % 13 = 0"}),

    /** Sequences no column owns: one a default uses, one only the application calls, a descending one, one never used. */
    UNOWNED_SEQUENCES(new String[]{
            "CREATE SEQUENCE ticket_no START 1000",
            "CREATE SEQUENCE invoice_no INCREMENT 5 START 7",
            "CREATE SEQUENCE countdown INCREMENT -1 START 100 MINVALUE 1 MAXVALUE 100",
            "CREATE SEQUENCE never_used",
            "CREATE TABLE tickets (id bigint PRIMARY KEY DEFAULT nextval('ticket_no'), title text)",
            "INSERT INTO tickets (title) SELECT 'ticket ' || g FROM generate_series(1, 60) g",
            "SELECT nextval('invoice_no') FROM generate_series(1, 4)",
            "SELECT nextval('countdown') FROM generate_series(1, 3)"},
            new String[]{
                    "INSERT INTO tickets (title) SELECT 'late ' || g FROM generate_series(1, 5) g",
                    "SELECT nextval('invoice_no') FROM generate_series(1, 3)",
                    "SELECT nextval('countdown')"}),

    /** Identity columns (ALWAYS, BY DEFAULT with its own options) and a stored generated column. */
    IDENTITY_AND_GENERATED(new String[]{
            "CREATE TABLE measures (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, celsius numeric, "
                    + "fahrenheit numeric GENERATED ALWAYS AS (celsius * 9 / 5 + 32) STORED)",
            "CREATE TABLE labels (id bigint GENERATED BY DEFAULT AS IDENTITY (START WITH 500 INCREMENT BY 10) PRIMARY KEY, "
                    + "label text, upper_label text GENERATED ALWAYS AS (upper(label)) STORED)",
            "INSERT INTO measures (celsius) SELECT g / 4.0 FROM generate_series(1, 200) g",
            "INSERT INTO labels (label) SELECT 'label ' || g FROM generate_series(1, 30) g"},
            new String[]{
                    "INSERT INTO measures (celsius) VALUES (-40), (100)",
                    "UPDATE measures SET celsius = celsius + 1 WHERE id % 7 = 0",
                    "INSERT INTO labels (label) VALUES ('late one')",
                    "UPDATE labels SET label = label || ' renamed' WHERE id = 510"}),

    /** halfvec and sparsevec columns, each with an HNSW index. */
    HALFVEC_AND_SPARSEVEC(new String[]{
            "CREATE TABLE embeddings (id int PRIMARY KEY, h halfvec(4), s sparsevec(6), v vector(2))",
            "CREATE INDEX embeddings_h ON embeddings USING hnsw (h halfvec_cosine_ops) WITH (m = 6)",
            "CREATE INDEX embeddings_s ON embeddings USING hnsw (s sparsevec_l2_ops)",
            "INSERT INTO embeddings SELECT g, ARRAY[g * 0.5, 1, g % 3, 0.25]::real[]::halfvec, "
                    + "('{' || (1 + g % 5) || ':' || g || ',6:1.5}/6')::sparsevec, ARRAY[g, -g]::real[]::vector "
                    + "FROM generate_series(1, 300) g"},
            new String[]{
                    "INSERT INTO embeddings VALUES (1001, '[1,2,3,4]', '{1:1,2:2}/6', '[1,1]')",
                    "UPDATE embeddings SET h = '[0.5,0.5,0.5,0.5]', s = '{3:7}/6' WHERE id % 11 = 0",
                    "DELETE FROM embeddings WHERE id % 23 = 0"}),

    /** HNSW and IVFFlat indexes with every parameter set, on one table. */
    VECTOR_INDEX_PARAMETERS(new String[]{
            "CREATE TABLE chunks (id int PRIMARY KEY, emb vector(8))",
            "CREATE INDEX chunks_hnsw ON chunks USING hnsw (emb vector_ip_ops) WITH (m = 12, ef_construction = 48)",
            "CREATE INDEX chunks_ivf ON chunks USING ivfflat (emb vector_cosine_ops) WITH (lists = 7)",
            "CREATE INDEX chunks_hnsw_l1 ON chunks USING hnsw (emb vector_l1_ops) WITH (m = 4, ef_construction = 10)",
            "INSERT INTO chunks SELECT g, (SELECT array_agg(sin(g * j)::real ORDER BY j) FROM generate_series(1, 8) j)::vector "
                    + "FROM generate_series(1, 500) g"},
            new String[]{
                    "INSERT INTO chunks VALUES (9001, '[1,0,0,0,0,0,0,1]')",
                    "DELETE FROM chunks WHERE id % 19 = 0"}),

    /** Several schemas, quoted mixed-case schema, table, column, index and sequence names, a partitioned one among them. */
    SCHEMAS_AND_MIXED_CASE(new String[]{
            "CREATE SCHEMA \"Sales\"",
            "CREATE SCHEMA crm",
            "CREATE TABLE \"Sales\".\"Orders\" (\"OrderId\" bigserial PRIMARY KEY, \"Note\" text, \"Emb\" vector(3))",
            "CREATE INDEX \"Orders_Emb_Idx\" ON \"Sales\".\"Orders\" USING hnsw (\"Emb\" vector_cosine_ops) WITH (m = 10)",
            "CREATE TABLE \"Sales\".\"Region Data\" (\"Id\" int, \"Region\" text, PRIMARY KEY (\"Id\", \"Region\")) "
                    + "PARTITION BY LIST (\"Region\")",
            "CREATE TABLE \"Sales\".\"Region Data North\" PARTITION OF \"Sales\".\"Region Data\" FOR VALUES IN ('North')",
            "CREATE TABLE \"Sales\".\"Region Data Rest\" PARTITION OF \"Sales\".\"Region Data\" DEFAULT",
            "CREATE TABLE crm.contacts (id serial PRIMARY KEY, \"Full Name\" text)",
            "CREATE SEQUENCE \"Sales\".\"Invoice Seq\" START 40",
            "INSERT INTO \"Sales\".\"Orders\" (\"Note\", \"Emb\") SELECT 'order ' || g, ARRAY[g, 1, 2]::real[]::vector "
                    + "FROM generate_series(1, 120) g",
            "INSERT INTO \"Sales\".\"Region Data\" SELECT g, (ARRAY['North', 'South'])[1 + g % 2] FROM generate_series(1, 80) g",
            "INSERT INTO crm.contacts (\"Full Name\") SELECT 'Person ' || g FROM generate_series(1, 25) g",
            "SELECT nextval('\"Sales\".\"Invoice Seq\"') FROM generate_series(1, 2)"},
            new String[]{
                    "INSERT INTO \"Sales\".\"Orders\" (\"Note\", \"Emb\") VALUES ('late', '[1,2,3]')",
                    "UPDATE \"Sales\".\"Region Data\" SET \"Region\" = 'North' WHERE \"Id\" = 2",
                    "DELETE FROM crm.contacts WHERE id = 3",
                    "SELECT nextval('\"Sales\".\"Invoice Seq\"')"});

    /** The schemas the tests leave out of comparisons: the tool's own and the system's. */
    private static final String USER_SCHEMAS = "n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgvector_migrate') "
            + "AND n.nspname NOT LIKE 'pg\\_%'";

    private final String[] schema;
    private final String[] changes;

    SchemaFeatures(String[] schema, String[] changes) {
        this.schema = schema;
        this.changes = changes;
    }

    /** Creates the feature's schema and rows on the source (the target gets its schema from prepare-target). */
    public void createOnSource(ConnectionSpec source) throws SQLException {
        Sql.exec(source, "CREATE EXTENSION IF NOT EXISTS vector");
        Sql.exec(source, schema);
    }

    /** Changes made on the source while replication runs: inserts, updates, deletes and sequence calls. */
    public void change(ConnectionSpec source) throws SQLException {
        Sql.exec(source, changes);
    }

    /** Every check of a finished run: rows per leaf, sequence positions, index definitions and validity. */
    public static void assertCarried(ConnectionSpec source, ConnectionSpec target) throws SQLException {
        List<String> leaves = leafRowCounts(source);
        assertFalse(leaves.isEmpty(), "the feature has tables");
        assertEquals(leaves, leafRowCounts(target), "rows per table and partition");
        assertEquals(sequencePositions(source), sequencePositions(target), "sequence positions");
        assertEquals(indexDefinitions(source), indexDefinitions(target), "index definitions (with their parameters)");
        assertEquals(List.of(), rows(target, "SELECT i.indexrelid::regclass::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                + "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE NOT i.indisvalid AND " + USER_SCHEMAS), "invalid indexes on the target");
    }

    /** "schema.table=rows" for every table that holds rows (ordinary tables and leaf partitions). */
    public static List<String> leafRowCounts(ConnectionSpec spec) throws SQLException {
        return rows(spec, "SELECT n.nspname || '.' || c.relname || '=' || (xpath('/row/c/text()', query_to_xml(format("
                + "'SELECT count(*) AS c FROM ONLY %I.%I', n.nspname, c.relname), false, true, '')))[1]::text "
                + "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND " + USER_SCHEMAS
                + " ORDER BY 1");
    }

    /** "schema.sequence=last_value" ("unset" before the first nextval) for every sequence. */
    public static List<String> sequencePositions(ConnectionSpec spec) throws SQLException {
        return rows(spec, "SELECT schemaname || '.' || sequencename || '=' || coalesce(last_value::text, 'unset') "
                + "FROM pg_sequences WHERE schemaname <> 'pgvector_migrate' ORDER BY 1");
    }

    /** "schema.table: indexdef" for every index, partitions' own included. */
    public static List<String> indexDefinitions(ConnectionSpec spec) throws SQLException {
        return rows(spec, "SELECT schemaname || '.' || tablename || ': ' || indexdef FROM pg_indexes "
                + "WHERE " + USER_SCHEMAS.replace("n.nspname", "schemaname") + " ORDER BY 1");
    }

    public static List<String> rows(ConnectionSpec spec, String query) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(spec.jdbcUrl(), spec.driverProperties());
             Statement st = c.createStatement(); ResultSet rs = st.executeQuery(query)) {
            while (rs.next()) out.add(rs.getString(1));
        }
        return out;
    }

    /** Whether a sequence's next value on the target is the source's (nextval is compared without being called). */
    public static void assertSameNext(ConnectionSpec source, ConnectionSpec target, String sequence) throws SQLException {
        String q = "SELECT CASE WHEN is_called THEN last_value::text || '+' ELSE last_value::text END FROM " + sequence;
        String s = Sql.scalar(source, q);
        assertTrue(s != null && !s.isEmpty(), sequence);
        assertEquals(s, Sql.scalar(target, q), "position of " + sequence);
    }
}
