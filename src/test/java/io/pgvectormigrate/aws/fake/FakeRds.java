package io.pgvectormigrate.aws.fake;

import io.pgvectormigrate.local.LocalPostgres;
import io.pgvectormigrate.local.PgBinaries;
import io.pgvectormigrate.local.Proc;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.rds.RdsClient;
import software.amazon.awssdk.services.rds.model.*;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.HashSet;

/**
 * A stateful RDS that behaves as the API reference says for the calls the tool makes: clusters go
 * creating -> available -> deleting -> gone, instances only on an available cluster, no cluster deletion while it
 * has instances, no parameter group deletion while a cluster uses it, and the documented faults. Transitions
 * advance on Describe calls (every {@link #transitionPolls} looks), so waiters finish in milliseconds.
 *
 * <p>A snapshot may carry a pg_dump archive: restoring it then starts a real local PostgreSQL loaded with the
 * archive, and the cluster's endpoint points at it; the master password is the snapshot's (as on Aurora), and
 * ModifyDBCluster(masterUserPassword) really changes it.
 */
public final class FakeRds implements RdsClient {
    public static final String ACCOUNT = "123456789012";

    private final String region;
    private final Faults faults;
    public int transitionPolls = 2;

    public final Map<String, Cluster> clusters = new LinkedHashMap<>();
    public final Map<String, Instance> instances = new LinkedHashMap<>();
    public final Map<String, Group> groups = new LinkedHashMap<>();
    public final Map<String, Snapshot> snapshots = new LinkedHashMap<>();
    public final Map<String, SubnetGroup> subnetGroups = new LinkedHashMap<>();
    /** KMS keys the caller may not use. */
    public final Set<String> inaccessibleKeys = new HashSet<>();
    /** Engine versions RDS still offers (null: all). */
    public Set<String> offeredVersions;
    /** Clusters that never leave "creating" (timeouts). */
    public final Set<String> stuckClusters = new HashSet<>();
    /**
     * RDS asks to wait at least 5 minutes after creating a cluster parameter group before a cluster uses it; the tool
     * cannot wait that long in a test, and RDS does not promise the group is in effect sooner. So by default a writer
     * created in a cluster with a custom group comes up with the engine's default parameters (wal_level replica) and
     * its member status {@code pending-reboot}; RebootDBInstance brings the group's values in. False: in-sync at once.
     */
    public boolean newWritersPendingReboot = true;
    /**
     * ModifyDBCluster(MasterUserPassword) is applied asynchronously: the cluster may still read "available" for this many
     * Describe calls, then reports {@code resetting-master-credentials} for {@link #transitionPolls} of them, and only then
     * takes the new password (the old one works until then).
     */
    public int passwordResetShowsAfterPolls = 1;

    /**
     * The apply type (AWS's ApplyType: static or dynamic) of each cluster parameter the fake knows, as the Aurora
     * PostgreSQL parameter reference lists them: the ones the tool sets (all static: PostgreSQL reads them at server
     * start) and two dynamic ones for the tests. Any other name is refused, as RDS refuses a parameter of no family.
     */
    public static final Map<String, String> PARAMETER_APPLY_TYPES = Map.of(
            "rds.logical_replication", "static",
            "max_replication_slots", "static",
            "max_wal_senders", "static",
            "max_logical_replication_workers", "static",
            "max_worker_processes", "static",
            "log_min_duration_statement", "dynamic",
            "work_mem", "dynamic");

    public FakeRds(String region, Faults faults) {
        this.region = region;
        this.faults = faults;
    }

    // ---- state

    public static final class Cluster {
        public String id, arn, status, engine, engineVersion, endpoint, subnetGroup, parameterGroup, masterUsername,
                masterPassword, databaseName, kmsKeyId, restoredFrom;
        public int port = 5432, ticks;
        public boolean deletionProtection, copyTagsToSnapshot, encrypted;
        public Double minAcu, maxAcu;
        public List<String> securityGroups = new ArrayList<>();
        public Map<String, String> tags = new LinkedHashMap<>();
        public LocalPostgres local;
        public String secretArn;
        /** A new master password RDS accepted but has not applied yet. */
        public String pendingPassword;
    }

    public static final class Instance {
        public String id, arn, status, cluster, instanceClass, engine;
        /** DBClusterMembers[].DBClusterParameterGroupStatus of this member: in-sync or pending-reboot */
        public String parameterStatus = "in-sync";
        public int ticks;
        public int reboots;
        public boolean publiclyAccessible;
        public Map<String, String> tags = new LinkedHashMap<>();
    }

    public static final class Group {
        public String name, arn, family, description;
        public Map<String, String> parameters = new LinkedHashMap<>();
        public Map<String, String> applyMethods = new LinkedHashMap<>();
        public Map<String, String> tags = new LinkedHashMap<>();
    }

    public static final class Snapshot {
        public String id, arn, status, engine, engineVersion, kmsKeyId, masterUsername, masterPassword, cluster, type = "manual";
        public boolean encrypted;
        public int ticks, port = 5432;
        public Map<String, String> tags = new LinkedHashMap<>();
        /** A pg_dump -Fc archive of the data; restoring loads it into a local PostgreSQL. */
        public Path dumpArchive;
        public PgBinaries binaries;
        public Path localBaseDir;
    }

    public static final class SubnetGroup {
        public String name, vpcId;
        public List<String> subnets = new ArrayList<>();
        /** subnet id -> Availability Zone */
        public Map<String, String> zones = new LinkedHashMap<>();
    }

    public String arn(String type, String id) {
        return "arn:aws:rds:" + region + ":" + ACCOUNT + ":" + type + ":" + id;
    }

