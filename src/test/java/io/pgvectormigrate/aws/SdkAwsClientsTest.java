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

    /** A loopback Secrets Manager that answers each request with the next of {@code answers} (the last one repeats). */
    private static com.sun.net.httpserver.HttpServer secretsManager(java.util.concurrent.atomic.AtomicInteger requests, String... answers)
            throws java.io.IOException {
        var server = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            int n = requests.getAndIncrement();
            String[] a = answers[Math.min(n, answers.length - 1)].split(" ", 2);
            byte[] body = a[1].getBytes(java.nio.charset.StandardCharsets.UTF_8);
            ex.getRequestBody().readAllBytes();
            ex.getResponseHeaders().add("Content-Type", "application/x-amz-json-1.1");
            ex.sendResponseHeaders(Integer.parseInt(a[0]), body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        return server;
    }

    private AwsClients clients(com.sun.net.httpserver.HttpServer server) {
        return SdkAwsClients.create(new AwsSettings("eu-west-1", null,
                URI.create("http://127.0.0.1:" + server.getAddress().getPort()), KEYS, home));
    }

    @Test
    void aFaultThatOutlastsTheRetryStrategyCostsItsAttemptsAndNoMore() throws Exception {
        var requests = new java.util.concurrent.atomic.AtomicInteger();
        var server = secretsManager(requests, "500 {\"__type\":\"InternalServiceError\",\"message\":\"boom\"}");
        try (AwsClients c = clients(server)) {
            var e = assertThrows(software.amazon.awssdk.services.secretsmanager.model.InternalServiceErrorException.class,
                    () -> c.secretsManager().describeSecret(b -> b.secretId("x")));
            assertEquals(500, e.statusCode());
            assertEquals(SdkAwsClients.SDK_MAX_ATTEMPTS, requests.get(), "one retry layer: the strategy's attempts, not more");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aThrottledCallIsSentAgainByTheClient() throws Exception {
        var requests = new java.util.concurrent.atomic.AtomicInteger();
        var server = secretsManager(requests, "400 {\"__type\":\"ThrottlingException\",\"message\":\"Rate exceeded\"}",
                "200 {\"ARN\":\"arn:aws:secretsmanager:eu-west-1:123456789012:secret:x-AbCdEf\",\"Name\":\"x\"}");
        try (AwsClients c = clients(server)) {
            assertEquals("x", c.secretsManager().describeSecret(b -> b.secretId("x")).name());
            assertEquals(2, requests.get());
        } finally {
            server.stop(0);
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
