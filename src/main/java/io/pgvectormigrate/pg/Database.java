package io.pgvectormigrate.pg;

import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pg.CredentialResolver.PasswordPrompt;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/**
 * Opens connections and turns the driver's failures into one-line messages an operator can act on.
 * Failures before any work started (unreachable, bad password, no such database) are bad input, exit 2;
 * {@link #isConnectionLoss} tells the CLI when a later failure was a lost connection, exit 1.
 */
public final class Database {
    public static final String APPLICATION_NAME = "pgvector-migrate";

    private Database() {}

    /**
     * Connects to a resolved spec. {@code role} names the side in messages ("source", "target").
     * Prompts once for a password when the server wants one and none was supplied.
     */
    public static Connection connect(ConnectionSpec spec, String role, PasswordPrompt prompt) {
        try {
            return open(spec);
        } catch (SQLException e) {
            if (isPasswordMissing(e) && prompt != null) {
                char[] typed = prompt.ask(role + " (" + spec.display() + ")");
                if (typed != null) {
                    try {
                        return open(spec.withPassword(new String(typed)));
                    } catch (SQLException again) {
                        throw classify(again, spec, role);
                    } finally {
                        java.util.Arrays.fill(typed, '\0');
                    }
                }
            }
            throw classify(e, spec, role);
        }
    }

    private static Connection open(ConnectionSpec spec) throws SQLException {
        Properties props = spec.driverProperties();
        props.putIfAbsent("ApplicationName", APPLICATION_NAME);
        if (!spec.params().containsKey("connectTimeout")) props.setProperty("connectTimeout", "10");
        if (!spec.params().containsKey("tcpKeepAlive")) props.setProperty("tcpKeepAlive", "true");
        return DriverManager.getConnection(spec.jdbcUrl(), props);
    }

    private static boolean isPasswordMissing(SQLException e) {
        String m = String.valueOf(e.getMessage());
        return m.contains("no password was provided");
    }

    /** Maps a connect-time failure to a message with a next step. Never includes the password. */
    public static ToolException classify(SQLException e, ConnectionSpec spec, String role) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        String where = role + " " + spec.display();
        String msg;
        if (isPasswordMissing(e)) {
            msg = "no password for " + where + ": put it in the URL, PGPASSWORD or ~/.pgpass, or run in a terminal to be prompted";
        } else if (state.equals("28P01") || state.equals("28000")) {
            msg = "authentication failed for user '" + spec.user() + "' on " + where + ": check the user name and password";
        } else if (state.equals("3D000")) {
            msg = "database '" + spec.database() + "' does not exist on " + role + " " + spec.host() + ":" + spec.port()
                    + ": check the database name in the connection string";
        } else if (state.startsWith("08") || e.getCause() instanceof java.net.ConnectException
                || e.getCause() instanceof java.net.UnknownHostException
                || e.getCause() instanceof java.net.SocketTimeoutException) {
            msg = "cannot reach " + where + " (" + firstLine(e.getMessage()) + "): check the host and port, that the server is running and accepts TCP connections";
        } else if (state.equals("53300")) {
            msg = "too many connections on " + where + ": free some connections or raise max_connections";
        } else {
            msg = "cannot connect to " + where + ": " + firstLine(e.getMessage());
        }
        return ToolException.usage(msg, e);
    }

    /** True when an error during work means the connection went away (exit 1, not 2). */
    public static boolean isConnectionLoss(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof SQLException s && s.getSQLState() != null && s.getSQLState().startsWith("08")) return true;
            if (c instanceof java.net.SocketException || c instanceof java.io.EOFException) return true;
        }
        return false;
    }

    public static String firstLine(String s) {
        if (s == null) return "";
        int nl = s.indexOf('\n');
        return nl >= 0 ? s.substring(0, nl) : s;
    }
}
