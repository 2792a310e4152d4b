package io.pgvectormigrate.cli;

import io.pgvectormigrate.aws.AwsClients;
import io.pgvectormigrate.aws.AwsProvider;
import io.pgvectormigrate.aws.AwsSession;
import io.pgvectormigrate.aws.TemporarySource;
import io.pgvectormigrate.core.ExitCode;
import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pipeline.Journal;
import io.pgvectormigrate.pipeline.Step;
import io.pgvectormigrate.report.Json;
import io.pgvectormigrate.report.Progress;
import io.pgvectormigrate.run.RestorePass;
import io.pgvectormigrate.run.Standalone;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.nio.file.Path;
import java.time.Clock;

@Command(name = "restore", mixinStandardHelpOptions = true,
        description = {"Restore an Aurora PostgreSQL snapshot to a temporary cluster the run owns: a parameter group with "
                + "logical replication, the cluster in the target's subnet group and security groups (Serverless v2, "
                + "deletion protection off, the snapshot's KMS key, tagged with the run), a db.serverless writer, and its "
                + "credentials in a tool-owned secret (the captured password, or a generated one).",
                "The steps preflight, restore and credentials of the run's journal: run it again with the same --run-id after "
                        + "a failure, a timeout or a kill, and it continues where it stopped."},
        footer = {"", "Examples:",
                "  pgvector-migrate restore --snapshot pgvm-upgrade-v1-capture --stack BedrockChatStack --run-id upgrade-v1 --region us-east-1",
                "  pgvector-migrate restore --snapshot arn:aws:rds:us-east-1:123456789012:cluster-snapshot:final --target-cluster new-cluster",
                "", "See what it would do first: pgvector-migrate plan (same options). Remove it all: pgvector-migrate cleanup --run-id ID.",
                "Exit codes: 0 restored, 1 AWS failed or timed out (re-run to resume), 2 bad input (nothing left created)."})
public final class RestoreCommand extends ToolCommand {

    @Mixin AwsOptions aws;
    @Mixin RunOptions run;
    @Mixin SourceOptions source;

    @Override
    public Integer call() {
        String runId = run.runIdOrNew("restore");
        Path workDir = run.workDir(ctx.cwd());
        Progress progress = progress();
        var options = source.toOptions();
        Standalone.Result r;
        try (AwsClients clients = AwsSession.clients(ctx.awsClients(), aws.settings(ctx), workDir, runId)) {
            if (run.runId == null) progress.info("run id: " + runId + " (pass --run-id " + runId + " to resume, status and cleanup)");
            r = Outcomes.resumable(ctx, "pgvector-migrate restore --run-id " + runId + " --work-dir " + workDir + " (same options)",
                    () -> RestorePass.run(runId, workDir, clients, options, progress, Clock.systemUTC()));
        }
        int code = Outcomes.exit(ctx, common, r.outcome());
        if (code != ExitCode.OK) return code;
        Journal journal = r.journal();
        TemporarySource ts = AwsProvider.temporarySource(journal)
                .orElseThrow(() -> ToolException.runtime("the journal lacks the restored cluster's details: " + journal.file()));
        String passwordFrom = journal.output(Step.CREDENTIALS, "passwordSource").orElse("?");
        if (common.json()) {
            ctx.out().println(Json.write(new Restored(runId, ts, r.source(), passwordFrom, journal.file().toString())));
            return code;
        }
        ctx.out().println("restored run " + runId + " in " + ts.region() + ":");
        ctx.out().println("  temporary cluster  " + ts.clusterId() + " (aurora-postgresql " + ts.engineVersion() + ", writer "
                + ts.instanceId() + ")");
        ctx.out().println("  endpoint           " + r.source());
        ctx.out().println("  credentials        secret " + ts.secretArn() + " ("
                + ("captured".equals(passwordFrom) ? "the captured password" : "a generated password") + ")");
        ctx.out().println("  network            subnet group " + ts.subnetGroup() + ", security groups "
                + String.join(",", ts.securityGroupIds()));
        ctx.out().println("  target             " + (ts.target() == null ? "?" : ts.target().clusterId()));
        ctx.out().println("  journal            " + journal.file());
        ctx.out().println("when done: pgvector-migrate cleanup --run-id " + runId);
        return code;
    }

    /** The --format json document. */
    private record Restored(String runId, TemporarySource source, String connection, String passwordSource,
                            String journal) {}
}
