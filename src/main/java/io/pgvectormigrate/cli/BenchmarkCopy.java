package io.pgvectormigrate.cli;

import io.pgvectormigrate.bench.NativeCopyBenchmark;
import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.report.Json;
import io.pgvectormigrate.report.Progress;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** {@code benchmark copy}: see {@link NativeCopyBenchmark}. */
@Command(name = "copy", mixinStandardHelpOptions = true,
        description = {"Times the native path on a generated Bedrock Chat source, against pgcopydb and a single COPY pipe.",
                "The native path as an operator runs it: prepare-target with the schema from",
                "the source, migrate --engine native, cutover (indexes built, target analyzed),",
                "in one JVM. Against it, on the same data in the same run:",
                "  pgcopydb clone --table-jobs 2 --index-jobs 2  (when pgcopydb is installed:",
                "                                                 apt-get install pgcopydb)",
                "  one binary COPY ... TO STDOUT | COPY ... FROM STDIN of the same table",
                "It says where the native path's time goes (phases, copy streams, index builds,",
                "idle time, JVM starts). Starts two local PostgreSQL instances.", ""},
        footer = {"", "Example: pgvector-migrate benchmark copy --rows 100000 --repeat 3"})
final class BenchmarkCopy extends ToolCommand {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--rows", defaultValue = "100000", paramLabel = "<n>", description = "Rows to copy (default: ${DEFAULT-VALUE}).")
    long rows;

    @Option(names = "--bots", defaultValue = "20", description = "Bots the rows spread over (default: ${DEFAULT-VALUE}).")
    int bots;

    @Option(names = "--jobs", defaultValue = "0", split = ",", paramLabel = "<n>[,<n>...]",
            description = "The native engine's --jobs; 0 is its automatic choice. Several values (e.g. 0,1,2,4) time the "
                    + "native path once per value in every round; the ratios are the first value's (default: ${DEFAULT-VALUE}).")
    java.util.List<Integer> jobs;

    @Option(names = "--repeat", defaultValue = "3", description = "Rounds; methods take turns in each, medians are reported (default: ${DEFAULT-VALUE}).")
    int repeat;

    @Option(names = "--pgcopydb", paramLabel = "PATH", description = "The pgcopydb executable (default: pgcopydb on PATH).")
    Path pgcopydb;

    @Option(names = "--with-dump", description = "Also pg_dump -Fc | pg_restore.")
    boolean withDump;

    @Option(names = "--with-uncompressed-dump", description = "Also pg_dump -Fc -Z0 | pg_restore.")
    boolean uncompressed;

    @Option(names = "--with-subscription-copy", description = "Also the native path with --initial-copy subscription.")
    boolean subscription;

    @Option(names = "--dir", description = "Where the instances live (default: the local instances' directory).")
    Path dir;

    @Option(names = "--keep", description = "Keep the instances and the generated source in --dir; a later run with the "
            + "same --dir, --rows and --bots uses them again.")
    boolean keep;

    @Option(names = "--skip-heap", description = "Do not measure the live heap (one more native run, untimed).")
    boolean skipHeap;

    @Override
    public Integer call() {
        if (rows < 1000) throw ToolException.usage("--rows must be at least 1000");
        if (repeat < 1) throw ToolException.usage("--repeat must be at least 1");
        Progress progress = Progress.to(ctx.err(), false);
        if (jobs.stream().anyMatch(j -> j < 0 || j > 64)) throw ToolException.usage("--jobs values must be 0 (automatic) to 64");
        if (jobs.stream().distinct().count() < jobs.size()) throw ToolException.usage("--jobs lists a value twice");
        NativeCopyBenchmark.Result r = NativeCopyBenchmark.run(new NativeCopyBenchmark.Settings(rows, bots, jobs, repeat,
                withDump, uncompressed, subscription, pgcopydb == null ? null : ctx.cwd().resolve(pgcopydb),
                dir == null ? null : ctx.cwd().resolve(dir), Main.class.getName(), keep, !skipHeap), ctx.env(), progress);
        if (common.json()) {
            ctx.out().println(Json.write(r));
        } else {
            ctx.out().print(NativeCopyBenchmark.markdown(r, "bin/pgvector-migrate "
                    + String.join(" ", spec.commandLine().getParseResult().originalArgs())));
        }
        return 0;
    }
}
