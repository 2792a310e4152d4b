package io.pgvectormigrate.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgvectormigrate.core.ExitCode;
import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pg.TableFilter;
import io.pgvectormigrate.report.Json;
import io.pgvectormigrate.report.Progress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The step runner over an in-test provider, target and engine that record every call and can be told to
 * "die" (an Error nothing catches, which leaves the journal exactly as a killed process would) in any step.
 */
class PipelineTest {
    private static final String PASSWORD = "pw-never-shown-7f3a";

    /** What a kill -9 looks like to the code: the step stops mid-way and nothing records it. */
    static final class SimulatedKill extends Error {
        SimulatedKill(String where) {
            super("killed in " + where);
        }
    }

    /** Records calls; {@code crashAt} names the call that dies (once), {@code failAt} one that throws. */
    static final class World {
        final List<String> calls = Collections.synchronizedList(new ArrayList<>());
        String crashAt;
        String failAt;
        RuntimeException failure = ToolException.usage("simulated bad input");
        boolean verifyPasses = true;

        void call(String name, Journal j) {
            calls.add(name);
            if (name.equals(crashAt)) {
                crashAt = null;
                throw new SimulatedKill(name);
            }
            if (name.equals(failAt)) throw failure;
        }

        long count(String name) {
            return calls.stream().filter(name::equals).count();
        }
    }

    static final class FakeSource implements SourceProvider {
        final World w;

        FakeSource(World w) {
            this.w = w;
        }

        @Override public String name() { return "fake"; }
        @Override public void preflight(RunContext ctx) { w.call("source.preflight", ctx.journal()); }

        @Override
        public void restore(RunContext ctx) {
            ctx.journal().recordResource("fake.source", "src", Map.of("where", "memory"));
            w.call("source.restore", ctx.journal());
        }

        @Override
        public ConnectionSpec credentials(RunContext ctx) {
            w.call("source.credentials", ctx.journal());
            return new ConnectionSpec("127.0.0.1", 1111, "src", "postgres", PASSWORD, Map.of());
        }

        @Override
        public void teardown(RunContext ctx) {
            w.call("source.teardown", ctx.journal());
            ctx.journal().markDeleted("fake.source", "src");
        }
    }

    static final class FakeTarget implements TargetProvider {
        final World w;

        FakeTarget(World w) {
            this.w = w;
        }

        @Override public String name() { return "fake"; }
        @Override public void preflight(RunContext ctx) { w.call("target.preflight", ctx.journal()); }

        @Override
        public ConnectionSpec connect(RunContext ctx, ConnectionSpec source) {
            ctx.journal().recordResource("fake.target", "tgt", Map.of());
            w.call("target.connect", ctx.journal());
            return new ConnectionSpec("127.0.0.1", 2222, source.database(), "postgres", PASSWORD, Map.of());
        }

        @Override
        public void teardown(RunContext ctx) {
            w.call("target.teardown", ctx.journal());
            ctx.journal().markDeleted("fake.target", "tgt");
        }
    }

    static final class FakeEngine implements CopyEngine {
        final World w;

        FakeEngine(World w) {
            this.w = w;
        }

        @Override public String name() { return "fake"; }
        @Override public void preflight(RunContext ctx, Endpoints e) { w.call("engine.preflight", ctx.journal()); }

        @Override
        public Migrated migrate(RunContext ctx, Endpoints e) {
            // record first, as a real engine must: a crash after creating cannot orphan the subscription
            ctx.journal().recordResource("fake.subscription", "sub", Map.of());
            w.call("engine.migrate", ctx.journal());
            return new Migrated("fake", "copied 5 rows", List.of(), List.of(), -1, new Copy("fake", 0, "", -1, false), Map.of("rows", "5"));
        }

        @Override
        public CutOver cutover(RunContext ctx, Endpoints e) {
            w.call("engine.cutover", ctx.journal());
            ctx.journal().markDeleted("fake.subscription", "sub");
            return new CutOver("fake", "caught up", List.of(), List.of(), 0, -1, Map.of());
        }

        @Override
        public void teardown(RunContext ctx, Endpoints e) {
            w.call("engine.teardown", ctx.journal());
            ctx.journal().markDeleted("fake.subscription", "sub");
        }
    }

    /** The call that is each step's own work (what must not run twice once its step is DONE). */
    static String actionOf(Step s) {
        return switch (s) {
            case PREFLIGHT -> "source.preflight";
            case RESTORE -> "source.restore";
            case CREDENTIALS -> "target.connect";
            case PREPARE_TARGET -> "prepare";
            case MIGRATE -> "engine.migrate";
            case VERIFY -> "verify";
            case CUTOVER -> "engine.cutover";
            case TEARDOWN -> "target.teardown";
        };
    }

