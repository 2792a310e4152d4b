package io.pgvectormigrate.aws;

import io.pgvectormigrate.core.ToolException;
import software.amazon.awssdk.services.rds.model.DBCluster;
import software.amazon.awssdk.services.rds.model.DBClusterParameterGroup;
import software.amazon.awssdk.services.rds.model.DBClusterSnapshot;
import software.amazon.awssdk.services.rds.model.DBInstance;
import software.amazon.awssdk.services.rds.model.DescribeDbClustersRequest;
import software.amazon.awssdk.services.rds.waiters.RdsWaiter;
import software.amazon.awssdk.services.rds.model.DbClusterNotFoundException;
import software.amazon.awssdk.services.rds.model.DbClusterSnapshotAlreadyExistsException;
import software.amazon.awssdk.services.rds.model.DbInstanceNotFoundException;
import software.amazon.awssdk.services.rds.model.DbParameterGroupNotFoundException;
import software.amazon.awssdk.services.rds.model.InvalidDbClusterStateException;
import software.amazon.awssdk.services.rds.model.InvalidDbInstanceStateException;
import software.amazon.awssdk.services.rds.model.InvalidDbParameterGroupStateException;
import software.amazon.awssdk.services.secretsmanager.model.DescribeSecretResponse;
import software.amazon.awssdk.services.secretsmanager.model.Filter;
import software.amazon.awssdk.services.secretsmanager.model.FilterNameStringType;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/** The handlers of the AWS provider's resource kinds. */
public final class AwsHandlers {
    private AwsHandlers() {}

    public static List<ResourceHandler> standard(AwsClients aws, AwsWaits waits) {
        RdsOps rds = new RdsOps(aws.rds());
        Secrets secrets = new Secrets(aws.secretsManager());
        return List.of(new InstanceHandler(waits, rds), new ClusterHandler(waits, rds), new ParameterGroupHandler(waits, rds),
                new SecretHandler(waits, aws, secrets), new SnapshotHandler(rds));
    }

    private static Map<String, String> arn(String arn) {
        Map<String, String> m = new LinkedHashMap<>();
        if (arn != null) m.put(Kinds.ATTR_ARN, arn);
        return m;
    }

    /** Instances in these states accept DeleteDBInstance. */
    private static boolean instanceDeletable(String s) {
        return switch (s) {
            case "available", "stopped", "failed", "incompatible-parameters", "incompatible-network", "incompatible-restore",
                 "inaccessible-encryption-credentials", "storage-full" -> true;
            default -> false;
        };
    }

    private static boolean clusterDeletable(String s) {
        return switch (s) {
            case "available", "stopped", "failed", "incompatible-parameters", "incompatible-network", "incompatible-restore",
                 "inaccessible-encryption-credentials", "inaccessible-encryption-credentials-recoverable" -> true;
            default -> false;
        };
    }

    /**
     * Deletes an instance or a cluster: unless it is being deleted already, waits for a state that accepts the delete
     * and sends it ({@code delete} says false when it found the resource gone), then waits until it is gone.
     */
    private static void deleteAndWait(AwsWaits waits, String what, ResourceHandler.Live live, Supplier<String> status,
                                      Predicate<String> deletable, BooleanSupplier delete,
                                      ResourceHandler.DeleteContext ctx) {
        String s = live.status();
        if (!"deleting".equals(s)) {
            if (!deletable.test(s)) {
                s = waits.until(what + " to settle before deletion", status, x -> x == null || "deleting".equals(x)
                        || deletable.test(x), x -> false, ctx.timeout(), rerun(ctx));
            }
            if (s != null && !"deleting".equals(s) && !delete.getAsBoolean()) return;
        }
        waits.until(what + " to be deleted", status, x -> x == null, x -> false, ctx.timeout(), rerun(ctx));
    }

    record InstanceHandler(AwsWaits waits, RdsOps rds) implements ResourceHandler {
        @Override public String kind() { return Kinds.RDS_INSTANCE; }
        @Override public int order() { return 10; }

        @Override
        public Optional<Live> inspect(String id, Map<String, String> attrs) {
            return rds.instance(id).map(this::live);
        }

        private Live live(DBInstance i) {
            Map<String, String> a = arn(i.dbInstanceArn());
            if (i.dbClusterIdentifier() != null) a.put(Kinds.ATTR_CLUSTER, i.dbClusterIdentifier());
            return new Live(i.dbInstanceIdentifier(), i.dbInstanceStatus(), Tags.fromRds(i.tagList()), a);
        }

        @Override
        public List<Live> discover(String runId) {
            return rds.allInstances().stream().filter(i -> Tags.belongsTo(Tags.fromRds(i.tagList()), runId)).map(this::live).toList();
        }

