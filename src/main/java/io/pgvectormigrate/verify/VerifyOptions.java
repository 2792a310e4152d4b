package io.pgvectormigrate.verify;

import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pg.CredentialResolver.PasswordPrompt;
import io.pgvectormigrate.pg.TableFilter;

import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What to verify and how. The pipeline's verify step builds one with {@link #defaults}; the CLI sets the rest.
 *
 * @param source     resolved source connection (password included; never printed)
 * @param skip       checks to skip, by id ({@link Check#ids()})
 * @param groupBy    "table.column" or "schema.table.column" grouping columns; empty = the default
 *                   (items.botid when a Bedrock Chat items table is present); "none" turns the default off
 * @param maxDiffs   how many differing keys (and groups) to list per table; totals are always counted
 * @param annQueries 0 = ANN parity off; else this many stored vectors are used as queries
 * @param annK       k of top-k for ANN parity
 * @param jobs       worker connections per side (the snapshot's holder among them); 0 = Verifier.jobs' default
 * @param chunkRows  rows per key-hash bucket of the content scan (at most ContentCheck.MAX_BUCKETS buckets)
 * @param prompt     password prompt for connections that need one (null = never prompt)
 */
public record VerifyOptions(ConnectionSpec source, ConnectionSpec target, TableFilter tables, Set<String> skip,
                            List<String> groupBy, int maxDiffs, int annQueries, int annK, int jobs, int chunkRows,
                            PasswordPrompt prompt) {

    public static final int DEFAULT_MAX_DIFFS = 20;
    public static final int DEFAULT_ANN_K = 10;
    /** Connections per side as the server's own parallel scan would use (see {@link #jobs}). */
    public static final int DEFAULT_JOBS = 0;
    public static final int DEFAULT_CHUNK_ROWS = 2_000;

    public VerifyOptions {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(target, "target");
        tables = tables == null ? TableFilter.ALL : tables;
        // as the ids Check.parse reads them; unknown ids are bad input
        skip = skip == null ? Set.of()
                : skip.stream().map(s -> Check.parse(s).id()).collect(Collectors.toUnmodifiableSet());
        groupBy = groupBy == null ? List.of() : List.copyOf(groupBy);
        if (maxDiffs < 0) throw ToolException.usage("--max-diffs must be 0 or more, not " + maxDiffs);
        if (annQueries < 0) throw ToolException.usage("--ann-queries must be 0 or more, not " + annQueries);
        if (annK < 1) throw ToolException.usage("--ann-k must be at least 1, not " + annK);
        if (jobs < 0 || jobs > 64) throw ToolException.usage("--jobs must be between 1 and 64, not " + jobs);
        if (chunkRows < 1) throw ToolException.usage("--chunk-rows must be at least 1, not " + chunkRows);
        prompt = prompt == null ? PasswordPrompt.NONE : prompt;
    }

    public static VerifyOptions defaults(ConnectionSpec source, ConnectionSpec target, TableFilter tables) {
        return new VerifyOptions(source, target, tables, Set.of(), List.of(), DEFAULT_MAX_DIFFS, 0, DEFAULT_ANN_K,
                DEFAULT_JOBS, DEFAULT_CHUNK_ROWS, PasswordPrompt.NONE);
    }

    public VerifyOptions withJobs(int j) {
        return new VerifyOptions(source, target, tables, skip, groupBy, maxDiffs, annQueries, annK, j, chunkRows, prompt);
    }

    /** Whether check {@code c} runs: not skipped, and ANN only when asked for. */
    public boolean runs(Check c) {
        return !skip.contains(c.id()) && (c != Check.ANN || annQueries > 0);
    }
}