    @TempDir
    Path work;
    final StringWriter err = new StringWriter();

    RunContext ctx(String runId) {
        return new RunContext(Journal.open(work, runId, "test", Clock.systemUTC()),
                Progress.to(new PrintWriter(err, true), false), work, Clock.systemUTC());
    }

    static final Pipeline.Options FORCE_TEARDOWN = new Pipeline.Options(TableFilter.ALL, true, false, false, null);

    static Pipeline pipeline(World w, Pipeline.Options options, Pipeline.Listener... listeners) {
        Pipeline.Stages stages = new Pipeline.Stages(
                (ctx, e) -> {
                    w.call("prepare", ctx.journal());
                    return "prepared " + e.target().display();
                },
                (ctx, e) -> {
                    w.call("verify", ctx.journal());
                    return new Pipeline.VerifyResult(w.verifyPasses, w.verifyPasses ? "all 7 checks match" : "items: 2 rows missing", null);
                });
        return new Pipeline(new FakeSource(w), new FakeTarget(w), new FakeEngine(w), options, stages, List.of(listeners));
    }

    @Test
    void runsEveryStepOnceInOrderAndRemovesWhatItMade() {
        World w = new World();
        RunContext ctx = ctx("run-a");
        Pipeline.Outcome o = pipeline(w, Pipeline.Options.defaults()).run(ctx);

        assertEquals(Pipeline.Status.COMPLETED, o.status(), o.message());
        assertEquals(ExitCode.OK, o.exitCode());
        assertEquals(List.of("source.preflight", "target.preflight", "source.restore", "source.credentials", "target.connect",
                "prepare", "engine.preflight", "engine.migrate", "verify", "engine.cutover", "engine.teardown",
                "target.teardown", "source.teardown"), w.calls);
        for (Step s : Step.values()) {
            assertEquals(StepStatus.DONE, ctx.journal().step(s).status(), s.id());
            assertEquals(1, ctx.journal().step(s).attempts(), s.id());
        }
        assertTrue(ctx.journal().liveResourcesNewestFirst().isEmpty());
        assertEquals("5", ctx.journal().output(Step.MIGRATE, "rows").orElseThrow());
        assertTrue(err.toString().contains("[5/8] migrate: done in"), err.toString());
        assertTrue(o.tornDown());
    }

    @ParameterizedTest
    @EnumSource(Step.class)
    void aKillInAnyStepResumesWithTheSameRunIdRunningThatStepOnceMore(Step killed) {
        World w = new World();
        w.crashAt = actionOf(killed);
        assertThrows(SimulatedKill.class, () -> pipeline(w, Pipeline.Options.defaults()).run(ctx("run-k")));

        Journal afterKill = Journal.open(work, "run-k", "test", Clock.systemUTC());
        assertEquals(StepStatus.RUNNING, afterKill.step(killed).status(), "the dead step stays RUNNING");
        for (Step s : Step.values()) {
            if (s.ordinal() < killed.ordinal()) assertEquals(StepStatus.DONE, afterKill.step(s).status(), s.id());
            if (s.ordinal() > killed.ordinal()) assertEquals(StepStatus.PENDING, afterKill.step(s).status(), s.id());
        }

        RunContext again = ctx("run-k");
        Pipeline.Outcome o = pipeline(w, Pipeline.Options.defaults()).run(again);
        assertEquals(Pipeline.Status.COMPLETED, o.status(), o.message());
        for (Step s : Step.values()) {
            long expected = s == killed ? 2 : 1;
            // a resumed run connects again (passwords are never journaled), so connecting is not counted as work
            if (s != Step.CREDENTIALS) {
                assertEquals(expected, w.count(actionOf(s)), "calls of " + actionOf(s) + " with a kill in " + killed + ": " + w.calls);
            }
            assertEquals(StepStatus.DONE, again.journal().step(s).status(), s.id());
            assertEquals((int) expected, again.journal().step(s).attempts(), s.id());
        }
        // the engine made one subscription and removed it, whatever the kill point
        assertEquals(1, again.journal().resourcesOfKind("fake.subscription").size());
        assertEquals(1, w.count("engine.teardown"), "engine teardown is done once: " + w.calls);
        assertTrue(again.journal().liveResourcesNewestFirst().isEmpty(), again.journal().liveResourcesNewestFirst().toString());
        // only the steps still to do ran in the second process
        assertEquals(killed, o.ranNow().get(0));
    }

