package io.pgvectormigrate.cli;

import io.pgvectormigrate.aws.AwsClients;
import io.pgvectormigrate.aws.AwsSession;
import io.pgvectormigrate.pipeline.Step;
import io.pgvectormigrate.report.Progress;
import io.pgvectormigrate.run.CloudRun;
import io.pgvectormigrate.run.RunSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
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
                        + "--run-id continues where a run stopped. Everything in migration.yaml (--config) can be given as a flag; "
                        + "flags win."},
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
    @Mixin DmsFlags dmsFlags;

    @Option(names = "--config", paramLabel = "FILE", description = "migration.yaml with the settings below (docs/migration.example.yaml).")
    Path config;

    @Option(names = "--snapshot", paramLabel = "ID|ARN", description = "The old cluster's snapshot (name or ARN).")
    String snapshot;

    @Option(names = "--stack", paramLabel = "NAME", description = "CloudFormation stack of the new cluster; its outputs give the target, "
            + "its secret (DbConfigSecretArn), subnets and security group (default: BedrockChatStack).")
    String stack;

    @Option(names = "--target-cluster", paramLabel = "ID", description = "The new cluster, when there is no stack (needs --target-secret-arn).")
    String targetCluster;

    @Option(names = "--target-secret-arn", paramLabel = "ARN", description = "Secret with the target's credentials (default: the stack's DbConfigSecretArn).")
    String targetSecretArn;

    @Option(names = "--engine", paramLabel = "dms|native", description = "Who copies: dms (default) or native (PostgreSQL logical "
            + "replication driven from this machine; no DMS cost).")
    String engine;

    @Mixin RunOptions run = new RunOptions();

    @Option(names = "--keep-temporary", description = "Keep the temporary cluster after a verified run (delete it later with cleanup).")
    Boolean keepTemporary;

    @Mixin ReportOptions report = new ReportOptions();

    @Mixin
    TableFilterOptions tableFilter = new TableFilterOptions();

    @Option(names = "--source-via", paramLabel = "HOST:PORT", description = "Reach the temporary cluster through this port forward "
            + "(DMS still uses its endpoint).")
    String sourceVia;

    @Option(names = "--target-via", paramLabel = "HOST:PORT", description = "Reach the target through this port forward.")
    String targetVia;

    @Option(names = "--stop-after", paramLabel = "STEP", converter = Converters.StepName.class,
            description = "Pause after this step (e.g. restore, to open a port forward to the new temporary cluster); the same --run-id continues.")
    Step stopAfter;

    @Override
    public Integer call() {
        RunSettings s = RunSettings.resolve(new RunSettings.Flags(config, snapshot, stack, targetCluster, targetSecretArn, engine, run.runId,
                run.workDir, aws.region, aws.profile, keepTemporary, report.report, tableFilter.schemas, tableFilter.tables,
                tableFilter.excludes, stopAfter, dmsFlags.toConfig(), sourceVia, targetVia), ctx.cwd());
        if (aws.region == null) aws.region = s.region();
        if (aws.profile == null) aws.profile = s.profile();
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
