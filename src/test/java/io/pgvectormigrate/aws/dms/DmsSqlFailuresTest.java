package io.pgvectormigrate.aws.dms;

import io.pgvectormigrate.core.ExitCode;
import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pg.TableFilter;
import io.pgvectormigrate.pipeline.Endpoints;
import io.pgvectormigrate.testing.PgServers;
import io.pgvectormigrate.testing.Sql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The DMS engine's own database work (its cutover counts rows and carries sequences on the source) meets the SQL
 * failure classes as the native engine does: one rule ({@code pg/SqlErrors}), the same exit codes and lines.
 */
@ExtendWith(PgServers.class)
class DmsSqlFailuresTest {
    @TempDir
    Path work;

    @Test
    void cutoverMapsAMissingPrivilegeAndAnEndedSessionByTheOneRule(PgServers.DbPair db) throws Exception {
        DmsFixture f = new DmsFixture(db, work);
        f.fake.statistics(FakeDms.Statistics.NONE); // cutover then counts rows itself
        f.bedrockChat(40, 2);
        db.both("CREATE TABLE notes(id serial PRIMARY KEY, body text)");
        Sql.exec(db.source(), "INSERT INTO notes(body) SELECT 'note ' || g FROM generate_series(1, 10) g",
                "CREATE FUNCTION end_session() RETURNS boolean LANGUAGE plpgsql AS $$ BEGIN "
                        + "PERFORM pg_terminate_backend(pg_backend_pid()); PERFORM pg_sleep(10); RETURN true; END $$");
        f.engine().migrate(f.ctx("sqlfail"), f.endpoints());

        String role = "dmsreader_" + db.name();
        Sql.exec(db.source(), "CREATE ROLE " + role + " LOGIN PASSWORD 'Pw-" + role + "'");
        try {
            ConnectionSpec limited = db.source().withUser(role).withPassword("Pw-" + role);
            Endpoints endpoints = new Endpoints(limited, db.target(), TableFilter.ALL);

            ToolException denied = assertThrows(ToolException.class, () -> f.engine().cutover(f.ctx("sqlfail"), endpoints));
            assertEquals(ExitCode.USAGE, denied.exitCode(), denied.getMessage());
            assertContains(denied, "permission denied on the source or target while counting rows to confirm DMS's full load: ",
                    "permission denied for table", "the source user needs SELECT on the selected tables");

            Sql.exec(db.source(), "GRANT SELECT ON ALL TABLES IN SCHEMA public TO " + role, "ALTER TABLE items ENABLE ROW LEVEL SECURITY",
                    "CREATE POLICY ended ON items FOR SELECT TO " + role + " USING (end_session())");
            ToolException lost = assertThrows(ToolException.class, () -> f.engine().cutover(f.ctx("sqlfail"), endpoints));
            assertEquals(ExitCode.RUNTIME_FAILURE, lost.exitCode(), lost.getMessage());
            assertContains(lost, "connection to the source or target lost mid-run while counting rows to confirm DMS's full load: ",
                    "terminating connection due to administrator command", "re-run the same command with the same --run-id");

            // the rows are readable now, the sequence is not: carrying it is refused the same way
            Sql.exec(db.source(), "DROP POLICY ended ON items", "ALTER TABLE items DISABLE ROW LEVEL SECURITY");
            ToolException sequence = assertThrows(ToolException.class, () -> f.engine().cutover(f.ctx("sqlfail"), endpoints));
            assertEquals(ExitCode.USAGE, sequence.exitCode(), sequence.getMessage());
            assertContains(sequence, "permission denied on the source or target while carrying sequence values to the target: ",
                    "permission denied for sequence notes_id_seq");

            Sql.exec(db.source(), "GRANT SELECT ON ALL SEQUENCES IN SCHEMA public TO " + role);
            f.engine().cutover(f.ctx("sqlfail"), endpoints);
            assertEquals("10", Sql.scalar(db.target(), "SELECT count(*) FROM notes"));
        } finally {
            f.engine().teardown(f.ctx("sqlfail"), f.endpoints());
            Sql.exec(db.source(), "DROP OWNED BY " + role, "DROP ROLE " + role);
        }
    }

    private static void assertContains(ToolException e, String... parts) {
        for (String p : parts) assertTrue(e.getMessage().contains(p), "'" + p + "' missing from: " + e.getMessage());
        assertTrue(!e.getMessage().contains("Pw-") && !e.getMessage().contains("\n"), "one line, no password: " + e.getMessage());
    }
}
