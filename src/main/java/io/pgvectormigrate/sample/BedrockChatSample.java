package io.pgvectormigrate.sample;

import io.pgvectormigrate.report.Progress;
import org.postgresql.PGConnection;
import org.postgresql.copy.PGCopyOutputStream;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.SplittableRandom;

/**
 * Generates a database shaped like Bedrock Chat's vector store (v0 and v1 use the same schema): the
 * {@code items} table with ULID ids, 26-character bot ids, chunk texts of realistic length (including
 * non-ASCII text), S3 sources and {@code vector(1024)} embeddings. Deterministic for a given seed.
 *
 * <p>Rows are streamed with binary COPY, which is several times faster than text: a vector's text form is
 * the expensive part.
 */
public final class BedrockChatSample {
    public static final int DIMENSIONS = 1024;

    /** The Bedrock Chat custom resource's DDL, minus its leading DROP TABLE. */
    private static final String CREATE_TABLE = """
            CREATE EXTENSION IF NOT EXISTS pgcrypto;
            CREATE EXTENSION IF NOT EXISTS vector;
            CREATE TABLE IF NOT EXISTS items(
              id CHAR(26) primary key, botid CHAR(26), content text, source text, embedding vector(1024));
            """;
    private static final String CREATE_INDEXES = """
            CREATE INDEX IF NOT EXISTS idx_items_embedding ON items USING ivfflat (embedding vector_l2_ops) WITH (lists = 100);
            CREATE INDEX IF NOT EXISTS idx_items_botid ON items (botid);
            """;

    private static final char[] CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".toCharArray();
    /** 2024-06-01T00:00:00Z: ids look like they were written over the months after. */
    private static final long EPOCH_MS = 1_717_200_000_000L;

    private static final String[] WORDS = {
            "the", "bot", "answers", "questions", "about", "our", "internal", "handbook", "and", "policies",
            "employees", "must", "submit", "travel", "expenses", "within", "thirty", "days", "of", "return",
            "vector", "search", "retrieves", "relevant", "chunks", "from", "documents", "uploaded", "by", "users",
            "café", "naïve", "résumé", "Übersicht", "données", "coöperation", "façade", "jalapeño", "Zürich",
            "日本語の文書", "検索拡張生成", "社内規程", "한국어", "문서", "中文资料", "知识库", "Ελληνικά", "русский", "текст",
            "العربية", "हिन्दी", "emoji🙂", "✓", "—", "«quoted»", "100%", "O'Reilly", "C:\\path\\file", "tab\there",
    };

    private BedrockChatSample() {}

    /** Extensions, the items table and both indexes, as the Bedrock Chat stack creates them. */
    public static void createSchema(Connection c) throws SQLException {
        createTable(c);
        createIndexes(c);
    }

    /** Extensions and the table only (load first, index after, when speed matters more than realism). */
    public static void createTable(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(CREATE_TABLE);
        }
    }

    public static void createIndexes(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(CREATE_INDEXES);
        }
    }

    /**
     * Appends {@code rows} chunks spread over {@code bots} bots (a few big bots, many small ones, as in real
     * deployments). The table must exist. Returns the number of rows written.
     */
    public static long generate(Connection c, long rows, int bots, long seed, Progress progress) throws SQLException {
        if (rows < 0 || bots < 1) throw new IllegalArgumentException("rows >= 0 and bots >= 1 required");
        SplittableRandom rnd = new SplittableRandom(seed);
        String[] botIds = new String[bots];
        double[] cumulative = new double[bots];
        double total = 0;
        for (int b = 0; b < bots; b++) {
            botIds[b] = ulid(EPOCH_MS + b * 86_400_000L, rnd);
            total += 1.0 / (b + 1); // Zipf-like sizes
            cumulative[b] = total;
        }
        boolean autoCommit = c.getAutoCommit();
        try (Progress.Bar bar = progress.bar("generate items", rows, "rows");
             PGCopyOutputStream copy = new PGCopyOutputStream(c.unwrap(PGConnection.class),
                     "COPY items (id, botid, content, source, embedding) FROM STDIN (FORMAT binary)", 1 << 20);
             DataOutputStream out = new DataOutputStream(new BufferedOutputStream(copy, 1 << 20))) {
            out.write("PGCOPY\n\377\r\n\0".getBytes(StandardCharsets.ISO_8859_1));
            out.writeInt(0);
            out.writeInt(0);
            long timestamp = EPOCH_MS + 30L * 86_400_000L;
            StringBuilder text = new StringBuilder(1200);
            for (long i = 0; i < rows; i++) {
                timestamp += 1 + rnd.nextInt(50);
                double pick = rnd.nextDouble() * total;
                int bot = 0;
                while (cumulative[bot] < pick) bot++;
                out.writeShort(5);
                writeText(out, ulid(timestamp, rnd));
                writeText(out, botIds[bot]);
                writeText(out, chunk(rnd, text));
                writeText(out, "s3://bedrock-chat-documents/" + botIds[bot].toLowerCase() + "/documents/"
                        + "doc-" + rnd.nextInt(500) + (rnd.nextInt(4) == 0 ? ".md" : ".pdf"));
                out.writeInt(4 + 4 * DIMENSIONS);
                out.writeShort(DIMENSIONS);
                out.writeShort(0);
                for (int d = 0; d < DIMENSIONS; d++) {
                    out.writeFloat((float) ((rnd.nextDouble() * 2 - 1) * 0.08));
                }
                if ((i & 1023) == 1023) bar.stepTo(i + 1);
            }
            out.writeShort(-1);
            out.flush();
            bar.stepTo(rows);
        } catch (IOException e) {
            throw new SQLException("generating sample rows failed: " + e.getMessage(), e);
        }
        if (!autoCommit) c.commit();
        return rows;
    }

    /** A chunk of 200-1000 characters (Bedrock Chat splits at 1000 with 200 overlap). */
    private static String chunk(SplittableRandom rnd, StringBuilder sb) {
        sb.setLength(0);
        int target = 200 + rnd.nextInt(801);
        while (sb.length() < target) {
            sb.append(WORDS[rnd.nextInt(WORDS.length)]);
            sb.append(rnd.nextInt(12) == 0 ? ".\n" : " ");
        }
        sb.setLength(target);
        // never cut a surrogate pair in half
        if (Character.isHighSurrogate(sb.charAt(sb.length() - 1))) sb.setLength(sb.length() - 1);
        return sb.toString();
    }

    private static void writeText(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    /** A ULID: 48-bit millisecond timestamp then 80 random bits, Crockford base32, 26 characters. */
    public static String ulid(long timeMs, SplittableRandom rnd) {
        char[] c = new char[26];
        long t = timeMs;
        for (int i = 9; i >= 0; i--) {
            c[i] = CROCKFORD[(int) (t & 31)];
            t >>>= 5;
        }
        long hi = rnd.nextLong();
        long lo = rnd.nextLong();
        for (int i = 10; i < 26; i++) {
            long src = i < 18 ? hi : lo;
            int shift = (i < 18 ? i - 10 : i - 18) * 5;
            c[i] = CROCKFORD[(int) ((src >>> shift) & 31)];
        }
        return new String(c);
    }
}