    public Cluster addCluster(String id, String engineVersion, String subnetGroup, List<String> sgs) {
        Cluster c = new Cluster();
        c.id = id;
        c.arn = arn("cluster", id);
        c.status = "available";
        c.engine = "aurora-postgresql";
        c.engineVersion = engineVersion;
        c.endpoint = id + ".cluster-c0ffee." + region + ".rds.amazonaws.com";
        c.subnetGroup = subnetGroup;
        c.securityGroups = new ArrayList<>(sgs);
        c.masterUsername = "postgres";
        c.databaseName = "postgres";
        clusters.put(id, c);
        return c;
    }

    public Snapshot addSnapshot(String id, String engine, String engineVersion, String status, String kmsKeyId, String masterPassword) {
        Snapshot s = new Snapshot();
        s.id = id;
        s.arn = arn("cluster-snapshot", id);
        s.engine = engine;
        s.engineVersion = engineVersion;
        s.status = status;
        s.kmsKeyId = kmsKeyId;
        s.encrypted = kmsKeyId != null;
        s.masterUsername = "postgres";
        s.masterPassword = masterPassword;
        snapshots.put(id, s);
        return s;
    }

    /** A subnet group whose subnets lie in the region's zones a, b, c, ... in turn. */
    public SubnetGroup addSubnetGroup(String name, String vpc, List<String> subnets) {
        Map<String, String> zones = new LinkedHashMap<>();
        for (int i = 0; i < subnets.size(); i++) zones.put(subnets.get(i), region + (char) ('a' + i % 3));
        return addSubnetGroup(name, vpc, zones);
    }

    public SubnetGroup addSubnetGroup(String name, String vpc, Map<String, String> subnetZones) {
        SubnetGroup g = new SubnetGroup();
        g.name = name;
        g.vpcId = vpc;
        g.subnets = new ArrayList<>(subnetZones.keySet());
        g.zones = new LinkedHashMap<>(subnetZones);
        subnetGroups.put(name, g);
        return g;
    }

    /** The Availability Zone of a subnet of the account (null: no such subnet), as EC2 knows it. */
    public synchronized String zoneOf(String subnetId) {
        for (SubnetGroup g : subnetGroups.values()) if (g.zones.containsKey(subnetId)) return g.zones.get(subnetId);
        return null;
    }

    /** Resources tagged with a run, as "kind:id" strings. */
    public synchronized List<String> taggedWith(String runId) {
        List<String> out = new ArrayList<>();
        clusters.values().stream().filter(c -> runId.equals(c.tags.get("pgvector-migrate:run-id"))).forEach(c -> out.add("cluster:" + c.id));
        instances.values().stream().filter(i -> runId.equals(i.tags.get("pgvector-migrate:run-id"))).forEach(i -> out.add("instance:" + i.id));
        groups.values().stream().filter(g -> runId.equals(g.tags.get("pgvector-migrate:run-id"))).forEach(g -> out.add("group:" + g.name));
        snapshots.values().stream().filter(s -> runId.equals(s.tags.get("pgvector-migrate:run-id"))).forEach(s -> out.add("snapshot:" + s.id));
        return out;
    }

    /** Stops local instances still running (a test's finally). */
    public synchronized void destroyLocalInstances() {
        for (Cluster c : clusters.values()) {
            if (c.local != null) {
                c.local.destroy();
                c.local = null;
            }
        }
    }

    @Override
    public String serviceName() {
        return "rds";
    }

    // ---- faults

    private static RuntimeException fault(AwsServiceException.Builder b, String code, String message, int status) {
        return (RuntimeException) b.message(message).awsErrorDetails(Faults.details("Rds", code, message, status)).statusCode(status).build();
    }

    private void enter(String op) {
        if (faults.before("rds", op)) {
            throw fault(RdsException.builder(), "Throttling", "Rate exceeded", 400);
        }
    }

    /** An RDS listing page: MaxRecords within the model's 20-100 (refused otherwise), small pages and a Marker. */
    private <T> Pages.Page<T> page(List<T> all, java.util.function.Function<T, String> key, String marker, Integer maxRecords) {
        if (Pages.outOfRange(maxRecords, 20, 100)) {
            throw fault(RdsException.builder(), "InvalidParameterValue",
                    "Invalid value " + maxRecords + " for MaxRecords. Must be between 20 and 100", 400);
        }
        Pages.Page<T> p = Pages.of(all, key, marker, maxRecords);
        if (p == null) throw fault(RdsException.builder(), "InvalidParameterValue", "Invalid marker: " + marker, 400);
        return p;
    }

    private static RuntimeException clusterNotFound(String id) {
        return fault(DbClusterNotFoundException.builder(), "DBClusterNotFoundFault", "DBCluster " + id + " not found.", 404);
    }

    private static RuntimeException invalidClusterState(String msg) {
        return fault(InvalidDbClusterStateException.builder(), "InvalidDBClusterStateFault", msg, 400);
    }

    // ---- transitions

    private void tick(Cluster c) {
        if (c.ticks > 0 && --c.ticks > 0) return;
        switch (c.status) {
            case "creating" -> {
                if (!stuckClusters.contains(c.id)) c.status = "available";
                else c.ticks = 1;
            }
            case "available" -> {
                if (c.pendingPassword != null) {
                    c.status = "resetting-master-credentials";
                    c.ticks = transitionPolls;
                }
            }
            case "resetting-master-credentials" -> {
                // only now does the new password take effect
                String before = c.masterPassword;
                c.masterPassword = c.pendingPassword;
                if (c.local != null) setPassword(c.local, before, c.pendingPassword);
                c.pendingPassword = null;
                c.status = "available";
            }
            case "modifying" -> c.status = "available";
            case "deleting" -> {
                clusters.remove(c.id);
                if (c.local != null) {
                    c.local.destroy();
                    c.local = null;
                }
            }
            default -> { }
        }
    }

