package io.pgvectormigrate.pg;

import io.pgvectormigrate.pg.CredentialResolver.PasswordPrompt;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/**
 * Opens connections. A failure to connect is bad input (exit 2) with the fix ({@link SqlErrors#atConnect});
 * failures during work are classified by {@link SqlErrors}, the one rule for both.
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
                        throw SqlErrors.atConnect(again, spec, role);
                    } finally {
                        java.util.Arrays.fill(typed, '\0');
                    }
                }
            }
            throw SqlErrors.atConnect(e, spec, role);
        }
    }

    private static Connection open(ConnectionSpec spec) throws SQLException {
        Properties props = spec.driverProperties();
        props.putIfAbsent("ApplicationName", APPLICATION_NAME);
        if (!spec.params().containsKey("connectTimeout")) props.setProperty("connectTimeout", "10");
        if (!spec.params().containsKey("tcpKeepAlive")) props.setProperty("tcpKeepAlive", "true");
        return DriverManager.getConnection(spec.jdbcUrl(), props);
    }

    static boolean isPasswordMissing(SQLException e) {
        return String.valueOf(e.getMessage()).contains("no password was provided");
    }

    public static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("");
    }
}
