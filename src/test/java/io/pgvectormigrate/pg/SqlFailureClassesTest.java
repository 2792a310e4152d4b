package io.pgvectormigrate.pg;

import io.pgvectormigrate.core.ExitCode;
import io.pgvectormigrate.testing.CliRun;
import io.pgvectormigrate.testing.PgServers;
import io.pgvectormigrate.testing.Sql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each class of the one SQL failure rule ({@link SqlErrors}) driven through each command that can meet it, on real
 * PostgreSQL, as the operator sees it: exit code and the one line. The failures are real server behaviour: a
 * privilege the user lacks, a session the server terminates or a statement it cancels (a function that signals its
 * own backend, reached through a row-security policy or an event trigger), a database that takes no writes.
 * docs/architecture.md ("SQL failures") lists the classes.
 */
@ExtendWith(PgServers.class)
class SqlFailureClassesTest {
    static final String[] SCHEMA = {
            "CREATE EXTENSION IF NOT EXISTS vector",
            "CREATE TABLE items(id bigserial PRIMARY KEY, body text, embedding vector(3))",
    };
    static final String ROWS = "INSERT INTO items(body, embedding) SELECT 'row ' || g, ARRAY[g, g, g]::vector FROM generate_series(1, 40) g";

    /** Functions that end their own session (57P01, as pg_terminate_backend from an administrator) or statement (57014). */
    static final String[] SIGNALS = {
            "CREATE FUNCTION end_session() RETURNS boolean LANGUAGE plpgsql AS $$ BEGIN "
                    + "PERFORM pg_terminate_backend(pg_backend_pid()); PERFORM pg_sleep(10); RETURN true; END $$",
            "CREATE FUNCTION cancel_statement() RETURNS boolean LANGUAGE plpgsql AS $$ BEGIN "
                    + "PERFORM pg_cancel_backend(pg_backend_pid()); PERFORM pg_sleep(10); RETURN true; END $$",
            "CREATE FUNCTION end_session_on_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM end_session(); END $$",
            "CREATE FUNCTION cancel_on_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM cancel_statement(); END $$",
    };

    // ---------------------------------------------------------------- verify (read-only: never meets READ_ONLY)

    @Test
    void verify(PgServers.DbPair db) throws Exception {
        db.both(SCHEMA);
        db.both(ROWS);
        Sql.exec(db.source(), SIGNALS);
        String reader = role(db, "reader");
        Sql.exec(db.source(), "CREATE ROLE " + reader + " LOGIN PASSWORD '" + password(reader) + "'");
        try {
            ConnectionSpec source = as(db.source(), reader);

            CliRun.Result denied = run(db, "verify", "--source", url(source), "--target", url(db.target()));
            assertOneLine(denied, ExitCode.USAGE, "permission denied on the source while ", "permission denied for",
                    "grant the user SELECT on every selected table and sequence");

            Sql.exec(db.source(), "GRANT SELECT ON ALL TABLES IN SCHEMA public TO " + reader,
                    "GRANT SELECT ON ALL SEQUENCES IN SCHEMA public TO " + reader,
                    "ALTER TABLE items ENABLE ROW LEVEL SECURITY",
                    "CREATE POLICY ended ON items FOR SELECT TO " + reader + " USING (end_session())");
            CliRun.Result lost = run(db, "verify", "--source", url(source), "--target", url(db.target()));
            assertOneLine(lost, ExitCode.RUNTIME_FAILURE, "connection to the source lost mid-run while ",
                    "terminating connection due to administrator command", "verify changed nothing; re-run");

            Sql.exec(db.source(), "DROP POLICY ended ON items",
                    "CREATE POLICY cancelled ON items FOR SELECT TO " + reader + " USING (cancel_statement())");
            CliRun.Result cancelled = run(db, "verify", "--source", url(source), "--target", url(db.target()));
            assertOneLine(cancelled, ExitCode.RUNTIME_FAILURE, "a statement on the source was cancelled while ",
                    "canceling statement due to user request", "raise statement_timeout");
        } finally {
            Sql.exec(db.source(), "DROP OWNED BY " + reader, "DROP ROLE " + reader);
        }
    }

    // ---------------------------------------------------------------- prepare-target

