package io.pgvectormigrate.pipeline;

import io.pgvectormigrate.core.ExitCode;
import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pg.Database;
import io.pgvectormigrate.pg.TableFilter;
import io.pgvectormigrate.report.Json;
import io.pgvectormigrate.report.Progress;
import io.pgvectormigrate.verify.VerifyReport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * Runs the named steps of a migration, in order, over injected providers and an engine, and keeps the journal. How a
 * run ends, forced and kept teardowns, and passes of some steps (the step commands): docs/architecture.md.
 *
 * <p>Resume: a step the journal has as DONE is skipped; any other (PENDING, FAILED, or RUNNING, which means the
 * previous process died in it) runs again, which is safe because every step is idempotent. Passwords are never
 * journaled, so a resumed run asks the providers for connections again before the first step that needs them.
 */
public final class Pipeline {
    /** Teardown's progress inside its own step, so a resumed teardown skips what it finished. */
    static final String TEARDOWN_ENGINE = "engine", TEARDOWN_TARGET = "target", TEARDOWN_SOURCE = "source";
    /** Journal parameter: the engine of the run (settled: another one is refused once migrate or cutover began). */
    public static final String P_ENGINE = "engine";
    /** File in the run directory holding the last verification report (for reports of resumed runs). */
    public static final String VERIFY_REPORT_FILE = "verify-report.json";

    /**
     * Operator choices that shape a run.
     *
     * @param tables        which tables move and are verified
     * @param forceTeardown tear down even when verify did not pass: when this pass stops on a failure or
     *                      differences, and right away when resuming a run that stopped before cutover
     * @param keepSource    leave the temporary source in place at teardown
     * @param keepTarget    leave a target the run created in place at teardown
     * @param stopAfter     pause after this step (null = run to the end); a re-run with the same run id continues
     * @param steps         the steps this pass runs (every step for a whole run); the others are left as the journal has them
     * @param recheck       preflight runs on every pass, done or not: for a command that takes its inputs anew each time
     *                      (restore), so a resume with other inputs is checked against what the journal recorded
     */
    public record Options(TableFilter tables, boolean forceTeardown, boolean keepSource, boolean keepTarget, Step stopAfter,
                          Set<Step> steps, boolean recheck) {
        public Options {
            tables = tables == null ? TableFilter.ALL : tables;
            steps = steps == null || steps.isEmpty() ? EnumSet.allOf(Step.class) : EnumSet.copyOf(steps);
        }

        public Options(TableFilter tables, boolean forceTeardown, boolean keepSource, boolean keepTarget, Step stopAfter) {
            this(tables, forceTeardown, keepSource, keepTarget, stopAfter, null, false);
        }

        public static Options defaults() {
            return new Options(TableFilter.ALL, false, false, false, null);
        }

        /** A pass of some steps only (a step command), over the given tables. */
        public static Options only(TableFilter tables, Step... steps) {
            return new Options(tables, false, false, false, null, EnumSet.copyOf(List.of(steps)), false);
        }

        public Options withRecheck() {
            return new Options(tables, forceTeardown, keepSource, keepTarget, stopAfter, steps, true);
        }

        boolean whole() {
            return steps.size() == Step.values().length;
        }
    }

    /**
     * Work that runs around steps, e.g. rehearse's live writer. {@code afterStep} always runs, even on a crash;
     * on success it runs before the step is marked done, so a listener that throws fails the step.
     */
    public interface Listener {
        default void beforeStep(Step step, RunContext ctx, Endpoints endpoints) {}

        default void afterStep(Step step, RunContext ctx, Endpoints endpoints, boolean succeeded) {}
    }

    /**
     * A head start: work that needs neither the temporary source nor anything the restore makes (e.g. the DMS target
     * data provider, or Flyway on the target), run on its own thread next to {@code source.restore}. Not a step: the
     * step that owns the work does it again, idempotently, and is where a failure counts; a failure here is only
     * reported, an Error (a crash) ends the run (docs/architecture.md).
     *
     * @param name    short name for progress lines and the journal, e.g. "dms-network"
     * @param ownedBy the step that does this work for good (and reports its failure)
     * @param work    idempotent; may be called again on a resumed restore
     */
    public record DuringRestore(String name, Step ownedBy, Consumer<RunContext> work) {}

    /** Journal output of the restore step recording how each head start went, {@code during-restore:<name>}. */
    public static final String DURING_RESTORE_PREFIX = "during-restore:";

    /** The prepare-target stage: returns a one-line summary. */
    @FunctionalInterface
    public interface Preparation {
        String prepare(RunContext ctx, Endpoints endpoints);
    }

