package io.pgvectormigrate.run;

import io.pgvectormigrate.pipeline.Pipeline;
import io.pgvectormigrate.prepare.PrepareOptions;
import io.pgvectormigrate.prepare.TargetPreparer;
import io.pgvectormigrate.verify.Verifier;
import io.pgvectormigrate.verify.VerifyOptions;
import io.pgvectormigrate.verify.VerifyReport;

import java.util.function.UnaryOperator;

/** The prepare-target and verify stages real runs use. */
public final class StandardStages {
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

    /** Every check of {@code verify}, with the run's settings over the defaults. */
    public static Pipeline.Verification verify(UnaryOperator<VerifyOptions> settings) {
        return (ctx, e) -> {
            VerifyReport r = Verifier.verify(settings.apply(VerifyOptions.defaults(e.source(), e.target(), e.tables())), ctx.progress());
            return new Pipeline.VerifyResult(r.passed(), r.summary(), r);
        };
    }
}
