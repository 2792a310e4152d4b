package io.pgvectormigrate.aws;

import software.amazon.awssdk.retries.api.BackoffStrategy;

import java.time.Clock;
import java.time.Duration;

/**
 * How often the tool polls AWS and how it backs off when throttled. Production uses {@link #DEFAULT};
 * tests pass millisecond intervals through {@link AwsClients#pacing()} so waiters finish at once.
 *
 * @param poll        interval between Describe calls while waiting for a state
 * @param heartbeat   longest silence on the progress line while waiting
 * @param backoff     delay before the n-th retry of a throttled call (the SDK's own strategies)
 * @param maxRetries  retries of a throttled or 5xx call after the SDK's own attempts gave up
 * @param sleeper     how to wait (tests: not at all)
 * @param clock       for deadlines and elapsed times
 */
public record Pacing(Duration poll, Duration heartbeat, BackoffStrategy backoff, int maxRetries, Sleeper sleeper,
                     Clock clock) {

    public static final Pacing DEFAULT = new Pacing(Duration.ofSeconds(30), Duration.ofSeconds(60),
            BackoffStrategy.exponentialDelay(Duration.ofSeconds(2), Duration.ofSeconds(30)), 5,
            Sleeper.THREAD, Clock.systemUTC());

    /** For tests: no real waiting anywhere. */
    public static Pacing immediate() {
        return new Pacing(Duration.ofMillis(1), Duration.ofSeconds(60), BackoffStrategy.retryImmediately(), 5,
                Sleeper.NONE, Clock.systemUTC());
    }

    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration d) throws InterruptedException;

        Sleeper THREAD = d -> Thread.sleep(d.toMillis());
        Sleeper NONE = d -> { };
    }
}
