package io.pgvectormigrate.aws;

import io.pgvectormigrate.pipeline.Journal;

import java.nio.file.Path;
import java.time.Clock;

/** Helpers the AWS commands share: clients for a run (its journal's region when no flag says otherwise). */
public final class AwsSession {
    private AwsSession() {}

    /** The region a run recorded, or null when the run has no journal (or no region yet). */
    public static String journalRegion(Path workDir, String runId) {
        if (runId == null || !Journal.exists(workDir, runId)) return null;
        return Journal.load(workDir, runId, Clock.systemUTC()).parameter(AwsProvider.P_REGION).orElse(null);
    }

    /** Clients for a run: the settings' region, else the one the run's journal recorded, else the environment's. */
    public static AwsClients clients(AwsClients.Factory factory, AwsSettings settings, Path workDir, String runId) {
        return factory.create(settings.region() != null ? settings : settings.withRegion(journalRegion(workDir, runId)));
    }
}
