package io.pgvectormigrate.aws.dms;

import io.pgvectormigrate.core.Durations;

import java.util.List;
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
        if (pollInterval != null) b.pollInterval(Durations.parse(pollInterval, "dms.pollInterval"));
        if (heartbeat != null) b.heartbeat(Durations.parse(heartbeat, "dms.heartbeat"));
        if (timeout != null) b.timeout(Durations.parse(timeout, "dms.timeout"));
        if (tags != null) b.extraTags(tags);
        return b;
    }
}
