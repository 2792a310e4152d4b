package io.pgvectormigrate.sample;

import io.pgvectormigrate.report.Progress;
import io.pgvectormigrate.testing.PgServers;
import io.pgvectormigrate.testing.Sql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(PgServers.class)
class BedrockChatSampleTest {
    @Test
    void generatesBedrockChatShapedRowsDeterministically(PgServers.DbPair db) throws Exception {
        try (Connection s = db.openSource(); Connection t = db.openTarget()) {
            BedrockChatSample.createSchema(s);
            BedrockChatSample.createSchema(t);
            assertEquals(500, BedrockChatSample.generate(s, 500, 7, 42, Progress.SILENT));
            BedrockChatSample.generate(t, 500, 7, 42, Progress.SILENT);
        }
        assertEquals(500, Sql.count(db.source(), "SELECT count(*) FROM items"));
        assertEquals(7, Sql.count(db.source(), "SELECT count(DISTINCT botid) FROM items"));
        assertEquals(500, Sql.count(db.source(), "SELECT count(*) FROM items WHERE vector_dims(embedding) = 1024"));
        assertEquals(0, Sql.count(db.source(), "SELECT count(*) FROM items WHERE length(id) <> 26 OR id !~ '^[0-9A-HJKMNP-TV-Z]{26}$'"));
        assertEquals(0, Sql.count(db.source(), "SELECT count(*) FROM items WHERE length(content) NOT BETWEEN 199 AND 1000"));
        assertTrue(Sql.count(db.source(), "SELECT count(*) FROM items WHERE content ~ '[^\\x01-\\x7F]'") > 400,
                "chunks carry non-ASCII text");
        // same seed, same data: the whole-table digest matches
        String digest = "SELECT md5(string_agg(id || botid || content || source || embedding::text, ',' ORDER BY id)) FROM items";
        assertEquals(Sql.scalar(db.source(), digest), Sql.scalar(db.target(), digest));
        assertEquals("2", Sql.scalar(db.source(), "SELECT count(*) FROM pg_indexes WHERE tablename = 'items' AND indexname LIKE 'idx_items_%'"));
    }
}
