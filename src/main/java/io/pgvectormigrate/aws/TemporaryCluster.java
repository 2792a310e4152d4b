package io.pgvectormigrate.aws;

import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pipeline.Journal;
import software.amazon.awssdk.services.rds.model.DBCluster;
import software.amazon.awssdk.services.rds.model.DBClusterMember;
import software.amazon.awssdk.services.rds.model.DBInstance;
import software.amazon.awssdk.services.rds.model.DbClusterAlreadyExistsException;
import software.amazon.awssdk.services.rds.model.DbClusterParameterGroupNotFoundException;
import software.amazon.awssdk.services.rds.model.DbClusterQuotaExceededException;
import software.amazon.awssdk.services.rds.model.DbClusterSnapshotNotFoundException;
import software.amazon.awssdk.services.rds.model.DbInstanceAlreadyExistsException;
import software.amazon.awssdk.services.rds.model.DbSubnetGroupNotFoundException;
import software.amazon.awssdk.services.rds.model.InvalidDbClusterSnapshotStateException;
import software.amazon.awssdk.services.rds.model.InvalidDbClusterStateException;
import software.amazon.awssdk.services.rds.model.InvalidDbInstanceStateException;
import software.amazon.awssdk.services.rds.model.InvalidSubnetException;
import software.amazon.awssdk.services.rds.model.InvalidVpcNetworkStateException;
import software.amazon.awssdk.services.rds.model.KmsKeyNotAccessibleException;
import software.amazon.awssdk.services.rds.model.RdsException;
import software.amazon.awssdk.services.rds.model.StorageQuotaExceededException;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The restored cluster and its Serverless v2 writer: create (or adopt on resume), wait, reset the password.
 * Identifiers come from the run id and are journaled before each create call.
 */
public record TemporaryCluster(AwsWaits waits, RdsOps rds, Duration timeout) {
    public static final String INSTANCE_CLASS = "db.serverless";

    public record Spec(RunNames names, SourceSnapshot snapshot, String subnetGroup, List<String> securityGroupIds,
                       double minAcu, double maxAcu, String region) {}

    /** The cluster of the run, checked to be ours and restored from this snapshot; empty when it does not exist. */
    public Optional<DBCluster> existing(RunNames names, SourceSnapshot snapshot) {
        return rds.cluster(names.cluster()).map(c -> checkOurs(c, names.runId(), snapshot));
    }

    private static DBCluster checkOurs(DBCluster c, String runId, SourceSnapshot snapshot) {
        Map<String, String> tags = Tags.fromRds(c.tagList());
        Tags.requireRun(tags, runId, "cluster " + c.dbClusterIdentifier());
        String from = tags.get(Tags.SOURCE_SNAPSHOT);
        if (snapshot != null && from != null && !from.equals(snapshot.arn())) {
            throw ToolException.usage("run id " + runId + " was already used with snapshot " + from
                    + ": pick another --run-id for snapshot " + snapshot.arn());
        }
        return c;
    }

