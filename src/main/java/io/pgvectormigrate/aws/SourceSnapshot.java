package io.pgvectormigrate.aws;

import io.pgvectormigrate.core.ToolException;
import software.amazon.awssdk.services.rds.model.DBClusterSnapshot;
import software.amazon.awssdk.services.rds.model.DBEngineVersion;

/**
 * The snapshot a run restores from, after its checks: it exists, is available, and is aurora-postgresql.
 *
 * @param family the parameter group family of its engine version, e.g. {@code aurora-postgresql15}
 */
public record SourceSnapshot(String id, String arn, String engine, String engineVersion, String family,
                             String kmsKeyId, boolean encrypted, String masterUsername, Integer port,
                             String sourceCluster) {

    public static final String ENGINE = "aurora-postgresql";

    /** Looks the snapshot up and checks it; every failure is bad input (exit 2) and happens before anything is created. */
    public static SourceSnapshot check(AwsCalls calls, RdsOps rds, String idOrArn, String region) {
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
        String family = family(calls, rds, s.engineVersion());
        return new SourceSnapshot(s.dbClusterSnapshotIdentifier(), s.dbClusterSnapshotArn(), s.engine(), s.engineVersion(),
                family, s.kmsKeyId(), Boolean.TRUE.equals(s.storageEncrypted()), s.masterUsername(), s.port(),
                s.dbClusterIdentifier());
    }

    private static String family(AwsCalls calls, RdsOps rds, String version) {
        String fromApi = calls.call("DescribeDBEngineVersions", () -> rds.client().describeDBEngineVersions(b -> b
                        .engine(ENGINE).engineVersion(version)))
                .dbEngineVersions().stream().map(DBEngineVersion::dbParameterGroupFamily).filter(f -> f != null && !f.isBlank())
                .findFirst().orElse(null);
        return fromApi != null ? fromApi : ENGINE + major(version);
    }

    static int major(String version) {
        try {
            return Integer.parseInt(version.split("\\.")[0]);
        } catch (RuntimeException e) {
            throw ToolException.usage("cannot read the engine version '" + version + "' of the snapshot");
        }
    }

    /** Compares dotted versions numerically: negative when a is older than b. */
    static int compareVersions(String a, String b) {
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
