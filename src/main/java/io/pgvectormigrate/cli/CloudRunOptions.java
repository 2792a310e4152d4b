package io.pgvectormigrate.cli;

import io.pgvectormigrate.pipeline.Step;
import io.pgvectormigrate.run.RunSettings;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/**
 * Picocli mixin: what an AWS run is, given to {@code run} and to {@code plan} alike, so a plan is made from exactly the
 * settings (migration.yaml, engine, DMS flags, table filter) the run would get.
 */
public class CloudRunOptions {
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

    @Mixin DmsFlags dmsFlags = new DmsFlags();

    @Mixin RunOptions run = new RunOptions();

    @Option(names = "--keep-temporary", description = "Keep the temporary cluster after a verified run (delete it later with cleanup).")
    Boolean keepTemporary;

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

    /** The settings, resolved as run resolves them (flags over migration.yaml); the region and profile fill in {@code aws}. */
    RunSettings resolve(AwsOptions aws, Path report, Path cwd) {
        RunSettings s = RunSettings.resolve(new RunSettings.Flags(config, snapshot, stack, targetCluster, targetSecretArn, engine, run.runId,
                run.workDir, aws.region, aws.profile, keepTemporary, report, tableFilter.schemas, tableFilter.tables,
                tableFilter.excludes, stopAfter, dmsFlags.toConfig(), sourceVia, targetVia), cwd);
        if (aws.region == null) aws.region = s.region();
        if (aws.profile == null) aws.profile = s.profile();
        return s;
    }
}