    /** Restores the cluster (or adopts the run's), then waits until it is available. */
    public DBCluster ensureRestored(Journal journal, Spec spec, String parameterGroup) {
        RunNames n = spec.names();
        String id = n.cluster();
        DBCluster c = existing(n, spec.snapshot()).orElse(null);
        if (c == null) {
            journal.recordResource(Kinds.RDS_CLUSTER, id,
                    Map.of(Kinds.ATTR_REGION, spec.region(), "snapshot", spec.snapshot().arn()));
            Map<String, String> tags = Tags.of(n.runId(), Tags.ROLE_TEMPORARY_SOURCE);
            tags.put(Tags.SOURCE_SNAPSHOT, spec.snapshot().arn());
            SourceSnapshot s = spec.snapshot();
            try {
                c = rds.client().restoreDBClusterFromSnapshot(b -> {
                    b.dbClusterIdentifier(id).snapshotIdentifier(s.arn()).engine(s.engine()).engineVersion(s.engineVersion())
                            .dbClusterParameterGroupName(parameterGroup)
                            .serverlessV2ScalingConfiguration(sc -> sc.minCapacity(spec.minAcu()).maxCapacity(spec.maxAcu()))
                            .deletionProtection(false).copyTagsToSnapshot(true).tags(Tags.rds(tags));
                    if (spec.subnetGroup() != null) b.dbSubnetGroupName(spec.subnetGroup());
                    if (!spec.securityGroupIds().isEmpty()) b.vpcSecurityGroupIds(spec.securityGroupIds());
                    if (s.encrypted() && s.kmsKeyId() != null) b.kmsKeyId(s.kmsKeyId());
                    if (s.port() != null) b.port(s.port());
                }).dbCluster();
            } catch (DbClusterAlreadyExistsException e) {
                c = existing(n, spec.snapshot()).orElseThrow(() -> e);
            } catch (KmsKeyNotAccessibleException e) {
                journal.markDeleted(Kinds.RDS_CLUSTER, id);
                throw ToolException.usage("the snapshot's KMS key " + s.kmsKeyId() + " is not accessible to these credentials ("
                        + AwsErrors.message(e) + "): allow kms:CreateGrant, kms:Decrypt and kms:DescribeKey on it, "
                        + "or copy the snapshot with a key you can use", e);
            } catch (DbSubnetGroupNotFoundException | InvalidVpcNetworkStateException | InvalidSubnetException
                     | DbClusterParameterGroupNotFoundException | DbClusterSnapshotNotFoundException
                     | InvalidDbClusterSnapshotStateException | DbClusterQuotaExceededException | StorageQuotaExceededException e) {
                journal.markDeleted(Kinds.RDS_CLUSTER, id);
                throw ToolException.usage("cannot restore " + id + " (" + AwsErrors.code(e) + "): " + AwsErrors.message(e)
                        + ": check --db-subnet-group, --vpc-security-group-ids and the account's quotas", e);
            } catch (RdsException e) {
                String code = AwsErrors.code(e);
                if (!code.equals("InvalidParameterCombination") && !code.equals("InvalidParameterValue")) throw e;
                journal.markDeleted(Kinds.RDS_CLUSTER, id);
                throw ToolException.usage("AWS refused to restore " + id + " (" + code + "): " + AwsErrors.message(e)
                        + ": for an engine version no longer offered pass --engine-version (aws rds describe-db-engine-versions "
                        + "--engine aurora-postgresql)", e);
            }
        }
        journal.recordResource(Kinds.RDS_CLUSTER, id, Map.of(Kinds.ATTR_ARN, c.dbClusterArn()));
        return waitAvailable(n);
    }

    public DBCluster waitAvailable(RunNames n) {
        String id = n.cluster();
        waits.until("cluster " + id + " to be available", () -> rds.clusterStatus(id), "available"::equals,
                RdsOps::clusterFailed, timeout, hint(n));
        return rds.cluster(id).orElseThrow(() -> ToolException.runtime("cluster " + id + " disappeared; " + hint(n)));
    }

    /** Creates the db.serverless writer (or adopts the run's) once the cluster is available, and waits for it. */
    public DBInstance ensureWriter(Journal journal, RunNames n, String region) {
        String id = n.writer();
        DBInstance existing = rds.instance(id).orElse(null);
        if (existing == null) {
            journal.recordResource(Kinds.RDS_INSTANCE, id, Map.of(Kinds.ATTR_REGION, region, Kinds.ATTR_CLUSTER, n.cluster()));
            try {
                existing = createWriter(n, id);
            } catch (InvalidDbClusterStateException e) {
                // the cluster left "available" between our check and the call (e.g. a backup): wait and try once more
                waitAvailable(n);
                existing = createWriter(n, id);
            } catch (DbInstanceAlreadyExistsException e) {
                existing = rds.instance(id).orElseThrow(() -> e);
            }
        }
        Tags.requireRun(Tags.fromRds(existing.tagList()), n.runId(), "instance " + id);
        if (!n.cluster().equals(existing.dbClusterIdentifier())) {
            throw ToolException.usage("instance " + id + " exists but belongs to cluster " + existing.dbClusterIdentifier()
                    + ": pick another --run-id");
        }
        if (existing.dbInstanceArn() != null) journal.recordResource(Kinds.RDS_INSTANCE, id, Map.of(Kinds.ATTR_ARN, existing.dbInstanceArn()));
        waitWriterAvailable(n);
        return rds.instance(id).orElseThrow(() -> ToolException.runtime("instance " + id + " disappeared; " + hint(n)));
    }

    private void waitWriterAvailable(RunNames n) {
        waits.until("writer " + n.writer() + " to be available", () -> rds.instanceStatus(n.writer()),
                "available"::equals, RdsOps::instanceFailed, timeout, hint(n));
    }

