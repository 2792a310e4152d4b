package io.pgvectormigrate.aws;

import io.pgvectormigrate.core.ToolException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.CloudFormationException;
import software.amazon.awssdk.services.cloudformation.model.Output;
import software.amazon.awssdk.services.cloudformation.model.Stack;
import software.amazon.awssdk.services.rds.model.DBCluster;
import software.amazon.awssdk.services.rds.model.DBSubnetGroup;
import software.amazon.awssdk.services.rds.model.DbSubnetGroupNotFoundException;
import software.amazon.awssdk.services.rds.model.VpcSecurityGroupMembership;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The new (target) cluster, found by id or through the application's CloudFormation stack outputs. The
 * temporary cluster is restored into its subnet group and security groups so DMS and the target reach it.
 *
 * @param stackName   the stack it came from, or null
 * @param secretArn   the stack's database secret (DbConfigSecretArn), or null without a stack
 * @param stackSecurityGroupId the stack's DbSecurityGroupId, or null
 * @param privateSubnetIds the stack's PrivateSubnetId0/1, else the subnet group's subnets
 * @param subnetZones subnet id -> Availability Zone of the target's DB subnet group (DescribeDBSubnetGroups)
 */
public record TargetInfo(String clusterId, String clusterArn, String endpoint, int port, String engineVersion,
                         String subnetGroup, List<String> securityGroupIds, String vpcId, List<String> privateSubnetIds,
                         String stackName, String secretArn, String stackSecurityGroupId, Map<String, String> subnetZones) {
    /** Journal parameter: the target's subnets and their zones, "subnet-a=us-east-1a,subnet-b=us-east-1b". */
    public static final String P_SUBNET_ZONES = "aws.target.subnetZones";

    /** The outputs a Bedrock Chat stack (v0 and v1) has and the tool reads. */
    public static final List<String> STACK_OUTPUTS = List.of("DbConfigSecretArn", "DbConfigHostname", "DbConfigPort",
            "DbSecurityGroupId", "PrivateSubnetId0", "PrivateSubnetId1", "VpcId");
    public static final String DEFAULT_STACK = "BedrockChatStack";

    public TargetInfo {
        securityGroupIds = List.copyOf(securityGroupIds);
        privateSubnetIds = List.copyOf(privateSubnetIds);
        subnetZones = subnetZones == null ? Map.of() : Map.copyOf(subnetZones);
    }

    public static TargetInfo fromCluster(RdsOps rds, String clusterId) {
        DBCluster c = rds.cluster(clusterId).orElseThrow(() -> ToolException.usage("target cluster '" + clusterId
                + "' not found in " + "this region: check --target-cluster and --region (list them with: aws rds describe-db-clusters)"));
        return fromCluster(rds, c, null, null, null, List.of(), null);
    }

    /** Reads the stack's outputs and finds the cluster whose endpoint is DbConfigHostname. */
    public static TargetInfo fromStack(AwsClients aws, RdsOps rds, String stackName) {
        Stack stack = stack(aws.cloudFormation(), stackName).orElseThrow(() -> ToolException.usage("CloudFormation stack '"
                + stackName + "' not found in " + aws.region() + ": check --stack and --region, or name the new cluster with "
                + "--target-cluster"));
        Map<String, String> outputs = new LinkedHashMap<>();
        for (Output o : stack.outputs()) outputs.put(o.outputKey(), o.outputValue());
        List<String> missing = STACK_OUTPUTS.stream().filter(k -> outputs.get(k) == null || outputs.get(k).isBlank()).toList();
        if (!missing.isEmpty()) {
            throw ToolException.usage("stack '" + stackName + "' has no output " + String.join(", ", missing)
                    + ": is it the Bedrock Chat stack after the upgrade (cdk deploy finished)? Otherwise pass --target-cluster");
        }
        String host = outputs.get("DbConfigHostname");
        DBCluster target = rds.allClusters().stream()
                .filter(c -> host.equalsIgnoreCase(c.endpoint()) || host.equalsIgnoreCase(c.readerEndpoint()))
                .reduce((first, last) -> last).orElseThrow(() -> ToolException.usage("no cluster in " + aws.region()
                        + " has the endpoint " + host + " (output DbConfigHostname of stack '" + stackName
                        + "'): check --region, or pass --target-cluster"));
        List<String> subnets = List.of(outputs.get("PrivateSubnetId0"), outputs.get("PrivateSubnetId1"));
        return fromCluster(rds, target, stackName, outputs.get("DbConfigSecretArn"), outputs.get("DbSecurityGroupId"), subnets,
                outputs.get("VpcId"));
    }

    /** The stack of that name, through the SDK's paginator; empty when CloudFormation says it does not exist. */
    static Optional<Stack> stack(CloudFormationClient cfn, String stackName) {
        try {
            return cfn.describeStacksPaginator(b -> b.stackName(stackName)).stacks().stream().findFirst();
        } catch (CloudFormationException e) {
            if (isStackMissing(e)) return Optional.empty();
            throw e;
        }
    }

    static boolean isStackMissing(AwsServiceException e) {
        String code = AwsErrors.code(e);
        String msg = AwsErrors.message(e);
        return "ValidationError".equals(code) && msg.contains("does not exist");
    }

    /** The stack's outputs, when there is a stack, win over what the cluster's subnet group says. */
    private static TargetInfo fromCluster(RdsOps rds, DBCluster c, String stack, String secretArn,
                                          String stackSg, List<String> stackSubnets, String stackVpc) {
        List<String> sgs = c.vpcSecurityGroups().stream().map(VpcSecurityGroupMembership::vpcSecurityGroupId).toList();
        String vpc = stackVpc;
        List<String> subnets = new ArrayList<>(stackSubnets);
        Map<String, String> zones = new LinkedHashMap<>();
        if (c.dbSubnetGroup() != null) {
            try {
                DBSubnetGroup g = rds.client().describeDBSubnetGroupsPaginator(b -> b.dbSubnetGroupName(c.dbSubnetGroup()))
                        .dbSubnetGroups().stream().findFirst().orElse(null);
                if (g != null) {
                    if (vpc == null) vpc = g.vpcId();
                    if (subnets.isEmpty()) g.subnets().forEach(s -> subnets.add(s.subnetIdentifier()));
                    zones.putAll(SubnetZones.of(List.of(g)));
                }
            } catch (DbSubnetGroupNotFoundException e) {
                throw ToolException.usage("the subnet group '" + c.dbSubnetGroup() + "' of the target cluster "
                        + c.dbClusterIdentifier() + " was not found: pass --db-subnet-group");
            }
        }
        return new TargetInfo(c.dbClusterIdentifier(), c.dbClusterArn(), c.endpoint(), c.port() == null ? 5432 : c.port(),
                c.engineVersion(), c.dbSubnetGroup(), sgs, vpc, subnets, stack, secretArn, stackSg, zones);
    }

    /** The parameters the journal keeps (no secrets: the secret is referenced by ARN). */
    public Map<String, String> journalParameters() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("aws.target.cluster", clusterId);
        put(m, "aws.target.clusterArn", clusterArn);
        put(m, "aws.target.endpoint", endpoint);
        m.put("aws.target.port", String.valueOf(port));
        put(m, "aws.target.engineVersion", engineVersion);
        put(m, "aws.target.subnetGroup", subnetGroup);
        m.put("aws.target.securityGroups", String.join(",", securityGroupIds));
        put(m, "aws.target.vpc", vpcId);
        m.put("aws.target.subnets", String.join(",", privateSubnetIds));
        put(m, "aws.target.stack", stackName);
        put(m, "aws.target.secretArn", secretArn);
        put(m, "aws.target.stackSecurityGroup", stackSecurityGroupId);
        if (!subnetZones.isEmpty()) m.put(P_SUBNET_ZONES, SubnetZones.format(subnetZones));
        return m;
    }

    static TargetInfo fromJournal(Map<String, String> p) {
        if (!p.containsKey("aws.target.cluster")) return null;
        return new TargetInfo(p.get("aws.target.cluster"), p.get("aws.target.clusterArn"), p.get("aws.target.endpoint"),
                Integer.parseInt(p.getOrDefault("aws.target.port", "5432")), p.get("aws.target.engineVersion"),
                p.get("aws.target.subnetGroup"), split(p.get("aws.target.securityGroups")), p.get("aws.target.vpc"),
                split(p.get("aws.target.subnets")), p.get("aws.target.stack"), p.get("aws.target.secretArn"),
                p.get("aws.target.stackSecurityGroup"), SubnetZones.parse(p.get(P_SUBNET_ZONES)));
    }

    static List<String> split(String s) {
        if (s == null || s.isBlank()) return List.of();
        return List.of(s.split(","));
    }

    private static void put(Map<String, String> m, String k, String v) {
        if (v != null) m.put(k, v);
    }
}
