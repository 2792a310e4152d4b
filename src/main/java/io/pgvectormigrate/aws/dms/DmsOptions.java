package io.pgvectormigrate.aws.dms;

import io.pgvectormigrate.core.ToolException;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Everything the DMS engine needs besides the two databases: where the serverless migration runs (network),
 * how it logs in (secrets and the role DMS assumes), what it copies and how, and how patiently it waits.
 * Identifiers only; never a password.
 *
 * @param region                  AWS region (for messages and the trust-policy hint; the client is already regional)
 * @param subnetGroupId           an existing DMS replication subnet group to use; null to create one from {@code subnetIds}
 * @param subnetIds               subnets for the replication subnet group the engine creates (the target's private subnets)
 * @param securityGroupIds        VPC security groups of the instance profile (the target's); both databases must admit them on 5432
 * @param sourceSecretId          Secrets Manager secret (ARN or name) DMS reads the source credentials from (the tool-owned one)
 * @param targetSecretId          secret DMS reads the target credentials from (the stack's secret)
 * @param secretsAccessRoleArn    role DMS assumes to read both secrets
 * @param serviceAccessRoleArn    role the data migration runs with (CloudWatch logs, metrics); may equal the secrets role
 * @param sslMode                 data provider SSL mode: require (default) or verify-full (then {@code certificateArn} is needed)
 * @param certificateArn          DMS certificate ARN for verify-full; null otherwise
 * @param migrationType           full-load (default) or full-load-and-cdc
 * @param tablePreparation        truncate (default: prepare-target made the schema) or do-nothing
 * @param numberOfJobs            parallel jobs DMS uses; null leaves DMS's default
 * @param source                  where DMS reaches the source; null fields fall back to the tool's own connection
 * @param target                  where DMS reaches the target; null fields fall back to the tool's own connection
 * @param pollInterval            time between describeDataMigrations calls (there is no waiter)
 * @param heartbeat               a status line at least this often even when nothing changed
 * @param timeout                 how long migrate (and cutover's catch-up) waits before giving up with exit 1
 * @param extraTags               tags added to every object besides the run id
 * @param subnetZones             subnet id -> Availability Zone, as DescribeDBSubnetGroups reports it (to check two zones)
 */
public record DmsOptions(String region, String subnetGroupId, List<String> subnetIds, List<String> securityGroupIds,
                         String sourceSecretId, String targetSecretId, String secretsAccessRoleArn,
                         String serviceAccessRoleArn, SslMode sslMode, String certificateArn,
                         MigrationType migrationType, TablePreparation tablePreparation, Integer numberOfJobs,
                         Location source, Location target, Duration pollInterval, Duration heartbeat,
                         Duration timeout, Map<String, String> extraTags, Map<String, String> subnetZones) {

    /** How DMS reaches one database; null fields mean "the same as the tool's connection". */
    public record Location(String serverName, Integer port, String databaseName) {
        public static final Location SAME_AS_TOOL = new Location(null, null, null);
    }

    public enum MigrationType implements ApiValue {
        FULL_LOAD, FULL_LOAD_AND_CDC;

        public boolean cdc() {
            return this == FULL_LOAD_AND_CDC;
        }

        public static MigrationType of(String s) {
            return parse(values(), s).orElseThrow(() ->
                    ToolException.usage("unknown DMS migration type '" + s + "': use full-load or full-load-and-cdc"));
        }
    }

    /** drop-tables-on-target is left out on purpose: it would drop the schema prepare-target made (indexes, Flyway history). */
    public enum TablePreparation implements ApiValue {
        TRUNCATE, DO_NOTHING;

        public static TablePreparation of(String s) {
            return parse(values(), s).orElseThrow(() -> ToolException.usage("unknown table preparation '" + s
                    + "': use truncate or do-nothing (drop-tables-on-target is refused: "
                    + "it would drop the schema prepare-target created)"));
        }
    }

    public enum SslMode implements ApiValue {
        REQUIRE, VERIFY_FULL;

        public static SslMode of(String s) {
            return parse(values(), s).orElseThrow(() ->
                    ToolException.usage("unknown SSL mode '" + s + "' for DMS: use require or verify-full"));
        }
    }

    /** An option value as the DMS API spells it: FULL_LOAD_AND_CDC is full-load-and-cdc. */
    public interface ApiValue {
        String name();

        default String api() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /** The value spelled as the API does or as the constant is named, in any case. */
    private static <E extends Enum<E> & ApiValue> Optional<E> parse(E[] values, String s) {
        return Arrays.stream(values).filter(v -> v.api().equalsIgnoreCase(s) || v.name().equalsIgnoreCase(s))
                .findFirst();
    }

    public DmsOptions {
        subnetIds = subnetIds == null ? List.of() : List.copyOf(subnetIds);
        securityGroupIds = securityGroupIds == null ? List.of() : List.copyOf(securityGroupIds);
        extraTags = extraTags == null ? Map.of() : Map.copyOf(extraTags);
        subnetZones = subnetZones == null ? Map.of() : Map.copyOf(subnetZones);
        if (sslMode == null) sslMode = SslMode.REQUIRE;
        if (migrationType == null) migrationType = MigrationType.FULL_LOAD;
        if (tablePreparation == null) tablePreparation = TablePreparation.TRUNCATE;
        if (source == null) source = Location.SAME_AS_TOOL;
        if (target == null) target = Location.SAME_AS_TOOL;
        if (pollInterval == null) pollInterval = Duration.ofSeconds(15);
        if (heartbeat == null) heartbeat = Duration.ofMinutes(1);
        if (timeout == null) timeout = Duration.ofHours(6);
    }

    /** Starts a builder with the defaults above; only the network, secrets and roles have to be given. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Checks what can be checked without AWS: every missing or contradictory option is bad input (exit 2),
     * reported all at once so the operator fixes them in one go.
     */
    public void validate() {
        StringBuilder problems = new StringBuilder();
        if (subnetGroupId == null && subnetIds.isEmpty()) {
            problems.append("; no network for DMS: give a replication subnet group (--dms-subnet-group) or the target's subnets (--dms-subnet-ids, from the stack's PrivateSubnetId0/1)");
        }
        if (subnetGroupId == null && subnetIds.size() == 1) {
            problems.append("; a DMS replication subnet group needs subnets in at least two Availability Zones: give two subnet ids");
        }
        if (subnetGroupId == null && subnetIds.size() > 1) {
            // CreateReplicationSubnetGroup refuses subnets that do not cover two zones (ReplicationSubnetGroupDoesNotCoverEnoughAZs)
            List<String> unknown = subnetIds.stream().filter(id -> !subnetZones.containsKey(id)).toList();
            java.util.Set<String> zones = new java.util.TreeSet<>();
            subnetIds.forEach(id -> { if (subnetZones.containsKey(id)) zones.add(subnetZones.get(id)); });
            if (!unknown.isEmpty()) {
                problems.append("; cannot tell the Availability Zone of subnet ").append(String.join(", ", unknown))
                        .append(": DescribeDBSubnetGroups finds ").append(unknown.size() == 1 ? "it" : "them")
                        .append(" in no DB subnet group of the region, and a DMS replication subnet group "
                                + "needs subnets in two Availability Zones: give subnets of a DB subnet group (--dms-subnet-ids) or an "
                                + "existing replication subnet group (--dms-subnet-group)");
            } else if (zones.size() < 2) {
                problems.append("; the DMS subnets ").append(String.join(", ", subnetIds)).append(" are all in ").append(String.join(", ", zones))
                        .append(": a DMS replication subnet group needs subnets in at least two Availability Zones; give a subnet of another zone");
            }
        }
        io.pgvectormigrate.aws.AwsConstraints.tags(io.pgvectormigrate.aws.AwsConstraints.TagService.DMS, extraTags)
                .forEach(t -> problems.append("; dms.tags: ").append(t));
        if (subnetGroupId != null) io.pgvectormigrate.aws.AwsConstraints.dmsSubnetGroupId(subnetGroupId).ifPresent(t -> problems.append("; ").append(t));
        if (securityGroupIds.isEmpty()) {
            problems.append("; no security group for the DMS instance profile: give the target's (--dms-security-group-ids, the stack's DbSecurityGroupId)");
        }
        if (blank(sourceSecretId)) problems.append("; no source secret for DMS (the tool-owned secret the credentials step made)");
        if (blank(targetSecretId)) problems.append("; no target secret for DMS (the stack's DbConfigSecretArn)");
        if (blank(secretsAccessRoleArn)) problems.append("; no secrets-access role for DMS (--dms-role-arn; `pgvector-migrate iam-policy` prints what it needs)");
        else if (!secretsAccessRoleArn.matches("arn:aws[a-z-]*:iam::\\d{12}:role/.+")) {
            problems.append("; secrets-access role '" + secretsAccessRoleArn + "' is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)");
        }
        if (blank(serviceAccessRoleArn)) problems.append("; no service-access role for the data migration (--dms-role-arn)");
        else if (!serviceAccessRoleArn.matches("arn:aws[a-z-]*:iam::\\d{12}:role/.+")) {
            problems.append("; service-access role '" + serviceAccessRoleArn + "' is not an IAM role ARN");
        }
        if (sslMode == SslMode.VERIFY_FULL && blank(certificateArn)) {
            problems.append("; SSL mode verify-full needs a DMS certificate ARN (--dms-certificate-arn; import the RDS CA bundle with `aws dms import-certificate`)");
        }
        if (sslMode != SslMode.VERIFY_FULL && !blank(certificateArn)) {
            problems.append("; a certificate ARN was given but the SSL mode is " + sslMode.api() + ": use verify-full or drop the certificate");
        }
        if (numberOfJobs != null && numberOfJobs < 1) problems.append("; number of DMS jobs must be at least 1");
        if (pollInterval.isNegative() || pollInterval.isZero()) problems.append("; poll interval must be positive");
        if (timeout.compareTo(pollInterval) < 0) problems.append("; timeout must be longer than the poll interval");
        if (problems.length() > 0) throw ToolException.usage("DMS options: " + problems.substring(2));
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    public static final class Builder {
        private String region;
        private String subnetGroupId;
        private List<String> subnetIds = List.of();
        private List<String> securityGroupIds = List.of();
        private String sourceSecretId;
        private String targetSecretId;
        private String secretsAccessRoleArn;
        private String serviceAccessRoleArn;
        private SslMode sslMode;
        private String certificateArn;
        private MigrationType migrationType;
        private TablePreparation tablePreparation;
        private Integer numberOfJobs;
        private Location source;
        private Location target;
        private Duration pollInterval;
        private Duration heartbeat;
        private Duration timeout;
        private Map<String, String> extraTags = Map.of();
        private Map<String, String> subnetZones = new java.util.LinkedHashMap<>();

        public Builder region(String v) { region = v; return this; }
        public Builder subnetGroupId(String v) { subnetGroupId = v; return this; }
        public Builder subnetIds(List<String> v) { subnetIds = v; return this; }
        public Builder securityGroupIds(List<String> v) { securityGroupIds = v; return this; }
        public Builder sourceSecretId(String v) { sourceSecretId = v; return this; }
        public Builder targetSecretId(String v) { targetSecretId = v; return this; }
        /** One role for both uses (AWS allows it): reads the secrets and runs the migration. */
        public Builder roleArn(String v) { secretsAccessRoleArn = v; serviceAccessRoleArn = v; return this; }
        public Builder secretsAccessRoleArn(String v) { secretsAccessRoleArn = v; return this; }
        public Builder serviceAccessRoleArn(String v) { serviceAccessRoleArn = v; return this; }
        public Builder sslMode(SslMode v) { sslMode = v; return this; }
        public Builder certificateArn(String v) { certificateArn = v; return this; }
        public Builder migrationType(MigrationType v) { migrationType = v; return this; }
        public Builder tablePreparation(TablePreparation v) { tablePreparation = v; return this; }
        public Builder numberOfJobs(Integer v) { numberOfJobs = v; return this; }
        public Builder source(Location v) { source = v; return this; }
        public Builder target(Location v) { target = v; return this; }
        public Builder pollInterval(Duration v) { pollInterval = v; return this; }
        public Builder heartbeat(Duration v) { heartbeat = v; return this; }
        public Builder timeout(Duration v) { timeout = v; return this; }
        public Builder extraTags(Map<String, String> v) { extraTags = v; return this; }
        public Builder subnetZones(Map<String, String> v) { subnetZones = new java.util.LinkedHashMap<>(v); return this; }
        /** Adds zones of subnets not placed yet (the caller looked them up with DescribeDBSubnetGroups). */
        public Builder addSubnetZones(Map<String, String> v) { v.forEach(subnetZones::putIfAbsent); return this; }

        /** Whether a subnet the options name has no known zone (then the caller looks the region's DB subnet groups up). */
        public boolean missingZones() {
            return subnetGroupId == null && subnetIds.stream().anyMatch(id -> !subnetZones.containsKey(id));
        }

        public DmsOptions build() {
            return new DmsOptions(region, subnetGroupId, subnetIds, securityGroupIds, sourceSecretId, targetSecretId,
                    secretsAccessRoleArn, serviceAccessRoleArn, sslMode, certificateArn, migrationType, tablePreparation,
                    numberOfJobs, source, target, pollInterval, heartbeat, timeout, extraTags, subnetZones);
        }
    }
}
