package io.pgvectormigrate.aws.dms;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgvectormigrate.report.Json;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The IAM documents the tool needs, built from one catalogue of the AWS calls it makes ({@link #OPERATOR}):
 * the operator's least-privilege policy, and the trust and permissions policies of the role DMS assumes.
 * Tests check that every call the engine makes against the fake DMS is in the catalogue and in the policy, so
 * the policy cannot drift from the code.
 *
 * <p>Scoping: creates are allowed only when the request carries the run-id tag, and changes or deletes only
 * on resources that carry it ({@code aws:RequestTag}/{@code aws:ResourceTag}); reads that AWS does not scope
 * by resource are on "*". The stack's own secret is matched by the tag CloudFormation puts on stack resources.
 */
public final class IamPolicies {
    public static final String TAG_KEY = DmsNames.TAG_RUN_ID;
    public static final String DEFAULT_STACK = "BedrockChatStack";
    public static final String DEFAULT_ROLE_NAME = "pgvector-migrate-dms";

    /** How a permission is scoped in the operator policy (tagged creates and changes: see the class comment). */
    public enum Scope {
        /** read or list; AWS does not scope these by resource */
        ANY,
        CREATE_TAGGED,
        OWN_TAGGED,
        /** reads of the application stack and its secret */
        STACK,
        PASS_ROLE,
        /** reading the DMS role in preflight */
        DMS_ROLE,
        /** KMS use through RDS for a snapshot encrypted with a customer-managed key */
        KMS_VIA_RDS,
        /** the final snapshot DeleteDBCluster takes of the temporary cluster (no request tags on that call) */
        FINAL_SNAPSHOT
    }

    /** Prefix of the final snapshot cleanup takes of the temporary cluster (named for the run). */
    public static final String FINAL_SNAPSHOT_PREFIX = "pgvm-";

    /**
     * One AWS call and the IAM action that authorizes it.
     *
     * @param service   SDK/IAM service prefix (dms, rds, secretsmanager, cloudformation, iam, kms)
     * @param operation API operation name as the SDK calls it; null for a permission AWS checks without a call of that name
     * @param action    IAM action (differs from the operation for some DMS calls: DescribeDataProviders is dms:ListDataProviders)
     * @param by        which part of the tool makes the call
     */
    public record Permission(String service, String operation, String action, Scope scope, String by, String why) {}

    private static Permission p(String service, String operation, String action, Scope scope, String by, String why) {
        return new Permission(service, operation, service + ":" + action, scope, by, why);
    }

    private static Permission p(String service, String operation, Scope scope, String by, String why) {
        return p(service, operation, operation, scope, by, why);
    }

    private static final String DMS = "dms engine";
    private static final String AWS = "aws provider";
    private static final String RUN = "run preflight";

    /** Every call the operator's credentials make. The single source of truth for the operator policy. */
    public static final List<Permission> OPERATOR = List.of(
            // DMS homogeneous data migration (this package)
            p("dms", "CreateReplicationSubnetGroup", Scope.CREATE_TAGGED, DMS, "DMS network in the target's subnets"),
            p("dms", "DescribeReplicationSubnetGroups", Scope.ANY, DMS, "find the run's subnet group on resume"),
            p("dms", "DeleteReplicationSubnetGroup", Scope.OWN_TAGGED, DMS, "teardown"),
            p("dms", "CreateInstanceProfile", Scope.CREATE_TAGGED, DMS, "where the serverless migration runs"),
            p("dms", "DescribeInstanceProfiles", "ListInstanceProfiles", Scope.ANY, DMS, "find the run's profile on resume"),
            p("dms", "DeleteInstanceProfile", Scope.OWN_TAGGED, DMS, "teardown"),
            p("dms", "CreateDataProvider", Scope.CREATE_TAGGED, DMS, "source and target endpoints"),
            p("dms", "DescribeDataProviders", "ListDataProviders", Scope.ANY, DMS, "find the run's providers on resume"),
            p("dms", "DeleteDataProvider", Scope.OWN_TAGGED, DMS, "teardown"),
            p("dms", "CreateMigrationProject", Scope.CREATE_TAGGED, DMS, "ties providers, secrets and profile together"),
            p("dms", "DescribeMigrationProjects", "ListMigrationProjects", Scope.ANY, DMS, "find the run's project on resume"),
            p("dms", "DeleteMigrationProject", Scope.OWN_TAGGED, DMS, "teardown"),
            p("dms", "CreateDataMigration", Scope.CREATE_TAGGED, DMS, "the copy itself"),
            p("dms", "DescribeDataMigrations", Scope.ANY, DMS, "progress polling (there is no waiter)"),
            p("dms", "StartDataMigration", Scope.OWN_TAGGED, DMS, "start or reload"),
            p("dms", "StopDataMigration", Scope.OWN_TAGGED, DMS, "cutover and teardown"),
            p("dms", "DeleteDataMigration", Scope.OWN_TAGGED, DMS, "teardown"),
            p("dms", "ListTagsForResource", Scope.ANY, DMS, "adopt or delete only objects tagged with the run id"),
            p("dms", null, "AddTagsToResource", Scope.CREATE_TAGGED, DMS, "tags passed on create are authorized as tagging"),
            p("iam", null, "PassRole", Scope.PASS_ROLE, DMS, "CreateMigrationProject and CreateDataMigration hand the DMS role to DMS"),
            p("iam", "GetRole", Scope.DMS_ROLE, RUN, "check the DMS role exists and trusts the DMS principals"),
            // temporary Aurora cluster (AWS provider)
            p("rds", "DescribeDBClusterSnapshots", Scope.ANY, AWS, "check the snapshot"),
            p("rds", "DescribeDBClusters", Scope.ANY, AWS, "target cluster, temporary cluster state"),
            p("rds", "DescribeDBInstances", Scope.ANY, AWS, "writer state"),
            p("rds", "DescribeDBClusterParameterGroups", Scope.ANY, AWS, "find the run's parameter group on resume"),
            p("rds", "DescribeDBEngineVersions", Scope.ANY, AWS, "the parameter group family of the snapshot's engine version"),
            p("rds", "DescribeDBSubnetGroups", Scope.ANY, AWS, "the target's subnet group for the temporary cluster"),
            p("rds", "CreateDBClusterParameterGroup", Scope.CREATE_TAGGED, AWS, "rds.logical_replication=1 for DMS"),
            p("rds", "ModifyDBClusterParameterGroup", Scope.OWN_TAGGED, AWS, "replication settings"),
            p("rds", "RestoreDBClusterFromSnapshot", Scope.CREATE_TAGGED, AWS, "the temporary source"),
            p("rds", "CreateDBInstance", Scope.CREATE_TAGGED, AWS, "its db.serverless writer"),
            p("rds", "ModifyDBCluster", Scope.OWN_TAGGED, AWS, "reset the restored copy's master password"),
            p("rds", "RebootDBInstance", Scope.OWN_TAGGED, AWS, "a writer whose parameter group status is not in-sync (logical replication)"),
            p("rds", "CreateDBClusterSnapshot", Scope.CREATE_TAGGED, AWS, "capture --snapshot and the final snapshot at cleanup"),
            p("rds", "DeleteDBInstance", Scope.OWN_TAGGED, AWS, "cleanup"),
            p("rds", "DeleteDBCluster", Scope.OWN_TAGGED, AWS, "cleanup"),
            p("rds", null, "CreateDBClusterSnapshot", Scope.FINAL_SNAPSHOT, AWS, "DeleteDBCluster's final snapshot, named for the run"),
            p("rds", "DeleteDBClusterParameterGroup", Scope.OWN_TAGGED, AWS, "cleanup"),
            p("rds", "ListTagsForResource", Scope.ANY, AWS, "cleanup refuses resources without the run tag"),
            p("rds", null, "AddTagsToResource", Scope.CREATE_TAGGED, AWS, "tags passed on create are authorized as tagging"),
            p("kms", null, "DescribeKey", Scope.KMS_VIA_RDS, AWS, "restore of a snapshot encrypted with a customer-managed key"),
            p("kms", null, "CreateGrant", Scope.KMS_VIA_RDS, AWS, "restore of a snapshot encrypted with a customer-managed key"),
            // credentials (AWS provider)
            p("secretsmanager", "GetSecretValue", Scope.STACK, AWS, "capture: copy the stack's credentials"),
            p("secretsmanager", "DescribeSecret", Scope.STACK, AWS, "capture: check the stack's secret"),
            p("secretsmanager", "CreateSecret", Scope.CREATE_TAGGED, AWS, "the tool-owned secret DMS reads the source credentials from"),
            p("secretsmanager", null, "TagResource", Scope.CREATE_TAGGED, AWS, "tags passed on CreateSecret are authorized as tagging"),
            p("secretsmanager", "PutSecretValue", Scope.OWN_TAGGED, AWS, "update the tool-owned secret on resume"),
            p("secretsmanager", "ListSecrets", Scope.ANY, AWS, "cleanup --discover finds the run's secrets by tag"),
            p("secretsmanager", "DeleteSecret", Scope.OWN_TAGGED, AWS, "cleanup (force delete)"),
            // stack outputs (AWS provider)
            p("cloudformation", "DescribeStacks", Scope.STACK, AWS, "read the stack outputs (secret, subnets, security group)"));

    private IamPolicies() {}

    /** The IAM action authorizing an SDK operation, e.g. ("dms", "DescribeDataProviders") -> dms:ListDataProviders. */
    public static String iamActionFor(String service, String operation) {
        return OPERATOR.stream().filter(p -> p.service().equals(service) && operation.equals(p.operation()))
                .map(Permission::action).findFirst().orElse(service + ":" + operation);
    }

    /** Where the documents apply: unknown region or account become "*". */
    public record Target(String region, String account, String stack, String roleName, String targetSecretArn) {
        public Target {
            if (stack == null || stack.isBlank()) stack = DEFAULT_STACK;
            if (roleName == null || roleName.isBlank()) roleName = DEFAULT_ROLE_NAME;
        }

        String r() {
            return region == null ? "*" : region;
        }

        String a() {
            return account == null ? "*" : account;
        }

        String roleArn() {
            return "arn:aws:iam::" + a() + ":role/" + roleName;
        }
    }

    public static ObjectNode operatorPolicy(Target t) {
        ObjectNode doc = document();
        ArrayNode st = doc.withArray("Statement");
        for (String service : services()) {
            // statement() leaves out a scope the service has no actions in
            statement(st, sid("Read", service), actions(service, Scope.ANY), List.of("*"), null);
            List<String> resources = List.of(serviceResources(service, t));
            statement(st, sid("CreateTagged", service), actions(service, Scope.CREATE_TAGGED), resources,
                    condition("Null", "aws:RequestTag/" + TAG_KEY, "false"));
            statement(st, sid("ChangeOwnTagged", service), actions(service, Scope.OWN_TAGGED), resources,
                    condition("Null", "aws:ResourceTag/" + TAG_KEY, "false"));
        }
        statement(st, "ReadApplicationStack", actions("cloudformation", Scope.STACK),
                List.of("arn:aws:cloudformation:" + t.r() + ":" + t.a() + ":stack/" + t.stack() + "/*"), null);
        List<String> stackSecret = actions("secretsmanager", Scope.STACK);
        stackSecretStatements(st, "ReadStackSecret", stackSecret, t);
        // the tool-owned secrets are read back by the tool too (resume, verify)
        statement(st, "ReadOwnSecrets", stackSecret, List.of(serviceResources("secretsmanager", t)),
                condition("Null", "aws:ResourceTag/" + TAG_KEY, "false"));
        statement(st, "PassDmsRoleToDms", actions("iam", Scope.PASS_ROLE), List.of(t.roleArn()),
                condition("StringEquals", "iam:PassedToService", "dms.amazonaws.com"));
        statement(st, "CheckDmsRole", actions("iam", Scope.DMS_ROLE), List.of(t.roleArn(),
                "arn:aws:iam::" + t.a() + ":role/dms-vpc-role"), null);
        statement(st, "FinalSnapshotOfTemporaryCluster", actions("rds", Scope.FINAL_SNAPSHOT),
                List.of("arn:aws:rds:" + t.r() + ":" + t.a() + ":cluster-snapshot:" + FINAL_SNAPSHOT_PREFIX + "*",
                        "arn:aws:rds:" + t.r() + ":" + t.a() + ":cluster:*"), null);
        statement(st, "UseSnapshotKeyThroughRds", actions("kms", Scope.KMS_VIA_RDS),
                List.of("arn:aws:kms:" + t.r() + ":" + t.a() + ":key/*"),
                condition("StringLike", "kms:ViaService", "rds." + t.r() + ".amazonaws.com"));
        return doc;
    }

    /** Trust policy of the role DMS assumes for homogeneous data migrations. */
    public static ObjectNode dmsRoleTrustPolicy(String region) {
        ObjectNode doc = document();
        ObjectNode s = doc.withArray("Statement").addObject();
        s.put("Sid", "DmsDataMigrationsAssumeRole");
        s.put("Effect", "Allow");
        dmsPrincipals(region).forEach(s.putObject("Principal").putArray("Service")::add);
        s.put("Action", "sts:AssumeRole");
        return doc;
    }

    public static List<String> dmsPrincipals(String region) {
        return List.of("dms-data-migrations.amazonaws.com", "dms." + region + ".amazonaws.com");
    }

    /**
     * One statement of the DMS role's permissions.
     *
     * @param resources the resources, with {@code <r>} and {@code <a>} standing for the region and account ("*" when unknown)
     * @param source    where AWS documents it
     */
    public record RoleGrant(String sid, List<String> actions, List<String> resources, String source, String why) {}

    /** The user guide's PostgreSQL homogeneous-migration walkthrough, step 1: policy "HomogeneousDataMigrationsPolicy". */
    public static final String GUIDE_POLICY = "DMS user guide, HomogeneousDataMigrationsPolicy";

    /**
     * What DMS does with the role while a data migration runs: it builds the serverless environment's network itself
     * (VPC peering into the instance profile's VPC, routes, security-group rules, tags on them, a look at the VPC peering
     * quota), writes CloudWatch logs and metrics, and reads both secrets. The statements of the guide's policy, with
     * {@code arn:aws:...:*:*:} narrowed to the run's region and account when they are known.
     */
    public static final List<RoleGrant> DMS_ROLE = List.of(
            new RoleGrant("DescribeNetworkAndLogGroups", List.of("ec2:DescribeRouteTables", "ec2:DescribeSecurityGroups",
                    "ec2:DescribeVpcPeeringConnections", "ec2:DescribeVpcs", "ec2:DescribePrefixLists", "logs:DescribeLogGroups"),
                    List.of("*"), GUIDE_POLICY, "DMS looks at the VPCs it connects; these Describe calls take no resource-level scoping"),
            new RoleGrant("ReadVpcPeeringQuota", List.of("servicequotas:GetServiceQuota"),
                    List.of("arn:aws:servicequotas:<r>:<a>:vpc/L-0EA8095F"), GUIDE_POLICY,
                    "DMS checks the quota of VPC peering connections before it peers (quota L-0EA8095F only)"),
            new RoleGrant("CreateDataMigrationLogGroups", List.of("logs:CreateLogGroup", "logs:DescribeLogStreams"),
                    List.of("arn:aws:logs:<r>:<a>:log-group:dms-data-migration-*"), GUIDE_POLICY,
                    "the migration's CloudWatch log group (the tool turns logs on: failure details live there)"),
            new RoleGrant("WriteDataMigrationLogStreams", List.of("logs:CreateLogStream", "logs:PutLogEvents"),
                    List.of("arn:aws:logs:<r>:<a>:log-group:dms-data-migration-*:log-stream:dms-data-migration-*"), GUIDE_POLICY,
                    "the migration's log streams"),
            new RoleGrant("PublishDataMigrationMetrics", List.of("cloudwatch:PutMetricData"), List.of("*"), GUIDE_POLICY,
                    "the migration's metrics; PutMetricData takes no resource-level scoping"),
            new RoleGrant("RoutesToThePeeredVpc", List.of("ec2:CreateRoute", "ec2:DeleteRoute"),
                    List.of("arn:aws:ec2:<r>:<a>:route-table/*"), GUIDE_POLICY, "routes between DMS's VPC and yours, removed again after"),
            new RoleGrant("TagNetworkResources", List.of("ec2:CreateTags"),
                    List.of("arn:aws:ec2:<r>:<a>:security-group/*", "arn:aws:ec2:<r>:<a>:security-group-rule/*",
                            "arn:aws:ec2:<r>:<a>:route-table/*", "arn:aws:ec2:<r>:<a>:vpc-peering-connection/*", "arn:aws:ec2:<r>:<a>:vpc/*"),
                    GUIDE_POLICY, "DMS tags what it creates in your VPC"),
            new RoleGrant("AuthorizeSecurityGroupRules", List.of("ec2:AuthorizeSecurityGroupEgress", "ec2:AuthorizeSecurityGroupIngress"),
                    List.of("arn:aws:ec2:<r>:<a>:security-group-rule/*", "arn:aws:ec2:<r>:<a>:security-group/*"), GUIDE_POLICY,
                    "rules that let DMS reach the databases on their port"),
            new RoleGrant("RevokeSecurityGroupRules", List.of("ec2:RevokeSecurityGroupEgress", "ec2:RevokeSecurityGroupIngress"),
                    List.of("arn:aws:ec2:<r>:<a>:security-group/*"), GUIDE_POLICY, "the same rules, removed when the migration ends"),
            new RoleGrant("AcceptVpcPeering", List.of("ec2:AcceptVpcPeeringConnection", "ec2:ModifyVpcPeeringConnectionOptions"),
                    List.of("arn:aws:ec2:<r>:<a>:vpc-peering-connection/*"), GUIDE_POLICY, "the peering between DMS's VPC and yours"),
            new RoleGrant("AcceptVpcPeeringIntoVpc", List.of("ec2:AcceptVpcPeeringConnection"),
                    List.of("arn:aws:ec2:<r>:<a>:vpc/*"), GUIDE_POLICY, "accepting a peering is authorized on the accepter VPC too"));

    /** What the DMS role may do: {@link #DMS_ROLE}, then read both secrets (and decrypt them with a customer-managed key). */
    public static ObjectNode dmsRolePolicy(Target t) {
        ObjectNode doc = document();
        ArrayNode st = doc.withArray("Statement");
        for (RoleGrant g : DMS_ROLE) {
            statement(st, g.sid(), g.actions(), g.resources().stream().map(r -> r.replace("<r>", t.r()).replace("<a>", t.a())).toList(), null);
        }
        // the secrets-access role (the same role unless dms.secretsAccessRoleArn says otherwise); DMS's secret guide grants GetSecretValue
        List<String> read = List.of("secretsmanager:GetSecretValue");
        // the temporary clusters' credentials only (RunNames.sourceSecret), never what capture keeps of the old cluster
        statement(st, "ReadToolOwnedSecrets", read, List.of("arn:aws:secretsmanager:" + t.r() + ":" + t.a()
                        + ":secret:pgvector-migrate/*/temporary-source-credentials-*"),
                condition("Null", "aws:ResourceTag/" + TAG_KEY, "false"));
        stackSecretStatements(st, "ReadTargetSecret", read, t);
        statement(st, "DecryptSecretsWithCustomerManagedKey", List.of("kms:Decrypt"),
                List.of("arn:aws:kms:" + t.r() + ":" + t.a() + ":key/*"),
                condition("StringLike", "kms:ViaService", "secretsmanager." + t.r() + ".amazonaws.com"));
        return doc;
    }

    /** All three documents, keyed for `iam-policy --format json`. */
    public static ObjectNode all(Target t, String region) {
        ObjectNode root = Json.mapper().createObjectNode();
        root.set("operatorPolicy", operatorPolicy(t));
        root.set("dmsRoleTrustPolicy", dmsRoleTrustPolicy(region));
        root.set("dmsRolePolicy", dmsRolePolicy(t));
        return root;
    }

    /** Every IAM action the operator policy grants, for tests and docs. */
    public static Set<String> operatorActions() {
        return OPERATOR.stream().map(Permission::action).collect(Collectors.toCollection(LinkedHashSet::new));
    }

    private static void stackSecretStatements(ArrayNode st, String sid, List<String> actions, Target t) {
        if (t.targetSecretArn() != null && !t.targetSecretArn().isBlank()) {
            statement(st, sid, actions, List.of(t.targetSecretArn()), null);
        } else {
            // CloudFormation tags what it creates with the stack name; this matches the stack's secret only
            statement(st, sid, actions, List.of(serviceResources("secretsmanager", t)),
                    condition("StringEquals", "aws:ResourceTag/aws:cloudformation:stack-name", t.stack()));
        }
    }

    private static List<String> services() {
        return OPERATOR.stream().map(Permission::service).distinct().toList();
    }

    private static List<String> actions(String service, Scope scope) {
        return OPERATOR.stream().filter(p -> p.service().equals(service) && p.scope() == scope).map(Permission::action)
                .distinct().toList();
    }

    private static String serviceResources(String service, Target t) {
        return switch (service) {
            case "dms" -> "arn:aws:dms:" + t.r() + ":" + t.a() + ":*";
            case "rds" -> "arn:aws:rds:" + t.r() + ":" + t.a() + ":*";
            case "secretsmanager" -> "arn:aws:secretsmanager:" + t.r() + ":" + t.a() + ":secret:*";
            default -> "*";
        };
    }

    private static String sid(String prefix, String service) {
        return prefix + Map.of("dms", "Dms", "rds", "Rds", "secretsmanager", "Secrets",
                "cloudformation", "CloudFormation", "iam", "Iam", "kms", "Kms").getOrDefault(service, service);
    }

    private static ObjectNode document() {
        ObjectNode doc = Json.mapper().createObjectNode();
        doc.put("Version", "2012-10-17");
        doc.putArray("Statement");
        return doc;
    }

    private static Map<String, Map<String, String>> condition(String operator, String key, String value) {
        return Map.of(operator, Map.of(key, value));
    }

    private static void statement(ArrayNode st, String sid, List<String> actions, List<String> resources,
                                  Map<String, Map<String, String>> condition) {
        if (actions.isEmpty()) return;
        ObjectNode s = st.addObject();
        s.put("Sid", sid);
        s.put("Effect", "Allow");
        actions.forEach(s.putArray("Action")::add);
        if (resources.size() == 1) s.put("Resource", resources.get(0));
        else resources.forEach(s.putArray("Resource")::add);
        if (condition != null) s.set("Condition", Json.mapper().valueToTree(condition));
    }
}
