package io.pgvectormigrate.pipeline;

import io.pgvectormigrate.core.ExitCode;
import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.report.Progress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pipeline's "can start during restore" hook: head starts run next to {@code source.restore}, the restore step
 * waits for them either way, a failed head start is reported and left to the step that owns the work, and a crash
 * in one is a crash of the run.
 */
class PipelineDuringRestoreTest {
    @TempDir
    Path work;
    final StringWriter err = new StringWriter();

    private RunContext ctx(String runId) {
        return new RunContext(Journal.open(work, runId, "test", Clock.systemUTC()),
                Progress.to(new PrintWriter(err, true), false), work, Clock.systemUTC());
    }

    /** The fake source with its restore replaced. */
    private record Source(PipelineTest.FakeSource inner, Consumer<RunContext> restore) implements SourceProvider {
        @Override public String name() { return inner.name(); }
        @Override public void preflight(RunContext ctx) { inner.preflight(ctx); }
        @Override public void restore(RunContext ctx) { inner.restore(ctx); restore.accept(ctx); }
        @Override public ConnectionSpec credentials(RunContext ctx) { return inner.credentials(ctx); }
        @Override public void teardown(RunContext ctx) { inner.teardown(ctx); }
    }

    private static Pipeline.DuringRestore head(String name, Step owner, Consumer<RunContext> work) {
        return new Pipeline.DuringRestore(name, owner, work);
    }

    private static Pipeline pipeline(PipelineTest.World w, Consumer<RunContext> restore, List<Pipeline.DuringRestore> heads) {
        PipelineTest.World calls = w;
        Pipeline.Stages stages = new Pipeline.Stages((ctx, e) -> {
            calls.call("prepare", ctx.journal());
            return "prepared";
        }, (ctx, e) -> {
            calls.call("verify", ctx.journal());
            return new Pipeline.VerifyResult(true, "ok", null);
        });
        return new Pipeline(new Source(new PipelineTest.FakeSource(w), restore), new PipelineTest.FakeTarget(w),
                new PipelineTest.FakeEngine(w), Pipeline.Options.defaults(), stages, List.of(), heads);
    }

    @Test
    void headStartsRunWhileTheRestoreRuns() {
        PipelineTest.World w = new PipelineTest.World();
        CountDownLatch restoring = new CountDownLatch(1);
        CountDownLatch heading = new CountDownLatch(2);
        boolean[] sawEachOther = new boolean[3];
        Consumer<RunContext> restore = ctx -> {
            restoring.countDown();
            sawEachOther[0] = await(heading);
        };
        Pipeline p = pipeline(w, restore, List.of(
                head("network", Step.MIGRATE, ctx -> { heading.countDown(); sawEachOther[1] = await(restoring); w.call("network", ctx.journal()); }),
                head("flyway", Step.PREPARE_TARGET, ctx -> { heading.countDown(); sawEachOther[2] = await(restoring); w.call("flyway", ctx.journal()); })));
        RunContext ctx = ctx("heads");
        Pipeline.Outcome o = p.run(ctx);
        assertEquals(Pipeline.Status.COMPLETED, o.status(), o.message());
        assertTrue(sawEachOther[0] && sawEachOther[1] && sawEachOther[2], "the restore and both head starts ran at the same time");
        assertTrue(w.calls.indexOf("network") < w.calls.indexOf("source.credentials"), "done before the restore step ended: " + w.calls);
        assertTrue(w.calls.indexOf("flyway") < w.calls.indexOf("source.credentials"));
        StepRecord restored = ctx.journal().step(Step.RESTORE);
        assertTrue(restored.outputs().get(Pipeline.DURING_RESTORE_PREFIX + "network").startsWith("done in"), restored.outputs().toString());
        assertTrue(restored.message().contains("2 of 2 head start(s) done during the restore"), restored.message());
    }

    @Test
    void aFailedHeadStartIsLeftToItsStepAndTheRunGoesOn() {
        PipelineTest.World w = new PipelineTest.World();
        Pipeline p = pipeline(w, ctx -> { }, List.of(head("flyway", Step.PREPARE_TARGET, ctx -> {
            throw ToolException.runtime("target busy");
        })));
        RunContext ctx = ctx("failed-head");
        Pipeline.Outcome o = p.run(ctx);
        assertEquals(Pipeline.Status.COMPLETED, o.status(), o.message());
        assertEquals("not done (prepare-target does it): target busy",
                ctx.journal().step(Step.RESTORE).outputs().get(Pipeline.DURING_RESTORE_PREFIX + "flyway"));
        assertTrue(err.toString().contains("flyway did not finish (target busy); prepare-target will do it"), err.toString());
        assertEquals(1, w.count("prepare"));
    }

    @Test
    void aCrashInAHeadStartIsACrashOfTheRunAndTheResumeDoesItAgain() {
        PipelineTest.World w = new PipelineTest.World();
        boolean[] crash = {true};
        Pipeline p = pipeline(w, ctx -> { }, List.of(head("network", Step.MIGRATE, ctx -> {
            w.call("network", ctx.journal());
            if (crash[0]) throw new PipelineTest.SimulatedKill("network");
        })));
        assertThrows(PipelineTest.SimulatedKill.class, () -> p.run(ctx("crashed-head")));
        Journal j = Journal.load(work, "crashed-head", Clock.systemUTC());
        assertEquals(StepStatus.RUNNING, j.step(Step.RESTORE).status(), "the restore step never finished");
        assertEquals(1, w.count("source.restore"), "the restore itself ran to its end before the crash surfaced");
        crash[0] = false;
        Pipeline.Outcome o = p.run(ctx("crashed-head"));
        assertEquals(Pipeline.Status.COMPLETED, o.status(), o.message());
        assertEquals(2, w.count("network"));
        assertEquals(2, w.count("source.restore"));
    }

    @Test
    void aFailedRestoreStillWaitsForItsHeadStarts() {
        PipelineTest.World w = new PipelineTest.World();
        w.failAt = "source.restore";
        w.failure = ToolException.usage("snapshot gone");
        boolean[] finished = {false};
        Pipeline p = pipeline(w, ctx -> { }, List.of(head("slow", Step.MIGRATE, ctx -> {
            sleep(150);
            finished[0] = true;
        })));
        Pipeline.Outcome o = p.run(ctx("restore-fails"));
        assertEquals(Pipeline.Status.FAILED, o.status());
        assertEquals(ExitCode.USAGE, o.exitCode());
        assertEquals(Step.RESTORE, o.failedStep());
        assertTrue(finished[0], "nothing of the step still runs once it ended");
    }

    private static boolean await(CountDownLatch l) {
        try {
            return l.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
