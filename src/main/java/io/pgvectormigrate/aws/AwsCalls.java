package io.pgvectormigrate.aws;

import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.report.Progress;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;

import java.time.Duration;
import java.util.function.Supplier;

/**
 * Every AWS call of the tool goes through here, and every wait starts here ({@link #waits()}).
 *
 * <p>Calls: the SDK clients already retry in standard mode; a throttling or 5xx fault that outlasts those
 * attempts is retried again here with the SDK's backoff strategies, because a restore that takes 30 minutes
 * must not die on one throttled Describe. Other faults pass through unchanged so callers can match them.
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

    public <T> T call(String operation, Supplier<T> fn) {
        int retry = 0;
        while (true) {
            try {
                return fn.get();
            } catch (SdkException e) {
                if (!isTransient(e) || retry >= pacing.maxRetries()) throw e;
                retry++;
                Duration delay = pacing.backoff().computeDelay(retry);
                progress.info("  " + operation + ": " + AwsErrors.code(e) + ", retry " + retry + "/" + pacing.maxRetries()
                        + " in " + Progress.seconds(delay));
                sleep(delay);
            }
        }
    }

    public void run(String operation, Runnable fn) {
        call(operation, () -> {
            fn.run();
            return null;
        });
    }

    static boolean isTransient(SdkException e) {
        if (e instanceof AwsServiceException a) {
            return a.isThrottlingException() || a.statusCode() >= 500;
        }
        return false;
    }

    private void sleep(Duration d) {
        try {
            pacing.sleeper().sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ToolException.runtime("interrupted while waiting for AWS", e);
        }
    }
}
