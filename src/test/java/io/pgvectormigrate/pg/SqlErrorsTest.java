package io.pgvectormigrate.pg;

import io.pgvectormigrate.core.ExitCode;
import io.pgvectormigrate.core.ToolException;
import org.junit.jupiter.api.Test;

import java.sql.SQLException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The SQLSTATE table of the one SQL failure rule, including the states a test server cannot be made to send on demand
 * (a crash, a shutdown, a server still starting). SqlFailureClassesTest drives the classes through the commands.
 */
class SqlErrorsTest {
    private static final SqlErrors.Advice ADVICE = new SqlErrors.Advice("re-run it", "grant it");

    @Test
    void eachSqlStateHasOneClassAndExitCode() {
        String[][] table = {
                {"08006", "LOST"}, {"08003", "LOST"}, {"08001", "LOST"},
                {"57P01", "LOST"}, {"57P02", "LOST"}, {"57P03", "LOST"},
                {"42501", "PERMISSION"}, {"25006", "READ_ONLY"}, {"57014", "CANCELLED"},
                {"42P01", "OTHER"}, {"23505", "OTHER"}, {"57P04", "OTHER"},
        };
        for (String[] row : table) {
            SqlErrors.Kind kind = SqlErrors.kind(new SQLException("server says " + row[0], row[0]));
            assertEquals(SqlErrors.Kind.valueOf(row[1]), kind, row[0]);
        }
        assertEquals(ExitCode.RUNTIME_FAILURE, SqlErrors.Kind.LOST.exitCode());
        assertEquals(ExitCode.USAGE, SqlErrors.Kind.PERMISSION.exitCode());
        assertEquals(ExitCode.USAGE, SqlErrors.Kind.READ_ONLY.exitCode());
        assertEquals(ExitCode.RUNTIME_FAILURE, SqlErrors.Kind.CANCELLED.exitCode());
        assertEquals(ExitCode.RUNTIME_FAILURE, SqlErrors.Kind.OTHER.exitCode());
    }

    @Test
    void aWrappedOrSocketLevelFailureIsClassifiedByItsCause() {
        // Flyway and the copy workers wrap the driver's exception; a socket can break without any SQLSTATE
        assertEquals(SqlErrors.Kind.PERMISSION, SqlErrors.kind(new RuntimeException("wrapper", new SQLException("denied", "42501"))));
        assertEquals(SqlErrors.Kind.LOST, SqlErrors.kind(new SQLException("I/O", null, new java.net.SocketException("reset"))));
        assertEquals(SqlErrors.Kind.LOST, SqlErrors.kind(new SQLException("other", "XX000", new SQLException("gone", "08006"))));
        assertEquals(SqlErrors.Kind.OTHER, SqlErrors.kind(new IllegalStateException("no database involved")));
    }

    @Test
    void aServerNotTakingConnectionsReadsAsUnreachableAtConnect() {
        ConnectionSpec spec = ConnectionSpec.parse("postgresql://app@db.example:5432/chat");
        ToolException starting = SqlErrors.atConnect(new SQLException("FATAL: the database system is starting up", "57P03"), spec, "target");
        assertEquals(ExitCode.USAGE, starting.exitCode());
        assertTrue(starting.getMessage().startsWith("cannot reach target ") && starting.getMessage().contains("the database system is starting up"),
                starting.getMessage());
        ToolException noConnect = SqlErrors.atConnect(new SQLException("FATAL: permission denied for database \"chat\"", "42501"), spec, "source");
        assertTrue(noConnect.getMessage().contains("GRANT CONNECT ON DATABASE chat TO app"), noConnect.getMessage());
    }

    @Test
    void theLineNamesTheSideTheWorkTheServersFirstLineAndWhatToDo() {
        ToolException lost = SqlErrors.of("source", "counting rows", new SQLException("FATAL: terminating connection\n  detail", "57P01"), ADVICE);
        assertEquals(ExitCode.RUNTIME_FAILURE, lost.exitCode());
        assertEquals("connection to the source lost mid-run while counting rows: FATAL: terminating connection (re-run it)", lost.getMessage());

        ToolException denied = SqlErrors.of("target", "creating the tables", new SQLException("ERROR: permission denied for schema public", "42501"), ADVICE);
        assertEquals(ExitCode.USAGE, denied.exitCode());
        assertEquals("permission denied on the target while creating the tables: ERROR: permission denied for schema public (grant it)",
                denied.getMessage());

        ToolException other = SqlErrors.of(null, "running migrate", new SQLException("ERROR: boom", "XX000"), ADVICE);
        assertEquals(ExitCode.RUNTIME_FAILURE, other.exitCode());
        assertEquals("running migrate failed on the database: ERROR: boom (re-run it)", other.getMessage());

        ToolException readOnly = SqlErrors.of("target", "loading", new SQLException("ERROR: cannot execute COPY in a read-only transaction", "25006"), ADVICE);
        assertEquals(ExitCode.USAGE, readOnly.exitCode());
        assertTrue(readOnly.getMessage().startsWith("the target is read-only (ERROR: cannot execute COPY in a read-only transaction) while loading: "
                + "connect to the primary"), readOnly.getMessage());
    }
}
