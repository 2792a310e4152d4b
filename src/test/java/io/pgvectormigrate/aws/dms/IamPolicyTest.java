package io.pgvectormigrate.aws.dms;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgvectormigrate.core.ExitCode;
import io.pgvectormigrate.pipeline.RunContext;
import io.pgvectormigrate.report.Json;
import io.pgvectormigrate.testing.CliRun;
import io.pgvectormigrate.testing.PgServers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** iam-policy prints valid IAM JSON that grants every call the code makes, and nothing the DMS engine never calls. */
@ExtendWith(PgServers.class)
class IamPolicyTest {
    @TempDir
    Path work;

    private static Set<String> actions(JsonNode policy) {
        Set<String> out = new LinkedHashSet<>();
        for (JsonNode s : policy.get("Statement")) {
            assertEquals("Allow", s.get("Effect").asText());
            assertTrue(s.has("Resource") && s.has("Sid"), s.toString());
            JsonNode a = s.get("Action");
            if (a.isArray()) a.forEach(x -> out.add(x.asText()));
            else out.add(a.asText());
        }
        return out;
    }

    @Test
    void printsThreeParseableDocumentsNamingTheRegionAccountAndTag() throws Exception {
        CliRun.Result r = CliRun.run(Map.of(), work, "iam-policy", "--region", "eu-west-1", "--account", "123456789012", "--format", "json");
        assertEquals(ExitCode.OK, r.exitCode(), r.toString());
        JsonNode all = Json.mapper().readTree(r.out());
        JsonNode operator = all.get("operatorPolicy");
        assertEquals("2012-10-17", operator.get("Version").asText());
        Set<String> granted = actions(operator);
        assertEquals(IamPolicies.operatorActions(), granted, "the operator policy grants exactly the catalogue");
        for (String service : List.of("rds:", "dms:", "secretsmanager:", "cloudformation:")) {
            assertTrue(granted.stream().anyMatch(a -> a.startsWith(service)), service);
        }
        String text = operator.toString();
        assertTrue(text.contains("aws:RequestTag/pgvector-migrate:run-id"), text);
        assertTrue(text.contains("aws:ResourceTag/pgvector-migrate:run-id"), text);
        assertTrue(text.contains("arn:aws:dms:eu-west-1:123456789012:*"), text);
        assertTrue(text.contains("stack/BedrockChatStack/*"), text);
        assertTrue(text.contains("arn:aws:iam::123456789012:role/pgvector-migrate-dms"), text);
        // deletes are never granted on untagged resources
        for (JsonNode s : operator.get("Statement")) {
            boolean deletes = s.get("Action").toString().contains(":Delete");
            if (deletes) assertTrue(s.path("Condition").toString().contains("aws:ResourceTag/pgvector-migrate:run-id"), s.toString());
        }

        JsonNode trust = all.get("dmsRoleTrustPolicy");
        JsonNode principals = trust.get("Statement").get(0).get("Principal").get("Service");
        assertEquals(List.of("dms-data-migrations.amazonaws.com", "dms.eu-west-1.amazonaws.com"),
                List.of(principals.get(0).asText(), principals.get(1).asText()));
        assertEquals("sts:AssumeRole", trust.get("Statement").get(0).get("Action").asText());

        JsonNode role = all.get("dmsRolePolicy");
        Set<String> roleActions = actions(role);
        for (String a : List.of("secretsmanager:GetSecretValue", "kms:Decrypt", "ec2:CreateRoute", "ec2:AcceptVpcPeeringConnection",
                "ec2:AuthorizeSecurityGroupIngress", "servicequotas:GetServiceQuota", "logs:CreateLogGroup", "logs:PutLogEvents",
                "cloudwatch:PutMetricData")) {
            assertTrue(roleActions.contains(a), a);
        }
        assertTrue(role.toString().contains("arn:aws:logs:eu-west-1:123456789012:log-group:dms-data-migration-*"), role.toString());
        assertTrue(role.toString().contains("arn:aws:ec2:eu-west-1:123456789012:route-table/*"), "scoped to the region and account");
        assertTrue(role.toString().contains("aws:cloudformation:stack-name"), "the stack's secret, by its CloudFormation tag");
    }

    /**
     * The DMS role's permissions grant what the user guide's HomogeneousDataMigrationsPolicy grants (DMS builds its network
     * itself), each on the resources DMS acts on, and nothing that changes the network on "*".
     */
    @Test
    void theDmsRolePolicyGrantsWhatTheUserGuidesPolicyGrants() throws Exception {
        CliRun.Result r = CliRun.run(Map.of(), work, "iam-policy", "--region", FakeDms.REGION, "--account", FakeDms.ACCOUNT,
                "--document", "dms-permissions");
        assertEquals(ExitCode.OK, r.exitCode(), r.toString());
        List<String> printed = List.of(r.out());
        for (String[] needed : FakeDms.DOCUMENTED_ROLE_PERMISSIONS) {
            assertTrue(io.pgvectormigrate.aws.fake.PolicyEvaluator.allows(printed, needed[0], needed[1]),
                    "the printed DMS role policy does not grant " + needed[0] + " on " + needed[1]);
        }
        for (JsonNode s : Json.mapper().readTree(r.out()).get("Statement")) {
            boolean changes = s.get("Action").toString().matches(".*ec2:(Create|Delete|Authorize|Revoke|Accept|Modify).*");
            if (changes) assertFalse(s.get("Resource").toString().contains("\"*\""), "network changes are scoped: " + s);
        }
        // what the guide grants, and where it is written, is in docs/iam.md
        String iam = java.nio.file.Files.readString(Path.of("docs/iam.md"));
        for (IamPolicies.RoleGrant g : IamPolicies.DMS_ROLE) assertTrue(iam.contains("`" + g.sid() + "`"), g.sid() + " in docs/iam.md");
        assertTrue(iam.contains(IamPolicies.GUIDE_POLICY));
    }

