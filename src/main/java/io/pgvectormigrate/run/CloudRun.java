package io.pgvectormigrate.run;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgvectormigrate.aws.AwsClients;
import io.pgvectormigrate.aws.AwsProvider;
import io.pgvectormigrate.aws.dms.CostEstimate;
import io.pgvectormigrate.aws.dms.DmsOptions;
import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pg.Catalog;
import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pg.Database;
import io.pgvectormigrate.pg.SqlErrors;
import io.pgvectormigrate.pg.TableFilter;
import io.pgvectormigrate.pg.TableId;
import io.pgvectormigrate.pipeline.CopyEngine;
import io.pgvectormigrate.pipeline.Endpoints;
import io.pgvectormigrate.pipeline.Journal;
import io.pgvectormigrate.pipeline.Pipeline;
import io.pgvectormigrate.pipeline.RunContext;
import io.pgvectormigrate.pipeline.RunReport;
import io.pgvectormigrate.pipeline.SourceProvider;
import io.pgvectormigrate.pipeline.Step;
import io.pgvectormigrate.pipeline.TargetRowCounter;
import io.pgvectormigrate.report.Json;
import io.pgvectormigrate.report.Progress;
import io.pgvectormigrate.prepare.PrepareOptions;
import io.pgvectormigrate.prepare.TargetPreparer;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * The whole AWS migration in one command, over the same {@link Pipeline} rehearse uses: the snapshot restored to a
 * temporary cluster, the stack's cluster as the target ({@link StackTarget}, never removed). While the restore runs,
 * the DMS network and target data provider and the target's Flyway preparation get a head start. Resumable: the same
 * run id continues where a run stopped, from the journal.
 */
public final class CloudRun {
    public static final String COMMAND = "run";
    /** Journals a run may continue: its own, or one begun by capture (before the deploy) or restore. */
    static final Set<String> CONTINUES = Set.of(COMMAND, "capture", "restore");
    static final String P_ENGINE = "run.engine", P_TABLES = "run.tables";
    /** The report's heading: "migration run &lt;id&gt;: VERIFIED". */
    static final String REPORT_TITLE = "migration";
    /** Prepare-target outputs holding the cost estimate's formula lines. */
    static final String ESTIMATE_PREFIX = "estimate.";

    /** @param estimate the cost estimate's lines (empty without a {@code cost:} section) */
    public record Result(String runId, Pipeline.Outcome outcome, RunReport report, List<String> estimate) {
        public String json() {
            ObjectNode doc = Json.mapper().valueToTree(report);
            if (!estimate.isEmpty()) doc.putPOJO("costEstimate", estimate);
            return Json.write(doc);
        }

        public String text() {
            return report.toText() + withEstimate(
                    "\n  cost estimate (prices from migration.yaml's cost: section; see the runbook):\n");
        }

        public String markdown() {
            return report.toMarkdown() + withEstimate(
                    "\n## Cost estimate\n\nPrices from migration.yaml's `cost:` section "
                    + "(inputs, not AWS prices); the formula is in docs/runbook-bedrock-chat-v0-v1.md.\n\n");
        }

        private String withEstimate(String heading) {
            if (estimate.isEmpty()) return "";
            return heading + estimate.stream().map(line -> "    " + line + "\n").collect(Collectors.joining());
        }
    }

    private CloudRun() {}

