package io.pgvectormigrate.cli;

import io.pgvectormigrate.aws.AwsCleanup;
import io.pgvectormigrate.aws.AwsClients;
import io.pgvectormigrate.aws.AwsSession;
import io.pgvectormigrate.core.ExitCode;
import io.pgvectormigrate.report.Json;
import io.pgvectormigrate.run.Cleanup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;

@Command(name = "cleanup", mixinStandardHelpOptions = true,
        description = {"Delete exactly what a run created: first its DMS objects (the data migration, stopped first, the migration "
                + "project, the data providers, the instance profile and the replication subnet group), then the writer instance, "
                + "the temporary cluster (after a final snapshot named for the run, unless --no-final-snapshot), its parameter group "
                + "and the tool-owned secrets, in that order, waiting until each is gone.",
                "From the run journal; with --discover also (or, when the journal is lost, only) from the run's tags. "
                + "Refuses anything without the run's tag, never touches the snapshot restored from, the target cluster or the "
                + "captured cluster, keeps snapshots, and asks before deleting unless --yes. A second run finds nothing and exits 0."},
        footer = {"", "Examples:",
                "  pgvector-migrate cleanup --run-id upgrade-v1 --dry-run",
                "  pgvector-migrate cleanup --run-id upgrade-v1 --yes",
                "  pgvector-migrate cleanup --run-id upgrade-v1 --discover --region us-east-1 --yes --no-final-snapshot",
                "", "Exit codes: 0 done (or nothing to do), 1 AWS failed or timed out (re-run to continue), 2 bad input, "
                + "no --yes without a terminal, or resources refused (left in place)."})
public final class CleanupCommand extends ToolCommand {

    @Mixin AwsOptions aws;
    @Mixin RunOptions run;

    @Option(names = "--dry-run", description = "List what would be deleted and delete nothing.")
    boolean dryRun;

    @Option(names = {"-y", "--yes"}, description = "Delete without asking (required when there is no terminal).")
    boolean yes;

    @Option(names = "--discover", description = "Find the run's resources by their " + "pgvector-migrate:run-id tag too (the journal may be lost).")
    boolean discover;

    @Option(names = "--no-final-snapshot", description = "Delete the temporary cluster without a final snapshot.")
    boolean noFinalSnapshot;

    @Option(names = "--wait-timeout", paramLabel = "DURATION", defaultValue = "60m", converter = Converters.Duration.class,
            description = "Longest wait for one resource to be gone (default: ${DEFAULT-VALUE}).")
    java.time.Duration waitTimeout;

    @Override
    public Integer call() {
        String runId = run.requireRunId("which run to clean up");
        Path workDir = run.workDir(ctx.cwd());
        Cleanup.check(workDir, runId, discover); // exit 2 before any AWS client exists
        try (AwsClients clients = AwsSession.clients(ctx.awsClients(), aws.settings(ctx), workDir, runId)) {
            Cleanup.Found found = Cleanup.inspect(clients, progress(), workDir, runId, discover);
            long toDelete = found.count(AwsCleanup.Action.DELETE);
            if (!common.json()) {
                ctx.out().println("cleanup of run " + runId + " in " + found.region() + " (from the " + found.source() + "):");
                if (found.items().isEmpty()) ctx.out().println("  (no resources)");
                found.items().forEach(this::printItem);
            }
            if (dryRun || toDelete == 0) {
                if (!dryRun) Cleanup.settle(found, options());
                finish(found.report(dryRun), dryRun ? "dry run: nothing was deleted" : "nothing to delete");
                return found.count(AwsCleanup.Action.REFUSE) > 0 && !dryRun ? ExitCode.USAGE : ExitCode.OK;
            }
            if (!yes && !ctx.confirm("Delete the " + toDelete + " resource(s) marked 'delete' above? Type yes to confirm: ",
                    "cleanup would delete " + toDelete + " resource(s) of run " + runId
                            + " and there is no terminal to ask on: pass --yes to confirm (or --dry-run to only list them)")) {
                ctx.err().println("cancelled: nothing was deleted");
                return ExitCode.RUNTIME_FAILURE;
            }
            AwsCleanup.Report r = Cleanup.execute(found, workDir, options());
            if (!common.json()) {
                ctx.out().println("result:");
                r.items().forEach(this::printItem);
            }
            finish(r, r.count(AwsCleanup.Action.DELETED) + " deleted, " + r.count(AwsCleanup.Action.GONE) + " already gone, "
                    + r.count(AwsCleanup.Action.KEEP) + " kept, " + r.count(AwsCleanup.Action.REFUSE) + " refused");
            if (r.count(AwsCleanup.Action.REFUSE) > 0) {
                ctx.err().println("error: " + r.count(AwsCleanup.Action.REFUSE) + " resource(s) were refused and left in place "
                        + "(not tagged for run " + runId + ", or protected)");
                return ExitCode.USAGE;
            }
        }
        return ExitCode.OK;
    }

    private AwsCleanup.Options options() {
        return new AwsCleanup.Options(discover, !noFinalSnapshot, dryRun, waitTimeout);
    }

    private void printItem(AwsCleanup.Item i) {
        ctx.out().printf("  %-8s %-28s %-44s %s%s%n", i.action().name().toLowerCase(java.util.Locale.ROOT), i.kind(), i.id(),
                i.status() == null ? "" : i.status(), i.detail() == null ? "" : "  (" + i.detail() + ")");
    }

    private void finish(AwsCleanup.Report r, String summary) {
        if (common.json()) ctx.out().println(Json.write(r));
        else ctx.out().println(summary);
    }
}
