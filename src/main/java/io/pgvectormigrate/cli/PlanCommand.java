package io.pgvectormigrate.cli;

import io.pgvectormigrate.aws.AwsClients;
import io.pgvectormigrate.aws.AwsSession;
import io.pgvectormigrate.aws.PlanningClients;
import io.pgvectormigrate.report.Json;
import io.pgvectormigrate.run.RunPlan;
import io.pgvectormigrate.run.RunSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

@Command(name = "plan", mixinStandardHelpOptions = true,
        description = {"Print every AWS change `run` would make with the same options and migration.yaml, in the order it would "
                + "make them, with the identifiers they would use, and change nothing.",
                "It runs run's own code (restore, credentials, the engine's AWS objects, teardown) against clients that pass reads "
                + "through to AWS and only record changes, so the plan cannot drift from what run does. Database work (Flyway, "
                + "the copy, verify) is not part of it. With the --run-id of an existing run it shows what a resume would still do."},
        footer = {"", "Examples:",
                "  pgvector-migrate plan --config migration.yaml",
                "  pgvector-migrate plan --snapshot pgvm-upgrade-v1-capture --stack BedrockChatStack --run-id upgrade-v1 \\",
                "      --dms-role-arn arn:aws:iam::123456789012:role/pgvector-migrate-dms --region us-east-1",
                "  pgvector-migrate plan --config migration.yaml --engine native --format json",
                "", "Exit codes: 0 plan printed, 1 AWS failed, 2 bad input (the same checks run makes before it changes anything)."})
public final class PlanCommand extends ToolCommand {

    @Mixin AwsOptions aws;
    @Mixin CloudRunOptions cloudRun = new CloudRunOptions();

    @Override
    public Integer call() {
        RunSettings s = cloudRun.resolve(aws, null, ctx.cwd());
        try (AwsClients real = AwsSession.clients(ctx.awsClients(), aws.settings(ctx), s.workDir(), s.runId())) {
            print(s, real.region(), RunPlan.of(s, real, Clock.systemUTC()));
        }
        return 0;
    }

    private void print(RunSettings s, String region, List<RunPlan.Phase> phases) {
        long changes = phases.stream().flatMap(p -> p.calls().stream()).filter(PlanningClients.Call::change).count();
        long reads = phases.stream().mapToLong(p -> p.calls().size()).sum() - changes;
        if (common.json()) {
            ctx.out().println(Json.write(new Plan(s.runId(), region, s.engine().id(), changes, reads, phases)));
            return;
        }
        ctx.out().println("plan for run " + s.runId() + " in " + region + ", engine " + s.engine().id()
                + ": nothing was changed. Reads went to AWS; these are the changes the run would make:");
        for (RunPlan.Phase p : phases) {
            ctx.out().println(p.phase() + ":");
            if (p.calls().isEmpty()) ctx.out().println("  (no AWS calls)");
            // work that runs next to the step (a head start during the restore) is listed after the step's own calls
            Map<String, List<PlanningClients.Call>> lanes = new LinkedHashMap<>();
            for (PlanningClients.Call c : p.calls()) lanes.computeIfAbsent(Objects.toString(c.during(), ""), k -> new ArrayList<>()).add(c);
            List<PlanningClients.Call> own = lanes.remove("");
            if (own != null) printCalls(own, "  ");
            lanes.forEach((name, calls) -> {
                ctx.out().println("  meanwhile, " + name + ":");
                printCalls(calls, "    ");
            });
        }
        ctx.out().println(changes + " changes the run would make (none made), " + reads + " reads");
    }

    private void printCalls(List<PlanningClients.Call> calls, String indent) {
        for (int i = 0; i < calls.size(); i++) {
            PlanningClients.Call c = calls.get(i);
            int repeats = 0;
            while (!c.change() && i + 1 < calls.size() && calls.get(i + 1).equals(c)) {
                repeats++;
                i++;
            }
            ctx.out().println(indent + (c.change() ? "would call " : "read   ") + c.service() + " " + c.operation() + "  "
                    + (c.parameters().isEmpty() ? "(all)" : c.parameters()) + (repeats > 0 ? "  (read " + (repeats + 1) + " times)" : ""));
        }
    }

    /** The --format json document. */
    private record Plan(String runId, String region, String engine, long changes, long reads,
                        List<RunPlan.Phase> phases) {}
}
