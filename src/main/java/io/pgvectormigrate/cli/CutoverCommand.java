package io.pgvectormigrate.cli;

import io.pgvectormigrate.core.ExitCode;
import io.pgvectormigrate.replication.NativeOptions;
import io.pgvectormigrate.pipeline.Step;
import io.pgvectormigrate.run.CopyPass;
import io.pgvectormigrate.run.Standalone;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;

@Command(name = "cutover", mixinStandardHelpOptions = true,
        description = {
                "Finishes a migration: waits until the target has every change committed on the source (or is within "
                        + "--max-lag), carries sequence values, builds the deferred and vector indexes, then removes the "
                        + "subscription, the replication slot and the publication (native), or stops DMS and drops what it "
                        + "leaves on the source (dms), so nothing holds WAL on the source.",
                "Stop the application's writes to the source first. It is the cutover step of the run migrate journaled: "
                        + "safe to run again, it finishes whatever is left. A run whose migrate did not finish is refused (exit 2): "
                        + "run migrate again, or give the run up with --abandon.",
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
                "Without --run-id (native): the latest migrate run in --work-dir between the same --source and --target",
                "that still has a subscription. The run's engine, tables and databases are migrate's (others: exit 2)."})
public final class CutoverCommand extends ToolCommand {

    @Mixin CopyOptions copy = new CopyOptions();

    @Option(names = "--abandon",
            description = "Give the migration up instead: remove the run's replication objects right away (so nothing holds "
                    + "WAL on the source), without waiting, carrying sequences or building indexes. The target keeps whatever "
                    + "rows it has. Idempotent.")
    boolean abandon;

    @Override
    public Integer call() {
        Path dir = copy.run.workDir(ctx.cwd());
        var runIds = new CopyPass.RunIds(() -> copy.run.requireRunId("the run migrate --engine dms copied"),
                c -> copy.run.runId != null ? copy.run.runIdOrTimestamp("native")
                        : CopyPass.latestNativeRun(dir, c.source(), c.target()));
        Standalone.Result r = copy.run(ctx, progress(), dir, runIds,
                id -> Standalone.Copy.cutover(id, dir, copy.tableFilter.toFilter(), abandon),
                NativeOptions.InitialCopy.SNAPSHOT, 1);
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
