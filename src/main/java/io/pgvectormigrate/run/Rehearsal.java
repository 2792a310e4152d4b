package io.pgvectormigrate.run;

import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.local.LiveWriter;
import io.pgvectormigrate.local.LocalInstances;
import io.pgvectormigrate.local.LocalProvider;
import io.pgvectormigrate.local.LocalTarget;
import io.pgvectormigrate.local.PgBinaries;
import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pg.CredentialResolver;
import io.pgvectormigrate.pg.TableFilter;
import io.pgvectormigrate.pipeline.CopyEngine;
import io.pgvectormigrate.pipeline.ExistingDatabase;
import io.pgvectormigrate.pipeline.Journal;
import io.pgvectormigrate.pipeline.Pipeline;
import io.pgvectormigrate.pipeline.RunContext;
import io.pgvectormigrate.pipeline.RunReport;
import io.pgvectormigrate.pipeline.Step;
import io.pgvectormigrate.pipeline.TargetProvider;
import io.pgvectormigrate.pipeline.TargetRowCounter;
import io.pgvectormigrate.report.Progress;

import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The whole migration on one machine: a pg_dump archive (generated Bedrock Chat sample or the operator's)
 * restored into a temporary local instance, a second local instance (or the operator's --target) prepared,
 * copied by the given engine, verified, cut over and torn down, over the same {@link Pipeline} real
 * migrations use. Options that shape the data are journaled, so a resumed run continues the same rehearsal.
 */
public final class Rehearsal {
    public static final String COMMAND = "rehearse";
    public static final long DEFAULT_ROWS = 20_000;
    public static final int DEFAULT_BOTS = 12;
    public static final long DEFAULT_SEED = 42;

    /**
     * Null means "not given": a new run takes the default, a resumed run what its journal recorded.
     *
     * @param target     the operator's target connection (raw), or null for a local target instance
     * @param keep       keep the target instance at teardown
     * @param keepSource keep the temporary source instance at teardown
     */
    public record Options(Long rows, Integer bots, Long seed, boolean liveWrites, Path snapshot, String target, boolean keep,
                          boolean keepSource, String runId, Path workDir, boolean forceTeardown, Step stopAfter,
                          Integer sourcePort, Integer targetPort) {}

    public record Result(String runId, Pipeline.Outcome outcome, RunReport report) {}

    private Rehearsal() {}

    /**
     * @param engine makes the copy engine once the options are known to be good (null: the native engine with its defaults)
     */
    public static Result run(Options o, Map<String, String> env, CredentialResolver credentials, Progress progress,
                             Clock clock, Supplier<CopyEngine> engine) {
        String runId = o.runId() != null ? o.runId() : Journal.newRunId(COMMAND, clock);
        Journal.validateRunId(runId);
        // bad input is refused before a run directory exists
        if ((o.rows() != null && o.rows() < 1) || (o.bots() != null && o.bots() < 1)) {
            throw ToolException.usage("--rows and --bots must be at least 1");
        }
        ConnectionSpec operatorTarget = o.target() == null ? null : ConnectionSpec.parse(o.target());
        boolean resuming = Journal.exists(o.workDir(), runId);
        Journal journal = Journal.open(o.workDir(), runId, COMMAND, java.util.Set.of(COMMAND), clock);
        progress.info((resuming ? "resuming rehearsal " : "rehearsal ") + runId + " (journal: " + journal.file() + ")");

        boolean started = journal.step(Step.RESTORE).attempts() > 0;
        Path snapshot = o.snapshot() == null ? null : o.snapshot().toAbsolutePath().normalize();
        String snapshotParam = journal.settle("snapshot", snapshot == null ? null : snapshot.toString(), null, started,
                "--snapshot");
        LocalProvider.Snapshot snap;
        if (snapshotParam != null) {
            snap = new LocalProvider.Snapshot.File(Path.of(snapshotParam));
        } else {
            long rows = Long.parseLong(journal.settle("rows", str(o.rows()), String.valueOf(DEFAULT_ROWS), started, "--rows"));
            int bots = Integer.parseInt(journal.settle("bots", str(o.bots()), String.valueOf(DEFAULT_BOTS), started, "--bots"));
            long seed = Long.parseLong(journal.settle("seed", str(o.seed()), String.valueOf(DEFAULT_SEED), started, "--seed"));
            snap = new LocalProvider.Snapshot.Sample(rows, bots, seed);
        }

        ExistingDatabase given = operatorTarget == null ? null : ExistingDatabase.target(operatorTarget, credentials);
        TargetProvider target = given != null ? given
                : new LocalTarget(env, o.targetPort() == null ? 0 : o.targetPort());
        String targetParam = given == null ? "local" : given.spec().display();
        String recordedTarget = journal.parameter("target").orElse(null);
        if (recordedTarget != null && !recordedTarget.equals(targetParam)) {
            throw ToolException.usage("run " + runId + " was started with "
                    + (recordedTarget.equals("local") ? "a local target instance" : "--target " + recordedTarget)
                    + ": resume it with the same target" + (recordedTarget.equals("local") ? " (no --target)" : " (the password is not kept)"));
        }
        journal.putParameter("target", targetParam);
        journal.putParameter("live-writes", String.valueOf(o.liveWrites()));

        LocalProvider source = new LocalProvider(new LocalProvider.Options(snap, o.sourcePort() == null ? 0 : o.sourcePort(), env));
        Pipeline.Options po = new Pipeline.Options(TableFilter.ALL, o.forceTeardown(), o.keepSource(),
                o.keep() && o.target() == null, o.stopAfter());
        List<Pipeline.Listener> listeners = new ArrayList<>();
        if (o.liveWrites()) listeners.add(new LiveWriter(DEFAULT_SEED + runId.hashCode()));
        listeners.add(new TargetRowCounter());
        CopyEngine copy = engine != null ? engine.get() : Engines.nativeEngine(io.pgvectormigrate.replication.NativeOptions.defaults());
        Pipeline pipeline = new Pipeline(source, target, copy, po, StandardStages.standard(), listeners);
        RunContext ctx = new RunContext(journal, progress, o.workDir(), clock);
        if (journal.isDone(Step.TEARDOWN) && o.forceTeardown()) removeKept(ctx, env);
        Pipeline.Outcome outcome = pipeline.run(ctx);

        RunReport report = RunReport.of(journal, outcome, null, Map.of(), next(o, runId, outcome, ctx));
        return new Result(runId, outcome, report);
    }

    /** A finished run's kept instances go when the operator asks with --force-teardown. */
    private static void removeKept(RunContext ctx, Map<String, String> env) {
        PgBinaries b = PgBinaries.locate(env);
        for (var r : ctx.journal().liveResourcesNewestFirst()) {
            if (r.kind().equals(LocalInstances.KIND) && LocalInstances.destroy(ctx, b, r.id())) {
                ctx.progress().info("removed the kept " + r.id() + " instance " + r.attribute("dir"));
            }
        }
    }

    /** What the operator can do next, as commands (no secrets: a --target is shown without its password). */
    static List<String> next(Options o, String runId, Pipeline.Outcome outcome, RunContext ctx) {
        List<String> next = new ArrayList<>();
        String resume = "pgvector-migrate rehearse --run-id " + runId
                + (o.workDir() != null ? " --work-dir " + o.workDir() : "")
                + (o.target() != null ? " --target '" + ConnectionSpec.redactRaw(o.target()) + "'" : "");
        switch (outcome.status()) {
            case STOPPED -> next.add("continue: " + resume);
            case FAILED, DIFFERENCES -> {
                if (outcome.tornDown()) {
                    next.add("what the run made is removed (--force-teardown); to rehearse again start a new run: pgvector-migrate rehearse");
                } else if (outcome.status() == Pipeline.Status.FAILED) {
                    next.add("fix the cause above, then resume: " + resume);
                    next.add("or give up and remove what the run made: " + resume + " --force-teardown");
                } else {
                    next.add("inspect the temporary source and the target (both still running), then verify again: " + resume);
                    next.add("or remove what the run made: " + resume + " --force-teardown");
                }
            }
            case ABANDONED -> next.add("to rehearse again start a new run: pgvector-migrate rehearse");
            case COMPLETED -> {
                String kept = LocalTarget.describeKept(ctx);
                if (!kept.isEmpty()) {
                    next.add(kept);
                    next.add("remove it when done: " + resume + " --force-teardown");
                }
            }
        }
        return next;
    }

    private static String str(Object o) {
        return o == null ? null : o.toString();
    }
}