    @FunctionalInterface
    public interface Verification {
        VerifyResult verify(RunContext ctx, Endpoints endpoints);
    }

    /**
     * What verify found; {@code report} is the full report (null when a test stage made the result, or a resumed run's
     * kept report is unreadable).
     */
    public record VerifyResult(boolean passed, String summary, VerifyReport report) {}

    /** The prepare and verify stages (the run assembly's standard ones prepare with Flyway and verify every row). */
    public record Stages(Preparation prepare, Verification verify) {}

    public enum Status {
        /** Every step of this pass done (of a whole run: teardown included). */
        COMPLETED,
        /** Paused after {@link Options#stopAfter}. */
        STOPPED,
        FAILED,
        DIFFERENCES,
        /** Torn down on request (--force-teardown on a resumed run) before the migration completed. */
        ABANDONED
    }

    /**
     * How a run ended.
     *
     * @param ranNow       steps this process ran (the others were done by an earlier attempt or not reached)
     * @param verification verify's result when this process ran it (null otherwise; see {@link #VERIFY_REPORT_FILE})
     * @param error        the failure, for --verbose (null unless FAILED)
     * @param results      what each step of this pass reported: typed when this process ran it, read back from the
     *                     journal when an earlier attempt did
     */
    public record Outcome(Status status, int exitCode, String message, Step failedStep, List<Step> ranNow,
                          VerifyResult verification, boolean tornDown, Throwable error, Map<Step, CopyEngine.Result> results) {
        public Outcome {
            results = results == null ? Map.of() : Map.copyOf(results);
        }
    }

    private final SourceProvider source;
    private final TargetProvider target;
    private final CopyEngine engine;
    private final Options options;
    private final Stages stages;
    private final List<Listener> listeners;
    private final List<DuringRestore> duringRestore;

    public Pipeline(SourceProvider source, TargetProvider target, CopyEngine engine, Options options, Stages stages,
                    List<Listener> listeners) {
        this(source, target, engine, options, stages, listeners, List.of());
    }

    /** @param engine null for a pass without engine steps (restore) */
    public Pipeline(SourceProvider source, TargetProvider target, CopyEngine engine, Options options, Stages stages,
                    List<Listener> listeners, List<DuringRestore> duringRestore) {
        this.source = source;
        this.target = target;
        this.engine = engine;
        this.options = options;
        this.stages = stages;
        this.listeners = List.copyOf(listeners);
        this.duringRestore = List.copyOf(duringRestore);
    }

    /** Runs (or resumes) the run whose journal {@code ctx} holds. Exceptions other than Errors end as FAILED. */
    public Outcome run(RunContext ctx) {
        Journal j = ctx.journal();
        Optional<String> refused = cutoverBeforeMigrate(j);
        if (refused.isPresent()) { // bad input: nothing of the run changes
            return new Outcome(Status.FAILED, ExitCode.USAGE, refused.get(), Step.CUTOVER, List.of(), null, false,
                    ToolException.usage(refused.get()), Map.of());
        }
        if (engine != null) {
            // the engine that made the run's objects is the one that finishes or removes them
            j.settle(P_ENGINE, engine.name(), null, engineEverStarted(j), "--engine");
        }
        j.putParameter("provider", source.name());
        j.putParameter("target-provider", target.name());
        Run run = new Run(ctx);
        if (options.forceTeardown() && options.steps().contains(Step.TEARDOWN) && begun(j) && !j.isDone(Step.CUTOVER)
                && !j.isDone(Step.TEARDOWN)) {
            // the operator gives up on a run that stopped (failed, differences, killed, paused): no more retries
            ctx.progress().info("--force-teardown on a run that stopped before it was verified and cut over: "
                    + "removing what it made now, without retrying its remaining steps");
            Outcome stopped = run.attempt(Step.TEARDOWN);
            if (stopped != null) return stopped;
            return run.outcome(Status.ABANDONED, ExitCode.OK, "torn down on request; the migration was not completed"
                    + (j.isDone(Step.VERIFY) ? " (verified but not cut over)" : " and not verified"), null, null);
        }
        for (Step step : Step.values()) {
            if (!options.steps().contains(step)) continue;
            if (j.isDone(step) && !(step == Step.PREFLIGHT && options.recheck())) {
                ctx.progress().info(label(step) + ": done in an earlier attempt, skipped");
                run.fromJournal(step);
            } else {
                Outcome stopped = run.attempt(step);
                if (stopped != null) return stopped;
            }
            if (step == options.stopAfter() && step != Step.TEARDOWN) { // after teardown there is nothing to continue
                return run.outcome(Status.STOPPED, ExitCode.OK, "stopped after " + step + " as asked; re-run with the same run id to continue", null, null);
            }
        }
        String done = options.whole() ? "migration verified and cut over; everything the run created is removed"
                + (options.keepSource() || options.keepTarget() ? " except what was kept" : "")
                : options.steps().contains(Step.TEARDOWN) ? "teardown done"
                : options.steps().size() == 1 ? options.steps().iterator().next() + " done"
                : "steps " + options.steps() + " done";
        return run.outcome(Status.COMPLETED, ExitCode.OK, done, null, null);
    }

