package io.pgvectormigrate.cli;

import io.pgvectormigrate.aws.AwsClients;
import io.pgvectormigrate.aws.AwsOptions;
import io.pgvectormigrate.aws.AwsSession;
import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.engine.NativeOptions;
import io.pgvectormigrate.report.Progress;
import io.pgvectormigrate.run.Standalone;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Locale;
import java.util.function.Function;

/**
 * Picocli mixin for the copy commands (migrate, cutover): the engine, the two databases, the run, the tables, how
 * long to wait for the target and, for DMS, AWS and the DMS settings; and their pass over the run's journal.
 */
public class CopyOptions {
    @Option(names = "--engine", paramLabel = "native|dms", defaultValue = "native",
            description = "Who copies: native (PostgreSQL logical replication driven by the tool, default) or dms (AWS DMS; "
                    + "--source and --target default to the run's restored cluster and the stack's). cutover takes migrate's.")
    String engine;

    @Mixin ConnectionOptions connections = new ConnectionOptions();
    @Mixin RunOptions run = new RunOptions();
    @Mixin TableFilterOptions tableFilter = new TableFilterOptions();
    @Mixin CatchUpOptions catchUp = new CatchUpOptions();
    @Mixin AwsOptions aws = new AwsOptions();
    @Mixin DmsRunOptions dms = new DmsRunOptions();

    boolean dms() {
        return engine.equalsIgnoreCase("dms");
    }

    /**
     * @param runId the run, given whether the engine is dms (its default differs by command and engine)
     * @param copy  the command's steps, for a run id
     */
    Standalone.Result run(CliContext ctx, Progress progress, Path workDir, Function<Boolean, String> runId,
                          Function<String, Standalone.Copy> copy, NativeOptions nativeOptions) {
        switch (engine.toLowerCase(Locale.ROOT)) {
            case "native" -> {
                connections.requireBoth("the native engine needs both connections");
                ConnectionOptions.Resolved c = connections.resolve(ctx);
                return Standalone.nativeCopy(copy.apply(runId.apply(false)), c.source(), c.sourceFromTarget(), c.target(), nativeOptions,
                        progress, Clock.systemUTC());
            }
            case "dms" -> {
                Standalone.Copy q = copy.apply(runId.apply(true));
                Standalone.DmsSettings settings = dms.settings(ctx.cwd(), q); // exit 2 before any AWS client exists
                try (AwsClients clients = AwsSession.clients(ctx.awsClients(), aws, ctx.env(), ctx.home(), workDir, q.runId())) {
                    return Standalone.dmsCopy(q, settings, connections.sourceOrNull(ctx), connections.targetOrNull(ctx), clients,
                            progress, Clock.systemUTC());
                }
            }
            default -> throw ToolException.usage("unknown engine '" + engine + "': pick native or dms");
        }
    }
}
