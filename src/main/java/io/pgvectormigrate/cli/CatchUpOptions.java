package io.pgvectormigrate.cli;

import picocli.CommandLine.Option;

import java.time.Duration;

/** Picocli mixin: how long cutover waits for the target to catch up, and how close is close enough. */
public class CatchUpOptions {
    @Option(names = "--max-lag", paramLabel = "BYTES", defaultValue = "0", converter = Converters.ByteSize.class,
            description = "Cut over once the target is at most this far behind (e.g. 16MB; changes within it are lost). "
                    + "Default 0: every change committed before cutover began must be on the target.")
    public long maxLag;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "30m", converter = Converters.Duration.class,
            description = "How long to wait for the target to catch up (e.g. 90s, 30m, 1h30m; default ${DEFAULT-VALUE}). "
                    + "On timeout nothing is removed (exit 1).")
    public Duration timeout;
}
