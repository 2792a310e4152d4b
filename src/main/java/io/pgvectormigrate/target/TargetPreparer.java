package io.pgvectormigrate.target;

import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pg.TableFilter;
import io.pgvectormigrate.report.Progress;

/**
 * Prepares the target with Flyway (extensions, Bedrock Chat schema, operator migrations), and after the load
 * rebuilds vector indexes and analyzes. (Contract stub: the prepare-target work implements it.)
 */
public final class TargetPreparer {
    private TargetPreparer() {}

    /** Idempotent; refuses (ToolException.usage) a non-empty target, an older major version, no pgvector. */
    public static PrepareResult prepare(PrepareOptions options, Progress progress) {
        throw new UnsupportedOperationException("prepare-target is being built");
    }

    /**
     * After the data is loaded: recreates the indexes prepare deferred, REINDEXes vector indexes that were not
     * deferred (ivfflat lists trained on real rows), ANALYZEs. Idempotent: safe to call again on resume/cutover.
     */
    public static void afterLoad(ConnectionSpec target, TableFilter tables, Progress progress) {
        throw new UnsupportedOperationException("prepare-target is being built");
    }

    public record PrepareResult(String summary, java.util.List<String> applied) {}
}
