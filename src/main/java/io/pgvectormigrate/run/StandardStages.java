package io.pgvectormigrate.run;

import io.pgvectormigrate.pipeline.Endpoints;
import io.pgvectormigrate.pipeline.Journal;
import io.pgvectormigrate.pipeline.Pipeline;
import io.pgvectormigrate.pipeline.RunContext;
import io.pgvectormigrate.pipeline.Step;
import io.pgvectormigrate.prepare.Indexes.DeferredIndex;
import io.pgvectormigrate.prepare.PrepareOptions;
import io.pgvectormigrate.prepare.TargetPreparer;
import io.pgvectormigrate.verify.Verifier;
import io.pgvectormigrate.verify.VerifyOptions;
import io.pgvectormigrate.verify.VerifyReport;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;

/** The prepare-target and verify stages real runs use, and the index deferral before the load. */
public final class StandardStages {
    /**
     * Journal output of the migrate step: the indexes left out of the load ("schema.name", comma-separated), built
     * by the engine's after-load pass.
     */
    public static final String DEFERRED_INDEXES = "deferred-indexes";

    private StandardStages() {}

    /** Flyway on the target (the tool's migrations, the source's schema, deferred indexes), then verify with defaults. */
    public static Pipeline.Stages standard() {
        return new Pipeline.Stages(prepare(), verify(o -> o));
    }

    /** Prepares the target: creates what it lacks from the source, defers its indexes until after the load. */
    public static Pipeline.Preparation prepare() {
        return (ctx, e) -> TargetPreparer.prepare(PrepareOptions.forPipeline(e.target(), e.source(), e.tables()),
                ctx.progress()).summary();
    }

    /**
     * For step commands over the operator's databases ({@code migrate}): the target is prepared by
     * {@code prepare-target}, never changed here; the engine's preflight, which follows in the same step, refuses a
     * target that lacks tables, columns or sequences (exit 2, naming them and prepare-target).
     */
    public static Pipeline.Preparation checkOnly() {
        return (ctx, e) -> "target left as prepare-target made it";
    }

    /**
     * For the step commands, whatever the engine: defers the secondary and vector indexes of the load's empty tables
     * ({@link TargetPreparer#deferForLoad}), so the load never maintains them whether or not prepare-target deferred
     * them; the engine's after-load builds them. It runs as the migrate step starts, after the prepare-target checks and
     * the engine's preflight, so a refused pass leaves the target as it was. A resumed migrate finds them recorded.
     */
    public static Pipeline.Listener deferIndexesBeforeLoad() {
        return new Pipeline.Listener() {
            @Override
            public void beforeStep(Step step, RunContext ctx, Endpoints e) {
                if (step != Step.MIGRATE) return;
                TargetPreparer.Deferral d = TargetPreparer.deferForLoad(e.target(), e.source(), e.tables(), ctx.progress());
                // a resumed attempt adds to what an earlier one recorded (some may have been built again since)
                Set<String> names = new LinkedHashSet<>(deferredIndexes(ctx.journal()));
                for (DeferredIndex i : d.pending()) names.add(i.schema() + "." + i.name());
                if (!d.deferred().isEmpty()) {
                    ctx.progress().info("  " + d.deferred().size() + " index(es) of the empty target tables deferred until after the load");
                }
                if (!names.isEmpty()) ctx.journal().putOutput(Step.MIGRATE, DEFERRED_INDEXES, String.join(",", names));
            }
        };
    }

    /** The indexes the migrate step left out of the load (journaled, so a skipped step still shows them). */
    public static List<String> deferredIndexes(Journal j) {
        return j.output(Step.MIGRATE, DEFERRED_INDEXES).filter(v -> !v.isEmpty())
                .map(v -> List.of(v.split(","))).orElse(List.of());
    }

    /** Every check of {@code verify}, with the run's settings over the defaults. */
    public static Pipeline.Verification verify(UnaryOperator<VerifyOptions> settings) {
        return (ctx, e) -> {
            VerifyReport r = Verifier.verify(settings.apply(VerifyOptions.defaults(e.source(), e.target(), e.tables())), ctx.progress());
            return new Pipeline.VerifyResult(r.passed(), r.summary(), r);
        };
    }
}