    private void tick(Instance i) {
        if (i.ticks > 0 && --i.ticks > 0) return;
        switch (i.status) {
            case "creating" -> i.status = "available";
            case "rebooting" -> {
                // the engine restarts with the cluster parameter group's values
                Cluster c = clusters.get(i.cluster);
                if (c != null && c.local != null) restartLocal(c);
                i.parameterStatus = "in-sync";
                i.status = "available";
            }
            case "deleting" -> instances.remove(i.id);
            default -> { }
        }
    }

    private void tick(Snapshot s) {
        if (s.ticks > 0 && --s.ticks > 0) return;
        if ("creating".equals(s.status)) s.status = "available";
    }

    // ---- views

    private DBCluster view(Cluster c) {
        List<DBClusterMember> members = new ArrayList<>();
        instances.values().stream().filter(i -> i.cluster.equals(c.id)).forEach(i -> members.add(DBClusterMember.builder()
                .dbInstanceIdentifier(i.id).isClusterWriter(true).dbClusterParameterGroupStatus(i.parameterStatus).promotionTier(1).build()));
        List<VpcSecurityGroupMembership> sgs = new ArrayList<>();
        c.securityGroups.forEach(sg -> sgs.add(VpcSecurityGroupMembership.builder().vpcSecurityGroupId(sg).status("active").build()));
        DBCluster.Builder b = DBCluster.builder().dbClusterIdentifier(c.id).dbClusterArn(c.arn).status(c.status).engine(c.engine)
                .engineVersion(c.engineVersion).endpoint(c.endpoint).port(c.port).dbSubnetGroup(c.subnetGroup)
                .dbClusterParameterGroup(c.parameterGroup).masterUsername(c.masterUsername).databaseName(c.databaseName)
                .kmsKeyId(c.kmsKeyId).storageEncrypted(c.encrypted).deletionProtection(c.deletionProtection)
                .copyTagsToSnapshot(c.copyTagsToSnapshot).vpcSecurityGroups(sgs).dbClusterMembers(members)
                .tagList(tags(c.tags)).engineMode("provisioned");
        if (c.minAcu != null) b.serverlessV2ScalingConfiguration(ServerlessV2ScalingConfigurationInfo.builder()
                .minCapacity(c.minAcu).maxCapacity(c.maxAcu).build());
        if (c.secretArn != null) b.masterUserSecret(MasterUserSecret.builder().secretArn(c.secretArn).secretStatus("active").build());
        return b.build();
    }

    private DBInstance view(Instance i) {
        return DBInstance.builder().dbInstanceIdentifier(i.id).dbInstanceArn(i.arn).dbInstanceStatus(i.status)
                .dbClusterIdentifier(i.cluster).dbInstanceClass(i.instanceClass).engine(i.engine)
                .publiclyAccessible(i.publiclyAccessible).tagList(tags(i.tags)).build();
    }

    private DBClusterSnapshot view(Snapshot s) {
        return DBClusterSnapshot.builder().dbClusterSnapshotIdentifier(s.id).dbClusterSnapshotArn(s.arn).status(s.status)
                .engine(s.engine).engineVersion(s.engineVersion).kmsKeyId(s.kmsKeyId).storageEncrypted(s.encrypted)
                .masterUsername(s.masterUsername).dbClusterIdentifier(s.cluster).port(s.port).snapshotType(s.type)
                .tagList(tags(s.tags)).build();
    }

    private DBClusterParameterGroup view(Group g) {
        return DBClusterParameterGroup.builder().dbClusterParameterGroupName(g.name).dbClusterParameterGroupArn(g.arn)
                .dbParameterGroupFamily(g.family).description(g.description).build();
    }

    private static List<Tag> tags(Map<String, String> m) {
        List<Tag> out = new ArrayList<>();
        m.forEach((k, v) -> out.add(Tag.builder().key(k).value(v).build()));
        return out;
    }

    private static Map<String, String> tagMap(List<Tag> tags) {
        Map<String, String> m = new LinkedHashMap<>();
        if (tags != null) tags.forEach(t -> m.put(t.key(), t.value()));
        return m;
    }

    // ---- snapshots and engine versions

    @Override
    public synchronized DescribeDbClusterSnapshotsResponse describeDBClusterSnapshots(DescribeDbClusterSnapshotsRequest r) {
        enter("DescribeDBClusterSnapshots");
        List<Snapshot> all = new ArrayList<>();
        if (r.dbClusterSnapshotIdentifier() != null) {
            Snapshot s = findSnapshot(r.dbClusterSnapshotIdentifier());
            // an automated snapshot is found by name only when SnapshotType=automated is given
            if (s != null && "automated".equals(s.type) && !s.arn.equals(r.dbClusterSnapshotIdentifier())
                    && !"automated".equals(r.snapshotType())) {
                s = null;
            }
            if (s == null) {
                throw fault(DbClusterSnapshotNotFoundException.builder(), "DBClusterSnapshotNotFoundFault",
                        "DBClusterSnapshot " + r.dbClusterSnapshotIdentifier() + " not found.", 404);
            }
            all.add(s);
        } else {
            for (Snapshot s : snapshots.values()) {
                if (r.snapshotType() != null && !r.snapshotType().equals(s.type)) continue;
                if (r.dbClusterIdentifier() != null && !r.dbClusterIdentifier().equals(s.cluster)) continue;
                all.add(s);
            }
        }
        Pages.Page<Snapshot> page = page(all, s -> s.id, r.marker(), r.maxRecords());
        List<DBClusterSnapshot> out = new ArrayList<>();
        for (Snapshot s : page.items()) {
            tick(s);
            out.add(view(s));
        }
        return DescribeDbClusterSnapshotsResponse.builder().dbClusterSnapshots(out).marker(page.next()).build();
    }

    private Snapshot findSnapshot(String idOrArn) {
        for (Snapshot s : snapshots.values()) if (s.id.equals(idOrArn) || s.arn.equals(idOrArn)) return s;
        return null;
    }

