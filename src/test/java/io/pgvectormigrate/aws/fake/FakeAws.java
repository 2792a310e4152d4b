package io.pgvectormigrate.aws.fake;

import io.pgvectormigrate.aws.AwsClients;
import io.pgvectormigrate.aws.DbSecret;
import io.pgvectormigrate.aws.Pacing;
import io.pgvectormigrate.aws.SdkAwsClients;
import io.pgvectormigrate.aws.contract.ContractRecorder;
import io.pgvectormigrate.aws.dms.FakeDms;
import io.pgvectormigrate.pg.ConnectionSpec;
import software.amazon.awssdk.retries.api.RetryStrategy;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.databasemigration.DatabaseMigrationClient;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.rds.RdsClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One fake AWS region: the stateful fakes sharing a fault log, with polls that do not wait, behind the production
 * retry strategy as a real client is ({@link SdkRetries}). DMS resolves its data
 * providers' secrets from this region's Secrets Manager, as the role DMS assumes would; its simulated crashes are
 * process deaths here ({@link SimulatedCrash}), like the other fakes'.
 */
public final class FakeAws implements AwsClients {
    public final String region;
    public final Faults faults = new Faults();
    public final FakeRds rds;
    public final FakeSecretsManager secrets;
    public final FakeCloudFormation cfn;
    public final FakeDms dms;
    public final FakeIam iam;
    /** What the tool sees: the fakes behind the contract recorder (every request counted and checked against the models). */
    private final RdsClient rdsSeen;
    private final SecretsManagerClient secretsSeen;
    private final CloudFormationClient cfnSeen;
    private final DatabaseMigrationClient dmsSeen;
    private final IamClient iamSeen;
    public Pacing pacing = Pacing.immediate();
    /** The changes plan recorded instead of sending, as "service:Operation", each checked against its model. */
    public final List<String> checkedNotSent = java.util.Collections.synchronizedList(new ArrayList<>());
    /** Regions the factory was asked for, to check the commands pass --region and the journal's region along. */
    public final List<String> requestedRegions = new ArrayList<>();

    public FakeAws(String region) {
        this.region = region;
        this.rds = new FakeRds(region, faults);
        this.secrets = new FakeSecretsManager(region, faults);
        this.cfn = new FakeCloudFormation(faults);
        this.iam = new FakeIam(faults);
        this.dms = new FakeDms(this::credentialsOf, iam::policiesOf);
        dms.subnetZones(rds::zoneOf);
        dms.secretsOfAccount(secrets::live);
        // as a real client: the production retry strategy around each request, each attempt checked and sent to the fake
        RetryStrategy retries = SdkAwsClients.retryStrategy();
        this.rdsSeen = SdkRetries.wrap(RdsClient.class, "rds", ContractRecorder.wrap(RdsClient.class, rds), retries, () -> pacing, faults);
        this.secretsSeen = SdkRetries.wrap(SecretsManagerClient.class, "secretsmanager",
                ContractRecorder.wrap(SecretsManagerClient.class, secrets), retries, () -> pacing, faults);
        this.cfnSeen = SdkRetries.wrap(CloudFormationClient.class, "cloudformation",
                ContractRecorder.wrap(CloudFormationClient.class, cfn), retries, () -> pacing, faults);
        this.dmsSeen = SdkRetries.wrap(DatabaseMigrationClient.class, "dms",
                ContractRecorder.wrap(DatabaseMigrationClient.class, crashesAreDeaths(dms)), retries, () -> pacing, faults);
        this.iamSeen = SdkRetries.wrap(IamClient.class, "iam", ContractRecorder.wrap(IamClient.class, iam), retries, () -> pacing, faults);
    }

    /** What DMS finds in a secret: the login of the RDS-format JSON (the server comes from the data provider). */
    private ConnectionSpec credentialsOf(String secretId) {
        for (FakeSecretsManager.Secret s : secrets.secrets.values()) {
            if ((s.name.equals(secretId) || s.arn.equals(secretId)) && s.deletedDate == null) {
                DbSecret d = DbSecret.parse(secretId, s.value);
                return new ConnectionSpec(d.host() == null ? "?" : d.host(), d.port() == null ? 5432 : d.port(),
                        d.dbname() == null ? "postgres" : d.dbname(), d.username(), d.password(), Map.of());
            }
        }
        return null;
    }

    /** FakeDms's own crash (a RuntimeException, for the engine's tests) becomes a process death here. */
    private static DatabaseMigrationClient crashesAreDeaths(FakeDms fake) {
        return (DatabaseMigrationClient) Proxy.newProxyInstance(DatabaseMigrationClient.class.getClassLoader(),
                new Class<?>[]{DatabaseMigrationClient.class}, (p, m, args) -> {
                    try {
                        return m.invoke(fake, args);
                    } catch (InvocationTargetException e) {
                        if (e.getCause() instanceof FakeDms.FakeCrash crash) throw new SimulatedCrash(crash.getMessage());
                        throw e.getCause();
                    }
                });
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
                @Override public RdsClient rds() { return self.rdsSeen; }
                @Override public SecretsManagerClient secretsManager() { return self.secretsSeen; }
                @Override public CloudFormationClient cloudFormation() { return self.cfnSeen; }
                @Override public DatabaseMigrationClient dms() { return self.dmsSeen; }
                @Override public IamClient iam() { return self.iamSeen; }
                @Override public Pacing pacing() { return self.pacing; }
            };
        };
    }

    /** Everything tagged with the run, across services. */
    public List<String> taggedWith(String runId) {
        List<String> all = new ArrayList<>(rds.taggedWith(runId));
        all.addAll(secrets.taggedWith(runId));
        all.addAll(dms.taggedWith(runId));
        return all;
    }

    @Override public String region() { return region; }
    @Override public RdsClient rds() { return rdsSeen; }
    @Override public SecretsManagerClient secretsManager() { return secretsSeen; }
    @Override public CloudFormationClient cloudFormation() { return cfnSeen; }
    @Override public DatabaseMigrationClient dms() { return dmsSeen; }
    @Override public IamClient iam() { return iamSeen; }
    @Override public Pacing pacing() { return pacing; }

    /** What plan records instead of sending is checked against the models like what the tool sends. */
    @Override
    public void notSent(software.amazon.awssdk.core.SdkRequest request) {
        checkedNotSent.add(io.pgvectormigrate.aws.contract.ModelCheck.operationOf(request));
        ContractRecorder.checkUnsent(request);
    }

    @Override
    public void close() {
        // the fake world outlives each command
    }
}
