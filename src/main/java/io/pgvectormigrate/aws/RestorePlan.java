package io.pgvectormigrate.aws;

import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pipeline.Journal;
import io.pgvectormigrate.pipeline.RunContext;
import io.pgvectormigrate.report.Progress;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * What {@code plan} shows: every AWS call restore, credentials and teardown would make for a run, found by running the
 * AWS provider against clients that pass reads through and only record changes ({@link PlanningClients}), so the plan
 * cannot drift from what restore does. It works on a scratch copy of the run's journal: it sees what a resume would
 * see and writes nothing.
 */
public final class RestorePlan {
    /** The calls of one phase, in order. */
    public record Phase(String phase, List<PlanningClients.Call> calls) {}

    private RestorePlan() {}

    public static List<Phase> of(AwsClients real, AwsSourceOptions options, Path workDir, String runId, Progress progress) {
        Path scratch;
        try {
            scratch = Files.createTempDirectory("pgvector-migrate-plan");
        } catch (IOException e) {
            throw ToolException.runtime("cannot create a scratch directory for the plan: " + e.getMessage(), e);
        }
        try {
            if (Journal.exists(workDir, runId)) {
                Path to = Journal.runDir(scratch, runId);
                Files.createDirectories(to);
                Files.copy(Journal.runDir(workDir, runId).resolve(Journal.FILE_NAME), to.resolve(Journal.FILE_NAME));
            }
            Journal journal = Journal.open(scratch, runId, "plan", Clock.systemUTC());
            PlanningClients plan = new PlanningClients(real);
            RunContext rc = new RunContext(journal, progress, scratch, Clock.systemUTC());
            AwsProvider provider = new AwsProvider(plan, options);
            List<Phase> phases = new ArrayList<>();
            phase(phases, plan, "preflight", () -> provider.preflight(rc));
            phase(phases, plan, "restore", () -> provider.restore(rc));
            phase(phases, plan, "credentials", () -> provider.credentials(rc));
            phase(phases, plan, "teardown", () -> provider.teardown(rc));
            return phases;
        } catch (IOException e) {
            throw ToolException.runtime("cannot copy the run journal for the plan: " + e.getMessage(), e);
        } finally {
            deleteTree(scratch);
        }
    }

    private static void phase(List<Phase> phases, PlanningClients plan, String name, Runnable body) {
        int before = plan.calls().size();
        body.run();
        List<PlanningClients.Call> all = plan.calls();
        phases.add(new Phase(name, all.subList(before, all.size())));
    }

    private static void deleteTree(Path root) {
        try (var walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a scratch directory under the temp dir; nothing of value
        }
    }
}
