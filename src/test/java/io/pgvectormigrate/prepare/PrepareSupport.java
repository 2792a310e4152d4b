package io.pgvectormigrate.prepare;

import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.testing.CliRun;
import io.pgvectormigrate.testing.Sql;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertFalse;

/** Shared setup for the prepare-target tests. */
final class PrepareSupport {
    private PrepareSupport() {}

    /** Bedrock Chat's setup as the v1 stack runs it (reference: bedrock-chat.md). */
    static final String[] BEDROCK_V1_SETUP = {
            "CREATE EXTENSION IF NOT EXISTS pgcrypto",
            "CREATE EXTENSION IF NOT EXISTS vector",
            "DROP TABLE IF EXISTS items",
            "CREATE TABLE IF NOT EXISTS items(id CHAR(26) primary key, botid CHAR(26), content text, source text, embedding vector(1024))",
            "CREATE INDEX idx_items_embedding ON items USING ivfflat (embedding vector_l2_ops) WITH (lists = 100)",
            "CREATE INDEX idx_items_botid ON items (botid)"};

    /** A URI with the password in it, the way an operator might paste it. */
    static String url(ConnectionSpec s) {
        return "postgresql://" + s.user() + ":" + URLEncoder.encode(s.password(), StandardCharsets.UTF_8) + "@" + s.host()
                + ":" + s.port() + "/" + s.database();
    }

    static CliRun.Result cli(Path cwd, String... args) {
        return CliRun.run(Map.of(), cwd, args);
    }

    /** Runs the CLI and checks that neither stream shows any of the passwords. */
    static CliRun.Result cliNoSecrets(Path cwd, List<ConnectionSpec> specs, String... args) {
        CliRun.Result r = cli(cwd, args);
        for (ConnectionSpec s : specs) {
            assertFalse(r.out().contains(s.password()), "password printed on stdout:\n" + r);
            assertFalse(r.err().contains(s.password()), "password printed on stderr:\n" + r);
        }
        return r;
    }

    /** Index name -> indexdef for one table, as pg_indexes shows them. */
    static Map<String, String> indexDefs(ConnectionSpec spec, String schema, String table) throws SQLException {
        Map<String, String> out = new TreeMap<>();
        try (Connection c = DriverManager.getConnection(spec.jdbcUrl(), spec.driverProperties());
             var ps = c.prepareStatement("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = ? AND tablename = ?")) {
            ps.setString(1, schema);
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.put(rs.getString(1), rs.getString(2));
            }
        }
        return out;
    }

    static List<String> rows(ConnectionSpec spec, String query) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(spec.jdbcUrl(), spec.driverProperties());
             Statement st = c.createStatement(); ResultSet rs = st.executeQuery(query)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                StringBuilder sb = new StringBuilder();
                for (int i = 1; i <= n; i++) {
                    if (i > 1) sb.append('|');
                    sb.append(rs.getString(i));
                }
                out.add(sb.toString());
            }
        }
        return out;
    }

    /** Bedrock Chat-shaped rows: 26-char ids, 3 bots, random 1024-dim embeddings. */
    static void loadItems(ConnectionSpec spec, int n) throws SQLException {
        Sql.exec(spec, "INSERT INTO public.items SELECT lpad(i::text, 26, '0'), lpad((i % 3)::text, 26, 'B'), "
                + "'chunk ' || i || ' — naïve café', 's3://bucket/doc' || (i % 7) || '.pdf', "
                + "(SELECT array_agg(random())::vector(1024) FROM generate_series(1, 1024) WHERE i > 0) "
                + "FROM generate_series(1, " + n + ") i");
    }

    /** A content fingerprint of a table, to prove rows were not touched. */
    static String fingerprint(ConnectionSpec spec, String table) throws SQLException {
        return Sql.scalar(spec, "SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, ',' ORDER BY t::text)), '') FROM " + table + " t");
    }

    static long oid(ConnectionSpec spec, String regclass) throws SQLException {
        return Long.parseLong(Sql.scalar(spec, "SELECT '" + regclass + "'::regclass::oid"));
    }

    static long relfilenode(ConnectionSpec spec, String regclass) throws SQLException {
        return Long.parseLong(Sql.scalar(spec, "SELECT relfilenode FROM pg_class WHERE oid = '" + regclass + "'::regclass"));
    }
}
