package io.pgvectormigrate.aws;

import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pipeline.Journal;

import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

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
    /** Not "/temporary-source": a name ending in a hyphen and six characters looks like the ARN's suffix to Secrets Manager. */
    public String sourceSecret() { return "pgvector-migrate/" + runId + "/temporary-source-credentials"; }
    public String capturedSecret() { return "pgvector-migrate/" + runId + "/captured"; }

    /** Every name the run may create, against AWS's rules for it (see {@link AwsConstraints}); empty when all are fine. */
    public List<String> problems() {
        return Stream.of(AwsConstraints.rdsIdentifier("cluster identifier", cluster(), 63),
                AwsConstraints.rdsIdentifier("instance identifier", writer(), 63),
                AwsConstraints.rdsIdentifier("cluster parameter group name", parameterGroup(), 255),
                AwsConstraints.rdsIdentifier("snapshot identifier", captureSnapshot(), 63),
                // cleanup may add "-2", "-3" to the final snapshot's name when one of that name exists
                AwsConstraints.rdsIdentifier("final snapshot identifier", finalSnapshot() + "-99", 255),
                AwsConstraints.secretName(sourceSecret()),
                AwsConstraints.secretName(capturedSecret())).flatMap(Optional::stream).toList();
    }
}
