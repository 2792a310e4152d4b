package io.pgvectormigrate.aws.dms;

import io.pgvectormigrate.aws.fake.PolicyEvaluator;
import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pg.Publications;
import io.pgvectormigrate.pg.ReplicationSlots;
import io.pgvectormigrate.pg.TableFilter;
import org.postgresql.PGConnection;
import org.postgresql.copy.PGCopyInputStream;
import org.postgresql.copy.PGCopyOutputStream;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.databasemigration.DatabaseMigrationClient;
import software.amazon.awssdk.services.databasemigration.model.*;

import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A stateful fake of the DMS client for homogeneous data migrations, following the API reference and the user guide,
 * not the tool's expectations: objects and their references, tags, name clashes, not-found and in-use faults, and the
 * data migration's life cycle with the guide's status labels (Creating -> Ready -> Starting -> Load running -> Stopped
 * for a full load; ... -> Load complete, replication ongoing for full-load-and-cdc; Stopping -> Stopped; Failed with a
 * failure message), advanced one step per describe so tests poll it the way the engine polls DMS.
 *
 * <p>What the documentation leaves open, it leaves open for the tool too:
 * <ul>
 *   <li>the wire casing of the status is undocumented: labels go out in the guide's casing, or lower, upper or kebab
 *       case ({@link StatusStyle}; system property {@code fakedms.statusStyle} or env {@code FAKEDMS_STATUS_STYLE});</li>
 *   <li>every statistic is optional: {@link #statistics} omits them all or keeps a few; CDC latency has no unit and may
 *       be absent or never reach 0 ({@link #cdcLatency});</li>
 *   <li>StopDataMigration is refused while Starting (the serverless environment is being provisioned);</li>
 *   <li>DescribeDataMigrations documents no filter names: every filter is refused unless a test accepts one; every
 *       Describe pages with small pages and a Marker; MaxRecords is checked where its range is documented;</li>
 *   <li>DMS builds its network with the data migration's service-access role: a migration whose role's attached policies
 *       lack a permission of the user guide's HomogeneousDataMigrationsPolicy fails with AWS's AccessDenied words;</li>
 *   <li>a replication subnet group needs subnets that exist and cover two Availability Zones.</li>
 * </ul>
 *
 * <p>Its data migration really moves rows between the PostgreSQL servers the data providers name, logging in with the
 * credentials the secrets resolve to: full-load truncates (table preparation truncate) and COPYs one selected table per
 * poll; full-load-and-cdc creates a publication {@code publication_<id>} on the source and a subscription
 * {@code migration_subscriber_<id>} on the target (initial sync, then streaming), and on stop drops the subscription but
 * leaves the publication and the slot on the source, as DMS does. It connects without TLS whatever the SSL mode says.
 */
public final class FakeDms implements DatabaseMigrationClient {
    public static final String REGION = "us-east-1";
    public static final String ACCOUNT = "123456789012";

    /** The status labels of the user guide ("Statuses of homogeneous data migrations"). */
    public static final String CREATING = "Creating", READY = "Ready", STARTING = "Starting", LOAD_RUNNING = "Load running",
            LOAD_COMPLETE_REPLICATION_ONGOING = "Load complete, replication ongoing", REPLICATION_ONGOING = "Replication ongoing",
            RELOADING_TARGET = "Reloading target", STOPPING = "Stopping", STOPPED = "Stopped", FAILED = "Failed";

    /** How a status label goes out on the wire (the casing is not documented). */
    public enum StatusStyle {
        GUIDE, LOWER, UPPER, KEBAB;

        String render(String label) {
            return switch (this) {
                case GUIDE -> label;
                case LOWER -> label.toLowerCase(Locale.ROOT);
                case UPPER -> label.toUpperCase(Locale.ROOT);
                case KEBAB -> label.toLowerCase(Locale.ROOT).replaceAll("[^a-z]+", "-");
            };
        }

        /** From system property fakedms.statusStyle, else env FAKEDMS_STATUS_STYLE, else the guide's casing. */
        public static StatusStyle configured() {
            String s = System.getProperty("fakedms.statusStyle", System.getenv().getOrDefault("FAKEDMS_STATUS_STYLE", "guide"));
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        }
    }

    /** Which statistics DescribeDataMigrations returns. */
    public enum Statistics { ALL, NONE, TABLE_COUNTS_ONLY }

    /** What CDCLatency says while replication is ongoing (its unit is not documented). */
    public enum CdcLatency { SECONDS_BEHIND, ABSENT, NEVER_ZERO }

    /**
     * The permissions the user guide's HomogeneousDataMigrationsPolicy gives the role (action, a resource DMS acts on),
     * with this fake's region, account and resource ids. The role must grant each one.
     */
    static final List<String[]> DOCUMENTED_ROLE_PERMISSIONS;

    static {
        String ec2 = "arn:aws:ec2:" + REGION + ":" + ACCOUNT + ":";
        String logGroup = "arn:aws:logs:" + REGION + ":" + ACCOUNT + ":log-group:dms-data-migration-fake0001";
        List<String[]> p = new ArrayList<>();
        for (String a : List.of("ec2:DescribeRouteTables", "ec2:DescribeSecurityGroups", "ec2:DescribeVpcPeeringConnections",
                "ec2:DescribeVpcs", "ec2:DescribePrefixLists", "logs:DescribeLogGroups", "cloudwatch:PutMetricData")) {
            p.add(new String[]{a, "*"});
        }
        p.add(new String[]{"servicequotas:GetServiceQuota", "arn:aws:servicequotas:" + REGION + ":" + ACCOUNT + ":vpc/L-0EA8095F"});
        p.add(new String[]{"logs:CreateLogGroup", logGroup});
        p.add(new String[]{"logs:DescribeLogStreams", logGroup});
        p.add(new String[]{"logs:CreateLogStream", logGroup + ":log-stream:dms-data-migration-fake0001"});
        p.add(new String[]{"logs:PutLogEvents", logGroup + ":log-stream:dms-data-migration-fake0001"});
        p.add(new String[]{"ec2:CreateRoute", ec2 + "route-table/rtb-0fake"});
        p.add(new String[]{"ec2:DeleteRoute", ec2 + "route-table/rtb-0fake"});
        for (String r : List.of("security-group/sg-0fake", "security-group-rule/sgr-0fake", "route-table/rtb-0fake",
                "vpc-peering-connection/pcx-0fake", "vpc/vpc-0fake")) {
            p.add(new String[]{"ec2:CreateTags", ec2 + r});
        }
        for (String a : List.of("ec2:AuthorizeSecurityGroupEgress", "ec2:AuthorizeSecurityGroupIngress")) {
            p.add(new String[]{a, ec2 + "security-group-rule/sgr-0fake"});
            p.add(new String[]{a, ec2 + "security-group/sg-0fake"});
        }
        p.add(new String[]{"ec2:RevokeSecurityGroupEgress", ec2 + "security-group/sg-0fake"});
        p.add(new String[]{"ec2:RevokeSecurityGroupIngress", ec2 + "security-group/sg-0fake"});
        p.add(new String[]{"ec2:AcceptVpcPeeringConnection", ec2 + "vpc-peering-connection/pcx-0fake"});
        p.add(new String[]{"ec2:ModifyVpcPeeringConnectionOptions", ec2 + "vpc-peering-connection/pcx-0fake"});
        p.add(new String[]{"ec2:AcceptVpcPeeringConnection", ec2 + "vpc/vpc-0fake"});
        DOCUMENTED_ROLE_PERMISSIONS = List.copyOf(p);
    }

    /** Thrown to simulate the tool's process dying around a call. */
    public static final class FakeCrash extends RuntimeException {
        FakeCrash(String message) {
            super(message);
        }
    }

    public enum When { BEFORE, AFTER }

    private record Crash(String operation, When when, int occurrence) {}

    private record SubnetGroup(String id, List<String> subnets, List<Tag> tags) {}

    private static final class Dm {
        String name, arn, projectArn, type, roleArn, tablePrep, rules;
        Boolean cloudwatch;
        Integer jobs;
        /** Always one of the guide's labels; rendered in the configured style on the wire. */
        String status = CREATING;
        String lastFailure, stopReason;
        Instant created = Instant.now(), started, ended;
        int pollsInState;
        List<String[]> tables = List.of();
        int loaded, errored;
        Integer cdcLatency;
        ConnectionSpec source, target;
        String suffix;
        boolean subscribed, deleting, resumed, provisioned;
        /** Describes left during which the subscription is disabled (replication lag). */
        int applyPausedPolls;
    }

    private final Function<String, ConnectionSpec> secrets;
    private final Function<String, List<String>> rolePolicies;
    private final List<String> calls = new ArrayList<>();
    private final List<String> requests = new ArrayList<>();
    private final Map<String, Integer> counts = new HashMap<>();
    private final List<Crash> crashes = new ArrayList<>();
    private final Map<String, SubnetGroup> subnetGroups = new LinkedHashMap<>();
    private final Map<String, InstanceProfile> profiles = new LinkedHashMap<>();
    private final Map<String, DataProvider> providers = new LinkedHashMap<>();
    private final Map<String, MigrationProject> projects = new LinkedHashMap<>();
    private final Map<String, Dm> migrations = new LinkedHashMap<>();
    private final Map<String, List<Tag>> tags = new HashMap<>();
    /** JVM-wide: slot names are per server, and the test servers are shared by every test. */
    private static final java.util.concurrent.atomic.AtomicInteger NEXT_ID = new java.util.concurrent.atomic.AtomicInteger(1);
    private int startingPolls = 1;
    private String injectedFailure;
    private boolean vpcRoleMissing;
    private StatusStyle style = StatusStyle.configured();
    private Statistics statistics = Statistics.ALL;
    private CdcLatency cdcLatencyMode = CdcLatency.SECONDS_BEHIND;
    private int pageSize = 2;
    private String slotPrefix = DmsEngine.SLOT_PREFIX;
    private final Set<String> acceptedDataMigrationFilters = new LinkedHashSet<>();
    private Function<String, String> subnetZones = s -> null;
    private Supplier<List<AccountSecret>> accountSecrets = List::of;

    /** A secret of the account as IAM sees it when DMS's role reads it: its ARN, name and tags. */
    public record AccountSecret(String arn, String name, Map<String, String> tags) {
        boolean named(String id) {
            return arn.equals(id) || name.equals(id);
        }
    }

    /**
     * @param secrets      secret id -> credentials (user, password); null or an exception when the role may not read it
     * @param rolePolicies role ARN -> the policy documents attached to it (null or empty: a role with no permissions)
     */
    public FakeDms(Function<String, ConnectionSpec> secrets, Function<String, List<String>> rolePolicies) {
        this.secrets = secrets;
        this.rolePolicies = rolePolicies;
    }

    // ------------------------------------------------------------------ test controls

    /** Simulates a crash of the caller at the n-th call (1-based) of an operation, before or after DMS acted on it. */
    public synchronized FakeDms crash(String operation, When when, int occurrence) {
        crashes.add(new Crash(operation, when, occurrence));
        return this;
    }

    public synchronized FakeDms clearCrashes() {
        crashes.clear();
        return this;
    }

    /** The next data migration to start fails with this message once it has provisioned. */
    public synchronized FakeDms failNextStart(String message) {
        injectedFailure = message;
        return this;
    }

    /** Polls spent in "Starting" (DMS provisions a serverless environment there, up to 15 minutes). */
    public synchronized FakeDms startingPolls(int n) {
        startingPolls = n;
        return this;
    }

    /** The account lacks dms-vpc-role: subnet groups cannot be created. */
    public synchronized FakeDms vpcRoleMissing(boolean missing) {
        vpcRoleMissing = missing;
        return this;
    }

    public synchronized FakeDms statusStyle(StatusStyle s) {
        style = s;
        return this;
    }

    public synchronized FakeDms statistics(Statistics s) {
        statistics = s;
        return this;
    }

    public synchronized FakeDms cdcLatency(CdcLatency mode) {
        cdcLatencyMode = mode;
        return this;
    }

    /** The name DMS's slot (and subscription) on the source gets: the prefix is observed, not documented. */
    public synchronized FakeDms slotPrefix(String prefix) {
        slotPrefix = prefix;
        return this;
    }

    /** Items per page of every Describe (DMS may return fewer than MaxRecords). */
    public synchronized FakeDms pageSize(int n) {
        pageSize = n;
        return this;
    }

    /** Lets DescribeDataMigrations accept this filter name (none is documented, so none is accepted by default). */
    public synchronized FakeDms acceptDataMigrationFilter(String name) {
        acceptedDataMigrationFilters.add(name);
        return this;
    }

    /** Subnet id -> its Availability Zone (null: no such subnet), as the account's VPC has them. */
    /**
     * The secrets of the account. DMS reads a data provider's secret as the descriptor's secrets-access role, so the
     * role's policies must allow secretsmanager:GetSecretValue on that secret (its ARN and tags); and the fake checks the
     * role reads exactly the two secrets of the migration, no other secret of the account (least privilege, docs/iam.md).
     * Without any, no secret is readable.
     */
    public synchronized FakeDms secretsOfAccount(Supplier<List<AccountSecret>> secrets) {
        this.accountSecrets = secrets;
        return this;
    }

    public synchronized FakeDms subnetZones(Function<String, String> zones) {
        subnetZones = zones;
        return this;
    }

    /** Replication stalls: the subscription of every streaming migration stops applying for the next {@code polls} describes. */
    public synchronized FakeDms pauseApply(int polls) {
        for (Dm m : migrations.values()) {
            if (!m.subscribed) continue;
            m.applyPausedPolls = polls;
            setSubscription(m, false);
        }
        return this;
    }

    /** How many times an operation was called. */
    public synchronized long calls(String operation) {
        return calls().stream().filter(operation::equals).count();
    }

    /** Operation names in call order. */
    public synchronized List<String> calls() {
        return List.copyOf(calls);
    }

    /** Every request as the SDK renders it (to check nothing secret was sent). */
    public synchronized List<String> requests() {
        return List.copyOf(requests);
    }

    /** Everything that exists, as "kind name" lines. */
    public synchronized List<String> inventory() {
        List<String> out = new ArrayList<>();
        subnetGroups.values().forEach(g -> out.add("replication-subnet-group " + g.id()));
        profiles.values().forEach(p -> out.add("instance-profile " + p.instanceProfileName()));
        providers.values().forEach(p -> out.add("data-provider " + p.dataProviderName()));
        projects.values().forEach(p -> out.add("migration-project " + p.migrationProjectName()));
        migrations.values().forEach(m -> out.add("data-migration " + m.name));
        return out;
    }

    /** Everything tagged with a run, as "dms-kind:name" (the other fakes' taggedWith, for DMS). */
    public synchronized List<String> taggedWith(String runId) {
        java.util.function.Predicate<List<Tag>> ours = l -> l != null
                && l.stream().anyMatch(t -> t.key().equals("pgvector-migrate:run-id") && t.value().equals(runId));
        List<String> out = new ArrayList<>();
        subnetGroups.values().forEach(g -> { if (ours.test(g.tags())) out.add("dms-subnet-group:" + g.id()); });
        profiles.values().forEach(p -> { if (ours.test(tags.get(p.instanceProfileArn()))) out.add("dms-instance-profile:" + p.instanceProfileName()); });
        providers.values().forEach(p -> { if (ours.test(tags.get(p.dataProviderArn()))) out.add("dms-data-provider:" + p.dataProviderName()); });
        projects.values().forEach(p -> { if (ours.test(tags.get(p.migrationProjectArn()))) out.add("dms-migration-project:" + p.migrationProjectName()); });
        migrations.values().forEach(m -> { if (ours.test(tags.get(m.arn))) out.add("dms-data-migration:" + m.name); });
        return out;
    }

    public synchronized Optional<InstanceProfile> profileNamed(String name) {
        return profiles.values().stream().filter(p -> p.instanceProfileName().equals(name)).findFirst();
    }

    public synchronized List<DataProvider> providers() {
        return List.copyOf(providers.values());
    }

    public synchronized Optional<MigrationProject> projectNamed(String name) {
        return projects.values().stream().filter(p -> p.migrationProjectName().equals(name)).findFirst();
    }

    /** The migration as DescribeDataMigrations would show it (status in the configured style), without advancing it. */
    public synchronized Optional<DataMigration> migrationNamed(String name) {
        return migrations.values().stream().filter(m -> m.name.equals(name)).findFirst().map(this::model);
    }

    /** The guide's label of a migration's status (whatever the wire style). */
    public synchronized String statusOf(String name) {
        return migrations.values().stream().filter(m -> m.name.equals(name)).findFirst().map(m -> m.status).orElse(null);
    }

    public synchronized Map<String, String> tagsOf(String arn) {
        Map<String, String> out = new LinkedHashMap<>();
        tags.getOrDefault(arn, List.of()).forEach(t -> out.put(t.key(), t.value()));
        return out;
    }

    // ------------------------------------------------------------------ plumbing

    @Override
    public String serviceName() {
        return "dms";
    }

    @Override
    public void close() {
    }

    private synchronized <T> T op(String operation, Object request, Supplier<T> body) {
        calls.add(operation);
        requests.add(String.valueOf(request));
        int n = counts.merge(operation, 1, Integer::sum);
        for (Crash c : crashes) {
            if (c.operation().equals(operation) && c.occurrence() == n && c.when() == When.BEFORE) {
                throw new FakeCrash("simulated crash before " + operation + " #" + n);
            }
        }
        T result = body.get();
        for (Crash c : crashes) {
            if (c.operation().equals(operation) && c.occurrence() == n && c.when() == When.AFTER) {
                throw new FakeCrash("simulated crash after " + operation + " #" + n + " (DMS acted, the response was lost)");
            }
        }
        return result;
    }

    private static <E extends AwsServiceException.Builder> AwsServiceException fault(E builder, String code, String message) {
        return builder.message(message).statusCode(400)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).errorMessage(message).serviceName("DatabaseMigration").build())
                .build();
    }

    private static ResourceNotFoundException notFound(String what) {
        return (ResourceNotFoundException) fault(ResourceNotFoundException.builder(), "ResourceNotFoundFault", what + " not found");
    }

    private static InvalidResourceStateException inUse(String message) {
        return (InvalidResourceStateException) fault(InvalidResourceStateException.builder(), "InvalidResourceStateFault", message);
    }

    private static ResourceAlreadyExistsException exists(String what) {
        return (ResourceAlreadyExistsException) fault(ResourceAlreadyExistsException.builder(), "ResourceAlreadyExistsFault", what + " already exists");
    }

    private static AwsServiceException invalidParameter(String message) {
        return fault(DatabaseMigrationException.builder(), "InvalidParameterValueException", message);
    }

    private String arn(String type) {
        String id = String.format(Locale.ROOT, "FAKE%08dXQ7K2P", NEXT_ID.getAndIncrement());
        return "arn:aws:dms:" + REGION + ":" + ACCOUNT + ":" + type + ":" + id;
    }

    private void tag(String arn, List<Tag> t) {
        tags.put(arn, new ArrayList<>(t == null ? List.of() : t));
    }

    private static boolean identifies(String value, String name, String arn) {
        return value.equals(name) || value.equals(arn);
    }

    /** The values of the one filter allowed (its documented name); any other name is refused. Null: no filter. */
    private static List<String> filterValues(List<Filter> filters, Set<String> allowed, String operation) {
        List<String> values = null;
        for (Filter f : filters) {
            if (!allowed.contains(f.name())) {
                throw invalidParameter("Invalid filter name '" + f.name() + "' for " + operation
                        + (allowed.isEmpty() ? "" : ": valid names are " + String.join(", ", allowed)));
            }
            values = values == null ? new ArrayList<>(f.values()) : values;
        }
        return values;
    }

    /** One page of a Describe result: at most the page size (and MaxRecords), with a Marker when more follow. */
    private <T> List<T> page(List<T> all, String marker, Integer maxRecords, Consumer2<List<T>, String> out) {
        int from = 0;
        if (marker != null) {
            if (!marker.startsWith("fake-page-")) throw invalidParameter("Invalid marker");
            from = Integer.parseInt(marker.substring("fake-page-".length()));
        }
        int size = Math.min(pageSize, maxRecords == null ? Integer.MAX_VALUE : maxRecords);
        int to = Math.min(all.size(), from + size);
        List<T> items = all.subList(Math.min(from, all.size()), to);
        out.accept(items, to < all.size() ? "fake-page-" + to : null);
        return items;
    }

    @FunctionalInterface
    private interface Consumer2<A, B> {
        void accept(A a, B b);
    }

    private static void documentedMaxRecords(Integer maxRecords) {
        if (maxRecords != null && (maxRecords < 20 || maxRecords > 100)) {
            throw invalidParameter("MaxRecords must be between 20 and 100");
        }
    }

    // ------------------------------------------------------------------ subnet groups

    @Override
    public CreateReplicationSubnetGroupResponse createReplicationSubnetGroup(CreateReplicationSubnetGroupRequest r) {
        return op("CreateReplicationSubnetGroup", r, () -> {
            if (vpcRoleMissing) {
                throw fault(AccessDeniedException.builder(), "AccessDeniedFault",
                        "The IAM Role arn:aws:iam::" + ACCOUNT + ":role/dms-vpc-role is not configured properly.");
            }
            String id = r.replicationSubnetGroupIdentifier().toLowerCase(Locale.ROOT);
            if (subnetGroups.containsKey(id)) throw exists("Replication subnet group " + id);
            if (r.replicationSubnetGroupDescription() == null) throw invalidParameter("ReplicationSubnetGroupDescription is required");
            Set<String> zones = new LinkedHashSet<>();
            for (String s : r.subnetIds()) {
                String az = subnetZones.apply(s);
                if (az == null) throw fault(InvalidSubnetException.builder(), "InvalidSubnet", "The subnet " + s + " does not exist");
                zones.add(az);
            }
            if (zones.size() < 2) {
                throw fault(ReplicationSubnetGroupDoesNotCoverEnoughAZsException.builder(), "ReplicationSubnetGroupDoesNotCoverEnoughAZs",
                        "The replication subnet group does not cover enough Availability Zones (at least 2): " + zones);
            }
            subnetGroups.put(id, new SubnetGroup(id, r.subnetIds(), r.tags()));
            return CreateReplicationSubnetGroupResponse.builder().replicationSubnetGroup(subnetModel(subnetGroups.get(id))).build();
        });
    }

    private ReplicationSubnetGroup subnetModel(SubnetGroup g) {
        return ReplicationSubnetGroup.builder().replicationSubnetGroupIdentifier(g.id()).subnetGroupStatus("Complete")
                .subnets(g.subnets().stream().map(s -> Subnet.builder().subnetIdentifier(s).subnetStatus("Active")
                        .subnetAvailabilityZone(AvailabilityZone.builder().name(subnetZones.apply(s)).build()).build()).toList())
                .vpcId("vpc-fake").build();
    }

    @Override
    public DescribeReplicationSubnetGroupsResponse describeReplicationSubnetGroups(DescribeReplicationSubnetGroupsRequest r) {
        return op("DescribeReplicationSubnetGroups", r, () -> {
            documentedMaxRecords(r.maxRecords());
            List<String> ids = filterValues(r.filters(), Set.of("replication-subnet-group-id"), "DescribeReplicationSubnetGroups");
            List<ReplicationSubnetGroup> all = subnetGroups.values().stream()
                    .filter(g -> ids == null || ids.stream().anyMatch(v -> v.equalsIgnoreCase(g.id())))
                    .map(this::subnetModel).toList();
            DescribeReplicationSubnetGroupsResponse.Builder b = DescribeReplicationSubnetGroupsResponse.builder();
            page(all, r.marker(), r.maxRecords(), (items, marker) -> b.replicationSubnetGroups(items).marker(marker));
            return b.build();
        });
    }

    @Override
    public DeleteReplicationSubnetGroupResponse deleteReplicationSubnetGroup(DeleteReplicationSubnetGroupRequest r) {
        return op("DeleteReplicationSubnetGroup", r, () -> {
            String id = r.replicationSubnetGroupIdentifier().toLowerCase(Locale.ROOT);
            if (!subnetGroups.containsKey(id)) throw notFound("Replication subnet group " + id);
            for (InstanceProfile p : profiles.values()) {
                if (id.equalsIgnoreCase(p.subnetGroupIdentifier())) {
                    throw inUse("Replication subnet group " + id + " is in use by instance profile " + p.instanceProfileName());
                }
            }
            subnetGroups.remove(id);
            return DeleteReplicationSubnetGroupResponse.builder().build();
        });
    }

    // ------------------------------------------------------------------ instance profiles

    @Override
    public CreateInstanceProfileResponse createInstanceProfile(CreateInstanceProfileRequest r) {
        return op("CreateInstanceProfile", r, () -> {
            if (r.instanceProfileName() != null && profiles.values().stream().anyMatch(p -> r.instanceProfileName().equals(p.instanceProfileName()))) {
                throw exists("Instance profile " + r.instanceProfileName());
            }
            if (r.subnetGroupIdentifier() != null && !subnetGroups.containsKey(r.subnetGroupIdentifier().toLowerCase(Locale.ROOT))) {
                throw notFound("Replication subnet group " + r.subnetGroupIdentifier());
            }
            String arn = arn("instance-profile");
            InstanceProfile p = InstanceProfile.builder().instanceProfileArn(arn).instanceProfileName(r.instanceProfileName())
                    .description(r.description()).subnetGroupIdentifier(r.subnetGroupIdentifier())
                    .vpcSecurityGroups(r.vpcSecurityGroups())
                    // the API's default is a publicly accessible profile
                    .publiclyAccessible(r.publiclyAccessible() == null ? Boolean.TRUE : r.publiclyAccessible())
                    .networkType(r.networkType() == null ? "IPV4" : r.networkType())
                    .instanceProfileCreationTime(Instant.now()).build();
            profiles.put(arn, p);
            tag(arn, r.tags());
            return CreateInstanceProfileResponse.builder().instanceProfile(p).build();
        });
    }

    @Override
    public DescribeInstanceProfilesResponse describeInstanceProfiles(DescribeInstanceProfilesRequest r) {
        return op("DescribeInstanceProfiles", r, () -> {
            List<String> ids = filterValues(r.filters(), Set.of("instance-profile-identifier"), "DescribeInstanceProfiles");
            List<InstanceProfile> all = profiles.values().stream()
                    .filter(p -> ids == null || ids.stream().anyMatch(v -> identifies(v, p.instanceProfileName(), p.instanceProfileArn())))
                    .toList();
            DescribeInstanceProfilesResponse.Builder b = DescribeInstanceProfilesResponse.builder();
            page(all, r.marker(), r.maxRecords(), (items, marker) -> b.instanceProfiles(items).marker(marker));
            return b.build();
        });
    }

    @Override
    public DeleteInstanceProfileResponse deleteInstanceProfile(DeleteInstanceProfileRequest r) {
        return op("DeleteInstanceProfile", r, () -> {
            InstanceProfile p = profiles.values().stream()
                    .filter(x -> identifies(r.instanceProfileIdentifier(), x.instanceProfileName(), x.instanceProfileArn()))
                    .findFirst().orElseThrow(() -> notFound("Instance profile " + r.instanceProfileIdentifier()));
            for (MigrationProject m : projects.values()) {
                if (p.instanceProfileArn().equals(m.instanceProfileArn())) {
                    throw inUse("Instance profile " + p.instanceProfileName() + " is used by migration project " + m.migrationProjectName());
                }
            }
            profiles.remove(p.instanceProfileArn());
            tags.remove(p.instanceProfileArn());
            return DeleteInstanceProfileResponse.builder().instanceProfile(p).build();
        });
    }

    // ------------------------------------------------------------------ data providers

    private static final List<String> ENGINES = List.of("postgres", "aurora-postgresql", "mysql", "aurora", "oracle", "sqlserver",
            "mariadb", "docdb", "mongodb", "redshift", "db2", "db2-zos", "sybase");

    @Override
    public CreateDataProviderResponse createDataProvider(CreateDataProviderRequest r) {
        return op("CreateDataProvider", r, () -> {
            if (!ENGINES.contains(r.engine())) throw invalidParameter("Invalid engine '" + r.engine() + "'");
            if (r.dataProviderName() != null && providers.values().stream().anyMatch(p -> r.dataProviderName().equals(p.dataProviderName()))) {
                throw exists("Data provider " + r.dataProviderName());
            }
            PostgreSqlDataProviderSettings pg = r.settings() == null ? null : r.settings().postgreSqlSettings();
            if (r.engine().contains("postgres")) {
                if (pg == null || pg.serverName() == null || pg.port() == null || pg.databaseName() == null) {
                    throw invalidParameter("PostgreSqlSettings with ServerName, Port and DatabaseName are required for engine " + r.engine());
                }
                if (pg.sslMode() == DmsSslModeValue.VERIFY_FULL && pg.certificateArn() == null) {
                    throw invalidParameter("CertificateArn is required when SslMode is verify-full");
                }
            }
            String arn = arn("data-provider");
            DataProvider p = DataProvider.builder().dataProviderArn(arn).dataProviderName(r.dataProviderName()).engine(r.engine())
                    .description(r.description()).settings(r.settings()).dataProviderCreationTime(Instant.now()).build();
            providers.put(arn, p);
            tag(arn, r.tags());
            return CreateDataProviderResponse.builder().dataProvider(p).build();
        });
    }

    @Override
    public DescribeDataProvidersResponse describeDataProviders(DescribeDataProvidersRequest r) {
        return op("DescribeDataProviders", r, () -> {
            List<String> ids = filterValues(r.filters(), Set.of("data-provider-identifier"), "DescribeDataProviders");
            List<DataProvider> all = providers.values().stream()
                    .filter(p -> ids == null || ids.stream().anyMatch(v -> identifies(v, p.dataProviderName(), p.dataProviderArn())))
                    .toList();
            DescribeDataProvidersResponse.Builder b = DescribeDataProvidersResponse.builder();
            page(all, r.marker(), r.maxRecords(), (items, marker) -> b.dataProviders(items).marker(marker));
            return b.build();
        });
    }

    @Override
    public DeleteDataProviderResponse deleteDataProvider(DeleteDataProviderRequest r) {
        return op("DeleteDataProvider", r, () -> {
            DataProvider p = providers.values().stream()
                    .filter(x -> identifies(r.dataProviderIdentifier(), x.dataProviderName(), x.dataProviderArn()))
                    .findFirst().orElseThrow(() -> notFound("Data provider " + r.dataProviderIdentifier()));
            for (MigrationProject m : projects.values()) {
                boolean uses = m.sourceDataProviderDescriptors().stream().anyMatch(d -> p.dataProviderArn().equals(d.dataProviderArn()))
                        || m.targetDataProviderDescriptors().stream().anyMatch(d -> p.dataProviderArn().equals(d.dataProviderArn()));
                if (uses) throw inUse("Data provider " + p.dataProviderName() + " is used by migration project " + m.migrationProjectName());
            }
            providers.remove(p.dataProviderArn());
            tags.remove(p.dataProviderArn());
            return DeleteDataProviderResponse.builder().dataProvider(p).build();
        });
    }

    // ------------------------------------------------------------------ migration projects

    private DataProviderDescriptor descriptor(DataProviderDescriptorDefinition d) {
        DataProvider p = providers.values().stream()
                .filter(x -> identifies(d.dataProviderIdentifier(), x.dataProviderName(), x.dataProviderArn()))
                .findFirst().orElseThrow(() -> notFound("Data provider " + d.dataProviderIdentifier()));
        return DataProviderDescriptor.builder().dataProviderArn(p.dataProviderArn()).dataProviderName(p.dataProviderName())
                .secretsManagerSecretId(d.secretsManagerSecretId()).secretsManagerAccessRoleArn(d.secretsManagerAccessRoleArn()).build();
    }

    @Override
    public CreateMigrationProjectResponse createMigrationProject(CreateMigrationProjectRequest r) {
        return op("CreateMigrationProject", r, () -> {
            if (r.migrationProjectName() != null && projects.values().stream().anyMatch(p -> r.migrationProjectName().equals(p.migrationProjectName()))) {
                throw exists("Migration project " + r.migrationProjectName());
            }
            if (r.sourceDataProviderDescriptors().size() != 1 || r.targetDataProviderDescriptors().size() != 1) {
                throw invalidParameter("exactly one source and one target data provider are required");
            }
            InstanceProfile profile = profiles.values().stream()
                    .filter(x -> identifies(Objects.requireNonNullElse(r.instanceProfileIdentifier(), ""), x.instanceProfileName(), x.instanceProfileArn()))
                    .findFirst().orElseThrow(() -> notFound("Instance profile " + r.instanceProfileIdentifier()));
            DataProviderDescriptor src = descriptor(r.sourceDataProviderDescriptors().get(0));
            DataProviderDescriptor tgt = descriptor(r.targetDataProviderDescriptors().get(0));
            String arn = arn("migration-project");
            MigrationProject p = MigrationProject.builder().migrationProjectArn(arn).migrationProjectName(r.migrationProjectName())
                    .instanceProfileArn(profile.instanceProfileArn()).instanceProfileName(profile.instanceProfileName())
                    .sourceDataProviderDescriptors(src).targetDataProviderDescriptors(tgt).description(r.description())
                    .migrationProjectCreationTime(Instant.now()).build();
            projects.put(arn, p);
            tag(arn, r.tags());
            return CreateMigrationProjectResponse.builder().migrationProject(p).build();
        });
    }

    @Override
    public DescribeMigrationProjectsResponse describeMigrationProjects(DescribeMigrationProjectsRequest r) {
        return op("DescribeMigrationProjects", r, () -> {
            // the reference documents more names (instance-profile-identifier, data-provider-identifier, ...); the tool uses this one
            List<String> ids = filterValues(r.filters(), Set.of("migration-project-identifier"), "DescribeMigrationProjects");
            List<MigrationProject> all = projects.values().stream()
                    .filter(p -> ids == null || ids.stream().anyMatch(v -> identifies(v, p.migrationProjectName(), p.migrationProjectArn())))
                    .toList();
            DescribeMigrationProjectsResponse.Builder b = DescribeMigrationProjectsResponse.builder();
            page(all, r.marker(), r.maxRecords(), (items, marker) -> b.migrationProjects(items).marker(marker));
            return b.build();
        });
    }

    @Override
    public DeleteMigrationProjectResponse deleteMigrationProject(DeleteMigrationProjectRequest r) {
        return op("DeleteMigrationProject", r, () -> {
            MigrationProject p = projects.values().stream()
                    .filter(x -> identifies(r.migrationProjectIdentifier(), x.migrationProjectName(), x.migrationProjectArn()))
                    .findFirst().orElseThrow(() -> notFound("Migration project " + r.migrationProjectIdentifier()));
            for (Dm m : migrations.values()) {
                if (p.migrationProjectArn().equals(m.projectArn)) {
                    throw inUse("Migration project " + p.migrationProjectName() + " has data migration " + m.name + " ("
                            + (m.deleting ? "being deleted" : style.render(m.status)) + ")");
                }
            }
            projects.remove(p.migrationProjectArn());
            tags.remove(p.migrationProjectArn());
            return DeleteMigrationProjectResponse.builder().migrationProject(p).build();
        });
    }

    // ------------------------------------------------------------------ data migrations

    @Override
    public CreateDataMigrationResponse createDataMigration(CreateDataMigrationRequest r) {
        return op("CreateDataMigration", r, () -> {
            MigrationProject project = projects.values().stream()
                    .filter(x -> identifies(Objects.requireNonNullElse(r.migrationProjectIdentifier(), ""), x.migrationProjectName(), x.migrationProjectArn()))
                    .findFirst().orElseThrow(() -> notFound("Migration project " + r.migrationProjectIdentifier()));
            if (r.dataMigrationType() == null || r.dataMigrationType() == MigrationTypeValue.UNKNOWN_TO_SDK_VERSION) {
                throw invalidParameter("DataMigrationType must be full-load, cdc or full-load-and-cdc");
            }
            if (r.serviceAccessRoleArn() == null) throw invalidParameter("ServiceAccessRoleArn is required");
            if (r.dataMigrationName() != null && migrations.values().stream().anyMatch(m -> r.dataMigrationName().equals(m.name))) {
                throw exists("Data migration " + r.dataMigrationName());
            }
            String prep = r.targetDataSettings().isEmpty() ? "drop-tables-on-target" : r.targetDataSettings().get(0).tablePreparationModeAsString();
            if (!List.of("do-nothing", "truncate", "drop-tables-on-target").contains(prep)) throw invalidParameter("Invalid TablePreparationMode " + prep);
            if (r.selectionRules() != null) {
                try {
                    GuideSelectionRules.read(r.selectionRules());
                } catch (IllegalArgumentException e) {
                    throw invalidParameter("Invalid selection rules: " + e.getMessage());
                }
            }
            Dm m = new Dm();
            m.name = r.dataMigrationName();
            m.arn = arn("data-migration");
            m.projectArn = project.migrationProjectArn();
            m.type = r.dataMigrationTypeAsString();
            m.roleArn = r.serviceAccessRoleArn();
            m.tablePrep = prep;
            m.rules = r.selectionRules();
            m.cloudwatch = r.enableCloudwatchLogs();
            m.jobs = r.numberOfJobs();
            m.suffix = m.arn.substring(m.arn.lastIndexOf(':') + 1).toLowerCase(Locale.ROOT);
            migrations.put(m.arn, m);
            tag(m.arn, r.tags());
            return CreateDataMigrationResponse.builder().dataMigration(model(m)).build();
        });
    }

    private Dm migration(String id) {
        return migrations.values().stream().filter(m -> identifies(id, m.name, m.arn)).findFirst()
                .orElseThrow(() -> notFound("Data migration " + id));
    }

    /** Moving data (StopDataMigration is accepted). Starting is not among them: DMS is still provisioning. */
    private static final List<String> RUNNING = List.of(LOAD_RUNNING, LOAD_COMPLETE_REPLICATION_ONGOING, REPLICATION_ONGOING, RELOADING_TARGET);

    @Override
    public StartDataMigrationResponse startDataMigration(StartDataMigrationRequest r) {
        return op("StartDataMigration", r, () -> {
            Dm m = migration(r.dataMigrationIdentifier());
            boolean ok = !m.deleting && switch (r.startType()) {
                case START_REPLICATION -> m.status.equals(READY);
                case RELOAD_TARGET, RESUME_PROCESSING -> m.status.equals(STOPPED) || m.status.equals(FAILED);
                default -> false;
            };
            if (!ok) {
                throw inUse("Data migration " + m.name + " cannot be started with " + r.startTypeAsString() + " while it is " + style.render(m.status));
            }
            boolean resume = r.startType() == StartReplicationMigrationTypeValue.RESUME_PROCESSING;
            m.status = r.startType() == StartReplicationMigrationTypeValue.RELOAD_TARGET ? RELOADING_TARGET : STARTING;
            m.pollsInState = 0;
            m.provisioned = false;
            m.resumed = resume;
            m.lastFailure = null;
            m.stopReason = null;
            m.started = Instant.now();
            m.ended = null;
            if (!resume) {
                m.loaded = 0;
                m.errored = 0;
            }
            m.cdcLatency = null;
            return StartDataMigrationResponse.builder().dataMigration(model(m)).build();
        });
    }

    @Override
    public StopDataMigrationResponse stopDataMigration(StopDataMigrationRequest r) {
        return op("StopDataMigration", r, () -> {
            Dm m = migration(r.dataMigrationIdentifier());
            if (m.status.equals(STARTING) || (m.status.equals(RELOADING_TARGET) && !m.provisioned)) {
                throw inUse("Data migration " + m.name + " can't be stopped while its serverless environment is being provisioned ("
                        + style.render(m.status) + "); try again later");
            }
            if (!RUNNING.contains(m.status)) throw inUse("Data migration " + m.name + " is not running (" + style.render(m.status) + ")");
            m.status = STOPPING;
            m.pollsInState = 0;
            return StopDataMigrationResponse.builder().dataMigration(model(m)).build();
        });
    }

    @Override
    public DeleteDataMigrationResponse deleteDataMigration(DeleteDataMigrationRequest r) {
        return op("DeleteDataMigration", r, () -> {
            Dm m = migration(r.dataMigrationIdentifier());
            if (RUNNING.contains(m.status) || m.status.equals(STARTING) || m.status.equals(STOPPING)) {
                throw inUse("Data migration " + m.name + " must be stopped before it can be deleted (" + style.render(m.status) + ")");
            }
            m.deleting = true;
            m.pollsInState = 0;
            return DeleteDataMigrationResponse.builder().dataMigration(model(m)).build();
        });
    }

    @Override
    public DescribeDataMigrationsResponse describeDataMigrations(DescribeDataMigrationsRequest r) {
        return op("DescribeDataMigrations", r, () -> {
            if (r.maxRecords() != null && r.maxRecords() < 1) throw invalidParameter("MaxRecords must be positive");
            List<String> ids = filterValues(r.filters(), acceptedDataMigrationFilters, "DescribeDataMigrations");
            if (r.marker() == null) {
                // deleted migrations go between listings, so a marker never skips one
                migrations.values().removeIf(m -> {
                    boolean gone = m.deleting && m.pollsInState >= 2;
                    if (gone) tags.remove(m.arn);
                    return gone;
                });
            }
            List<Dm> all = migrations.values().stream()
                    .filter(m -> ids == null || ids.stream().anyMatch(v -> identifies(v, m.name, m.arn))).toList();
            DescribeDataMigrationsResponse.Builder b = DescribeDataMigrationsResponse.builder();
            page(all, r.marker(), r.maxRecords(), (items, marker) -> {
                List<DataMigration> out = new ArrayList<>();
                for (Dm m : items) {
                    advance(m);
                    out.add(model(m));
                }
                b.dataMigrations(out).marker(marker);
            });
            return b.build();
        });
    }

    @Override
    public ListTagsForResourceResponse listTagsForResource(ListTagsForResourceRequest r) {
        return op("ListTagsForResource", r, () -> {
            List<Tag> t = tags.get(r.resourceArn());
            if (t == null) throw notFound("Resource " + r.resourceArn());
            return ListTagsForResourceResponse.builder().tagList(t).build();
        });
    }

    private DataMigration model(Dm m) {
        DataMigration.Builder b = DataMigration.builder().dataMigrationName(m.name).dataMigrationArn(m.arn)
                .dataMigrationCreateTime(m.created).dataMigrationStartTime(m.started).dataMigrationEndTime(m.ended)
                .serviceAccessRoleArn(m.roleArn).migrationProjectArn(m.projectArn).dataMigrationType(m.type)
                .dataMigrationSettings(DataMigrationSettings.builder().cloudwatchLogsEnabled(m.cloudwatch).numberOfJobs(m.jobs)
                        .selectionRules(m.rules).build())
                .targetDataSettings(TargetDataSetting.builder().tablePreparationMode(m.tablePrep).build())
                .dataMigrationStatus(style.render(m.status)).lastFailureMessage(m.lastFailure).stopReason(m.stopReason);
        if (m.started != null && statistics != Statistics.NONE) {
            DataMigrationStatistics.Builder st = DataMigrationStatistics.builder().tablesLoaded(m.loaded).tablesErrored(m.errored);
            if (statistics == Statistics.ALL) {
                int total = m.tables.size();
                boolean loading = loading(m) && m.loaded + m.errored < total;
                st.tablesLoading(loading ? 1 : 0)
                        .tablesQueued(Math.max(0, total - m.loaded - m.errored - (loading ? 1 : 0)))
                        .fullLoadPercentage(total == 0 ? 0 : (int) (100L * m.loaded / total))
                        .startTime(m.started).stopTime(m.ended)
                        .elapsedTimeMillis((m.ended == null ? Instant.now() : m.ended).toEpochMilli() - m.started.toEpochMilli());
                Integer latency = switch (cdcLatencyMode) {
                    case SECONDS_BEHIND -> m.cdcLatency;
                    case ABSENT -> null;
                    case NEVER_ZERO -> m.cdcLatency == null ? null : m.cdcLatency + 1;
                };
                if (latency != null) st.cdcLatency(latency);
            }
            b.dataMigrationStatistics(st.build());
        }
        return b.build();
    }

    private static boolean loading(Dm m) {
        return m.provisioned && (m.status.equals(LOAD_RUNNING) || m.status.equals(RELOADING_TARGET));
    }

    // ------------------------------------------------------------------ the life cycle, one step per describe

    private void advance(Dm m) {
        m.pollsInState++;
        if (m.deleting) return;
        switch (m.status) {
            case CREATING -> to(m, READY);
            case STARTING, RELOADING_TARGET, LOAD_RUNNING -> {
                if (!m.provisioned) {
                    if (m.pollsInState > startingPolls) provision(m);
                } else if (m.type.equals("full-load")) {
                    loadNextTable(m);
                } else {
                    cdcSync(m);
                }
            }
            case LOAD_COMPLETE_REPLICATION_ONGOING, REPLICATION_ONGOING -> {
                if (m.applyPausedPolls > 0 && --m.applyPausedPolls == 0) setSubscription(m, true);
                m.cdcLatency = cdcLatency(m);
            }
            case STOPPING -> {
                if (m.subscribed) unsubscribe(m);
                m.ended = Instant.now();
                m.stopReason = "Stopped by user request";
                to(m, STOPPED);
            }
            default -> {
            }
        }
    }

    private static void to(Dm m, String status) {
        m.status = status;
        m.pollsInState = 0;
    }

    private void fail(Dm m, String message) {
        m.lastFailure = message;
        m.stopReason = "Failed";
        m.ended = Instant.now();
        to(m, FAILED);
    }

    /**
     * Provisioning done: DMS builds its network with the service-access role, resolves both endpoints (secrets through
     * the secrets-access role), connects and checks the source, as DMS would.
     */
    private void provision(Dm m) {
        MigrationProject p = projects.get(m.projectArn);
        if (injectedFailure != null) {
            String msg = injectedFailure;
            injectedFailure = null;
            fail(m, msg);
            return;
        }
        List<String> policies = Objects.requireNonNullElse(rolePolicies.apply(m.roleArn), List.of());
        for (String[] needed : DOCUMENTED_ROLE_PERMISSIONS) {
            if (!Boolean.TRUE.equals(m.cloudwatch) && needed[0].startsWith("logs:")) continue;
            if (!PolicyEvaluator.allows(policies, needed[0], needed[1])) {
                fail(m, "Failed to set up the network of the data migration: User: arn:aws:sts::" + ACCOUNT + ":assumed-role/"
                        + m.roleArn.replaceAll(".*/", "") + "/dms-data-migrations is not authorized to perform: " + needed[0]
                        + " on resource: " + needed[1] + " because no identity-based policy allows the " + needed[0] + " action");
                return;
            }
        }
        try {
            m.source = endpoint(p.sourceDataProviderDescriptors().get(0), "source");
            m.target = endpoint(p.targetDataProviderDescriptors().get(0), "target");
            readsExactlyTheTwoSecrets(p);
        } catch (IllegalStateException e) {
            fail(m, e.getMessage());
            return;
        }
        try (Connection s = open(m.source); Connection t = open(m.target)) {
            String wal = scalar(s, "SHOW wal_level");
            if (!wal.equals("logical")) {
                fail(m, "Logical replication is not enabled on the source database (wal_level is '" + wal
                        + "'). Set rds.logical_replication to 1 in the DB cluster parameter group and reboot the writer.");
                return;
            }
            GuideSelectionRules rules = GuideSelectionRules.read(m.rules);
            List<String[]> tables = new ArrayList<>();
            // rules select among every table, partitions included (as pg_dump --table patterns do)
            for (String[] tb : userTables(s)) {
                if (rules.selects(tb[0], tb[1])) tables.add(tb);
            }
            if (tables.isEmpty()) {
                fail(m, "No tables on the source match the selection rules.");
                return;
            }
            List<String> onTarget = userTables(t).stream().map(tb -> tb[0] + "." + tb[1]).toList();
            for (String[] tb : tables) {
                if (!m.tablePrep.equals("drop-tables-on-target") && !onTarget.contains(tb[0] + "." + tb[1])) {
                    fail(m, "Table " + tb[0] + "." + tb[1] + " does not exist on the target database and table preparation mode is " + m.tablePrep + ".");
                    return;
                }
            }
            m.tables = tables;
        } catch (SQLException e) {
            fail(m, "Failed to connect to the database: " + e.getMessage());
            return;
        }
        if (m.tablePrep.equals("drop-tables-on-target")) {
            fail(m, "FakeDms does not model drop-tables-on-target");
            return;
        }
        m.provisioned = true;
        if (m.resumed && !m.type.equals("full-load")) {
            resubscribe(m);
            return;
        }
        if (m.status.equals(STARTING)) to(m, LOAD_RUNNING);
    }

    private ConnectionSpec endpoint(DataProviderDescriptor d, String side) {
        DataProvider provider = providers.get(d.dataProviderArn());
        if (provider == null) throw new IllegalStateException("Data provider of the " + side + " no longer exists.");
        if (d.secretsManagerAccessRoleArn() == null) {
            throw new IllegalStateException("Failed to retrieve secret " + d.secretsManagerSecretId() + ": no secrets access role.");
        }
        AccountSecret secret = accountSecrets.get().stream().filter(x -> x.named(d.secretsManagerSecretId())).findFirst().orElse(null);
        boolean mayRead = secret != null && PolicyEvaluator.allows(Objects.requireNonNullElse(rolePolicies.apply(d.secretsManagerAccessRoleArn()),
                List.of()), "secretsmanager:GetSecretValue", secret.arn(), secret.tags());
        ConnectionSpec cred;
        try {
            cred = mayRead ? secrets.apply(d.secretsManagerSecretId()) : null;
        } catch (RuntimeException e) {
            cred = null;
        }
        if (cred == null) {
            throw new IllegalStateException("Failed to retrieve secret " + d.secretsManagerSecretId() + ": AccessDeniedException: User: arn:aws:sts::"
                    + ACCOUNT + ":assumed-role/" + d.secretsManagerAccessRoleArn().replaceAll(".*/", "") + "/dms is not authorized to perform: "
                    + "secretsmanager:GetSecretValue on resource: " + d.secretsManagerSecretId());
        }
        PostgreSqlDataProviderSettings pg = provider.settings().postgreSqlSettings();
        return new ConnectionSpec(pg.serverName(), pg.port(), pg.databaseName(), cred.user(), cred.password(), Map.of("connectTimeout", "5"));
    }

    /** The fake's least-privilege check: the secrets-access roles may read no secret of the account but the two. */
    private void readsExactlyTheTwoSecrets(MigrationProject p) {
        List<DataProviderDescriptor> both = List.of(p.sourceDataProviderDescriptors().get(0), p.targetDataProviderDescriptors().get(0));
        for (DataProviderDescriptor d : both) {
            List<String> policies = Objects.requireNonNullElse(rolePolicies.apply(d.secretsManagerAccessRoleArn()), List.of());
            for (AccountSecret other : accountSecrets.get()) {
                if (both.stream().anyMatch(x -> other.named(x.secretsManagerSecretId()))) continue;
                if (PolicyEvaluator.allows(policies, "secretsmanager:GetSecretValue", other.arn(), other.tags())) {
                    throw new IllegalStateException("FakeDms least-privilege check: the secrets access role "
                            + d.secretsManagerAccessRoleArn() + " may also read secret " + other.name()
                            + ", which is neither data provider's: the DMS role must read exactly the migration's two secrets");
                }
            }
        }
    }

    private static Connection open(ConnectionSpec spec) throws SQLException {
        return DriverManager.getConnection(spec.jdbcUrl(), spec.driverProperties());
    }

    private static String scalar(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    /** Every user table as {schema, name, relkind}: ordinary ('r') and partitioned ('p'), partitions included. */
    private static List<String[]> userTables(Connection c) throws SQLException {
        List<String[]> out = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT n.nspname, c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                        + "WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
                        + "AND n.nspname NOT LIKE 'pg\\_%' ORDER BY 1, 2")) {
            while (rs.next()) {
                if (!TableFilter.isSystemSchema(rs.getString(1))) out.add(new String[]{rs.getString(1), rs.getString(2), rs.getString(3)});
            }
        }
        return out;
    }

    private static String quote(String ident) {
        return "\"" + ident.replace("\"", "\"\"") + "\"";
    }

    /**
     * Full load: one table per poll, as pg_dump/pg_restore of its data would (after truncating it); ends in Stopped. A
     * partitioned table has no rows of its own for pg_dump to dump (PostgreSQL 15): only its partitions, named themselves, do.
     */
    private void loadNextTable(Dm m) {
        if (m.loaded + m.errored < m.tables.size() && m.tables.get(m.loaded + m.errored)[2].equals("p")) {
            m.loaded++;
        } else if (m.loaded + m.errored < m.tables.size()) {
            String[] tb = m.tables.get(m.loaded + m.errored);
            String qualified = quote(tb[0]) + "." + quote(tb[1]);
            try (Connection s = open(m.source); Connection t = open(m.target)) {
                List<String> cols = new ArrayList<>();
                try (Statement st = s.createStatement(); ResultSet rs = st.executeQuery(
                        "SELECT attname FROM pg_attribute WHERE attrelid = '" + qualified.replace("'", "''")
                                + "'::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = '' ORDER BY attnum")) {
                    while (rs.next()) cols.add(quote(rs.getString(1)));
                }
                String list = String.join(", ", cols);
                t.setAutoCommit(false);
                try (Statement st = t.createStatement()) {
                    if (m.tablePrep.equals("truncate")) st.execute("TRUNCATE " + qualified);
                }
                try (PGCopyInputStream in = new PGCopyInputStream(s.unwrap(PGConnection.class),
                        "COPY " + qualified + " (" + list + ") TO STDOUT (FORMAT binary)");
                     PGCopyOutputStream out = new PGCopyOutputStream(t.unwrap(PGConnection.class),
                             "COPY " + qualified + " (" + list + ") FROM STDIN (FORMAT binary)")) {
                    in.transferTo(out);
                }
                t.commit();
                m.loaded++;
            } catch (SQLException | IOException e) {
                m.errored++;
                m.lastFailure = "Table " + tb[0] + "." + tb[1] + " failed to load: " + e.getMessage();
            }
        }
        if (m.loaded + m.errored >= m.tables.size()) {
            // the guide lists no "Load complete" for a full load: a finished one is Stopped
            m.ended = Instant.now();
            m.stopReason = "FULL_LOAD_ONLY_FINISHED";
            to(m, STOPPED);
        }
    }

    private String publication(Dm m) {
        return DmsEngine.PUBLICATION_PREFIX + m.suffix;
    }

    private String subscription(Dm m) {
        return slotPrefix + m.suffix;
    }

    private String streaming(Dm m) {
        return m.type.equals("cdc") ? REPLICATION_ONGOING : LOAD_COMPLETE_REPLICATION_ONGOING;
    }

    /** Full load and CDC: publication on the source, subscription (initial sync, then streaming) on the target. */
    private void cdcSync(Dm m) {
        try (Connection s = open(m.source); Connection t = open(m.target)) {
            if (!m.subscribed) {
                List<String> names = m.tables.stream().map(tb -> quote(tb[0]) + "." + quote(tb[1])).toList();
                try (Statement st = t.createStatement()) {
                    if (m.tablePrep.equals("truncate")) st.execute("TRUNCATE " + String.join(", ", names));
                }
                try (Statement st = s.createStatement()) {
                    if (!Publications.startingWith(s, DmsEngine.PUBLICATION_PREFIX).contains(publication(m))) {
                        st.execute("CREATE PUBLICATION " + publication(m) + " FOR TABLE " + String.join(", ", names));
                    }
                }
                if (ReplicationSlots.names(s, DmsEngine.SLOT_PREFIX).contains(subscription(m))) {
                    // a reload after a stop: DMS starts over with a fresh slot
                    try (Statement st = s.createStatement()) {
                        st.execute("SELECT pg_drop_replication_slot('" + subscription(m) + "')");
                    }
                }
                try (Statement st = t.createStatement()) {
                    st.execute("CREATE SUBSCRIPTION " + subscription(m) + " CONNECTION '"
                            + m.source.libpqConninfo().replace("'", "''") + "' PUBLICATION " + publication(m) + " WITH (copy_data = true)");
                }
                m.subscribed = true;
                return;
            }
            int ready = 0, total = 0;
            try (Statement st = t.createStatement(); ResultSet rs = st.executeQuery(
                    "SELECT count(*) FILTER (WHERE r.srsubstate IN ('r', 's')), count(*) FROM pg_subscription_rel r "
                            + "JOIN pg_subscription s ON s.oid = r.srsubid WHERE s.subname = '" + subscription(m) + "'")) {
                rs.next();
                ready = rs.getInt(1);
                total = rs.getInt(2);
            }
            m.loaded = Math.min(ready, m.tables.size());
            if (total > 0 && ready == total) {
                m.cdcLatency = cdcLatency(m);
                to(m, streaming(m));
            }
        } catch (SQLException e) {
            fail(m, "Replication failed: " + e.getMessage());
        }
    }

    /** resume-processing of a stopped CDC migration: the slot DMS left on the source is picked up where it stopped. */
    private void resubscribe(Dm m) {
        try (Connection t = open(m.target); Statement st = t.createStatement()) {
            st.execute("CREATE SUBSCRIPTION " + subscription(m) + " CONNECTION '" + m.source.libpqConninfo().replace("'", "''")
                    + "' PUBLICATION " + publication(m) + " WITH (create_slot = false, slot_name = '" + subscription(m)
                    + "', copy_data = false)");
            m.subscribed = true;
            m.loaded = m.tables.size();
            to(m, streaming(m));
        } catch (SQLException e) {
            fail(m, "Replication could not resume: " + e.getMessage());
        }
    }

    private void setSubscription(Dm m, boolean enabled) {
        try (Connection t = open(m.target); Statement st = t.createStatement()) {
            st.execute("ALTER SUBSCRIPTION " + subscription(m) + (enabled ? " ENABLE" : " DISABLE"));
            // DISABLE returns before the apply worker notices; paused means nothing more is applied or confirmed
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (!enabled && applyWorkerRunning(st, m)) {
                if (System.nanoTime() > deadline) throw new IllegalStateException("the fake replication's apply worker did not stop in 30 s");
                Thread.sleep(20);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while pausing the fake replication", e);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot " + (enabled ? "resume" : "pause") + " the fake replication: " + e.getMessage(), e);
        }
    }

    private boolean applyWorkerRunning(Statement st, Dm m) throws SQLException {
        try (ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_stat_subscription WHERE subname = '" + subscription(m)
                + "' AND pid IS NOT NULL")) {
            rs.next();
            return rs.getLong(1) > 0;
        }
    }

    /**
     * Seconds behind: 0 once the slot has confirmed everything inserted into the source's WAL. The insert position,
     * not pg_current_wal_lsn(): with asynchronous commit a committed change can still sit in WAL buffers, behind
     * the write position, and must not count as replicated.
     */
    private Integer cdcLatency(Dm m) {
        try (Connection s = open(m.source)) {
            try (Statement st = s.createStatement(); ResultSet rs = st.executeQuery(
                    "SELECT sl.confirmed_flush_lsn >= pg_current_wal_insert_lsn(), "
                            + "COALESCE(floor(extract(epoch FROM r.replay_lag)), 0)::int "
                            + "FROM pg_replication_slots sl LEFT JOIN pg_stat_replication r ON r.pid = sl.active_pid "
                            + "WHERE sl.slot_name = '" + subscription(m) + "'")) {
                if (!rs.next()) return null;
                return rs.getBoolean(1) ? 0 : Math.max(1, rs.getInt(2));
            }
        } catch (SQLException e) {
            return null;
        }
    }

    /** Stop: the subscription goes, its slot and the publication stay on the source (DMS leaves them). */
    private void unsubscribe(Dm m) {
        try (Connection t = open(m.target); Statement st = t.createStatement()) {
            st.execute("ALTER SUBSCRIPTION " + subscription(m) + " DISABLE");
            st.execute("ALTER SUBSCRIPTION " + subscription(m) + " SET (slot_name = NONE)");
            st.execute("DROP SUBSCRIPTION " + subscription(m));
        } catch (SQLException e) {
            m.lastFailure = "Could not stop replication cleanly: " + e.getMessage();
        }
        m.subscribed = false;
        m.applyPausedPolls = 0;
    }

    /** For tests: the suffix the fake uses in publication and slot names of a data migration. */
    public synchronized String leftoverSuffix(String dataMigrationName) {
        return migrations.values().stream().filter(m -> m.name.equals(dataMigrationName)).findFirst().map(m -> m.suffix).orElseThrow();
    }
}
