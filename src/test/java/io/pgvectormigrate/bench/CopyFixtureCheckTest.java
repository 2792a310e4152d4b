package io.pgvectormigrate.bench;

import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.report.Progress;
import io.pgvectormigrate.sample.BedrockChatSample;
import io.pgvectormigrate.testing.PgServers;
import io.pgvectormigrate.testing.PgServers.DbPair;
import io.pgvectormigrate.testing.Sql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The data check every copy gets in the copy benchmark notices a change in any column, a vector's least bit included. */
@ExtendWith(PgServers.class)
class CopyFixtureCheckTest {
    private static final CopyFixture FIXTURE = new CopyFixture(50, 3, CopyFixture.Shape.BEDROCK_CHAT);

    @Test
    void aChangeInAnyColumnFailsTheCheck(DbPair db) throws SQLException {
        for (ConnectionSpec side : new ConnectionSpec[]{db.source(), db.target()}) {
            try (Connection c = DriverManager.getConnection(side.jdbcUrl(), side.driverProperties())) {
                BedrockChatSample.createTable(c);
                BedrockChatSample.generate(c, 50, 3, 42, Progress.SILENT);
            }
        }
        String expected = FIXTURE.fingerprint(db.source(), false);
        assertEquals(expected, FIXTURE.fingerprint(db.target(), false), "the same rows on both sides");
        assertTrue(expected.startsWith("50 rows, "), expected);
        String one = Sql.scalar(db.target(), "SELECT min(id) FROM items");
        // each change is made on the target, must fail the check, and is undone before the next
        Map<String, String[]> changes = Map.of(
                "botid", new String[]{"UPDATE items SET botid = lower(botid) WHERE id = '" + one + "'",
                        "UPDATE items SET botid = upper(botid) WHERE id = '" + one + "'"},
                "content", new String[]{"UPDATE items SET content = content || ' ' WHERE id = '" + one + "'",
                        "UPDATE items SET content = left(content, -1) WHERE id = '" + one + "'"},
                "source", new String[]{"UPDATE items SET source = source || '#' WHERE id = '" + one + "'",
                        "UPDATE items SET source = left(source, -1) WHERE id = '" + one + "'"},
                "embedding", new String[]{"CREATE TABLE saved AS SELECT id, embedding FROM items WHERE id = '" + one + "'; "
                        + "UPDATE items SET embedding = (SELECT array_agg(CASE WHEN i = 1 THEN x + 1e-7::real ELSE x END ORDER BY i) "
                        + "FROM unnest(embedding::real[]) WITH ORDINALITY u(x, i))::vector WHERE id = '" + one + "'",
                        "UPDATE items i SET embedding = s.embedding FROM saved s WHERE s.id = i.id; DROP TABLE saved"});
        for (Map.Entry<String, String[]> change : changes.entrySet()) {
            Sql.exec(db.target(), change.getValue()[0]);
            assertNotEquals(expected, FIXTURE.fingerprint(db.target(), false), change.getKey() + " changed");
            ToolException e = assertThrows(ToolException.class,
                    () -> FIXTURE.check(Progress.SILENT, db.target(), expected, "changed " + change.getKey(), false));
            assertTrue(e.getMessage().contains("the copy differs from the source"), e.getMessage());
            Sql.exec(db.target(), change.getValue()[1]);
            assertEquals(expected, FIXTURE.fingerprint(db.target(), false), change.getKey() + " changed back");
        }
        Sql.exec(db.target(), "DELETE FROM items WHERE id = '" + one + "'");
        assertTrue(FIXTURE.fingerprint(db.target(), false).startsWith("49 rows, "));
    }
}
