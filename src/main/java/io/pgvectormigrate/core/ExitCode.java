package io.pgvectormigrate.core;

/** The one exit-code table every command follows. */
public final class ExitCode {
    /** Success; for verify, everything matched. */
    public static final int OK = 0;
    /** Runtime failure: connection lost mid-run, unexpected error. */
    public static final int RUNTIME_FAILURE = 1;
    /** Bad input or usage; the message says what is wrong and how to fix it. */
    public static final int USAGE = 2;
    public static final int DIFFERENCES = 3;

    private ExitCode() {}
}
