package io.pgvectormigrate.aws;

import io.pgvectormigrate.core.ExitCode;
import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pipeline.Journal;
import io.pgvectormigrate.pipeline.RunContext;
import io.pgvectormigrate.pipeline.SourceProvider;
import io.pgvectormigrate.pipeline.Step;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.rds.model.DBCluster;
import software.amazon.awssdk.services.rds.model.DBInstance;

import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The temporary source on AWS: an Aurora PostgreSQL cluster restored from a snapshot into the target's network,
 * with logical replication on, a Serverless v2 writer, and credentials the tool owns.
 *
 * <p>Every method is idempotent and resumable: identifiers come from the run id ({@link RunNames}), each
 * resource is journaled before its create call, and an existing resource tagged with the run is adopted
 * instead of created again. Bad input (exit 2) is found in {@link #preflight} before anything is created;
 * the one bad input AWS reports only at creation (an inaccessible KMS key, a wrong subnet group) rolls back
 * the parameter group made in the same call.
 *
 * <p>Journal: parameters {@code aws.*} (snapshot, region, target, network), outputs of the restore step
 * ({@code clusterId, clusterArn, instanceId, endpoint, port, database, username, engineVersion}) and of the
 * credentials step ({@code secretArn, secretName, passwordSource, passwordApplied}); resource kinds in {@link Kinds}.
 */
public final class AwsProvider implements SourceProvider {
    public static final String P_REGION = "aws.region";
    public static final String P_SNAPSHOT = "aws.snapshot";
    static final String P_SNAPSHOT_ID = "aws.snapshotId";
    static final String P_ENGINE_VERSION = "aws.engineVersion";
    static final String P_FAMILY = "aws.family";
    static final String P_KMS = "aws.kmsKeyId";
    static final String P_ENCRYPTED = "aws.encrypted";
    static final String P_MASTER_USER = "aws.masterUsername";
    static final String P_SNAPSHOT_PORT = "aws.snapshotPort";
    static final String P_SNAPSHOT_CLUSTER = "aws.snapshotCluster";
    static final String P_SUBNET_GROUP = "aws.subnetGroup";
    static final String P_SECURITY_GROUPS = "aws.securityGroups";
    static final String P_MIN_ACU = "aws.minAcu";
    static final String P_MAX_ACU = "aws.maxAcu";
    /** Set by cleanup once it deleted (or found gone) the run's cluster. */
    public static final String P_CLEANED_UP = "aws.cleanedUp";

    private final AwsClients aws;
    private final AwsSourceOptions options;
    private final SecureRandom random = new SecureRandom();

    public AwsProvider(AwsClients aws, AwsSourceOptions options) {
        this.aws = aws;
        this.options = options;
    }

    @Override
    public String name() {
        return "aws";
    }

    private AwsWaits waits(RunContext ctx) {
        return new AwsWaits(aws.pacing(), ctx.progress());
    }

    /** Fails (exit 2) when the journal says the run belongs to another region. */
    public static void checkRegion(Journal j, String region) {
        Optional<String> recorded = j.parameter(P_REGION);
        if (recorded.isPresent() && !recorded.get().equals(region)) {
            throw ToolException.usage("run " + j.runId() + " lives in " + recorded.get() + ", not " + region
                    + ": pass --region " + recorded.get());
        }
    }

    @Override
    public void preflight(RunContext ctx) {
        AwsErrors.guard(() -> {
            AwsWaits waits = waits(ctx);
            RdsOps rds = new RdsOps(aws.rds());
            Journal j = ctx.journal();
            RunNames n = new RunNames(ctx.runId());
            checkRegion(j, aws.region());
            AwsConstraints.require(n.problems(), "pick another --run-id");
            if (j.parameter(P_CLEANED_UP).isPresent()) {
                throw ToolException.usage("run " + n.runId() + " was cleaned up already: start a new run with another --run-id");
            }
            ctx.progress().info("checking snapshot " + options.snapshot() + " in " + aws.region());
            SourceSnapshot snap = SourceSnapshot.check(waits, rds, options.snapshot(), aws.region(), options.engineVersion());
            snap.capacityProblem(options.minAcu(), options.maxAcu()).ifPresent(problem -> {
                throw ToolException.usage(problem + " (nothing was created)");
            });
            Optional<String> used = j.parameter(P_SNAPSHOT);
            if (used.isPresent() && !used.get().equals(snap.arn())) {
                throw ToolException.usage("run id " + n.runId() + " was already used with snapshot " + used.get()
                        + ": pick another --run-id for snapshot " + snap.arn());
            }
            new TemporaryCluster(waits, rds, options.waitTimeout()).existing(n, snap);
            TargetInfo target;
            if (options.targetClusterId() != null) {
                ctx.progress().info("checking target cluster " + options.targetClusterId());
                target = TargetInfo.fromCluster(rds, options.targetClusterId());
            } else {
                ctx.progress().info("reading the outputs of stack " + options.stackName());
                target = TargetInfo.fromStack(aws, rds, options.stackName());
            }
            String subnetGroup = options.dbSubnetGroup() != null ? options.dbSubnetGroup() : target.subnetGroup();
            if (subnetGroup == null) {
                throw ToolException.usage("the target cluster " + target.clusterId() + " has no DB subnet group: pass --db-subnet-group");
            }
            List<String> sgs = options.securityGroupIds().isEmpty() ? target.securityGroupIds() : options.securityGroupIds();
            if (target.engineVersion() != null && SourceSnapshot.compareVersions(target.engineVersion(), snap.engineVersion()) < 0) {
                ctx.progress().info("warning: the target runs " + target.engineVersion() + ", older than the snapshot's "
                        + snap.engineVersion() + "; DMS needs a target at least as new as the source");
            }
            j.putParameter(P_REGION, aws.region());
            j.putParameter(P_SNAPSHOT, snap.arn());
            j.putParameter(P_SNAPSHOT_ID, snap.id());
            j.putParameter(P_ENGINE_VERSION, snap.engineVersion());
            j.putParameter(P_FAMILY, snap.family());
            if (snap.kmsKeyId() != null) j.putParameter(P_KMS, snap.kmsKeyId());
            j.putParameter(P_ENCRYPTED, String.valueOf(snap.encrypted()));
            if (snap.masterUsername() != null) j.putParameter(P_MASTER_USER, snap.masterUsername());
            if (snap.port() != null) j.putParameter(P_SNAPSHOT_PORT, String.valueOf(snap.port()));
            if (snap.sourceCluster() != null) j.putParameter(P_SNAPSHOT_CLUSTER, snap.sourceCluster());
            j.putParameter(P_SUBNET_GROUP, subnetGroup);
            j.putParameter(P_SECURITY_GROUPS, String.join(",", sgs));
            j.putParameter(P_MIN_ACU, acu(options.minAcu()));
            j.putParameter(P_MAX_ACU, acu(options.maxAcu()));
            target.journalParameters().forEach(j::putParameter);
            ctx.progress().info("snapshot " + snap.id() + ": aurora-postgresql " + snap.engineVersion()
                    + (snap.encrypted() ? ", encrypted" : "") + "; target " + target.clusterId() + " (subnet group " + subnetGroup
                    + ", security groups " + String.join(",", sgs) + ")");
        });
    }

    /** 0.5 -> "0.5", 8.0 -> "8". */
    static String acu(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }

    private SourceSnapshot snapshotFromJournal(Journal j) {
        Map<String, String> p = j.parameters();
        return new SourceSnapshot(p.get(P_SNAPSHOT_ID), p.get(P_SNAPSHOT), SourceSnapshot.ENGINE, p.get(P_ENGINE_VERSION),
                p.get(P_FAMILY), p.get(P_KMS), Boolean.parseBoolean(p.get(P_ENCRYPTED)), p.get(P_MASTER_USER),
                p.get(P_SNAPSHOT_PORT) == null ? null : Integer.valueOf(p.get(P_SNAPSHOT_PORT)), p.get(P_SNAPSHOT_CLUSTER), null);
    }

    @Override
    public void restore(RunContext ctx) {
        AwsErrors.guard(() -> {
            Journal j = ctx.journal();
            if (j.parameter(P_SNAPSHOT).isEmpty() || j.parameter(P_SUBNET_GROUP).isEmpty()) preflight(ctx);
            AwsWaits waits = waits(ctx);
            RdsOps rds = new RdsOps(aws.rds());
            RunNames n = new RunNames(ctx.runId());
            SourceSnapshot snap = snapshotFromJournal(j);
            Map<String, String> p = j.parameters();
            TemporaryCluster tc = new TemporaryCluster(waits, rds, options.waitTimeout());

            ctx.progress().info("parameter group " + n.parameterGroup() + " (" + snap.family() + ", rds.logical_replication=1)");
            boolean groupCreatedNow = new ParameterGroupStep(rds).ensure(j, aws.region(), n.parameterGroup(), snap.family());

            ctx.progress().info("restoring " + snap.id() + " to cluster " + n.cluster() + " (Serverless v2 "
                    + p.get(P_MIN_ACU) + "-" + p.get(P_MAX_ACU) + " ACU); this usually takes 5-20 minutes");
            DBCluster cluster;
            try {
                cluster = tc.ensureRestored(j, new TemporaryCluster.Spec(n, snap, p.get(P_SUBNET_GROUP),
                        TargetInfo.split(p.get(P_SECURITY_GROUPS)), Double.parseDouble(p.get(P_MIN_ACU)),
                        Double.parseDouble(p.get(P_MAX_ACU)), aws.region()), n.parameterGroup());
            } catch (ToolException e) {
                if (e.exitCode() == ExitCode.USAGE && groupCreatedNow && rds.cluster(n.cluster()).isEmpty()) {
                    rollBackParameterGroup(rds, j, n, ctx);
                }
                throw e;
            }
            ctx.progress().info("creating writer " + n.writer() + " (" + TemporaryCluster.INSTANCE_CLASS + ")");
            DBInstance writer = tc.ensureWriter(j, n, aws.region());
            int reboots = tc.ensureParametersInEffect(n);
            if (reboots > 0) j.putOutput(Step.RESTORE, "writerReboots", String.valueOf(reboots));
            String database = options.database() != null ? options.database()
                    : cluster.databaseName() != null ? cluster.databaseName() : "postgres";
            j.putOutput(Step.RESTORE, "clusterId", cluster.dbClusterIdentifier());
            j.putOutput(Step.RESTORE, "clusterArn", cluster.dbClusterArn());
            j.putOutput(Step.RESTORE, "instanceId", writer.dbInstanceIdentifier());
            j.putOutput(Step.RESTORE, "endpoint", cluster.endpoint());
            j.putOutput(Step.RESTORE, "port", String.valueOf(cluster.port() == null ? 5432 : cluster.port()));
            j.putOutput(Step.RESTORE, "database", database);
            j.putOutput(Step.RESTORE, "username",
                    cluster.masterUsername() != null ? cluster.masterUsername() : snap.masterUsername());
            j.putOutput(Step.RESTORE, "engineVersion",
                    cluster.engineVersion() != null ? cluster.engineVersion() : snap.engineVersion());
        });
    }

    private static void rollBackParameterGroup(RdsOps rds, Journal j, RunNames n, RunContext ctx) {
        try {
            rds.client().deleteDBClusterParameterGroup(b -> b
                    .dbClusterParameterGroupName(n.parameterGroup()));
            j.markDeleted(Kinds.RDS_PARAMETER_GROUP, n.parameterGroup());
            ctx.progress().info("rolled back: deleted parameter group " + n.parameterGroup());
        } catch (SdkException e) {
            ctx.progress().info("could not roll back parameter group " + n.parameterGroup() + " (" + AwsErrors.code(e)
                    + "): remove it with: pgvector-migrate cleanup --run-id " + n.runId());
        }
    }

    @Override
    public ConnectionSpec credentials(RunContext ctx) {
        return AwsErrors.guard(() -> {
            Journal j = ctx.journal();
            AwsWaits waits = waits(ctx);
            RdsOps rds = new RdsOps(aws.rds());
            Secrets secrets = new Secrets(aws.secretsManager());
            RunNames n = new RunNames(ctx.runId());
            String endpoint = j.output(Step.RESTORE, "endpoint").orElseThrow(() -> ToolException.usage(
                    "run " + n.runId() + " has no restored cluster yet: run 'pgvector-migrate restore --run-id " + n.runId() + " ...' first"));
            int port = Integer.parseInt(j.output(Step.RESTORE, "port").orElse("5432"));
            String database = j.output(Step.RESTORE, "database").orElse("postgres");
            String clusterId = j.output(Step.RESTORE, "clusterId").orElse(n.cluster());
            String username = j.output(Step.RESTORE, "username").orElse("postgres");

            DbSecret captured = options.resetPassword() ? null : j.resourcesOfKind(Kinds.SECRET).stream()
                    .filter(r -> !r.deleted() && Kinds.PURPOSE_CAPTURED.equals(r.attribute(Kinds.ATTR_PURPOSE)))
                    .findFirst().map(r -> secrets.read(r.attributes().getOrDefault(Kinds.ATTR_ARN, r.id()))).orElse(null);
            if (captured != null && !Passwords.meetsDms(captured.password())) {
                ctx.progress().info("the captured password holds characters DMS rejects (quote, double quote, ';' or space): "
                        + "resetting the temporary cluster's password instead");
                captured = null;
            }
            String prevSource = j.output(Step.CREDENTIALS, "passwordSource").orElse(null);
            boolean prevApplied = j.output(Step.CREDENTIALS, "passwordApplied").map(Boolean::parseBoolean).orElse(false);
            DbSecret current = secrets.describe(n.sourceSecret()).filter(d -> d.deletedDate() == null)
                    .filter(d -> Tags.belongsTo(Tags.fromSecrets(d.tags()), n.runId()))
                    .map(d -> secrets.read(d.arn())).orElse(null);
            DbSecret base = new DbSecret("postgres", endpoint, port, username, null, database, clusterId);
            String description = "pgvector-migrate run " + n.runId() + ": credentials of the temporary cluster " + clusterId;

            DbSecret value;
            String source;
            boolean apply;
            if (captured != null) {
                value = new DbSecret("postgres", endpoint, port, captured.username(), captured.password(), database, clusterId);
                source = Kinds.PURPOSE_CAPTURED;
                apply = false;
                ctx.progress().info("credentials: the captured secret's password (the restored copy keeps the old master password)");
            } else {
                boolean reuse = current != null && "generated".equals(prevSource);
                value = base.withPassword(reuse ? current.password() : Passwords.generate(random));
                source = "generated";
                apply = !(reuse && prevApplied);
                ctx.progress().info("credentials: " + (reuse ? "the run's generated password" : "a new generated password")
                        + " in secret " + n.sourceSecret());
            }
            j.putOutput(Step.CREDENTIALS, "passwordSource", source);
            if (apply) j.putOutput(Step.CREDENTIALS, "passwordApplied", "false");
            Secrets.Ensured s = secrets.ensure(j, aws.region(), n.sourceSecret(), Kinds.PURPOSE_TEMPORARY_SOURCE,
                    Tags.ROLE_SOURCE_CREDENTIALS, description, value);
            if (!s.created() && (current == null || !value.toJson().equals(current.toJson()))) secrets.put(s.arn(), value, n.runId());
            if (apply) {
                ctx.progress().info("resetting the master password of " + clusterId);
                new TemporaryCluster(waits, rds, options.waitTimeout()).resetMasterPassword(n, value.password());
                j.putOutput(Step.CREDENTIALS, "passwordApplied", "true");
            }
            j.putOutput(Step.CREDENTIALS, "secretArn", s.arn());
            j.putOutput(Step.CREDENTIALS, "secretName", n.sourceSecret());
            return new ConnectionSpec(endpoint, port, database, value.username(), value.password(), Map.of());
        });
    }

    @Override
    public void teardown(RunContext ctx) {
        AwsErrors.guard(() -> {
            AwsWaits waits = waits(ctx);
            AwsCleanup cleanup = new AwsCleanup(aws, waits);
            List<AwsCleanup.Item> items = cleanup.inspect(ctx.journal(), ctx.runId(), false);
            AwsCleanup.Report r = cleanup.execute(ctx.journal(), ctx.runId(), "journal", items,
                    new AwsCleanup.Options(false, options.finalSnapshot(), false, options.waitTimeout()));
            if (r.count(AwsCleanup.Action.REFUSE) > 0) {
                throw ToolException.usage("teardown left " + r.count(AwsCleanup.Action.REFUSE) + " resource(s) in place that are not "
                        + "tagged for run " + ctx.runId() + ": see pgvector-migrate status --run-id " + ctx.runId());
            }
        });
    }

    /** The restored cluster as recorded in the journal, once restore and credentials are done. */
    public static Optional<TemporarySource> temporarySource(Journal j) {
        Optional<String> endpoint = j.output(Step.RESTORE, "endpoint");
        Optional<String> secret = j.output(Step.CREDENTIALS, "secretArn");
        if (endpoint.isEmpty() || secret.isEmpty()) return Optional.empty();
        Map<String, String> p = j.parameters();
        return Optional.of(new TemporarySource(p.get(P_REGION), j.output(Step.RESTORE, "clusterId").orElse(null),
                j.output(Step.RESTORE, "clusterArn").orElse(null), j.output(Step.RESTORE, "instanceId").orElse(null),
                endpoint.get(), Integer.parseInt(j.output(Step.RESTORE, "port").orElse("5432")),
                j.output(Step.RESTORE, "database").orElse("postgres"), j.output(Step.RESTORE, "username").orElse(null),
                j.output(Step.RESTORE, "engineVersion").orElse(null), secret.get(), p.get(P_SUBNET_GROUP),
                TargetInfo.split(p.get(P_SECURITY_GROUPS)), TargetInfo.fromJournal(p)));
    }
}
