package io.pgvectormigrate.pipeline;

import io.pgvectormigrate.core.ExitCode;
import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pg.Database;

/**
 * The one mapping from a failure to an exit code and a one-line message, for the pipeline's steps and for the CLI
 * (anything that escapes a command): the tool's own failures keep their code, a lost connection and anything
 * unexpected are runtime failures (exit 1).
 */
public record Failure(int exitCode, String message) {
    /** @param during the step that failed, or null outside a step */
    public static Failure of(Throwable e, Step during) {
        if (e instanceof ToolException te) return new Failure(te.exitCode(), te.getMessage());
        if (Database.isConnectionLoss(e)) {
            return new Failure(ExitCode.RUNTIME_FAILURE, during != null
                    ? "connection lost during " + during + ": " + Database.firstLine(rootMessage(e))
                    : "connection lost mid-run: " + Database.firstLine(rootMessage(e))
                    + " (re-run the command when the database is reachable)");
        }
        return new Failure(ExitCode.RUNTIME_FAILURE, "unexpected " + e.getClass().getSimpleName()
                + (during != null ? " during " + during : "") + ": " + Database.firstLine(e.getMessage()));
    }

    /** The message alone, for notes about work that failed but does not stop the run. */
    public static String brief(Throwable e) {
        return e instanceof ToolException ? e.getMessage() : e.getClass().getSimpleName() + ": " + Database.firstLine(e.getMessage());
    }

    static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null) c = c.getCause();
        return c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
    }
}
