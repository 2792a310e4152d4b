package io.pgvectormigrate.aws;

import java.time.Clock;
import java.time.Duration;

/**
 * How often the tool polls AWS while it waits. Production uses {@link #DEFAULT}; tests pass millisecond intervals
 * through {@link AwsClients#pacing()} so waiters finish at once. Retries are not paced here: they are the clients'
 * retry strategy ({@link SdkAwsClients#retryStrategy()}).
 *
 * @param poll        interval between Describe calls while waiting for a state
 * @param heartbeat   longest silence on the progress line while waiting
 */
public record Pacing(Duration poll, Duration heartbeat, Sleeper sleeper, Clock clock) {

    public static final Pacing DEFAULT = new Pacing(Duration.ofSeconds(30), Duration.ofSeconds(60), Sleeper.THREAD, Clock.systemUTC());

    /** For tests: no real waiting anywhere. */
    public static Pacing immediate() {
        return new Pacing(Duration.ofMillis(1), Duration.ofSeconds(60), Sleeper.NONE, Clock.systemUTC());
    }

    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration d) throws InterruptedException;

        Sleeper THREAD = d -> Thread.sleep(d.toMillis());
        Sleeper NONE = d -> { };
    }
}
