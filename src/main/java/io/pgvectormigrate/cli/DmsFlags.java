package io.pgvectormigrate.cli;

import io.pgvectormigrate.aws.dms.DmsConfig;
import picocli.CommandLine.Option;

import java.util.List;

/**
 * Picocli mixin: the DMS settings an operator most often passes as flags (run, migrate --engine dms). Each one
 * overrides the same key of migration.yaml's {@code dms:} section; the rest stay in the file.
 */
public class DmsFlags {
    @Option(names = "--dms-role-arn", paramLabel = "ARN",
            description = "Role DMS assumes to read the secrets and run the migration (dms.roleArn; `pgvector-migrate iam-policy` prints it).")
    String roleArn;

    @Option(names = "--dms-migration-type", paramLabel = "TYPE",
            description = "full-load (default) or full-load-and-cdc (dms.migrationType).")
    String migrationType;

    @Option(names = "--dms-subnet-group", paramLabel = "ID",
            description = "An existing DMS replication subnet group (default: one made from the target's private subnets).")
    String subnetGroup;

    @Option(names = "--dms-subnet-ids", split = ",", paramLabel = "SUBNET",
            description = "Subnets for the replication subnet group (default: the stack's PrivateSubnetId0/1).")
    List<String> subnetIds;

    @Option(names = "--dms-security-group-ids", split = ",", paramLabel = "SG",
            description = "Security groups of the DMS instance profile (default: the stack's DbSecurityGroupId).")
    List<String> securityGroupIds;

    @Option(names = "--dms-ssl-mode", paramLabel = "MODE", description = "require (default) or verify-full (needs --dms-certificate-arn).")
    String sslMode;

    @Option(names = "--dms-certificate-arn", paramLabel = "ARN", description = "DMS certificate (the RDS CA) for --dms-ssl-mode verify-full.")
    String certificateArn;

    /** The flags as a {@code dms:} section (unset flags are null, so the file's values stay). */
    public DmsConfig toConfig() {
        return new DmsConfig(roleArn, null, null, migrationType, null, sslMode, certificateArn, subnetGroup, subnetIds,
                securityGroupIds, null, null, null, null, null, null, null, null, null);
    }
}