    /** @param extra more listeners (tests use one to crash at a chosen point) */
    public static Result run(RunSettings s, AwsClients aws, Progress progress, Clock clock, List<Pipeline.Listener> extra) {
        boolean resuming = Journal.exists(s.workDir(), s.runId());
        Journal j = openJournal(s, s.workDir(), aws.region(), clock);
        progress.info((resuming ? "resuming run " : "run ") + s.runId() + " in " + aws.region() + " (journal: " + j.file() + ")");

        AwsProvider provider = new AwsProvider(aws, s.source());
        SourceProvider source = s.tunnelSource() == null ? provider : new Tunneled(provider, s.tunnelSource());
        StackTarget target = new StackTarget(aws, s.targetSecretArn(), s.tunnelTarget());
        CopyEngine engine = engine(s, aws, j);
        List<Pipeline.DuringRestore> headStarts = new ArrayList<>();
        engine.headStart().ifPresent(h -> headStarts.add(headStart(h.name(), Step.MIGRATE, ctx -> h.run(ctx, target.spec(ctx)))));
        headStarts.add(headStart("flyway on the target", Step.PREPARE_TARGET,
                ctx -> earlyPreparation(target.spec(ctx), s.tables(), ctx.progress())));

        RunChecks checks = new RunChecks(aws, target, engine, s.tables(), true);
        List<Pipeline.Listener> listeners = new ArrayList<>();
        listeners.add(checks);
        listeners.add(new TargetRowCounter());
        if (s.cost() != null && s.engine() == RunSettings.Engine.DMS) listeners.add(new Estimate(s.cost()));
        listeners.addAll(extra);

        Pipeline.Stages stages = new Pipeline.Stages(StandardStages.prepare(), StandardStages.verify(s.verify()::apply));
        Pipeline pipeline = new Pipeline(source, target, engine, options(s), stages, listeners, headStarts);
        RunContext ctx = new RunContext(j, progress, s.workDir(), clock);
        checkIfAnotherCommandDidPreflight(j, checks, ctx);
        Pipeline.Outcome outcome = pipeline.run(ctx);

        RunReport raw = RunReport.of(j, outcome, null, Map.of(), next(s, outcome, j));
        Map<String, String> figures = new TreeMap<>(raw.figures());
        figures.keySet().removeIf(k -> k.startsWith(Step.PREPARE_TARGET + "." + ESTIMATE_PREFIX));
        List<String> estimate = new TreeMap<>(j.step(Step.PREPARE_TARGET).outputs()).entrySet().stream()
                .filter(e -> e.getKey().startsWith(ESTIMATE_PREFIX)).map(Map.Entry::getValue).toList();
        // the journal may have been begun by capture or restore: this report is the migration's
        RunReport report = new RunReport(raw.runId(), REPORT_TITLE, raw.result(), raw.exitCode(), raw.message(), raw.startedAt(),
                raw.finishedAt(), raw.source(), raw.target(), raw.steps(), raw.rows(), raw.rowsMoved(), raw.verification(),
                figures, raw.resourcesLeft(), raw.next());
        return new Result(s.runId(), outcome, report, estimate);
    }

    /**
     * The run's journal under {@code dir} (plan passes a scratch copy), with the checks a run makes before anything else:
     * its region, its snapshot, and the engine and tables its steps already used.
     */
    static Journal openJournal(RunSettings s, Path dir, String region, Clock clock) {
        Journal j = Journal.open(dir, s.runId(), COMMAND, CONTINUES, clock);
        AwsProvider.checkRegion(j, region);
        // preflight checks the snapshot once; a resumed run must not silently restore another one than it was asked
        Optional<String> snapshotArn = j.parameter(AwsProvider.P_SNAPSHOT);
        if (snapshotArn.isPresent() && !snapshotArn.get().equals(s.source().snapshot())
                && !j.parameter("aws.snapshotId").orElse("").equals(s.source().snapshot())) {
            throw ToolException.usage("run " + s.runId() + " restores snapshot " + snapshotArn.get() + ", not " + s.source().snapshot()
                    + ": resume it with that snapshot, or start a new run with another --run-id");
        }
        j.settle(P_ENGINE, s.engine().id(), null, j.step(Step.MIGRATE).attempts() > 0, "--engine");
        j.settle(P_TABLES, s.tables().describe(), null, j.step(Step.PREPARE_TARGET).attempts() > 0, "the table filter");
        return j;
    }

    static CopyEngine engine(RunSettings s, AwsClients aws, Journal j) {
        return s.engine() == RunSettings.Engine.DMS
                ? Engines.dms(aws, b -> s.dms().applyTo(realEndpoints(b, j, s)))
                : Engines.nativeEngine(s.nativeOptions());
    }

    static Pipeline.Options options(RunSettings s) {
        return new Pipeline.Options(s.tables(), false, s.keepTemporary(), false, s.stopAfter());
    }

    /** A journal whose preflight another command did (restore, capture) gets run's own checks before it goes on. */
    static void checkIfAnotherCommandDidPreflight(Journal j, RunChecks checks, RunContext ctx) {
        if (j.isDone(Step.PREFLIGHT) && j.output(Step.PREFLIGHT, RunChecks.OUTPUT).isEmpty() && !j.isDone(Step.MIGRATE)) {
            ctx.progress().info("the journal's preflight was done by another command: running run's own checks now");
            checks.check(ctx);
        }
    }

    /** With port forwarding the tool's addresses are local; DMS, inside the VPC, gets the clusters' own endpoints. */
    private static DmsOptions.Builder realEndpoints(DmsOptions.Builder b, Journal j, RunSettings s) {
        if (s.tunnelSource() != null) {
            j.output(Step.RESTORE, "endpoint").ifPresent(host -> b.source(new DmsOptions.Location(host,
                    Integer.parseInt(j.output(Step.RESTORE, "port").orElse("5432")), null)));
        }
        if (s.tunnelTarget() != null && j.parameter(StackTarget.P_ENDPOINT).isPresent()) {
            ConnectionSpec real = StackTarget.endpoint(j);
            b.target(new DmsOptions.Location(real.host(), real.port(), null));
        }
        return b;
    }

