package io.pgvectormigrate.aws;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;

/**
 * What a command knows about where and as whom to call AWS, before any client exists.
 *
 * @param region   --region, or null to look in the environment and the profile
 * @param profile  --profile, or null for AWS_PROFILE / "default"
 * @param endpoint --endpoint-url (an emulator), or null for the real service endpoints
 * @param env      the command's environment (AWS_* variables); never System.getenv() directly, so tests control it
 * @param home     home directory holding ~/.aws/config and ~/.aws/credentials
 */
public record AwsSettings(String region, String profile, URI endpoint, Map<String, String> env, Path home) {
    public AwsSettings {
        env = env == null ? Map.of() : Map.copyOf(env);
    }

    public AwsSettings withRegion(String region) {
        return new AwsSettings(region, profile, endpoint, env, home);
    }
}
