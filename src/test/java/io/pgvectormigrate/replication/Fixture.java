package io.pgvectormigrate.replication;

import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pipeline.Journal;
import io.pgvectormigrate.pipeline.RunContext;
import io.pgvectormigrate.report.Progress;
import io.pgvectormigrate.sample.BedrockChatSample;
import io.pgvectormigrate.testing.PgServers;
import io.pgvectormigrate.testing.Sql;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Bedrock Chat schema in plain SQL, small data, live writers and the comparisons the engine tests share. */
final class Fixture {
    private Fixture() {}

    /** Bedrock Chat's items table and indexes, plus a serial-keyed table so sequences are exercised. */
    static final String[] SCHEMA = {
            "CREATE EXTENSION IF NOT EXISTS pgcrypto",
            "CREATE EXTENSION IF NOT EXISTS vector",
            "CREATE TABLE items(id CHAR(26) primary key, botid CHAR(26), content text, source text, embedding vector(1024))",
            "CREATE INDEX idx_items_embedding ON items USING ivfflat (embedding vector_l2_ops) WITH (lists = 100)",
            "CREATE INDEX idx_items_botid ON items (botid)",
            "CREATE TABLE bot_audit(id bigserial primary key, botid CHAR(26), note text)",
    };

    static void schemaAndRows(PgServers.DbPair db, long items, long audits) throws SQLException {
        db.both(SCHEMA);
        try (Connection c = db.openSource()) {
            BedrockChatSample.generate(c, items, 5, 42, Progress.SILENT);
        }
        Sql.exec(db.source(), "INSERT INTO bot_audit(botid, note) SELECT lpad(g::text, 26, 'B'), 'note ' || g || ' — ünïcødé' "
                + "FROM generate_series(1, " + audits + ") g");
    }

    /** An exact fingerprint of a table's contents: row count and an ordered hash of every column (vectors as binary). */
    static String itemsHash(ConnectionSpec spec) throws SQLException {
        return Sql.scalar(spec, "SELECT count(*) || ':' || coalesce(md5(string_agg(md5(id || '|' || coalesce(botid, '') || '|' "
                + "|| coalesce(content, '') || '|' || coalesce(source, '') || '|' || coalesce(encode(vector_send(embedding), 'hex'), '')), "
                + "',' ORDER BY id)), '') FROM items");
    }

    static String auditHash(ConnectionSpec spec) throws SQLException {
        return Sql.scalar(spec, "SELECT count(*) || ':' || coalesce(md5(string_agg(id || '|' || coalesce(botid, '') || '|' "
                + "|| coalesce(note, ''), ',' ORDER BY id)), '') FROM bot_audit");
    }

