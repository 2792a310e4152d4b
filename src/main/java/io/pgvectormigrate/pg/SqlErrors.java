package io.pgvectormigrate.pg;

import io.pgvectormigrate.core.ExitCode;
import io.pgvectormigrate.core.ToolException;

import java.sql.SQLException;

/**
 * The one rule from a failed connection or statement to an outcome: a class, its exit code and one line that says
 * what to do. Every command that talks to PostgreSQL (verify, prepare-target, both engines, cutover) maps its
 * {@link SQLException}s here, so a missing privilege or a terminated session reads the same whichever command met
 * it. The commands supply only what differs: which side, what they were doing, and how to go on
 * ({@link Advice}). docs/architecture.md ("Failure classes") lists the classes.
 */
public final class SqlErrors {
    private SqlErrors() {}

    /** The classes of a failure during work, each with its exit code. */
    public enum Kind {
        /**
         * The session ended under us: SQLSTATE class 08 (connection exception), 57P01-57P03 (terminated by an
         * administrator, a crash or a shutdown), or the socket broke. Nothing is wrong with the input: re-run.
         */
        LOST(ExitCode.RUNTIME_FAILURE),
        /** 42501 insufficient_privilege (also "must be owner", "must be superuser"): the operator grants it. */
        PERMISSION(ExitCode.USAGE),
        /** 25006 read_only_sql_transaction: connected to a standby or an Aurora reader, not the writer. */
        READ_ONLY(ExitCode.USAGE),
        /** 57014 query_canceled: statement_timeout, or someone cancelled the statement. */
        CANCELLED(ExitCode.RUNTIME_FAILURE),
        /** Anything else: the statement failed for a reason the message names. */
        OTHER(ExitCode.RUNTIME_FAILURE);

        private final int exitCode;

        Kind(int exitCode) {
            this.exitCode = exitCode;
        }

        public int exitCode() {
            return exitCode;
        }
    }

    /**
     * How a command tells the operator to go on; the rule supplies the rest of the line.
     *
     * @param rerun what to do after a lost session or a failed statement, e.g. "re-run with --run-id r1 to resume"
     * @param grant what to grant, or whom to connect as, after a permission error
     */
    public record Advice(String rerun, String grant) {}

    /** The class of a failure: the first SQLSTATE (or broken socket) in its cause chain that names one, else OTHER. */
    public static Kind kind(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof java.net.SocketException || c instanceof java.io.EOFException) return Kind.LOST;
            if (c instanceof SQLException s && s.getSQLState() != null) {
                String state = s.getSQLState();
                if (state.startsWith("08") || state.equals("57P01") || state.equals("57P02") || state.equals("57P03")) {
                    return Kind.LOST;
                }
                switch (state) {
                    case "42501": return Kind.PERMISSION;
                    case "25006": return Kind.READ_ONLY;
                    case "57014": return Kind.CANCELLED;
                    default: { /* a chained exception may still be a lost connection: keep looking */ }
                }
            }
        }
        return Kind.OTHER;
    }

    /**
     * A failure while {@code doing} on {@code role} ("source", "target"; null when the command cannot tell which
     * connection failed) as the exception the command throws. Never includes connection secrets: the
     * server's first line only.
     */
    public static ToolException of(String role, String doing, Throwable e, Advice advice) {
        String side = role == null ? "the database" : "the " + role;
        String msg = Database.firstLine(rootSqlMessage(e));
        Kind kind = kind(e);
        String line = switch (kind) {
            case LOST -> "connection to " + side + " lost mid-run while " + doing + ": " + msg + " (" + advice.rerun() + ")";
            case PERMISSION -> "permission denied on " + side + " while " + doing + ": " + msg + " (" + advice.grant() + ")";
            case READ_ONLY -> side + " is read-only (" + msg + ") while " + doing
                    + ": connect to the primary, on Aurora the cluster (writer) endpoint, not a reader or replica";
            case CANCELLED -> "a statement on " + side + " was cancelled while " + doing + ": " + msg
                    + " (statement_timeout or an administrator cancelled it: raise statement_timeout for this user if it is set; "
                    + advice.rerun() + ")";
            case OTHER -> doing + " failed on " + side + ": " + msg + " (" + advice.rerun() + ")";
        };
        return new ToolException(kind.exitCode(), line, e);
    }

    /** The message of the SQLException that carries the SQLSTATE (a wrapper's message adds nothing). */
    private static String rootSqlMessage(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof SQLException s && s.getSQLState() != null) return s.getMessage();
        }
        return e.getMessage();
    }

    /**
     * A failure to connect, before any work started: bad input (exit 2) with the fix. Never includes the password.
     * A session ended during the handshake (57P01-57P03) reads as unreachable: the server is not taking connections.
     */
    public static ToolException atConnect(SQLException e, ConnectionSpec spec, String role) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        String where = role + " " + spec.display();
        String msg;
        if (Database.isPasswordMissing(e)) {
            msg = "no password for " + where + ": put it in the URL, PGPASSWORD or ~/.pgpass, or run in a terminal to be prompted";
        } else if (state.equals("28P01") || state.equals("28000")) {
            msg = "authentication failed for user '" + spec.user() + "' on " + where + ": check the user name and password";
        } else if (state.equals("3D000")) {
            msg = "database '" + spec.database() + "' does not exist on " + role + " " + spec.host() + ":" + spec.port()
                    + ": check the database name in the connection string";
        } else if (state.startsWith("08") || state.equals("57P01") || state.equals("57P02") || state.equals("57P03")
                || e.getCause() instanceof java.net.ConnectException
                || e.getCause() instanceof java.net.UnknownHostException
                || e.getCause() instanceof java.net.SocketTimeoutException) {
            msg = "cannot reach " + where + " (" + Database.firstLine(e.getMessage()) + "): check the host and port, that the server is running and accepts TCP connections";
        } else if (state.equals("53300")) {
            msg = "too many connections on " + where + ": free some connections or raise max_connections";
        } else if (state.equals("42501")) {
            msg = "user '" + spec.user() + "' may not connect to " + where + " (" + Database.firstLine(e.getMessage())
                    + "): GRANT CONNECT ON DATABASE " + spec.database() + " TO " + spec.user() + ", or give the role LOGIN";
        } else {
            msg = "cannot connect to " + where + ": " + Database.firstLine(e.getMessage());
        }
        return ToolException.usage(msg, e);
    }
}
