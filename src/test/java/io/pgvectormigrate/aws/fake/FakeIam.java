package io.pgvectormigrate.aws.fake;

import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.GetRoleRequest;
import software.amazon.awssdk.services.iam.model.GetRoleResponse;
import software.amazon.awssdk.services.iam.model.IamException;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.iam.model.Role;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * IAM roles with their trust policies, for run's preflight. GetRole returns the trust policy URL-encoded, as IAM
 * does; an unknown role is NoSuchEntity (404); {@link #deny} makes GetRole fail with AccessDenied (403).
 */
public final class FakeIam implements IamClient {
    private final Faults faults;
    /** role name -> trust policy JSON */
    public final Map<String, String> roles = new LinkedHashMap<>();
    /** role name -> the permission policies attached to it (what DMS may do when it assumes the role) */
    public final Map<String, List<String>> rolePolicies = new LinkedHashMap<>();
    public boolean deny;

    public FakeIam(Faults faults) {
        this.faults = faults;
    }

    /**
     * A role DMS may assume in {@code region}: trusts both principals of homogeneous data migrations, with the permissions
     * policy `pgvector-migrate iam-policy --document dms-permissions` prints attached, as docs/iam.md says to.
     */
    public void addDmsRole(String name, String region) {
        roles.put(name, trust(List.of("dms-data-migrations.amazonaws.com", "dms." + region + ".amazonaws.com")));
        attachRolePolicy(name, PrintedPolicies.dmsPermissions(region));
    }

    /** Attaches a permissions policy to a role (what `aws iam put-role-policy` does; the tool never calls it). */
    public synchronized void attachRolePolicy(String roleName, String policyJson) {
        rolePolicies.computeIfAbsent(roleName, k -> new ArrayList<>()).add(policyJson);
    }

    /** The policies attached to a role, by its ARN (empty for an unknown role). */
    public synchronized List<String> policiesOf(String roleArn) {
        if (roleArn == null) return List.of();
        return List.copyOf(rolePolicies.getOrDefault(roleArn.substring(roleArn.lastIndexOf('/') + 1), List.of()));
    }

    public static String trust(List<String> services) {
        StringBuilder sb = new StringBuilder("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":[");
        List<String> quoted = new ArrayList<>();
        for (String s : services) quoted.add("\"" + s + "\"");
        sb.append(String.join(",", quoted)).append("]},\"Action\":\"sts:AssumeRole\"}]}");
        return sb.toString();
    }

    @Override
    public String serviceName() {
        return "iam";
    }

    private static RuntimeException fault(AwsServiceException.Builder b, String code, String message, int status) {
        return (RuntimeException) b.message(message).awsErrorDetails(Faults.details("IAM", code, message, status)).statusCode(status).build();
    }

    @Override
    public synchronized GetRoleResponse getRole(GetRoleRequest r) {
        if (faults.before("iam", "GetRole")) throw fault(IamException.builder(), "Throttling", "Rate exceeded", 400);
        if (deny) {
            throw fault(IamException.builder(), "AccessDenied", "User: arn:aws:iam::" + FakeRds.ACCOUNT
                    + ":user/operator is not authorized to perform: iam:GetRole on resource: role " + r.roleName(), 403);
        }
        String trust = roles.get(r.roleName());
        if (trust == null) {
            throw fault(NoSuchEntityException.builder(), "NoSuchEntity", "The role with name " + r.roleName() + " cannot be found.", 404);
        }
        return GetRoleResponse.builder().role(Role.builder().roleName(r.roleName()).path("/")
                .arn("arn:aws:iam::" + FakeRds.ACCOUNT + ":role/" + r.roleName()).roleId("AROA" + Math.abs(r.roleName().hashCode()))
                .createDate(Instant.parse("2024-01-01T00:00:00Z"))
                .assumeRolePolicyDocument(URLEncoder.encode(trust, StandardCharsets.UTF_8)).build()).build();
    }

    @Override
    public void close() {
    }
}