        @Override
        public void delete(Live live, DeleteContext ctx) {
            String id = live.id();
            Supplier<String> status = () -> rds.instance(id).map(DBInstance::dbInstanceStatus).orElse(null);
            deleteAndWait(waits, "instance " + id, live, status, AwsHandlers::instanceDeletable, () -> {
                        try {
                            rds.client().deleteDBInstance(b -> b.dbInstanceIdentifier(id).skipFinalSnapshot(true));
                        } catch (DbInstanceNotFoundException e) {
                            return false;
                        } catch (InvalidDbInstanceStateException e) {
                            // already being deleted by an earlier attempt, or busy: the wait below tells which
                            String now = rds.instance(id).map(DBInstance::dbInstanceStatus).orElse("deleting");
                            if (!"deleting".equals(now)) throw e;
                        }
                        return true;
                    }, ctx);
        }
    }

    record ClusterHandler(AwsWaits waits, RdsOps rds) implements ResourceHandler {
        @Override public String kind() { return Kinds.RDS_CLUSTER; }
        @Override public int order() { return 20; }

        @Override
        public Optional<Live> inspect(String id, Map<String, String> attrs) {
            return rds.cluster(id).map(this::live);
        }

        private Live live(DBCluster c) {
            return new Live(c.dbClusterIdentifier(), c.status(), Tags.fromRds(c.tagList()), arn(c.dbClusterArn()));
        }

        @Override
        public List<Live> discover(String runId) {
            return rds.allClusters().stream().filter(c -> Tags.belongsTo(Tags.fromRds(c.tagList()), runId)).map(this::live).toList();
        }

        @Override
        public void delete(Live live, DeleteContext ctx) {
            String id = live.id();
            deleteAndWait(waits, "cluster " + id, live, () -> rds.cluster(id).map(DBCluster::status).orElse(null),
                    AwsHandlers::clusterDeletable, () -> {
                        issueDelete(id, ctx);
                        return true;
                    }, ctx);
        }

        private void issueDelete(String id, DeleteContext ctx) {
            String finalId = ctx.names().finalSnapshot();
            for (int attempt = 2; ; attempt++) {
                String snap = finalId;
                if (ctx.finalSnapshot()) {
                    ctx.journal().recordResource(Kinds.RDS_SNAPSHOT, snap,
                            Kinds.keptSnapshot(ctx.region(), Kinds.PURPOSE_FINAL, id));
                }
                try {
                    rds.client().deleteDBCluster(b -> {
                        b.dbClusterIdentifier(id);
                        if (ctx.finalSnapshot()) b.skipFinalSnapshot(false).finalDBSnapshotIdentifier(snap);
                        else b.skipFinalSnapshot(true);
                    });
                    return;
                } catch (DbClusterNotFoundException e) {
                    if (ctx.finalSnapshot()) ctx.journal().markDeleted(Kinds.RDS_SNAPSHOT, snap);
                    return;
                } catch (DbClusterSnapshotAlreadyExistsException e) {
                    // a final snapshot of that name exists (an earlier incarnation of the run): never overwrite, pick the next name
                    ctx.journal().markDeleted(Kinds.RDS_SNAPSHOT, snap);
                    if (attempt > 9) throw e;
                    finalId = ctx.names().finalSnapshot() + "-" + attempt;
                } catch (InvalidDbClusterStateException e) {
                    if (ctx.finalSnapshot()) ctx.journal().markDeleted(Kinds.RDS_SNAPSHOT, snap);
                    String now = rds.cluster(id).map(DBCluster::status).orElse(null);
                    if (now == null || "deleting".equals(now)) return;
                    throw ToolException.runtime("cannot delete cluster " + id + " (" + AwsErrors.message(e) + "); "
                            + "it is '" + now + "': re-run cleanup when it is available");
                }
            }
        }
    }

    record ParameterGroupHandler(AwsWaits waits, RdsOps rds) implements ResourceHandler {
        @Override public String kind() { return Kinds.RDS_PARAMETER_GROUP; }
        @Override public int order() { return 30; }

        @Override
        public Optional<Live> inspect(String id, Map<String, String> attrs) {
            return rds.parameterGroup(id).map(this::live);
        }

        private Live live(DBClusterParameterGroup g) {
            return new Live(g.dbClusterParameterGroupName(), "exists", rds.tags(g.dbClusterParameterGroupArn()),
                    arn(g.dbClusterParameterGroupArn()));
        }

