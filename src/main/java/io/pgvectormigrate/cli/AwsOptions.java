package io.pgvectormigrate.cli;

import io.pgvectormigrate.aws.AwsSettings;
import io.pgvectormigrate.core.ToolException;
import picocli.CommandLine.Option;

import java.net.URI;

/**
 * Picocli mixin: where and as whom to call AWS. Shared by every command that talks to AWS; the core gets the plain
 * {@link AwsSettings} it maps to.
 */
public class AwsOptions {
    @Option(names = "--region", paramLabel = "REGION",
            description = "AWS region (default: the run's journal, else AWS_REGION, AWS_DEFAULT_REGION, the profile's region).")
    public String region;

    @Option(names = "--profile", paramLabel = "NAME",
            description = "AWS profile from ~/.aws/config (default: AWS_PROFILE, then the default credential chain).")
    public String profile;

    @Option(names = "--endpoint-url", paramLabel = "URL",
            description = "Send AWS calls to this endpoint (an emulator such as LocalStack) instead of AWS.")
    public String endpointUrl;

    /** The flags as settings (no --region: null, for the run's journal, the environment or the profile to say). */
    AwsSettings settings(CliContext ctx) {
        URI endpoint = null;
        if (endpointUrl != null) {
            try {
                endpoint = URI.create(endpointUrl);
                if (endpoint.getScheme() == null || endpoint.getHost() == null) throw new IllegalArgumentException();
            } catch (IllegalArgumentException e) {
                throw ToolException.usage("invalid --endpoint-url '" + endpointUrl + "': expected a URL like http://localhost:4566");
            }
        }
        return new AwsSettings(region, profile, endpoint, ctx.env(), ctx.home());
    }
}