    @Override
    public synchronized DescribeDbEngineVersionsResponse describeDBEngineVersions(DescribeDbEngineVersionsRequest r) {
        enter("DescribeDBEngineVersions");
        page(List.of(), v -> "", r.marker(), r.maxRecords()); // at most one version is asked for: MaxRecords is checked all the same
        if (!"aurora-postgresql".equals(r.engine()) || r.engineVersion() == null) {
            return DescribeDbEngineVersionsResponse.builder().build();
        }
        if (offeredVersions != null && !offeredVersions.contains(r.engineVersion())) return DescribeDbEngineVersionsResponse.builder().build();
        String family = "aurora-postgresql" + r.engineVersion().split("\\.")[0];
        return DescribeDbEngineVersionsResponse.builder().dbEngineVersions(DBEngineVersion.builder().engine(r.engine())
                .engineVersion(r.engineVersion()).dbParameterGroupFamily(family)
                .serverlessV2FeaturesSupport(f -> f.minCapacity(minCapacity(r.engineVersion())).maxCapacity(256.0)).build()).build();
    }

    /**
     * The smallest Serverless v2 capacity of an Aurora PostgreSQL version: 0 (auto-pause) from 13.15, 14.12, 15.7 and 16.3
     * on (the Aurora user guide's "Aurora Serverless v2 capacity"), 0.5 before.
     */
    static double minCapacity(String version) {
        String[] v = version.split("\\.");
        int major = Integer.parseInt(v[0]);
        int minor = v.length > 1 ? Integer.parseInt(v[1].replaceAll("\\D.*", "")) : 0;
        int autoPauseFrom = switch (major) {
            case 13 -> 15;
            case 14 -> 12;
            case 15 -> 7;
            case 16 -> 3;
            default -> major > 16 ? 0 : Integer.MAX_VALUE;
        };
        return minor >= autoPauseFrom ? 0.0 : 0.5;
    }

    @Override
    public synchronized CreateDbClusterSnapshotResponse createDBClusterSnapshot(CreateDbClusterSnapshotRequest r) {
        enter("CreateDBClusterSnapshot");
        Cluster c = clusters.get(r.dbClusterIdentifier());
        if (c == null) throw clusterNotFound(r.dbClusterIdentifier());
        if (!"available".equals(c.status)) throw invalidClusterState("DBCluster " + c.id + " is not in available state.");
        if (snapshots.containsKey(r.dbClusterSnapshotIdentifier())) {
            throw fault(DbClusterSnapshotAlreadyExistsException.builder(), "DBClusterSnapshotAlreadyExistsFault",
                    "Cannot create the snapshot because a snapshot with the identifier " + r.dbClusterSnapshotIdentifier() + " already exists.", 400);
        }
        Snapshot s = snapshotOf(c, r.dbClusterSnapshotIdentifier());
        s.tags.putAll(tagMap(r.tags()));
        faults.changed("CreateDBClusterSnapshot");
        return CreateDbClusterSnapshotResponse.builder().dbClusterSnapshot(view(s)).build();
    }

    private Snapshot snapshotOf(Cluster c, String id) {
        Snapshot s = new Snapshot();
        s.id = id;
        s.arn = arn("cluster-snapshot", id);
        s.status = "creating";
        s.ticks = transitionPolls;
        s.engine = c.engine;
        s.engineVersion = c.engineVersion;
        s.kmsKeyId = c.kmsKeyId;
        s.encrypted = c.encrypted;
        s.masterUsername = c.masterUsername;
        s.masterPassword = c.masterPassword;
        s.cluster = c.id;
        s.port = c.port;
        snapshots.put(id, s);
        return s;
    }

    // ---- parameter groups

    @Override
    public synchronized CreateDbClusterParameterGroupResponse createDBClusterParameterGroup(CreateDbClusterParameterGroupRequest r) {
        enter("CreateDBClusterParameterGroup");
        if (groups.containsKey(r.dbClusterParameterGroupName())) {
            throw fault(DbParameterGroupAlreadyExistsException.builder(), "DBParameterGroupAlreadyExists",
                    "Parameter group " + r.dbClusterParameterGroupName() + " already exists", 400);
        }
        if (r.dbParameterGroupFamily() == null || !r.dbParameterGroupFamily().startsWith("aurora-postgresql")) {
            throw fault(RdsException.builder(), "InvalidParameterValue", "invalid family " + r.dbParameterGroupFamily(), 400);
        }
        Group g = new Group();
        g.name = r.dbClusterParameterGroupName();
        g.arn = arn("cluster-pg", g.name);
        g.family = r.dbParameterGroupFamily();
        g.description = r.description();
        g.tags.putAll(tagMap(r.tags()));
        groups.put(g.name, g);
        faults.changed("CreateDBClusterParameterGroup");
        return CreateDbClusterParameterGroupResponse.builder().dbClusterParameterGroup(view(g)).build();
    }

    @Override
    public synchronized ModifyDbClusterParameterGroupResponse modifyDBClusterParameterGroup(ModifyDbClusterParameterGroupRequest r) {
        enter("ModifyDBClusterParameterGroup");
        Group g = groups.get(r.dbClusterParameterGroupName());
        if (g == null) {
            throw fault(DbParameterGroupNotFoundException.builder(), "DBParameterGroupNotFound",
                    "DBClusterParameterGroup not found: " + r.dbClusterParameterGroupName(), 404);
        }
        if (r.parameters().size() > 20) {
            throw fault(RdsException.builder(), "InvalidParameterValue", "at most 20 parameters per call", 400);
        }
        boolean changed = false;
        for (Parameter p : r.parameters()) {
            if (p.applyMethod() == null) throw fault(RdsException.builder(), "InvalidParameterCombination", "ApplyMethod is required", 400);
            String applyType = PARAMETER_APPLY_TYPES.get(p.parameterName());
            if (applyType == null) {
                throw fault(RdsException.builder(), "InvalidParameterValue", "Could not find parameter with name: " + p.parameterName(), 400);
            }
            if (p.applyMethod() == ApplyMethod.IMMEDIATE && applyType.equals("static")) {
                throw fault(RdsException.builder(), "InvalidParameterCombination",
                        "cannot use immediate apply method for static parameter " + p.parameterName(), 400);
            }
            changed |= !p.parameterValue().equals(g.parameters.get(p.parameterName()));
            g.parameters.put(p.parameterName(), p.parameterValue());
            g.applyMethods.put(p.parameterName(), p.applyMethodAsString());
        }
        if (changed) {
            // static parameters take effect at the next reboot of each member of the clusters using the group
            for (Cluster c : clusters.values()) {
                if (!g.name.equals(c.parameterGroup)) continue;
                instances.values().stream().filter(i -> i.cluster.equals(c.id)).forEach(i -> i.parameterStatus = "pending-reboot");
            }
        }
        faults.changed("ModifyDBClusterParameterGroup");
        return ModifyDbClusterParameterGroupResponse.builder().dbClusterParameterGroupName(g.name).build();
    }

