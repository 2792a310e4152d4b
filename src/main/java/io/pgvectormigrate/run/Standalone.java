package io.pgvectormigrate.run;

import io.pgvectormigrate.aws.AwsClients;
import io.pgvectormigrate.aws.AwsProvider;
import io.pgvectormigrate.aws.AwsSourceOptions;
import io.pgvectormigrate.aws.dms.DmsConfig;
import io.pgvectormigrate.aws.dms.DmsOptions;
import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.replication.NativeOptions;
import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pg.TableFilter;
import io.pgvectormigrate.pipeline.CopyEngine;
import io.pgvectormigrate.pipeline.Endpoints;
import io.pgvectormigrate.pipeline.ExistingDatabase;
import io.pgvectormigrate.pipeline.Journal;
import io.pgvectormigrate.pipeline.Pipeline;
import io.pgvectormigrate.pipeline.RunContext;
import io.pgvectormigrate.pipeline.SourceProvider;
import io.pgvectormigrate.pipeline.Step;
import io.pgvectormigrate.pipeline.TargetProvider;
import io.pgvectormigrate.report.Json;
import io.pgvectormigrate.report.Progress;

import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * The step commands as passes of the one {@link Pipeline} over a run's journal: {@code restore} runs preflight,
 * restore and credentials over the AWS provider; {@code migrate} runs prepare-target (a check: the target is
 * prepare-target's to change) and migrate, with {@code --cutover} cutover too; {@code cutover} runs cutover, and with
 * {@code --abandon} the engine's teardown. A step the journal has as done is skipped, whichever command did it, so
 * {@code cutover} continues the run {@code migrate} journaled, and a killed command resumes by running it again.
 */
public final class Standalone {
    /** Journals the copy commands continue: their own, and runs begun by capture or restore (DMS after a restore). */
    static final Set<String> CONTINUES = Set.of("migrate", "restore", "capture");
    /** Journals restore continues: its own, and a run begun by capture. */
    static final Set<String> RESTORE_CONTINUES = Set.of("restore", "capture");
    /** Journal parameters of a copy run: the table filter (JSON) and the two databases (display form, no password). */
    static final String P_TABLES = "tables", P_SOURCE = "source", P_TARGET = "target";

    /** What a step command ran: the run, its journal, how the pass ended, and the two databases as displayed. */
    public record Result(String runId, Journal journal, Pipeline.Outcome outcome, String source, String target) {
        /** The run's engine ("native" or "dms"). */
        public String engine() {
            return journal.parameter(Pipeline.P_ENGINE).orElse(null);
        }
    }

    /**
     * Which steps of a copy a command runs.
     *
     * @param command the command journaling a new run ("migrate", "cutover")
     * @param abandon give the run up: the engine's teardown instead of its cutover
     */
    public record Copy(String command, String runId, Path workDir, TableFilter tables, Set<Step> steps, boolean abandon) {
        public static Copy migrate(String runId, Path workDir, TableFilter tables, boolean cutover) {
            return new Copy("migrate", runId, workDir, tables, cutover ? EnumSet.of(Step.PREPARE_TARGET, Step.MIGRATE, Step.CUTOVER)
                    : EnumSet.of(Step.PREPARE_TARGET, Step.MIGRATE), false);
        }

        public static Copy cutover(String runId, Path workDir, TableFilter tables, boolean abandon) {
            return new Copy("cutover", runId, workDir, tables, EnumSet.of(abandon ? Step.TEARDOWN : Step.CUTOVER), abandon);
        }
    }

    private Standalone() {}

    /** {@code restore}: the temporary cluster and its credentials; nothing on the target yet. */
    public static Result restore(String runId, Path workDir, AwsClients aws, AwsSourceOptions options, Progress progress, Clock clock) {
        Journal j = Journal.open(workDir, runId, "restore", RESTORE_CONTINUES, clock);
        Pipeline p = new Pipeline(new AwsProvider(aws, options), NOT_CONNECTED, null,
                Pipeline.Options.only(TableFilter.ALL, Step.PREFLIGHT, Step.RESTORE, Step.CREDENTIALS).withRecheck(),
                StandardStages.standard(), List.of());
        Pipeline.Outcome o = p.run(new RunContext(j, progress, workDir, clock));
        return new Result(runId, j, o, j.output(Step.CREDENTIALS, "source").orElse(null), null);
    }

    /** A native copy between the operator's two databases (passwords resolved, in memory only). */
    public static Result nativeCopy(Copy q, ConnectionSpec source, ConnectionSpec sourceFromTarget, ConnectionSpec target,
                                    NativeOptions options, Progress progress, Clock clock) {
        Opened o = open(q, RunSettings.Engine.NATIVE.id(), source, target, clock);
        return copy(o.copy(), o.journal(), new ExistingDatabase(source, sourceFromTarget, "source"),
                new ExistingDatabase(target, null, "target"), Engines.nativeEngine(options), progress, clock);
    }

    /**
     * The engine of a copy command: the one given, else the one the run recorded (cutover takes migrate's), else native.
     * Another engine than the run's is bad input once its migrate began; nothing is written.
     *
     * @param runId the given run id, or null
     */
    public static String engine(Path workDir, String runId, String given) {
        String engine = given == null ? null : RunSettings.Engine.of(given).id();
        String dflt = RunSettings.Engine.NATIVE.id();
        if (runId != null) Journal.validateRunId(runId);
        if (runId == null || !Journal.exists(workDir, runId)) return engine != null ? engine : dflt;
        Journal j = Journal.load(workDir, runId, Clock.systemUTC());
        return j.choice(Pipeline.P_ENGINE, engine, dflt, began(j), "--engine");
    }

    /**
     * The latest migrate run in the work directory between these two databases whose native replication is still live
     * (for cutover without --run-id). Runs of other commands (a kept rehearsal) and of other databases are never picked.
     */
    public static String latestNativeRun(Path workDir, ConnectionSpec source, ConnectionSpec target) {
        return Journal.latest(workDir, d -> CONTINUES.contains(d.command()) && d.hasLive(Engines.NATIVE_SUBSCRIPTION)
                        && source.display().equals(d.parameter(P_SOURCE)) && target.display().equals(d.parameter(P_TARGET)))
                .orElseThrow(() -> ToolException.usage("no run in " + workDir.resolve("runs") + " that migrate began from " + source.display()
                        + " to " + target.display() + " has a native subscription left to cut over: pass --run-id"));
    }

    /** A copy pass's journal, and the pass with the run's table filter. */
    private record Opened(Journal journal, Copy copy) {}

    /**
     * Opens the journal of a copy pass and ties it to the run's first choices before anything is written (exit 2, nothing
     * created): a cutover needs a run migrate journaled; a run another kind of command began is refused; the engine, the
     * table filter and the databases given must be the run's once its migrate began (not given: the
     * run's are used). So {@code cutover} finishes exactly what {@code migrate} started, and a second {@code migrate}
     * with the same (default, per-second) run id but other databases is refused rather than skipped as done.
     *
     * @param source the operator's source, or null when the run supplies it (DMS after restore)
     */
    private static Opened open(Copy q, String engine, ConnectionSpec source, ConnectionSpec target, Clock clock) {
        requireRun(q);
        Journal j = Journal.open(q.workDir(), q.runId(), q.command(), CONTINUES, clock); // refuses another kind of run
        boolean began = began(j);
        String tables = q.tables().isEverything() ? null : json(q.tables());
        // every refusal before the first write
        j.choice(Pipeline.P_ENGINE, engine, null, began, "--engine");
        j.choice(P_TABLES, tables, null, began, "the table filter (--schema, --table, --exclude)");
        if (source != null) j.choice(P_SOURCE, source.display(), null, began, "--source");
        if (target != null) j.choice(P_TARGET, target.display(), null, began, "--target");
        String filter = j.settle(P_TABLES, tables, json(TableFilter.ALL), began, "the table filter");
        if (source != null) j.settle(P_SOURCE, source.display(), null, began, "--source");
        if (target != null) j.settle(P_TARGET, target.display(), null, began, "--target");
        TableFilter recorded;
        try {
            recorded = Json.mapper().readValue(filter, TableFilter.class);
        } catch (java.io.IOException e) {
            throw ToolException.runtime("cannot read the table filter run " + q.runId() + " recorded: " + e.getMessage(), e);
        }
        return new Opened(j, new Copy(q.command(), q.runId(), q.workDir(), recorded, q.steps(), q.abandon()));
    }

    private static String json(TableFilter f) {
        try { // one line, fixed order: compared as text
            return Json.mapper().writer().without(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(new java.util.TreeMap<>(java.util.Map.of("schemas", f.schemas(), "tables", f.tables(), "excludes", f.excludes())));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A pass that does not migrate continues a run: it needs the run's journal (and never creates one). */
    private static void requireRun(Copy q) {
        if (!q.steps().contains(Step.MIGRATE) && !Journal.exists(q.workDir(), q.runId())) {
            throw ToolException.usage("nothing to " + (q.abandon() ? "abandon" : "cut over") + " for run " + q.runId() + ": no run journal in "
                    + q.workDir().resolve("runs") + ": run migrate first (or check --run-id and --work-dir)");
        }
    }

    /** A standalone pass's prepare-target step only checks: choices bind once migrate (or cutover) may have made something. */
    private static boolean began(Journal j) {
        return j.step(Step.MIGRATE).attempts() > 0 || j.step(Step.CUTOVER).attempts() > 0;
    }


    /**
     * The DMS settings of a step command: migration.yaml's {@code dms:} section with the flags over it and the secrets
     * the operator names. Checked without AWS, so a missing role or a bad value is exit 2 before any client exists.
     */
    public record DmsSettings(DmsConfig dms, String sourceSecretArn, String targetSecretArn) {
        /**
         * @param creates the pass creates DMS objects (migrate): only then is the role DMS assumes needed; cutover and
         *                --abandon stop and delete what the journal lists, and take the rest from the run
         */
        public static DmsSettings of(Path config, DmsConfig flags, String sourceSecretArn, String targetSecretArn, boolean creates) {
            MigrationConfig file = config == null ? MigrationConfig.EMPTY : MigrationConfig.read(config);
            DmsConfig dms = RunSettings.merge(file.dms(), flags);
            if (creates && dms.roleArn() == null && (dms.secretsAccessRoleArn() == null || dms.serviceAccessRoleArn() == null)) {
                throw ToolException.usage("--engine dms needs the AWS options: the role DMS assumes (--dms-role-arn, or dms.roleArn in "
                        + "--config; `pgvector-migrate iam-policy` prints it), --region, and, unless --run-id names a restored run, "
                        + "the network and secrets (--dms-subnet-ids, --dms-security-group-ids, --source-secret-arn, --target-secret-arn)");
            }
            dms.applyTo(DmsOptions.builder()); // bad values are exit 2 now
            return new DmsSettings(dms, sourceSecretArn, targetSecretArn);
        }

        UnaryOperator<DmsOptions.Builder> apply() {
            return b -> {
                dms.applyTo(b);
                if (sourceSecretArn != null) b.sourceSecretId(sourceSecretArn);
                if (targetSecretArn != null) b.targetSecretId(targetSecretArn);
                return b;
            };
        }
    }

    /**
     * A DMS copy: the run's restored cluster and the stack's target unless the operator names them (then with their
     * secrets for DMS).
     *
     * @param source the operator's source, or null for the cluster restore made
     * @param target the operator's target, or null for the stack's cluster
     */
    public static Result dmsCopy(Copy q, DmsSettings settings, ConnectionSpec source, ConnectionSpec target, AwsClients aws,
                                 Progress progress, Clock clock) {
        // bad input leaves nothing: checked on the journal as it is, before it is created or written
        requireRun(q);
        Journal existing = Journal.exists(q.workDir(), q.runId()) ? Journal.load(q.workDir(), q.runId(), clock) : null;
        if (existing != null) AwsProvider.checkRegion(existing, aws.region());
        if (target == null && (existing == null || existing.parameter(StackTarget.P_ENDPOINT).isEmpty())) {
            throw ToolException.usage("no --target, and run " + q.runId() + " has no target cluster recorded: pass --target "
                    + "(and --target-secret-arn for DMS), or restore with --stack first");
        }
        Opened o = open(q, RunSettings.Engine.DMS.id(), source, target, clock);
        Journal j = o.journal();
        if (j.parameter(AwsProvider.P_REGION).isEmpty()) j.putParameter(AwsProvider.P_REGION, aws.region());
        SourceProvider src = source != null ? new ExistingDatabase(source, null, "source") : new RestoredSource(aws);
        TargetProvider tgt = target != null ? new ExistingDatabase(target, null, "target")
                : new StackTarget(aws, settings.targetSecretArn(), null);
        return copy(o.copy(), j, src, tgt, Engines.dms(aws, settings.apply()), progress, clock);
    }

    private static Result copy(Copy q, Journal j, SourceProvider source, TargetProvider target, CopyEngine engine,
                               Progress progress, Clock clock) {
        Displays displays = new Displays();
        Pipeline.Options options = new Pipeline.Options(q.tables(), q.abandon(), false, false, null, q.steps(), false);
        Pipeline p = new Pipeline(source, target, engine, options,
                new Pipeline.Stages(StandardStages.checkOnly(), StandardStages.verify(o -> o)),
                List.of(displays, new BeforeCreate(engine), StandardStages.deferIndexesBeforeLoad()));
        Pipeline.Outcome o = p.run(new RunContext(j, progress, q.workDir(), clock));
        return new Result(q.runId(), j, o, j.parameter(P_SOURCE).orElse(displays.source), j.parameter(P_TARGET).orElse(displays.target));
    }

    /**
     * Journals how the two databases were reached (display forms, no password) once a step has them, when the run
     * supplied them (DMS after restore); what the operator gave is settled before the pass.
     */
    private static final class Displays implements Pipeline.Listener {
        String source, target;

        @Override
        public void beforeStep(Step step, RunContext ctx, Endpoints endpoints) {
            if (endpoints == null || source != null) return;
            source = endpoints.source().display();
            target = endpoints.target().display();
            if (ctx.journal().parameter(P_SOURCE).isEmpty()) ctx.journal().putParameter(P_SOURCE, source);
            if (ctx.journal().parameter(P_TARGET).isEmpty()) ctx.journal().putParameter(P_TARGET, target);
        }
    }

    /**
     * What the engine checks before it creates anything ({@link CopyEngine#checkBeforeCreate}: for DMS the roles it
     * assumes, dms-vpc-role, its options and DMS's login rules), where a pass that creates engine objects begins: the
     * step commands have no preflight step, so it runs as their prepare-target step starts. {@code run} does the same at
     * the end of its preflight ({@link RunChecks}). A failure is exit 2 with nothing created.
     */
    private record BeforeCreate(CopyEngine engine) implements Pipeline.Listener {
        @Override
        public void beforeStep(Step step, RunContext ctx, Endpoints endpoints) {
            if (step != Step.PREPARE_TARGET) return;
            List<String> passed = engine.checkBeforeCreate(ctx, endpoints.target());
            if (!passed.isEmpty()) ctx.progress().info("checks before create passed: " + String.join("; ", passed));
        }
    }

    /** restore makes the source only: the target is the next commands' to reach. */
    private static final TargetProvider NOT_CONNECTED = new TargetProvider() {
        @Override public String name() { return "not-connected"; }
        @Override public void preflight(RunContext ctx) {}
        @Override public ConnectionSpec connect(RunContext ctx, ConnectionSpec source) { return null; }
        @Override public void teardown(RunContext ctx) {}
    };

    /**
     * What the operator can do after a DMS migrate, as commands that work as printed: cutover takes the migration type,
     * the region and the network from the run's journal and needs no role; the databases the run cannot find itself
     * (no restored cluster, no stack target) are named, and their passwords come as for any command.
     */
    public static List<String> nextAfterDmsMigrate(Result r, boolean cutOver) {
        List<String> next = new ArrayList<>();
        Journal j = r.journal();
        String wd = " --work-dir " + j.runDir().getParent().getParent();
        next.add("verify the copy: pgvector-migrate verify --source " + r.source() + " --target " + r.target());
        if (!cutOver) {
            String source = AwsProvider.temporarySource(j).isPresent() ? "" : " --source " + r.source();
            String target = j.parameter(StackTarget.P_ENDPOINT).isPresent() ? "" : " --target " + r.target();
            next.add("then cut over (stops DMS, drops what it leaves on the source): pgvector-migrate cutover --engine dms --run-id "
                    + r.runId() + source + target + wd);
        }
        next.add("delete the DMS objects (and the temporary cluster, if restore made it): pgvector-migrate cleanup --run-id "
                + r.runId() + wd);
        return next;
    }
}
