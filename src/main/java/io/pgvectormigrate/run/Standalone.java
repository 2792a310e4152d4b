package io.pgvectormigrate.run;

import com.fasterxml.jackson.databind.SerializationFeature;
import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pg.TableFilter;
import io.pgvectormigrate.pipeline.CopyEngine;
import io.pgvectormigrate.pipeline.Endpoints;
import io.pgvectormigrate.pipeline.Journal;
import io.pgvectormigrate.pipeline.Pipeline;
import io.pgvectormigrate.pipeline.RunContext;
import io.pgvectormigrate.pipeline.SourceProvider;
import io.pgvectormigrate.pipeline.Step;
import io.pgvectormigrate.pipeline.TargetProvider;
import io.pgvectormigrate.report.Json;
import io.pgvectormigrate.report.Progress;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What the step commands' passes share ({@link RestorePass}, {@link CopyPass} with {@link DmsCopy}). Each is a pass of
 * the one {@link Pipeline} over a run's journal: a step the journal has as done is skipped, whichever command did it, so
 * {@code cutover} continues the run {@code migrate} journaled, and a killed command resumes by running it again.
 */
public final class Standalone {
    /** Journals the copy commands continue: their own, and runs begun by capture or restore (DMS after a restore). */
    static final Set<String> CONTINUES = Set.of("migrate", "restore", "capture");
    /** Journal parameters of a copy run: the table filter (JSON) and the two databases (display form, no password). */
    static final String P_TABLES = "tables", P_SOURCE = "source", P_TARGET = "target";

    /** What a step command ran: the run, its journal, how the pass ended, and the two databases as displayed. */
    public record Result(String runId, Journal journal, Pipeline.Outcome outcome, String source, String target) {
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

    /** A copy pass's journal, and the pass with the run's table filter. */
    record Opened(Journal journal, Copy copy) {}

    /**
     * Opens the journal of a copy pass and ties it to the run's first choices before anything is written (exit 2, nothing
     * created): a cutover needs a run migrate journaled; a run another kind of command began is refused; the engine, the
     * table filter and the databases given must be the run's once its migrate began (not given: the
     * run's are used). So {@code cutover} finishes exactly what {@code migrate} started, and a second {@code migrate}
     * with the same (default, per-second) run id but other databases is refused rather than skipped as done.
     *
     * @param source the operator's source, or null when the run supplies it (DMS after restore)
     */
    static Opened open(Copy q, String engine, ConnectionSpec source, ConnectionSpec target, Clock clock) {
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
        } catch (IOException e) {
            throw ToolException.runtime("cannot read the table filter run " + q.runId() + " recorded: " + e.getMessage(), e);
        }
        return new Opened(j, new Copy(q.command(), q.runId(), q.workDir(), recorded, q.steps(), q.abandon()));
    }

    private static String json(TableFilter f) {
        try { // one line, fixed order: compared as text
            return Json.mapper().writer().without(SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(new TreeMap<>(Map.of("schemas", f.schemas(), "tables", f.tables(),
                            "excludes", f.excludes())));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A pass that does not migrate continues a run: it needs the run's journal (and never creates one). */
    static void requireRun(Copy q) {
        if (!q.steps().contains(Step.MIGRATE) && !Journal.exists(q.workDir(), q.runId())) {
            throw ToolException.usage("nothing to " + (q.abandon() ? "abandon" : "cut over") + " for run " + q.runId() + ": no run journal in "
                    + q.workDir().resolve("runs") + ": run migrate first (or check --run-id and --work-dir)");
        }
    }

    /** A standalone pass's prepare-target step only checks: choices bind once migrate (or cutover) may have made something. */
    static boolean began(Journal j) {
        return j.step(Step.MIGRATE).attempts() > 0 || j.step(Step.CUTOVER).attempts() > 0;
    }

    static Result copy(Copy q, Journal j, SourceProvider source, TargetProvider target, CopyEngine engine,
                       Progress progress, Clock clock) {
        Pipeline.Options options = new Pipeline.Options(q.tables(), q.abandon(), false, false, null, q.steps(), false);
        Pipeline p = new Pipeline(source, target, engine, options,
                new Pipeline.Stages(StandardStages.checkOnly(), StandardStages.verify(o -> o)),
                List.of(new Displays(), new BeforeCreate(engine), StandardStages.deferIndexesBeforeLoad()));
        Pipeline.Outcome o = p.run(new RunContext(j, progress, q.workDir(), clock));
        return new Result(q.runId(), j, o, j.parameter(P_SOURCE).orElse(null), j.parameter(P_TARGET).orElse(null));
    }

    /**
     * Journals how the two databases were reached (display forms, no password) once a step has them, when the run
     * supplied them (DMS after restore); what the operator gave is settled before the pass.
     */
    private static final class Displays implements Pipeline.Listener {
        @Override
        public void beforeStep(Step step, RunContext ctx, Endpoints endpoints) {
            Journal j = ctx.journal();
            if (endpoints == null) return;
            if (j.parameter(P_SOURCE).isEmpty()) j.putParameter(P_SOURCE, endpoints.source().display());
            if (j.parameter(P_TARGET).isEmpty()) j.putParameter(P_TARGET, endpoints.target().display());
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
}
