package io.pgvectormigrate.pipeline;

import io.pgvectormigrate.core.ExitCode;
import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pg.Database;
import io.pgvectormigrate.pg.SqlErrors;

/**
 * The one mapping from a failure to an exit code and a one-line message, for the pipeline's steps and for the CLI
 * (anything that escapes a command): the tool's own failures keep their code, a database failure goes by the one SQL
 * rule ({@link SqlErrors}), anything unexpected is a runtime failure (exit 1).
 */
public record Failure(int exitCode, String message) {
    static final SqlErrors.Advice ADVICE = new SqlErrors.Advice("re-run the command when the database is reachable",
            "grant it, or connect as a user that has it");

    /** @param during the step that failed, or null outside a step */
    public static Failure of(Throwable e, Step during) {
        if (e instanceof ToolException te) return new Failure(te.exitCode(), te.getMessage());
        if (SqlErrors.kind(e) != SqlErrors.Kind.OTHER) {
            // a database failure no command translated: the one SQL rule still decides its code and line
            ToolException t = SqlErrors.of(null, during != null ? "running " + during : "running", e, ADVICE);
            return new Failure(t.exitCode(), t.getMessage());
        }
        return new Failure(ExitCode.RUNTIME_FAILURE, "unexpected " + e.getClass().getSimpleName()
                + (during != null ? " during " + during : "") + ": " + Database.firstLine(e.getMessage()));
    }

    /** The message alone, for notes about work that failed but does not stop the run. */
    public static String brief(Throwable e) {
        return e instanceof ToolException ? e.getMessage() : e.getClass().getSimpleName() + ": " + Database.firstLine(e.getMessage());
    }
}
