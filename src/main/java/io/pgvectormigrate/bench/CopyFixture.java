package io.pgvectormigrate.bench;

import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pg.Queries;
import io.pgvectormigrate.report.Progress;
import io.pgvectormigrate.sample.BedrockChatSample;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The copy benchmark's source: N generated Bedrock Chat rows in {@code bench.public.items} with both of Bedrock
 * Chat's indexes ({@link Shape#BEDROCK_CHAT}), optionally with three tables of other shapes beside it
 * ({@link Shape#MIXED}), vacuumed and analyzed, marked with a comment so a kept directory can use it again; and the
 * one data check every copy gets before its time counts.
 */
public record CopyFixture(long rows, int bots, Shape shape) {
    static final String DATABASE = "bench";

    /** Which tables the source holds. */
    public enum Shape {
        /** Bedrock Chat's public.items alone. */
        BEDROCK_CHAT,
        /**
         * items plus: documents, hash-partitioned in 4 (N/2 rows of 0.6-2 KB text, a btree on a timestamp);
         * events, plain and narrow (2N rows with jsonb, a btree); bot_embeddings, plain (N/4 rows of vector(384), an
         * ivfflat index with cosine distance).
         */
        MIXED
    }

    /**
     * One table: its DDL without secondary indexes (as a data-only copy finds it), those indexes, how to fill it
     * from N (:rows), and every column in a form that hashes exactly (a vector as its binary send form: what COPY carries).
     */
    private record Table(String name, boolean partitioned, String create, String indexes, String fill, String columns) {}

    private static final Table ITEMS = new Table("items", false, null, null, null,
            "id, botid, content COLLATE \"C\", source COLLATE \"C\", vector_send(embedding)");
    private static final List<Table> OTHERS = List.of(
            new Table("documents", true, """
                    CREATE TABLE documents (id bigint NOT NULL, botid char(26) NOT NULL, title text, body text,
                        created timestamptz NOT NULL, PRIMARY KEY (id)) PARTITION BY HASH (id);
                    CREATE TABLE documents_p0 PARTITION OF documents FOR VALUES WITH (MODULUS 4, REMAINDER 0);
                    CREATE TABLE documents_p1 PARTITION OF documents FOR VALUES WITH (MODULUS 4, REMAINDER 1);
                    CREATE TABLE documents_p2 PARTITION OF documents FOR VALUES WITH (MODULUS 4, REMAINDER 2);
                    CREATE TABLE documents_p3 PARTITION OF documents FOR VALUES WITH (MODULUS 4, REMAINDER 3)""",
                    "CREATE INDEX documents_created ON documents (created)",
                    "INSERT INTO documents SELECT g, lpad(to_hex(g % 20), 26, '0'), 'document ' || g, repeat(md5(g::text), 20 + g % 40), "
                            + "timestamptz '2024-01-01' + g * interval '1 minute' FROM generate_series(1, greatest(1, :rows / 2)) g",
                    "id, botid, title COLLATE \"C\", body COLLATE \"C\", created"),
            new Table("events", false,
                    "CREATE TABLE events (id bigint PRIMARY KEY, item_id char(26), kind smallint NOT NULL, at timestamptz NOT NULL, payload jsonb)",
                    "CREATE INDEX events_item ON events (item_id)",
                    "INSERT INTO events SELECT g, lpad(to_hex(g % 5000), 26, '0'), (g % 7)::smallint, "
                            + "timestamptz '2024-01-01' + g * interval '1 second', jsonb_build_object('n', g, 'tag', 't' || (g % 13)) "
                            + "FROM generate_series(1, 2 * :rows) g",
                    "id, item_id, kind, at, payload"),
            new Table("bot_embeddings", false,
                    "CREATE TABLE bot_embeddings (id integer PRIMARY KEY, label text, embedding vector(384))",
                    "CREATE INDEX bot_embeddings_embedding ON bot_embeddings USING ivfflat (embedding vector_cosine_ops) WITH (lists = 20)",
                    "INSERT INTO bot_embeddings SELECT g, 'label ' || (g % 100), "
                            + "(SELECT array_agg(sin(g * 0.37 + d * 1.3)::real) FROM generate_series(1, 384) d)::vector "
                            + "FROM generate_series(1, greatest(1, :rows / 4)) g",
                    "id, label COLLATE \"C\", vector_send(embedding)"));

    private List<Table> tables() {
        return shape == Shape.MIXED ? Stream.concat(Stream.of(ITEMS), OTHERS.stream()).toList() : List.of(ITEMS);
    }

    /** pg_dump's table options for every table (a partitioned one with its partitions: PostgreSQL 15 has no --table-and-children). */
    List<String> dumpTables() {
        return tables().stream()
                .flatMap(t -> Stream.of("-t", "public." + t.name() + (t.partitioned() ? "*" : ""))).toList();
    }

    /** Per table, a binary COPY out of the source and into the target (a partitioned table's rows through a query). */
    List<String[]> copyStatements() {
        return tables().stream().map(t -> new String[]{
                "COPY " + (t.partitioned() ? "(SELECT * FROM " + t.name() + ")" : t.name()) + " TO STDOUT (FORMAT binary)",
                "COPY " + t.name() + " FROM STDIN (FORMAT binary)"}).toList();
    }

    private String marker() {
        return "pgvector-migrate copy benchmark: " + rows + " rows, " + bots + " bots" + (shape == Shape.MIXED ? ", mixed tables" : "");
    }

    /**
     * Refuses to start without room for the source, one target at a time and their WAL: the source (table, TOAST,
     * both indexes) is about 14 KB a row.
     */
    void checkDiskSpace(Path base, boolean keep) throws IOException {
        boolean kept = keep && Files.exists(base.resolve("source").resolve("data").resolve("PG_VERSION"));
        long needed = (long) (rows * (shape == Shape.MIXED ? 17_000L : 14_500L) * (kept ? 1.3 : 2.3));
        long usable = Files.getFileStore(base).getUsableSpace();
        if (usable < needed) {
            throw ToolException.usage(String.format(Locale.ROOT, "%,d rows need about %s free in %s, only %s is: "
                    + "free some space or pass --dir on a larger disk", rows, Bench.bytes(needed), base, Bench.bytes(usable)));
        }
    }

    /** True when the source database of an earlier run with the same rows and bots is there to use again. */
    boolean kept(Bench.Pair pair) throws SQLException {
        return marker().equals(Bench.comment(pair.source(), DATABASE));
    }

    /** Creates the source database afresh (generation is not timed). */
    void generate(Bench.Pair pair, Progress p) throws SQLException {
        Bench.exec(pair.source().connection("postgres"), "DROP DATABASE IF EXISTS " + DATABASE, "CREATE DATABASE " + DATABASE);
        p.info(String.format(Locale.ROOT, "generating %,d Bedrock Chat rows (%d bots)%s on the source", rows, bots,
                shape == Shape.MIXED ? " and three tables of other shapes" : ""));
        try (Connection c = Bench.open(pair.source().connection(DATABASE))) {
            BedrockChatSample.createTable(c);
            BedrockChatSample.generate(c, rows, bots, 42, p);
            BedrockChatSample.createIndexes(c);
            for (Table t : tables()) {
                if (t.create() == null) continue;
                Queries.exec(c, t.create());
                Queries.exec(c, t.fill().replace(":rows", String.valueOf(rows)));
                Queries.exec(c, t.indexes());
            }
            Queries.exec(c, "VACUUM (ANALYZE)");
        }
        Bench.exec(pair.source().connection("postgres"), "COMMENT ON DATABASE " + DATABASE + " IS '" + marker() + "'");
    }

    /** The tables as a peer that copies data only finds them prepared: with their primary keys, as prepare-target leaves them. */
    void createEmptyTables(ConnectionSpec target) throws SQLException {
        try (Connection c = Bench.open(target)) {
            BedrockChatSample.createTable(c);
            for (Table t : tables()) {
                if (t.create() != null) Queries.exec(c, t.create());
            }
        }
    }

    /** "source table 1.4 GB", or with more than one table what they are and the whole source database's size. */
    String size(ConnectionSpec source) throws SQLException {
        return shape == Shape.MIXED
                ? "plus documents (hash-partitioned in 4, N/2 rows), events (2N rows) and bot_embeddings (N/4 rows of vector(384)); "
                + "source database " + Bench.scalar(source, "SELECT pg_size_pretty(pg_database_size(current_database()))")
                : "source table " + Bench.scalar(source, "SELECT pg_size_pretty(pg_total_relation_size('items'))");
    }

    /**
     * What every copy must match: per table the row count and a hash over every column of every row (the vectors'
     * exact bytes included) and, with {@code indexes}, the number of indexes in the schema (partitions' included).
     */
    String fingerprint(ConnectionSpec spec, boolean indexes) throws SQLException {
        String tables = tables().stream().map(t -> "(SELECT " + (t == ITEMS ? "" : "'" + t.name() + " ' || ")
                + "count(*) || ' rows, ' || coalesce(sum(hash_record_extended(ROW(" + t.columns() + "), 0)), 0)::text"
                + " FROM " + t.name() + ")").collect(Collectors.joining(" || '; ' || "));
        String sql = "SELECT " + tables
                + (indexes ? " || ', ' || (SELECT count(*) FROM pg_indexes WHERE schemaname = 'public') || ' indexes'" : "");
        return Bench.scalar(spec, sql);
    }

    /** Fails the benchmark when the copy in {@code target} differs from the source; says so when it does not. */
    void check(Progress p, ConnectionSpec target, String expected, String what, boolean indexes) throws SQLException {
        String got = fingerprint(target, indexes);
        if (!got.equals(expected)) {
            throw ToolException.runtime(what + ": the copy differs from the source (" + got + " vs " + expected + ")");
        }
        p.info("  " + what + ": identical to the source (" + got + ")");
    }
}