    @Test
    void differencesStopTheRunWithExit3AndTearNothingDown() {
        World w = new World();
        w.verifyPasses = false;
        RunContext ctx = ctx("run-d");
        Pipeline.Outcome o = pipeline(w, Pipeline.Options.defaults()).run(ctx);

        assertEquals(Pipeline.Status.DIFFERENCES, o.status());
        assertEquals(ExitCode.DIFFERENCES, o.exitCode());
        assertTrue(o.message().contains("items: 2 rows missing") && o.message().contains("nothing was torn down"), o.message());
        assertEquals(0, w.count("engine.cutover"));
        assertEquals(0, w.count("engine.teardown") + w.count("target.teardown") + w.count("source.teardown"));
        assertEquals(StepStatus.FAILED, ctx.journal().step(Step.VERIFY).status());
        assertEquals(StepStatus.PENDING, ctx.journal().step(Step.TEARDOWN).status());
        assertEquals(3, ctx.journal().liveResourcesNewestFirst().size(), "source, target and subscription stay for inspection");

        // a re-run verifies again (the step is not DONE); once it passes the run completes
        w.verifyPasses = true;
        Pipeline.Outcome resumed = pipeline(w, Pipeline.Options.defaults()).run(ctx("run-d"));
        assertEquals(Pipeline.Status.COMPLETED, resumed.status());
        assertEquals(2, w.count("verify"));
        assertEquals(1, w.count("engine.migrate"));
    }

    @Test
    void forceTeardownRemovesEverythingAfterDifferencesButKeepsExit3() {
        World w = new World();
        w.verifyPasses = false;
        RunContext ctx = ctx("run-f");
        Pipeline.Outcome o = pipeline(w, FORCE_TEARDOWN).run(ctx);

        assertEquals(ExitCode.DIFFERENCES, o.exitCode());
        assertTrue(o.tornDown());
        assertEquals(0, w.count("engine.cutover"), "no cutover on differences, even when forced");
        assertEquals(1, w.count("engine.teardown"));
        assertEquals(1, w.count("target.teardown"));
        assertEquals(1, w.count("source.teardown"));
        assertTrue(ctx.journal().liveResourcesNewestFirst().isEmpty());
        assertEquals(StepStatus.DONE, ctx.journal().step(Step.TEARDOWN).status());
    }

    @Test
    void resumingAStoppedRunWithForceTeardownTearsDownRightAway() {
        World w = new World();
        w.verifyPasses = false;
        assertEquals(Pipeline.Status.DIFFERENCES, pipeline(w, Pipeline.Options.defaults()).run(ctx("run-g")).status());

        RunContext again = ctx("run-g");
        Pipeline.Outcome o = pipeline(w, FORCE_TEARDOWN).run(again);
        assertEquals(Pipeline.Status.ABANDONED, o.status());
        assertEquals(ExitCode.OK, o.exitCode());
        assertEquals(List.of(Step.TEARDOWN), o.ranNow(), "no step is retried");
        assertEquals(1, w.count("verify"));
        assertEquals(0, w.count("engine.cutover"));
        assertEquals(1, w.count("engine.teardown"));
        assertTrue(again.journal().liveResourcesNewestFirst().isEmpty());
        assertEquals(StepStatus.FAILED, again.journal().step(Step.VERIFY).status(), "the journal still says verify failed");
        assertTrue(o.message().contains("not verified"), o.message());
    }

    @Test
    void aKilledRunGivenUpWithForceTeardownRemovesWhatTheEngineMade() {
        World w = new World();
        w.crashAt = "engine.migrate";
        assertThrows(SimulatedKill.class, () -> pipeline(w, Pipeline.Options.defaults()).run(ctx("run-h")));
        RunContext again = ctx("run-h");
        Pipeline.Outcome o = pipeline(w, FORCE_TEARDOWN).run(again);
        assertEquals(Pipeline.Status.ABANDONED, o.status());
        assertEquals(1, w.count("engine.migrate"), "the dead step is not retried");
        assertEquals(1, w.count("engine.teardown"), "the subscription the dead attempt recorded is removed");
        assertTrue(again.journal().liveResourcesNewestFirst().isEmpty());
        assertEquals(StepStatus.RUNNING, again.journal().step(Step.MIGRATE).status());
    }

