package io.pgvectormigrate.aws;

import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pipeline.Journal;
import io.pgvectormigrate.pipeline.RunContext;
import software.amazon.awssdk.services.rds.model.DBCluster;
import software.amazon.awssdk.services.rds.model.DBClusterSnapshot;
import software.amazon.awssdk.services.rds.model.DbClusterSnapshotAlreadyExistsException;
import software.amazon.awssdk.services.rds.model.InvalidDbClusterStateException;

import java.time.Duration;
import java.util.Map;

/**
 * Before the deploy that replaces the cluster: copies its current credentials into a secret the tool owns (so
 * the password survives rotation and replacement), and optionally takes a manual snapshot and waits for it.
 */
public record Capture(AwsClients aws) {
    /**
     * @param clusterId the cluster about to be replaced
     * @param secretId  its credentials secret; null = the stack's DbConfigSecretArn, else the cluster's RDS-managed secret
     * @param stackName stack to read DbConfigSecretArn from when secretId is null (may be null)
     */
    public record Options(String clusterId, String secretId, String stackName, boolean snapshot, Duration waitTimeout) {}

    /** What capture made (no password). */
    public record Result(String runId, String region, String clusterId, String copiedFrom, String secretName, String secretArn,
                         String snapshotId, String snapshotArn) {}

    public Result run(RunContext ctx, Options o) {
        return AwsErrors.guard(() -> {
            AwsWaits waits = new AwsWaits(aws.pacing(), ctx.progress());
            RdsOps rds = new RdsOps(aws.rds());
            Secrets secrets = new Secrets(aws.secretsManager());
            Journal j = ctx.journal();
            RunNames n = new RunNames(ctx.runId());
            AwsProvider.checkRegion(j, aws.region());
            AwsConstraints.require(n.problems(), "pick another --run-id");

            DBCluster cluster = rds.cluster(o.clusterId()).orElseThrow(() -> ToolException.usage("cluster '" + o.clusterId()
                    + "' not found in " + aws.region() + ": check --cluster and --region (list them with: aws rds describe-db-clusters)"));
            if (!SourceSnapshot.ENGINE.equals(cluster.engine())) {
                throw ToolException.usage("cluster " + o.clusterId() + " is " + cluster.engine() + ": capture works on aurora-postgresql clusters");
            }
            String from = o.secretId();
            if (from == null && o.stackName() != null) from = stackSecret(o.stackName());
            if (from == null && cluster.masterUserSecret() != null) from = cluster.masterUserSecret().secretArn();
            if (from == null) {
                throw ToolException.usage("no credentials secret for cluster " + o.clusterId()
                        + ": pass --secret-id <arn> (or --stack BedrockChatStack to use the stack's DbConfigSecretArn)");
            }
            ctx.progress().info("copying the credentials of " + o.clusterId() + " from " + from);
            DbSecret old = secrets.read(from);
            DbSecret copy = new DbSecret(old.engine() == null ? "postgres" : old.engine(),
                    old.host() != null ? old.host() : cluster.endpoint(),
                    old.port() != null ? old.port() : cluster.port(), old.username(), old.password(),
                    old.dbname() != null ? old.dbname() : cluster.databaseName() != null ? cluster.databaseName() : "postgres",
                    o.clusterId());
            j.putParameter(AwsProvider.P_REGION, aws.region());
            j.putParameter("aws.capture.cluster", o.clusterId());
            if (cluster.dbClusterArn() != null) j.putParameter("aws.capture.clusterArn", cluster.dbClusterArn());
            j.putParameter("aws.capture.sourceSecret", from);
            Secrets.Ensured s = secrets.ensure(j, aws.region(), n.capturedSecret(), Kinds.PURPOSE_CAPTURED,
                    Tags.ROLE_CAPTURED_CREDENTIALS, "pgvector-migrate run " + n.runId() + ": credentials of " + o.clusterId()
                            + " copied before the cluster is replaced", copy);
            if (!s.created()) {
                ctx.progress().info("the run already has a captured secret " + n.capturedSecret() + ": kept as it is");
            }

            String snapId = null;
            String snapArn = null;
            if (o.snapshot()) {
                snapId = n.captureSnapshot();
                snapArn = snapshot(waits, rds, j, n, cluster, o.waitTimeout());
            }
            return new Result(n.runId(), aws.region(), o.clusterId(), from, n.capturedSecret(), s.arn(), snapId, snapArn);
        });
    }

    private String stackSecret(String stackName) {
        var stack = TargetInfo.stack(aws.cloudFormation(), stackName).orElseThrow(() -> ToolException.usage(
                "CloudFormation stack '" + stackName + "' not found in " + aws.region() + ": check --stack and --region"));
        return stack.outputs().stream().filter(out -> "DbConfigSecretArn".equals(out.outputKey())).map(out -> out.outputValue())
                .findFirst().orElseThrow(() -> ToolException.usage("stack '" + stackName + "' has no output DbConfigSecretArn: pass --secret-id"));
    }

    private static String snapshot(AwsWaits waits, RdsOps rds, Journal j, RunNames n, DBCluster cluster, Duration timeout) {
        String id = n.captureSnapshot();
        j.recordResource(Kinds.RDS_SNAPSHOT, id, Kinds.keptSnapshot(j.parameter(AwsProvider.P_REGION).orElse(""),
                Kinds.PURPOSE_CAPTURE, cluster.dbClusterIdentifier()));
        DBClusterSnapshot s = rds.snapshot(id).orElse(null);
        if (s == null) {
            waits.progress().info("taking manual snapshot " + id + " of " + cluster.dbClusterIdentifier());
            try {
                s = rds.client().createDBClusterSnapshot(b -> b
                        .dbClusterSnapshotIdentifier(id).dbClusterIdentifier(cluster.dbClusterIdentifier())
                        .tags(Tags.rds(Tags.of(n.runId(), Tags.ROLE_CAPTURE_SNAPSHOT)))).dbClusterSnapshot();
            } catch (DbClusterSnapshotAlreadyExistsException e) {
                s = rds.snapshot(id).orElseThrow(() -> e);
            } catch (InvalidDbClusterStateException e) {
                j.markDeleted(Kinds.RDS_SNAPSHOT, id);
                throw ToolException.usage("cannot snapshot " + cluster.dbClusterIdentifier() + " now (" + AwsErrors.message(e)
                        + "): wait until it is available and run capture again");
            }
        }
        Tags.requireRun(Tags.fromRds(s.tagList()), n.runId(), "snapshot " + id);
        if (s.dbClusterSnapshotArn() != null) j.recordResource(Kinds.RDS_SNAPSHOT, id, Map.of(Kinds.ATTR_ARN, s.dbClusterSnapshotArn()));
        waits.until("snapshot " + id + " to be available",
                () -> rds.snapshot(id).map(DBClusterSnapshot::status).orElse(null), "available"::equals,
                st -> st == null || "failed".equals(st) || "deleting".equals(st), timeout,
                "run capture again to keep waiting");
        return rds.snapshot(id).map(DBClusterSnapshot::dbClusterSnapshotArn).orElse(null);
    }
}
