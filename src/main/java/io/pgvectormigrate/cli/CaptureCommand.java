package io.pgvectormigrate.cli;

import io.pgvectormigrate.aws.AwsClients;
import io.pgvectormigrate.aws.AwsSession;
import io.pgvectormigrate.aws.Capture;
import io.pgvectormigrate.core.Durations;
import io.pgvectormigrate.pipeline.Journal;
import io.pgvectormigrate.pipeline.RunContext;
import io.pgvectormigrate.report.Json;
import io.pgvectormigrate.report.Progress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Clock;

@Command(name = "capture", mixinStandardHelpOptions = true,
        description = {"Before the deploy that replaces the cluster: copy its current credentials into a secret the tool owns "
                + "(so the password survives rotation and replacement) and, with --snapshot, take a manual snapshot and wait for it.",
                "Records what it made in the run journal; 'restore' with the same --run-id uses the copied password."},
        footer = {"", "Examples:",
                "  pgvector-migrate capture --cluster bedrockchatstack-vectorstore-abc123 --stack BedrockChatStack --snapshot --run-id upgrade-v1",
                "  pgvector-migrate capture --cluster my-cluster --secret-id arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf",
                "", "Exit codes: 0 done, 1 AWS failed or timed out (re-run to resume), 2 bad input (nothing created)."})
public final class CaptureCommand extends ToolCommand {

    @Mixin AwsOptions aws;
    @Mixin RunOptions run;

    @Option(names = "--cluster", required = true, paramLabel = "ID", description = "The cluster about to be replaced.")
    String cluster;

    @Option(names = "--secret-id", paramLabel = "ARN",
            description = "Its credentials secret (default: the stack's DbConfigSecretArn with --stack, else the cluster's RDS-managed secret).")
    String secretId;

    @Option(names = "--stack", paramLabel = "NAME", description = "Read the secret ARN from this stack's DbConfigSecretArn output.")
    String stack;

    @Option(names = "--snapshot", description = "Also take a manual cluster snapshot (pgvm-<run-id>-capture) and wait until it is available.")
    boolean snapshot;

    @Option(names = "--wait-timeout", paramLabel = "DURATION", defaultValue = "60m",
            description = "Longest wait for the snapshot (default: ${DEFAULT-VALUE}).")
    String waitTimeout;

    @Override
    public Integer call() {
        String runId = run.runIdOrNew("capture");
        Path workDir = run.workDir(ctx.cwd());
        Progress progress = progress();
        Capture.Options o = new Capture.Options(cluster, secretId, stack, snapshot, Durations.parse(waitTimeout, "--wait-timeout"));
        try (AwsClients clients = AwsSession.clients(ctx.awsClients(), aws.settings(ctx), workDir, runId)) {
            Journal journal = Journal.open(workDir, runId, "capture", Clock.systemUTC());
            if (run.runId == null) progress.info("run id: " + runId + " (pass --run-id " + runId + " to restore, status and cleanup)");
            Capture.Result r = new Capture(clients).run(new RunContext(journal, progress, workDir, Clock.systemUTC()), o);
            if (common.json()) {
                ctx.out().println(Json.write(new Captured(r, journal.file().toString())));
            } else {
                ctx.out().println("captured run " + r.runId() + " in " + r.region() + ":");
                ctx.out().println("  credentials of " + r.clusterId() + " (from " + r.copiedFrom() + ")");
                ctx.out().println("    copied to secret " + r.secretName() + " (" + r.secretArn() + ")");
                if (r.snapshotId() != null) ctx.out().println("  snapshot " + r.snapshotId() + " available (" + r.snapshotArn() + ")");
                ctx.out().println("  journal " + journal.file());
                ctx.out().println("next, after the deploy: pgvector-migrate restore --run-id " + r.runId() + " --snapshot "
                        + (r.snapshotId() != null ? r.snapshotId() : "<snapshot>") + (stack != null ? " --stack " + stack : ""));
            }
        }
        return 0;
    }

    /** The --format json document. */
    private record Captured(Capture.Result capture, String journal) {}
}
