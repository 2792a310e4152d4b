package io.pgvectormigrate.aws;

import io.pgvectormigrate.core.ToolException;
import picocli.CommandLine.Option;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;

/** Picocli mixin: where and as whom to call AWS. Shared by every command that talks to AWS. */
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

    /**
     * @param journalRegion the region a run's journal recorded, used when no flag is given (may be null)
     */
    public AwsSettings settings(Map<String, String> env, Path home, String journalRegion) {
        URI endpoint = null;
        if (endpointUrl != null) {
            try {
                endpoint = URI.create(endpointUrl);
                if (endpoint.getScheme() == null || endpoint.getHost() == null) throw new IllegalArgumentException();
            } catch (IllegalArgumentException e) {
                throw ToolException.usage("invalid --endpoint-url '" + endpointUrl + "': expected a URL like http://localhost:4566");
            }
        }
        String r = region != null ? region : journalRegion;
        return new AwsSettings(r, profile, endpoint, env, home);
    }
}