    @Test
    void prepareTarget(PgServers.DbPair db) throws Exception {
        Sql.exec(db.target(), SIGNALS);
        String user = role(db, "preparer");
        Sql.exec(db.target(), "CREATE ROLE " + user + " LOGIN PASSWORD '" + password(user) + "'");
        try {
            CliRun.Result denied = run(db, "prepare-target", "--target", url(as(db.target(), user)));
            assertOneLine(denied, ExitCode.USAGE, "permission denied on the target while ", "permission denied",
                    "connect as the database owner, a superuser or rds_superuser");
        } finally {
            Sql.exec(db.target(), "DROP OWNED BY " + user, "DROP ROLE " + user);
        }

        Sql.exec(db.target(), "CREATE EVENT TRIGGER ends ON ddl_command_start EXECUTE FUNCTION end_session_on_ddl()");
        CliRun.Result lost = run(db, "prepare-target", "--target", url(db.target()));
        assertOneLine(lost, ExitCode.RUNTIME_FAILURE, "connection to the target lost mid-run while ",
                "every step of prepare-target is idempotent: re-run it");

        Sql.exec(db.target(), "DROP EVENT TRIGGER ends",
                "CREATE EVENT TRIGGER cancels ON ddl_command_start EXECUTE FUNCTION cancel_on_ddl()");
        CliRun.Result cancelled = run(db, "prepare-target", "--target", url(db.target()));
        assertOneLine(cancelled, ExitCode.RUNTIME_FAILURE, "a statement on the target was cancelled while ",
                "canceling statement due to user request", "raise statement_timeout");
        Sql.exec(db.target(), "DROP EVENT TRIGGER cancels");

        // a reader endpoint or a standby: every write is refused
        Sql.exec(db.target(), "ALTER DATABASE " + db.name() + " SET default_transaction_read_only = on");
        CliRun.Result readOnly = run(db, "prepare-target", "--target", url(db.target()));
        assertOneLine(readOnly, ExitCode.USAGE, "the target is read-only (", "read-only transaction",
                "connect to the primary, on Aurora the cluster (writer) endpoint");
        Sql.exec(db.target(), "SET default_transaction_read_only = off", "ALTER DATABASE " + db.name() + " RESET default_transaction_read_only");

        CliRun.Result ok = run(db, "prepare-target", "--target", url(db.target()));
        assertEquals(0, ok.exitCode(), "with the causes gone, the same command succeeds: " + ok);
    }

    // ---------------------------------------------------------------- migrate --engine native, cutover

    @Test
    void nativeMigrate(PgServers.DbPair db, @TempDir Path dir) throws Exception {
        db.both(SCHEMA);
        Sql.exec(db.source(), ROWS);
        Sql.exec(db.source(), SIGNALS);
        String owner = role(db, "owner");
        Sql.exec(db.source(), "CREATE ROLE " + owner + " LOGIN REPLICATION PASSWORD '" + password(owner) + "'",
                "ALTER TABLE items OWNER TO " + owner);
        try {
            ConnectionSpec source = as(db.source(), owner);

            // a publication needs CREATE on the database (PostgreSQL 15): exit 2 with what to grant (was exit 1)
            CliRun.Result noCreate = migrate(db, dir, source, "no-create");
            assertOneLine(noCreate, ExitCode.USAGE, "permission denied on the source or target while migrating: ",
                    "permission denied for database " + db.name(), "CREATE on the database");
            abandon(db, dir, source, "no-create");
            Sql.exec(db.source(), "GRANT CREATE ON DATABASE " + db.name() + " TO " + owner);

            // the owner may publish its table but not read it: the initial copy is refused
            Sql.exec(db.source(), "REVOKE SELECT ON items FROM " + owner);
            CliRun.Result denied = migrate(db, dir, source, "denied");
            assertOneLine(denied, ExitCode.USAGE, "permission denied on the source or target while copying the initial rows: ",
                    "permission denied for table items",
                    "the source user needs REPLICATION");
            abandon(db, dir, source, "denied");
            Sql.exec(db.source(), "GRANT SELECT ON items TO " + owner);

            Sql.exec(db.source(), "CREATE EVENT TRIGGER ends ON ddl_command_start WHEN TAG IN ('CREATE PUBLICATION') "
                    + "EXECUTE FUNCTION end_session_on_ddl()");
            CliRun.Result lost = migrate(db, dir, source, "lost");
            assertOneLine(lost, ExitCode.RUNTIME_FAILURE, "connection to the source or target lost mid-run while migrating: ",
                    "re-run with --run-id lost to resume");
            Sql.exec(db.source(), "DROP EVENT TRIGGER ends");
            abandon(db, dir, source, "lost");

            Sql.exec(db.source(), "CREATE EVENT TRIGGER cancels ON ddl_command_start WHEN TAG IN ('CREATE PUBLICATION') "
                    + "EXECUTE FUNCTION cancel_on_ddl()");
            CliRun.Result cancelled = migrate(db, dir, source, "cancelled");
            assertOneLine(cancelled, ExitCode.RUNTIME_FAILURE, "a statement on the source or target was cancelled while migrating: ",
                    "raise statement_timeout for this user if it is set; re-run with --run-id cancelled");
            Sql.exec(db.source(), "DROP EVENT TRIGGER cancels");
            abandon(db, dir, source, "cancelled");

            Sql.exec(db.target(), "ALTER DATABASE " + db.name() + " SET default_transaction_read_only = on");
            CliRun.Result readOnly = migrate(db, dir, source, "read-only");
            assertOneLine(readOnly, ExitCode.USAGE, "is read-only (", "read-only transaction", "connect to the primary");
            Sql.exec(db.target(), "SET default_transaction_read_only = off", "ALTER DATABASE " + db.name() + " RESET default_transaction_read_only");
            abandon(db, dir, source, "read-only");
        } finally {
            Sql.exec(db.source(), "DROP OWNED BY " + owner, "DROP ROLE " + owner);
        }
    }

