package io.pgvectormigrate.cli;

import io.pgvectormigrate.core.ExitCode;
import io.pgvectormigrate.engine.NativeEngine;
import io.pgvectormigrate.engine.NativeOptions;
import io.pgvectormigrate.pg.TableFilter;
import io.pgvectormigrate.pipeline.Endpoints;
import io.pgvectormigrate.pipeline.Journal;
import io.pgvectormigrate.pipeline.RunContext;
import io.pgvectormigrate.pipeline.Step;
import io.pgvectormigrate.report.Json;
import io.pgvectormigrate.report.Progress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "cutover", mixinStandardHelpOptions = true,
        description = {
                "Finishes a native migration: waits until the target has every change committed on the source (or is "
                        + "within --max-lag), carries sequence values, builds the deferred and vector indexes, then removes "
                        + "the subscription, the replication slot and the publication, so nothing holds WAL on the source.",
                "Stop the application's writes to the source first. Safe to run again: it finishes whatever is left.",
                ""},
        footer = {"",
                "Examples:",
                "  pgvector-migrate cutover --run-id bedrock-v1 --source postgresql://postgres@old-copy:5432/postgres \\",
                "      --target postgresql://postgres@new-cluster:5432/postgres",
                "  pgvector-migrate cutover --source $SRC --target $TGT --max-lag 16MB --timeout 10m",
                "",
                "Without --run-id, the most recent run in --work-dir that still has a subscription is cut over."})
public final class CutoverCommand implements Callable<Integer> {
    private final CliContext ctx;

    @Mixin
    CommonOptions common;

    @Option(names = "--source", required = true, paramLabel = "<conn>", description = "The database migrate copied from.")
    String source;

    @Option(names = "--target", required = true, paramLabel = "<conn>", description = "The database migrate copied to.")
    String target;

    @Option(names = "--run-id", paramLabel = "ID", description = "The run migrate printed (default: the latest run in --work-dir "
            + "with a subscription left).")
    String runId;

    @Option(names = "--work-dir", paramLabel = "DIR", defaultValue = ".pgvector-migrate",
            description = "Where the run journal lives (default: ${DEFAULT-VALUE}).")
    Path workDir;

    @Option(names = "--max-lag", paramLabel = "BYTES", defaultValue = "0", converter = MigrateCommand.ByteSizeConverter.class,
            description = "Cut over once the target is at most this far behind (e.g. 16MB; changes within it are lost). "
                    + "Default 0: every change committed before cutover began must be on the target.")
    long maxLag;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "30m", converter = MigrateCommand.DurationConverter.class,
            description = "How long to wait for the target to catch up (e.g. 90s, 30m, 2h; default ${DEFAULT-VALUE}). "
                    + "On timeout nothing is removed (exit 1).")
    Duration timeout;

    @Option(names = "--schema", split = ",", paramLabel = "NAME", description = "Narrow the tables (default: those the run publishes).")
    List<String> schemas = new ArrayList<>();

    @Option(names = "--table", split = ",", paramLabel = "PATTERN", description = "Narrow the tables (name or schema.name, * wildcard).")
    List<String> tables = new ArrayList<>();

    @Option(names = "--exclude", split = ",", paramLabel = "PATTERN", description = "Leave these tables out of sequences and indexes.")
    List<String> excludes = new ArrayList<>();

    public CutoverCommand(CliContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public Integer call() {
        MigrateCommand.Connections c = MigrateCommand.Connections.resolve(ctx, source, target, null);
        Path dir = ctx.cwd().resolve(workDir);
        String id = runId != null ? runId : MigrateCommand.latestNativeRun(dir);
        Journal.validateRunId(id);
        Progress progress = Progress.to(ctx.err(), ctx.errIsTerminal() && !common.noProgress);
        Journal journal = Journal.open(dir, id, "cutover", Clock.systemUTC());
        RunContext run = new RunContext(journal, progress, dir, Clock.systemUTC());
        NativeEngine eng = new NativeEngine(new NativeOptions(NativeOptions.InitialCopy.SNAPSHOT, 1,
                NativeOptions.DEFAULT_CHUNK_BYTES, maxLag, timeout, null, null));
        Endpoints ep = new Endpoints(c.source(), c.target(), c.sourceFromTarget(), new TableFilter(schemas, tables, excludes));
        NativeEngine.CutoverOutcome o = MigrateCommand.step(journal, Step.CUTOVER, () -> eng.cutoverDetailed(run, ep),
                NativeEngine::describe);
        if (common.json()) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("runId", id);
            doc.put("engine", "native");
            doc.put("summary", NativeEngine.describe(o));
            doc.put("cutover", o);
            ctx.out().println(Json.write(doc));
        } else {
            ctx.out().println("run " + id + ": " + NativeEngine.describe(o));
            if (!o.sequences().isEmpty()) ctx.out().println("  sequences carried: " + String.join(", ", o.sequences()));
            ctx.out().println("point the application at " + c.target().display());
        }
        return ExitCode.OK;
    }
}
