package io.pgvectormigrate.aws;

import io.pgvectormigrate.core.Durations;
import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.report.Progress;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.waiters.Waiter;
import software.amazon.awssdk.core.waiters.WaiterAcceptor;
import software.amazon.awssdk.core.waiters.WaiterOverrideConfiguration;
import software.amazon.awssdk.core.waiters.WaiterResponse;
import software.amazon.awssdk.retries.api.BackoffStrategy;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Every wait of the tool on AWS. The loop is the SDK's generic {@link Waiter} (a fixed delay of {@code interval}
 * between looks, given up when the next look would pass the timeout); what this class adds is the progress line the
 * SDK's service waiters cannot print, and one-line failures that say what to do.
 */
public record AwsWaits(Duration interval, Duration heartbeat, java.time.Clock clock, Progress progress) {
    public AwsWaits(Pacing pacing, Progress progress) {
        this(pacing.poll(), pacing.heartbeat(), pacing.clock(), progress);
    }

    /** One look of {@link #poll}: a value ends the wait; empty looks again; an exception ends it as it is. */
    @FunctionalInterface
    public interface Look<T> {
        Optional<T> next(Duration waited);
    }

    /**
     * For a caller that prints its own progress and may act on each look (DMS's status line, a stop DMS refuses while
     * Starting sent again). At the timeout {@code timedOut} is thrown.
     */
    public <T> T poll(Duration timeout, Look<T> look, Supplier<? extends RuntimeException> timedOut) {
        Instant start = clock.instant();
        @SuppressWarnings({"unchecked", "rawtypes"})
        Waiter<Outcome<T>> waiter = Waiter.builder((Class<Outcome<T>>) (Class) Outcome.class)
                .addAcceptor(WaiterAcceptor.successOnResponseAcceptor(Outcome::finished))
                .addAcceptor(WaiterAcceptor.retryOnResponseAcceptor(o -> true))
                .overrideConfiguration(configuration(timeout))
                .build();
        Outcome<T> outcome;
        try {
            outcome = waiter.run(() -> {
                try {
                    return new Outcome<>(look.next(Duration.between(start, clock.instant())), null);
                } catch (RuntimeException e) {
                    return new Outcome<>(Optional.empty(), e); // carried out of the SDK's loop, thrown below as it was
                }
            }).matched().response().orElseThrow();
        } catch (SdkClientException e) {
            if (Thread.currentThread().isInterrupted()) throw ToolException.runtime("interrupted while waiting for AWS", e);
            throw timedOut.get(); // the SDK waiter gave up at the timeout
        }
        if (outcome.failure() != null) throw outcome.failure();
        return outcome.value().orElseThrow();
    }

    private record Outcome<T>(Optional<T> value, RuntimeException failure) {
        boolean finished() {
            return failure != null || value.isPresent();
        }
    }

    /**
     * Waits until {@code status} returns a value accepted by {@code done}. A null status means "does not exist". A line
     * goes to the progress stream when it changes and at least every {@code heartbeat}: an Aurora restore takes many
     * minutes and must never look hung.
     *
     * @param what     what we wait for, e.g. "cluster pgvm-x-source to be available"
     * @param failed   states from which the wanted state cannot come: fail at once instead of waiting out the timeout
     * @param hint     what the operator can do when the wait times out or fails
     * @return the final status (null when waiting for absence)
     */
    public String until(String what, Supplier<String> status, Predicate<String> done, Predicate<String> failed,
                        Duration timeout, String hint) {
        String[] last = {"\u0000"};
        Duration[] lastLine = {Duration.ZERO};
        return poll(timeout, waited -> {
            String s = status.get();
            if (done.test(s)) {
                progress.info("  " + what + ": " + label(s) + " after " + Durations.human(waited));
                return Optional.of(new Status(s));
            }
            if (s != null && failed.test(s)) {
                throw ToolException.runtime("gave up waiting for " + what + ": it is '" + s + "'; " + hint);
            }
            if (!Objects.equals(s, last[0]) || waited.minus(lastLine[0]).compareTo(heartbeat) >= 0) {
                progress.info("  waiting for " + what + ": " + label(s) + " (" + Durations.human(waited) + " of " + Durations.human(timeout) + ")");
                last[0] = s;
                lastLine[0] = waited;
            }
            return Optional.empty();
        }, () -> ToolException.runtime("timed out after " + Durations.human(timeout) + " waiting for " + what
                + " (still '" + label(last[0]) + "'); " + hint)).value();
    }

    /** A status that may be null (gone), as a value of {@link #poll}. */
    private record Status(String value) {}

    /**
     * Runs one of the SDK's service waiters with this pacing and timeout (for waits that need no progress line);
     * a waiter that gives up (timeout, or a state it names as failure) becomes one line saying what to do.
     */
    public <T> T sdk(String what, java.util.function.Function<WaiterOverrideConfiguration, WaiterResponse<T>> waiter,
                     Duration timeout, String hint) {
        try {
            WaiterResponse<T> r = waiter.apply(configuration(timeout));
            if (r.matched().exception().isPresent()) {
                // a "success on error" acceptor (e.g. DBClusterNotFoundFault for Deleted): the wait is over
                return null;
            }
            return r.matched().response().orElse(null);
        } catch (SdkClientException e) {
            if (Thread.currentThread().isInterrupted()) throw ToolException.runtime("interrupted while waiting for AWS", e);
            // the waiter wraps a fault no acceptor names (a denial, the network) with it as the cause: that fault is
            // the failure, classified as every other AWS fault; the waiter's own give-up has no AWS cause
            if (e.getCause() instanceof software.amazon.awssdk.core.exception.SdkException fault) throw AwsErrors.translate(fault);
            throw ToolException.runtime("gave up waiting for " + what + " after at most " + Durations.human(timeout) + " ("
                    + e.getMessage() + "); " + hint, e);
        }
    }

    /** The SDK waiter configuration: look every {@code interval}, give up at the timeout, never on a count of looks. */
    public WaiterOverrideConfiguration configuration(Duration timeout) {
        return WaiterOverrideConfiguration.builder()
                .backoffStrategyV2(BackoffStrategy.fixedDelayWithoutJitter(
                        interval.isZero() ? Duration.ofMillis(1) : interval))
                .waitTimeout(timeout)
                .maxAttempts(Integer.MAX_VALUE)
                .build();
    }

    private static String label(String s) {
        return s == null ? "gone" : s;
    }

}
