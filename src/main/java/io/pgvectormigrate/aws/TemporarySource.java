package io.pgvectormigrate.aws;

import java.util.List;

/**
 * The restored temporary cluster as later steps (DMS, reports) need it, read back from the journal by
 * {@link AwsProvider#temporarySource}. No password: it is in the secret {@code secretArn}.
 *
 * @param secretArn      tool-owned secret in RDS format (host, port, dbname, username, password, engine, dbClusterIdentifier)
 * @param subnetGroup    the RDS subnet group the cluster was restored into (the target's by default)
 * @param securityGroupIds its VPC security groups (the target's by default)
 * @param target         the new cluster (from --stack or --target-cluster)
 */
public record TemporarySource(String region, String clusterId, String clusterArn, String instanceId, String endpoint,
                              int port, String database, String username, String engineVersion, String secretArn,
                              String subnetGroup, List<String> securityGroupIds, TargetInfo target) {}