    /**
     * Cutover finishes a copy: a pass that cuts over without migrating first may only continue a run whose migrate the
     * journal has as done. Otherwise the replication it would remove carries a copy that never finished (a snapshot copy
     * killed half-way, a DMS load still running), and the target would be declared ready with part of the rows.
     */
    private Optional<String> cutoverBeforeMigrate(Journal j) {
        if (!options.steps().contains(Step.CUTOVER) || options.steps().contains(Step.MIGRATE)) return Optional.empty();
        if (j.isDone(Step.MIGRATE) || j.isDone(Step.CUTOVER)) return Optional.empty();
        String id = j.runId();
        return Optional.of(j.step(Step.MIGRATE).attempts() == 0
                ? "nothing to cut over for run " + id + ": migrate never ran for it: run migrate first (or check --run-id)"
                : "migrate of run " + id + " did not finish, so there is nothing complete to cut over: run migrate with --run-id "
                + id + " again (it resumes), or give the run up with cutover --abandon");
    }

    /** Whether an earlier process already worked on this run. */
    private static boolean begun(Journal j) {
        return Arrays.stream(Step.values()).anyMatch(s -> j.step(s).attempts() > 0);
    }

    /** The engine can only have made something once migrate or cutover started. */
    private static boolean engineEverStarted(Journal j) {
        return j.step(Step.MIGRATE).attempts() > 0 || j.step(Step.CUTOVER).attempts() > 0;
    }

    public static String label(Step step) {
        return "[" + (step.ordinal() + 1) + "/" + Step.values().length + "] " + step;
    }

    /** Verify's differences travel as a checked exception so only the step loop handles them. */
    private static final class VerificationFailed extends Exception {
        final VerifyResult result;

        VerificationFailed(VerifyResult result) {
            super(result.summary(), null, false, false);
            this.result = result;
        }
    }

    /** One process's pass over the steps: holds the connections (in memory only) and what ran. */
    private final class Run {
        final RunContext ctx;
        final Journal j;
        final List<Step> ranNow = new ArrayList<>();
        final Map<Step, CopyEngine.Result> results = new EnumMap<>(Step.class);
        Endpoints endpoints;
        VerifyResult verification;
        boolean tornDown;

        Run(RunContext ctx) {
            this.ctx = ctx;
            this.j = ctx.journal();
        }

        Endpoints endpoints() {
            if (endpoints == null) {
                ConnectionSpec src = source.credentials(ctx);
                ConnectionSpec tgt = target.connect(ctx, src);
                endpoints = new Endpoints(src, tgt, source.fromTarget(ctx, src), options.tables());
            }
            return endpoints;
        }

        /** Runs one step; the outcome when the pass stops on it (a failure, or differences), else null. */
        Outcome attempt(Step step) {
            try {
                execute(step);
                return null;
            } catch (RuntimeException e) {
                return stopOnFailure(step, e);
            } catch (VerificationFailed d) {
                return stopOnDifferences(d.result);
            }
        }

        void execute(Step step) throws VerificationFailed {
            Progress p = ctx.progress();
            Endpoints e = switch (step) {
                case PREFLIGHT, RESTORE, CREDENTIALS, TEARDOWN -> endpoints;
                default -> endpoints();
            };
            int attempt = j.step(step).attempts() + 1;
            p.info(label(step) + (attempt > 1 ? " (attempt " + attempt + ", resuming)" : "") + " ...");
            Instant start = ctx.clock().instant();
            j.started(step);
            ranNow.add(step);
            CopyEngine.Result r;
            try {
                for (Listener l : listeners) l.beforeStep(step, ctx, e);
                r = perform(step);
            } catch (RuntimeException | Error | VerificationFailed t) {
                for (Listener l : listeners) {
                    try {
                        l.afterStep(step, ctx, endpoints, false);
                    } catch (RuntimeException suppressed) {
                        t.addSuppressed(suppressed);
                    }
                }
                throw t;
            }
            // listeners finish before the step counts as done (the live writer waits for replication here)
            for (Listener l : listeners) l.afterStep(step, ctx, endpoints, true);
            j.done(step, r.summary(), r.figures());
            results.put(step, r);
            p.info(label(step) + ": done in " + Progress.seconds(Duration.between(start, ctx.clock().instant()))
                    + (r.summary() == null || r.summary().isBlank() ? "" : ": " + r.summary()));
        }

