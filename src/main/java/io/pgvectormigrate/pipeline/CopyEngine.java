package io.pgvectormigrate.pipeline;

import java.util.Map;

/**
 * How rows move from the temporary source to the target: the tool's own native logical replication, or an
 * AWS DMS homogeneous data migration. Idempotent like the provider: on resume it reuses what it recorded.
 */
public interface CopyEngine {
    /** "native" or "dms". */
    String name();

    /**
     * The checks that need only the source, run before prepare-target changes the target (e.g. a table logical
     * replication cannot carry), so such a refusal leaves both ends as they were.
     */
    default void checkSource(RunContext ctx, Endpoints endpoints) {}

    /** Checks both ends before anything is created (logical replication on, slots free, keys present). */
    void preflight(RunContext ctx, Endpoints endpoints);

    /** Starts the copy and returns once the initial load is complete (and changes stream, for CDC modes). */
    Result migrate(RunContext ctx, Endpoints endpoints);

    /** Waits for the target to catch up, stops replication, carries sequences, rebuilds indexes, removes leftovers. */
    Result cutover(RunContext ctx, Endpoints endpoints);

    /** Removes anything the engine left (subscriptions, publications, slots, DMS objects); idempotent. */
    void teardown(RunContext ctx, Endpoints endpoints);

    /** What a step reports: a one-line summary and figures for the report and the journal (no secrets). */
    record Result(String summary, Map<String, String> figures) {
        public Result {
            figures = figures == null ? Map.of() : Map.copyOf(figures);
        }
    }
}
