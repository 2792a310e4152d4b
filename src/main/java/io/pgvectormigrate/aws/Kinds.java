package io.pgvectormigrate.aws;

import java.util.Map;

/**
 * Journal resource kinds of the AWS provider, and the attribute keys it stores with them (never secrets).
 */
public final class Kinds {
    public static final String RDS_CLUSTER = "rds.cluster";
    public static final String RDS_INSTANCE = "rds.instance";
    public static final String RDS_PARAMETER_GROUP = "rds.cluster-parameter-group";
    public static final String SECRET = "secretsmanager.secret";
    /** Snapshots are recorded but never deleted by cleanup (attribute keep=true). */
    public static final String RDS_SNAPSHOT = "rds.cluster-snapshot";

    public static final String ATTR_REGION = "region";
    public static final String ATTR_ARN = "arn";
    /** For secrets and snapshots: {@code temporary-source}, {@code captured}, {@code capture}, {@code final}. */
    public static final String ATTR_PURPOSE = "purpose";
    public static final String ATTR_KEEP = "keep";
    public static final String ATTR_CLUSTER = "cluster";

    public static final String PURPOSE_TEMPORARY_SOURCE = "temporary-source";
    public static final String PURPOSE_CAPTURED = "captured";
    public static final String PURPOSE_CAPTURE = "capture";
    public static final String PURPOSE_FINAL = "final";

    private Kinds() {}

    /** The journal attributes of a snapshot the run takes of {@code cluster}: kept by cleanup. */
    public static Map<String, String> keptSnapshot(String region, String purpose, String cluster) {
        return Map.of(ATTR_REGION, region, ATTR_PURPOSE, purpose, ATTR_KEEP, "true", ATTR_CLUSTER, cluster);
    }
}
