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

/** RDS lookups by identifier, with "not found" as an empty Optional. */
public final class RdsOps {
    private final AwsCalls calls;
    private final RdsClient rds;

    public RdsOps(AwsCalls calls, RdsClient rds) {
        this.calls = calls;
        this.rds = rds;
    }

    public RdsClient client() {
        return rds;
    }

    public Optional<DBCluster> cluster(String id) {
        try {
            return calls.call("DescribeDBClusters", () -> rds.describeDBClusters(b -> b.dbClusterIdentifier(id)))
                    .dbClusters().stream().findFirst();
        } catch (DbClusterNotFoundException e) {
            return Optional.empty();
        }
    }

    public Optional<DBInstance> instance(String id) {
        try {
            return calls.call("DescribeDBInstances", () -> rds.describeDBInstances(b -> b.dbInstanceIdentifier(id)))
                    .dbInstances().stream().findFirst();
        } catch (DbInstanceNotFoundException e) {
            return Optional.empty();
        }
    }

    public Optional<DBClusterParameterGroup> parameterGroup(String name) {
        try {
            return calls.call("DescribeDBClusterParameterGroups",
                            () -> rds.describeDBClusterParameterGroups(b -> b.dbClusterParameterGroupName(name)))
                    .dbClusterParameterGroups().stream().findFirst();
        } catch (DbParameterGroupNotFoundException e) {
            return Optional.empty();
        }
    }

    /** A cluster snapshot by name or ARN (shared snapshots of other accounts by ARN). */
    public Optional<DBClusterSnapshot> snapshot(String idOrArn) {
        try {
            return calls.call("DescribeDBClusterSnapshots", () -> rds.describeDBClusterSnapshots(b -> {
                b.dbClusterSnapshotIdentifier(idOrArn);
                if (idOrArn.startsWith("arn:")) b.includeShared(true);
                // automated snapshots (rds:cluster-date) are only found when their type is named
                if (idOrArn.startsWith("rds:")) b.snapshotType("automated");
            })).dbClusterSnapshots().stream().findFirst();
        } catch (DbClusterSnapshotNotFoundException e) {
            return Optional.empty();
        }
    }

    // the SDK's paginators follow Marker page by page (each page one call, retried by the client's strategy)

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
        return Tags.fromRds(calls.call("ListTagsForResource", () -> rds.listTagsForResource(b -> b.resourceName(arn))).tagList());
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
