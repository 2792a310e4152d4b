package io.pgvectormigrate.aws.dms;

import io.pgvectormigrate.aws.AwsWaits;
import io.pgvectormigrate.core.Durations;
import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.report.Progress;
import software.amazon.awssdk.services.databasemigration.DatabaseMigrationClient;
import software.amazon.awssdk.services.databasemigration.model.DataMigration;
import software.amazon.awssdk.services.databasemigration.model.DataMigrationStatistics;
import software.amazon.awssdk.services.databasemigration.model.InvalidResourceStateException;
import software.amazon.awssdk.services.databasemigration.model.StartReplicationMigrationTypeValue;

import java.util.Locale;
import java.util.Optional;

/**
 * The DMS engine's second job: start the data migration and watch it until the full load is done (or CDC streams),
 * judging completion, errored tables and failures from what DMS reports.
 */
record LoadWatch(DatabaseMigrationClient dms, DmsOptions options, AwsWaits waits) {

    /**
     * Starts the data migration (or continues one an earlier attempt started) and polls until the full load is done or,
     * for full-load-and-cdc, changes are streaming. Completion is judged as DMS reports it: a full load that finished
     * ends in Stopped (the guide lists no "Load complete" for it); statistics are optional. What happens to an earlier
     * attempt's migration: Ready is started; Failed is started again from scratch (reload-target); Stopped is never
     * reloaded: a full load is judged done, a CDC migration resumes replication (resume-processing).
     */
    DataMigration untilLoaded(DmsObjects objects, DataMigration initial, Progress progress) {
        String arn = initial.dataMigrationArn();
        String name = initial.dataMigrationName();
        boolean cdc = options.migrationType().cdc();
        StatusLine line = new StatusLine(options.heartbeat());
        boolean[] startedHere = {false};
        // a failure or stop seen after this call watched it run (or started it) is reported, never silently restarted
        boolean[] watched = {false};
        DataMigration[] seen = {null};
        return waits.poll(options.timeout(), waited -> {
            // the first look judges the caller's description; every later one describes again
            DataMigration dm = seen[0] == null ? initial : objects.findDataMigration(arn).orElseThrow(() -> ToolException.runtime(
                    "DMS data migration " + name + " disappeared while running (deleted outside the tool?): re-run the same command to recreate it"));
            while (true) {
                seen[0] = dm;
                DmsStatus status = DmsStatus.of(dm.dataMigrationStatus());
                if (status.active()) watched[0] = true;
                line.print(dm, waited, progress);
                if (!cdc && status == DmsStatus.STOPPED) return Optional.of(fullLoadStopped(dm));
                if (cdc && status.streaming()) {
                    requireNoErroredTables(dm);
                    return Optional.of(dm);
                }
                if (status == DmsStatus.FAILED && (startedHere[0] || watched[0])) throw failure(dm);
                if (status == DmsStatus.STOPPED && (startedHere[0] || watched[0])) {
                    throw ToolException.runtime("DMS data migration " + name + " was stopped before changes were streaming"
                            + StatusLine.stopDetails(dm) + ": re-run the same command to resume replication (resume-processing; nothing is reloaded)");
                }
                StartReplicationMigrationTypeValue type = startedHere[0] ? null : startType(status, cdc).orElse(null);
                if (type != null) {
                    if (type == StartReplicationMigrationTypeValue.RELOAD_TARGET) {
                        progress.info("dms: restarting " + name + " from scratch (reload-target) after an earlier failed attempt"
                                + (dm.lastFailureMessage() == null ? "" : ": " + dm.lastFailureMessage()));
                    } else if (type == StartReplicationMigrationTypeValue.RESUME_PROCESSING) {
                        progress.info("dms: resuming replication of " + name + " (resume-processing), stopped earlier" + StatusLine.stopDetails(dm));
                    }
                    try {
                        DataMigration afterStart = DmsObjects.call("StartDataMigration",
                                () -> dms.startDataMigration(b -> b.dataMigrationIdentifier(arn).startType(type))).dataMigration();
                        startedHere[0] = true;
                        if (afterStart != null && afterStart.dataMigrationStatus() != null) {
                            // the start response's state, not the failure we just restarted from
                            dm = afterStart;
                            continue;
                        }
                    } catch (InvalidResourceStateException e) {
                        // its state moved on since we described it; look again
                    }
                }
                return Optional.empty();
            }
        }, () -> ToolException.runtime("DMS data migration " + name + " is still '" + seen[0].dataMigrationStatus() + "' after "
                + Durations.human(options.timeout()) + ": it keeps running on AWS; re-run the same command to keep waiting, "
                + "or `pgvector-migrate cleanup --run-id " + objects.names().runId() + "` to stop and delete it"));
    }

