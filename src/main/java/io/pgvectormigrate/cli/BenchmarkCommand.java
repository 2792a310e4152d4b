package io.pgvectormigrate.cli;

import io.pgvectormigrate.bench.NativeCopyBenchmark;
import io.pgvectormigrate.bench.VerifyBenchmark;
import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.report.Json;
import io.pgvectormigrate.report.Progress;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "benchmark", mixinStandardHelpOptions = true,
        description = {"Measures the tool's speed on local throwaway PostgreSQL instances (no cloud).", ""},
        subcommands = {BenchmarkCommand.Verify.class, BenchmarkCommand.Copy.class},
        footer = {"", "Examples:", "  pgvector-migrate benchmark verify --rows 100000,1000000",
                "  pgvector-migrate benchmark copy --rows 100000 --repeat 3"})
public final class BenchmarkCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing benchmark: pick one of the subcommands below");
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = {"Times verify (checks 1-6) on a generated Bedrock-Chat-shaped source",
                    "and its copy against, in the same run and on both sides at once:",
                    "  (a) SELECT count(1), sum(hashtext(t::text)) FROM items t",
                    "  (b) SELECT sum(vector_dims(embedding)) FROM items   (the bar)",
                    "  (c) the hash floor: every row read and hashed once, vector as bytes",
                    "then verify with one changed row, ANN parity alone (--ann-queries),",
                    "and the live heap during a verify.",
                    "Starts two local PostgreSQL instances (scripts/setup-postgres.sh).",
                    "1M rows need about 30 GB of disk and several minutes to generate.", ""},
            footer = {"", "Example: pgvector-migrate benchmark verify --rows 100000,1000000"})
    public static final class Verify implements Callable<Integer> {
        private final CliContext ctx;

        @Mixin
        CommonOptions common;

        @Option(names = "--rows", split = ",", defaultValue = "100000", paramLabel = "<n>",
                description = "Table sizes to measure (comma-separated; default: ${DEFAULT-VALUE}).")
        List<Long> rows = new ArrayList<>();

        @Option(names = "--bots", defaultValue = "200", description = "Bots the rows spread over (default: ${DEFAULT-VALUE}).")
        int bots;

        @Option(names = "--repeat", defaultValue = "3", description = "Timed rounds per measurement; medians are reported (default: ${DEFAULT-VALUE}).")
        int repeat;

        @Option(names = "--jobs", defaultValue = "0", description = "verify --jobs (default: verify's own default).")
        int jobs;

        @Option(names = "--ann-queries", defaultValue = "20", paramLabel = "<n>",
                description = "verify --ann-queries of the ANN measurement; 0 skips it (default: ${DEFAULT-VALUE}).")
        int annQueries;

        @Option(names = "--cold", description = "Drop the benchmark's database files from the page cache before every "
                + "measurement (reads from disk, as a database larger than memory does).")
        boolean cold;

        @Option(names = "--skip-copy-checker", description = "Leave out (a): it casts every vector to text, minutes at 1M rows.")
        boolean skipCopyChecker;

        @Option(names = "--dir", description = "Where the instances live (default: a new temporary directory).")
        Path dir;

        @Option(names = "--keep", description = "Keep the instances and databases afterwards; a later run with the "
                + "same --dir uses them again.")
        boolean keep;

        public Verify(CliContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            if (rows.stream().anyMatch(r -> r < 1000)) throw ToolException.usage("--rows must be at least 1000 each");
            if (repeat < 1) throw ToolException.usage("--repeat must be at least 1");
            if (annQueries < 0) throw ToolException.usage("--ann-queries must be 0 or more");
            Progress progress = Progress.to(ctx.err(), ctx.errIsTerminal() && !common.noProgress);
            List<VerifyBenchmark.Result> results = VerifyBenchmark.run(
                    new VerifyBenchmark.Settings(rows, bots, repeat, jobs, annQueries, cold, !skipCopyChecker,
                            dir == null ? null : ctx.cwd().resolve(dir), keep),
                    ctx.env(), progress);
            if (common.json()) {
                ctx.out().println(Json.write(Map.of("machine", VerifyBenchmark.machine(), "results", results)));
            } else {
                ctx.out().println("Machine: " + VerifyBenchmark.machine());
                ctx.out().println();
                ctx.out().print(VerifyBenchmark.markdown(results));
            }
            return 0;
        }
    }

    @Command(name = "copy", mixinStandardHelpOptions = true,
            description = {"Times the native path as an operator runs it (prepare-target with the schema",
                    "from the source, migrate --engine native, cutover: indexes built, target",
                    "analyzed; in one JVM) on a generated Bedrock Chat source, against, on the",
                    "same data in the same run:",
                    "  pgcopydb clone --table-jobs 2 --index-jobs 2  (when pgcopydb is installed:",
                    "                                                 apt-get install pgcopydb)",
                    "  one binary COPY ... TO STDOUT | COPY ... FROM STDIN of the same table",
                    "and says where the native path's time goes (phases, copy streams, index builds,",
                    "idle time, JVM starts). Starts two local PostgreSQL instances.", ""},
            footer = {"", "Example: pgvector-migrate benchmark copy --rows 100000 --repeat 3"})
    public static final class Copy implements Callable<Integer> {
        private final CliContext ctx;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Mixin
        CommonOptions common;

        @Option(names = "--rows", defaultValue = "100000", paramLabel = "<n>", description = "Rows to copy (default: ${DEFAULT-VALUE}).")
        long rows;

        @Option(names = "--bots", defaultValue = "20", description = "Bots the rows spread over (default: ${DEFAULT-VALUE}).")
        int bots;

        @Option(names = "--jobs", defaultValue = "4", description = "The native engine's copy streams (default: ${DEFAULT-VALUE}).")
        int jobs;

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

        public Copy(CliContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            if (rows < 1000) throw ToolException.usage("--rows must be at least 1000");
            if (repeat < 1) throw ToolException.usage("--repeat must be at least 1");
            Progress progress = Progress.to(ctx.err(), false);
            NativeCopyBenchmark.Result r = NativeCopyBenchmark.run(new NativeCopyBenchmark.Settings(rows, bots, jobs, repeat,
                    withDump, uncompressed, subscription, pgcopydb == null ? null : ctx.cwd().resolve(pgcopydb),
                    dir == null ? null : ctx.cwd().resolve(dir)), ctx.env(), progress);
            if (common.json()) {
                ctx.out().println(Json.write(r));
            } else {
                ctx.out().print(NativeCopyBenchmark.markdown(r, "bin/pgvector-migrate "
                        + String.join(" ", spec.commandLine().getParseResult().originalArgs())));
            }
            return 0;
        }
    }
}