        @Override
        public List<Live> discover(String runId) {
            // only the tool's names: listing tags of every group in the account would be slow and pointless
            return rds.allParameterGroups().stream().filter(g -> g.dbClusterParameterGroupName().startsWith("pgvm-"))
                    .map(this::live).filter(l -> Tags.belongsTo(l.tags(), runId)).toList();
        }

        @Override
        public void delete(Live live, DeleteContext ctx) {
            String name = live.id();
            for (int attempt = 1; ; attempt++) {
                try {
                    rds.client().deleteDBClusterParameterGroup(b -> b
                            .dbClusterParameterGroupName(name));
                    return;
                } catch (DbParameterGroupNotFoundException e) {
                    return;
                } catch (InvalidDbParameterGroupStateException e) {
                    // still in use: by the run's own cluster while it finishes deleting, or by someone else's
                    String cluster = ctx.names().cluster();
                    if (attempt == 1 && rds.cluster(cluster).isPresent()) {
                        // the cluster handler's wait showed its progress: the SDK's waiter, silently
                        waits.sdk("cluster " + cluster + " to be deleted", c -> RdsWaiter.builder().client(rds.client()).build().waitUntilDBClusterDeleted(
                                DescribeDbClustersRequest.builder().dbClusterIdentifier(cluster).build(), c), ctx.timeout(), rerun(ctx));
                        continue;
                    }
                    throw ToolException.runtime("cluster parameter group " + name + " is still in use (" + AwsErrors.message(e)
                            + "): it was left in place; delete the cluster that uses it, then re-run cleanup");
                }
            }
        }
    }

    record SecretHandler(AwsWaits waits, AwsClients aws, Secrets secrets) implements ResourceHandler {
        @Override public String kind() { return Kinds.SECRET; }
        @Override public int order() { return 40; }

        @Override
        public Optional<Live> inspect(String id, Map<String, String> attrs) {
            String ref = attrs.getOrDefault(Kinds.ATTR_ARN, id);
            return secrets.describe(ref).filter(d -> d.deletedDate() == null).map(this::live);
        }

        private Live live(DescribeSecretResponse d) {
            return new Live(d.name(), "exists", Tags.fromSecrets(d.tags()), arn(d.arn()));
        }

        @Override
        public List<Live> discover(String runId) {
            return aws.secretsManager().listSecretsPaginator(b -> b.filters(
                    Filter.builder().key(FilterNameStringType.TAG_KEY).values(Tags.RUN_ID).build(),
                    Filter.builder().key(FilterNameStringType.TAG_VALUE).values(runId).build())).stream()
                    .flatMap(page -> page.secretList().stream())
                    .filter(e -> e.deletedDate() == null && Tags.belongsTo(Tags.fromSecrets(e.tags()), runId))
                    .map(e -> new Live(e.name(), "exists", Tags.fromSecrets(e.tags()), arn(e.arn()))).toList();
        }

        @Override
        public void delete(Live live, DeleteContext ctx) {
            String ref = live.attributes().getOrDefault(Kinds.ATTR_ARN, live.id());
            try {
                aws.secretsManager().deleteSecret(b -> b.secretId(ref).forceDeleteWithoutRecovery(true));
            } catch (ResourceNotFoundException e) {
                return;
            }
            waits.until("secret " + live.id() + " to be deleted",
                    () -> secrets.describe(ref).map(d -> d.deletedDate() == null ? "exists" : null).orElse(null),
                    s -> s == null, s -> false, ctx.timeout(), rerun(ctx));
        }
    }

    /** Snapshots are listed, never deleted: the capture snapshot and final snapshots hold production data. */
    record SnapshotHandler(RdsOps rds) implements ResourceHandler {
        @Override public String kind() { return Kinds.RDS_SNAPSHOT; }
        @Override public int order() { return 90; }
        @Override public boolean keep() { return true; }

        @Override
        public Optional<Live> inspect(String id, Map<String, String> attrs) {
            return rds.snapshot(id).map(this::live);
        }

        private Live live(DBClusterSnapshot s) {
            return new Live(s.dbClusterSnapshotIdentifier(), s.status(), Tags.fromRds(s.tagList()), arn(s.dbClusterSnapshotArn()));
        }

        @Override
        public List<Live> discover(String runId) {
            return rds.allManualSnapshots().stream().filter(s -> Tags.belongsTo(Tags.fromRds(s.tagList()), runId)).map(this::live).toList();
        }

        @Override
        public void delete(Live live, DeleteContext ctx) {
            throw new IllegalStateException("snapshots are never deleted by cleanup");
        }
    }

    private static String rerun(ResourceHandler.DeleteContext ctx) {
        return "re-run: pgvector-migrate cleanup --run-id " + ctx.names().runId();
    }
}
