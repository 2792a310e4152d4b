package io.pgvectormigrate.run;

import io.pgvectormigrate.aws.AwsClients;
import io.pgvectormigrate.aws.AwsProvider;
import io.pgvectormigrate.aws.AwsSourceOptions;
import io.pgvectormigrate.aws.dms.DmsConfig;
import io.pgvectormigrate.aws.dms.DmsOptions;
import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.engine.NativeOptions;
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
    /** What a step command ran: the run, its journal, how the pass ended, and the two databases as displayed. */
    public record Result(String runId, Journal journal, Pipeline.Outcome outcome, String source, String target) {}

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
        Journal j = Journal.open(workDir, runId, "restore", clock);
        Pipeline p = new Pipeline(new AwsProvider(aws, options), NOT_CONNECTED, null,
                Pipeline.Options.only(TableFilter.ALL, Step.PREFLIGHT, Step.RESTORE, Step.CREDENTIALS).withRecheck(),
                StandardStages.standard(), List.of());
        Pipeline.Outcome o = p.run(new RunContext(j, progress, workDir, clock));
        return new Result(runId, j, o, j.output(Step.CREDENTIALS, "source").orElse(null), null);
    }

    /** A native copy between the operator's two databases (passwords resolved, in memory only). */
    public static Result nativeCopy(Copy q, ConnectionSpec source, ConnectionSpec sourceFromTarget, ConnectionSpec target,
                                    NativeOptions options, Progress progress, Clock clock) {
        Journal j = Journal.open(q.workDir(), q.runId(), q.command(), clock);
        return copy(q, j, new ExistingDatabase(source, sourceFromTarget, "source"), new ExistingDatabase(target, null, "target"),
                Engines.nativeEngine(options), progress, clock);
    }

    /** The latest run in the work directory whose native replication is still live (for cutover without --run-id). */
    public static String latestNativeRun(Path workDir) {
        return Journal.latestWithLive(workDir, Engines.NATIVE_SUBSCRIPTION).orElseThrow(() -> ToolException.usage(
                "no run in " + workDir.resolve("runs") + " has a native subscription left to cut over: pass --run-id"));
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
        Journal j = Journal.open(q.workDir(), q.runId(), q.command(), clock);
        AwsProvider.checkRegion(j, aws.region());
        if (j.parameter(AwsProvider.P_REGION).isEmpty()) j.putParameter(AwsProvider.P_REGION, aws.region());
        if (target == null && j.parameter(StackTarget.P_ENDPOINT).isEmpty()) {
            throw ToolException.usage("no --target, and run " + j.runId() + " has no target cluster recorded: pass --target "
                    + "(and --target-secret-arn for DMS), or restore with --stack first");
        }
        SourceProvider src = source != null ? new ExistingDatabase(source, null, "source") : new RestoredSource(aws);
        TargetProvider tgt = target != null ? new ExistingDatabase(target, null, "target")
                : new StackTarget(aws, settings.targetSecretArn(), null);
        return copy(q, j, src, tgt, Engines.dms(aws, settings.apply()), progress, clock);
    }

    private static Result copy(Copy q, Journal j, SourceProvider source, TargetProvider target, CopyEngine engine,
                               Progress progress, Clock clock) {
        Displays displays = new Displays();
        Pipeline.Options options = new Pipeline.Options(q.tables(), q.abandon(), false, false, null, q.steps(), false);
        Pipeline p = new Pipeline(source, target, engine, options,
                new Pipeline.Stages(StandardStages.checkOnly(), StandardStages.verify(o -> o)), List.of(displays));
        Pipeline.Outcome o = p.run(new RunContext(j, progress, q.workDir(), clock));
        return new Result(q.runId(), j, o, j.parameter("source").orElse(displays.source), j.parameter("target").orElse(displays.target));
    }

    /** Journals how the two databases were reached (display forms, no password) once a step has them. */
    private static final class Displays implements Pipeline.Listener {
        String source, target;

        @Override
        public void beforeStep(Step step, RunContext ctx, Endpoints endpoints) {
            if (endpoints == null || source != null) return;
            source = endpoints.source().display();
            target = endpoints.target().display();
            ctx.journal().putParameter("source", source);
            ctx.journal().putParameter("target", target);
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
