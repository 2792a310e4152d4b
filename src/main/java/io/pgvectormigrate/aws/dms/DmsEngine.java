package io.pgvectormigrate.aws.dms;

import io.pgvectormigrate.aws.AwsWaits;
import io.pgvectormigrate.aws.AwsErrors;
import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pg.SqlErrors;
import io.pgvectormigrate.pg.Catalog;
import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pg.CredentialResolver.PasswordPrompt;
import io.pgvectormigrate.pg.Database;
import io.pgvectormigrate.pg.Publications;
import io.pgvectormigrate.pg.ReplicationSlots;
import io.pgvectormigrate.pg.Sequences;
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
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.databasemigration.DatabaseMigrationClient;
import software.amazon.awssdk.services.databasemigration.model.DataMigration;
import software.amazon.awssdk.services.databasemigration.model.DataMigrationStatistics;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Copies the rows with an AWS DMS homogeneous data migration (DMS runs pg_dump/pg_restore for the full load
 * and native publication/subscription for CDC in a serverless environment inside the target's VPC); the objects and
 * steps are the runbook's (docs/runbook-bedrock-chat-v0-v1.md). Every step is idempotent: a re-run with the same
 * journal continues where a crash left off.
 *
 * <p>This class drives the steps and owns the DMS objects and DMS's leftovers on the source; its three judgements live
 * beside it: {@link DmsPreflight} (what DMS cannot migrate as asked), {@link LoadWatch} (starting the data migration and
 * watching the load) and {@link CutoverEvidence} (what proves the copy complete before cutover stops DMS).
 */
public final class DmsEngine implements CopyEngine {
    /** Journal outputs of the migrate step (identifiers only). */
    static final String OUT_ARN = "dms.data-migration-arn";
    static final String OUT_PREEXISTING_PUBLICATIONS = "dms.preexisting-publications";
    static final String OUT_PREEXISTING_SLOTS = "dms.preexisting-slots";
    static final String KIND_PUBLICATION = "pg.publication";
    static final String KIND_SLOT = "pg.replication-slot";
    /**
     * The publication and logical replication slot a DMS homogeneous migration leaves on the source after it stops,
     * fails or is deleted. The slot holds WAL on the source until dropped, so cutover and teardown drop the ones that
     * appeared after the engine started DMS, and leave alone any that were there before.
     */
    static final String PUBLICATION_PREFIX = "publication_", SLOT_PREFIX = "migration_subscriber_";

    /** What happens to the target after the copy (the prepare-target work: deferred indexes, REINDEX, ANALYZE). */
    @FunctionalInterface
    public interface TargetFinisher {
        void afterLoad(ConnectionSpec target, TableFilter tables, Progress progress);
    }

    private final DatabaseMigrationClient dms;
    private final DmsOptions options;
    private final TargetFinisher finisher;
    private final AwsWaits waits;
    private final DmsPreflight preflight;
    private final LoadWatch load;
    private final CutoverEvidence evidence;

    public DmsEngine(DatabaseMigrationClient dms, DmsOptions options) {
        this(dms, options, TargetPreparer::afterLoad);
    }

    public DmsEngine(DatabaseMigrationClient dms, DmsOptions options, TargetFinisher finisher) {
        this.dms = dms;
        this.options = options;
        this.finisher = finisher;
        // DMS's waits print their own status line (StatusLine), never the helper's
        this.waits = new AwsWaits(options.pollInterval(), options.heartbeat(), Clock.systemUTC(), Progress.SILENT);
        this.preflight = new DmsPreflight(options);
        this.load = new LoadWatch(dms, options, waits);
        this.evidence = new CutoverEvidence(options, load, waits);
    }

    @Override
    public String name() {
        return "dms";
    }

    // ---------------------------------------------------------------- preflight (DmsPreflight)

    @Override
    public void checkSource(RunContext ctx, Endpoints endpoints) {
        preflight.checkSource(endpoints);
    }

    @Override
    public void preflight(RunContext ctx, Endpoints endpoints) {
        preflight.preflight(ctx, endpoints);
    }

    // ---------------------------------------------------------------- migrate (the load: LoadWatch)

    /**
     * The part of migrate that needs neither the source nor its secret: the replication subnet group, the instance
     * profile and the target's data provider. The pipeline runs it while the restore runs (DMS takes minutes to
     * make a profile usable); migrate then finds these objects by name instead of making them. Idempotent.
     *
     * @param target how the tool reaches the target (host, port and database name the data provider defaults to)
     */
    public void headStart(RunContext ctx, ConnectionSpec target) {
        new DmsNames(ctx.runId()).require(); // the options were checked in the run's preflight (before the source secret exists)
        DmsObjects objects = new DmsObjects(dms, options, ctx.journal(), ctx.progress(), waits);
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
        Catalog.Selection selection = preflight.onBothSides(endpoints);
        List<TableId> tables = DmsPreflight.ids(selection.leaves());
        String rules = SelectionRules.forTables(tables);
        DmsObjects objects = new DmsObjects(dms, options, journal, progress, waits);
        return aws("migrate", () -> {
            DataMigration dm = objects.ensureAll(endpoints, rules);
            journal.putOutput(Step.MIGRATE, OUT_ARN, dm.dataMigrationArn());
            rememberPreexistingLeftovers(journal, endpoints.source());
            DataMigration done = load.untilLoaded(objects, dm, progress);
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
            String judged = !options.migrationType().cdc() && LoadWatch.completion(done) == LoadWatch.Completion.UNKNOWN
                    ? " (DMS reported no statistics to confirm every table: verify judges the copy)" : "";
            // DMS reports no rows per table; the names and the figures are what it tells
            List<TableCopy> copied = tables.stream().map(t -> new TableCopy(t.schema() + "." + t.name(), -1, -1)).toList();
            return new Migrated("dms", "DMS " + options.migrationType().api() + " of " + tables.size() + " table(s) "
                    + (options.migrationType().cdc() ? "loaded, changes streaming" : "complete") + judged, copied, List.of(),
                    -1, // CDC latency has no documented unit: a figure when DMS reports it, never a byte lag
                    new Copy(options.migrationType().api(), 0, "", -1, false), // its elapsed time includes provisioning
                    figures);
        });
    }

    /** Publications and slots named like DMS's that exist before DMS starts are not ours to drop later. */
    private void rememberPreexistingLeftovers(Journal journal, ConnectionSpec source) {
        if (journal.output(Step.MIGRATE, OUT_PREEXISTING_SLOTS).isPresent()) return; // recorded before the first start
        try (Connection s = connect(source, "source")) {
            List<String> pubs = Publications.startingWith(s, PUBLICATION_PREFIX);
            List<String> slots = ReplicationSlots.names(s, SLOT_PREFIX);
            journal.putOutput(Step.MIGRATE, OUT_PREEXISTING_PUBLICATIONS, String.join(",", pubs));
            journal.putOutput(Step.MIGRATE, OUT_PREEXISTING_SLOTS, String.join(",", slots));
        } catch (SQLException e) {
            throw sqlFailure("source", "reading the publications and slots", e);
        }
    }

    // ---------------------------------------------------------------- cutover (the evidence: CutoverEvidence)

    @Override
    public CutOver cutover(RunContext ctx, Endpoints endpoints) {
        Journal journal = ctx.journal();
        Progress progress = ctx.progress();
        DmsObjects objects = new DmsObjects(dms, options, journal, progress, waits);
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
            if (found.isEmpty()) evidence.goneBeforeCutover(objects, journal, endpoints, selection, progress, figures);
            if (found.isPresent()) {
                // a copy DMS has not finished (or cannot show it replicated everything) is never stopped and cut over
                DataMigration dm = options.migrationType().cdc()
                        ? evidence.caughtUp(objects, found.get(), journal, endpoints.source(), progress, figures)
                        : evidence.fullLoadFinished(found.get(), objects.names().runId());
                if (!options.migrationType().cdc() && LoadWatch.completion(dm) == LoadWatch.Completion.UNKNOWN) {
                    evidence.rowCountsMatch(dm.dataMigrationName() + " stopped" + StatusLine.stopDetails(dm) + " without statistics",
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
        if (figures.containsKey(CutoverEvidence.FIG_UNRECOGNIZED_SLOTS)) {
            // judged as DMS's only to be stricter: a slot not named as DMS's are observed to be is never dropped here
            progress.info("dms: replication slot(s) " + figures.get(CutoverEvidence.FIG_UNRECOGNIZED_SLOTS) + " on the source confirmed the sync point but "
                    + "are not named as DMS's slots are (" + SLOT_PREFIX + "*), so they were kept: if one is DMS's, it holds WAL "
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
                -1, -1, figures);
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
                for (String p : Publications.startingWith(s, PUBLICATION_PREFIX)) {
                    if (keepPubs.contains(p)) {
                        progress.info("dms: keeping publication " + p + " on the source: it existed before this run started DMS");
                    } else {
                        journal.recordResource(KIND_PUBLICATION, p, Map.of("on", "source", "database", source.database()));
                    }
                }
                for (String slot : ReplicationSlots.names(s, SLOT_PREFIX)) {
                    if (keepSlots.contains(slot)) {
                        progress.info("dms: keeping replication slot " + slot + " on the source: it existed before this run started DMS");
                    } else {
                        journal.recordResource(KIND_SLOT, slot, Map.of("on", "source", "database", source.database()));
                    }
                }
            }
            for (Resource r : journal.resourcesOfKind(KIND_PUBLICATION)) {
                if (r.deleted()) continue;
                if (Publications.drop(s, r.id())) dropped.add("publication " + r.id());
                journal.markDeleted(KIND_PUBLICATION, r.id());
            }
            Duration slotWait = Collections.min(List.of(options.timeout(), Duration.ofMinutes(2)));
            for (Resource r : journal.resourcesOfKind(KIND_SLOT)) {
                if (r.deleted()) continue;
                // a subscriber that did not let go after DMS stopped gets five polls, then its walsender is terminated
                if (ReplicationSlots.drop(s, r.id(), options.pollInterval().multipliedBy(5), slotWait)) {
                    dropped.add("replication slot " + r.id());
                }
                journal.markDeleted(KIND_SLOT, r.id());
            }
        } catch (SQLException e) {
            if (required) throw SqlErrors.of("source", "dropping DMS's publication and slot", e, new SqlErrors.Advice(
                    "they hold WAL on the source: re-run, or drop them by hand with DROP PUBLICATION / pg_drop_replication_slot", SQL_GRANT));
            progress.info("dms: could not drop DMS's publication and slot on the source (" + Database.firstLine(e.getMessage())
                    + "); they go away with the temporary cluster");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ToolException.runtime("interrupted while dropping DMS's replication slot", e);
        } catch (ToolException e) {
            if (required) throw e;
            progress.info("dms: source not reachable (" + e.getMessage() + "); DMS's publication and slot there go away with the temporary cluster");
        }
        for (String d : dropped) progress.info("dms: dropped " + d + " on the source");
        return dropped;
    }

    /** A comma-separated list the journal holds; none for null or blank. */
    static List<String> csv(String s) {
        return s == null || s.isBlank() ? List.of() : List.of(s.split(","));
    }

    // ---------------------------------------------------------------- teardown

    /** Stops and deletes everything DMS-side the run made (and DMS's leftovers on the source when reachable). */
    @Override
    public void teardown(RunContext ctx, Endpoints endpoints) {
        DmsObjects objects = new DmsObjects(dms, options, ctx.journal(), ctx.progress(), waits);
        List<String> deleted = aws("teardown", () -> objects.deleteAll(options.timeout()));
        if (endpoints != null) dropNewLeftovers(ctx.journal(), endpoints.source(), ctx.progress(), false);
        ctx.progress().info(deleted.isEmpty() ? "dms: nothing left to delete" : "dms: teardown done, " + deleted.size() + " DMS object(s) deleted");
    }

    /** AWS faults nobody handled below go through the one AWS translation; ToolExceptions stay as they are. */
    private static <T> T aws(String what, Supplier<T> body) {
        try {
            return body.get();
        } catch (SdkException e) { // a fault AWS sent, or none (network): both are AwsErrors' to classify
            throw AwsErrors.translate(e, "dms " + what);
        }
    }

    static Connection connect(ConnectionSpec spec, String role) {
        return Database.connect(spec, role, PasswordPrompt.NONE);
    }

    /** What the engine's own connections need (reading, counting, sequences, dropping DMS's slot). */
    static final String SQL_GRANT = "the source user needs SELECT on the selected tables and REPLICATION "
            + "(rds_replication) to drop DMS's slot, the target user UPDATE on the sequences: the master user has all of it";

    /** The engine's part of the one SQL failure rule ({@link SqlErrors}): every step resumes with the same run id. */
    static ToolException sqlFailure(String role, String doing, SQLException e) {
        return SqlErrors.of(role, doing, e, new SqlErrors.Advice("re-run the same command with the same --run-id to resume", SQL_GRANT));
    }

}
