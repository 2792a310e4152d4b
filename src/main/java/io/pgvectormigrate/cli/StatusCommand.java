package io.pgvectormigrate.cli;

import io.pgvectormigrate.aws.AwsWaits;
import io.pgvectormigrate.aws.AwsClients;
import io.pgvectormigrate.aws.AwsSession;
import io.pgvectormigrate.aws.AwsStatus;
import io.pgvectormigrate.aws.dms.DmsHandlers;
import io.pgvectormigrate.pipeline.Journal;
import io.pgvectormigrate.report.Json;
import io.pgvectormigrate.report.Progress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Clock;

@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Show a run's journal (steps and the resources it created) next to the live state of each resource in AWS. Changes nothing."},
        footer = {"", "Examples:",
                "  pgvector-migrate status --run-id upgrade-v1",
                "  pgvector-migrate status --run-id upgrade-v1 --discover --format json",
                "", "Exit codes: 0 shown, 1 AWS failed, 2 no such run or bad input."})
public final class StatusCommand extends ToolCommand {

    @Mixin AwsOptions aws;
    @Mixin RunOptions run;

    @Option(names = "--discover", description = "Also list resources tagged with the run that the journal does not know.")
    boolean discover;

    @Override
    public Integer call() {
        String runId = run.requireRunId("which run to show");
        Path workDir = run.workDir(ctx.cwd());
        Journal journal = Journal.load(workDir, runId, Clock.systemUTC());
        Progress progress = progress();
        try (AwsClients clients = AwsSession.clients(ctx.awsClients(), aws.settings(ctx), workDir, runId)) {
            io.pgvectormigrate.aws.AwsProvider.checkRegion(journal, clients.region());
            AwsWaits waits = new AwsWaits(clients.pacing(), progress);
            AwsStatus.Report r = AwsStatus.of(clients, journal, discover, DmsHandlers.everything(clients, waits, journal.runId()));
            if (common.json()) {
                ctx.out().println(Json.write(r));
                return 0;
            }
            ctx.out().println("run " + r.runId() + " in " + r.region() + " (journal " + journal.file() + ")");
            ctx.out().println("steps:");
            for (AwsStatus.Step s : r.steps()) {
                ctx.out().printf("  %-15s %-8s %s%n", s.step(), s.status(), s.message() == null ? "" : s.message());
            }
            ctx.out().println("resources (journal | AWS now | tagged for the run):");
            if (r.resources().isEmpty()) ctx.out().println("  (none)");
            for (AwsStatus.Row row : r.resources()) {
                ctx.out().printf("  %-28s %-44s %-32s %-22s %s%n", row.kind(), row.id(), row.journal(), row.aws(),
                        row.tagged() == null ? "-" : row.tagged() ? "tagged" : "NOT TAGGED");
            }
        }
        return 0;
    }
}
