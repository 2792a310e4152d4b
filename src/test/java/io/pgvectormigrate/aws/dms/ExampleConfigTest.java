package io.pgvectormigrate.aws.dms;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import io.pgvectormigrate.core.Durations;
import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.report.Json;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * docs/migration.example.yaml stays readable by the code it documents: the whole file binds strictly (unknown keys
 * fail), its commented-out keys too, and it resolves to the run settings it describes.
 */
class ExampleConfigTest {
    private static JsonNode example() throws Exception {
        return Json.yaml().readTree(Files.readString(Path.of("docs/migration.example.yaml")));
    }

    private static ObjectReader strict(Class<?> type) {
        return Json.yaml().readerFor(type).with(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }

    @Test
    void theDmsSectionBindsToValidOptions() throws Exception {
        DmsConfig c = strict(DmsConfig.class).readValue(example().get("dms"));
        // the subnets' zones come from DescribeDBSubnetGroups in a real run (the target's subnet group)
        DmsOptions o = c.applyTo(DmsOptions.builder().region("eu-west-1").subnetIds(List.of("subnet-a", "subnet-b"))
                .subnetZones(java.util.Map.of("subnet-a", "eu-west-1a", "subnet-b", "eu-west-1b"))
                .securityGroupIds(List.of("sg-1")).sourceSecretId("s").targetSecretId("t")).build();
        o.validate();
        assertEquals(DmsOptions.MigrationType.FULL_LOAD, o.migrationType());
        assertEquals(DmsOptions.TablePreparation.TRUNCATE, o.tablePreparation());
        assertEquals(Duration.ofSeconds(30), o.pollInterval());
        assertEquals(Duration.ofHours(6), o.timeout());
        assertEquals("arn:aws:iam::123456789012:role/pgvector-migrate-dms", o.serviceAccessRoleArn());
        assertEquals("platform", o.extraTags().get("cost-center"));
    }

    @Test
    void theCostSectionGivesAnEstimate() throws Exception {
        CostEstimate.Config c = strict(CostEstimate.Config.class).readValue(example().get("cost"));
        CostEstimate.Estimate e = CostEstimate.estimate(new CostEstimate.Measured(100_000, 600_000_000, 40, 60_000_000), c.toPrices());
        assertTrue(e.toolPathCost() != null && e.reembeddingCost() != null, e.formula().toString());
        assertEquals(40 * 0.25, e.ecsTaskHours(), 1e-9);
        assertEquals(2.00, e.reembeddingCost(), 1e-9);
        assertEquals(0.64, e.toolPathCost(), 0.005);
        // the runbook's worked example is this very computation
        String runbook = Files.readString(Path.of("docs/runbook-bedrock-chat-v0-v1.md"));
        for (String line : e.formula()) assertTrue(runbook.contains("    " + line + "\n"), "runbook shows: " + line);
        ToolException missing = assertThrows(ToolException.class, () -> new CostEstimate.Config(1.0, null, null, null, null, null,
                null, null, null, null, null, null, null).toPrices());
        assertTrue(missing.getMessage().contains("cost.dmsMegabytesPerSecond"), missing.getMessage());
    }

    @Test
    void durationsReadTheWayTheExampleWritesThem() {
        assertEquals(Duration.ofMillis(500), Durations.parse("500ms", "k"));
        assertEquals(Duration.ofMinutes(15), Durations.parse("15m", "k"));
        assertEquals(Duration.ofSeconds(30), Durations.parse("PT30S", "k"));
        ToolException e = assertThrows(ToolException.class, () -> Durations.parse("soon", "dms.timeout"));
        assertTrue(e.getMessage().startsWith("dms.timeout: cannot read 'soon'"));
    }

    @Test
    void theWholeFileBindsStrictlyToRunSettings() throws Exception {
        Path file = Path.of("docs/migration.example.yaml").toAbsolutePath();
        io.pgvectormigrate.run.MigrationConfig c = io.pgvectormigrate.run.MigrationConfig.read(file);
        assertEquals("eu-west-1", c.region());
        assertTrue(c.dms() != null && c.cost() != null && c.verify() != null && c.temporaryCluster() != null && c.tables() != null);
        io.pgvectormigrate.run.RunSettings s = io.pgvectormigrate.run.RunSettings.resolve(new io.pgvectormigrate.run.RunSettings.Flags(
                file, null, null, null, null, null, null, null, null, null, null, null, List.of(), List.of(), List.of(), null, null,
                null, null), Path.of("").toAbsolutePath());
        assertEquals("bedrock-v1", s.runId());
        assertEquals(io.pgvectormigrate.run.RunSettings.Engine.DMS, s.engine());
        assertEquals("pgvm-bedrock-v1-capture", s.source().snapshot());
        assertEquals("BedrockChatStack", s.source().stackName());
        assertEquals(8.0, s.source().maxAcu());
        assertEquals(Duration.ofMinutes(60), s.source().waitTimeout());
        assertTrue(!s.source().finalSnapshot(), "the snapshot restored from is kept: no second copy by default");
        assertTrue(s.tables().matches("public", "items") && !s.tables().matches("public", "other"));
        assertEquals(20, s.verify().annQueries());
        assertEquals(List.of("items.botid"), s.verify().groupBy());
        assertEquals(file.getParent().resolve("bedrock-v1-migration.md"), s.report(), "relative to the file");
        assertEquals(file.getParent().resolve(".pgvector-migrate").normalize(), s.workDir());
        assertTrue(!s.keepTemporary() && s.cost() != null && s.tunnelSource() == null);
        // a flag overrides the file
        io.pgvectormigrate.run.RunSettings native_ = io.pgvectormigrate.run.RunSettings.resolve(new io.pgvectormigrate.run.RunSettings.Flags(
                file, null, null, null, null, "native", "other-run", null, null, null, true, null, List.of(), List.of(), List.of(), null,
                null, null, null), Path.of("").toAbsolutePath());
        assertEquals(io.pgvectormigrate.run.RunSettings.Engine.NATIVE, native_.engine());
        assertEquals("other-run", native_.runId());
        assertTrue(native_.keepTemporary());
    }

    @Test
    void everyCommentedOutKeyIsARealOne() throws Exception {
        // "# key: value" lines (and "# section:" headers) uncommented: the file must still bind strictly
        String text = Files.readString(Path.of("docs/migration.example.yaml"));
        StringBuilder out = new StringBuilder();
        int uncommented = 0;
        for (String line : text.split("\n", -1)) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(\\s*)# (\\s*[a-zA-Z]+:(\\s.*)?)$").matcher(line);
            if (m.matches() && !line.contains("# When") && !m.group(2).trim().startsWith("pgvector-migrate")) {
                out.append(m.group(1)).append(m.group(2)).append('\n');
                uncommented++;
            } else {
                out.append(line).append('\n');
            }
        }
        assertTrue(uncommented >= 20, "found the commented-out keys: " + uncommented);
        io.pgvectormigrate.run.MigrationConfig all = io.pgvectormigrate.run.MigrationConfig.parse(out.toString(), "example, uncommented");
        assertEquals("my-new-cluster", all.targetCluster());
        assertEquals("localhost:15433", all.tunnel().target());
        assertEquals(2, all.nativeEngine().jobs());
        assertEquals(List.of("ann"), all.verify().skip());
        assertEquals("arn:aws:iam::123456789012:role/dms-service", all.dms().serviceAccessRoleArn());

        ToolException typo = assertThrows(ToolException.class, () -> io.pgvectormigrate.run.MigrationConfig.parse(
                "snapshot: s\ntemporaryCluster:\n  maxAcus: 8\n", "migration.yaml"));
        assertTrue(typo.getMessage().startsWith("migration.yaml: unknown key 'temporaryCluster.maxAcus'"), typo.getMessage());
    }
}
