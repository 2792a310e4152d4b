package io.pgvectormigrate.cli;

import io.pgvectormigrate.aws.AwsSettings;
import io.pgvectormigrate.core.ToolException;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The AWS flags map to plain settings; a bad one is bad input before any client exists. */
class AwsOptionsTest {
    private static CliContext context(Map<String, String> env) {
        return new CliContext(null, null, env, Path.of("/nonexistent-home"), null, null, false);
    }

    @Test
    void badEndpointUrlIsBadInput() {
        AwsOptions o = new AwsOptions();
        o.endpointUrl = "localhost:4566";
        ToolException e = assertThrows(ToolException.class, () -> o.settings(context(Map.of())));
        assertEquals(2, e.exitCode());
        assertTrue(e.getMessage().contains("--endpoint-url"));
    }

    @Test
    void flagsBecomeSettingsAndNoRegionIsLeftToTheCore() {
        AwsOptions o = new AwsOptions();
        o.profile = "ops";
        o.endpointUrl = "http://localhost:4566";
        AwsSettings s = o.settings(context(Map.of("AWS_REGION", "eu-west-1")));
        assertNull(s.region());
        assertEquals("ops", s.profile());
        assertEquals(URI.create("http://localhost:4566"), s.endpoint());
        assertEquals("eu-west-1", s.env().get("AWS_REGION"));
        assertEquals("us-east-1", s.withRegion("us-east-1").region());
    }
}
