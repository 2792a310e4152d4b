package io.pgvectormigrate.aws;

import software.amazon.awssdk.core.pagination.sync.SdkIterable;
import software.amazon.awssdk.services.rds.RdsClient;
import software.amazon.awssdk.services.rds.model.DBCluster;
import software.amazon.awssdk.services.rds.model.DBClusterParameterGroup;
import software.amazon.awssdk.services.rds.model.DBClusterSnapshot;
import software.amazon.awssdk.services.rds.model.DBInstance;
import software.amazon.awssdk.services.rds.model.DbClusterNotFoundException;
import software.amazon.awssdk.services.rds.model.DbClusterSnapshotNotFoundException;
import software.amazon.awssdk.services.rds.model.DbInstanceNotFoundException;
import software.amazon.awssdk.services.rds.model.DbParameterGroupNotFoundException;
import software.amazon.awssdk.services.rds.model.RdsException;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * RDS lookups, with "not found" as an empty Optional. Every Describe goes through the SDK's paginator (a lookup by
 * identifier is one page); retries are the client's own strategy.
 */
public record RdsOps(RdsClient client) {
    public Optional<DBCluster> cluster(String id) {
        return first(() -> client.describeDBClustersPaginator(b -> b.dbClusterIdentifier(id)).dbClusters(),
                DbClusterNotFoundException.class);
    }

    /** Statuses, null when the resource does not exist (what {@link AwsWaits#until} waits on). */
    public String clusterStatus(String id) {
        return cluster(id).map(DBCluster::status).orElse(null);
    }

    public String instanceStatus(String id) {
        return instance(id).map(DBInstance::dbInstanceStatus).orElse(null);
    }

    public Optional<DBInstance> instance(String id) {
        return first(() -> client.describeDBInstancesPaginator(b -> b.dbInstanceIdentifier(id)).dbInstances(),
                DbInstanceNotFoundException.class);
    }

    public Optional<DBClusterParameterGroup> parameterGroup(String name) {
        return first(() -> client.describeDBClusterParameterGroupsPaginator(b -> b.dbClusterParameterGroupName(name))
                .dbClusterParameterGroups(), DbParameterGroupNotFoundException.class);
    }

    /** A cluster snapshot by name or ARN (shared snapshots of other accounts by ARN). */
    public Optional<DBClusterSnapshot> snapshot(String idOrArn) {
        return first(() -> client.describeDBClusterSnapshotsPaginator(b -> {
            b.dbClusterSnapshotIdentifier(idOrArn);
            if (idOrArn.startsWith("arn:")) b.includeShared(true);
            // automated snapshots (rds:cluster-date) are only found when their type is named
            if (idOrArn.startsWith("rds:")) b.snapshotType("automated");
        }).dbClusterSnapshots(), DbClusterSnapshotNotFoundException.class);
    }

    /** The first item a describe by identifier lists; empty when RDS answers that it does not exist. */
    private static <T> Optional<T> first(Supplier<SdkIterable<T>> describe, Class<? extends RdsException> notFound) {
        try {
            return describe.get().stream().findFirst();
        } catch (RdsException e) {
            if (notFound.isInstance(e)) return Optional.empty();
            throw e;
        }
    }

    public List<DBCluster> allClusters() {
        return client.describeDBClustersPaginator(b -> { }).dbClusters().stream().toList();
    }

    public List<DBInstance> allInstances() {
        return client.describeDBInstancesPaginator(b -> { }).dbInstances().stream().toList();
    }

    public List<DBClusterParameterGroup> allParameterGroups() {
        return client.describeDBClusterParameterGroupsPaginator(b -> { }).dbClusterParameterGroups().stream().toList();
    }

    public List<DBClusterSnapshot> allManualSnapshots() {
        return client.describeDBClusterSnapshotsPaginator(b -> b.snapshotType("manual")).dbClusterSnapshots().stream().toList();
    }

    public Map<String, String> tags(String arn) {
        return Tags.fromRds(client.listTagsForResource(b -> b.resourceName(arn)).tagList());
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
