package io.pgvectormigrate.cli;

import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pipeline.Step;
import io.pgvectormigrate.report.Progress;
import io.pgvectormigrate.run.Rehearsal;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Clock;

@Command(name = "rehearse", mixinStandardHelpOptions = true,
        description = {
                "Rehearses a whole migration on this machine, no cloud needed: makes a pg_dump archive of a Bedrock Chat "
                        + "v0-shaped database (or takes yours with --snapshot), restores it into a temporary local PostgreSQL, "
                        + "prepares a second local instance (or --target), copies with native logical replication, verifies, "
                        + "cuts over and removes everything it made.",
                "",
                "Each step is journaled under --work-dir: re-run with the same --run-id to resume where a run stopped "
                        + "(killed, failed, or --stop-after)."},
        footer = {"",
                "Examples:",
                "  pgvector-migrate rehearse --rows 5000",
                "  pgvector-migrate rehearse --live-writes --report rehearsal.md",
                "  pgvector-migrate rehearse --snapshot vectors.dump --keep",
                "  pgvector-migrate rehearse --run-id rehearse-20250101-120000-ab12      (resume)",
                "",
                "Exit codes: 0 verified, 1 runtime failure, 2 bad input, 3 verification found differences."})
public final class RehearseCommand extends ToolCommand {

    @Option(names = "--rows", paramLabel = "N", description = "Chunks in the generated snapshot (default: " + Rehearsal.DEFAULT_ROWS + ").")
    Long rows;

    @Option(names = "--bots", paramLabel = "B", description = "Bots the chunks belong to (default: " + Rehearsal.DEFAULT_BOTS + ").")
    Integer bots;

    @Option(names = "--seed", paramLabel = "S", description = "Random seed of the generated snapshot (default: " + Rehearsal.DEFAULT_SEED + ").")
    Long seed;

    @Option(names = "--live-writes", description = "Insert, update and delete rows on the temporary source while the copy runs.")
    boolean liveWrites;

    @Option(names = "--snapshot", paramLabel = "FILE", description = "Your own pg_dump archive (pg_dump -Fc) instead of the generated one.")
    Path snapshot;

    @Option(names = "--target", paramLabel = "CONN", description = "Migrate into this database instead of a local target instance "
            + "(JDBC URL or postgresql:// URI; never removed).")
    String target;

    @Option(names = "--keep", description = "Keep the local target instance running at the end, to inspect it.")
    boolean keep;

    @Option(names = "--keep-source", description = "Keep the temporary source instance too.")
    boolean keepSource;

    @Mixin
    RunOptions run = new RunOptions();

    @Mixin
    ReportOptions report = new ReportOptions();

    @Option(names = "--force-teardown", description = "Remove what the run made even though verify did not pass: with --run-id "
            + "of a run that stopped (failed, differences, killed, paused), right away; on a new run, when it stops on a failure or differences.")
    boolean forceTeardown;

    @Option(names = "--stop-after", paramLabel = "STEP", converter = Converters.StepName.class,
            description = "Pause after this step (preflight, restore, credentials, prepare-target, migrate, verify, cutover); "
                    + "the same --run-id continues.")
    Step stopAfter;

    @Option(names = "--source-port", paramLabel = "PORT", description = "Port of the temporary source instance (default: a free one).")
    Integer sourcePort;

    @Option(names = "--target-port", paramLabel = "PORT", description = "Port of the local target instance (default: a free one).")
    Integer targetPort;

    @Override
    public Integer call() {
        Path cwd = ctx.cwd();
        Path work = run.workDir(cwd);
        Path reportFile = report.file(cwd);
        if (keep && target != null) {
            ctx.err().println("note: --keep has no effect with --target (the tool never removes your target)");
        }
        for (Integer p : new Integer[]{sourcePort, targetPort}) {
            if (p != null && (p < 1 || p > 65535)) throw ToolException.usage("invalid port " + p + ": use 1-65535");
        }
        Progress progress = progress();
        Rehearsal.Options o = new Rehearsal.Options(rows, bots, seed, liveWrites, snapshot == null ? null : cwd.resolve(snapshot),
                target, keep, keepSource, run.runId, work, forceTeardown, stopAfter, sourcePort, targetPort);
        Rehearsal.Result r = Outcomes.resumable(ctx, "pgvector-migrate rehearse --work-dir " + work
                        + (run.runId != null ? " --run-id " + run.runId : " --run-id <the id printed above>"),
                () -> Rehearsal.run(o, ctx.env(), ctx.credentials(), progress, Clock.systemUTC(), null));
        ctx.out().print(common.json() ? r.report().toJson() + "\n" : r.report().toText());
        ctx.out().flush();
        int code = Outcomes.exit(ctx, common, r.outcome());
        return Outcomes.report(ctx, reportFile, r.report().toMarkdown(), code);
    }
}