    @Override
    public synchronized DescribeDbClusterParameterGroupsResponse describeDBClusterParameterGroups(DescribeDbClusterParameterGroupsRequest r) {
        enter("DescribeDBClusterParameterGroups");
        if (r.dbClusterParameterGroupName() != null) {
            Group g = groups.get(r.dbClusterParameterGroupName());
            if (g == null) {
                throw fault(DbParameterGroupNotFoundException.builder(), "DBParameterGroupNotFound",
                        "DBClusterParameterGroup not found: " + r.dbClusterParameterGroupName(), 404);
            }
            Pages.Page<Group> one = page(List.of(g), x -> x.name, r.marker(), r.maxRecords());
            return DescribeDbClusterParameterGroupsResponse.builder().dbClusterParameterGroups(one.items().stream().map(this::view).toList())
                    .marker(one.next()).build();
        }
        Pages.Page<Group> page = page(List.copyOf(groups.values()), x -> x.name, r.marker(), r.maxRecords());
        return DescribeDbClusterParameterGroupsResponse.builder().dbClusterParameterGroups(page.items().stream().map(this::view).toList())
                .marker(page.next()).build();
    }

    @Override
    public synchronized DeleteDbClusterParameterGroupResponse deleteDBClusterParameterGroup(DeleteDbClusterParameterGroupRequest r) {
        enter("DeleteDBClusterParameterGroup");
        Group g = groups.get(r.dbClusterParameterGroupName());
        if (g == null) {
            throw fault(DbParameterGroupNotFoundException.builder(), "DBParameterGroupNotFound",
                    "DBClusterParameterGroup not found: " + r.dbClusterParameterGroupName(), 404);
        }
        for (Cluster c : clusters.values()) {
            if (g.name.equals(c.parameterGroup)) {
                throw fault(InvalidDbParameterGroupStateException.builder(), "InvalidDBParameterGroupState",
                        "One or more database clusters are still members of this parameter group " + g.name + ", so the group cannot be deleted", 400);
            }
        }
        groups.remove(g.name);
        faults.changed("DeleteDBClusterParameterGroup");
        return DeleteDbClusterParameterGroupResponse.builder().build();
    }

    // ---- clusters

    @Override
    public synchronized RestoreDbClusterFromSnapshotResponse restoreDBClusterFromSnapshot(RestoreDbClusterFromSnapshotRequest r) {
        enter("RestoreDBClusterFromSnapshot");
        if (r.engine() == null) throw fault(RdsException.builder(), "InvalidParameterValue", "Engine is required", 400);
        Snapshot s = findSnapshot(r.snapshotIdentifier());
        if (s == null) {
            throw fault(DbClusterSnapshotNotFoundException.builder(), "DBClusterSnapshotNotFoundFault",
                    "DBClusterSnapshot " + r.snapshotIdentifier() + " not found.", 404);
        }
        if (!"available".equals(s.status)) {
            throw fault(InvalidDbClusterSnapshotStateException.builder(), "InvalidDBClusterSnapshotStateFault",
                    "Snapshot " + s.id + " is not available", 400);
        }
        if (clusters.containsKey(r.dbClusterIdentifier())) {
            throw fault(DbClusterAlreadyExistsException.builder(), "DBClusterAlreadyExistsFault",
                    "DB Cluster already exists", 400);
        }
        if (r.dbClusterParameterGroupName() != null && !groups.containsKey(r.dbClusterParameterGroupName())) {
            throw fault(DbClusterParameterGroupNotFoundException.builder(), "DBClusterParameterGroupNotFound",
                    "DBClusterParameterGroup not found: " + r.dbClusterParameterGroupName(), 404);
        }
        if (r.dbSubnetGroupName() != null && !subnetGroups.containsKey(r.dbSubnetGroupName())) {
            throw fault(DbSubnetGroupNotFoundException.builder(), "DBSubnetGroupNotFoundFault",
                    "DB subnet group '" + r.dbSubnetGroupName() + "' does not exist.", 404);
        }
        String version = r.engineVersion() != null ? r.engineVersion() : s.engineVersion;
        if (offeredVersions != null && !offeredVersions.contains(version)) {
            throw fault(RdsException.builder(), "InvalidParameterCombination", "Cannot find version " + version + " for aurora-postgresql", 400);
        }
        if (r.serverlessV2ScalingConfiguration() != null) {
            Double min = r.serverlessV2ScalingConfiguration().minCapacity();
            Double max = r.serverlessV2ScalingConfiguration().maxCapacity();
            if (min != null && min < minCapacity(version)) {
                throw fault(RdsException.builder(), "InvalidParameterValue", "The minimum capacity " + min + " is not supported by "
                        + "aurora-postgresql " + version + " (it does not support Aurora Serverless v2 auto-pause).", 400);
            }
            if (max != null && max > 256) throw fault(RdsException.builder(), "InvalidParameterValue", "MaxCapacity above 256", 400);
        }
        String kms = r.kmsKeyId() != null ? r.kmsKeyId() : s.kmsKeyId;
        if (kms != null && inaccessibleKeys.contains(kms)) {
            throw fault(KmsKeyNotAccessibleException.builder(), "KMSKeyNotAccessibleFault",
                    "The specified KMS key " + kms + " does not exist, is not enabled or you do not have permissions to access it.", 400);
        }
        Cluster c = new Cluster();
        c.id = r.dbClusterIdentifier();
        c.arn = arn("cluster", c.id);
        c.status = "creating";
        c.ticks = transitionPolls;
        c.engine = r.engine();
        c.engineVersion = r.engineVersion() != null ? r.engineVersion() : s.engineVersion;
        c.endpoint = c.id + ".cluster-c0ffee." + region + ".rds.amazonaws.com";
        c.port = r.port() != null ? r.port() : s.port;
        c.subnetGroup = r.dbSubnetGroupName() != null ? r.dbSubnetGroupName() : "default";
        c.securityGroups = new ArrayList<>(r.vpcSecurityGroupIds());
        c.parameterGroup = r.dbClusterParameterGroupName() != null ? r.dbClusterParameterGroupName() : "default.aurora-postgresql15";
        c.masterUsername = s.masterUsername;
        c.masterPassword = s.masterPassword;
        c.databaseName = "postgres";
        c.kmsKeyId = kms;
        c.encrypted = kms != null;
        c.deletionProtection = Boolean.TRUE.equals(r.deletionProtection());
        c.copyTagsToSnapshot = Boolean.TRUE.equals(r.copyTagsToSnapshot());
        c.restoredFrom = s.arn;
        if (r.serverlessV2ScalingConfiguration() != null) {
            c.minAcu = r.serverlessV2ScalingConfiguration().minCapacity();
            c.maxAcu = r.serverlessV2ScalingConfiguration().maxCapacity();
        }
        c.tags.putAll(tagMap(r.tags()));
        if (s.dumpArchive != null) startLocal(c, s);
        clusters.put(c.id, c);
        faults.changed("RestoreDBClusterFromSnapshot");
        return RestoreDbClusterFromSnapshotResponse.builder().dbCluster(view(c)).build();
    }