        CopyEngine.Result perform(Step step) throws VerificationFailed {
            return switch (step) {
                case PREFLIGHT -> {
                    source.preflight(ctx);
                    target.preflight(ctx);
                    yield CopyEngine.Result.of("inputs and prerequisites checked", Map.of());
                }
                case RESTORE -> {
                    String headStart = restoreWithHeadStarts();
                    yield CopyEngine.Result.of("temporary source ready (" + source.name() + ")" + headStart, Map.of());
                }
                case CREDENTIALS -> {
                    endpoints = null; // fresh connections: a re-run of this step must not trust old ones
                    Endpoints e = endpoints();
                    if (e.target() == null) { // a pass that does not reach the target (restore)
                        yield CopyEngine.Result.of("source " + e.source().display(), Map.of("source", e.source().display()));
                    }
                    yield CopyEngine.Result.of("source " + e.source().display() + ", target " + e.target().display(),
                            Map.of("source", e.source().display(), "target", e.target().display()));
                }
                case PREPARE_TARGET -> {
                    engine.checkSource(ctx, endpoints()); // refusals that need only the source: before the target changes
                    String prepared = stages.prepare().prepare(ctx, endpoints());
                    // the engine checks both ends once the target has its tables (keys, replication settings, slots)
                    engine.preflight(ctx, endpoints());
                    yield CopyEngine.Result.of(prepared + "; " + engine.name() + " engine preflight passed", Map.of());
                }
                case MIGRATE -> engine.migrate(ctx, endpoints());
                case VERIFY -> {
                    VerifyResult v = stages.verify().verify(ctx, endpoints());
                    verification = v;
                    saveVerifyReport(v);
                    if (!v.passed()) throw new VerificationFailed(v);
                    yield CopyEngine.Result.of(v.summary(), Map.of("passed", "true"));
                }
                case CUTOVER -> engine.cutover(ctx, endpoints());
                case TEARDOWN -> teardown();
            };
        }

        /**
         * Restores while the {@link DuringRestore} work runs on a small pool; waits for all of it either way, so
         * nothing of this step is still running once it ends. Returns a note for the step summary.
         */
        String restoreWithHeadStarts() {
            if (duringRestore.isEmpty()) {
                source.restore(ctx);
                return "";
            }
            ExecutorService pool = Executors.newFixedThreadPool(
                    Math.min(duringRestore.size(), 3), r -> {
                        Thread t = new Thread(r, "during-restore");
                        t.setDaemon(true);
                        return t;
                    });
            List<Future<String>> futures = duringRestore.stream().map(w -> pool.submit(() -> headStart(w))).toList();
            pool.shutdown();
            Throwable restoreFailure = null;
            try {
                source.restore(ctx);
            } catch (RuntimeException | Error t) {
                restoreFailure = t;
            }
            List<String> notes = new ArrayList<>();
            Error crash = null;
            for (int i = 0; i < futures.size(); i++) {
                try {
                    notes.add(futures.get(i).get());
                } catch (ExecutionException e) {
                    // only Errors get here (headStart catches RuntimeExceptions): a crash ends the whole run
                    if (crash == null && e.getCause() instanceof Error err) crash = err;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    pool.shutdownNow();
                    throw ToolException.runtime("interrupted while " + duringRestore.get(i).name()
                            + " was running next to the restore; re-run with the same run id to resume");
                }
            }
            if (restoreFailure instanceof Error e) throw e;
            if (crash != null) throw crash;
            if (restoreFailure instanceof RuntimeException e) throw e;
            long ok = notes.stream().filter(n -> n.startsWith("done")).count();
            return "; " + ok + " of " + duringRestore.size() + " head start(s) done during the restore";
        }

        String headStart(DuringRestore w) {
            Progress p = ctx.progress();
            long t0 = System.nanoTime();
            p.info("  during the restore: " + w.name() + " ...");
            String note;
            try {
                w.work().accept(ctx);
                note = "done in " + Progress.seconds(Duration.ofNanos(System.nanoTime() - t0));
                p.info("  during the restore: " + w.name() + " " + note);
            } catch (RuntimeException e) {
                String msg = Failure.brief(e);
                note = "not done (" + w.ownedBy() + " does it): " + msg;
                p.info("  during the restore: " + w.name() + " did not finish (" + msg + "); " + w.ownedBy() + " will do it");
            }
            j.putOutput(Step.RESTORE, DURING_RESTORE_PREFIX + w.name(), note);
            return note;
        }

