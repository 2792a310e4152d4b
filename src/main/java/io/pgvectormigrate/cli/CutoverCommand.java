package io.pgvectormigrate.cli;

import io.pgvectormigrate.aws.AwsClients;
import io.pgvectormigrate.aws.AwsOptions;
import io.pgvectormigrate.aws.AwsSession;
import io.pgvectormigrate.core.ExitCode;
import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.engine.NativeOptions;
import io.pgvectormigrate.pipeline.Step;
import io.pgvectormigrate.report.Progress;
import io.pgvectormigrate.run.Standalone;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "cutover", mixinStandardHelpOptions = true,
        description = {
                "Finishes a migration: waits until the target has every change committed on the source (or is within "
                        + "--max-lag), carries sequence values, builds the deferred and vector indexes, then removes the "
                        + "subscription, the replication slot and the publication (native), or stops DMS and drops what it "
                        + "leaves on the source (dms), so nothing holds WAL on the source.",
                "Stop the application's writes to the source first. It is the cutover step of the run migrate journaled: "
                        + "safe to run again, it finishes whatever is left.",
                ""},
        footer = {"",
                "Examples:",
                "  pgvector-migrate cutover --run-id bedrock-v1 \\",
                "      --source postgresql://postgres@old-copy:5432/postgres \\",
                "      --target postgresql://postgres@new-cluster:5432/postgres",
                "  pgvector-migrate cutover --source $SRC --target $TGT --max-lag 16MB --timeout 10m",
                "  pgvector-migrate cutover --source $SRC --target $TGT --run-id bedrock-v1 --abandon",
                "  pgvector-migrate cutover --engine dms --run-id bedrock-v1 --config migration.yaml",
                "",
                "Without --run-id (native): the latest run in --work-dir that still has a subscription."})
public final class CutoverCommand implements Callable<Integer> {
    private final CliContext ctx;

    @Mixin CommonOptions common;
    @Mixin ConnectionOptions connections = new ConnectionOptions();
    @Mixin RunOptions run = new RunOptions();
    @Mixin TableFilterOptions tableFilter = new TableFilterOptions();
    @Mixin CatchUpOptions catchUp = new CatchUpOptions();
    @Mixin AwsOptions aws = new AwsOptions();
    @Mixin DmsRunOptions dms = new DmsRunOptions();

    @Option(names = "--engine", paramLabel = "native|dms", defaultValue = "native",
            description = "The engine migrate used: native (default) or dms.")
    String engine;

    @Option(names = "--abandon",
            description = "Give the migration up instead: remove the run's replication objects right away (so nothing holds "
                    + "WAL on the source), without waiting, carrying sequences or building indexes. The target keeps whatever "
                    + "rows it has. Idempotent.")
    boolean abandon;

    public CutoverCommand(CliContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public Integer call() {
        Path dir = run.workDir(ctx.cwd());
        Progress progress = Progress.to(ctx.err(), ctx.errIsTerminal() && !common.noProgress);
        Standalone.Result r;
        switch (engine.toLowerCase(Locale.ROOT)) {
            case "native" -> {
                connections.requireBoth("cutover needs the two databases migrate copied between");
                ConnectionOptions.Resolved c = connections.resolve(ctx);
                String id = run.runId != null ? run.runIdOrNew("native") : Standalone.latestNativeRun(dir);
                NativeOptions options = new NativeOptions(NativeOptions.InitialCopy.SNAPSHOT, 1, NativeOptions.DEFAULT_CHUNK_BYTES,
                        catchUp.maxLag, catchUp.timeout, null, null);
                r = Standalone.nativeCopy(Standalone.Copy.cutover(id, dir, tableFilter.toFilter(), abandon), c.source(),
                        c.sourceFromTarget(), c.target(), options, progress, Clock.systemUTC());
            }
            case "dms" -> {
                Standalone.DmsSettings settings = dms.settings(ctx.cwd());
                Standalone.Copy q = Standalone.Copy.cutover(run.requireRunId("the run migrate --engine dms copied"), dir,
                        tableFilter.toFilter(), abandon);
                try (AwsClients clients = AwsSession.clients(ctx.awsClients(), aws, ctx.env(), ctx.home(), dir, q.runId())) {
                    r = Standalone.dmsCopy(q, settings, connections.sourceOrNull(ctx), connections.targetOrNull(ctx), clients,
                            progress, Clock.systemUTC());
                }
            }
            default -> throw ToolException.usage("unknown engine '" + engine + "': pick native or dms");
        }
        int code = Outcomes.exit(ctx, common, r.outcome());
        if (code != ExitCode.OK) return code;
        if (abandon) {
            String msg = "run " + r.runId() + ": abandoned; its replication objects are removed (the target keeps the rows it has)";
            CopyReport.print(ctx, common, r, Step.TEARDOWN, common.json() ? List.of() : List.of(msg));
        } else {
            CopyReport.print(ctx, common, r, Step.CUTOVER, List.of("point the application at " + r.target()));
        }
        return code;
    }
}