    /** Loads the snapshot's archive into a fresh local PostgreSQL whose superuser has the snapshot's password. */
    private void startLocal(Cluster c, Snapshot s) {
        // what the engine starts with: the group's values, or the defaults when the group is not in effect yet
        Map<String, String> settings = newWritersPendingReboot ? engineSettings(Map.of()) : engineSettings(groupParameters(c));
        settings.putAll(io.pgvectormigrate.local.LocalPostgres.throwawaySettings());
        LocalPostgres pg = LocalPostgres.start(s.binaries, s.localBaseDir.resolve(c.id), 0, settings, true);
        try {
            Proc.check("pg_restore", List.of(s.binaries.tool("pg_restore").toString(), "--no-owner", "-d", "postgres",
                    s.dumpArchive.toString()), null, pg.libpqEnv(), Duration.ofMinutes(2));
            setPassword(pg, null, s.masterPassword);
        } catch (RuntimeException e) {
            pg.destroy();
            throw e;
        }
        c.local = pg;
        c.endpoint = "127.0.0.1";
        c.port = pg.port();
    }

    private Map<String, String> groupParameters(Cluster c) {
        Group g = c.parameterGroup == null ? null : groups.get(c.parameterGroup);
        return g == null ? Map.of() : g.parameters;
    }

    /**
     * The PostgreSQL settings an Aurora cluster parameter group stands for: rds.logical_replication=1 is wal_level
     * logical (the default group has 0: replica); the sizing parameters carry over.
     */
    static Map<String, String> engineSettings(Map<String, String> group) {
        Map<String, String> s = new LinkedHashMap<>(LocalPostgres.replicationSettings());
        s.put("wal_level", "1".equals(group.get("rds.logical_replication")) ? "logical" : "replica");
        for (String p : List.of("max_replication_slots", "max_wal_senders", "max_logical_replication_workers", "max_worker_processes")) {
            if (group.containsKey(p)) s.put(p, group.get(p));
        }
        return s;
    }

