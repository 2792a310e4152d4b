package io.pgvectormigrate.aws.fake;

import io.pgvectormigrate.aws.AwsClients;
import io.pgvectormigrate.aws.Pacing;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.rds.RdsClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

import java.util.ArrayList;
import java.util.List;

/** One fake AWS region: the three stateful fakes sharing a fault log, with polls that do not wait. */
public final class FakeAws implements AwsClients {
    public final String region;
    public final Faults faults = new Faults();
    public final FakeRds rds;
    public final FakeSecretsManager secrets;
    public final FakeCloudFormation cfn;
    public Pacing pacing = Pacing.immediate();
    /** Regions the factory was asked for, to check the commands pass --region and the journal's region along. */
    public final List<String> requestedRegions = new ArrayList<>();

    public FakeAws(String region) {
        this.region = region;
        this.rds = new FakeRds(region, faults);
        this.secrets = new FakeSecretsManager(region, faults);
        this.cfn = new FakeCloudFormation(faults);
    }

    /** The seam a command sees: every call lands in this region's fakes. */
    public AwsClients.Factory factory() {
        return settings -> {
            requestedRegions.add(settings.region());
            if (settings.region() == null || settings.region().equals(region)) return this;
            FakeAws self = this;
            // same fakes, another region name: enough to test that commands refuse a run of another region
            return new AwsClients() {
                @Override public String region() { return settings.region(); }
                @Override public RdsClient rds() { return self.rds; }
                @Override public SecretsManagerClient secretsManager() { return self.secrets; }
                @Override public CloudFormationClient cloudFormation() { return self.cfn; }
                @Override public Pacing pacing() { return self.pacing; }
            };
        };
    }

    /** Everything tagged with the run, across services. */
    public List<String> taggedWith(String runId) {
        List<String> all = new ArrayList<>(rds.taggedWith(runId));
        all.addAll(secrets.taggedWith(runId));
        return all;
    }

    @Override public String region() { return region; }
    @Override public RdsClient rds() { return rds; }
    @Override public SecretsManagerClient secretsManager() { return secrets; }
    @Override public CloudFormationClient cloudFormation() { return cfn; }
    @Override public Pacing pacing() { return pacing; }

    @Override
    public void close() {
        // the fake world outlives each command
    }
}
