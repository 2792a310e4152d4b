package io.pgvectormigrate.bench;

import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.report.Progress;
import io.pgvectormigrate.sample.BedrockChatSample;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Locale;

/**
 * The copy benchmark's source: N generated Bedrock Chat rows in {@code bench.public.items} with both of Bedrock
 * Chat's indexes, vacuumed and analyzed, marked with a comment so a kept directory can use it again; and the one
 * data check every copy gets before its time counts.
 */
final class CopyFixture {
    static final String DATABASE = "bench";
    /** Every column of the table, in a form that hashes exactly: the vector as its binary send form (what COPY carries). */
    private static final String ALL_COLUMNS = "ROW(id, botid, content COLLATE \"C\", source COLLATE \"C\", vector_send(embedding))";

    private final long rows;
    private final int bots;

    CopyFixture(long rows, int bots) {
        this.rows = rows;
        this.bots = bots;
    }

    long rows() {
        return rows;
    }

    int bots() {
        return bots;
    }

    private String marker() {
        return "pgvector-migrate copy benchmark: " + rows + " rows, " + bots + " bots";
    }

    /**
     * Refuses to start without room for the source, one target at a time and their WAL: the source (table, TOAST,
     * both indexes) is about 14 KB a row.
     */
    void checkDiskSpace(Path base, boolean keep) throws IOException {
        boolean kept = keep && Files.exists(base.resolve("source").resolve("data").resolve("PG_VERSION"));
        long needed = (long) (rows * 14_500L * (kept ? 1.3 : 2.3));
        long usable = Files.getFileStore(base).getUsableSpace();
        if (usable < needed) {
            throw ToolException.usage(String.format(Locale.ROOT, "%,d rows need about %s free in %s, only %s is: "
                    + "free some space or pass --dir on a larger disk", rows, Bench.bytes(needed), base, Bench.bytes(usable)));
        }
    }

    /** True when the source database of an earlier run with the same rows and bots is there to use again. */
    boolean kept(Bench.Pair pair) throws SQLException {
        return marker().equals(Bench.comment(pair.source, DATABASE));
    }

    /** Creates the source database afresh (generation is not timed). */
    void generate(Bench.Pair pair, Progress p) throws SQLException {
        Bench.exec(pair.source.connection("postgres"), "DROP DATABASE IF EXISTS " + DATABASE, "CREATE DATABASE " + DATABASE);
        p.info(String.format(Locale.ROOT, "generating %,d Bedrock Chat rows (%d bots) on the source", rows, bots));
        try (Connection c = Bench.open(pair.source.connection(DATABASE))) {
            BedrockChatSample.createTable(c);
            BedrockChatSample.generate(c, rows, bots, 42, p);
            BedrockChatSample.createIndexes(c);
            try (var st = c.createStatement()) {
                st.execute("VACUUM (ANALYZE) items");
            }
        }
        Bench.exec(pair.source.connection("postgres"), "COMMENT ON DATABASE " + DATABASE + " IS '" + marker() + "'");
    }

    /** The table as a peer that copies data only finds it prepared: with its primary key, as prepare-target leaves it. */
    static void createEmptyTable(ConnectionSpec target) throws SQLException {
        try (Connection c = Bench.open(target)) {
            BedrockChatSample.createTable(c);
        }
    }

    static String size(ConnectionSpec source) throws SQLException {
        return Bench.scalar(source, "SELECT pg_size_pretty(pg_total_relation_size('items'))");
    }

    /**
     * What every copy must match: the row count, a hash over every column of every row (the vector's exact bytes
     * included) and, with {@code indexes}, the number of indexes.
     */
    static String fingerprint(ConnectionSpec spec, boolean indexes) throws SQLException {
        return Bench.scalar(spec, "SELECT count(*) || ' rows, ' || coalesce(sum(hash_record_extended(" + ALL_COLUMNS + ", 0)), 0)::text"
                + (indexes ? " || ', ' || (SELECT count(*) FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'items') || ' indexes'" : "")
                + " FROM items");
    }

    /** Fails the benchmark when the copy in {@code target} differs from the source; says so when it does not. */
    static void check(Progress p, ConnectionSpec target, String expected, String what, boolean indexes) throws SQLException {
        String got = fingerprint(target, indexes);
        if (!got.equals(expected)) {
            throw ToolException.runtime(what + ": the copy differs from the source (" + got + " vs " + expected + ")");
        }
        p.info("  " + what + ": identical to the source (" + got + ")");
    }
}
