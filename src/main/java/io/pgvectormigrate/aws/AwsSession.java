package io.pgvectormigrate.aws;

import io.pgvectormigrate.pipeline.Journal;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;

/** Helpers the AWS commands share: clients for a run (its journal's region when no flag says otherwise). */
public final class AwsSession {
    private AwsSession() {}

    /** The region a run recorded, or null when the run has no journal (or no region yet). */
    public static String journalRegion(Path workDir, String runId) {
        if (runId == null || !Journal.exists(workDir, runId)) return null;
        return Journal.load(workDir, runId, Clock.systemUTC()).parameter(AwsProvider.P_REGION).orElse(null);
    }

    public static AwsClients clients(AwsClients.Factory factory, AwsOptions options, Map<String, String> env, Path home,
                                     Path workDir, String runId) {
        return factory.create(options.settings(env, home, journalRegion(workDir, runId)));
    }
}
