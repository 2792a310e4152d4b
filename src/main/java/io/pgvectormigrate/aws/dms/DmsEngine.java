package io.pgvectormigrate.aws.dms;

import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pg.Catalog;
import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pg.CredentialResolver.PasswordPrompt;
import io.pgvectormigrate.pg.Database;
import io.pgvectormigrate.pg.Sequences;
import io.pgvectormigrate.pg.SqlErrors;
import io.pgvectormigrate.pg.SyncPoint;
import io.pgvectormigrate.pg.TableFilter;
import io.pgvectormigrate.pg.TableId;
import io.pgvectormigrate.pipeline.CopyEngine;
import io.pgvectormigrate.pipeline.Endpoints;
import io.pgvectormigrate.pipeline.Journal;
import io.pgvectormigrate.pipeline.Resource;
import io.pgvectormigrate.pipeline.RunContext;
import io.pgvectormigrate.pipeline.Step;
import io.pgvectormigrate.report.Progress;
import io.pgvectormigrate.prepare.TargetPreparer;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.databasemigration.DatabaseMigrationClient;
import software.amazon.awssdk.services.databasemigration.model.DataMigration;
import software.amazon.awssdk.services.databasemigration.model.DataMigrationStatistics;
import software.amazon.awssdk.services.databasemigration.model.InvalidResourceStateException;
import software.amazon.awssdk.services.databasemigration.model.StartReplicationMigrationTypeValue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Copies the rows with an AWS DMS homogeneous data migration (DMS runs pg_dump/pg_restore for the full load
 * and native publication/subscription for CDC in a serverless environment inside the target's VPC).
 *
 * <p>migrate creates, tagged with the run id and journaled before and after each call: a replication subnet
 * group (unless one is given), an instance profile, source and target data providers, a migration project and
 * a data migration; then starts it and polls until the full load is complete (or CDC is streaming). cutover
 * waits for CDC to catch up, stops the migration, drops the publication and slot DMS leaves on the source,
 * carries sequence values and finishes the target (indexes, ANALYZE). teardown deletes the DMS objects in
 * dependency order. Every method is idempotent: a re-run with the same journal continues where a crash left off.
 */
public final class DmsEngine implements CopyEngine {
    /** Journal outputs of the migrate step (identifiers only). */
    static final String OUT_ARN = "dms.data-migration-arn";
    static final String OUT_PREEXISTING_PUBLICATIONS = "dms.preexisting-publications";
    static final String OUT_PREEXISTING_SLOTS = "dms.preexisting-slots";
    static final String KIND_PUBLICATION = "pg.publication";
    static final String KIND_SLOT = "pg.replication-slot";

    /** What happens to the target after the copy (the prepare-target work: deferred indexes, REINDEX, ANALYZE). */
    @FunctionalInterface
    public interface TargetFinisher {
        void afterLoad(ConnectionSpec target, TableFilter tables, Progress progress);
    }

    private final DatabaseMigrationClient dms;
    private final DmsOptions options;
    private final TargetFinisher finisher;
    private final Poller poller;

    public DmsEngine(DatabaseMigrationClient dms, DmsOptions options) {
        this(dms, options, TargetPreparer::afterLoad);
    }

    public DmsEngine(DatabaseMigrationClient dms, DmsOptions options, TargetFinisher finisher) {
        this.dms = dms;
        this.options = options;
        this.finisher = finisher;
        this.poller = new Poller(options.pollInterval());
    }

    @Override
    public String name() {
        return "dms";
    }

    // ---------------------------------------------------------------- preflight

    /** The selection on the source: tables DMS can name, and for CDC, tables logical replication can carry. */
    @Override
    public void checkSource(RunContext ctx, Endpoints endpoints) {
        try (Connection s = connect(endpoints.source(), "source")) {
            selectOnSource(s, endpoints.tables());
        } catch (SQLException e) {
            throw sqlFailure("source", "reading the catalog", e);
        }
    }

    /** The source's selection, refused (exit 2) when DMS cannot migrate it as asked. */
    private Catalog.Selection selectOnSource(Connection s, TableFilter filter) throws SQLException {
        Catalog.Selection selection = Catalog.select(s, filter);
        if (selection.isEmpty()) {
            throw ToolException.usage("no table on the source matches " + filter.describe() + ": check the table filter");
        }
        SelectionRules.forTables(ids(selection.leaves())); // refuses names DMS cannot select
        if (options.migrationType().cdc()) {
            // DMS's CDC is PostgreSQL's logical replication: the source refuses updates and deletes on such a table
            selection.replicaIdentityProblem().ifPresent(p -> {
                throw ToolException.usage(p + "; or use --dms-migration-type full-load");
            });
        }
        return selection;
    }

    private static List<TableId> ids(List<Catalog.Relation> relations) {
        return relations.stream().map(Catalog.Relation::id).toList();
    }

    /** Checks options, both databases and DMS's rules for them before anything is created; every failure is exit 2. */
    @Override
    public void preflight(RunContext ctx, Endpoints endpoints) {
        options.validate();
        new DmsNames(ctx.runId()).require();
        checkDmsCredentialRules(endpoints.source(), "source");
        checkDmsCredentialRules(endpoints.target(), "target");
        int sourceVersion;
        try (Connection s = connect(endpoints.source(), "source")) {
            String walLevel = scalar(s, "SHOW wal_level");
            if (!"logical".equals(walLevel)) {
                throw ToolException.usage("logical replication is off on the source " + endpoints.source().display()
                        + " (wal_level=" + walLevel + "): DMS needs rds.logical_replication=1 in the cluster parameter group, in effect on the "
                        + "writer (the restore step sets it and reboots a writer whose parameter group status is not in-sync; "
                        + "check with aws rds describe-db-clusters, reboot with aws rds reboot-db-instance), then re-run");
            }
            sourceVersion = Integer.parseInt(scalar(s, "SHOW server_version_num"));
        } catch (SQLException e) {
            throw sqlFailure("source", "reading the catalog", e);
        }
        try (Connection t = connect(endpoints.target(), "target")) {
            int targetVersion = Integer.parseInt(scalar(t, "SHOW server_version_num"));
            if (targetVersion < sourceVersion) {
                throw ToolException.usage("the target runs PostgreSQL " + version(targetVersion) + ", older than the source's "
                        + version(sourceVersion) + ": DMS homogeneous migrations need a target at least as new as the source; upgrade the target");
            }
        } catch (SQLException e) {
            throw sqlFailure("target", "reading the server version", e);
        }
        onBothSides(endpoints); // the same refusals as the native engine's preflight: tables, columns, sequences
    }

    /** DMS's rules for database users and passwords (stricter than PostgreSQL's); the password is never shown. */
    public static void checkDmsCredentialRules(ConnectionSpec spec, String side) {
        String user = spec.user();
        if (user == null || !user.matches("[A-Za-z][A-Za-z0-9_]{1,63}")) {
            throw ToolException.usage("DMS cannot log in to the " + side + " as '" + user + "': DMS user names are 2-64 letters, digits "
                    + "or underscores starting with a letter; use another user (the master user works)");
        }
        String pw = spec.password();
        if (pw != null && (pw.isEmpty() || pw.length() > 128 || pw.chars().anyMatch(ch -> ch == '\'' || ch == '"' || ch == ';' || ch == ' '))) {
            throw ToolException.usage("the " + side + " password does not meet DMS's rules (1-128 characters, none of ' \" ; or space): "
                    + "set a password DMS accepts on the " + side + " and in its secret, then re-run");
        }
    }

    // ---------------------------------------------------------------- migrate

    /**
     * The part of migrate that needs neither the source nor its secret: the replication subnet group, the instance
     * profile and the target's data provider. The pipeline runs it while the restore runs (DMS takes minutes to
     * make a profile usable); migrate then finds these objects by name instead of making them. Idempotent.
     *
     * @param target how the tool reaches the target (host, port and database name the data provider defaults to)
     */
    public void headStart(RunContext ctx, ConnectionSpec target) {
        new DmsNames(ctx.runId()).require(); // the options were checked in the run's preflight (before the source secret exists)
        DmsObjects objects = new DmsObjects(dms, options, ctx.journal(), ctx.progress(), poller);
        aws("head start", () -> {
            String subnetGroup = objects.ensureSubnetGroup();
            objects.ensureInstanceProfile(subnetGroup);
            objects.ensureDataProvider("target", options.target(), target);
            return null;
        });
    }

    @Override
    public Migrated migrate(RunContext ctx, Endpoints endpoints) {
        options.validate();
        new DmsNames(ctx.runId()).require();
        Journal journal = ctx.journal();
        Progress progress = ctx.progress();
        Catalog.Selection selection = onBothSides(endpoints);
        List<TableId> tables = ids(selection.leaves());
        String rules = SelectionRules.forTables(tables);
        DmsObjects objects = new DmsObjects(dms, options, journal, progress, poller);
        return aws("migrate", () -> {
            String subnetGroup = objects.ensureSubnetGroup();
            String profile = objects.ensureInstanceProfile(subnetGroup);
            String source = objects.ensureDataProvider("source", options.source(), endpoints.source());
            String target = objects.ensureDataProvider("target", options.target(), endpoints.target());
            String project = objects.ensureProject(profile, source, target);
            DataMigration dm = objects.ensureDataMigration(project, rules);
            journal.putOutput(Step.MIGRATE, OUT_ARN, dm.dataMigrationArn());
            rememberPreexistingLeftovers(journal, endpoints.source());
            DataMigration done = runUntilLoaded(objects, dm, progress);
            // like the native engine, migrate leaves a target verify can compare: sequences and indexes as the source's
            // (cutover does both again, idempotently, after the last change)
            int sequences = carrySequences(endpoints, selection);
            finisher.afterLoad(endpoints.target(), selection.exactly(), progress);
            DataMigrationStatistics st = done.dataMigrationStatistics();
            Map<String, String> figures = new LinkedHashMap<>();
            figures.put("engine", "dms");
            figures.put("dataMigration", done.dataMigrationName());
            figures.put("dataMigrationArn", done.dataMigrationArn());
            figures.put("type", options.migrationType().api());
            figures.put("status", done.dataMigrationStatus());
            if (done.stopReason() != null) figures.put("stopReason", done.stopReason());
            if (done.dataMigrationEndTime() != null) figures.put("dmsEndTime", done.dataMigrationEndTime().toString());
            figures.put("tables", String.valueOf(tables.size()));
            figures.put("dmsStatistics", st == null ? "absent" : "reported");
            if (st != null && st.tablesLoaded() != null) figures.put("tablesLoaded", String.valueOf(st.tablesLoaded()));
            if (st != null && st.elapsedTimeMillis() != null) figures.put("dmsElapsedMillis", String.valueOf(st.elapsedTimeMillis()));
            figures.put("sequencesSet", String.valueOf(sequences));
            String judged = !options.migrationType().cdc() && completion(done) == Completion.UNKNOWN
                    ? " (DMS reported no statistics to confirm every table: verify judges the copy)" : "";
            // DMS reports no rows per table; the names and the figures are what it tells
            List<TableCopy> copied = tables.stream().map(t -> new TableCopy(t.schema() + "." + t.name(), -1, -1)).toList();
            return new Migrated("dms", "DMS " + options.migrationType().api() + " of " + tables.size() + " table(s) "
                    + (options.migrationType().cdc() ? "loaded, changes streaming" : "complete") + judged, copied, List.of(),
                    -1, figures); // CDC latency has no documented unit: a figure when DMS reports it, never a byte lag
        });
    }

    /**
     * The tables the data migration names (the selection's leaves: partitions one by one), each of which must exist on
     * the target with every source column and every selected sequence (prepare-target made them). Asked by preflight
     * and again by migrate, which may run later.
     */
    private Catalog.Selection onBothSides(Endpoints endpoints) {
        Catalog.Selection selection;
        try (Connection s = connect(endpoints.source(), "source")) {
            selection = selectOnSource(s, endpoints.tables());
        } catch (SQLException e) {
            throw sqlFailure("source", "listing the tables", e);
        }
        List<TableId> tables = ids(selection.leaves());
        try (Connection s = connect(endpoints.source(), "source"); Connection t = connect(endpoints.target(), "target")) {
            List<TableId> missing = new ArrayList<>();
            List<String> missingColumns = new ArrayList<>();
            for (TableId x : tables) {
                Optional<Map<String, String>> onTarget = Catalog.columns(t, x);
                if (onTarget.isEmpty()) {
                    missing.add(x);
                    continue;
                }
                for (String column : Catalog.columns(s, x).orElse(Map.of()).keySet()) {
                    if (!onTarget.get().containsKey(column)) missingColumns.add(x.display() + "." + column);
                }
            }
            if (!missing.isEmpty()) {
                throw ToolException.usage("table(s) " + missing.stream().map(TableId::key).toList() + " do not exist on the target: "
                        + "run prepare-target first (the DMS engine " + options.tablePreparation().api()
                        + "s existing tables and loads them; it does not create the schema)");
            }
            if (!missingColumns.isEmpty()) {
                throw ToolException.usage("the target lacks column(s) " + String.join(", ", missingColumns) + ": the target tables "
                        + "must have every source column (prepare-target --schema-from-source copies them)");
            }
            Sequences.requireOnTarget(t, selection.sequences());
        } catch (SQLException e) {
            throw sqlFailure("source or target", "comparing the tables", e);
        }
        return selection;
    }

    /** Publications and slots named like DMS's that exist before DMS starts are not ours to drop later. */
    private void rememberPreexistingLeftovers(Journal journal, ConnectionSpec source) {
        if (journal.output(Step.MIGRATE, OUT_PREEXISTING_SLOTS).isPresent()) return; // recorded before the first start
        try (Connection s = connect(source, "source")) {
            List<String> pubs = DmsLeftovers.publications(s);
            List<String> slots = DmsLeftovers.slotNames(s);
            journal.putOutput(Step.MIGRATE, OUT_PREEXISTING_PUBLICATIONS, String.join(",", pubs));
            journal.putOutput(Step.MIGRATE, OUT_PREEXISTING_SLOTS, String.join(",", slots));
        } catch (SQLException e) {
            throw sqlFailure("source", "reading the publications and slots", e);
        }
    }

    /**
     * Starts the data migration (or continues one an earlier attempt started) and polls until the full load is done or,
     * for full-load-and-cdc, changes are streaming. Completion is judged as DMS reports it: a full load that finished
     * ends in Stopped (the guide lists no "Load complete" for it); statistics are optional. What happens to an earlier
     * attempt's migration: Ready is started; Failed is started again from scratch (reload-target); Stopped is never
     * reloaded: a full load is judged done, a CDC migration resumes replication (resume-processing).
     */
    private DataMigration runUntilLoaded(DmsObjects objects, DataMigration initial, Progress progress) {
        String arn = initial.dataMigrationArn();
        String name = initial.dataMigrationName();
        boolean cdc = options.migrationType().cdc();
        StatusLine line = new StatusLine(options.heartbeat());
        long started = System.nanoTime();
        long deadline = started + options.timeout().toNanos();
        boolean startedHere = false;
        // a failure or stop seen after this call watched it run (or started it) is reported, never silently restarted
        boolean watched = false;
        DataMigration dm = initial;
        while (true) {
            DmsStatus status = DmsStatus.of(dm.dataMigrationStatus());
            if (status.active()) watched = true;
            String text = line.next(dm, Duration.ofNanos(System.nanoTime() - started));
            if (text != null) progress.info(text);
            if (!cdc && status == DmsStatus.STOPPED) return fullLoadStopped(dm);
            if (cdc && status.streaming()) {
                requireNoErroredTables(dm);
                return dm;
            }
            if (status == DmsStatus.FAILED && (startedHere || watched)) throw failure(dm);
            if (status == DmsStatus.STOPPED && (startedHere || watched)) {
                throw ToolException.runtime("DMS data migration " + name + " was stopped before changes were streaming"
                        + StatusLine.stopDetails(dm) + ": re-run the same command to resume replication (resume-processing; nothing is reloaded)");
            }
            if (status.startable() && !startedHere) {
                StartReplicationMigrationTypeValue type = switch (status) {
                    case READY -> StartReplicationMigrationTypeValue.START_REPLICATION;
                    case STOPPED -> StartReplicationMigrationTypeValue.RESUME_PROCESSING;
                    default -> StartReplicationMigrationTypeValue.RELOAD_TARGET;
                };
                if (type == StartReplicationMigrationTypeValue.RELOAD_TARGET) {
                    progress.info("dms: restarting " + name + " from scratch (reload-target) after an earlier failed attempt"
                            + (dm.lastFailureMessage() == null ? "" : ": " + dm.lastFailureMessage()));
                } else if (type == StartReplicationMigrationTypeValue.RESUME_PROCESSING) {
                    progress.info("dms: resuming replication of " + name + " (resume-processing), stopped earlier" + StatusLine.stopDetails(dm));
                }
                try {
                    DataMigration afterStart = DmsErrors.call("StartDataMigration",
                            () -> dms.startDataMigration(b -> b.dataMigrationIdentifier(arn).startType(type))).dataMigration();
                    startedHere = true;
                    if (afterStart != null && afterStart.dataMigrationStatus() != null) {
                        // the start response's state, not the failure we just restarted from
                        dm = afterStart;
                        continue;
                    }
                } catch (InvalidResourceStateException e) {
                    // its state moved on since we described it; look again
                }
            }
            if (System.nanoTime() > deadline) {
                throw ToolException.runtime("DMS data migration " + name + " is still '" + dm.dataMigrationStatus() + "' after "
                        + Poller.human(options.timeout()) + ": it keeps running on AWS; re-run the same command to keep waiting, "
                        + "or `pgvector-migrate cleanup --run-id " + objects.names().runId() + "` to stop and delete it");
            }
            poller.sleep();
            dm = objects.findDataMigration(arn).orElseThrow(() -> ToolException.runtime(
                    "DMS data migration " + name + " disappeared while running (deleted outside the tool?): re-run the same command to recreate it"));
        }
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
    private DataMigration fullLoadStopped(DataMigration dm) {
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
                    + StatusLine.stopDetails(dm) + " (likely cause: " + FailureHints.likelyCause(dm.lastFailureMessage(), options.region(), dm.dataMigrationName())
                    + "); after fixing it, load again from scratch with `aws dms start-data-migration --data-migration-identifier "
                    + dm.dataMigrationArn() + " --start-type reload-target` and re-run the same command");
        }
    }

    private ToolException failure(DataMigration dm) {
        String msg = dm.lastFailureMessage() == null || dm.lastFailureMessage().isBlank() ? "no failure message from DMS" : dm.lastFailureMessage();
        return ToolException.runtime("DMS data migration " + dm.dataMigrationName() + " failed: " + msg + StatusLine.stopDetails(dm)
                + " (likely cause: " + FailureHints.likelyCause(msg, options.region(), dm.dataMigrationName()) + "). "
                + "Fix it and re-run the same command: the migration restarts from scratch"
                + (options.tablePreparation() == DmsOptions.TablePreparation.TRUNCATE ? " and truncates the target tables first"
                : "; with table preparation do-nothing, empty the target tables yourself first"));
    }

    // ---------------------------------------------------------------- cutover

    @Override
    public CutOver cutover(RunContext ctx, Endpoints endpoints) {
        Journal journal = ctx.journal();
        Progress progress = ctx.progress();
        DmsObjects objects = new DmsObjects(dms, options, journal, progress, poller);
        Map<String, String> figures = new LinkedHashMap<>();
        figures.put("engine", "dms");
        Catalog.Selection selection;
        try (Connection s = connect(endpoints.source(), "source")) {
            selection = Catalog.select(s, endpoints.tables());
        } catch (SQLException e) {
            throw sqlFailure("source", "reading the catalog", e);
        }
        aws("cutover", () -> {
            Optional<DataMigration> found = objects.runDataMigration();
            if (found.isEmpty()) goneBeforeCutover(objects, journal, endpoints, selection, progress, figures);
            if (found.isPresent()) {
                // a copy DMS has not finished (or cannot show it replicated everything) is never stopped and cut over
                DataMigration dm = options.migrationType().cdc()
                        ? caughtUp(objects, found.get(), journal, endpoints.source(), progress, figures)
                        : fullLoadFinished(found.get(), objects.names().runId());
                if (!options.migrationType().cdc() && completion(dm) == Completion.UNKNOWN) {
                    rowCountsMatch(dm.dataMigrationName() + " stopped" + StatusLine.stopDetails(dm) + " without statistics",
                            dm.dataMigrationArn(), endpoints, selection, progress, figures);
                }
                if (DmsStatus.of(dm.dataMigrationStatus()).active()) {
                    progress.info("dms: stopping " + dm.dataMigrationName());
                    objects.stopAndWait(dm, options.timeout());
                    progress.info("dms: " + dm.dataMigrationName() + " stopped");
                    figures.put("stopped", "true");
                }
            }
            return null;
        });
        List<String> dropped = dropNewLeftovers(journal, endpoints.source(), progress, true);
        figures.put("leftoversDropped", String.valueOf(dropped.size()));
        if (figures.containsKey(FIG_UNRECOGNIZED_SLOTS)) {
            // judged as DMS's only to be stricter: a slot not named as DMS's are observed to be is never dropped here
            progress.info("dms: replication slot(s) " + figures.get(FIG_UNRECOGNIZED_SLOTS) + " on the source confirmed the sync point but "
                    + "are not named as DMS's slots are (" + DmsLeftovers.SLOT_PREFIX + "*), so they were kept: if one is DMS's, it holds WAL "
                    + "until dropped (SELECT pg_drop_replication_slot('NAME') on the source, once DMS is stopped)");
        }
        int sequences = carrySequences(endpoints, selection);
        figures.put("sequencesSet", String.valueOf(sequences));
        // the selected tables exactly: never one created on the target since, whatever the filter's patterns match
        if (!selection.isEmpty()) finisher.afterLoad(endpoints.target(), selection.exactly(), progress);
        List<String> removed = new ArrayList<>();
        if (figures.containsKey("stopped")) removed.add("data migration " + objects.names().dataMigration() + " (stopped)");
        removed.addAll(dropped);
        return new CutOver("dms", (figures.containsKey("stopped") ? "DMS stopped" : "DMS finished")
                + (dropped.isEmpty() ? "" : ", dropped " + String.join(", ", dropped) + " on the source")
                + ", " + sequences + " sequence(s) carried", List.of(), removed,
                -1, figures);
    }

    /**
     * A full load at cutover: done only in Stopped, judged as migrate judges it (errored, queued or loading tables refuse);
     * Failed is a failure; anything else is a load DMS has not finished, which cutover neither stops nor declares done.
     */
    /**
     * A stopped full load without statistics may have been stopped halfway (by someone, in the console): nothing DMS
     * sent says every table loaded. A full load copies a source the application no longer writes, so exact row counts
     * of every selected table, on both sides, are the tool's own evidence before it calls the copy finished.
     */
    private void rowCountsMatch(String what, String arn, Endpoints endpoints, Catalog.Selection selection, Progress progress,
                                Map<String, String> figures) {
        List<String> differ = new ArrayList<>();
        try (Connection s = connect(endpoints.source(), "source"); Connection t = connect(endpoints.target(), "target")) {
            for (Catalog.Relation r : selection.leaves()) {
                long onSource = Catalog.rowCount(s, r.id());
                long onTarget = Catalog.rowCount(t, r.id());
                if (onSource != onTarget) differ.add(r.id() + " (source " + onSource + ", target " + onTarget + ")");
            }
        } catch (SQLException e) {
            throw sqlFailure("source or target", "counting rows to confirm DMS's full load", e);
        }
        if (!differ.isEmpty()) {
            throw ToolException.runtime("DMS data migration " + what + ", and the row counts differ on " + differ.size() + " table(s): "
                    + String.join(", ", differ) + ". Nothing was cut over. "
                    + (arn == null ? "Start the run again with a new --run-id (its data migration is gone)"
                    : "Load again from scratch with `aws dms start-data-migration --data-migration-identifier " + arn
                    + " --start-type reload-target`, wait for it (the same migrate command), then cut over"));
        }
        progress.info("dms: " + what + "; the row counts of all " + selection.leaves().size() + " table(s) match on source and target");
        figures.put("rowCountsCompared", String.valueOf(selection.leaves().size()));
    }

    /**
     * The run's data migration is gone (cleanup, or deleted in the console) before cutover: nothing DMS can say any more.
     * A full load is judged by the row counts; a CDC run only when an earlier attempt confirmed its sync point, since
     * changes made after the load may never have reached the target.
     */
    private void goneBeforeCutover(DmsObjects objects, Journal journal, Endpoints endpoints, Catalog.Selection selection,
                                   Progress progress, Map<String, String> figures) {
        String name = objects.names().dataMigration();
        if (!options.migrationType().cdc()) {
            rowCountsMatch(name + " is gone (deleted before cutover)", null, endpoints, selection, progress, figures);
            return;
        }
        if (journal.output(Step.CUTOVER, OUT_CONFIRMED).isPresent()) return; // an earlier attempt confirmed the sync point
        throw ToolException.runtime("DMS data migration " + name + " is gone (deleted by cleanup or in the console) before cutover "
                + "confirmed it replicated every change: changes made on the source after the load may be missing on the target, "
                + "and nothing was removed. Compare the databases with `verify` while nothing writes to the source; to finish "
                + "without DMS, give the run up (cutover --abandon --run-id " + objects.names().runId() + ") and run a new migration");
    }

    private DataMigration fullLoadFinished(DataMigration dm, String runId) {
        DmsStatus status = DmsStatus.of(dm.dataMigrationStatus());
        if (status == DmsStatus.FAILED) throw failure(dm);
        if (status == DmsStatus.STOPPED) return fullLoadStopped(dm);
        throw ToolException.runtime("DMS data migration " + dm.dataMigrationName() + " is '" + dm.dataMigrationStatus()
                + "': its full load has not finished, so there is nothing complete to cut over and nothing was stopped. Wait until "
                + "DMS shows it Stopped, then run cutover again; or give the run up with cutover --abandon --run-id " + runId);
    }

    /** Journal outputs of the cutover step, kept across its attempts: the CDC sync point, and DMS's slot position confirming it. */
    static final String OUT_SYNC_POINT = "cdcSyncPoint", OUT_CONFIRMED = "cdcConfirmedPosition";
    /** Figure: slots that confirmed the sync point without DMS's usual name (kept on the source). */
    static final String FIG_UNRECOGNIZED_SLOTS = "slotsKept";

    /**
     * CDC catch-up, judged on the databases rather than on CDCLatency (no documented unit, optional, and not bound to
     * reach exactly 0): the tool takes a sync point on the source ({@link SyncPoint}) and waits until DMS's replication
     * slot on the source has confirmed that position: everything committed before cutover began is then on the target.
     * Only a confirmed sync point lets cutover go on. While DMS streams, each attempt takes a sync point of its own; a
     * migration that stopped (by an earlier attempt, or by someone else) counts as caught up only when a sync point was
     * confirmed before. Failed is a failure; any other status (Starting, Stopping, a label the guide does not list) is DMS
     * still working: the wait goes on until {@code dms.timeout}.
     */
    private DataMigration caughtUp(DmsObjects objects, DataMigration initial, Journal journal, ConnectionSpec source,
                                   Progress progress, Map<String, String> figures) {
        String arn = initial.dataMigrationArn();
        StatusLine line = new StatusLine(options.heartbeat());
        long started = System.nanoTime();
        long deadline = started + options.timeout().toNanos();
        List<String> preexisting = journal.output(Step.MIGRATE, OUT_PREEXISTING_SLOTS).map(DmsEngine::csv).orElse(List.of());
        Optional<String> confirmedEarlier = journal.output(Step.CUTOVER, OUT_CONFIRMED);
        String sync = journal.output(Step.CUTOVER, OUT_SYNC_POINT).orElse(null);
        boolean syncHere = false;
        DataMigration dm = initial;
        while (true) {
            String text = line.next(dm, Duration.ofNanos(System.nanoTime() - started));
            if (text != null) progress.info(text);
            DmsStatus status = DmsStatus.of(dm.dataMigrationStatus());
            if (status == DmsStatus.FAILED) throw failure(dm);
            if (!status.streaming() && confirmedEarlier.isPresent()) {
                figures.put(OUT_SYNC_POINT, sync);
                figures.put(OUT_CONFIRMED, confirmedEarlier.get());
                progress.info("dms: an earlier cutover attempt confirmed DMS caught up (" + confirmedEarlier.get() + ")");
                return dm;
            }
            if (status.streaming() && !syncHere) {
                try (Connection s = connect(source, "source")) {
                    sync = SyncPoint.take(s);
                } catch (SQLException e) {
                    throw sqlFailure("source", "taking the cutover sync point", e);
                }
                syncHere = true;
                journal.putOutput(Step.CUTOVER, OUT_SYNC_POINT, sync);
                progress.info("dms: waiting until DMS has replicated everything up to the source's WAL position " + sync);
            }
            List<SyncPoint.Confirmation> slots = List.of();
            if (sync != null) {
                try (Connection s = connect(source, "source")) {
                    slots = SyncPoint.confirmations(s, DmsLeftovers.SLOT_PREFIX, sync).stream()
                            .filter(p -> !preexisting.contains(p.slot())).toList();
                    if (slots.isEmpty()) {
                        // the slot's name is not documented: without one named as observed, every other logical slot of
                        // the database that is not this tool's must confirm the sync point (stricter, never looser)
                        slots = SyncPoint.confirmations(s, "", sync).stream()
                                .filter(p -> !preexisting.contains(p.slot()) && !p.slot().startsWith(SyncPoint.TOOL_SLOT_PREFIX)).toList();
                    }
                } catch (SQLException e) {
                    throw sqlFailure("source", "reading the replication slots", e);
                }
            }
            if (!slots.isEmpty() && slots.stream().allMatch(SyncPoint.Confirmation::reached)) {
                journal.putOutput(Step.CUTOVER, OUT_CONFIRMED, slots.get(0).confirmed());
                List<String> unrecognized = slots.stream().map(SyncPoint.Confirmation::slot)
                        .filter(n -> !n.startsWith(DmsLeftovers.SLOT_PREFIX)).toList();
                if (!unrecognized.isEmpty()) figures.put(FIG_UNRECOGNIZED_SLOTS, String.join(",", unrecognized));
                figures.put(OUT_SYNC_POINT, sync);
                figures.put(OUT_CONFIRMED, slots.get(0).confirmed());
                DataMigrationStatistics st = dm.dataMigrationStatistics();
                if (st != null && st.cdcLatency() != null) figures.put("cdcLatencyReported", String.valueOf(st.cdcLatency()));
                progress.info("dms: caught up: " + slots.stream().map(p -> p.slot() + " confirmed " + p.confirmed())
                        .collect(java.util.stream.Collectors.joining(", ")) + " >= " + sync);
                return dm;
            }
            if (slots.isEmpty() && status.streaming()) {
                throw ToolException.runtime("cannot confirm that DMS caught up: no logical replication slot of DMS is on the source "
                        + "database, so the tool cannot check DMS's position. Nothing was stopped or removed. Re-run cutover once DMS "
                        + "shows " + dm.dataMigrationName() + " replicating (its slot appears when CDC starts), or give the run up "
                        + "with cutover --abandon --run-id " + objects.names().runId());
            }
            if (status == DmsStatus.STOPPED) {
                throw ToolException.runtime("DMS data migration " + dm.dataMigrationName() + " stopped" + StatusLine.stopDetails(dm)
                        + " before cutover confirmed it replicated everything" + (sync == null ? "" : " up to " + sync)
                        + ": changes made on the source since may be missing on the target, and nothing was removed. Resume it with "
                        + "`aws dms start-data-migration --data-migration-identifier " + arn + " --start-type resume-processing`, "
                        + "then run cutover again");
            }
            if (System.nanoTime() > deadline) {
                throw ToolException.runtime("CDC of " + dm.dataMigrationName() + " did not " + (sync == null
                        ? "stream changes (it is '" + dm.dataMigrationStatus() + "')" : "reach the source's position " + sync
                        + " (DMS's slot confirmed " + (slots.isEmpty() ? "nothing" : slots.stream().map(SyncPoint.Confirmation::confirmed)
                        .collect(java.util.stream.Collectors.joining(", "))) + ")") + " within " + Poller.human(options.timeout())
                        + ": is DMS still replicating? Nothing was stopped or removed; re-run cutover to keep waiting");
            }
            poller.sleep();
            dm = objects.findDataMigration(arn).orElseThrow(() -> ToolException.runtime(
                    "DMS data migration " + initial.dataMigrationName() + " disappeared during cutover"));
        }
    }

    /** Sequences forward to the source's position, never back; returns how many are now in step with the source. */
    private static int carrySequences(Endpoints endpoints, Catalog.Selection selection) {
        try (Connection s = connect(endpoints.source(), "source"); Connection t = connect(endpoints.target(), "target")) {
            return Sequences.carry(s, t, selection.sequences()).size();
        } catch (SQLException e) {
            throw sqlFailure("source or target", "carrying sequence values to the target", e);
        }
    }

    /**
     * Drops the publications and slots named like DMS's that appeared since the engine first started DMS
     * (journaled first, so a crash in between leaves them for teardown). Pre-existing ones are reported and kept.
     */
    private List<String> dropNewLeftovers(Journal journal, ConnectionSpec source, Progress progress, boolean required) {
        List<String> dropped = new ArrayList<>();
        Optional<String> prePubs = journal.output(Step.MIGRATE, OUT_PREEXISTING_PUBLICATIONS);
        Optional<String> preSlots = journal.output(Step.MIGRATE, OUT_PREEXISTING_SLOTS);
        try (Connection s = connect(source, "source")) {
            if (prePubs.isPresent() && preSlots.isPresent()) {
                List<String> keepPubs = csv(prePubs.get());
                List<String> keepSlots = csv(preSlots.get());
                for (String p : DmsLeftovers.publications(s)) {
                    if (keepPubs.contains(p)) {
                        progress.info("dms: keeping publication " + p + " on the source: it existed before this run started DMS");
                    } else {
                        journal.recordResource(KIND_PUBLICATION, p, Map.of("on", "source", "database", source.database()));
                    }
                }
                for (String slot : DmsLeftovers.slotNames(s)) {
                    if (keepSlots.contains(slot)) {
                        progress.info("dms: keeping replication slot " + slot + " on the source: it existed before this run started DMS");
                    } else {
                        journal.recordResource(KIND_SLOT, slot, Map.of("on", "source", "database", source.database()));
                    }
                }
            }
            for (Resource r : journal.resourcesOfKind(KIND_PUBLICATION)) {
                if (r.deleted()) continue;
                if (DmsLeftovers.dropPublication(s, r.id())) dropped.add("publication " + r.id());
                journal.markDeleted(KIND_PUBLICATION, r.id());
            }
            for (Resource r : journal.resourcesOfKind(KIND_SLOT)) {
                if (r.deleted()) continue;
                if (DmsLeftovers.dropSlot(s, r.id(), poller, 5, min(options.timeout(), Duration.ofMinutes(2)))) dropped.add("replication slot " + r.id());
                journal.markDeleted(KIND_SLOT, r.id());
            }
        } catch (SQLException e) {
            if (required) throw SqlErrors.of("source", "dropping DMS's publication and slot", e, new SqlErrors.Advice(
                    "they hold WAL on the source: re-run, or drop them by hand with DROP PUBLICATION / pg_drop_replication_slot", SQL_GRANT));
            progress.info("dms: could not drop DMS's publication and slot on the source (" + Database.firstLine(e.getMessage())
                    + "); they go away with the temporary cluster");
        } catch (ToolException e) {
            if (required) throw e;
            progress.info("dms: source not reachable (" + e.getMessage() + "); DMS's publication and slot there go away with the temporary cluster");
        }
        for (String d : dropped) progress.info("dms: dropped " + d + " on the source");
        return dropped;
    }

    private static List<String> csv(String s) {
        return s.isBlank() ? List.of() : Arrays.asList(s.split(","));
    }

    // ---------------------------------------------------------------- teardown

    /** Stops and deletes everything DMS-side the run made (and DMS's leftovers on the source when reachable). */
    @Override
    public void teardown(RunContext ctx, Endpoints endpoints) {
        DmsObjects objects = new DmsObjects(dms, options, ctx.journal(), ctx.progress(), poller);
        List<String> deleted = aws("teardown", () -> objects.deleteAll(options.timeout()));
        if (endpoints != null) dropNewLeftovers(ctx.journal(), endpoints.source(), ctx.progress(), false);
        ctx.progress().info(deleted.isEmpty() ? "dms: nothing left to delete" : "dms: teardown done, " + deleted.size() + " DMS object(s) deleted");
    }

    // ---------------------------------------------------------------- helpers

    /** Maps AWS faults nobody handled below to one-line messages (exit 1), keeping ToolExceptions as they are. */
    private static <T> T aws(String what, Supplier<T> body) {
        try {
            return body.get();
        } catch (AwsServiceException e) {
            throw ToolException.runtime("DMS " + what + " failed: " + DmsErrors.message(e), e);
        }
    }

    private static Connection connect(ConnectionSpec spec, String role) {
        return Database.connect(spec, role, PasswordPrompt.NONE);
    }

    /** What the engine's own connections need (reading, counting, sequences, dropping DMS's slot). */
    private static final String SQL_GRANT = "the source user needs SELECT on the selected tables and REPLICATION "
            + "(rds_replication) to drop DMS's slot, the target user UPDATE on the sequences: the master user has all of it";

    /** The engine's part of the one SQL failure rule ({@link SqlErrors}): every step resumes with the same run id. */
    private static ToolException sqlFailure(String role, String doing, SQLException e) {
        return SqlErrors.of(role, doing, e, new SqlErrors.Advice("re-run the same command with the same --run-id to resume", SQL_GRANT));
    }

    private static String scalar(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static String version(int num) {
        return (num / 10000) + "." + (num % 10000);
    }
}
