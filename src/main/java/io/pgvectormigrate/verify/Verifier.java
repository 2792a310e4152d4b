package io.pgvectormigrate.verify;

import io.pgvectormigrate.report.Progress;

/**
 * Compares a source and a target database (read-only on both) and reports every difference.
 * (Contract stub: the verify work implements it.)
 */
public final class Verifier {
    private Verifier() {}

    /** Runs every check not skipped; throws ToolException.usage for bad input (exit 2). */
    public static VerifyReport verify(VerifyOptions options, Progress progress) {
        throw new UnsupportedOperationException("verify is being built");
    }
}
