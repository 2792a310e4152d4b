package io.pgvectormigrate.pipeline;

import io.pgvectormigrate.pg.ConnectionSpec;

/**
 * Where the new cluster is: the operator's own database (never removed by the tool), or one the run creates
 * (rehearse's second local instance, removed at teardown unless kept). Idempotent like the source provider:
 * on resume it finds what the journal says it already made.
 */
public interface TargetProvider {
    /** Short name for reports and the journal, e.g. "local" or "existing". */
    String name();

    /** Checks inputs before anything is created (an operator's target is reachable, binaries present). */
    void preflight(RunContext ctx);

    /**
     * A connection to the target with working credentials (password in memory only), creating the target
     * first when the run owns it. {@code source} lets a target made by the run mirror it (same database name).
     */
    ConnectionSpec connect(RunContext ctx, ConnectionSpec source);

    /** Deletes exactly what this run created for the target (nothing for an operator's target); idempotent. */
    void teardown(RunContext ctx);
}
