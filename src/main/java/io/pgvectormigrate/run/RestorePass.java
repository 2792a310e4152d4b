package io.pgvectormigrate.run;

import io.pgvectormigrate.aws.AwsClients;
import io.pgvectormigrate.aws.AwsProvider;
import io.pgvectormigrate.aws.AwsSourceOptions;
import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pg.TableFilter;
import io.pgvectormigrate.pipeline.Journal;
import io.pgvectormigrate.pipeline.Pipeline;
import io.pgvectormigrate.pipeline.RunContext;
import io.pgvectormigrate.pipeline.Step;
import io.pgvectormigrate.pipeline.TargetProvider;
import io.pgvectormigrate.report.Progress;

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Set;

/** {@code restore}'s pass: preflight, restore and credentials over the AWS provider; nothing on the target yet. */
public final class RestorePass {
    /** Journals restore continues: its own, and a run begun by capture. */
    static final Set<String> CONTINUES = Set.of("restore", "capture");

    private RestorePass() {}

    public static Standalone.Result run(String runId, Path workDir, AwsClients aws, AwsSourceOptions options, Progress progress,
                                        Clock clock) {
        Journal j = Journal.open(workDir, runId, "restore", CONTINUES, clock);
        Pipeline p = new Pipeline(new AwsProvider(aws, options), NOT_CONNECTED, null,
                Pipeline.Options.only(TableFilter.ALL, Step.PREFLIGHT, Step.RESTORE, Step.CREDENTIALS).withRecheck(),
                StandardStages.standard(), List.of());
        Pipeline.Outcome o = p.run(new RunContext(j, progress, workDir, clock));
        return new Standalone.Result(runId, j, o, j.output(Step.CREDENTIALS, "source").orElse(null), null);
    }

    /** restore makes the source only: the target is the next commands' to reach. */
    private static final TargetProvider NOT_CONNECTED = new TargetProvider() {
        @Override public String name() { return "not-connected"; }
        @Override public void preflight(RunContext ctx) {}
        @Override public ConnectionSpec connect(RunContext ctx, ConnectionSpec source) { return null; }
        @Override public void teardown(RunContext ctx) {}
    };
}
