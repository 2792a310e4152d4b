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
import software.amazon.awssdk.services.rds.model.DBClusterMember;
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
import software.amazon.awssdk.services.rds.model.RebootDbInstanceRequest;
import software.amazon.awssdk.services.rds.model.RebootDbInstanceResponse;
import software.amazon.awssdk.services.rds.model.RestoreDbClusterFromSnapshotRequest;
import software.amazon.awssdk.services.rds.model.RestoreDbClusterFromSnapshotResponse;
import software.amazon.awssdk.services.rds.model.Tag;
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
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiFunction;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;

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

    /** Answer from the account: the overlay has nothing to say about this call. */
    static final Object PASS = new Object();

    private final AwsClients real;
    private final List<Call> calls = new CopyOnWriteArrayList<>();
    private final RdsClient rds;
    private final SecretsManagerClient secrets;
    private final CloudFormationClient cfn;
    private final DatabaseMigrationClient dms;
    private final IamClient iam;

    /** What the plan made and deleted of RDS and Secrets Manager, the values of its secrets (by ARN), its reboots. */
    private final Planned planned;
    private final Map<String, String> secretValues = new HashMap<>();
    private final Set<String> rebooted = new HashSet<>();
    /** The work the calls of this thread belong to (see {@link Call#during}). */
    private final ThreadLocal<String> during = new ThreadLocal<>();

    public PlanningClients(AwsClients real) {
        this.real = real;
        this.planned = new Planned(real.region());
        this.rds = proxy(RdsClient.class, "rds", real::rds, this::rdsOverlay);
        this.secrets = proxy(SecretsManagerClient.class, "secretsmanager", real::secretsManager, this::secretsOverlay);
        this.cfn = proxy(CloudFormationClient.class, "cloudformation", real::cloudFormation, (name, req) -> PASS);
        this.dms = proxy(DatabaseMigrationClient.class, "dms", real::dms, new PlannedDms(real)::overlay);
        this.iam = proxy(IamClient.class, "iam", real::iam, (name, req) -> PASS);
    }

    public List<Call> calls() {
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

    /** @param overlay answers a call (by method name) on what the plan did, or says {@link #PASS} */
    private <T> T proxy(Class<T> type, String service, Supplier<T> target,
                        BiFunction<String, SdkRequest, Object> overlay) {
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
                calls.add(new Call(service, operation(req), change && !exists,
                        (exists ? "(exists already: the run adopts it) " : "") + parameters(req), during.get()));
                throw e;
            }
            calls.add(new Call(service, operation(req), change, parameters(req), during.get()));
            if (o != PASS) return o;
            if (change) return emptyResponse(m.getReturnType());
            return invoke(m, target.get(), args);
        };
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[]{type}, h));
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

    /** Answers the plan's RDS calls on what it created, deleted and rebooted; passes the rest to the account. */
    private synchronized Object rdsOverlay(String method, SdkRequest req) {
        // creates of what the account has fail there as they would in the run; the code then adopts them
        RdsOps account = new RdsOps(real.rds());
        return switch (method) {
            case "restoreDBClusterFromSnapshot" -> {
                RestoreDbClusterFromSnapshotRequest r = (RestoreDbClusterFromSnapshotRequest) req;
                String id = r.dbClusterIdentifier();
                DBCluster c = DBCluster.builder().dbClusterIdentifier(id).status("available").engine(r.engine())
                        .engineVersion(r.engineVersion()).dbClusterArn(planned.arn("rds", "cluster", id))
                        .endpoint(id + ".cluster-planned." + real.region() + ".rds.amazonaws.com")
                        .port(r.port() == null ? 5432 : r.port()).dbSubnetGroup(r.dbSubnetGroupName())
                        .dbClusterParameterGroup(r.dbClusterParameterGroupName()).databaseName(r.databaseName())
                        .tagList(r.tags()).build();
                planned.create(c.dbClusterArn(), id, c, r.tags(), () -> account.cluster(id).isPresent(),
                        () -> refusal(DbClusterAlreadyExistsException.builder(), 400, "DB Cluster already exists"));
                yield RestoreDbClusterFromSnapshotResponse.builder().dbCluster(c).build();
            }
            case "describeDBClusters" -> {
                String id = ((DescribeDbClustersRequest) req).dbClusterIdentifier();
                Object answer = planned.describe(id, DBCluster.class, c -> DescribeDbClustersResponse.builder()
                                .dbClusters(c.toBuilder().dbClusterMembers(plannedWriters(id)).build()).build(),
                        () -> notFound(DbClusterNotFoundException.builder(), "DBCluster " + id));
                if (answer != PASS || id == null || rebooted.isEmpty()) yield answer;
                // an existing cluster whose writer the plan rebooted: show it as the run would then see it
                DescribeDbClustersResponse seen = real.rds().describeDBClusters((DescribeDbClustersRequest) req);
                yield seen.toBuilder().dbClusters(seen.dbClusters().stream().map(c -> c.toBuilder()
                        .dbClusterMembers(c.dbClusterMembers().stream().map(this::afterReboot).toList()).build())
                        .toList()).build();
            }
            case "createDBInstance" -> {
                CreateDbInstanceRequest r = (CreateDbInstanceRequest) req;
                String id = r.dbInstanceIdentifier();
                DBInstance i = DBInstance.builder().dbInstanceIdentifier(id).dbInstanceStatus("available")
                        .dbClusterIdentifier(r.dbClusterIdentifier()).dbInstanceClass(r.dbInstanceClass())
                        .engine(r.engine()).dbInstanceArn(planned.arn("rds", "db", id)).tagList(r.tags()).build();
                planned.create(i.dbInstanceArn(), id, i, r.tags(), () -> account.instance(id).isPresent(),
                        () -> refusal(DbInstanceAlreadyExistsException.builder(), 400, "DB instance already exists"));
                yield CreateDbInstanceResponse.builder().dbInstance(i).build();
            }
            case "describeDBInstances" -> {
                String id = ((DescribeDbInstancesRequest) req).dbInstanceIdentifier();
                yield planned.describe(id, DBInstance.class, i -> DescribeDbInstancesResponse.builder().dbInstances(i)
                        .build(), () -> notFound(DbInstanceNotFoundException.builder(), "DBInstance " + id));
            }
            case "createDBClusterParameterGroup" -> {
                CreateDbClusterParameterGroupRequest r = (CreateDbClusterParameterGroupRequest) req;
                String name = r.dbClusterParameterGroupName();
                DBClusterParameterGroup g = DBClusterParameterGroup.builder().dbClusterParameterGroupName(name)
                        .dbParameterGroupFamily(r.dbParameterGroupFamily()).description(r.description())
                        .dbClusterParameterGroupArn(planned.arn("rds", "cluster-pg", name)).build();
                planned.create(g.dbClusterParameterGroupArn(), name, g, r.tags(),
                        () -> account.parameterGroup(name).isPresent(), () -> refusal(
                                DbParameterGroupAlreadyExistsException.builder(), 400,
                                "Parameter group " + name + " already exists"));
                yield CreateDbClusterParameterGroupResponse.builder().dbClusterParameterGroup(g).build();
            }
            case "describeDBClusterParameterGroups" -> {
                String name = ((DescribeDbClusterParameterGroupsRequest) req).dbClusterParameterGroupName();
                yield planned.describe(name, DBClusterParameterGroup.class,
                        g -> DescribeDbClusterParameterGroupsResponse.builder().dbClusterParameterGroups(g).build(),
                        () -> notFound(DbParameterGroupNotFoundException.builder(), "DBClusterParameterGroup " + name));
            }
            case "listTagsForResource" -> planned.<Tag>tagged(((ListTagsForResourceRequest) req).resourceName(),
                    tags -> ListTagsForResourceResponse.builder().tagList(tags).build());
            case "rebootDBInstance" -> {
                String id = ((RebootDbInstanceRequest) req).dbInstanceIdentifier();
                rebooted.add(id);
                DBInstance i = planned.find(id, DBInstance.class);
                // an existing writer's reboot: recorded, not sent
                yield i == null ? PASS : RebootDbInstanceResponse.builder().dbInstance(i).build();
            }
            case "deleteDBInstance" -> planned.delete(
                    ((DeleteDbInstanceRequest) req).dbInstanceIdentifier(), DBInstance.class);
            case "deleteDBCluster" -> planned.delete(
                    ((DeleteDbClusterRequest) req).dbClusterIdentifier(), DBCluster.class);
            case "deleteDBClusterParameterGroup" -> planned.delete(((DeleteDbClusterParameterGroupRequest) req)
                    .dbClusterParameterGroupName(), DBClusterParameterGroup.class);
            default -> PASS;
        };
    }

    /** What AWS answers to a create of what exists (the message as AWS words it). */
    static AwsServiceException refusal(AwsServiceException.Builder fault, int status, String message) {
        return fault.message(message).statusCode(status).build();
    }

    private static AwsServiceException notFound(AwsServiceException.Builder fault, String what) {
        return fault.message(what + " not found (plan)").build();
    }

    /** A writer the plan rebooted has its parameter group in effect. */
    private DBClusterMember afterReboot(DBClusterMember m) {
        if (!rebooted.contains(m.dbInstanceIdentifier())) return m;
        return m.toBuilder().dbClusterParameterGroupStatus("in-sync").build();
    }

    /**
     * The members of a planned cluster: its planned writer comes up as RDS may bring it, its new parameter group not in
     * effect yet (the run then reboots it).
     */
    private List<DBClusterMember> plannedWriters(String clusterId) {
        return planned.all(DBInstance.class).stream().filter(i -> clusterId.equals(i.dbClusterIdentifier()))
                .map(i -> DBClusterMember.builder().dbInstanceIdentifier(i.dbInstanceIdentifier()).isClusterWriter(true)
                        .dbClusterParameterGroupStatus("pending-reboot").build()).map(this::afterReboot).toList();
    }

    /** Answers the plan's Secrets Manager calls on the secrets it created (and their values) and deleted. */
    private synchronized Object secretsOverlay(String method, SdkRequest req) {
        Secrets account = new Secrets(real.secretsManager());
        return switch (method) {
            case "createSecret" -> {
                CreateSecretRequest r = (CreateSecretRequest) req;
                String arn = planned.arn("secretsmanager", "secret", r.name() + "-planned");
                String name = r.name();
                DescribeSecretResponse d = DescribeSecretResponse.builder().name(name).arn(arn).tags(r.tags()).build();
                planned.create(arn, name, d, r.tags(), () -> account.describe(name).isPresent(),
                        () -> refusal(ResourceExistsException.builder(), 400, "The secret " + name + " already exists."));
                secretValues.put(arn, r.secretString());
                yield CreateSecretResponse.builder().arn(arn).name(r.name()).build();
            }
            case "describeSecret" -> {
                String id = ((DescribeSecretRequest) req).secretId();
                yield planned.describe(id, DescribeSecretResponse.class, d -> d, () -> secretNotFound(id));
            }
            case "getSecretValue" -> {
                String id = ((GetSecretValueRequest) req).secretId();
                yield planned.describe(id, DescribeSecretResponse.class, d -> GetSecretValueResponse.builder()
                        .arn(d.arn()).name(d.name()).secretString(secretValues.get(d.arn())).build(),
                        () -> secretNotFound(id));
            }
            case "putSecretValue" -> {
                PutSecretValueRequest r = (PutSecretValueRequest) req;
                DescribeSecretResponse d = planned.find(r.secretId(), DescribeSecretResponse.class);
                if (d != null) secretValues.put(d.arn(), r.secretString());
                yield PASS;
            }
            case "deleteSecret" -> planned.delete(((DeleteSecretRequest) req).secretId(), DescribeSecretResponse.class);
            default -> PASS;
        };
    }

    private static AwsServiceException secretNotFound(String id) {
        return notFound(ResourceNotFoundException.builder(), "secret " + id);
    }

    /**
     * What the plan made and deleted of one service: objects by ARN, with their names and tags, and the names and
     * ARNs of what it deleted (gone from later describes, the account's included). An object's kind is its model
     * class (kinds may share a name); it is found by name or ARN.
     */
    static final class Planned {
        private final String region;
        private final Map<String, Object> objects = new HashMap<>();
        private final Map<String, String> names = new HashMap<>();
        private final Map<String, List<?>> tags = new HashMap<>();
        private final Set<String> deleted = new HashSet<>();

        Planned(String region) {
            this.region = region;
        }

        String arn(String service, String kind, String name) {
            return "arn:aws:" + service + ":" + region + ":planned:" + kind + ":" + name;
        }

        /** The planned object of this kind the identifier names (name or ARN), or null. */
        <T> T find(String id, Class<T> type) {
            return objects.entrySet().stream().filter(e -> type.isInstance(e.getValue())
                    && (e.getKey().equals(id) || names.get(e.getKey()).equals(id))).map(e -> type.cast(e.getValue()))
                    .findFirst().orElse(null);
        }

        <T> List<T> all(Class<T> type) {
            return objects.values().stream().filter(type::isInstance).map(type::cast).toList();
        }

        /**
         * A create, refused as AWS refuses it ({@code exists}) when the plan made it already, or the account has it
         * ({@code inAccount}, asked only then) and the plan did not delete it.
         */
        void create(String arn, String name, Object object, List<?> tagList, BooleanSupplier inAccount,
                    Supplier<? extends AwsServiceException> exists) {
            Class<?> type = object.getClass();
            if (find(name, type) != null || !isDeleted(type, name) && inAccount.getAsBoolean()) throw exists.get();
            objects.put(arn, object);
            names.put(arn, name);
            tags.put(arn, tagList);
            deleted.remove(type.getSimpleName() + ":" + arn);
            deleted.remove(type.getSimpleName() + ":" + name);
        }

        /** A planned object changed by a later call (a status). */
        void update(String arn, Object object) {
            objects.put(arn, object);
        }

        /** A delete: gone from the plan and from later describes; sent (recorded) as it is, so {@link #PASS}. */
        Object delete(String id, Class<?> type) {
            deleted.add(type.getSimpleName() + ":" + id);
            Object o = find(id, type);
            objects.entrySet().removeIf(e -> {
                if (e.getValue() != o) return false;
                deleted.add(type.getSimpleName() + ":" + e.getKey());
                deleted.add(type.getSimpleName() + ":" + names.get(e.getKey()));
                return true;
            });
            return PASS;
        }

        boolean isDeleted(Class<?> type, String id) {
            return id != null && deleted.contains(type.getSimpleName() + ":" + id);
        }

        boolean deletedAny() {
            return !deleted.isEmpty();
        }

        /** ListTagsForResource: the tags a planned object was created with; PASS when the plan did not create it. */
        @SuppressWarnings("unchecked")
        <T> Object tagged(String arn, Function<List<T>, Object> answer) {
            return tags.containsKey(arn) ? answer.apply((List<T>) tags.get(arn)) : PASS;
        }

        /** A describe by identifier: the planned object's answer, not found once the plan deleted it, else PASS. */
        <T> Object describe(String id, Class<T> type, Function<T, Object> answer,
                            Supplier<? extends AwsServiceException> notFound) {
            if (id == null) return PASS;
            if (isDeleted(type, id)) throw notFound.get();
            T t = find(id, type);
            return t == null ? PASS : answer.apply(t);
        }
    }
}