    /** A cutover pass (the cutover command) continues only a run whose migrate is done: a killed copy is never cut over. */
    @Test
    void aCutoverPassRefusesARunWhoseMigrateDidNotFinish() {
        World w = new World();
        w.crashAt = "engine.migrate";
        Pipeline.Options migrate = Pipeline.Options.only(null, Step.PREPARE_TARGET, Step.MIGRATE);
        assertThrows(SimulatedKill.class, () -> pipeline(w, migrate).run(ctx("run-cut")));
        Pipeline.Options cutover = Pipeline.Options.only(null, Step.CUTOVER);
        Pipeline.Outcome o = pipeline(w, cutover).run(ctx("run-cut"));
        assertEquals(Pipeline.Status.FAILED, o.status());
        assertEquals(ExitCode.USAGE, o.exitCode());
        assertTrue(o.message().contains("migrate of run run-cut did not finish") && o.message().contains("--run-id run-cut again")
                && o.message().contains("cutover --abandon"), o.message());
        assertEquals(0, w.count("engine.cutover"), "nothing of the copy is cut over");
        Journal j = ctx("run-cut").journal();
        assertEquals(StepStatus.PENDING, j.step(Step.CUTOVER).status(), "refused before the step began");
        assertEquals(0, j.step(Step.CUTOVER).attempts());
        assertTrue(j.resource("fake.subscription", "sub").map(r -> !r.deleted()).orElse(false), "the copy's replication stays");

        Pipeline.Outcome never = pipeline(w, cutover).run(ctx("run-never"));
        assertEquals(ExitCode.USAGE, never.exitCode());
        assertTrue(never.message().contains("nothing to cut over for run run-never") && never.message().contains("run migrate first"),
                never.message());

        // once migrate finished, the same cutover pass runs
        assertEquals(ExitCode.OK, pipeline(w, migrate).run(ctx("run-cut")).exitCode());
        assertEquals(ExitCode.OK, pipeline(w, cutover).run(ctx("run-cut")).exitCode());
        assertEquals(1, w.count("engine.cutover"));
    }

    @Test
    void forcedTeardownAfterAnEarlyFailureLeavesTheEngineAlone() {
        World w = new World();
        w.failAt = "source.restore";
        w.failure = ToolException.runtime("disk full");
        RunContext ctx = ctx("run-e");
        Pipeline.Outcome o = pipeline(w, FORCE_TEARDOWN).run(ctx);

        assertEquals(Pipeline.Status.FAILED, o.status());
        assertEquals(ExitCode.RUNTIME_FAILURE, o.exitCode());
        assertEquals(Step.RESTORE, o.failedStep());
        assertEquals("disk full", o.message());
        assertEquals(0, w.count("engine.teardown"), "the engine never started, so there is nothing of its to remove");
        assertEquals(0, w.count("source.credentials"), "teardown needs no connection when the engine never ran");
        assertEquals(1, w.count("source.teardown"));
        assertTrue(ctx.journal().liveResourcesNewestFirst().isEmpty());
    }

    @Test
    void aFailedStepIsRecordedWithItsExitCodeAndRunsAgainOnResume() {
        World w = new World();
        w.failAt = "engine.migrate";
        w.failure = ToolException.usage("table public.nokey has no primary key or replica identity");
        RunContext ctx = ctx("run-x");
        Pipeline.Outcome o = pipeline(w, Pipeline.Options.defaults()).run(ctx);

        assertEquals(Pipeline.Status.FAILED, o.status());
        assertEquals(ExitCode.USAGE, o.exitCode());
        assertEquals(StepStatus.FAILED, ctx.journal().step(Step.MIGRATE).status());
        assertTrue(ctx.journal().step(Step.MIGRATE).message().contains("public.nokey"));
        assertEquals(0, w.count("verify") + w.count("source.teardown"), "nothing after the failure, nothing torn down");

        w.failAt = null;
        assertEquals(Pipeline.Status.COMPLETED, pipeline(w, Pipeline.Options.defaults()).run(ctx("run-x")).status());
        assertEquals(2, w.count("engine.migrate"));
        assertEquals(1, w.count("prepare"));
    }

    @Test
    void unexpectedExceptionsAreRuntimeFailuresThatNameTheStep() {
        World w = new World();
        w.failAt = "engine.cutover";
        w.failure = new IllegalStateException("boom");
        Pipeline.Outcome o = pipeline(w, Pipeline.Options.defaults()).run(ctx("run-u"));
        assertEquals(ExitCode.RUNTIME_FAILURE, o.exitCode());
        assertEquals("unexpected IllegalStateException during cutover: boom", o.message());
        assertNotNull(o.error());
    }

