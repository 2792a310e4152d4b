package io.pgvectormigrate.cli;

import io.pgvectormigrate.core.ExitCode;
import io.pgvectormigrate.pipeline.Pipeline;
import io.pgvectormigrate.report.ReportFile;

import java.nio.file.Path;
import java.util.function.Supplier;

/** How commands that run pipeline passes end, the same for each: the exit code table, one error line, reports. */
final class Outcomes {
    private Outcomes() {}

    /** The pass's exit code; a failure or differences also print one error line (and the stack trace with --verbose). */
    static int exit(CliContext ctx, CommonOptions common, Pipeline.Outcome o) {
        if (o.status() == Pipeline.Status.FAILED || o.status() == Pipeline.Status.DIFFERENCES) {
            ctx.err().println("error: " + o.message());
            if (common.verbose && o.error() != null) o.error().printStackTrace(ctx.err());
        }
        ctx.err().flush();
        return o.exitCode();
    }

    /** Runs a pass; Ctrl-C leaves the journal as a kill would, so say how to continue (the hook goes once it ends). */
    static <T> T resumable(CliContext ctx, String resume, Supplier<T> pass) {
        Thread onInterrupt = new Thread(() -> {
            ctx.err().println("interrupted: resume with " + resume);
            ctx.err().flush();
        }, "interrupted");
        Runtime.getRuntime().addShutdownHook(onInterrupt);
        try {
            return pass.get();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(onInterrupt);
            } catch (IllegalStateException shuttingDown) {
                // the JVM is exiting: the hook runs
            }
        }
    }

    /** Writes the Markdown report when asked; a failure to write turns success into exit 1. */
    static int report(CliContext ctx, Path file, String markdown, int code) {
        if (file == null) return code;
        try {
            ReportFile.write(file, markdown);
            ctx.err().println("report written to " + file);
            return code;
        } catch (RuntimeException e) {
            ctx.err().println("error: " + e.getMessage());
            return code == ExitCode.OK ? ExitCode.RUNTIME_FAILURE : code;
        }
    }
}
