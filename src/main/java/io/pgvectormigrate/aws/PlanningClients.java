package io.pgvectormigrate.aws;

import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.databasemigration.DatabaseMigrationClient;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.rds.RdsClient;
import software.amazon.awssdk.services.rds.model.CreateDbClusterParameterGroupRequest;
import software.amazon.awssdk.services.rds.model.CreateDbClusterParameterGroupResponse;
import software.amazon.awssdk.services.rds.model.CreateDbInstanceRequest;
import software.amazon.awssdk.services.rds.model.CreateDbInstanceResponse;
import software.amazon.awssdk.services.rds.model.DBCluster;
import software.amazon.awssdk.services.rds.model.DBClusterParameterGroup;
import software.amazon.awssdk.services.rds.model.DBInstance;
import software.amazon.awssdk.services.rds.model.DbClusterAlreadyExistsException;
import software.amazon.awssdk.services.rds.model.DbClusterNotFoundException;
import software.amazon.awssdk.services.rds.model.DbInstanceAlreadyExistsException;
import software.amazon.awssdk.services.rds.model.DbParameterGroupAlreadyExistsException;
import software.amazon.awssdk.services.rds.model.DbInstanceNotFoundException;
import software.amazon.awssdk.services.rds.model.DbParameterGroupNotFoundException;
import software.amazon.awssdk.services.rds.model.DeleteDbClusterParameterGroupRequest;
import software.amazon.awssdk.services.rds.model.DeleteDbClusterRequest;
import software.amazon.awssdk.services.rds.model.DeleteDbInstanceRequest;
import software.amazon.awssdk.services.rds.model.DescribeDbClusterParameterGroupsRequest;
import software.amazon.awssdk.services.rds.model.DescribeDbClusterParameterGroupsResponse;
import software.amazon.awssdk.services.rds.model.DescribeDbClustersRequest;
import software.amazon.awssdk.services.rds.model.DescribeDbClustersResponse;
import software.amazon.awssdk.services.rds.model.DescribeDbInstancesRequest;
import software.amazon.awssdk.services.rds.model.DescribeDbInstancesResponse;
import software.amazon.awssdk.services.rds.model.ListTagsForResourceRequest;
import software.amazon.awssdk.services.rds.model.ListTagsForResourceResponse;
import software.amazon.awssdk.services.rds.model.RestoreDbClusterFromSnapshotRequest;
import software.amazon.awssdk.services.rds.model.RestoreDbClusterFromSnapshotResponse;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.CreateSecretRequest;
import software.amazon.awssdk.services.secretsmanager.model.CreateSecretResponse;
import software.amazon.awssdk.services.secretsmanager.model.DeleteSecretRequest;
import software.amazon.awssdk.services.secretsmanager.model.DescribeSecretRequest;
import software.amazon.awssdk.services.secretsmanager.model.DescribeSecretResponse;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueRequest;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueResponse;
import software.amazon.awssdk.services.secretsmanager.model.PutSecretValueRequest;
import software.amazon.awssdk.services.secretsmanager.model.ResourceExistsException;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The dry-run seam behind {@code plan}: the run's own code runs against these clients, which pass reads through to
 * the real ones and record every call; changes are recorded, not sent (but shown to {@link AwsClients#notSent}). What
 * the plan "created" is kept in a small overlay (available at once, deleted at once; DMS's in {@link PlannedDms}) so
 * the code after a create proceeds as it would.
 * Request parameters are printed with the SDK's own toString, which redacts sensitive fields (passwords,
 * secret strings).
 */
public final class PlanningClients implements AwsClients {
    /**
     * One call the run would make.
     *
     * @param during the work it belongs to when that runs next to its step (a head start during the restore), else null
     */
    public record Call(String service, String operation, boolean change, String parameters, String during) {}

    private static final Object PASS = PlannedDms.PASS;

    private final AwsClients real;
    private final List<Call> calls = new ArrayList<>();
    private final RdsClient rds;
    private final SecretsManagerClient secrets;
    private final CloudFormationClient cfn;
    private final DatabaseMigrationClient dms;
    private final IamClient iam;

    private final Map<String, DBCluster> clusters = new HashMap<>();
    private final Map<String, DBInstance> instances = new HashMap<>();
    private final Map<String, DBClusterParameterGroup> groups = new HashMap<>();
    private final Map<String, List<software.amazon.awssdk.services.rds.model.Tag>> rdsTags = new HashMap<>();
    private final Set<String> deleted = new HashSet<>();
    private final Set<String> rebooted = new HashSet<>();
    private final Map<String, DescribeSecretResponse> plannedSecrets = new HashMap<>();
    private final Map<String, String> plannedSecretValues = new HashMap<>();
    private final PlannedDms plannedDms;
    /** The work the calls of this thread belong to (see {@link Call#during}). */
    private final ThreadLocal<String> during = new ThreadLocal<>();

    public PlanningClients(AwsClients real) {
        this.real = real;
        this.rds = proxy(RdsClient.class, "rds", real::rds, this::rdsOverlay);
        this.secrets = proxy(SecretsManagerClient.class, "secretsmanager", real::secretsManager, this::secretsOverlay);
        this.cfn = proxy(CloudFormationClient.class, "cloudformation", real::cloudFormation, (name, req) -> PASS);
        this.plannedDms = new PlannedDms(real);
        this.dms = proxy(DatabaseMigrationClient.class, "dms", real::dms, plannedDms::overlay);
        this.iam = proxy(IamClient.class, "iam", real::iam, (name, req) -> PASS);
    }

    public synchronized List<Call> calls() {
        return List.copyOf(calls);
    }

    /** Runs work whose calls are listed as {@code name}'s (work that runs on its own thread next to a step). */
    public void during(String name, Runnable work) {
        String before = during.get();
        during.set(name);
        try {
            work.run();
        } finally {
            during.set(before);
        }
    }

    @Override public String region() { return real.region(); }
    @Override public RdsClient rds() { return rds; }
    @Override public SecretsManagerClient secretsManager() { return secrets; }
    @Override public CloudFormationClient cloudFormation() { return cfn; }
    @Override public DatabaseMigrationClient dms() { return dms; }
    @Override public IamClient iam() { return iam; }
    @Override public Pacing pacing() { return real.pacing(); }

    @Override
    public void close() {
        // the real clients belong to the caller
    }

    @FunctionalInterface
    private interface Overlay {
        Object apply(String method, SdkRequest request);
    }

    private <T> T proxy(Class<T> type, String service, java.util.function.Supplier<T> target, Overlay overlay) {
        InvocationHandler h = (p, m, args) -> {
            // a paginator pages through this proxy: each page is recorded and answered like the call it is
            if (m.isDefault() && m.getName().endsWith("Paginator")) return InvocationHandler.invokeDefault(p, m, args);
            if (args == null || args.length != 1 || !(args[0] instanceof SdkRequest req)) {
                if (m.getName().equals("close")) return null;
                // builders come back through this proxy, so the overlay answers them too
                if (m.isDefault()) return InvocationHandler.invokeDefault(p, m, args);
                return invoke(m, target.get(), args);
            }
            boolean change = isChange(m.getName());
            if (change) real.notSent(req);
            Object o;
            try {
                o = overlay.apply(m.getName(), req);
            } catch (AwsServiceException e) {
                boolean exists = e.getClass().getSimpleName().endsWith("AlreadyExistsException")
                        || e.getClass().getSimpleName().equals("ResourceExistsException");
                record(new Call(service, operation(req), change && !exists,
                        (exists ? "(exists already: the run adopts it) " : "") + parameters(req), during.get()));
                throw e;
            }
            record(new Call(service, operation(req), change, parameters(req), during.get()));
            if (o != PASS) return o;
            if (change) return emptyResponse(m.getReturnType());
            return invoke(m, target.get(), args);
        };
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[]{type}, h));
    }

    private synchronized void record(Call c) {
        calls.add(c);
    }

    /** Whether the real account has it (creates of existing resources fail there; the code then adopts them). */
    private static boolean exists(Runnable describe) {
        try {
            describe.run();
            return true;
        } catch (AwsServiceException e) {
            if (e.statusCode() == 404 || e.getClass().getSimpleName().endsWith("NotFoundException")) return false;
            throw e;
        }
    }

    private static Object invoke(Method m, Object target, Object[] args) throws Throwable {
        try {
            return m.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    static boolean isChange(String method) {
        return !(method.startsWith("describe") || method.startsWith("list") || method.startsWith("get"));
    }

    /** The API name: DescribeDbClustersRequest -> DescribeDBClusters. */
    static String operation(SdkRequest req) {
        String n = req.getClass().getSimpleName();
        if (n.endsWith("Request")) n = n.substring(0, n.length() - "Request".length());
        return n.replace("Db", "DB");
    }

    static String parameters(SdkRequest req) {
        String s = req.toString();
        int open = s.indexOf('(');
        return open >= 0 && s.endsWith(")") ? s.substring(open + 1, s.length() - 1) : s;
    }

    private static Object emptyResponse(Class<?> type) throws ReflectiveOperationException {
        Object builder = type.getMethod("builder").invoke(null);
        return ((software.amazon.awssdk.utils.builder.SdkBuilder<?, ?>) builder).build();
    }

    private String arn(String kind, String id) {
        return "arn:aws:rds:" + real.region() + ":planned:" + kind + ":" + id;
    }

    private synchronized Object rdsOverlay(String method, SdkRequest req) {
        switch (method) {
            case "restoreDBClusterFromSnapshot" -> {
                RestoreDbClusterFromSnapshotRequest r = (RestoreDbClusterFromSnapshotRequest) req;
                String id = r.dbClusterIdentifier();
                if (!deleted.contains("cluster:" + id) && (clusters.containsKey(id)
                        || exists(() -> real.rds().describeDBClusters(b -> b.dbClusterIdentifier(id))))) {
                    throw DbClusterAlreadyExistsException.builder().message("DB Cluster already exists").statusCode(400).build();
                }
                DBCluster c = DBCluster.builder().dbClusterIdentifier(id).status("available").engine(r.engine())
                        .engineVersion(r.engineVersion()).dbClusterArn(arn("cluster", id))
                        .endpoint(id + ".cluster-planned." + real.region() + ".rds.amazonaws.com")
                        .port(r.port() == null ? 5432 : r.port()).dbSubnetGroup(r.dbSubnetGroupName())
                        .dbClusterParameterGroup(r.dbClusterParameterGroupName()).databaseName(r.databaseName())
                        .tagList(r.tags()).build();
                clusters.put(id, c);
                deleted.remove("cluster:" + id);
                return RestoreDbClusterFromSnapshotResponse.builder().dbCluster(c).build();
            }
            case "describeDBClusters" -> {
                String id = ((DescribeDbClustersRequest) req).dbClusterIdentifier();
                if (id == null) return PASS;
                if (deleted.contains("cluster:" + id)) throw DbClusterNotFoundException.builder().message("DBCluster " + id + " not found (plan)").build();
                DBCluster c = clusters.get(id);
                if (c == null && rebooted.isEmpty()) return PASS;
                if (c == null) {
                    // an existing cluster whose writer the plan rebooted: show it as the run would then see it
                    DescribeDbClustersResponse real = this.real.rds().describeDBClusters((DescribeDbClustersRequest) req);
                    return real.toBuilder().dbClusters(real.dbClusters().stream().map(x -> x.toBuilder().dbClusterMembers(
                            x.dbClusterMembers().stream().map(m -> rebooted.contains(m.dbInstanceIdentifier())
                                    ? m.toBuilder().dbClusterParameterGroupStatus("in-sync").build() : m).toList()).build()).toList()).build();
                }
                // a planned writer comes up as RDS may bring it: its new parameter group not in effect yet (the run then reboots it)
                List<software.amazon.awssdk.services.rds.model.DBClusterMember> members = new ArrayList<>();
                instances.values().stream().filter(i -> id.equals(i.dbClusterIdentifier())).forEach(i -> members.add(
                        software.amazon.awssdk.services.rds.model.DBClusterMember.builder().dbInstanceIdentifier(i.dbInstanceIdentifier())
                                .isClusterWriter(true).dbClusterParameterGroupStatus(rebooted.contains(i.dbInstanceIdentifier())
                                        ? "in-sync" : "pending-reboot").build()));
                return DescribeDbClustersResponse.builder().dbClusters(c.toBuilder().dbClusterMembers(members).build()).build();
            }
            case "createDBInstance" -> {
                CreateDbInstanceRequest r = (CreateDbInstanceRequest) req;
                String id = r.dbInstanceIdentifier();
                if (!deleted.contains("instance:" + id) && (instances.containsKey(id)
                        || exists(() -> real.rds().describeDBInstances(b -> b.dbInstanceIdentifier(id))))) {
                    throw DbInstanceAlreadyExistsException.builder().message("DB instance already exists").statusCode(400).build();
                }
                DBInstance i = DBInstance.builder().dbInstanceIdentifier(id).dbInstanceStatus("available")
                        .dbClusterIdentifier(r.dbClusterIdentifier()).dbInstanceClass(r.dbInstanceClass()).engine(r.engine())
                        .dbInstanceArn(arn("db", id)).tagList(r.tags()).build();
                instances.put(id, i);
                deleted.remove("instance:" + id);
                return CreateDbInstanceResponse.builder().dbInstance(i).build();
            }
            case "describeDBInstances" -> {
                String id = ((DescribeDbInstancesRequest) req).dbInstanceIdentifier();
                if (id == null) return PASS;
                if (deleted.contains("instance:" + id)) throw DbInstanceNotFoundException.builder().message("DBInstance " + id + " not found (plan)").build();
                DBInstance i = instances.get(id);
                return i == null ? PASS : DescribeDbInstancesResponse.builder().dbInstances(i).build();
            }
            case "createDBClusterParameterGroup" -> {
                CreateDbClusterParameterGroupRequest r = (CreateDbClusterParameterGroupRequest) req;
                String name = r.dbClusterParameterGroupName();
                if (!deleted.contains("group:" + name) && (groups.containsKey(name)
                        || exists(() -> real.rds().describeDBClusterParameterGroups(b -> b.dbClusterParameterGroupName(name))))) {
                    throw DbParameterGroupAlreadyExistsException.builder().message("Parameter group " + name + " already exists").statusCode(400).build();
                }
                DBClusterParameterGroup g = DBClusterParameterGroup.builder().dbClusterParameterGroupName(name)
                        .dbParameterGroupFamily(r.dbParameterGroupFamily()).description(r.description())
                        .dbClusterParameterGroupArn(arn("cluster-pg", name)).build();
                groups.put(name, g);
                rdsTags.put(g.dbClusterParameterGroupArn(), r.tags());
                deleted.remove("group:" + name);
                return CreateDbClusterParameterGroupResponse.builder().dbClusterParameterGroup(g).build();
            }
            case "describeDBClusterParameterGroups" -> {
                String name = ((DescribeDbClusterParameterGroupsRequest) req).dbClusterParameterGroupName();
                if (name == null) return PASS;
                if (deleted.contains("group:" + name)) throw DbParameterGroupNotFoundException.builder().message("DBClusterParameterGroup " + name + " not found (plan)").build();
                DBClusterParameterGroup g = groups.get(name);
                return g == null ? PASS : DescribeDbClusterParameterGroupsResponse.builder().dbClusterParameterGroups(g).build();
            }
            case "listTagsForResource" -> {
                var tags = rdsTags.get(((ListTagsForResourceRequest) req).resourceName());
                return tags == null ? PASS : ListTagsForResourceResponse.builder().tagList(tags).build();
            }
            case "rebootDBInstance" -> {
                String id = ((software.amazon.awssdk.services.rds.model.RebootDbInstanceRequest) req).dbInstanceIdentifier();
                rebooted.add(id);
                if (!instances.containsKey(id)) return PASS; // an existing writer: recorded, not sent
                return software.amazon.awssdk.services.rds.model.RebootDbInstanceResponse.builder().dbInstance(instances.get(id)).build();
            }
            case "deleteDBInstance" -> {
                String id = ((DeleteDbInstanceRequest) req).dbInstanceIdentifier();
                instances.remove(id);
                deleted.add("instance:" + id);
                return PASS;
            }
            case "deleteDBCluster" -> {
                String id = ((DeleteDbClusterRequest) req).dbClusterIdentifier();
                clusters.remove(id);
                deleted.add("cluster:" + id);
                return PASS;
            }
            case "deleteDBClusterParameterGroup" -> {
                String name = ((DeleteDbClusterParameterGroupRequest) req).dbClusterParameterGroupName();
                groups.remove(name);
                deleted.add("group:" + name);
                return PASS;
            }
            default -> {
                return PASS;
            }
        }
    }

    private DescribeSecretResponse plannedSecret(String id) {
        for (DescribeSecretResponse d : plannedSecrets.values()) {
            if (d.name().equals(id) || d.arn().equals(id)) return d;
        }
        return null;
    }

    private boolean secretDeleted(String id) {
        return deleted.contains("secret:" + id);
    }

    private synchronized Object secretsOverlay(String method, SdkRequest req) {
        switch (method) {
            case "createSecret" -> {
                CreateSecretRequest r = (CreateSecretRequest) req;
                if (!deleted.contains("secret:" + r.name()) && (plannedSecret(r.name()) != null
                        || exists(() -> real.secretsManager().describeSecret(b -> b.secretId(r.name()))))) {
                    throw ResourceExistsException.builder().message("The secret " + r.name() + " already exists.").statusCode(400).build();
                }
                String arn = "arn:aws:secretsmanager:" + real.region() + ":planned:secret:" + r.name() + "-planned";
                plannedSecrets.put(r.name(), DescribeSecretResponse.builder().name(r.name()).arn(arn).tags(r.tags()).build());
                plannedSecretValues.put(r.name(), r.secretString());
                deleted.remove("secret:" + r.name());
                deleted.remove("secret:" + arn);
                return CreateSecretResponse.builder().arn(arn).name(r.name()).build();
            }
            case "describeSecret" -> {
                String id = ((DescribeSecretRequest) req).secretId();
                if (secretDeleted(id)) throw ResourceNotFoundException.builder().message("secret " + id + " not found (plan)").build();
                DescribeSecretResponse d = plannedSecret(id);
                return d == null ? PASS : d;
            }
            case "getSecretValue" -> {
                String id = ((GetSecretValueRequest) req).secretId();
                if (secretDeleted(id)) throw ResourceNotFoundException.builder().message("secret " + id + " not found (plan)").build();
                DescribeSecretResponse d = plannedSecret(id);
                return d == null ? PASS : GetSecretValueResponse.builder().arn(d.arn()).name(d.name())
                        .secretString(plannedSecretValues.get(d.name())).build();
            }
            case "putSecretValue" -> {
                PutSecretValueRequest r = (PutSecretValueRequest) req;
                DescribeSecretResponse d = plannedSecret(r.secretId());
                if (d != null) plannedSecretValues.put(d.name(), r.secretString());
                return PASS;
            }
            case "deleteSecret" -> {
                String id = ((DeleteSecretRequest) req).secretId();
                DescribeSecretResponse d = plannedSecret(id);
                deleted.add("secret:" + id);
                if (d != null) {
                    deleted.add("secret:" + d.name());
                    deleted.add("secret:" + d.arn());
                }
                return PASS;
            }
            default -> {
                return PASS;
            }
        }
    }
}