    /** The start type a migration in this state gets (see {@link #untilLoaded}; plan asks too), or none. */
    static Optional<StartReplicationMigrationTypeValue> startType(DmsStatus status, boolean cdc) {
        if (!status.startable() || (!cdc && status == DmsStatus.STOPPED)) return Optional.empty();
        return Optional.of(switch (status) {
            case READY -> StartReplicationMigrationTypeValue.START_REPLICATION;
            case STOPPED -> StartReplicationMigrationTypeValue.RESUME_PROCESSING;
            default -> StartReplicationMigrationTypeValue.RELOAD_TARGET;
        });
    }

    /** What DMS's statistics say about a stopped full load. */
    enum Completion { COMPLETE, INCOMPLETE, UNKNOWN }

    /** Statistics are optional in the model: judged only from the fields DMS sent. */
    static Completion completion(DataMigration dm) {
        DataMigrationStatistics s = dm.dataMigrationStatistics();
        if (s == null) return Completion.UNKNOWN;
        if (positive(s.tablesLoading()) || positive(s.tablesQueued())
                || (s.fullLoadPercentage() != null && s.fullLoadPercentage() < 100)) {
            return Completion.INCOMPLETE;
        }
        if (s.fullLoadPercentage() != null || s.tablesQueued() != null || s.tablesLoading() != null) return Completion.COMPLETE;
        return Completion.UNKNOWN;
    }

    private static boolean positive(Integer i) {
        return i != null && i > 0;
    }

    /**
     * A full load in Stopped: done, unless what DMS reports says otherwise (errored, queued or loading tables, less than
     * 100%). Never restarted by the tool: reload-target truncates the target and loads it again.
     */
    DataMigration fullLoadStopped(DataMigration dm) {
        requireNoErroredTables(dm);
        if (completion(dm) == Completion.INCOMPLETE) {
            throw ToolException.runtime("DMS data migration " + dm.dataMigrationName() + " stopped before its full load completed"
                    + StatusLine.stopDetails(dm) + " (" + StatusLine.format(dm, null) + "). The tool does not reload a stopped migration by itself "
                    + "(reload-target truncates the target tables): to load again from scratch, run `aws dms start-data-migration "
                    + "--data-migration-identifier " + dm.dataMigrationArn() + " --start-type reload-target`, then re-run the same command to wait for it");
        }
        return dm;
    }

    private void requireNoErroredTables(DataMigration dm) {
        DataMigrationStatistics s = dm.dataMigrationStatistics();
        if (s != null && positive(s.tablesErrored())) {
            throw ToolException.runtime("DMS data migration " + dm.dataMigrationName() + " finished with " + s.tablesErrored()
                    + " errored table(s)" + (dm.lastFailureMessage() == null ? "" : ": " + dm.lastFailureMessage())
                    + StatusLine.stopDetails(dm) + " (likely cause: " + likelyCause(dm.lastFailureMessage(), options.region(), dm.dataMigrationName())
                    + "); after fixing it, load again from scratch with `aws dms start-data-migration --data-migration-identifier "
                    + dm.dataMigrationArn() + " --start-type reload-target` and re-run the same command");
        }
    }