    @Test
    void stopAfterPausesAndTheSameRunIdContinues() {
        World w = new World();
        var stopAfterMigrate = new Pipeline.Options(TableFilter.ALL, false, false, false, Step.MIGRATE);
        Pipeline.Outcome stopped = pipeline(w, stopAfterMigrate).run(ctx("run-s"));
        assertEquals(Pipeline.Status.STOPPED, stopped.status());
        assertEquals(ExitCode.OK, stopped.exitCode());
        assertEquals(0, w.count("verify"));
        assertFalse(stopped.tornDown());

        RunContext again = ctx("run-s");
        Pipeline.Outcome done = pipeline(w, Pipeline.Options.defaults()).run(again);
        assertEquals(Pipeline.Status.COMPLETED, done.status());
        assertEquals(List.of(Step.VERIFY, Step.CUTOVER, Step.TEARDOWN), done.ranNow());
        assertEquals(1, w.count("engine.migrate"));
        assertTrue(err.toString().contains("[5/8] migrate: done in an earlier attempt, skipped"), err.toString());
    }

    @Test
    void keptTargetStaysAliveAndIsListedInTheReport() {
        World w = new World();
        RunContext ctx = ctx("run-keep");
        Pipeline.Outcome o = pipeline(w, new Pipeline.Options(null, false, false, true, null)).run(ctx);
        assertEquals(Pipeline.Status.COMPLETED, o.status());
        assertEquals(0, w.count("target.teardown"));
        assertEquals(1, w.count("source.teardown"));
        List<Resource> left = ctx.journal().liveResourcesNewestFirst();
        assertEquals(1, left.size());
        assertEquals("fake.target", left.get(0).kind());

        RunReport report = RunReport.of(ctx.journal(), o, Map.of("public.items", 5L), Map.of(), List.of());
        assertTrue(report.toText().contains("fake.target tgt"), report.toText());
        assertTrue(report.toMarkdown().contains("fake.target tgt"));
    }

    @Test
    void listenersWrapTheStepAndHearAboutAKill() {
        World w = new World();
        w.crashAt = "engine.migrate";
        List<String> heard = new ArrayList<>();
        Pipeline.Listener l = new Pipeline.Listener() {
            @Override
            public void beforeStep(Step step, RunContext ctx, Endpoints endpoints) {
                if (step == Step.MIGRATE) heard.add("before " + endpoints.source().port());
            }

            @Override
            public void afterStep(Step step, RunContext ctx, Endpoints endpoints, boolean succeeded) {
                if (step == Step.MIGRATE) heard.add("after " + succeeded);
            }
        };
        assertThrows(SimulatedKill.class, () -> pipeline(w, Pipeline.Options.defaults(), l).run(ctx("run-l")));
        assertEquals(List.of("before 1111", "after false"), heard);
        pipeline(w, Pipeline.Options.defaults(), l).run(ctx("run-l"));
        assertEquals(List.of("before 1111", "after false", "before 1111", "after true"), heard);
    }

    @Test
    void reportsAndJournalNeverHoldThePassword() throws Exception {
        World w = new World();
        RunContext ctx = ctx("run-p");
        Pipeline.Outcome o = pipeline(w, Pipeline.Options.defaults()).run(ctx);
        RunReport report = RunReport.of(ctx.journal(), o, Map.of("public.items", 5L), Map.of("writer.inserts", "3"),
                List.of("pgvector-migrate rehearse --run-id run-p"));
        String json = report.toJson();
        for (String text : List.of(report.toText(), report.toMarkdown(), json, err.toString(),
                Files.readString(ctx.journal().file()))) {
            assertFalse(text.contains(PASSWORD), text);
        }
        JsonNode n = Json.mapper().readTree(json);
        assertEquals("verified", n.get("result").asText());
        assertEquals(5, n.get("rowsMoved").asLong());
        assertEquals(8, n.get("steps").size());
        assertEquals("postgresql://postgres@127.0.0.1:1111/src", n.get("source").asText());
        assertTrue(n.get("verification").get("passed").asBoolean());
        assertEquals(0, n.get("resourcesLeft").size());
        String text = report.toText();
        assertTrue(text.startsWith("test run run-p: VERIFIED (exit 0)"), text);
        assertTrue(text.contains("rows moved: 5"), text);
        assertTrue(text.contains("resources left: none"), text);
        Consumer<String> hasAllSteps = t -> {
            for (Step s : Step.values()) assertTrue(t.contains(s.id()), s.id());
        };
        hasAllSteps.accept(text);
        hasAllSteps.accept(report.toMarkdown());
    }
}
