package io.pgvectormigrate.replication;

import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pg.Catalog;
import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pg.Database;
import io.pgvectormigrate.pg.Publications;
import io.pgvectormigrate.pg.Queries;
import io.pgvectormigrate.pg.ReplicationSlots;
import io.pgvectormigrate.pg.Sequences;
import io.pgvectormigrate.pg.SqlErrors;
import io.pgvectormigrate.pg.Subscriptions;
import io.pgvectormigrate.pg.SyncPoint;
import io.pgvectormigrate.pg.TableId;
import io.pgvectormigrate.pipeline.CopyEngine;
import io.pgvectormigrate.pipeline.Endpoints;
import io.pgvectormigrate.pipeline.Journal;
import io.pgvectormigrate.pipeline.RunContext;
import io.pgvectormigrate.pipeline.Step;
import io.pgvectormigrate.report.Progress;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Copies with PostgreSQL's own logical replication, driven by the tool: a publication on the source, a logical
 * slot, a subscription on the target. The initial rows are copied either by the tool from the slot's exported
 * snapshot (parallel binary COPY, {@link NativeOptions.InitialCopy#SNAPSHOT}) or by the subscription itself
 * ({@link NativeOptions.InitialCopy#SUBSCRIPTION}); later changes stream through the subscription until cutover.
 *
 * <p>Idempotent: names come from the run id; a re-run reuses this run's publication and subscription, and an
 * initial copy that was interrupted before its subscription existed is started again on emptied target tables
 * (its snapshot died with the process, so no partial copy can be trusted to line up with the slot).
 */
public final class NativeEngine implements CopyEngine {
    public static final String PUBLICATION = "pg.publication";
    public static final String SLOT = "pg.slot";
    public static final String SUBSCRIPTION = "pg.subscription";
    /** Journal output of the migrate step: started | complete. */
    public static final String INITIAL_COPY_OUTPUT = "initial-copy";

    private static final Duration POLL = Duration.ofMillis(250);
    private static final Duration REPORT_EVERY = Duration.ofSeconds(5);

    private final NativeOptions options;

    public NativeEngine(NativeOptions options) {
        this.options = options;
    }

    @Override
    public String name() {
        return "native";
    }

    /** The selected tables' problems that need only the source (no key or replica identity, UNLOGGED, not owned). */
    @Override
    public void checkSource(RunContext ctx, Endpoints ep) {
        try (Connection src = connect(ep.source(), "source")) {
            Catalog.Selection selection = Catalog.select(src, ep.tables());
            List<String> problems = Preflight.tableProblems(src, ep, selection, TableInfo.of(src, selection));
            if (!problems.isEmpty()) throw ToolException.usage("preflight: " + String.join("; ", problems));
        } catch (SQLException e) {
            throw failure("source", "checking the source", ctx.runId(), e);
        }
    }

    @Override
    public void preflight(RunContext ctx, Endpoints ep) {
        ReplicationNames n = ReplicationNames.forRun(ctx.runId());
        try (Connection src = connect(ep.source(), "source"); Connection tgt = connect(ep.target(), "target")) {
            Catalog.Selection selection = Catalog.select(src, ep.tables());
            List<TableInfo> tables = TableInfo.of(src, selection);
            boolean resuming = Subscriptions.find(tgt, n.subscription()).isPresent();
            boolean slot = ReplicationSlots.find(src, n.slot()).isPresent();
            Preflight.Plan plan = Preflight.check(src, tgt, ep, selection, tables, options, resuming, slot,
                    !resuming && !slot && !copyStarted(ctx));
            ctx.progress().info("preflight: " + plan.tables().size() + " table(s) ready for native replication from "
                    + ep.source().display() + " to " + ep.target().display());
        } catch (SQLException e) {
            throw failure(BOTH, "checking the source and target", ctx.runId(), e);
        }
    }

    /** What migrate did: the summary, the figures journaled and reported, and the typed detail commands print. */
    private static Migrated migrated(List<TableCopy> tables, CopyEngine.Copy how, long lagBytes, List<String> sequences) {
        long rows = tables.stream().mapToLong(TableCopy::rows).sum();
        Map<String, String> figures = figures("engine", "native", "initial-copy", how.mode(), "tables", tables.size(),
                "rows-copied", rows, "bytes-copied", tables.stream().mapToLong(TableCopy::bytes).sum(),
                "copy-seconds", String.format(java.util.Locale.ROOT, "%.1f", how.seconds()), "lag-bytes", lagBytes,
                "sequences", sequences.size(), "resumed", how.resumed());
        String copy = how.resumed()
                ? String.format(java.util.Locale.ROOT, "initial copy complete (%d table(s), %s rows on the target; "
                + "reused the subscription of an earlier attempt)", tables.size(), Progress.count(rows))
                : String.format(java.util.Locale.ROOT, "initial copy complete (%d table(s), %s rows in %.1f s, %s)",
                tables.size(), Progress.count(rows), how.seconds(), how.mode());
        String summary = copy + "; changes streaming, " + (lagBytes < 0 ? "lag unknown" : Progress.bytes(lagBytes) + " behind the source");
        return new Migrated("native", summary, tables, sequences, lagBytes, how, figures);
    }

    /** Figures in the order given: key, value, key, value... */
    private static Map<String, String> figures(Object... keysAndValues) {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) out.put((String) keysAndValues[i], String.valueOf(keysAndValues[i + 1]));
        return out;
    }

    @Override
    public Migrated migrate(RunContext ctx, Endpoints ep) {
        ReplicationNames n = ReplicationNames.forRun(ctx.runId());
        Progress p = ctx.progress();
        Journal j = ctx.journal();
        try (Connection src = connect(ep.source(), "source"); Connection tgt = connect(ep.target(), "target")) {
            Catalog.Selection selection = Catalog.select(src, ep.tables());
            List<TableInfo> tables = TableInfo.of(src, selection);
            Optional<Subscriptions.Subscription> sub = Subscriptions.find(tgt, n.subscription());
            Optional<ReplicationSlots.Slot> slot = ReplicationSlots.find(src, n.slot());
            if (sub.isEmpty() && (j.resource(SUBSCRIPTION, n.subscription()).map(r -> r.deleted()).orElse(false)
                    || copyComplete(ctx))) {
                // copying again would empty tables the application may already write to
                throw ToolException.usage("run " + ctx.runId() + " already finished its initial copy and its subscription is gone "
                        + "(cut over or torn down): start a new run with another --run-id (on emptied target tables)");
            }
            boolean interrupted = sub.isEmpty() && (slot.isPresent() || copyStarted(ctx));
            Preflight.Plan plan = Preflight.check(src, tgt, ep, selection, tables, options, sub.isPresent(), slot.isPresent(),
                    sub.isEmpty() && !interrupted);
            p.info("migrate (native, run " + ctx.runId() + "): " + tables.size() + " table(s) from "
                    + ep.source().display() + " to " + ep.target().display());
            ensurePublication(j, src, ep.source(), n, tables, sub.isPresent());

            List<TableCopy> copied = new ArrayList<>();
            CopyEngine.Copy how;
            long t0;
            if (sub.isEmpty()) {
                if (interrupted) {
                    p.info("  an earlier attempt of run " + ctx.runId() + " stopped before its initial copy finished: "
                            + "emptying the target tables and copying again from a fresh snapshot");
                    truncate(tgt, tables);
                    if (slot.isPresent()) dropSlot(j, src, n.slot(), p);
                }
                j.putOutput(Step.MIGRATE, INITIAL_COPY_OUTPUT, "started");
                t0 = System.nanoTime();
                if (options.initialCopy() == NativeOptions.InitialCopy.SNAPSHOT) {
                    how = snapshotCopy(ctx, ep, n, plan, copied, copyStreams(src, tgt, ep));
                } else {
                    how = new CopyEngine.Copy("subscription table sync", 0, "", -1, false);
                    j.recordResource(SLOT, n.slot(), attributes(ep.source()));
                    j.recordResource(SUBSCRIPTION, n.subscription(), attributes(ep.target()));
                    p.info("  creating subscription " + n.subscription() + " and its slot (waits for transactions already open on the source to end)");
                    Subscriptions.create(tgt, n.subscription(), ep.sourceFromTarget(), n.publication(), n.slot(),
                            true, true, true, plan.subscriptionBinary());
                    p.info("  created subscription " + n.subscription() + " on the target (PostgreSQL copies the tables)");
                    recordSubscriptionOid(j, tgt, n, ep.target());
                    options.hooks().afterSubscriptionCreated(n.subscription());
                    copied.addAll(waitForSync(tgt, n, tables, p));
                }
            } else {
                how = new CopyEngine.Copy("reused subscription", 0, "", -1, true);
                p.info("  reusing subscription " + n.subscription() + " from an earlier attempt of this run");
                recordSubscriptionOid(j, tgt, n, ep.target());
                if (!sub.get().enabled()) {
                    Subscriptions.enable(tgt, n.subscription());
                    p.info("  enabled subscription " + n.subscription());
                }
                t0 = System.nanoTime();
                copied.addAll(waitForSync(tgt, n, tables, p));
            }
            double copySeconds = (System.nanoTime() - t0) / 1e9;
            waitForApplyWorker(tgt, n, p);
            j.putOutput(Step.MIGRATE, INITIAL_COPY_OUTPUT, "complete");

            afterLoad(ep.target(), selection, p, false);
            List<String> seqs = copySequences(src, tgt, selection, p);
            long lag = ReplicationSlots.lag(src, n.slot()).orElse(-1L);
            p.info("  changes are streaming; the target is " + (lag < 0 ? "(not yet confirmed)" : Progress.bytes(lag)) + " behind the source");
            return migrated(copied, how.withSeconds(copySeconds), lag, seqs);
        } catch (SQLException e) {
            throw failure(BOTH, "migrating", ctx.runId(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ToolException.runtime("interrupted; re-run with --run-id " + ctx.runId() + " to resume");
        }
    }

    private CopyEngine.Copy snapshotCopy(RunContext ctx, Endpoints ep, ReplicationNames n, Preflight.Plan plan,
                                         List<TableCopy> copied, CopyStreams wanted) throws SQLException {
        Journal j = ctx.journal();
        Progress p = ctx.progress();
        j.recordResource(SLOT, n.slot(), attributes(ep.source()));
        CopyEngine.Copy how;
        p.info("  creating replication slot " + n.slot() + " (waits for transactions already open on the source to end)");
        try (ReplicationSlots.Exported slot = ReplicationSlots.createWithSnapshot(ep.source(), n.slot(),
                new SqlErrors.Advice("re-run with --run-id " + ctx.runId() + " to resume", GRANT))) {
            p.info("  created slot " + n.slot() + " at " + slot.consistentPoint() + "; copying the rows of that snapshot");
            try (SnapshotCopy copy = SnapshotCopy.open(ep.source(), ep.target(), slot.snapshot(), plan.tables(),
                    plan.binaryCopy(), wanted, options.chunkBytes(), plan.tidRangeScans())) {
                slot.close(); // every reader holds the snapshot now; the slot waits for the subscription
                int streams = copy.streams();
                p.info("  copying with " + streams + " stream" + (streams == 1 ? "" : "s") + " (" + copy.why() + ")");
                copied.addAll(copy.run(p, options.hooks(), ctx.runId()));
                boolean allBinary = plan.tables().stream()
                        .allMatch(t -> plan.binaryCopy().getOrDefault(t.display(), false));
                how = new CopyEngine.Copy("snapshot copy, " + streams + " stream(s), "
                        + (allBinary ? "binary" : "text for some tables"), streams, copy.why(), -1, false);
            }
        }
        try (Connection tgt = connect(ep.target(), "target")) {
            j.recordResource(SUBSCRIPTION, n.subscription(), attributes(ep.target()));
            // created disabled and without a copy: it starts from the slot, i.e. right after the snapshot
            Subscriptions.create(tgt, n.subscription(), ep.sourceFromTarget(), n.publication(), n.slot(),
                    false, false, false, plan.subscriptionBinary());
            recordSubscriptionOid(j, tgt, n, ep.target());
            options.hooks().afterSubscriptionCreated(n.subscription());
            Subscriptions.enable(tgt, n.subscription());
            p.info("  created subscription " + n.subscription() + " on the target; it streams changes made after the snapshot");
        }
        return how;
    }

    /** --jobs, or what both servers and this machine can take (see {@link CopyStreams}). */
    private CopyStreams copyStreams(Connection src, Connection tgt, Endpoints ep) throws SQLException {
        if (options.jobs() > 0) return CopyStreams.choose(options.jobs(), null, null, 0);
        return CopyStreams.choose(0, CopyStreams.read(src, ep.source(), "source", "max_parallel_workers_per_gather"),
                CopyStreams.read(tgt, ep.target(), "target", "max_parallel_maintenance_workers"),
                Runtime.getRuntime().availableProcessors());
    }

    private void ensurePublication(Journal j, Connection src, ConnectionSpec source, ReplicationNames n,
                                   List<TableInfo> tables, boolean subscribed) throws SQLException {
        List<String> wanted = tables.stream().map(TableInfo::display).sorted().toList();
        j.recordResource(PUBLICATION, n.publication(), attributes(source));
        if (!Publications.exists(src, n.publication())) {
            Publications.create(src, n.publication(), tables.stream().map(TableInfo::id).toList());
            return;
        }
        List<String> has = Publications.tables(src, n.publication());
        if (has.equals(wanted)) return;
        if (subscribed) {
            throw ToolException.usage("run " + n.publication().substring(ReplicationNames.PREFIX.length()).replace('_', '-')
                    + " already replicates " + has.size() + " table(s) (" + String.join(", ", has.subList(0, Math.min(3, has.size())))
                    + (has.size() > 3 ? ", ..." : "") + ") and this invocation selects " + wanted.size()
                    + ": pass the same --schema/--table/--exclude as the first attempt, or start a new run (--run-id)");
        }
        Publications.setTables(src, n.publication(), tables.stream().map(TableInfo::id).toList());
    }

    /** Waits until every table's sync state is ready, reporting per-table state and COPY progress. */
    private List<TableCopy> waitForSync(Connection tgt, ReplicationNames n, List<TableInfo> tables, Progress p)
            throws SQLException, InterruptedException {
        long subOid = Subscriptions.find(tgt, n.subscription()).orElseThrow(() -> ToolException.runtime(
                "subscription " + n.subscription() + " vanished from the target while waiting for its initial copy")).oid();
        long baseErrors = Subscriptions.errorCount(tgt, n.subscription());
        long lastReport = 0;
        Map<String, Character> last = Map.of();
        while (true) {
            Map<String, Character> states = Subscriptions.relationStates(tgt, subOid);
            if (!states.isEmpty() && states.values().stream().allMatch(s -> s == 'r')) break;
            if (!states.equals(last) || System.nanoTime() - lastReport > REPORT_EVERY.toNanos()) {
                lastReport = System.nanoTime();
                last = states;
                Map<String, Subscriptions.CopyProgress> running = Subscriptions.copyProgress(tgt);
                String line = states.entrySet().stream().map(e -> e.getKey() + " " + stateName(e.getValue())
                        + (running.containsKey(e.getKey()) ? " (" + Progress.count(running.get(e.getKey()).tuples()) + " rows, "
                        + Progress.bytes(running.get(e.getKey()).bytes()) + ")" : "")).collect(Collectors.joining(", "));
                p.info("  table sync: " + line);
            }
            long errors = Subscriptions.errorCount(tgt, n.subscription());
            if (baseErrors >= 0 && errors - baseErrors >= 5) {
                throw ToolException.runtime("the subscription's table sync failed " + (errors - baseErrors)
                        + " times: see the target's server log; fix the cause and re-run with the same --run-id");
            }
            Thread.sleep(POLL.toMillis() * 2);
        }
        return onTarget(tgt, tables);
    }

    /** Rows and size of each table on the target: what a sync the tool did not stream itself left there. */
    private static List<TableCopy> onTarget(Connection tgt, List<TableInfo> tables) throws SQLException {
        List<TableCopy> out = new ArrayList<>();
        for (TableInfo t : tables) {
            out.add(new TableCopy(t.display(), Queries.number(tgt, "SELECT count(*) FROM " + t.quoted()),
                    Queries.number(tgt, "SELECT pg_table_size(?::regclass)", t.quoted())));
        }
        return out;
    }

    private static String stateName(char s) {
        return switch (s) {
            case 'i' -> "waiting";
            case 'd' -> "copying";
            case 'f' -> "copied";
            case 's' -> "catching up";
            case 'r' -> "ready";
            default -> String.valueOf(s);
        };
    }

    /** Changes stream only once the apply worker runs; it starts within seconds of ENABLE unless something is wrong. */
    private void waitForApplyWorker(Connection tgt, ReplicationNames n, Progress p) throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + Math.min(options.timeout().toNanos(), Duration.ofMinutes(2).toNanos());
        while (true) {
            Optional<Subscriptions.Subscription> s = Subscriptions.find(tgt, n.subscription());
            if (s.isEmpty()) throw ToolException.runtime("subscription " + n.subscription() + " vanished from the target");
            if (s.get().workerPid() != null) return;
            if (System.nanoTime() > deadline) {
                throw ToolException.runtime("the apply worker of subscription " + n.subscription() + " did not start: "
                        + "see the target's server log (can it reach the source? max_logical_replication_workers?); "
                        + "then re-run with the same --run-id");
            }
            Thread.sleep(POLL.toMillis());
        }
    }

    /**
     * Indexes and statistics of the selected root tables (a partitioned one's partitions with it); {@code again} at
     * cutover, where an earlier pass already ran.
     */
    private void afterLoad(ConnectionSpec target, Catalog.Selection selection, Progress p, boolean again) {
        if (selection.isEmpty()) return;
        p.info(again ? "  after load again: any index still missing, statistics with the streamed changes"
                : "  after load: building deferred indexes, rebuilding vector indexes, analyzing");
        long t0 = System.nanoTime();
        if (again) options.afterLoad().again(target, selection.exactly(), p);
        else options.afterLoad().run(target, selection.exactly(), p);
        p.info(String.format(java.util.Locale.ROOT, "  after load done in %.1f s", (System.nanoTime() - t0) / 1e9));
    }

    private static List<String> copySequences(Connection src, Connection tgt, Catalog.Selection selection, Progress p)
            throws SQLException {
        List<String> out = new ArrayList<>();
        for (Sequences.Carried c : Sequences.carry(src, tgt, selection.sequences())) {
            out.add(c.sequence().key());
            p.info("  sequence " + c.sequence().display() + ": next value " + c.sourceNext()
                    + (c.moved() ? " (was " + c.targetNextBefore() + " on the target)" : " (target already there)"));
        }
        return out;
    }

    private static void truncate(Connection tgt, List<TableInfo> tables) throws SQLException {
        if (tables.isEmpty()) return;
        Queries.exec(tgt, "TRUNCATE ONLY " + tables.stream().map(TableInfo::quoted).collect(Collectors.joining(", ")));
    }

    // ---- cutover

    private static CutOver cutOver(long lagAtCutover, List<String> sequences, List<String> removed, double waitSeconds) {
        Map<String, String> figures = figures("lag-bytes-at-cutover", lagAtCutover, "sequences", sequences.size(),
                "removed", String.join(",", removed), "catch-up-seconds", String.format(java.util.Locale.ROOT, "%.1f", waitSeconds));
        String summary = "cut over: target caught up (" + Progress.bytes(Math.max(0, lagAtCutover)) + " behind), "
                + sequences.size() + " sequence(s) carried, "
                + (removed.isEmpty() ? "no replication objects were left to remove" : "removed " + String.join(", ", removed));
        return new CutOver("native", summary, sequences, removed, lagAtCutover, waitSeconds, figures);
    }

    @Override
    public CutOver cutover(RunContext ctx, Endpoints ep) {
        ReplicationNames n = ReplicationNames.forRun(ctx.runId());
        Progress p = ctx.progress();
        Journal j = ctx.journal();
        try (Connection src = connect(ep.source(), "source"); Connection tgt = connect(ep.target(), "target")) {
            Optional<Subscriptions.Subscription> sub = Subscriptions.find(tgt, n.subscription());
            boolean pub = Publications.exists(src, n.publication());
            boolean slot = ReplicationSlots.find(src, n.slot()).isPresent();
            boolean recorded = j.resource(SUBSCRIPTION, n.subscription()).isPresent();
            if (sub.isEmpty() && !pub && !slot && !recorded) {
                throw ToolException.usage("nothing to cut over for run " + ctx.runId() + ": no subscription " + n.subscription()
                        + " on " + ep.target().display() + " and no publication or slot on the source: run migrate first (or check --run-id)");
            }
            if (sub.isEmpty() && !copyComplete(ctx)) {
                // a publication and slot without a subscription is what a snapshot copy killed half-way leaves
                throw ToolException.usage("run " + ctx.runId() + " has no subscription " + n.subscription() + " and its initial copy "
                        + "did not finish: run migrate with --run-id " + ctx.runId() + " again, or give the run up with cutover --abandon");
            }
            Catalog.Selection selection = published(src, Catalog.select(src, ep.tables()), n, pub);
            List<TableInfo> tables = TableInfo.of(src, selection);
            p.info("cutover (native, run " + ctx.runId() + "): " + tables.size() + " table(s)");
            long lagAtCutover = 0;
            double waited = 0;
            if (sub.isPresent()) {
                if (!sub.get().enabled()) {
                    Subscriptions.enable(tgt, n.subscription());
                    p.info("  enabled subscription " + n.subscription() + " again (an earlier cutover stopped before finishing)");
                }
                waitForSync(tgt, n, tables, p);
                waitForApplyWorker(tgt, n, p);
                long t0 = System.nanoTime();
                lagAtCutover = waitForCatchUp(src, tgt, n, p);
                waited = (System.nanoTime() - t0) / 1e9;
            } else {
                p.info("  subscription " + n.subscription() + " already removed by an earlier attempt; finishing the clean-up");
            }
            List<String> seqs = copySequences(src, tgt, selection, p);
            afterLoad(ep.target(), selection, p, true);
            // the subscription (detached), then its slots, then the publication; each tolerated when already gone
            List<String> removed = new ArrayList<>();
            dropOnSource(j, src, n, dropSubscription(j, tgt, n, p, removed), p, removed);
            assertNothingLeft(src, tgt, n);
            p.info("  cutover complete: nothing holds WAL on the source for this run");
            return cutOver(lagAtCutover, seqs, removed, waited);
        } catch (SQLException e) {
            throw failure(BOTH, "cutting over", ctx.runId(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ToolException.runtime("interrupted; run cutover again with --run-id " + ctx.runId());
        }
    }

    /** The selected tables the publication carries; once the publication is gone, the whole selection. */
    private static Catalog.Selection published(Connection src, Catalog.Selection selection, ReplicationNames n, boolean pub)
            throws SQLException {
        if (!pub) return selection;
        java.util.Set<String> published = java.util.Set.copyOf(Publications.tables(src, n.publication()));
        return new Catalog.Selection(selection.tables().stream()
                .filter(t -> t.leaves().stream().anyMatch(l -> published.contains(l.id().key()))).toList(),
                selection.sequences());
    }

    /**
     * Without --max-lag: takes a sync point on the source ({@link SyncPoint}) and waits until the subscription
     * confirmed it, i.e. every change committed before cutover began is on the target. With
     * --max-lag B: waits until the target is at most B bytes behind. Returns the lag when it stopped waiting.
     */
    private long waitForCatchUp(Connection src, Connection tgt, ReplicationNames n, Progress p)
            throws SQLException, InterruptedException {
        String syncPoint = SyncPoint.take(src);
        long deadline = System.nanoTime() + options.timeout().toNanos();
        long lastReport = System.nanoTime();
        long baseErrors = Subscriptions.errorCount(tgt, n.subscription());
        p.info("  waiting for the target to catch up with the source (sync point " + syncPoint
                + (options.maxLagBytes() > 0 ? ", or at most " + Progress.bytes(options.maxLagBytes()) + " behind" : "") + ")");
        while (true) {
            long lag = ReplicationSlots.lag(src, n.slot()).orElseThrow(() -> ToolException.runtime(
                    "replication slot " + n.slot() + " is missing on the source: the subscription cannot catch up; "
                            + "check whether someone dropped it (the target may lack recent changes)"));
            boolean done = options.maxLagBytes() > 0
                    ? lag >= 0 && lag <= options.maxLagBytes()
                    : SyncPoint.confirmed(src, n.slot(), syncPoint);
            if (done) {
                p.info("  target caught up (" + Progress.bytes(Math.max(0, lag)) + " behind the source's current position)");
                return Math.max(0, lag);
            }
            if (System.nanoTime() > deadline) {
                throw ToolException.runtime("the target is still " + (lag < 0 ? "an unknown amount" : Progress.bytes(lag))
                        + " behind after " + options.timeout().toSeconds() + " s; nothing was removed: stop the writers "
                        + "on the source or raise --timeout, and run cutover again");
            }
            if (System.nanoTime() - lastReport > REPORT_EVERY.toNanos()) {
                lastReport = System.nanoTime();
                long errors = Subscriptions.errorCount(tgt, n.subscription());
                p.info("  catching up: " + (lag < 0 ? "nothing confirmed yet" : Progress.bytes(lag) + " behind")
                        + (baseErrors >= 0 && errors > baseErrors ? "; the apply worker reported " + (errors - baseErrors)
                        + " error(s), see the target's server log" : ""));
            }
            Thread.sleep(POLL.toMillis());
        }
    }

    /** Drops the subscription without reaching the source; returns its oid (the journal's once it is gone), or null. */
    private static Long dropSubscription(Journal j, Connection tgt, ReplicationNames n, Progress p, List<String> removed)
            throws SQLException {
        Long subOid = Subscriptions.find(tgt, n.subscription()).map(Subscriptions.Subscription::oid)
                .orElse(journaledOid(j, n));
        if (Subscriptions.dropDetached(tgt, n.subscription())) {
            removed.add("subscription " + n.subscription());
            p.info("  dropped subscription " + n.subscription() + " on the target");
        }
        j.markDeleted(SUBSCRIPTION, n.subscription());
        return subOid;
    }

    private static Long journaledOid(Journal j, ReplicationNames n) {
        return j.resource(SUBSCRIPTION, n.subscription()).map(r -> r.attribute("oid")).map(Long::valueOf).orElse(null);
    }

    /** The subscription's table-sync slots, this run's slot, then the publication. */
    private static void dropOnSource(Journal j, Connection src, ReplicationNames n, Long subOid, Progress p,
                                     List<String> removed) throws SQLException, InterruptedException {
        if (subOid != null) {
            for (String sync : ReplicationSlots.names(src, ReplicationNames.syncSlotPrefix(subOid))) {
                if (ReplicationSlots.drop(src, sync, Duration.ofSeconds(10), null)) {
                    removed.add("slot " + sync);
                    p.info("  dropped table-sync slot " + sync + " on the source");
                }
            }
        }
        if (dropSlot(j, src, n.slot(), p)) removed.add("slot " + n.slot());
        if (Publications.drop(src, n.publication())) {
            removed.add("publication " + n.publication());
            p.info("  dropped publication " + n.publication() + " on the source");
        }
        j.markDeleted(PUBLICATION, n.publication());
    }

    private static boolean dropSlot(Journal j, Connection src, String slot, Progress p) throws SQLException, InterruptedException {
        boolean dropped = ReplicationSlots.drop(src, slot, Duration.ofSeconds(10), null);
        if (dropped) p.info("  dropped replication slot " + slot + " on the source");
        j.markDeleted(SLOT, slot);
        return dropped;
    }

    private static void assertNothingLeft(Connection src, Connection tgt, ReplicationNames n) throws SQLException {
        List<String> left = new ArrayList<>();
        if (Subscriptions.find(tgt, n.subscription()).isPresent()) left.add("subscription " + n.subscription());
        if (ReplicationSlots.find(src, n.slot()).isPresent()) left.add("slot " + n.slot());
        if (Publications.exists(src, n.publication())) left.add("publication " + n.publication());
        if (!left.isEmpty()) {
            throw ToolException.runtime("still present after clean-up: " + String.join(", ", left)
                    + " (something re-created or held them); run cutover again");
        }
    }

    // ---- teardown

    @Override
    public void teardown(RunContext ctx, Endpoints ep) {
        ReplicationNames n = ReplicationNames.forRun(ctx.runId());
        Progress p = ctx.progress();
        Journal j = ctx.journal();
        List<String> problems = new ArrayList<>();
        List<String> removed = new ArrayList<>();
        Long subOid = journaledOid(j, n);
        try (Connection tgt = connect(ep.target(), "target")) {
            subOid = dropSubscription(j, tgt, n, p, removed);
        } catch (SQLException | RuntimeException e) {
            problems.add("subscription " + n.subscription() + " on the target: " + Database.firstLine(e.getMessage()));
        }
        try (Connection src = connect(ep.source(), "source")) {
            dropOnSource(j, src, n, subOid, p, removed);
        } catch (SQLException | RuntimeException e) {
            problems.add("slot/publication on the source: " + Database.firstLine(e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            problems.add("interrupted");
        }
        if (!problems.isEmpty()) {
            throw ToolException.runtime("teardown could not remove everything: " + String.join("; ", problems)
                    + " (run teardown again once both databases are reachable)");
        }
    }

    // ---- helpers

    private static boolean copyStarted(RunContext ctx) {
        return ctx.journal().output(Step.MIGRATE, INITIAL_COPY_OUTPUT).isPresent();
    }

    /** The initial copy finished: journaled complete, or migrate done (its figures then name the copy mode instead). */
    private static boolean copyComplete(RunContext ctx) {
        return ctx.journal().isDone(Step.MIGRATE)
                || "complete".equals(ctx.journal().output(Step.MIGRATE, INITIAL_COPY_OUTPUT).orElse(""));
    }

    private static void recordSubscriptionOid(Journal j, Connection tgt, ReplicationNames n, ConnectionSpec target)
            throws SQLException {
        Optional<Subscriptions.Subscription> s = Subscriptions.find(tgt, n.subscription());
        if (s.isEmpty()) return;
        Map<String, String> a = attributes(target);
        a.put("oid", String.valueOf(s.get().oid()));
        j.recordResource(SUBSCRIPTION, n.subscription(), a);
    }

    /** Where a resource lives; never credentials. */
    private static Map<String, String> attributes(ConnectionSpec spec) {
        return figures("host", spec.host(), "port", spec.port(), "db", spec.database());
    }

    private static Connection connect(ConnectionSpec spec, String role) {
        return Database.connect(spec, role, null);
    }

    /** A step on both connections: they are closed before its catch runs, so the message cannot tell which failed. */
    private static final String BOTH = "source or target";

    /** What each side needs, for a permission error anywhere in the engine (preflight checks most of it first). */
    static final String GRANT = "the source user needs REPLICATION (rds_replication on RDS/Aurora), CREATE on the database, "
            + "and to own the selected tables with SELECT on them and their sequences; the target user must be a superuser "
            + "(rds_superuser on RDS/Aurora)";

    /** The engine's part of the one SQL failure rule ({@link SqlErrors}): every step resumes by run id. */
    private static ToolException failure(String role, String doing, String runId, SQLException e) {
        return SqlErrors.of(role, doing, e, new SqlErrors.Advice("re-run with --run-id " + runId + " to resume", GRANT));
    }
}
