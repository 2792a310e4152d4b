package io.pgvectormigrate.aws;

import io.pgvectormigrate.core.ToolException;

import java.time.Duration;
import java.util.List;

/**
 * What the AWS provider restores and how.
 *
 * @param snapshot          cluster snapshot name or ARN (required)
 * @param stackName         CloudFormation stack whose outputs name the target (null when targetClusterId is given)
 * @param targetClusterId   the new cluster (null when stackName is given)
 * @param dbSubnetGroup     subnet group for the temporary cluster; null = the target cluster's
 * @param securityGroupIds  VPC security groups; empty = the target cluster's
 * @param waitTimeout       longest wait for one resource to become available or gone
 * @param resetPassword     reset the master password even when a captured secret exists
 * @param finalSnapshot     whether teardown takes a final snapshot of the temporary cluster
 * @param database          database to connect to; null = the cluster's, else "postgres"
 * @param engineVersion     restore to this engine version (same major, not older); null = the snapshot's
 */
public record AwsSourceOptions(String snapshot, String stackName, String targetClusterId, String dbSubnetGroup,
                               List<String> securityGroupIds, double minAcu, double maxAcu, Duration waitTimeout,
                               boolean resetPassword, boolean finalSnapshot, String database, String engineVersion) {
    public static final double DEFAULT_MIN_ACU = 0.5;
    public static final double DEFAULT_MAX_ACU = 8;
    public static final Duration DEFAULT_WAIT = Duration.ofMinutes(60);

    public AwsSourceOptions {
        securityGroupIds = securityGroupIds == null ? List.of() : List.copyOf(securityGroupIds);
        if (snapshot == null || snapshot.isBlank()) throw ToolException.usage("missing --snapshot: name or ARN of the cluster snapshot to restore");
        if (stackName != null && targetClusterId != null) {
            throw ToolException.usage("pass either --stack or --target-cluster, not both");
        }
        if (stackName == null && targetClusterId == null) stackName = TargetInfo.DEFAULT_STACK;
        if (minAcu < 0 || maxAcu < 1 || minAcu > maxAcu || maxAcu > 256 || !AwsConstraints.halfStep(minAcu) || !AwsConstraints.halfStep(maxAcu)) {
            throw ToolException.usage("invalid capacity " + minAcu + "-" + maxAcu + " ACU: Serverless v2 takes 0-256 ACU in steps of 0.5, "
                    + "with --max-acu at least 1 and not below --min-acu (0 only on engine versions with auto-pause)");
        }
        if (waitTimeout == null) waitTimeout = DEFAULT_WAIT;
        if (waitTimeout.isNegative() || waitTimeout.isZero()) throw ToolException.usage("--wait-timeout must be positive");
    }

    /** Defaults for everything but the snapshot and the target. */
    public static AwsSourceOptions of(String snapshot, String stackName, String targetClusterId) {
        return new AwsSourceOptions(snapshot, stackName, targetClusterId, null, List.of(), DEFAULT_MIN_ACU, DEFAULT_MAX_ACU,
                DEFAULT_WAIT, false, true, null, null);
    }
}
