package io.pgvectormigrate.aws.dms;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.report.Json;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.iam.model.Role;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Preflight of the roles DMS assumes, read with {@code iam:GetRole} before anything is created: the role named in
 * the options exists and its trust policy lets both DMS principals of homogeneous data migrations assume it
 * ({@code dms-data-migrations.amazonaws.com} and {@code dms.<region>.amazonaws.com}); and the account has the
 * {@code dms-vpc-role} DMS needs to place a replication subnet group. Every failure is exit 2.
 */
public final class DmsRole {
    public static final String VPC_ROLE = "dms-vpc-role";

    private DmsRole() {}

    /** Checks every role the options name, and dms-vpc-role when the engine will create a subnet group. */
    public static List<String> check(IamClient iam, DmsOptions options) {
        Set<String> roles = new LinkedHashSet<>();
        if (options.secretsAccessRoleArn() != null) roles.add(options.secretsAccessRoleArn());
        if (options.serviceAccessRoleArn() != null) roles.add(options.serviceAccessRoleArn());
        roles.forEach(arn -> checkTrust(iam, arn, options.region()));
        List<String> checked = new ArrayList<>(roles);
        if (options.subnetGroupId() == null) {
            get(iam, VPC_ROLE).orElseThrow(() -> ToolException.usage("the account has no IAM role " + VPC_ROLE
                    + ", which DMS needs to create the replication subnet group: create it with the managed policy "
                    + "AmazonDMSVPCManagementRole (docs/iam.md, \"dms-vpc-role\"), or give an existing subnet group in dms.subnetGroup"));
            checked.add(VPC_ROLE);
        }
        return checked;
    }

    /** The role exists and trusts both DMS principals. */
    static void checkTrust(IamClient iam, String roleArn, String region) {
        String name = roleName(roleArn);
        Role role = get(iam, name).orElseThrow(() -> ToolException.usage("the DMS role " + roleArn + " does not exist: create it "
                + "(`pgvector-migrate iam-policy --document dms-trust` prints its trust policy, docs/iam.md how) or fix dms.roleArn"));
        Set<String> trusted = trustedServices(role.assumeRolePolicyDocument());
        List<String> missing = IamPolicies.dmsPrincipals(region).stream().filter(p -> !trusted.contains(p)).toList();
        if (!missing.isEmpty()) {
            throw ToolException.usage("the DMS role " + roleArn + " does not trust " + String.join(" and ", missing)
                    + " (it trusts " + (trusted.isEmpty() ? "no service" : String.join(", ", trusted)) + "): replace its trust policy with "
                    + "`pgvector-migrate iam-policy --region " + region + " --document dms-trust` "
                    + "(aws iam update-assume-role-policy --role-name " + name + " --policy-document file://dms-trust.json)");
        }
    }

    private static java.util.Optional<Role> get(IamClient iam, String name) {
        // denied or rejected credentials become exit-2 messages (AwsErrors); a missing role is ours to explain
        return io.pgvectormigrate.aws.AwsErrors.guard(() -> {
            try {
                return java.util.Optional.ofNullable(iam.getRole(b -> b.roleName(name)).role());
            } catch (NoSuchEntityException e) {
                return java.util.Optional.<Role>empty();
            }
        });
    }

    /** arn:aws:iam::123456789012:role/some/path/name -> name. */
    static String roleName(String arn) {
        int slash = arn.lastIndexOf('/');
        return slash < 0 ? arn : arn.substring(slash + 1);
    }

    /**
     * The services an {@code Allow sts:AssumeRole} statement of the trust policy names. GetRole returns the
     * document URL-encoded.
     */
    static Set<String> trustedServices(String document) {
        Set<String> out = new LinkedHashSet<>();
        if (document == null || document.isBlank()) return out;
        String json = document.trim().startsWith("{") ? document : URLDecoder.decode(document, StandardCharsets.UTF_8);
        JsonNode root;
        try {
            root = Json.mapper().readTree(json);
        } catch (Exception e) {
            return out;
        }
        JsonNode statements = root.path("Statement");
        // one statement may stand alone; iterating an object would give its fields
        Iterable<JsonNode> list = statements.isObject() ? List.of(statements) : statements;
        for (JsonNode s : list) {
            if (!"Allow".equals(s.path("Effect").asText())) continue;
            if (!values(s.path("Action")).contains("sts:AssumeRole")) continue;
            out.addAll(values(s.path("Principal").path("Service")));
        }
        return out;
    }

    private static List<String> values(JsonNode n) {
        List<String> out = new ArrayList<>();
        if (n.isArray()) n.forEach(x -> out.add(x.asText()));
        else if (n.isTextual()) out.add(n.asText());
        return out;
    }
}
