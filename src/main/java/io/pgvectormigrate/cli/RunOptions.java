package io.pgvectormigrate.cli;

import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pipeline.Journal;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Clock;

/** Picocli mixin: which run, and where its journal lives. */
public class RunOptions {
    @Option(names = "--run-id", paramLabel = "ID",
            description = "Names the run and what it creates (lower-case letters, digits, hyphens); the same id resumes it.")
    public String runId;

    @Option(names = "--work-dir", paramLabel = "DIR",
            description = "Directory of run journals (default: ./" + Journal.DEFAULT_WORK_DIR + ").")
    public Path workDir;

    /** The work directory, absolute. */
    public Path workDir(Path cwd) {
        return cwd.resolve(workDir == null ? Path.of(Journal.DEFAULT_WORK_DIR) : workDir).toAbsolutePath().normalize();
    }

    /** The given run id (checked), or a new {@code <prefix>-yyyyMMdd-HHmmss-xxxx}. */
    public String runIdOrNew(String prefix) {
        return runId != null ? checked() : Journal.newRunId(prefix, Clock.systemUTC());
    }

    /** The given run id (checked), or a new {@code <prefix>-yyyyMMdd-HHmmss} (migrate's default, which cutover finds). */
    public String runIdOrTimestamp(String prefix) {
        return runId != null ? checked() : Journal.timestampRunId(prefix, Clock.systemUTC());
    }

    /** The given run id (checked); bad input when there is none. */
    public String requireRunId(String what) {
        if (runId == null) {
            throw ToolException.usage("missing --run-id: " + what
                    + " (see the directories in ./" + Journal.DEFAULT_WORK_DIR + "/runs)");
        }
        return checked();
    }

    private String checked() {
        Journal.validateRunId(runId);
        return runId;
    }
}
