package io.pgvectormigrate.aws;

import io.pgvectormigrate.pipeline.Journal;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;

/** Picocli mixin: which run, and where its journal lives. */
public class RunOptions {
    public static final String DEFAULT_WORK_DIR = ".pgvector-migrate";

    @Option(names = "--run-id", paramLabel = "ID",
            description = "Run id: names the AWS resources and the journal (lower-case letters, digits, hyphens).")
    public String runId;

    @Option(names = "--work-dir", paramLabel = "DIR",
            description = "Directory of run journals (default: ./" + DEFAULT_WORK_DIR + ").")
    public Path workDir;

    public Path workDir(Path cwd) {
        return workDir == null ? cwd.resolve(DEFAULT_WORK_DIR) : cwd.resolve(workDir);
    }

    /** The given run id, or a new one like {@code run-20250312-1a2b}. */
    public String runIdOrNew() {
        if (runId != null) {
            Journal.validateRunId(runId);
            return runId;
        }
        byte[] b = new byte[2];
        new SecureRandom().nextBytes(b);
        return "run-" + LocalDate.now(ZoneOffset.UTC).format(DateTimeFormatter.BASIC_ISO_DATE) + "-" + HexFormat.of().formatHex(b);
    }
}
