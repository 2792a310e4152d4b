package io.pgvectormigrate.aws;

import io.pgvectormigrate.report.Progress;


/**
 * The tool's waits. Calls go to the clients directly: their one retry strategy ({@link SdkAwsClients#retryStrategy()})
 * is the only retry layer, and a fault that outlasts it reaches the caller unchanged (then {@link AwsErrors}).
 *
 * <p>Waits: {@link AwsWaits}, the one polling helper, with this pacing and progress stream.
 */
public final class AwsCalls {
    private final Pacing pacing;
    private final Progress progress;

    public AwsCalls(Pacing pacing, Progress progress) {
        this.pacing = pacing;
        this.progress = progress;
    }

    public Pacing pacing() {
        return pacing;
    }

    public Progress progress() {
        return progress;
    }

    /** The one polling helper, paced and reporting as these calls are. */
    public AwsWaits waits() {
        return new AwsWaits(pacing, progress);
    }
}