    @Test
    void oneDocumentPrintsAsBareJsonAndBadInputIsExit2() throws Exception {
        CliRun.Result trust = CliRun.run(Map.of("AWS_REGION", "ap-southeast-2"), work, "iam-policy", "--document", "dms-trust");
        assertEquals(ExitCode.OK, trust.exitCode(), trust.toString());
        assertTrue(Json.mapper().readTree(trust.out()).toString().contains("dms.ap-southeast-2.amazonaws.com"));

        CliRun.Result secret = CliRun.run(Map.of(), work, "iam-policy", "--region", "us-east-1", "--document", "dms-permissions",
                "--target-secret-arn", "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCd");
        assertTrue(Json.mapper().readTree(secret.out()).toString().contains("secret:db-AbCd"));

        CliRun.Result text = CliRun.run(Map.of(), work, "iam-policy", "--region", "us-east-1");
        assertEquals(ExitCode.OK, text.exitCode());
        assertTrue(text.out().contains("# Operator policy") && text.out().contains("dms-vpc-role"), text.out());

        CliRun.Result noRegion = CliRun.run(Map.of(), work, "iam-policy");
        assertEquals(ExitCode.USAGE, noRegion.exitCode());
        assertTrue(noRegion.err().contains("--region"), noRegion.err());
        assertEquals(ExitCode.USAGE, CliRun.run(Map.of(), work, "iam-policy", "--region", "us-east-1", "--account", "12").exitCode());
        assertEquals(ExitCode.USAGE, CliRun.run(Map.of(), work, "iam-policy", "--region", "us-east-1", "--document", "all-of-it").exitCode());

        CliRun.Result help = CliRun.run(Map.of(), work, "iam-policy", "--help");
        assertEquals(ExitCode.OK, help.exitCode());
        assertTrue(help.out().contains("Examples:") && help.out().contains("--document"), help.out());
    }

    /**
     * Drives the engine through a full load, a CDC run and teardowns against the fake, then checks the calls it
     * made against the catalogue both ways: nothing called without a permission, no DMS permission never used.
     */
    @Test
    void everyDmsCallTheEngineMakesIsGrantedAndEveryDmsGrantIsUsed(PgServers.DbPair db) throws Exception {
        DmsFixture f = new DmsFixture(db, work);
        f.bedrockChat(30, 2);
        RunContext full = f.ctx("iam1");
        f.engine().migrate(full, f.endpoints());
        f.engine().cutover(full, f.endpoints());
        f.engine().teardown(full, f.endpoints());
        DmsEngine cdc = f.engine(f.options().migrationType(DmsOptions.MigrationType.FULL_LOAD_AND_CDC).build());
        RunContext streaming = f.ctx("iam2");
        cdc.migrate(streaming, f.endpoints());
        cdc.teardown(streaming, f.endpoints()); // stops the running migration first
        // resume adoption looks at tags: the process dies right after DMS made the third run's instance profile
        f.fake.crash("CreateInstanceProfile", FakeDms.When.AFTER, 3);
        RunContext crashed = f.ctx("iam3");
        FakeDms.FakeCrash crash = assertThrows(FakeDms.FakeCrash.class, () -> f.engine().migrate(crashed, f.endpoints()));
        assertTrue(crash.getMessage().contains("after CreateInstanceProfile #3"), crash.getMessage());
        assertEquals(3, f.fake.calls("CreateInstanceProfile"), "the crash came after DMS made the profile");
        f.fake.clearCrashes();
        f.engine().migrate(f.ctx("iam3"), f.endpoints());
        assertEquals(3, f.fake.calls("CreateInstanceProfile"), "the resumed run adopted the profile the crash left");
        f.engine().teardown(f.ctx("iam3"), f.endpoints());
        assertEquals(List.of(), f.fake.inventory());

        Set<String> called = new TreeSet<>(f.fake.calls());
        Set<String> catalogued = IamPolicies.OPERATOR.stream()
                .filter(p -> p.service().equals("dms") && p.operation() != null)
                .map(IamPolicies.Permission::operation).collect(Collectors.toCollection(TreeSet::new));
        assertTrue(catalogued.containsAll(called), "calls missing from the IAM catalogue: " + difference(called, catalogued));
        assertTrue(called.containsAll(catalogued), "DMS permissions the engine never uses: " + difference(catalogued, called));

        JsonNode policy = IamPolicies.operatorPolicy(new IamPolicies.Target("us-east-1", null, null, null, null));
        Set<String> granted = actions(policy);
        for (String op : called) {
            String action = IamPolicies.iamActionFor("dms", op);
            assertTrue(granted.contains(action), op + " needs " + action);
        }
        assertEquals("dms:ListDataProviders", IamPolicies.iamActionFor("dms", "DescribeDataProviders"));
        assertFalse(granted.contains("dms:*"));
    }

    private static Set<String> difference(Set<String> a, Set<String> b) {
        Set<String> d = new TreeSet<>(a);
        d.removeAll(b);
        return d;
    }
}