    static Pipeline.DuringRestore headStart(String name, Step owner, Consumer<RunContext> work) {
        return new Pipeline.DuringRestore(name, owner, work);
    }

    /**
     * Flyway on the target before the source exists: extensions, the tool's bookkeeping and, when the stack already
     * made Bedrock Chat's {@code items}, its preset (IF NOT EXISTS: nothing changes), with its indexes deferred.
     * prepare-target then runs with the source and finds this done. A target without {@code items} gets no preset
     * here: whether it is Bedrock Chat is the source's to say.
     */
    static void earlyPreparation(ConnectionSpec target, TableFilter tables, Progress progress) {
        boolean items;
        try (Connection c = Database.connect(target, "target", null); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT to_regclass('public.items') IS NOT NULL")) {
            rs.next();
            items = rs.getBoolean(1) && tables.matches("public", "items");
        } catch (SQLException e) {
            throw SqlErrors.of("target", "reading the catalog", e, RunChecks.SQL_ADVICE);
        }
        TargetPreparer.prepare(new PrepareOptions(target, null, false, null, false, true, tables,
                items ? PrepareOptions.Preset.BEDROCK_CHAT : PrepareOptions.Preset.NONE, null), progress);
    }

    /** What the operator can do next, as commands. */
    static List<String> next(RunSettings s, Pipeline.Outcome outcome, Journal j) {
        List<String> next = new ArrayList<>();
        String resume = "pgvector-migrate run --run-id " + s.runId()
                + (s.configFile() != null ? " --config " + s.configFile() : "")
                + (s.region() != null ? " --region " + s.region() : "");
        String cleanup = "pgvector-migrate cleanup --run-id " + s.runId() + " --work-dir " + s.workDir();
        switch (outcome.status()) {
            case STOPPED -> next.add("continue: " + resume);
            case FAILED -> {
                next.add("fix the cause above, then resume: " + resume);
                if (!j.liveResourcesNewestFirst().isEmpty()) next.add("or give up and remove what the run made: " + cleanup);
            }
            case DIFFERENCES -> {
                next.add("both clusters are kept for a look; after fixing the cause, verify again: " + resume);
                next.add("or remove what the run made: " + cleanup);
            }
            case ABANDONED -> next.add("start a new run with another --run-id");
            case COMPLETED -> {
                if (!j.liveResourcesNewestFirst().isEmpty()) {
                    next.add("kept as asked: remove it when done with: " + cleanup);
                }
                next.add("check the application, then re-enable secret rotation and re-publish APIs (docs/runbook-bedrock-chat-v0-v1.md)");
            }
        }
        return next;
    }

    /** The temporary source through port forwarding: same provider, the tool connects to {@code via}. */
    private record Tunneled(AwsProvider provider, HostPort via) implements SourceProvider {
        @Override public String name() { return provider.name(); }
        @Override public void preflight(RunContext ctx) { provider.preflight(ctx); }
        @Override public void restore(RunContext ctx) { provider.restore(ctx); }
        @Override public ConnectionSpec credentials(RunContext ctx) { return via.apply(provider.credentials(ctx)); }
        @Override public void teardown(RunContext ctx) { provider.teardown(ctx); }
    }

    /**
     * The cost estimate of migration.yaml's {@code cost:} section, measured on the temporary source once prepare-target
     * is done (sizes, rows, bots and text of the selected tables) and journaled as the formula with the numbers in it.
     */
    private record Estimate(CostEstimate.Prices prices) implements Pipeline.Listener {
        @Override
        public void afterStep(Step step, RunContext ctx, Endpoints endpoints, boolean succeeded) {
            if (step != Step.PREPARE_TARGET || !succeeded) return;
            try (Connection c = Database.connect(endpoints.source(), "source", null)) {
                CostEstimate.Measured m = CostEstimate.measure(c, Catalog.select(c, endpoints.tables()),
                        new TableId("public", "items"), "botid", "content");
                List<String> lines = CostEstimate.estimate(m, prices).formula();
                for (int i = 0; i < lines.size(); i++) {
                    ctx.journal().putOutput(Step.PREPARE_TARGET, ESTIMATE_PREFIX + (char) ('a' + i), lines.get(i));
                }
            } catch (SQLException e) {
                ctx.progress().info("cost estimate skipped: cannot measure the source (" + Database.firstLine(e.getMessage()) + ")");
            }
        }
    }
}
