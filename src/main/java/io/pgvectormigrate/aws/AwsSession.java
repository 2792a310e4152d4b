package io.pgvectormigrate.aws;

import io.pgvectormigrate.pipeline.Journal;

import java.nio.file.Path;
import java.time.Clock;

public final class AwsSession {
    private AwsSession() {}

    /** Clients for a run: the settings' region, else the one the run's journal recorded, else the environment's. */
    public static AwsClients clients(AwsClients.Factory factory, AwsSettings settings, Path workDir, String runId) {
        if (settings.region() != null || runId == null || !Journal.exists(workDir, runId)) {
            return factory.create(settings);
        }
        Journal journal = Journal.load(workDir, runId, Clock.systemUTC());
        return factory.create(settings.withRegion(journal.parameter(AwsProvider.P_REGION).orElse(null)));
    }
}