    ToolException failure(DataMigration dm) {
        String msg = dm.lastFailureMessage() == null || dm.lastFailureMessage().isBlank() ? "no failure message from DMS" : dm.lastFailureMessage();
        return ToolException.runtime("DMS data migration " + dm.dataMigrationName() + " failed: " + msg + StatusLine.stopDetails(dm)
                + " (likely cause: " + likelyCause(msg, options.region(), dm.dataMigrationName()) + "). "
                + "Fix it and re-run the same command: the migration restarts from scratch"
                + (options.tablePreparation() == DmsOptions.TablePreparation.TRUNCATE ? " and truncates the target tables first"
                : "; with table preparation do-nothing, empty the target tables yourself first"));
    }

    /**
     * DMS's failure message turned into the likely cause and what to do. DMS's own words stay in the message; the hint
     * only adds the causes seen most with homogeneous migrations (the role's network permissions, network path, secrets
     * role, logical replication off on the source) and a pointer to the CloudWatch log otherwise.
     */
    static String likelyCause(String failureMessage, String region, String dataMigrationName) {
        String m = failureMessage == null ? "" : failureMessage.toLowerCase(Locale.ROOT);
        if (m.contains("logical replication") || m.contains("wal_level") || m.contains("rds.logical_replication")
                || m.contains("replication slot") && m.contains("not")) {
            return "logical replication is off on the source: the temporary cluster needs a cluster parameter group with "
                    + "rds.logical_replication=1 and a writer restarted with it (the restore step sets this up; check the "
                    + "cluster's parameter group and reboot the writer), then re-run";
        }
        if (m.contains("not authorized to perform: ec2:") || m.contains("not authorized to perform: logs:")
                || m.contains("not authorized to perform: servicequotas:") || m.contains("not authorized to perform: cloudwatch:")) {
            return "the DMS role lacks a permission DMS needs to build the migration's network (VPC peering, routes, security-group "
                    + "rules) or its logs: attach the policy `pgvector-migrate iam-policy --document dms-permissions` prints "
                    + "(the AWS DMS user guide's HomogeneousDataMigrationsPolicy; docs/iam.md) to the role, then re-run";
        }
        if (m.contains("secret") || m.contains("assumerole") || m.contains("assume role") || m.contains("not authorized")
                || m.contains("accessdenied") || m.contains("access denied") || m.contains("kms")) {
            return "DMS could not read the database credentials: the secrets-access role must trust dms-data-migrations.amazonaws.com and dms."
                    + (region == null ? "<region>" : region) + ".amazonaws.com and allow secretsmanager:GetSecretValue on both secrets "
                    + "(plus kms:Decrypt for a customer-managed key); `pgvector-migrate iam-policy` prints the role's policies";
        }
        if (m.contains("password authentication") || m.contains("authentication failed") || m.contains("role \"") && m.contains("does not exist")) {
            return "the credentials in a secret are wrong or outdated (rotation?): check the user name and password the secret holds; "
                    + "DMS passwords may not contain ' \" ; or spaces";
        }
        if (m.contains("timeout") || m.contains("timed out") || m.contains("connect") || m.contains("unreachable")
                || m.contains("network") || m.contains("no route") || m.contains("resolve") || m.contains("host")) {
            return "network path: DMS runs in the instance profile's subnets with its security groups; both databases' security groups "
                    + "must admit that security group (or the subnets' CIDR) on the database port, and the subnets need a route to both clusters";
        }
        if (m.contains("does not exist") || m.contains("relation")) {
            return "a selected table is missing on one side: run prepare-target (the DMS engine truncates and loads existing tables) and check the table filter";
        }
        return "see the CloudWatch log group of the data migration (dms-data-migration-*" + (dataMigrationName == null ? "" : ", " + dataMigrationName)
                + ") for the details";
    }
}
