package io.pgvectormigrate.cli;

import io.pgvectormigrate.aws.AwsSourceOptions;
import io.pgvectormigrate.aws.TargetInfo;
import io.pgvectormigrate.core.Durations;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;

/** Picocli mixin: what to restore and where (restore, plan); the core gets the {@link AwsSourceOptions} it maps to. */
public class SourceOptions {
    @Option(names = "--snapshot", required = true, paramLabel = "ID|ARN",
            description = "Aurora PostgreSQL cluster snapshot to restore (name or ARN).")
    public String snapshot;

    @Option(names = "--stack", paramLabel = "NAME",
            description = "CloudFormation stack of the new cluster; its outputs (DbConfigHostname, DbConfigSecretArn, ...) "
                    + "name the target (default: " + TargetInfo.DEFAULT_STACK + " unless --target-cluster is given).")
    public String stack;

    @Option(names = "--target-cluster", paramLabel = "ID", description = "The new cluster, when there is no stack to read.")
    public String targetCluster;

    @Option(names = "--db-subnet-group", paramLabel = "NAME",
            description = "Subnet group for the temporary cluster (default: the target cluster's).")
    public String dbSubnetGroup;

    @Option(names = "--vpc-security-group-ids", paramLabel = "SG", split = ",",
            description = "Security groups for the temporary cluster (default: the target cluster's).")
    public List<String> securityGroups = new ArrayList<>();

    @Option(names = "--min-acu", paramLabel = "ACU", defaultValue = "0.5",
            description = "Serverless v2 minimum capacity (default: ${DEFAULT-VALUE}).")
    public double minAcu;

    @Option(names = "--max-acu", paramLabel = "ACU", defaultValue = "8",
            description = "Serverless v2 maximum capacity (default: ${DEFAULT-VALUE}).")
    public double maxAcu;

    @Option(names = "--wait-timeout", paramLabel = "DURATION", defaultValue = "60m",
            description = "Longest wait for the cluster or the writer to become available, e.g. 90m or 2h (default: ${DEFAULT-VALUE}).")
    public String waitTimeout;

    @Option(names = "--reset-password",
            description = "Generate and set a new master password even when capture saved the old one.")
    public boolean resetPassword;

    @Option(names = "--database", paramLabel = "NAME", description = "Database holding the vectors (default: the cluster's, else postgres).")
    public String database;

    @Option(names = "--engine-version", paramLabel = "VERSION",
            description = "Restore to this aurora-postgresql version (same major, not older) when the snapshot's is no longer offered.")
    public String engineVersion;

    public AwsSourceOptions toOptions() {
        return new AwsSourceOptions(snapshot, stack, targetCluster, dbSubnetGroup, securityGroups, minAcu, maxAcu,
                Durations.parse(waitTimeout, "--wait-timeout"), resetPassword, true, database, engineVersion);
    }
}
