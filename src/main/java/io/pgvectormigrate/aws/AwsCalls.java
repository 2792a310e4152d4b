package io.pgvectormigrate.aws;

import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.report.Progress;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The tool's waits. Calls go to the clients directly: their one retry strategy ({@link SdkAwsClients#retryStrategy()})
 * is the only retry layer, and a fault that outlasts it reaches the caller unchanged (then {@link AwsErrors}).
 *
 * <p>Waits: poll a status until it is one we want, a failure state, or the deadline; each poll is one line
 * on the progress stream when the status changes, and a heartbeat line at least every {@link Pacing#heartbeat()}.
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

    /**
     * Waits until {@code status} returns a value accepted by {@code done}. A null status means "does not exist".
     *
     * @param what     what we wait for, e.g. "cluster pgvm-x-source to be available"
     * @param failed   states from which the wanted state cannot come: fail at once instead of waiting out the timeout
     * @param hint     what the operator can do when the wait times out or fails
     * @return the final status (null when waiting for absence)
     */
    public String waitUntil(String what, Supplier<String> status, Predicate<String> done, Predicate<String> failed,
                            Duration timeout, String hint) {
        Instant start = pacing.clock().instant();
        Instant deadline = start.plus(timeout);
        String last = "\u0000";
        Instant lastLine = start;
        while (true) {
            String s = status.get();
            Instant now = pacing.clock().instant();
            if (done.test(s)) {
                progress.info("  " + what + ": " + label(s) + " after " + minutes(Duration.between(start, now)));
                return s;
            }
            if (s != null && failed.test(s)) {
                throw ToolException.runtime("gave up waiting for " + what + ": it is '" + s + "'; " + hint);
            }
            if (!Objects.equals(s, last) || Duration.between(lastLine, now).compareTo(pacing.heartbeat()) >= 0) {
                progress.info("  waiting for " + what + ": " + label(s) + " (" + minutes(Duration.between(start, now))
                        + " of " + minutes(timeout) + ")");
                last = s;
                lastLine = now;
            }
            if (now.isAfter(deadline)) {
                throw ToolException.runtime("timed out after " + minutes(timeout) + " waiting for " + what
                        + " (still '" + label(s) + "'); " + hint);
            }
            sleep(pacing.poll());
        }
    }

    private static String label(String s) {
        return s == null ? "gone" : s;
    }

    static String minutes(Duration d) {
        long s = d.toSeconds();
        if (s < 60) return s + " s";
        return (s / 60) + " min" + (s % 60 == 0 ? "" : " " + (s % 60) + " s");
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
