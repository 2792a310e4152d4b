package io.pgvectormigrate.aws;

import io.pgvectormigrate.core.ToolException;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProviderChain;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.ContainerCredentialsProvider;
import software.amazon.awssdk.auth.credentials.InstanceProfileCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.auth.credentials.WebIdentityTokenFileCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.retries.api.RetryStrategy;
import software.amazon.awssdk.core.SdkClient;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.profiles.Profile;
import software.amazon.awssdk.profiles.ProfileFile;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.databasemigration.DatabaseMigrationClient;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.rds.RdsClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The real SDK clients. Region and credentials are resolved from the command's own environment (not the JVM's),
 * in the order the AWS CLI uses, and checked before any call so a missing one fails in seconds with exit 2.
 */
public record SdkAwsClients(String region, RdsClient rds, SecretsManagerClient secretsManager,
                            CloudFormationClient cloudFormation, DatabaseMigrationClient dms, IamClient iam)
        implements AwsClients {
    /**
     * Attempts per call, the first included (docs/aws.md states it). The SDK's default of 3 is short for a run of hours
     * whose every poll must get through a throttled minute; 6 attempts of standard-mode backoff cover about half a minute.
     */
    public static final int SDK_MAX_ATTEMPTS = 6;
    static final Duration CREDENTIALS_CHECK_TIMEOUT = Duration.ofSeconds(10);

    private static final String CREDENTIALS_HELP = "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
            + "or pass --profile NAME for a profile in ~/.aws/config (run 'aws sso login --profile NAME' first for SSO), "
            + "or run where an instance or container role is available";

    public static AwsClients create(AwsSettings s) {
        ProfileFile profiles = profileFile(s);
        String profileName = s.profile() != null ? s.profile() : nonBlank(s.env().get("AWS_PROFILE")).orElse("default");
        Optional<Profile> profile = profiles.profile(profileName);
        if (s.profile() != null && profile.isEmpty()) {
            throw ToolException.usage("AWS profile '" + s.profile() + "' not found in " + configPath(s) + " or "
                    + credentialsPath(s) + ": check --profile (list them with: aws configure list-profiles)");
        }
        String region = resolveRegion(s, profileName, profile);
        AwsCredentialsProvider credentials = credentialsChain(s, profiles, profileName, profile.isPresent());
        checkCredentials(credentials);

        Region r = Region.of(region);
        ClientOverrideConfiguration override = ClientOverrideConfiguration.builder()
                .retryStrategy(retryStrategy())
                .apiCallAttemptTimeout(Duration.ofSeconds(30))
                .apiCallTimeout(Duration.ofMinutes(3))
                .build();
        return new SdkAwsClients(region,
                configure(RdsClient.builder(), r, credentials, override, s).build(),
                configure(SecretsManagerClient.builder(), r, credentials, override, s).build(),
                configure(CloudFormationClient.builder(), r, credentials, override, s).build(),
                configure(DatabaseMigrationClient.builder(), r, credentials, override, s).build(),
                configure(IamClient.builder(), iamRegion(region), credentials, override, s).build());
    }

    /**
     * The tool's one retry layer, set once on every client: the SDK's standard mode (exponential backoff with jitter,
     * longer for throttling, and the retry quota that stops retrying when most calls of the client fail), with
     * {@link #SDK_MAX_ATTEMPTS} attempts. Nothing retries on top of it; a fault that outlasts it reaches the command.
     */
    public static RetryStrategy retryStrategy() {
        return AwsRetryStrategy.standardRetryStrategy().toBuilder().maxAttempts(SDK_MAX_ATTEMPTS).build();
    }

    /** IAM is a global service: its signing region is the partition's global one. */
    static Region iamRegion(String region) {
        if (region.startsWith("cn-")) return Region.AWS_CN_GLOBAL;
        if (region.startsWith("us-gov-")) return Region.AWS_US_GOV_GLOBAL;
        return Region.AWS_GLOBAL;
    }

    private static <B extends AwsClientBuilder<B, ?>> B configure(B builder, Region region, AwsCredentialsProvider creds,
                                                                  ClientOverrideConfiguration override, AwsSettings s) {
        builder.region(region).credentialsProvider(creds).overrideConfiguration(override);
        if (s.endpoint() != null) builder.endpointOverride(s.endpoint());
        return builder;
    }

    static String resolveRegion(AwsSettings s, String profileName, Optional<Profile> profile) {
        String region = Optional.ofNullable(s.region()).map(String::trim)
                .or(() -> nonBlank(s.env().get("AWS_REGION")))
                .or(() -> nonBlank(s.env().get("AWS_DEFAULT_REGION")))
                .or(() -> profile.flatMap(p -> p.property("region")).flatMap(SdkAwsClients::nonBlank))
                .orElseThrow(() -> ToolException.usage("no AWS region: pass --region (for example --region us-east-1), "
                        + "set AWS_REGION, or set 'region' in the profile '" + profileName + "' of " + configPath(s)));
        if (!region.matches("[a-z]{2}(-[a-z]+)+-\\d+")) {
            throw ToolException.usage("'" + region + "' is not an AWS region name: pass --region like us-east-1 or eu-west-1");
        }
        return region;
    }

    // Credentials are built from the SDK's own providers rather than DefaultCredentialsProvider: that one reads the JVM's process
    // environment and system properties, while the tool reads only the command's environment (AwsSettings.env, what
    // Main.run is given; tests and embedding callers pass their own), as docs/aws.md promises. With --profile the
    // SDK's ProfileCredentialsProvider is used as it is.

    static AwsCredentialsProvider credentialsChain(AwsSettings s, ProfileFile profiles, String profileName, boolean profileExists) {
        Map<String, String> env = s.env();
        List<AwsCredentialsProvider> chain = new ArrayList<>();
        if (s.profile() != null) {
            // an explicit profile means exactly that profile, as with the AWS CLI
            chain.add(ProfileCredentialsProvider.builder().profileFile(profiles).profileName(profileName).build());
        } else {
            Optional<String> key = nonBlank(env.get("AWS_ACCESS_KEY_ID"));
            Optional<String> secret = nonBlank(env.get("AWS_SECRET_ACCESS_KEY"));
            if (key.isPresent() && secret.isPresent()) {
                Optional<String> token = nonBlank(env.get("AWS_SESSION_TOKEN"));
                chain.add(StaticCredentialsProvider.create(token.isPresent()
                        ? AwsSessionCredentials.create(key.get(), secret.get(), token.get())
                        : AwsBasicCredentials.create(key.get(), secret.get())));
            }
            if (profileExists) {
                chain.add(ProfileCredentialsProvider.builder().profileFile(profiles).profileName(profileName).build());
            }
            Optional<String> tokenFile = nonBlank(env.get("AWS_WEB_IDENTITY_TOKEN_FILE"));
            Optional<String> roleArn = nonBlank(env.get("AWS_ROLE_ARN"));
            if (tokenFile.isPresent() && roleArn.isPresent()) {
                chain.add(WebIdentityTokenFileCredentialsProvider.builder().roleArn(roleArn.get())
                        .webIdentityTokenFile(Path.of(tokenFile.get()))
                        .roleSessionName(nonBlank(env.get("AWS_ROLE_SESSION_NAME")).orElse("pgvector-migrate")).build());
            }
            if (env.containsKey("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") || env.containsKey("AWS_CONTAINER_CREDENTIALS_FULL_URI")) {
                chain.add(ContainerCredentialsProvider.builder().build());
            }
            if (!"true".equalsIgnoreCase(env.getOrDefault("AWS_EC2_METADATA_DISABLED", "false"))) {
                chain.add(InstanceProfileCredentialsProvider.builder().build());
            }
        }
        if (chain.isEmpty()) {
            throw ToolException.usage("no AWS credentials found: " + CREDENTIALS_HELP);
        }
        return AwsCredentialsProviderChain.builder().credentialsProviders(chain).reuseLastProviderEnabled(true).build();
    }

    /** Resolves credentials once, bounded in time, so a machine without any fails in seconds rather than at the first call. */
    static void checkCredentials(AwsCredentialsProvider provider) {
        CompletableFuture<Void> f = CompletableFuture.runAsync(provider::resolveCredentials);
        try {
            f.get(CREDENTIALS_CHECK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw ToolException.usage("no AWS credentials within " + CREDENTIALS_CHECK_TIMEOUT.toSeconds() + " s: " + CREDENTIALS_HELP);
        } catch (ExecutionException e) {
            String why = e.getCause() == null || e.getCause().getMessage() == null ? "" : " (" + firstSentence(e.getCause().getMessage()) + ")";
            throw ToolException.usage("no usable AWS credentials" + why + ": " + CREDENTIALS_HELP, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ToolException.runtime("interrupted while looking for AWS credentials", e);
        }
    }

    private static String firstSentence(String m) {
        String line = m.lines().findFirst().orElse(m);
        return line.length() > 300 ? line.substring(0, 300) + "..." : line;
    }

    static ProfileFile profileFile(AwsSettings s) {
        ProfileFile.Aggregator agg = ProfileFile.aggregator();
        Path config = configPath(s);
        Path creds = credentialsPath(s);
        if (Files.isReadable(config)) agg.addFile(ProfileFile.builder().content(config).type(ProfileFile.Type.CONFIGURATION).build());
        if (Files.isReadable(creds)) agg.addFile(ProfileFile.builder().content(creds).type(ProfileFile.Type.CREDENTIALS).build());
        return agg.build();
    }

    private static Path configPath(AwsSettings s) {
        return nonBlank(s.env().get("AWS_CONFIG_FILE")).map(Path::of)
                .orElseGet(() -> s.home() == null ? Path.of(".aws/config") : s.home().resolve(".aws/config"));
    }

    private static Path credentialsPath(AwsSettings s) {
        return nonBlank(s.env().get("AWS_SHARED_CREDENTIALS_FILE")).map(Path::of)
                .orElseGet(() -> s.home() == null ? Path.of(".aws/credentials") : s.home().resolve(".aws/credentials"));
    }

    private static Optional<String> nonBlank(String v) {
        return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.trim());
    }

    @Override
    public void close() {
        List.of(rds, secretsManager, cloudFormation, dms, iam).forEach(SdkClient::close);
    }
}
