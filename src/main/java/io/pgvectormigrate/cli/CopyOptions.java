package io.pgvectormigrate.cli;

import io.pgvectormigrate.aws.AwsClients;
import io.pgvectormigrate.aws.AwsSession;
import io.pgvectormigrate.replication.NativeOptions;
import io.pgvectormigrate.report.Progress;
import io.pgvectormigrate.run.Standalone;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Clock;
import java.util.function.Function;

/**
 * Picocli mixin for the copy commands (migrate, cutover): the engine, the two databases, the run, the tables, how
 * long to wait for the target and, for DMS, AWS and the DMS settings; and their pass over the run's journal.
 */
public class CopyOptions {
    @Option(names = "--engine", paramLabel = "native|dms",
            description = "Who copies: native (PostgreSQL logical replication driven by the tool, default) or dms (AWS DMS; "
                    + "--source and --target default to the run's restored cluster and the stack's). Default: the run's engine "
                    + "(cutover takes migrate's), else native.")
    String engine;

    @Mixin ConnectionOptions connections = new ConnectionOptions();

    @Option(names = "--source-from-target", paramLabel = "<conn>",
            description = "The source as the target server reaches it, for the subscription (default: --source). "
                    + "Its password defaults to the source's.")
    String sourceFromTarget;
    @Mixin RunOptions run = new RunOptions();
    @Mixin TableFilterOptions tableFilter = new TableFilterOptions();
    @Mixin CatchUpOptions catchUp = new CatchUpOptions();
    @Mixin AwsOptions aws = new AwsOptions();
    @Mixin DmsRunOptions dms = new DmsRunOptions();

    /** How a command names its run: for dms, and for native once both databases are resolved. */
    interface RunIds {
        String dms();

        String nativeRun(ConnectionOptions.Resolved databases);
    }

    /** @param copy the command's steps, for a run id */
    Standalone.Result run(CliContext ctx, Progress progress, Path workDir, RunIds runIds, Function<String, Standalone.Copy> copy,
                          NativeOptions nativeOptions) {
        if (Standalone.engine(workDir, run.runId, engine).equals("dms")) {
            Standalone.Copy q = copy.apply(runIds.dms());
            Standalone.DmsSettings settings = dms.settings(ctx.cwd(), q); // exit 2 before any AWS client exists
            try (AwsClients clients = AwsSession.clients(ctx.awsClients(), aws.settings(ctx), workDir, q.runId())) {
                return Standalone.dmsCopy(q, settings, connections.sourceOrNull(ctx), connections.targetOrNull(ctx), clients,
                        progress, Clock.systemUTC());
            }
        }
        connections.requireBoth("the native engine needs both connections");
        ConnectionOptions.Resolved c = connections.resolve(ctx, sourceFromTarget);
        return Standalone.nativeCopy(copy.apply(runIds.nativeRun(c)), c.source(), c.sourceFromTarget(), c.target(), nativeOptions,
                progress, Clock.systemUTC());
    }
}
