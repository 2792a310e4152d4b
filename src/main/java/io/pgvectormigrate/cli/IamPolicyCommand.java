package io.pgvectormigrate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgvectormigrate.aws.dms.IamPolicies;
import io.pgvectormigrate.core.ExitCode;
import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.report.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Prints the IAM documents the tool needs; changes nothing and calls no AWS API. */
@Command(name = "iam-policy", mixinStandardHelpOptions = true,
        description = {
                "Print the IAM policies pgvector-migrate needs, as JSON: the operator's least-privilege policy (every rds, dms, "
                        + "secretsmanager and cloudformation action the tool calls; creates and deletes limited to resources tagged "
                        + "pgvector-migrate:run-id), and the trust and permissions policies of the role DMS assumes.",
                "Calls no AWS API. See docs/iam.md."},
        footer = {"",
                "Examples:",
                "  pgvector-migrate iam-policy --region eu-west-1 --account 123456789012",
                "  pgvector-migrate iam-policy --region eu-west-1 --document operator > operator.json",
                "  aws iam create-role --role-name pgvector-migrate-dms \\",
                "      --assume-role-policy-document \"$(pgvector-migrate iam-policy --region eu-west-1 --document dms-trust)\""})
public final class IamPolicyCommand extends ToolCommand {
    public enum Document { all, operator, dms_trust, dms_permissions }

    @Option(names = "--region", description = "AWS region the policies name (default: AWS_REGION or AWS_DEFAULT_REGION).")
    String region;

    @Option(names = "--account", description = "12-digit AWS account id the policies name (default: any account, \"*\").")
    String account;

    @Option(names = "--stack", defaultValue = IamPolicies.DEFAULT_STACK,
            description = "The application's CloudFormation stack, whose outputs and secret the tool reads (default: ${DEFAULT-VALUE}).")
    String stack;

    @Option(names = "--dms-role-name", defaultValue = IamPolicies.DEFAULT_ROLE_NAME,
            description = "Name of the role DMS assumes (passed with --dms-role-arn to migrate/run; default: ${DEFAULT-VALUE}).")
    String roleName;

    @Option(names = "--target-secret-arn",
            description = "The target's secret, when it is not a secret of --stack (default: the stack's secret, matched by its CloudFormation tag).")
    String targetSecretArn;

    @Option(names = "--document", defaultValue = "all", converter = DocumentConverter.class,
            description = "Which document: all, operator, dms-trust, dms-permissions (one document prints as bare JSON, ready for the aws CLI).")
    Document document;

    @Override
    public Integer call() {
        String r = region != null ? region : ctx.env().getOrDefault("AWS_REGION", ctx.env().get("AWS_DEFAULT_REGION"));
        if (r == null || r.isBlank()) {
            throw ToolException.usage("no region: the DMS trust policy names dms.<region>.amazonaws.com; pass --region (e.g. --region us-east-1) or set AWS_REGION");
        }
        if (!r.matches("[a-z]{2}(-[a-z]+)+-\\d")) {
            throw ToolException.usage("'" + r + "' is not an AWS region name (like us-east-1)");
        }
        if (account != null && !account.matches("\\d{12}")) {
            throw ToolException.usage("'" + account + "' is not an AWS account id: use the 12 digits (aws sts get-caller-identity)");
        }
        if (targetSecretArn != null && !targetSecretArn.startsWith("arn:aws")) {
            throw ToolException.usage("--target-secret-arn must be a secret ARN (arn:aws:secretsmanager:...)");
        }
        IamPolicies.Target t = new IamPolicies.Target(r, account, stack, roleName, targetSecretArn);
        switch (document) {
            case operator -> print(IamPolicies.operatorPolicy(t));
            case dms_trust -> print(IamPolicies.dmsRoleTrustPolicy(r));
            case dms_permissions -> print(IamPolicies.dmsRolePolicy(t));
            case all -> {
                if (common.json()) {
                    print(IamPolicies.all(t, r));
                } else {
                    ctx.out().println("# Operator policy: attach to the user or role that runs pgvector-migrate");
                    print(IamPolicies.operatorPolicy(t));
                    ctx.out().println();
                    ctx.out().println("# Trust policy of the DMS role (" + t.roleName() + "): lets DMS homogeneous data migrations assume it");
                    print(IamPolicies.dmsRoleTrustPolicy(r));
                    ctx.out().println();
                    ctx.out().println("# Permissions of the DMS role: build its network into your VPC (peering, routes, security-group rules), logs, metrics, both secrets");
                    print(IamPolicies.dmsRolePolicy(t));
                    ctx.out().println();
                    ctx.out().println("# The account also needs the dms-vpc-role (AmazonDMSVPCManagementRole) that DMS uses for its network interfaces.");
                    ctx.out().println("# Print one document as bare JSON with --document operator|dms-trust|dms-permissions; see docs/iam.md.");
                }
            }
        }
        return ExitCode.OK;
    }

    private void print(JsonNode node) {
        ctx.out().println(Json.write(node));
    }

    static final class DocumentConverter implements picocli.CommandLine.ITypeConverter<Document> {
        @Override
        public Document convert(String value) {
            for (Document d : Document.values()) if (d.name().replace('_', '-').equalsIgnoreCase(value)) return d;
            throw new picocli.CommandLine.TypeConversionException("'" + value + "' is not one of all, operator, dms-trust, dms-permissions");
        }
    }
}
