package io.pgvectormigrate.run;

import io.pgvectormigrate.aws.AwsClients;
import io.pgvectormigrate.aws.AwsProvider;
import io.pgvectormigrate.aws.PlanningClients;
import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pipeline.CopyEngine;
import io.pgvectormigrate.pipeline.Endpoints;
import io.pgvectormigrate.pipeline.Journal;
import io.pgvectormigrate.pipeline.Pipeline;
import io.pgvectormigrate.pipeline.RunContext;
import io.pgvectormigrate.pipeline.Step;
import io.pgvectormigrate.pipeline.TargetProvider;
import io.pgvectormigrate.report.Progress;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What {@code plan} shows: the run, minus the changes. The same settings make the same pipeline as {@link CloudRun}
 * (provider, stack target, engine, head start, run checks, steps, teardown order, --keep-temporary, --stop-after),
 * over clients that pass reads through to AWS and record changes instead of sending them ({@link PlanningClients}).
 * What needs the databases is left out, since the temporary source does not exist yet: Flyway, the engine's database
 * checks and copy, verify. The engine lists its own AWS changes ({@link CopyEngine#planAws}). Nothing is printed while
 * it runs (a planned wait takes no time and is not shown), and it works on a scratch copy of the run's journal: it sees
 * what a resume would see and writes nothing.
 */
public final class RunPlan {
    /** The calls of one step, in order; calls of a head start carry its name ({@link PlanningClients.Call#during}). */
    public record Phase(String phase, List<PlanningClients.Call> calls) {}

    private RunPlan() {}

    public static List<Phase> of(RunSettings s, AwsClients real, Clock clock) {
        Path scratch;
        try {
            scratch = Files.createTempDirectory("pgvector-migrate-plan");
        } catch (IOException e) {
            throw ToolException.runtime("cannot create a scratch directory for the plan: " + e.getMessage(), e);
        }
        try {
            if (Journal.exists(s.workDir(), s.runId())) {
                Path to = Journal.runDir(scratch, s.runId());
                Files.createDirectories(to);
                Files.copy(Journal.runDir(s.workDir(), s.runId()).resolve(Journal.FILE_NAME), to.resolve(Journal.FILE_NAME));
            }
            return plan(s, new PlanningClients(real), scratch, clock);
        } catch (IOException e) {
            throw ToolException.runtime("cannot copy the run journal for the plan: " + e.getMessage(), e);
        } finally {
            deleteTree(scratch);
        }
    }

    private static List<Phase> plan(RunSettings s, PlanningClients aws, Path scratch, Clock clock) {
        Journal j = CloudRun.openJournal(s, scratch, aws.region(), clock);
        AwsProvider source = new AwsProvider(aws, s.source());
        StackTarget stack = new StackTarget(aws, s.targetSecretArn(), null);
        CopyEngine engine = CloudRun.engine(s, aws, j);
        List<Pipeline.DuringRestore> headStarts = new ArrayList<>();
        engine.headStart().ifPresent(h -> headStarts.add(CloudRun.headStart(h.name(), Step.MIGRATE,
                ctx -> aws.during(h.name(), () -> h.run(ctx, stack.spec(ctx))))));
        RunChecks checks = new RunChecks(aws, stack, engine, s.tables(), false);
        Phases phases = new Phases(aws);
        Pipeline.Stages stages = new Pipeline.Stages((ctx, e) -> "planned: Flyway on the target",
                (ctx, e) -> new Pipeline.VerifyResult(true, "planned: verify compares the databases", null));
        Pipeline pipeline = new Pipeline(source, new PlannedTarget(stack), new PlannedEngine(engine), CloudRun.options(s), stages,
                List.of(checks, phases), headStarts);
        RunContext ctx = new RunContext(j, Progress.SILENT, scratch, clock);
        CloudRun.checkIfAnotherCommandDidPreflight(j, checks, ctx);
        Pipeline.Outcome outcome = pipeline.run(ctx);
        if (outcome.status() == Pipeline.Status.FAILED) {
            // the same refusal the run would meet, with the same exit code
            if (outcome.error() instanceof ToolException t) throw t;
            throw ToolException.runtime(outcome.message(), outcome.error());
        }
        return phases.all;
    }

    /** Cuts the recorded calls at step boundaries. */
    private static final class Phases implements Pipeline.Listener {
        final PlanningClients aws;
        final List<Phase> all = new ArrayList<>();
        int from;

        Phases(PlanningClients aws) {
            this.aws = aws;
        }

        @Override
        public void beforeStep(Step step, RunContext ctx, Endpoints endpoints) {
            from = aws.calls().size();
        }

        @Override
        public void afterStep(Step step, RunContext ctx, Endpoints endpoints, boolean succeeded) {
            List<PlanningClients.Call> calls = aws.calls();
            all.add(new Phase(step.toString(), calls.subList(from, calls.size())));
        }
    }

    /** The stack's cluster as plan reaches it: its secret is read, no login is tried. */
    private record PlannedTarget(StackTarget stack) implements TargetProvider {
        @Override public String name() { return stack.name(); }
        @Override public void preflight(RunContext ctx) { stack.spec(ctx); }
        @Override public ConnectionSpec connect(RunContext ctx, ConnectionSpec source) { return stack.spec(ctx); }
        @Override public void teardown(RunContext ctx) { stack.teardown(ctx); }
    }

    /** The engine's AWS changes step by step; its database work (checks, copy, catch-up) is the run's alone. */
    private record PlannedEngine(CopyEngine engine) implements CopyEngine {
        @Override public String name() { return engine.name(); }
        @Override public void preflight(RunContext ctx, Endpoints endpoints) { }
        @Override public List<String> checkBeforeCreate(RunContext ctx, ConnectionSpec target) { return engine.checkBeforeCreate(ctx, target); }

        @Override
        public Migrated migrate(RunContext ctx, Endpoints endpoints) {
            engine.planAws(Step.MIGRATE, ctx, endpoints);
            return new Migrated(engine.name(), "planned", List.of(), List.of(), -1, new CopyEngine.Copy("planned", 0, "", -1, false), Map.of());
        }

        @Override
        public CutOver cutover(RunContext ctx, Endpoints endpoints) {
            engine.planAws(Step.CUTOVER, ctx, endpoints);
            return new CutOver(engine.name(), "planned", List.of(), List.of(), -1, -1, Map.of());
        }

        @Override
        public void teardown(RunContext ctx, Endpoints endpoints) {
            engine.planAws(Step.TEARDOWN, ctx, endpoints);
        }

        @Override
        public Optional<HeadStart> headStart() {
            return engine.headStart();
        }
    }

    private static void deleteTree(Path root) {
        try (var walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a scratch directory under the temp dir; nothing of value
        }
    }
}
