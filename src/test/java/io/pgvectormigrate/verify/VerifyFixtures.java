package io.pgvectormigrate.verify;

import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.testing.CliRun;
import io.pgvectormigrate.testing.PgServers;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Test data and CLI helpers for the verify tests. */
final class VerifyFixtures {
    private VerifyFixtures() {}

    /** A postgresql:// URI with the password in it (what an operator might paste). */
    static String url(ConnectionSpec s) {
        return "postgresql://" + s.user() + ":" + URLEncoder.encode(s.password(), StandardCharsets.UTF_8) + "@"
                + s.host() + ":" + s.port() + "/" + s.database();
    }

    /** The Bedrock Chat vector schema (as its setup Lambda creates it) with {@code rows} deterministic rows. */
    static void bedrockItems(PgServers.DbPair db, int rows, int dims) throws SQLException {
        bedrockItems(db, rows, dims, "");
    }

    /** {@code tableOptions}: e.g. " WITH (autovacuum_enabled = false)", set before any row exists. */
    static void bedrockItems(PgServers.DbPair db, int rows, int dims, String tableOptions) throws SQLException {
        db.both("CREATE EXTENSION IF NOT EXISTS pgcrypto", "CREATE EXTENSION IF NOT EXISTS vector",
                "CREATE TABLE items(id CHAR(26) primary key, botid CHAR(26), content text, source text, embedding vector("
                        + dims + "))" + tableOptions,
                "CREATE INDEX idx_items_embedding ON items USING ivfflat (embedding vector_l2_ops) WITH (lists = 10)",
                "CREATE INDEX idx_items_botid ON items (botid)",
                "INSERT INTO items SELECT upper(lpad(to_hex(i * 7919), 26, '0')), 'BOT' || lpad((i % 7)::text, 23, '0'), "
                        + "'chunk ' || i || ' of a document about ' || md5(i::text) || repeat(' lorem ipsum', 30), "
                        + "'s3://docs/' || (i % 13) || '.pdf', "
                        + "(SELECT array_agg(sin(i * 0.37 + j)::real ORDER BY j) FROM generate_series(1, " + dims + ") j)::vector "
                        + "FROM generate_series(1, " + rows + ") i");
    }

    /** The id of the i-th generated row. */
    static String itemId(int i) {
        return String.format("%26s", Long.toHexString(i * 7919L).toUpperCase()).replace(' ', '0');
    }

    static CliRun.Result verify(PgServers.DbPair db, String... extra) {
        return verify(db.source(), db.target(), extra);
    }

    static CliRun.Result verify(ConnectionSpec source, ConnectionSpec target, String... extra) {
        List<String> args = new ArrayList<>(List.of("verify", "--source", url(source), "--target", url(target)));
        args.addAll(List.of(extra));
        return CliRun.run(Map.of(), Path.of(System.getProperty("java.io.tmpdir")), args.toArray(new String[0]));
    }
}