    private DBInstance createWriter(RunNames n, String id) {
        return rds.client().createDBInstance(b -> b.dbInstanceIdentifier(id)
                .dbClusterIdentifier(n.cluster()).dbInstanceClass(INSTANCE_CLASS).engine(SourceSnapshot.ENGINE)
                .publiclyAccessible(false).tags(Tags.rds(Tags.of(n.runId(), Tags.ROLE_TEMPORARY_SOURCE)))).dbInstance();
    }

    /**
     * Logical replication in effect on the writer. rds.logical_replication is static: it takes effect when the engine
     * starts, and RDS asks to wait 5 minutes after creating a parameter group before a cluster uses it, so a writer may
     * come up with the old values. Once the writer is available this reads its DBClusterMembers[].DBClusterParameterGroupStatus;
     * when it is not in-sync (pending-reboot), reboots the writer and waits until it is available and in sync again.
     * (The engines' preflight then confirms {@code SHOW wal_level} = logical over SQL before anything depends on it.)
     *
     * @return how many reboots it took (0 when the group was in effect already)
     */
    public int ensureParametersInEffect(RunNames n) {
        String writer = n.writer();
        int reboots = 0;
        while (true) {
            waitWriterAvailable(n);
            String status = waits.until("the parameter group status of writer " + writer, () -> memberStatus(n),
                    s -> "in-sync".equals(s) || "pending-reboot".equals(s), s -> false, timeout, hint(n));
            if (status.equals("in-sync")) return reboots;
            if (reboots >= MAX_REBOOTS) {
                throw ToolException.runtime("the cluster parameter group of " + n.cluster() + " is still '" + status + "' on writer " + writer
                        + " after " + reboots + " reboot(s): check it with aws rds describe-db-clusters --db-cluster-identifier " + n.cluster()
                        + " and reboot the writer yourself (aws rds reboot-db-instance --db-instance-identifier " + writer + "), then re-run; " + hint(n));
            }
            waits.progress().info("  writer " + writer + ": parameter group status '" + status + "', rebooting it so logical replication takes effect");
            try {
                rds.client().rebootDBInstance(b -> b.dbInstanceIdentifier(writer));
            } catch (InvalidDbInstanceStateException e) {
                continue; // it left "available" meanwhile (a reboot of an earlier attempt?): wait again
            }
            reboots++;
            startsShowing(n, "writer " + writer + " to start rebooting", () -> rds.instanceStatus(writer));
        }
    }

    static final int MAX_REBOOTS = 2;

    /** The writer's DBClusterParameterGroupStatus; null while the cluster does not list it as a member yet. */
    private String memberStatus(RunNames n) {
        return rds.cluster(n.cluster()).flatMap(c -> c.dbClusterMembers().stream()
                .filter(m -> n.writer().equalsIgnoreCase(m.dbInstanceIdentifier())).findFirst())
                .map(DBClusterMember::dbClusterParameterGroupStatus).orElse(null);
    }

    /** Looks this many times for a change RDS accepted to show in the status, before waiting on what the status says. */
    static final int SHOW_POLLS = 3;

    /**
     * The status may still read "available" for a moment after RDS accepted a change (a reboot, a password reset):
     * gives it {@link #SHOW_POLLS} looks to leave "available". A change that has come and gone between two looks
     * shows as "available" again, so not seeing it is no failure.
     */
    private void startsShowing(RunNames n, String what, Supplier<String> status) {
        int[] looks = {0};
        waits.poll(timeout, waited -> !"available".equals(status.get()) || ++looks[0] >= SHOW_POLLS
                ? Optional.of(true) : Optional.empty(), () -> ToolException.runtime("timed out waiting for " + what + "; " + hint(n)));
    }

    public void resetMasterPassword(RunNames n, String password) {
        String id = n.cluster();
        try {
            modifyPassword(id, password);
        } catch (InvalidDbClusterStateException e) {
            waitAvailable(n);
            modifyPassword(id, password);
        }
        // RDS applies a new master password asynchronously: the cluster reports resetting-master-credentials until
        // it takes effect, and the old password works until then. So: wait for the reset to show, then for its end.
        startsShowing(n, "cluster " + id + " to start resetting its master password", () -> rds.clusterStatus(id));
        waitAvailable(n);
    }

    private void modifyPassword(String id, String password) {
        rds.client().modifyDBCluster(b -> b.dbClusterIdentifier(id)
                .masterUserPassword(password).applyImmediately(true));
    }

    static String hint(RunNames n) {
        return "re-run the same command to resume, or remove what run " + n.runId() + " made with: pgvector-migrate cleanup --run-id " + n.runId();
    }
}
