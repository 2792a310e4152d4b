package io.pgvectormigrate.aws.dms;

import io.pgvectormigrate.aws.AwsWaits;
import io.pgvectormigrate.core.Durations;
import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pg.Catalog;
import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pg.SyncPoint;
import io.pgvectormigrate.pipeline.Endpoints;
import io.pgvectormigrate.pipeline.Journal;
import io.pgvectormigrate.pipeline.Step;
import io.pgvectormigrate.report.Progress;
import software.amazon.awssdk.services.databasemigration.model.DataMigration;
import software.amazon.awssdk.services.databasemigration.model.DataMigrationStatistics;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The DMS engine's third job: the evidence cutover needs before it stops DMS and calls the copy finished (a full load
 * DMS reports done, or row counts when it reports nothing; for CDC, DMS's slot confirming the source's sync point).
 */
record CutoverEvidence(DmsOptions options, LoadWatch load, AwsWaits waits) {

    /**
     * A stopped full load without statistics may have been stopped halfway (by someone, in the console): nothing DMS
     * sent says every table loaded. A full load copies a source the application no longer writes, so exact row counts
     * of every selected table, on both sides, are the tool's own evidence before it calls the copy finished.
     */
    void rowCountsMatch(String what, String arn, Endpoints endpoints, Catalog.Selection selection, Progress progress,
                                Map<String, String> figures) {
        List<String> differ = new ArrayList<>();
        try (Connection s = DmsEngine.connect(endpoints.source(), "source"); Connection t = DmsEngine.connect(endpoints.target(), "target")) {
            for (Catalog.Relation r : selection.leaves()) {
                long onSource = Catalog.rowCount(s, r.id());
                long onTarget = Catalog.rowCount(t, r.id());
                if (onSource != onTarget) differ.add(r.id() + " (source " + onSource + ", target " + onTarget + ")");
            }
        } catch (SQLException e) {
            throw DmsEngine.sqlFailure("source or target", "counting rows to confirm DMS's full load", e);
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
    void goneBeforeCutover(DmsObjects objects, Journal journal, Endpoints endpoints, Catalog.Selection selection,
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

    /**
     * A full load at cutover: done only in Stopped, judged as migrate judges it (errored, queued or loading tables refuse);
     * Failed is a failure; anything else is a load DMS has not finished, which cutover neither stops nor declares done.
     */
    DataMigration fullLoadFinished(DataMigration dm, String runId) {
        DmsStatus status = DmsStatus.of(dm.dataMigrationStatus());
        if (status == DmsStatus.FAILED) throw load.failure(dm);
        if (status == DmsStatus.STOPPED) return load.fullLoadStopped(dm);
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
    DataMigration caughtUp(DmsObjects objects, DataMigration initial, Journal journal, ConnectionSpec source,
                                   Progress progress, Map<String, String> figures) {
        String arn = initial.dataMigrationArn();
        StatusLine line = new StatusLine(options.heartbeat());
        List<String> preexisting = journal.output(Step.MIGRATE, DmsEngine.OUT_PREEXISTING_SLOTS).map(DmsEngine::csv).orElse(List.of());
        Optional<String> confirmedEarlier = journal.output(Step.CUTOVER, OUT_CONFIRMED);
        // what the looks saw so far, for the next look and the timeout's message
        String[] sync = {journal.output(Step.CUTOVER, OUT_SYNC_POINT).orElse(null)};
        boolean[] syncHere = {false};
        DataMigration[] seen = {null};
        List<List<SyncPoint.Confirmation>> lastSlots = new ArrayList<>(List.of(List.of()));
        return waits.poll(options.timeout(), waited -> {
            DataMigration dm = seen[0] == null ? initial : objects.findDataMigration(arn).orElseThrow(() -> ToolException.runtime(
                    "DMS data migration " + initial.dataMigrationName() + " disappeared during cutover"));
            seen[0] = dm;
            line.print(dm, waited, progress);
            DmsStatus status = DmsStatus.of(dm.dataMigrationStatus());
            if (status == DmsStatus.FAILED) throw load.failure(dm);
            if (!status.streaming() && confirmedEarlier.isPresent()) {
                figures.put(OUT_SYNC_POINT, sync[0]);
                figures.put(OUT_CONFIRMED, confirmedEarlier.get());
                progress.info("dms: an earlier cutover attempt confirmed DMS caught up (" + confirmedEarlier.get() + ")");
                return Optional.of(dm);
            }
            if (status.streaming() && !syncHere[0]) {
                try (Connection s = DmsEngine.connect(source, "source")) {
                    sync[0] = SyncPoint.take(s);
                } catch (SQLException e) {
                    throw DmsEngine.sqlFailure("source", "taking the cutover sync point", e);
                }
                syncHere[0] = true;
                journal.putOutput(Step.CUTOVER, OUT_SYNC_POINT, sync[0]);
                progress.info("dms: waiting until DMS has replicated everything up to the source's WAL position " + sync[0]);
            }
            List<SyncPoint.Confirmation> slots = sync[0] == null ? List.of() : confirmations(source, sync[0], preexisting);
            lastSlots.set(0, slots);
            if (!slots.isEmpty() && slots.stream().allMatch(SyncPoint.Confirmation::reached)) {
                journal.putOutput(Step.CUTOVER, OUT_CONFIRMED, slots.get(0).confirmed());
                List<String> unrecognized = slots.stream().map(SyncPoint.Confirmation::slot)
                        .filter(n -> !n.startsWith(DmsEngine.SLOT_PREFIX)).toList();
                if (!unrecognized.isEmpty()) figures.put(FIG_UNRECOGNIZED_SLOTS, String.join(",", unrecognized));
                figures.put(OUT_SYNC_POINT, sync[0]);
                figures.put(OUT_CONFIRMED, slots.get(0).confirmed());
                DataMigrationStatistics st = dm.dataMigrationStatistics();
                if (st != null && st.cdcLatency() != null) figures.put("cdcLatencyReported", String.valueOf(st.cdcLatency()));
                progress.info("dms: caught up: " + slots.stream().map(p -> p.slot() + " confirmed " + p.confirmed())
                        .collect(java.util.stream.Collectors.joining(", ")) + " >= " + sync[0]);
                return Optional.of(dm);
            }
            if (slots.isEmpty() && status.streaming()) {
                throw ToolException.runtime("cannot confirm that DMS caught up: no logical replication slot of DMS is on the source "
                        + "database, so the tool cannot check DMS's position. Nothing was stopped or removed. Re-run cutover once DMS "
                        + "shows " + dm.dataMigrationName() + " replicating (its slot appears when CDC starts), or give the run up "
                        + "with cutover --abandon --run-id " + objects.names().runId());
            }
            if (status == DmsStatus.STOPPED) {
                throw ToolException.runtime("DMS data migration " + dm.dataMigrationName() + " stopped" + StatusLine.stopDetails(dm)
                        + " before cutover confirmed it replicated everything" + (sync[0] == null ? "" : " up to " + sync[0])
                        + ": changes made on the source since may be missing on the target, and nothing was removed. Resume it with "
                        + "`aws dms start-data-migration --data-migration-identifier " + arn + " --start-type resume-processing`, "
                        + "then run cutover again");
            }
            return Optional.empty();
        }, () -> ToolException.runtime("CDC of " + seen[0].dataMigrationName() + " did not " + (sync[0] == null
                ? "stream changes (it is '" + seen[0].dataMigrationStatus() + "')" : "reach the source's position " + sync[0]
                + " (DMS's slot confirmed " + (lastSlots.get(0).isEmpty() ? "nothing" : lastSlots.get(0).stream()
                .map(SyncPoint.Confirmation::confirmed).collect(java.util.stream.Collectors.joining(", "))) + ")")
                + " within " + Durations.human(options.timeout()) + ": is DMS still replicating? Nothing was stopped or removed; "
                + "re-run cutover to keep waiting"));
    }

    /**
     * The positions DMS's slots on the source confirmed. The slot's name is not documented: without one named as
     * observed, every other logical slot of the database that is not this tool's must confirm the sync point
     * (stricter, never looser).
     */
    private static List<SyncPoint.Confirmation> confirmations(ConnectionSpec source, String sync, List<String> preexisting) {
        try (Connection s = DmsEngine.connect(source, "source")) {
            List<SyncPoint.Confirmation> slots = SyncPoint.confirmations(s, DmsEngine.SLOT_PREFIX, sync).stream()
                    .filter(p -> !preexisting.contains(p.slot())).toList();
            if (!slots.isEmpty()) return slots;
            return SyncPoint.confirmations(s, "", sync).stream()
                    .filter(p -> !preexisting.contains(p.slot()) && !p.slot().startsWith(SyncPoint.TOOL_SLOT_PREFIX)).toList();
        } catch (SQLException e) {
            throw DmsEngine.sqlFailure("source", "reading the replication slots", e);
        }
    }
}
