package io.pgvectormigrate.aws;

import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pipeline.Journal;

/**
 * Identifiers of everything a run creates, derived from the run id alone, so a resumed run (or cleanup with
 * a lost journal) finds the same names. RDS identifiers: letters, digits and single hyphens, at most 63.
 */
public record RunNames(String runId) {
    public RunNames {
        Journal.validateRunId(runId);
        if (runId.contains("--")) {
            throw ToolException.usage("invalid run id '" + runId + "': AWS resource names cannot contain two hyphens in a row");
        }
    }

    public String cluster() { return "pgvm-" + runId + "-source"; }
    public String writer() { return "pgvm-" + runId + "-writer"; }
    public String parameterGroup() { return "pgvm-" + runId + "-params"; }
    public String captureSnapshot() { return "pgvm-" + runId + "-capture"; }
    public String finalSnapshot() { return "pgvm-" + runId + "-final"; }
    public String sourceSecret() { return "pgvector-migrate/" + runId + "/temporary-source"; }
    public String capturedSecret() { return "pgvector-migrate/" + runId + "/captured"; }
}
