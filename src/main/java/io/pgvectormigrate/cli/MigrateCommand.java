package io.pgvectormigrate.cli;

import io.pgvectormigrate.core.ExitCode;
import io.pgvectormigrate.replication.NativeOptions;
import io.pgvectormigrate.pipeline.Journal;
import io.pgvectormigrate.pipeline.Step;
import io.pgvectormigrate.run.CopyPass;
import io.pgvectormigrate.run.DmsCopy;
import io.pgvectormigrate.run.Standalone;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;

@Command(name = "migrate", mixinStandardHelpOptions = true,
        description = {
                "Copies the selected tables from the source to the prepared target and keeps them in sync with logical "
                        + "replication until cutover. Returns once the initial copy is complete and changes are streaming.",
                "native (default): the tool's own publication, slot and subscription. The initial rows are copied from "
                        + "the slot's snapshot by parallel binary COPY streams (--initial-copy snapshot), or by the "
                        + "subscription itself, server to server (--initial-copy subscription).",
                "dms: an AWS DMS homogeneous data migration (instance profile, data providers, migration project, data "
                        + "migration, all tagged with the run id), started and watched until the full load is complete; indexes "
                        + "and sequences follow. After `restore --run-id ID` everything comes from the run's journal and the "
                        + "stack (network, both secrets, both connections); otherwise pass them. `cutover --engine dms` (or "
                        + "--cutover) stops it and drops what DMS leaves on the source; `cleanup --run-id ID` deletes the DMS objects.",
                "The steps prepare-target (a check: the target must be prepared) and migrate of the run's journal: run it "
                        + "again with the same --run-id after a crash; it continues where it stopped and never duplicates rows.",
                ""},
        footer = {"",
                "Examples:",
                "  pgvector-migrate migrate --run-id bedrock-v1 \\",
                "      --source postgresql://postgres@old-copy:5432/postgres \\",
                "      --target postgresql://postgres@new-cluster:5432/postgres",
                "  pgvector-migrate cutover --run-id bedrock-v1 --source $SRC --target $TGT",
                "  pgvector-migrate migrate --source $SRC --target $TGT --cutover",
                "",
                "  # DMS, after `pgvector-migrate restore --snapshot ... --stack BedrockChatStack --run-id bedrock-v1`",
                "  # and `prepare-target`: connections, secrets and network come from the run's journal and the stack",
                "  pgvector-migrate migrate --engine dms --run-id bedrock-v1 --region eu-west-1 \\",
                "      --dms-role-arn arn:aws:iam::123456789012:role/pgvector-migrate-dms",
                "  pgvector-migrate migrate --engine dms --run-id bedrock-v1 --config migration.yaml --cutover",
                "  pgvector-migrate cleanup --run-id bedrock-v1 --yes                  # DMS objects first, then the cluster",
                "",
                "Needs: the target prepared (prepare-target); on the source wal_level=logical",
                "(rds.logical_replication=1 on Aurora) and a user with REPLICATION (or the",
                "rds_replication role); for dms the DMS role (see `pgvector-migrate iam-policy`) and",
                "a network path from DMS to both databases on 5432.",
                "Passwords: URL, PGPASSWORD or ~/.pgpass; never printed, never journaled."})
public final class MigrateCommand extends ToolCommand {

    @Mixin CopyOptions copy = new CopyOptions();

    @Option(names = "--cutover", description = "Continue straight into cutover once the copy is complete (--max-lag, --timeout).")
    boolean cutover;

    @Option(names = "--initial-copy", paramLabel = "snapshot|subscription", defaultValue = "snapshot",
            converter = Converters.InitialCopy.class, description = "snapshot (default): the tool copies the slot's snapshot with parallel binary COPY (fast; rows pass "
                    + "through this machine). subscription: PostgreSQL's table sync copies server to server (text; use it "
                    + "when this machine is far from both databases).")
    NativeOptions.InitialCopy initialCopy;

    @Option(names = "--jobs", paramLabel = "N", defaultValue = "0",
            description = "Parallel COPY streams for --initial-copy snapshot. 0 (the default) chooses: as many as both "
                    + "servers give one of their own operations (source 1 + max_parallel_workers_per_gather, target 1 + "
                    + "max_parallel_maintenance_workers) and half their free connections allow, one per 2 cores of this "
                    + "machine when a server runs on it, never more than the tables' 64 MB ranges.")
    int jobs;

    @Override
    public Integer call() {
        Path dir = copy.run.workDir(ctx.cwd());
        var runIds = new CopyPass.RunIds(() -> copy.run.runIdOrTimestamp("dms"),
                c -> copy.run.runIdOrTimestamp("native"));
        Standalone.Result r = copy.run(ctx, progress(), dir, runIds,
                id -> Standalone.Copy.migrate(id, dir, copy.tableFilter.toFilter(), cutover), initialCopy, jobs);
        int code = Outcomes.exit(ctx, common, r.outcome());
        if (code != ExitCode.OK) return code;
        CopyReport.print(ctx, common, r, Step.MIGRATE, next(r, dir));
        return code;
    }

    private List<String> next(Standalone.Result r, Path dir) {
        if ("dms".equals(r.engine())) return DmsCopy.nextAfterMigrate(r, cutover).stream().map(n -> "next: " + n).toList();
        if (cutover) return List.of();
        String wd = dir.equals(ctx.cwd().resolve(Journal.DEFAULT_WORK_DIR).toAbsolutePath().normalize()) ? "" : " --work-dir " + dir;
        return List.of("next, once the application is stopped: pgvector-migrate cutover --run-id " + r.runId()
                + " --source " + r.source() + " --target " + r.target() + wd);
    }
}
