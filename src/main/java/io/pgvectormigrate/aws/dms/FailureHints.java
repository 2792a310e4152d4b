package io.pgvectormigrate.aws.dms;

import java.util.Locale;

/**
 * Turns DMS's failure message into the likely cause and what to do. DMS's own words stay in the message; the
 * hint only adds the causes seen most with homogeneous migrations (the role's network permissions, network path,
 * secrets role, logical replication off on the source) and a pointer to the CloudWatch log otherwise.
 */
public final class FailureHints {
    private FailureHints() {}

    public static String likelyCause(String failureMessage, String region, String dataMigrationName) {
        String m = failureMessage == null ? "" : failureMessage.toLowerCase(Locale.ROOT);
        if (m.contains("logical replication") || m.contains("wal_level") || m.contains("rds.logical_replication")
                || m.contains("replication slot") && m.contains("not")) {
            return "logical replication is off on the source: the temporary cluster needs a cluster parameter group with "
                    + "rds.logical_replication=1 and a writer restarted with it (the restore step sets this up; check the "
                    + "cluster's parameter group and reboot the writer), then re-run";
        }
        if (m.contains("not authorized to perform: ec2:") || m.contains("not authorized to perform: logs:")
                || m.contains("not authorized to perform: servicequotas:") || m.contains("not authorized to perform: cloudwatch:")) {
            return "the DMS role lacks a permission DMS needs to build the migration's network (VPC peering, routes, security-group "
                    + "rules) or its logs: attach the policy `pgvector-migrate iam-policy --document dms-permissions` prints "
                    + "(the AWS DMS user guide's HomogeneousDataMigrationsPolicy; docs/iam.md) to the role, then re-run";
        }
        if (m.contains("secret") || m.contains("assumerole") || m.contains("assume role") || m.contains("not authorized")
                || m.contains("accessdenied") || m.contains("access denied") || m.contains("kms")) {
            return "DMS could not read the database credentials: the secrets-access role must trust dms-data-migrations.amazonaws.com and dms."
                    + (region == null ? "<region>" : region) + ".amazonaws.com and allow secretsmanager:GetSecretValue on both secrets "
                    + "(plus kms:Decrypt for a customer-managed key); `pgvector-migrate iam-policy` prints the role's policies";
        }
        if (m.contains("password authentication") || m.contains("authentication failed") || m.contains("role \"") && m.contains("does not exist")) {
            return "the credentials in a secret are wrong or outdated (rotation?): check the user name and password the secret holds; "
                    + "DMS passwords may not contain ' \" ; or spaces";
        }
        if (m.contains("timeout") || m.contains("timed out") || m.contains("connect") || m.contains("unreachable")
                || m.contains("network") || m.contains("no route") || m.contains("resolve") || m.contains("host")) {
            return "network path: DMS runs in the instance profile's subnets with its security groups; both databases' security groups "
                    + "must admit that security group (or the subnets' CIDR) on the database port, and the subnets need a route to both clusters";
        }
        if (m.contains("does not exist") || m.contains("relation")) {
            return "a selected table is missing on one side: run prepare-target (the DMS engine truncates and loads existing tables) and check the table filter";
        }
        return "see the CloudWatch log group of the data migration (dms-data-migration-*" + (dataMigrationName == null ? "" : ", " + dataMigrationName)
                + ") for the details";
    }
}
