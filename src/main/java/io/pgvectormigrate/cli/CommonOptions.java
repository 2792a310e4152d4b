package io.pgvectormigrate.cli;

import picocli.CommandLine.Option;

/** Options every command takes; mixed into each subcommand. */
public class CommonOptions {
    public enum Format { text, json }

    @Option(names = "--format", defaultValue = "text",
            description = "Output format on stdout: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    public Format format = Format.text;

    @Option(names = {"-v", "--verbose"}, description = "Show debug logs and stack traces on errors.")
    public boolean verbose;

    @Option(names = "--no-progress", description = "Never draw progress bars (they are off anyway when stderr is not a terminal).")
    public boolean noProgress;

    public boolean json() {
        return format == Format.json;
    }
}
