package io.pgvectormigrate.aws;

import io.pgvectormigrate.core.ToolException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The real SDK clients are built from the command's environment only, with an explicit retry strategy; no call is made. */
class SdkAwsClientsTest {
    @TempDir
    Path home;

    private static final Map<String, String> KEYS = Map.of("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY", "secret",
            "AWS_EC2_METADATA_DISABLED", "true");

    private String region(String flag, Map<String, String> env) {
        AwsSettings s = new AwsSettings(flag, null, null, env, home);
        var profiles = SdkAwsClients.profileFile(s);
        return SdkAwsClients.resolveRegion(s, "default", profiles.profile("default"));
    }

    @Test
    void regionComesFromTheFlagThenTheEnvironmentThenTheProfile() throws Exception {
        Files.createDirectories(home.resolve(".aws"));
        Files.writeString(home.resolve(".aws/config"), "[default]\nregion = ap-southeast-2\n");
        assertEquals("eu-west-1", region("eu-west-1", Map.of("AWS_REGION", "us-west-2")));
        assertEquals("us-west-2", region(null, Map.of("AWS_REGION", "us-west-2", "AWS_DEFAULT_REGION", "us-east-2")));
        assertEquals("us-east-2", region(null, Map.of("AWS_DEFAULT_REGION", "us-east-2")));
        assertEquals("ap-southeast-2", region(null, Map.of()));
        ToolException e = assertThrows(ToolException.class, () -> region("not a region", Map.of()));
        assertEquals(2, e.exitCode());
    }

    @Test
    void clientsUseTheRegionTheEndpointAndTheStandardRetryStrategy() {
        try (AwsClients c = SdkAwsClients.create(new AwsSettings("eu-central-1", null, URI.create("http://127.0.0.1:4566"), KEYS, home))) {
            assertEquals("eu-central-1", c.region());
            var conf = c.rds().serviceClientConfiguration();
            assertEquals("eu-central-1", conf.region().id());
            assertEquals(Optional.of(URI.create("http://127.0.0.1:4566")), conf.endpointOverride());
            var retry = conf.overrideConfiguration().retryStrategy().orElseThrow();
            assertTrue(retry instanceof software.amazon.awssdk.retries.StandardRetryStrategy, retry.getClass().getName());
            assertEquals(SdkAwsClients.SDK_MAX_ATTEMPTS, retry.maxAttempts());
            assertEquals("eu-central-1", c.secretsManager().serviceClientConfiguration().region().id());
            assertEquals("eu-central-1", c.cloudFormation().serviceClientConfiguration().region().id());
        }
    }

    @Test
    void aStaticProfileWorksAndAMissingOneIsBadInput() throws Exception {
        Files.createDirectories(home.resolve(".aws"));
        Files.writeString(home.resolve(".aws/credentials"), "[ops]\naws_access_key_id = AKIDOPS\naws_secret_access_key = s3cret\n");
        Files.writeString(home.resolve(".aws/config"), "[profile ops]\nregion = eu-north-1\n");
        try (AwsClients c = SdkAwsClients.create(new AwsSettings(null, "ops", null, Map.of("AWS_EC2_METADATA_DISABLED", "true"), home))) {
            assertEquals("eu-north-1", c.region());
        }
        ToolException e = assertThrows(ToolException.class, () -> SdkAwsClients.create(new AwsSettings("us-east-1", "other", null, Map.of(), home)));
        assertEquals(2, e.exitCode());
        assertTrue(e.getMessage().contains("AWS profile 'other' not found"), e.getMessage());
    }
}