    static String vectorLiteral(SplittableRandom rnd) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < 1024; i++) {
            if (i > 0) sb.append(',');
            sb.append((float) (rnd.nextDouble() * 2 - 1));
        }
        return sb.append(']').toString();
    }

    /**
     * One round of writes: inserts, updates (text and vector) and deletes on both tables. {@code tag} keeps the new
     * ids of different rounds apart.
     */
    static void writeRound(ConnectionSpec source, String tag, int n, SplittableRandom rnd) throws SQLException {
        try (Connection c = DriverManager.getConnection(source.jdbcUrl(), source.driverProperties())) {
            try (PreparedStatement ins = c.prepareStatement("INSERT INTO items VALUES (?, ?, ?, ?, ?::vector)")) {
                for (int i = 0; i < n; i++) {
                    String id = String.format("%-26s", tag + "-" + i).replace(' ', 'Z').substring(0, 26);
                    ins.setString(1, id);
                    ins.setString(2, "LIVEBOT000000000000000000X");
                    ins.setString(3, "live row " + tag + " " + i + " 日本語");
                    ins.setString(4, "s3://live/" + tag);
                    ins.setString(5, vectorLiteral(rnd));
                    ins.executeUpdate();
                }
            }
            try (PreparedStatement up = c.prepareStatement("UPDATE items SET content = content || ' (edited " + tag + ")', "
                    + "embedding = ?::vector WHERE id = (SELECT id FROM items WHERE content NOT LIKE '%edited%' ORDER BY id OFFSET ? LIMIT 1)")) {
                for (int i = 0; i < n; i++) {
                    up.setString(1, vectorLiteral(rnd));
                    up.setInt(2, rnd.nextInt(50));
                    up.executeUpdate();
                }
            }
            try (PreparedStatement del = c.prepareStatement("DELETE FROM items WHERE id = (SELECT id FROM items ORDER BY id DESC OFFSET ? LIMIT 1)")) {
                for (int i = 0; i < n; i++) {
                    del.setInt(1, rnd.nextInt(100));
                    del.executeUpdate();
                }
            }
            Sql.exec(source, "INSERT INTO bot_audit(botid, note) SELECT 'LIVEBOT000000000000000000X', '" + tag + " ' || g FROM generate_series(1, " + n + ") g",
                    "UPDATE bot_audit SET note = note || ' ~' WHERE id IN (SELECT id FROM bot_audit ORDER BY id LIMIT " + n + ")",
                    "DELETE FROM bot_audit WHERE id IN (SELECT id FROM bot_audit ORDER BY id DESC OFFSET 3 LIMIT 2)");
        }
    }

    /** A writer that keeps changing the source until stopped. */
    static final class LiveWriter implements AutoCloseable {
        private final AtomicBoolean stop = new AtomicBoolean();
        private final AtomicInteger rounds = new AtomicInteger();
        private final Thread thread;
        private volatile Throwable failure;

        LiveWriter(ConnectionSpec source, String tag) {
            SplittableRandom rnd = new SplittableRandom(tag.hashCode());
            thread = new Thread(() -> {
                try {
                    while (!stop.get()) {
                        writeRound(source, tag + rounds.get(), 2, rnd);
                        rounds.incrementAndGet();
                        Thread.sleep(20);
                    }
                } catch (Throwable t) {
                    failure = t;
                }
            }, "live-writer");
            thread.start();
        }

        int rounds() {
            return rounds.get();
        }

        /** Waits until the writer has committed at least {@code n} rounds; fails after {@code timeout}. */
        void awaitRounds(int n, java.time.Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (rounds.get() < n) {
                if (failure != null) throw new AssertionError("live writer failed", failure);
                if (System.nanoTime() > deadline) throw new AssertionError("live writer made " + rounds.get() + " of " + n + " rounds in " + timeout);
                Thread.sleep(10);
            }
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            thread.join(30_000);
            if (thread.isAlive()) throw new AssertionError("live writer still writing 30 s after it was told to stop");
            if (failure != null) throw new AssertionError("live writer failed", failure);
        }
    }

    /** A journal under {@code dir} and progress lines captured for assertions. */
    record Run(RunContext ctx, List<String> lines) {
        String output() {
            synchronized (lines) {
                return String.join("\n", lines);
            }
        }
    }

    static Run run(Path dir, String runId) {
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        Progress p = new Progress() {
            @Override public void info(String line) { lines.add(line); }
            @Override public Bar bar(String task, long total, String unit) { return NO_BAR; }
        };
        return new Run(new RunContext(Journal.open(dir, runId, "test", Clock.systemUTC()), p, dir, Clock.systemUTC()), lines);
    }

    /** Nothing of this run's replication left on either side. */
    static void assertNoReplicationLeft(PgServers.DbPair db, String runId) throws SQLException {
        ReplicationNames n = ReplicationNames.forRun(runId);
        assertEquals(0, Sql.count(db.source(), "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + n.slot()
                + "' OR database = current_database()"), "replication slots left on the source");
        assertEquals(0, Sql.count(db.source(), "SELECT count(*) FROM pg_publication"), "publications left on the source");
        assertEquals(0, Sql.count(db.target(), "SELECT count(*) FROM pg_subscription WHERE subdbid = "
                + "(SELECT oid FROM pg_database WHERE datname = current_database())"), "subscriptions left on the target");
    }

    static void assertNoSecret(String where, String text, String password) {
        assertTrue(password != null && password.length() >= 8, "the test needs a real password");
        assertFalse(text.contains(password), "the password appears in " + where);
    }

    /** The server log of a local test instance (data directory's sibling postgres.log); empty when not readable. */
    static String serverLog(ConnectionSpec spec) throws SQLException {
        String path = Sql.scalar(spec, "SELECT current_setting('data_directory') || '/../postgres.log'");
        String exists = Sql.scalar(spec, "SELECT (pg_stat_file('" + path + "', true)).size IS NOT NULL");
        if (!"t".equals(exists)) return "";
        return Sql.scalar(spec, "SELECT pg_read_file('" + path + "')");
    }
}
