package io.pgvectormigrate.aws;

import io.pgvectormigrate.core.ToolException;
import software.amazon.awssdk.services.rds.model.DBClusterSnapshot;
import software.amazon.awssdk.services.rds.model.DBEngineVersion;

/**
 * The snapshot a run restores from, after its checks: it exists, is available, and is aurora-postgresql.
 *
 * @param family the parameter group family of its engine version, e.g. {@code aurora-postgresql15}
 * @param serverless the Serverless v2 capacity limits of that engine version (DescribeDBEngineVersions'
 *                   ServerlessV2FeaturesSupport), or null when RDS did not report them
 */
public record SourceSnapshot(String id, String arn, String engine, String engineVersion, String family,
                             String kmsKeyId, boolean encrypted, String masterUsername, Integer port,
                             String sourceCluster, ServerlessLimits serverless) {

    /** MinCapacity 0 means the version supports auto-pause; MaxCapacity is 256 or 128 depending on the version. */
    public record ServerlessLimits(Double minCapacity, Double maxCapacity) {}

    /** The smallest MinCapacity of versions without auto-pause (ServerlessV2ScalingConfiguration, MinCapacity). */
    public static final double MIN_ACU_WITHOUT_AUTO_PAUSE = 0.5;

    /** The capacity range against what the engine version supports (see ServerlessLimits); empty when it fits. */
    public java.util.Optional<String> capacityProblem(double minAcu, double maxAcu) {
        Double supportedMin = serverless == null ? null : serverless.minCapacity();
        if (minAcu < MIN_ACU_WITHOUT_AUTO_PAUSE && (supportedMin == null || minAcu < supportedMin)) {
            return java.util.Optional.of("--min-acu " + AwsProvider.acu(minAcu) + " needs Aurora Serverless v2 auto-pause, which aurora-postgresql " + engineVersion
                    + (supportedMin == null ? " is not reported to support" : " does not support (its smallest capacity is " + AwsProvider.acu(supportedMin) + " ACU)")
                    + ": use --min-acu 0.5 or more, or restore to a version that supports auto-pause with --engine-version");
        }
        Double supportedMax = serverless == null ? null : serverless.maxCapacity();
        if (supportedMax != null && maxAcu > supportedMax) {
            return java.util.Optional.of("--max-acu " + AwsProvider.acu(maxAcu) + " is above the " + AwsProvider.acu(supportedMax) + " ACU aurora-postgresql " + engineVersion
                    + " supports: use --max-acu " + supportedMax + " or less");
        }
        return java.util.Optional.empty();
    }

    public static final String ENGINE = "aurora-postgresql";

    /**
     * Looks the snapshot up and checks it; every failure is bad input (exit 2) and happens before anything is created.
     *
     * @param engineVersion restore to this version instead of the snapshot's (same major, not older); null = the snapshot's
     */
    public static SourceSnapshot check(AwsWaits waits, RdsOps rds, String idOrArn, String region, String engineVersion) {
        DBClusterSnapshot s = rds.snapshot(idOrArn).orElseThrow(() -> ToolException.usage("cluster snapshot '" + idOrArn
                + "' not found in " + region + ": check --snapshot and --region (list them with: aws rds "
                + "describe-db-cluster-snapshots --region " + region + ")"));
        if (!ENGINE.equals(s.engine())) {
            throw ToolException.usage("snapshot '" + s.dbClusterSnapshotIdentifier() + "' is a " + s.engine()
                    + " snapshot: pgvector-migrate restores aurora-postgresql snapshots only");
        }
        if (!"available".equals(s.status())) {
            throw ToolException.usage("snapshot '" + s.dbClusterSnapshotIdentifier() + "' is '" + s.status()
                    + "', not available: wait until it is available (aws rds wait db-cluster-snapshot-available "
                    + "--db-cluster-snapshot-identifier " + s.dbClusterSnapshotIdentifier() + ") and run again");
        }
        String version = s.engineVersion();
        if (engineVersion != null) {
            if (major(engineVersion) != major(version) || compareVersions(engineVersion, version) < 0) {
                throw ToolException.usage("--engine-version " + engineVersion + " cannot restore a " + version
                        + " snapshot: pick a " + major(version) + ".x version not older than " + version);
            }
            version = engineVersion;
        }
        String v = version;
        DBEngineVersion ev = rds.client().describeDBEngineVersionsPaginator(b -> b.engine(ENGINE).engineVersion(v))
                .dbEngineVersions().stream().filter(e -> e.dbParameterGroupFamily() != null && !e.dbParameterGroupFamily().isBlank())
                .findFirst().orElse(null);
        String family = ev == null ? null : ev.dbParameterGroupFamily();
        ServerlessLimits limits = ev == null || ev.serverlessV2FeaturesSupport() == null ? null
                : new ServerlessLimits(ev.serverlessV2FeaturesSupport().minCapacity(), ev.serverlessV2FeaturesSupport().maxCapacity());
        if (family == null) {
            waits.progress().info("warning: aurora-postgresql " + version + " is not listed as available in " + region
                    + "; if AWS refuses the restore, pass --engine-version with a newer " + major(version) + ".x");
            family = ENGINE + major(version);
        }
        return new SourceSnapshot(s.dbClusterSnapshotIdentifier(), s.dbClusterSnapshotArn(), s.engine(), version,
                family, s.kmsKeyId(), Boolean.TRUE.equals(s.storageEncrypted()), s.masterUsername(), s.port(),
                s.dbClusterIdentifier(), limits);
    }

    static int major(String version) {
        try {
            return Integer.parseInt(version.split("\\.")[0]);
        } catch (RuntimeException e) {
            throw ToolException.usage("cannot read the engine version '" + version + "' of the snapshot");
        }
    }

    /** Compares dotted versions numerically: negative when a is older than b. */
    public static int compareVersions(String a, String b) {
        String[] x = a.split("\\.");
        String[] y = b.split("\\.");
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            int xi = i < x.length ? parseOrZero(x[i]) : 0;
            int yi = i < y.length ? parseOrZero(y[i]) : 0;
            if (xi != yi) return Integer.compare(xi, yi);
        }
        return 0;
    }

    private static int parseOrZero(String s) {
        try {
            return Integer.parseInt(s.replaceAll("\\D.*", ""));
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