    /** A reboot: the engine stops and starts again with the parameter group's values (ALTER SYSTEM, then a restart). */
    private void restartLocal(Cluster c) {
        var spec = c.local.connection("postgres").withPassword(c.masterPassword);
        try (Connection conn = DriverManager.getConnection(spec.jdbcUrl(), spec.driverProperties()); Statement st = conn.createStatement()) {
            for (Map.Entry<String, String> e : engineSettings(groupParameters(c)).entrySet()) {
                st.execute("ALTER SYSTEM SET " + e.getKey() + " = '" + e.getValue() + "'");
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("cannot change the local instance's settings: " + e.getMessage(), e);
        }
        int port = c.local.port(); // the endpoint stays the same across a reboot
        c.local.stop();
        c.local = LocalPostgres.start(c.local.binaries(), c.local.dir(), port, Map.of(), true);
    }

    /** @param current the superuser's password now (null: the one the local instance was created with) */
    private static void setPassword(LocalPostgres pg, String current, String password) {
        var spec = current == null ? pg.connection("postgres") : pg.connection("postgres").withPassword(current);
        try (Connection conn = DriverManager.getConnection(spec.jdbcUrl(), spec.driverProperties());
             Statement st = conn.createStatement()) {
            st.execute("ALTER ROLE postgres PASSWORD '" + password.replace("'", "''") + "'");
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("cannot set the local password: " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized DescribeDbClustersResponse describeDBClusters(DescribeDbClustersRequest r) {
        enter("DescribeDBClusters");
        if (r.dbClusterIdentifier() != null) {
            Cluster c = findCluster(r.dbClusterIdentifier());
            if (c == null) throw clusterNotFound(r.dbClusterIdentifier());
            tick(c);
            if (!clusters.containsKey(c.id)) throw clusterNotFound(r.dbClusterIdentifier());
            Pages.Page<Cluster> one = page(List.of(c), x -> x.id, r.marker(), r.maxRecords());
            return DescribeDbClustersResponse.builder().dbClusters(one.items().stream().map(this::view).toList()).marker(one.next()).build();
        }
        Pages.Page<Cluster> page = page(List.copyOf(clusters.values()), x -> x.id, r.marker(), r.maxRecords());
        List<DBCluster> out = new ArrayList<>();
        for (Cluster c : page.items()) {
            tick(c);
            if (clusters.containsKey(c.id)) out.add(view(c));
        }
        return DescribeDbClustersResponse.builder().dbClusters(out).marker(page.next()).build();
    }

    private Cluster findCluster(String idOrArn) {
        for (Cluster c : clusters.values()) if (c.id.equals(idOrArn) || c.arn.equals(idOrArn)) return c;
        return null;
    }

    @Override
    public synchronized ModifyDbClusterResponse modifyDBCluster(ModifyDbClusterRequest r) {
        enter("ModifyDBCluster");
        Cluster c = clusters.get(r.dbClusterIdentifier());
        if (c == null) throw clusterNotFound(r.dbClusterIdentifier());
        if (!"available".equals(c.status)) throw invalidClusterState("DBCluster " + c.id + " is not in available state.");
        if (r.masterUserPassword() != null) {
            String pw = r.masterUserPassword();
            if (pw.length() < 8 || pw.length() > 41 || pw.contains("/") || pw.contains("\"") || pw.contains("@")) {
                throw fault(RdsException.builder(), "InvalidParameterValue", "The parameter MasterUserPassword is not a valid password.", 400);
            }
            c.pendingPassword = pw;
            c.ticks = passwordResetShowsAfterPolls + 1;
        }
        faults.changed("ModifyDBCluster");
        return ModifyDbClusterResponse.builder().dbCluster(view(c)).build();
    }

    @Override
    public synchronized DeleteDbClusterResponse deleteDBCluster(DeleteDbClusterRequest r) {
        enter("DeleteDBCluster");
        Cluster c = clusters.get(r.dbClusterIdentifier());
        if (c == null) throw clusterNotFound(r.dbClusterIdentifier());
        if (c.deletionProtection) throw invalidClusterState("Cannot delete protected Cluster, please disable deletion protection and try again.");
        if ("deleting".equals(c.status)) throw invalidClusterState("Cluster " + c.id + " is already being deleted.");
        if (!"available".equals(c.status) && !"stopped".equals(c.status) && !"failed".equals(c.status)) {
            throw invalidClusterState("DBCluster " + c.id + " is not in a valid state (" + c.status + ").");
        }
        if (instances.values().stream().anyMatch(i -> i.cluster.equals(c.id))) {
            throw invalidClusterState("Cluster cannot be deleted, it still contains DB instances in non-deleting state.");
        }
        boolean skip = Boolean.TRUE.equals(r.skipFinalSnapshot());
        if (skip && r.finalDBSnapshotIdentifier() != null) {
            // the model: "If you specify this parameter and also skip the creation of a final DB cluster snapshot ...,
            // the request results in an error."
            throw fault(RdsException.builder(), "InvalidParameterCombination",
                    "FinalDBSnapshotIdentifier can not be specified when deleting a cluster with SkipFinalSnapshot enabled.", 400);
        }
        if (!skip) {
            if (r.finalDBSnapshotIdentifier() == null) {
                throw fault(RdsException.builder(), "InvalidParameterCombination",
                        "FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified.", 400);
            }
            if (snapshots.containsKey(r.finalDBSnapshotIdentifier())) {
                throw fault(DbClusterSnapshotAlreadyExistsException.builder(), "DBClusterSnapshotAlreadyExistsFault",
                        "Cannot create the cluster snapshot because one with the identifier " + r.finalDBSnapshotIdentifier() + " already exists.", 400);
            }
            Snapshot s = snapshotOf(c, r.finalDBSnapshotIdentifier());
            if (c.copyTagsToSnapshot) s.tags.putAll(c.tags);
        }
        c.status = "deleting";
        c.ticks = transitionPolls;
        faults.changed("DeleteDBCluster");
        return DeleteDbClusterResponse.builder().dbCluster(view(c)).build();
    }

    // ---- instances

    @Override
    public synchronized CreateDbInstanceResponse createDBInstance(CreateDbInstanceRequest r) {
        enter("CreateDBInstance");
        if (instances.containsKey(r.dbInstanceIdentifier())) {
            throw fault(DbInstanceAlreadyExistsException.builder(), "DBInstanceAlreadyExists", "DB instance already exists", 400);
        }
        Cluster c = clusters.get(r.dbClusterIdentifier());
        if (c == null) throw clusterNotFound(r.dbClusterIdentifier());
        if (!"available".equals(c.status)) throw invalidClusterState("DBCluster " + c.id + " is not in available state (" + c.status + ").");
        if ("db.serverless".equals(r.dbInstanceClass()) && c.minAcu == null) {
            throw fault(RdsException.builder(), "InvalidParameterCombination",
                    "Set the Serverless v2 scaling configuration on the cluster before creating a db.serverless instance.", 400);
        }
        Instance i = new Instance();
        i.id = r.dbInstanceIdentifier();
        i.arn = arn("db", i.id);
        i.status = "creating";
        i.ticks = transitionPolls;
        i.cluster = c.id;
        i.instanceClass = r.dbInstanceClass();
        i.engine = r.engine();
        i.publiclyAccessible = Boolean.TRUE.equals(r.publiclyAccessible());
        i.tags.putAll(tagMap(r.tags()));
        boolean custom = c.parameterGroup != null && groups.containsKey(c.parameterGroup);
        i.parameterStatus = custom && newWritersPendingReboot ? "pending-reboot" : "in-sync";
        instances.put(i.id, i);
        faults.changed("CreateDBInstance");
        return CreateDbInstanceResponse.builder().dbInstance(view(i)).build();
    }

    @Override
    public synchronized DescribeDbInstancesResponse describeDBInstances(DescribeDbInstancesRequest r) {
        enter("DescribeDBInstances");
        if (r.dbInstanceIdentifier() != null) {
            Instance i = instances.get(r.dbInstanceIdentifier());
            if (i == null) {
                throw fault(DbInstanceNotFoundException.builder(), "DBInstanceNotFound", "DBInstance " + r.dbInstanceIdentifier() + " not found.", 404);
            }
            tick(i);
            if (!instances.containsKey(i.id)) {
                throw fault(DbInstanceNotFoundException.builder(), "DBInstanceNotFound", "DBInstance " + r.dbInstanceIdentifier() + " not found.", 404);
            }
            Pages.Page<Instance> one = page(List.of(i), x -> x.id, r.marker(), r.maxRecords());
            return DescribeDbInstancesResponse.builder().dbInstances(one.items().stream().map(this::view).toList()).marker(one.next()).build();
        }
        Pages.Page<Instance> page = page(List.copyOf(instances.values()), x -> x.id, r.marker(), r.maxRecords());
        List<DBInstance> out = new ArrayList<>();
        for (Instance i : page.items()) {
            tick(i);
            if (instances.containsKey(i.id)) out.add(view(i));
        }
        return DescribeDbInstancesResponse.builder().dbInstances(out).marker(page.next()).build();
    }

    /** DeleteDBInstance and RebootDBInstance both refuse an unknown instance and one that is not available. */
    private Instance availableInstance(String id) {
        Instance i = instances.get(id);
        if (i == null) {
            throw fault(DbInstanceNotFoundException.builder(), "DBInstanceNotFound", "DBInstance " + id + " not found.", 404);
        }
        if (!"available".equals(i.status)) {
            throw fault(InvalidDbInstanceStateException.builder(), "InvalidDBInstanceState",
                    "Instance " + i.id + " is not in available state (" + i.status + ").", 400);
        }
        return i;
    }

    @Override
    public synchronized DeleteDbInstanceResponse deleteDBInstance(DeleteDbInstanceRequest r) {
        enter("DeleteDBInstance");
        Instance i = availableInstance(r.dbInstanceIdentifier());
        i.status = "deleting";
        i.ticks = transitionPolls;
        faults.changed("DeleteDBInstance");
        return DeleteDbInstanceResponse.builder().dbInstance(view(i)).build();
    }

    @Override
    public synchronized RebootDbInstanceResponse rebootDBInstance(RebootDbInstanceRequest r) {
        enter("RebootDBInstance");
        Instance i = availableInstance(r.dbInstanceIdentifier());
        if (Boolean.TRUE.equals(r.forceFailover())) {
            throw fault(RdsException.builder(), "InvalidParameterCombination", "ForceFailover needs a Multi-AZ instance", 400);
        }
        i.status = "rebooting";
        i.ticks = transitionPolls;
        i.reboots++;
        faults.changed("RebootDBInstance");
        return RebootDbInstanceResponse.builder().dbInstance(view(i)).build();
    }

    // ---- subnet groups and tags

    @Override
    public synchronized DescribeDbSubnetGroupsResponse describeDBSubnetGroups(DescribeDbSubnetGroupsRequest r) {
        enter("DescribeDBSubnetGroups");
        List<SubnetGroup> all;
        if (r.dbSubnetGroupName() != null) {
            SubnetGroup g = subnetGroups.get(r.dbSubnetGroupName());
            if (g == null) {
                throw fault(DbSubnetGroupNotFoundException.builder(), "DBSubnetGroupNotFoundFault",
                        "DB subnet group '" + r.dbSubnetGroupName() + "' does not exist.", 404);
            }
            all = List.of(g);
        } else {
            all = List.copyOf(subnetGroups.values());
        }
        Pages.Page<SubnetGroup> page = page(all, x -> x.name, r.marker(), r.maxRecords());
        List<DBSubnetGroup> out = new ArrayList<>();
        for (SubnetGroup g : page.items()) {
            List<Subnet> subnets = new ArrayList<>();
            g.subnets.forEach(s -> subnets.add(Subnet.builder().subnetIdentifier(s).subnetStatus("Active")
                    .subnetAvailabilityZone(az -> az.name(g.zones.get(s))).build()));
            out.add(DBSubnetGroup.builder().dbSubnetGroupName(g.name).vpcId(g.vpcId).subnets(subnets).build());
        }
        return DescribeDbSubnetGroupsResponse.builder().dbSubnetGroups(out).marker(page.next()).build();
    }

    @Override
    public synchronized ListTagsForResourceResponse listTagsForResource(ListTagsForResourceRequest r) {
        enter("ListTagsForResource");
        String arn = r.resourceName();
        for (Group g : groups.values()) if (g.arn.equals(arn)) return ListTagsForResourceResponse.builder().tagList(tags(g.tags)).build();
        for (Cluster c : clusters.values()) if (c.arn.equals(arn)) return ListTagsForResourceResponse.builder().tagList(tags(c.tags)).build();
        for (Instance i : instances.values()) if (i.arn.equals(arn)) return ListTagsForResourceResponse.builder().tagList(tags(i.tags)).build();
        for (Snapshot s : snapshots.values()) if (s.arn.equals(arn)) return ListTagsForResourceResponse.builder().tagList(tags(s.tags)).build();
        throw fault(RdsException.builder(), "InvalidParameterValue", "Unable to find a resource with ARN " + arn, 400);
    }

    @Override
    public void close() {
        // state outlives a command; see close() above for local instances
    }
}
