package io.pgvectormigrate.aws.dms;

import io.pgvectormigrate.core.ToolException;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Polls a condition at the configured interval until it holds or the timeout passes (DMS has no waiters). */
final class Poller {
    private final Duration interval;

    Poller(Duration interval) {
        this.interval = interval;
    }

    void until(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw ToolException.runtime("gave up waiting for " + what + " after " + human(timeout)
                        + ": check it in the DMS console and re-run the same command to continue");
            }
            sleep();
        }
    }

    void sleep() {
        try {
            Thread.sleep(Math.max(1, interval.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ToolException.runtime("interrupted while waiting for DMS", e);
        }
    }

    static String human(Duration d) {
        long s = d.toSeconds();
        if (s < 1) return d.toMillis() + " ms";
        if (s < 120) return s + " s";
        if (s < 7200) return (s / 60) + " min";
        return String.format(java.util.Locale.ROOT, "%.1f h", s / 3600.0);
    }
}