    @Test
    void nativeCutover(PgServers.DbPair db, @TempDir Path dir) throws Exception {
        db.both(SCHEMA);
        Sql.exec(db.source(), ROWS);
        Sql.exec(db.target(), SIGNALS);
        String owner = role(db, "owner");
        Sql.exec(db.source(), "CREATE ROLE " + owner + " LOGIN REPLICATION PASSWORD '" + password(owner) + "'",
                "ALTER TABLE items OWNER TO " + owner);
        try {
            Sql.exec(db.source(), "GRANT CREATE ON DATABASE " + db.name() + " TO " + owner);
            ConnectionSpec source = as(db.source(), owner);
            CliRun.Result migrated = migrate(db, dir, source, "cut");
            assertEquals(0, migrated.exitCode(), migrated.toString());

            // the sequence goes with its table to the owner, who then cannot read it: cutover cannot carry it
            Sql.exec(db.source(), "REVOKE SELECT ON SEQUENCE items_id_seq FROM " + owner);
            CliRun.Result denied = cutover(db, dir, source, "cut");
            assertOneLine(denied, ExitCode.USAGE, "permission denied on the source or target while cutting over: ",
                    "permission denied for sequence items_id_seq", "SELECT on them and their sequences");
            Sql.exec(db.source(), "GRANT SELECT ON SEQUENCE items_id_seq TO " + owner);

            Sql.exec(db.target(), "CREATE EVENT TRIGGER ends ON ddl_command_start WHEN TAG IN ('ALTER SUBSCRIPTION', 'DROP SUBSCRIPTION') "
                    + "EXECUTE FUNCTION end_session_on_ddl()");
            CliRun.Result lost = cutover(db, dir, source, "cut");
            assertOneLine(lost, ExitCode.RUNTIME_FAILURE, "connection to the source or target lost mid-run while cutting over: ",
                    "re-run with --run-id cut to resume");
            Sql.exec(db.target(), "DROP EVENT TRIGGER ends");

            CliRun.Result ok = cutover(db, dir, source, "cut");
            assertEquals(0, ok.exitCode(), "re-run as the line says, cutover finishes: " + ok);
            assertEquals("40", Sql.scalar(db.target(), "SELECT count(*) FROM items"));
        } finally {
            Sql.exec(db.source(), "DROP OWNED BY " + owner, "DROP ROLE " + owner);
        }
    }

    // ---------------------------------------------------------------- helpers

    static void assertOneLine(CliRun.Result r, int exitCode, String... parts) {
        assertEquals(exitCode, r.exitCode(), r.toString());
        List<String> errors = new ArrayList<>();
        for (String l : r.err().split("\n")) if (l.startsWith("error: ")) errors.add(l);
        assertEquals(1, errors.size(), "one error line: " + r);
        for (String p : parts) assertTrue(errors.get(0).contains(p), "'" + p + "' missing from: " + errors.get(0));
        assertFalse(r.err().contains("Pw-"), "password printed: " + r);
    }

    private static CliRun.Result migrate(PgServers.DbPair db, Path dir, ConnectionSpec source, String runId) {
        return CliRun.run(Map.of(), dir, "migrate", "--engine", "native", "--source", url(source), "--target", url(db.target()),
                "--run-id", runId);
    }

    private static CliRun.Result cutover(PgServers.DbPair db, Path dir, ConnectionSpec source, String runId) {
        return CliRun.run(Map.of(), dir, "cutover", "--source", url(source), "--target", url(db.target()), "--run-id", runId);
    }

    /** Gives a failed run up, so nothing of it holds WAL on the source. */
    private static void abandon(PgServers.DbPair db, Path dir, ConnectionSpec source, String runId) {
        CliRun.Result r = CliRun.run(Map.of(), dir, "cutover", "--source", url(source), "--target", url(db.target()),
                "--run-id", runId, "--abandon");
        assertEquals(0, r.exitCode(), r.toString());
    }

    private static CliRun.Result run(PgServers.DbPair db, String... args) {
        return CliRun.run(Map.of(), Path.of(System.getProperty("java.io.tmpdir")), args);
    }

    private static String role(PgServers.DbPair db, String what) {
        return what + "_" + db.name();
    }

    private static String password(String role) {
        return "Pw-" + role;
    }

    private static ConnectionSpec as(ConnectionSpec admin, String role) {
        return admin.withUser(role).withPassword(password(role));
    }

    static String url(ConnectionSpec s) {
        return "postgresql://" + s.user() + ":" + URLEncoder.encode(s.password(), StandardCharsets.UTF_8) + "@" + s.host()
                + ":" + s.port() + "/" + s.database();
    }
}
