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
    private final Path home = Path.of("/nonexistent-home");

    @Test
    void badEndpointUrlIsBadInput() {
        AwsOptions o = new AwsOptions();
        o.endpointUrl = "localhost:4566";
        ToolException e = assertThrows(ToolException.class, () -> o.settings(Map.of(), home));
        assertEquals(2, e.exitCode());
        assertTrue(e.getMessage().contains("--endpoint-url"));
    }

    @Test
    void flagsBecomeSettingsAndNoRegionIsLeftToTheCore() {
        AwsOptions o = new AwsOptions();
        o.profile = "ops";
        o.endpointUrl = "http://localhost:4566";
        AwsSettings s = o.settings(Map.of("AWS_REGION", "eu-west-1"), home);
        assertNull(s.region());
        assertEquals("ops", s.profile());
        assertEquals(URI.create("http://localhost:4566"), s.endpoint());
        assertEquals("eu-west-1", s.env().get("AWS_REGION"));
        assertEquals("us-east-1", s.withRegion("us-east-1").region());
    }
}
