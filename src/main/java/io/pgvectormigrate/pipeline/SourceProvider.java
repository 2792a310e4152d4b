package io.pgvectormigrate.pipeline;

import io.pgvectormigrate.pg.ConnectionSpec;

/**
 * Where the temporary source comes from: a local instance restored from a pg_dump archive (rehearse), or an
 * Aurora cluster restored from a snapshot (AWS). Every method is idempotent: on resume it finds what the
 * journal says it already made instead of making it again.
 */
public interface SourceProvider {
    /** Short name for reports and the journal, e.g. "local" or "aws". */
    String name();

    /** Checks inputs and prerequisites before anything is created; bad input is {@code ToolException.usage}. */
    void preflight(RunContext ctx);

    /** Creates (or, on resume, finds) the temporary source and records each resource in the journal. */
    void restore(RunContext ctx);

    /** A connection to the temporary source with working credentials (password in memory only, never journaled). */
    ConnectionSpec credentials(RunContext ctx);

    /** How the target server reaches the source (a subscription's connection); the same as {@code credentials} unless told otherwise. */
    default ConnectionSpec fromTarget(RunContext ctx, ConnectionSpec credentials) {
        return credentials;
    }

    /** Deletes exactly what this run recorded, newest first; a second call finds nothing to do. */
    void teardown(RunContext ctx);
}
