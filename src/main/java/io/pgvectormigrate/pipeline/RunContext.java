package io.pgvectormigrate.pipeline;

import io.pgvectormigrate.report.Progress;

import java.nio.file.Path;
import java.time.Clock;

/**
 * What every step gets: the run's journal, where to report progress, the work directory and a clock.
 *
 * @param workDir directory for run journals and local instances ({@code runs/<id>/...})
 */
public record RunContext(Journal journal, Progress progress, Path workDir, Clock clock) {
    public String runId() {
        return journal.runId();
    }
}
