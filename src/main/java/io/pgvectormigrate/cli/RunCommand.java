package io.pgvectormigrate.cli;

import io.pgvectormigrate.aws.AwsClients;
import io.pgvectormigrate.aws.AwsSession;
import io.pgvectormigrate.report.Progress;
import io.pgvectormigrate.run.CloudRun;
import io.pgvectormigrate.run.RunSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.time.Clock;
import java.util.List;

@Command(name = "run", mixinStandardHelpOptions = true,
        description = {
                "The whole migration in one command: restores the snapshot to a temporary Aurora cluster, prepares the new "
                        + "cluster (the stack's) with Flyway, copies the rows with an AWS DMS homogeneous data migration (or the "
                        + "native engine), verifies the copy, cuts over and deletes everything the run created.",
                "Steps: preflight -> restore -> credentials -> prepare-target -> migrate -> verify -> cutover -> teardown. "
                        + "Preflight checks everything it can before anything is created (exit 2). While the restore runs, the DMS "
                        + "network, the target's data provider and the target's Flyway preparation get a head start. Teardown runs "
                        + "only after verify passed.",
                "Each step is journaled under --work-dir (identifiers only, never a password): the same command with the same "
                        + "--run-id continues where a run stopped. Flags override migration.yaml (--config); its temporaryCluster, "
                        + "native, verify and cost sections, and the dms keys without a --dms-* flag, are set only in the file."},
        footer = {"",
                "Examples:",
                "  pgvector-migrate run --config migration.yaml",
                "  pgvector-migrate run --snapshot pgvm-bedrock-v1-capture --stack BedrockChatStack --run-id bedrock-v1 \\",
                "      --dms-role-arn arn:aws:iam::123456789012:role/pgvector-migrate-dms --region eu-west-1",
                "  pgvector-migrate run --config migration.yaml --engine native          (no DMS: this machine reaches both clusters)",
                "  pgvector-migrate run --config migration.yaml --run-id bedrock-v1      (resume after a failure or a crash)",
                "  pgvector-migrate run --config migration.yaml --keep-temporary --report migration.md --format json",
                "",
                "docs/migration.example.yaml is an annotated configuration for Bedrock Chat; docs/runbook-bedrock-chat-v0-v1.md the",
                "whole procedure; `pgvector-migrate iam-policy` the permissions.",
                "",
                "Exit codes: 0 verified and cleaned up, 1 runtime failure (re-run to resume), 2 bad input (nothing created by this",
                "attempt), 3 verification found differences (nothing torn down)."})
public final class RunCommand extends ToolCommand {

    @Mixin AwsOptions aws;
    @Mixin CloudRunOptions cloudRun = new CloudRunOptions();
    @Mixin ReportOptions report = new ReportOptions();

    @Override
    public Integer call() {
        RunSettings s = cloudRun.resolve(aws, report.report, ctx.cwd());
        Progress progress = progress();
        CloudRun.Result r;
        try (AwsClients clients = AwsSession.clients(ctx.awsClients(), aws.settings(ctx), s.workDir(), s.runId())) {
            r = Outcomes.resumable(ctx, "pgvector-migrate run --run-id " + s.runId() + " --work-dir " + s.workDir()
                            + (s.configFile() != null ? " --config " + s.configFile() : ""),
                    () -> CloudRun.run(s, clients, progress, Clock.systemUTC(), List.of()));
        }
        ctx.out().print(common.json() ? r.json() + "\n" : r.text());
        ctx.out().flush();
        int code = Outcomes.exit(ctx, common, r.outcome());
        return Outcomes.report(ctx, s.report(), r.markdown(), code);
    }
}
