package io.pgvectormigrate.aws;

import io.pgvectormigrate.aws.ResourceHandler.DeleteContext;
import io.pgvectormigrate.aws.ResourceHandler.Live;
import io.pgvectormigrate.core.ToolException;
import software.amazon.awssdk.services.rds.model.DBCluster;
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
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/** The handlers of the AWS provider's resource kinds. */
public final class AwsHandlers {
    private AwsHandlers() {}

    public static List<ResourceHandler> standard(AwsClients aws, AwsWaits waits) {
        RdsOps rds = new RdsOps(aws.rds());
        Secrets secrets = new Secrets(aws.secretsManager());
        return List.of(
                new RdsKind<>(Kinds.RDS_INSTANCE, 10, rds::instance, rds::allInstances, AwsHandlers::live,
                        (live, ctx) -> deleteInstance(waits, rds, live, ctx)),
                new RdsKind<>(Kinds.RDS_CLUSTER, 20, rds::cluster, rds::allClusters, AwsHandlers::live,
                        (live, ctx) -> deleteCluster(waits, rds, live, ctx)),
                // only the tool's names: listing tags of every group in the account would be slow and pointless
                new RdsKind<>(Kinds.RDS_PARAMETER_GROUP, 30, rds::parameterGroup, () -> rds.allParameterGroups()
                        .stream().filter(g -> g.dbClusterParameterGroupName().startsWith("pgvm-")).toList(),
                        g -> new Live(g.dbClusterParameterGroupName(), "exists",
                                rds.tags(g.dbClusterParameterGroupArn()), arn(g.dbClusterParameterGroupArn())),
                        (live, ctx) -> deleteParameterGroup(waits, rds, live, ctx)),
                new SecretHandler(waits, aws, secrets),
                // snapshots are listed, never deleted: the capture snapshot and final snapshots hold production data
                new RdsKind<>(Kinds.RDS_SNAPSHOT, 90, rds::snapshot, rds::allManualSnapshots, AwsHandlers::live, null));
    }

    /**
     * An RDS kind: a resource is looked up by identifier, the run's are found among all by their tags; kept (listed,
     * never deleted) when it has no {@code deletion}.
     */
    private record RdsKind<T>(String kind, int order, Function<String, Optional<T>> find, Supplier<List<T>> all,
                              Function<T, Live> live, BiConsumer<Live, DeleteContext> deletion)
            implements ResourceHandler {
        @Override
        public boolean keep() {
            return deletion == null;
        }

        @Override
        public Optional<Live> inspect(String id, Map<String, String> attrs) {
            return find.apply(id).map(live);
        }

        @Override
        public List<Live> discover(String runId) {
            return all.get().stream().map(live).filter(l -> Tags.belongsTo(l.tags(), runId)).toList();
        }

        @Override
        public void delete(Live resource, DeleteContext ctx) {
            if (keep()) throw new IllegalStateException(kind + " is never deleted by cleanup");
            deletion.accept(resource, ctx);
        }
    }

    private static Map<String, String> arn(String arn) {
        Map<String, String> m = new LinkedHashMap<>();
        if (arn != null) m.put(Kinds.ATTR_ARN, arn);
        return m;
    }

    private static Live live(DBInstance i) {
        Map<String, String> a = arn(i.dbInstanceArn());
        if (i.dbClusterIdentifier() != null) a.put(Kinds.ATTR_CLUSTER, i.dbClusterIdentifier());
        return new Live(i.dbInstanceIdentifier(), i.dbInstanceStatus(), Tags.fromRds(i.tagList()), a);
    }

    private static Live live(DBCluster c) {
        return new Live(c.dbClusterIdentifier(), c.status(), Tags.fromRds(c.tagList()), arn(c.dbClusterArn()));
    }

    private static Live live(DBClusterSnapshot s) {
        return new Live(s.dbClusterSnapshotIdentifier(), s.status(), Tags.fromRds(s.tagList()),
                arn(s.dbClusterSnapshotArn()));
    }

