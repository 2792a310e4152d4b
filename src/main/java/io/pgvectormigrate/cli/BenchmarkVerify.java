package io.pgvectormigrate.cli;

import io.pgvectormigrate.bench.VerifyBenchmark;
import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.report.Json;
import io.pgvectormigrate.report.Progress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@code benchmark verify}: see {@link VerifyBenchmark}. */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Times verify (checks 1-6) as its own process, JVM start included.",
                "On a generated Bedrock-Chat-shaped source and its copy on two durable",
                "local servers, against, in the same rounds and on both sides at once:",
                "  (a) SELECT count(1), sum(hashtext(t::text)) FROM items t",
                "  (b) SELECT sum(vector_dims(embedding)) FROM items",
                "  (c) the exact-hash floor: every row hashed once, vector as bytes (the bar)",
                "then verify with one changed row and ANN parity alone (--ann-queries);",
                "the order rotates every round. Then the live heap during a verify.",
                "Starts two local PostgreSQL instances (scripts/setup-postgres.sh).",
                "1M rows need about 30 GB of disk and several minutes to generate.", ""},
        footer = {"", "Example: pgvector-migrate benchmark verify --rows 100000,1000000"})
final class BenchmarkVerify extends ToolCommand {
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

    @Override
    public Integer call() {
        if (rows.stream().anyMatch(r -> r < 1000)) throw ToolException.usage("--rows must be at least 1000 each");
        if (repeat < 1) throw ToolException.usage("--repeat must be at least 1");
        if (annQueries < 0) throw ToolException.usage("--ann-queries must be 0 or more");
        Progress progress = progress();
        List<VerifyBenchmark.Result> results = VerifyBenchmark.run(
                new VerifyBenchmark.Settings(rows, bots, repeat, jobs, annQueries, cold, !skipCopyChecker,
                        dir == null ? null : ctx.cwd().resolve(dir), Main.class.getName(), keep),
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
