package io.pgvectormigrate.prepare;

import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pg.Database;

import java.sql.SQLException;

/** Error mapping for prepare-target's work. */
final class Failures {
    private Failures() {}

    /**
     * Turns a failure while working on {@code role} into the project's exit codes: a lost connection is a runtime
     * failure (re-run: every step is idempotent), a missing privilege is bad input (the operator must grant it).
     */
    static ToolException of(String what, String role, SQLException e) {
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
