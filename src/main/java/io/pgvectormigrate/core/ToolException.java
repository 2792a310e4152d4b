package io.pgvectormigrate.core;

/**
 * A failure the tool understands: carries the exit code and a one-line message that says what to do.
 * Messages must never contain secrets.
 */
public class ToolException extends RuntimeException {
    private final int exitCode;

    public ToolException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public ToolException(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }

    /** Bad input or usage (exit 2). */
    public static ToolException usage(String message) {
        return new ToolException(ExitCode.USAGE, message);
    }

    public static ToolException usage(String message, Throwable cause) {
        return new ToolException(ExitCode.USAGE, message, cause);
    }

    /** Runtime failure (exit 1). */
    public static ToolException runtime(String message, Throwable cause) {
        return new ToolException(ExitCode.RUNTIME_FAILURE, message, cause);
    }

    public static ToolException runtime(String message) {
        return new ToolException(ExitCode.RUNTIME_FAILURE, message);
    }
}
