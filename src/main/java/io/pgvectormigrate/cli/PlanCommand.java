package io.pgvectormigrate.cli;

import io.pgvectormigrate.aws.AwsClients;
import io.pgvectormigrate.aws.AwsSession;
import io.pgvectormigrate.aws.PlanningClients;
import io.pgvectormigrate.aws.RestorePlan;
import io.pgvectormigrate.report.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

@Command(name = "plan", mixinStandardHelpOptions = true,
        description = {"Print every AWS call that restore, credentials and teardown would make for a run, with the identifiers "
                + "they would use, and change nothing.",
                "It runs the same code as restore against clients that pass reads through to AWS and only record changes, "
                + "so the plan cannot drift from what restore does. With the --run-id of an existing run it shows what a resume would still do."},
        footer = {"", "Examples:",
                "  pgvector-migrate plan --snapshot pgvm-upgrade-v1-capture --stack BedrockChatStack --run-id upgrade-v1 --region us-east-1",
                "  pgvector-migrate plan --snapshot my-final-snapshot --target-cluster new-cluster --format json",
                "", "Exit codes: 0 plan printed, 1 AWS failed, 2 bad input (the same checks restore makes)."})
public final class PlanCommand extends ToolCommand {

    @Mixin AwsOptions aws;
    @Mixin RunOptions run;
    @Mixin SourceOptions source;

    @Override
    public Integer call() {
        String runId = run.runIdOrNew("plan");
        Path workDir = run.workDir(ctx.cwd());
        var options = source.toOptions();
        try (AwsClients real = AwsSession.clients(ctx.awsClients(), aws.settings(ctx), workDir, runId)) {
            print(runId, real.region(), RestorePlan.of(real, options, workDir, runId, progress()));
        }
        return 0;
    }

    private void print(String runId, String region, List<RestorePlan.Phase> phases) {
        long changes = phases.stream().flatMap(p -> p.calls().stream()).filter(PlanningClients.Call::change).count();
        long reads = phases.stream().mapToLong(p -> p.calls().size()).sum() - changes;
        if (common.json()) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("runId", runId);
            out.put("region", region);
            out.put("changes", changes);
            out.put("reads", reads);
            out.put("phases", phases);
            ctx.out().println(Json.write(out));
            return;
        }
        ctx.out().println("plan for run " + runId + " in " + region + " (nothing was changed: reads went to AWS, changes are listed):");
        for (RestorePlan.Phase p : phases) {
            ctx.out().println(p.phase() + ":");
            if (p.calls().isEmpty()) ctx.out().println("  (no calls)");
            List<PlanningClients.Call> calls = p.calls();
            for (int i = 0; i < calls.size(); i++) {
                PlanningClients.Call c = calls.get(i);
                int repeats = 0;
                while (!c.change() && i + 1 < calls.size() && calls.get(i + 1).equals(c)) {
                    repeats++;
                    i++;
                }
                ctx.out().println("  " + (c.change() ? "CHANGE " : "read   ") + c.service() + " " + c.operation() + "  "
                        + (c.parameters().isEmpty() ? "(all)" : c.parameters()) + (repeats > 0 ? "  (repeated while waiting)" : ""));
            }
        }
        ctx.out().println(changes + " changes, " + reads + " reads");
    }
}
