package io.pgvectormigrate.aws.dms;

import io.pgvectormigrate.core.ToolException;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code dms:} section of migration.yaml (see docs/migration.example.yaml), bound by Jackson. Every field
 * is optional; {@link #applyTo} copies the ones given onto the options, so command-line flags applied after it
 * override the file. Network and secrets usually come from the stack outputs and the credentials step.
 */
public record DmsConfig(String roleArn, String secretsAccessRoleArn, String serviceAccessRoleArn, String migrationType,
                        String tablePreparation, String sslMode, String certificateArn, String subnetGroup,
                        List<String> subnetIds, List<String> securityGroupIds, Integer numberOfJobs, String sourceServerName,
                        Integer sourcePort, String targetServerName, Integer targetPort, String pollInterval, String heartbeat, String timeout, Map<String, String> tags) {

    public DmsOptions.Builder applyTo(DmsOptions.Builder b) {
        if (roleArn != null) b.roleArn(roleArn);
        if (secretsAccessRoleArn != null) b.secretsAccessRoleArn(secretsAccessRoleArn);
        if (serviceAccessRoleArn != null) b.serviceAccessRoleArn(serviceAccessRoleArn);
        if (migrationType != null) b.migrationType(DmsOptions.MigrationType.of(migrationType));
        if (tablePreparation != null) b.tablePreparation(DmsOptions.TablePreparation.of(tablePreparation));
        if (sslMode != null) b.sslMode(DmsOptions.SslMode.of(sslMode));
        if (certificateArn != null) b.certificateArn(certificateArn);
        if (subnetGroup != null) b.subnetGroupId(subnetGroup);
        if (subnetIds != null && !subnetIds.isEmpty()) b.subnetIds(subnetIds);
        if (securityGroupIds != null && !securityGroupIds.isEmpty()) b.securityGroupIds(securityGroupIds);
        if (numberOfJobs != null) b.numberOfJobs(numberOfJobs);
        // DMS connects from inside the VPC: when the tool reaches the databases through a tunnel, give DMS the real endpoints
        if (sourceServerName != null || sourcePort != null) b.source(new DmsOptions.Location(sourceServerName, sourcePort, null));
        if (targetServerName != null || targetPort != null) b.target(new DmsOptions.Location(targetServerName, targetPort, null));
        if (pollInterval != null) b.pollInterval(duration("dms.pollInterval", pollInterval));
        if (heartbeat != null) b.heartbeat(duration("dms.heartbeat", heartbeat));
        if (timeout != null) b.timeout(duration("dms.timeout", timeout));
        if (tags != null) b.extraTags(tags);
        return b;
    }

    /** "500ms", "30s", "15m", "6h", "1d" or ISO-8601 ("PT30S"). */
    public static Duration duration(String key, String text) {
        String s = text.trim().toLowerCase(Locale.ROOT);
        try {
            if (s.startsWith("p")) return Duration.parse(text.trim().toUpperCase(Locale.ROOT));
            if (s.endsWith("ms")) return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2).trim()));
            long n = Long.parseLong(s.substring(0, s.length() - 1).trim());
            return switch (s.charAt(s.length() - 1)) {
                case 's' -> Duration.ofSeconds(n);
                case 'm' -> Duration.ofMinutes(n);
                case 'h' -> Duration.ofHours(n);
                case 'd' -> Duration.ofDays(n);
                default -> throw new NumberFormatException();
            };
        } catch (NumberFormatException | DateTimeParseException | StringIndexOutOfBoundsException e) {
            throw ToolException.usage(key + ": cannot read '" + text + "' as a duration: write it like 30s, 15m, 6h or 500ms");
        }
    }
}
