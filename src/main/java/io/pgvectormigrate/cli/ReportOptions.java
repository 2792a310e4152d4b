package io.pgvectormigrate.cli;

import io.pgvectormigrate.report.ReportFile;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** Picocli mixin: the Markdown report file (--format, for stdout, is in {@link CommonOptions}). */
public class ReportOptions {
    @Option(names = "--report", paramLabel = "FILE.md", description = "Also write the report as Markdown to this file.")
    public Path report;

    /** The report file, absolute and checked writable before any work starts; null when not asked for. */
    public Path file(Path cwd) {
        if (report == null) return null;
        Path f = cwd.resolve(report).toAbsolutePath().normalize();
        ReportFile.checkWritable(f, "--report");
        return f;
    }
}