        CopyEngine.Result teardown() {
            if (!j.isDone(Step.VERIFY) && !options.forceTeardown()) {
                throw ToolException.usage("teardown refused: verify has not passed for run " + j.runId()
                        + " (re-run to verify, or force it with --force-teardown)");
            }
            List<String> did = new ArrayList<>();
            if (j.output(Step.TEARDOWN, TEARDOWN_ENGINE).isEmpty()) {
                if (engine != null && engineEverStarted(j)) {
                    engine.teardown(ctx, endpoints());
                    did.add(engine.name() + " engine objects removed");
                }
                j.putOutput(Step.TEARDOWN, TEARDOWN_ENGINE, "done");
            }
            removeOrKeep(TEARDOWN_TARGET, options.keepTarget(), "target kept", () -> target.teardown(ctx), did);
            removeOrKeep(TEARDOWN_SOURCE, options.keepSource(), "temporary source kept", () -> source.teardown(ctx),
                    did);
            tornDown = true;
            int left = j.liveResourcesNewestFirst().size();
            did.add(left == 0 ? "no resources left" : left + " resource(s) left");
            return CopyEngine.Result.of(String.join("; ", did), Map.of("resources-left", String.valueOf(left)));
        }

        /** One end's part of teardown, unless a teardown before this one finished it: kept as asked, or removed. */
        void removeOrKeep(String part, boolean keep, String kept, Runnable remove, List<String> did) {
            if (j.output(Step.TEARDOWN, part).isPresent()) return;
            if (keep) did.add(kept);
            else remove.run();
            j.putOutput(Step.TEARDOWN, part, keep ? "kept" : "done");
        }

        void saveVerifyReport(VerifyResult v) {
            if (v.report() == null) return;
            Path file = j.runDir().resolve(VERIFY_REPORT_FILE);
            try {
                Files.createDirectories(file.getParent());
                Files.writeString(file, Json.write(v.report()));
            } catch (IOException e) {
                ctx.progress().info("warning: cannot keep the verification report in " + file + ": " + e.getMessage());
            }
        }

        /** A step's result as an earlier attempt journaled it (its message and outputs). */
        void fromJournal(Step step) {
            StepRecord r = j.step(step);
            results.put(step, CopyEngine.Result.of(r.message(), r.outputs()));
        }

        Outcome stopOnFailure(Step step, RuntimeException e) {
            Failure f = Failure.of(e, step);
            failed(step, "FAILED", f.message());
            forcedTeardown(step);
            return outcome(Status.FAILED, f.exitCode(), f.message(), step, e);
        }

        Outcome stopOnDifferences(VerifyResult v) {
            j.putOutput(Step.VERIFY, "passed", "false");
            failed(Step.VERIFY, "DIFFERENCES", v.summary());
            forcedTeardown(Step.VERIFY);
            return outcome(Status.DIFFERENCES, ExitCode.DIFFERENCES, "verification found differences: " + v.summary()
                    + (tornDown ? "" : "; nothing was torn down"), Step.VERIFY, null);
        }

        /** With --force-teardown, a stopped run still removes what it made; a teardown failure is reported, not thrown. */
        void forcedTeardown(Step failed) {
            if (!options.forceTeardown() || failed == Step.TEARDOWN || !options.steps().contains(Step.TEARDOWN)) return;
            try {
                ctx.progress().info("teardown forced although " + failed + " did not succeed");
                execute(Step.TEARDOWN);
            } catch (RuntimeException e) {
                failed(Step.TEARDOWN, "FAILED", Failure.brief(e));
            } catch (VerificationFailed impossible) {
                throw new IllegalStateException(impossible);
            }
        }

        /** Journals a step as failed and says so ({@code how}: FAILED or DIFFERENCES). */
        void failed(Step step, String how, String message) {
            j.failed(step, message);
            ctx.progress().info(label(step) + ": " + how + ": " + message);
        }

        Outcome outcome(Status status, int code, String message, Step failed, Throwable error) {
            return new Outcome(status, code, message, failed, List.copyOf(ranNow), verification, tornDown, error, results);
        }
    }

    public static Optional<VerifyReport> savedVerifyReport(Path runDir) {
        try {
            return Optional.of(Json.mapper().readValue(runDir.resolve(VERIFY_REPORT_FILE).toFile(), VerifyReport.class));
        } catch (IOException e) { // none kept yet, or unreadable
            return Optional.empty();
        }
    }
}
