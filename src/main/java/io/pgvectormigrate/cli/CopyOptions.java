package io.pgvectormigrate.cli;

import io.pgvectormigrate.replication.NativeOptions;
import io.pgvectormigrate.report.Progress;
import io.pgvectormigrate.run.CopyPass;
import io.pgvectormigrate.run.Standalone;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Clock;
import java.util.function.Function;

/**
 * Picocli mixin for the copy commands (migrate, cutover): the engine, the two databases, the run, the tables, how
 * long to wait for the target and, for DMS, AWS and the DMS settings. {@link CopyPass} chooses the engine and runs it.
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

    /** @param copy the command's steps, for a run id; initialCopy and jobs: how the native engine copies the rows */
    Standalone.Result run(CliContext ctx, Progress progress, Path workDir, CopyPass.RunIds runIds, Function<String, Standalone.Copy> copy,
                          NativeOptions.InitialCopy initialCopy, int jobs) {
        NativeOptions nativeOptions = new NativeOptions(initialCopy, jobs, NativeOptions.DEFAULT_CHUNK_BYTES,
                catchUp.maxLag, catchUp.timeout, null, null);
        CopyPass.Request request = new CopyPass.Request(workDir, run.runId, engine, copy, runIds, nativeOptions, dms.inputs(ctx.cwd()),
                ctx.awsClients(), () -> aws.settings(ctx));
        var databases = new CopyPass.Databases(why -> connections.resolve(ctx, sourceFromTarget, why),
                () -> connections.sourceOrNull(ctx), () -> connections.targetOrNull(ctx));
        return CopyPass.run(request, databases, progress, Clock.systemUTC());
    }
}
