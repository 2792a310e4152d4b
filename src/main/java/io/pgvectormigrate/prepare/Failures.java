package io.pgvectormigrate.prepare;

import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pg.SqlErrors;

import java.sql.SQLException;

/** prepare-target's part of the one SQL failure rule ({@link SqlErrors}): how to go on, what to grant. */
final class Failures {
    private Failures() {}

    private static final SqlErrors.Advice ADVICE = new SqlErrors.Advice(
            "every step of prepare-target is idempotent: re-run it when the database is reachable",
            "connect as the database owner, a superuser or rds_superuser");

    static ToolException of(String what, String role, SQLException e) {
        return SqlErrors.of(role, what, e, ADVICE);
    }

    /** Runs {@code work}; its failure is one while doing {@code what} on {@code role}, by the one rule. */
    static <T> T on(String role, String what, SqlWork<T> work) {
        try {
            return work.run();
        } catch (SQLException e) {
            throw of(what, role, e);
        }
    }

    /** Database work (a query, a transaction, opening a connection). */
    @FunctionalInterface
    interface SqlWork<T> {
        T run() throws SQLException;
    }
}