    /**
     * Deletes an instance or a cluster: unless it is being deleted already, waits until it accepts the delete
     * (available, or {@code stuck} in a state it will not leave by itself) and sends it ({@code delete} says false when
     * it found the resource gone), then waits until it is gone.
     */
    private static void deleteAndWait(AwsWaits waits, String what, Live live, Supplier<String> status,
                                      Predicate<String> stuck, BooleanSupplier delete, DeleteContext ctx) {
        Predicate<String> deletable = x -> "available".equals(x) || stuck.test(x);
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

    private static void deleteInstance(AwsWaits waits, RdsOps rds, Live live, DeleteContext ctx) {
        String id = live.id();
        Supplier<String> status = () -> rds.instanceStatus(id);
        deleteAndWait(waits, "instance " + id, live, status, RdsOps::instanceFailed, () -> {
            try {
                rds.client().deleteDBInstance(b -> b.dbInstanceIdentifier(id).skipFinalSnapshot(true));
            } catch (DbInstanceNotFoundException e) {
                return false;
            } catch (InvalidDbInstanceStateException e) {
                // already being deleted by an earlier attempt, or busy: the wait below tells which
                String now = status.get();
                if (now != null && !"deleting".equals(now)) throw e;
            }
            return true;
        }, ctx);
    }

    private static void deleteCluster(AwsWaits waits, RdsOps rds, Live live, DeleteContext ctx) {
        String id = live.id();
        deleteAndWait(waits, "cluster " + id, live, () -> rds.clusterStatus(id), RdsOps::clusterFailed, () -> {
                    issueClusterDelete(rds, id, ctx);
                    return true;
                }, ctx);
    }

    private static void issueClusterDelete(RdsOps rds, String id, DeleteContext ctx) {
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
                // a final snapshot of that name exists (an earlier incarnation of the run): never overwrite it
                ctx.journal().markDeleted(Kinds.RDS_SNAPSHOT, snap);
                if (attempt > 9) throw e;
                finalId = ctx.names().finalSnapshot() + "-" + attempt;
            } catch (InvalidDbClusterStateException e) {
                if (ctx.finalSnapshot()) ctx.journal().markDeleted(Kinds.RDS_SNAPSHOT, snap);
                String now = rds.clusterStatus(id);
                if (now == null || "deleting".equals(now)) return;
                throw ToolException.runtime("cannot delete cluster " + id + " (" + AwsErrors.message(e) + "); "
                        + "it is '" + now + "': re-run cleanup when it is available");
            }
        }
    }

    private static void deleteParameterGroup(AwsWaits waits, RdsOps rds, Live live, DeleteContext ctx) {
        String name = live.id();
        for (int attempt = 1; ; attempt++) {
            try {
                rds.client().deleteDBClusterParameterGroup(b -> b.dbClusterParameterGroupName(name));
                return;
            } catch (DbParameterGroupNotFoundException e) {
                return;
            } catch (InvalidDbParameterGroupStateException e) {
                // still in use: by the run's own cluster while it finishes deleting, or by someone else's
                String cluster = ctx.names().cluster();
                if (attempt == 1 && rds.cluster(cluster).isPresent()) {
                    // the cluster handler's wait showed its progress: the SDK's waiter, silently
                    RdsWaiter waiter = RdsWaiter.builder().client(rds.client()).build();
                    waits.sdk("cluster " + cluster + " to be deleted", c -> waiter.waitUntilDBClusterDeleted(
                            DescribeDbClustersRequest.builder().dbClusterIdentifier(cluster).build(), c), ctx.timeout(),
                            rerun(ctx));
                    continue;
                }
                throw ToolException.runtime("cluster parameter group " + name + " is still in use ("
                        + AwsErrors.message(e) + "): it was left in place; delete the cluster that uses it, "
                        + "then re-run cleanup");
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

    private static String rerun(DeleteContext ctx) {
        return "re-run: pgvector-migrate cleanup --run-id " + ctx.names().runId();
    }
}
