package io.pgvectormigrate.aws;

import software.amazon.awssdk.services.rds.RdsClient;
import software.amazon.awssdk.services.rds.model.DBCluster;
import software.amazon.awssdk.services.rds.model.DBClusterParameterGroup;
import software.amazon.awssdk.services.rds.model.DBClusterSnapshot;
import software.amazon.awssdk.services.rds.model.DBInstance;
import software.amazon.awssdk.services.rds.model.DbClusterNotFoundException;
import software.amazon.awssdk.services.rds.model.DbClusterSnapshotNotFoundException;
import software.amazon.awssdk.services.rds.model.DbInstanceNotFoundException;
import software.amazon.awssdk.services.rds.model.DbParameterGroupNotFoundException;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * RDS lookups, with "not found" as an empty Optional. Every Describe goes through the SDK's paginator (a lookup by
 * identifier is one page); retries are the client's own strategy.
 */
public final class RdsOps {
    private final RdsClient rds;

    public RdsOps(RdsClient rds) {
        this.rds = rds;
    }

    public RdsClient client() {
        return rds;
    }

    public Optional<DBCluster> cluster(String id) {
        try {
            return rds.describeDBClustersPaginator(b -> b.dbClusterIdentifier(id)).dbClusters().stream().findFirst();
        } catch (DbClusterNotFoundException e) {
            return Optional.empty();
        }
    }

    public Optional<DBInstance> instance(String id) {
        try {
            return rds.describeDBInstancesPaginator(b -> b.dbInstanceIdentifier(id)).dbInstances().stream().findFirst();
        } catch (DbInstanceNotFoundException e) {
            return Optional.empty();
        }
    }

    public Optional<DBClusterParameterGroup> parameterGroup(String name) {
        try {
            return rds.describeDBClusterParameterGroupsPaginator(b -> b.dbClusterParameterGroupName(name))
                    .dbClusterParameterGroups().stream().findFirst();
        } catch (DbParameterGroupNotFoundException e) {
            return Optional.empty();
        }
    }

    /** A cluster snapshot by name or ARN (shared snapshots of other accounts by ARN). */
    public Optional<DBClusterSnapshot> snapshot(String idOrArn) {
        try {
            return rds.describeDBClusterSnapshotsPaginator(b -> {
                b.dbClusterSnapshotIdentifier(idOrArn);
                if (idOrArn.startsWith("arn:")) b.includeShared(true);
                // automated snapshots (rds:cluster-date) are only found when their type is named
                if (idOrArn.startsWith("rds:")) b.snapshotType("automated");
            }).dbClusterSnapshots().stream().findFirst();
        } catch (DbClusterSnapshotNotFoundException e) {
            return Optional.empty();
        }
    }

    public List<DBCluster> allClusters() {
        return rds.describeDBClustersPaginator(b -> { }).dbClusters().stream().toList();
    }

    public List<DBInstance> allInstances() {
        return rds.describeDBInstancesPaginator(b -> { }).dbInstances().stream().toList();
    }

    public List<DBClusterParameterGroup> allParameterGroups() {
        return rds.describeDBClusterParameterGroupsPaginator(b -> { }).dbClusterParameterGroups().stream().toList();
    }

    public List<DBClusterSnapshot> allManualSnapshots() {
        return rds.describeDBClusterSnapshotsPaginator(b -> b.snapshotType("manual")).dbClusterSnapshots().stream().toList();
    }

    public Map<String, String> tags(String arn) {
        return Tags.fromRds(rds.listTagsForResource(b -> b.resourceName(arn)).tagList());
    }

    /** Cluster states from which "available" will not come without someone acting. */
    public static boolean clusterFailed(String status) {
        return switch (status) {
            case "failed", "incompatible-restore", "incompatible-parameters", "incompatible-network",
                 "inaccessible-encryption-credentials", "inaccessible-encryption-credentials-recoverable",
                 "deleting", "stopped" -> true;
            default -> false;
        };
    }

    public static boolean instanceFailed(String status) {
        return switch (status) {
            case "failed", "incompatible-restore", "incompatible-parameters", "incompatible-network",
                 "inaccessible-encryption-credentials", "storage-full", "deleting", "stopped" -> true;
            default -> false;
        };
    }
}
