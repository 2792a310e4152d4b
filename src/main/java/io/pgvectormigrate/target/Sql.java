package io.pgvectormigrate.target;

import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pg.Database;

import java.sql.SQLException;
import java.util.regex.Pattern;

/** SQL quoting and error mapping for this package. */
final class Sql {
    private static final Pattern PLAIN = Pattern.compile("[a-z_][a-z0-9_$]*");

    private Sql() {}

    /** Always-quoted identifier: safe for any name the catalog returns. */
    static String ident(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    /** A string literal. */
    static String literal(String value) {
        return "'" + value.replace("'", "''") + "'";
    }

    /** The name as psql would show it: bare when PostgreSQL would fold it to itself, quoted otherwise. */
    static String displayName(String name) {
        return PLAIN.matcher(name).matches() ? name : ident(name);
    }

    /**
     * Turns a failure while working on {@code role} into the project's exit codes: a lost connection is a runtime
     * failure (re-run: every step is idempotent), a missing privilege is bad input (the operator must grant it).
     */
    static ToolException fail(String what, String role, SQLException e) {
        String msg = Database.firstLine(e.getMessage());
        if (Database.isConnectionLoss(e)) {
            return ToolException.runtime("connection to the " + role + " lost while " + what + ": " + msg
                    + " (every step of prepare-target is idempotent: re-run it when the database is reachable)", e);
        }
        if ("42501".equals(e.getSQLState())) {
            return ToolException.usage("the " + role + " user lacks a privilege for " + what + ": " + msg
                    + " (connect as the database owner, a superuser or rds_superuser)", e);
        }
        return ToolException.runtime(what + " failed on the " + role + ": " + msg, e);
    }
}
