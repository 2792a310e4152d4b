package io.pgvectormigrate.aws.dms;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
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

/** docs/migration.example.yaml stays readable by the code it documents (unknown keys in dms:/cost: fail). */
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
        DmsOptions o = c.applyTo(DmsOptions.builder().region("eu-west-1").subnetIds(List.of("subnet-a", "subnet-b"))
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
        assertEquals(Duration.ofMillis(500), DmsConfig.duration("k", "500ms"));
        assertEquals(Duration.ofMinutes(15), DmsConfig.duration("k", "15m"));
        assertEquals(Duration.ofSeconds(30), DmsConfig.duration("k", "PT30S"));
        ToolException e = assertThrows(ToolException.class, () -> DmsConfig.duration("dms.timeout", "soon"));
        assertTrue(e.getMessage().startsWith("dms.timeout: cannot read 'soon'"));
    }
}
