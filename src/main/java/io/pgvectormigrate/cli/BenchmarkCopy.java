package io.pgvectormigrate.cli;

import io.pgvectormigrate.bench.CopyBenchmarkReport;
import io.pgvectormigrate.bench.CopyFixture;
import io.pgvectormigrate.bench.Durability;
import io.pgvectormigrate.bench.NativeCopyBenchmark;
import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pg.CredentialResolver.PasswordPrompt;
import io.pgvectormigrate.report.Json;
import io.pgvectormigrate.report.Progress;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** {@code benchmark copy}: see {@link NativeCopyBenchmark}. */
@Command(name = "copy", mixinStandardHelpOptions = true,
        description = {"Times the native path as operators run it, against pgcopydb and a single COPY pipe.",
                "The native path: prepare-target --schema-from-source, migrate --engine native and",
                "cutover, each its own process and JVM, as the docs show them, on a generated",
                "Bedrock Chat source between two durable local servers. Against it, on the same",
                "data in the same run, each at its best:",
                "  pgcopydb clone --table-jobs 2 --index-jobs 2  (when pgcopydb is installed:",
                "                                                 apt-get install pgcopydb)",
                "  one binary COPY ... TO STDOUT | COPY ... FROM STDIN of the same table",
                "Every method gets the same warm-up round, the order rotates every round, and every",
                "copy is checked over all columns. It says where the native path's time goes",
                "(phases, copy streams, index builds, idle time, JVM starts). Starts two local",
                "PostgreSQL instances.", ""},
        footer = {"", "Example: pgvector-migrate benchmark copy --rows 100000 --repeat 3 --durability both"})
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

    @Option(names = "--fixture", defaultValue = "bedrock-chat", paramLabel = "bedrock-chat|mixed",
            description = "The source's tables: Bedrock Chat's items alone, or mixed: items plus a hash-partitioned table of "
                    + "text, a narrow table with jsonb and a table of vector(384) with an ivfflat index (default: ${DEFAULT-VALUE}).")
    String fixture;

    @Option(names = "--durability", defaultValue = "durable", paramLabel = "durable|rehearsal|both",
            description = "The servers' fsync, full_page_writes and synchronous_commit: durable (on, PostgreSQL's defaults, "
                    + "the headline), rehearsal (off, as rehearse runs), or both, durable first (default: ${DEFAULT-VALUE}).")
    String durability;

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

    @Option(names = "--skip-heap", description = "Do not measure the live heap (one more native run in this JVM, untimed).")
    boolean skipHeap;

    @Override
    public Integer call() {
        if (rows < 1000) throw ToolException.usage("--rows must be at least 1000");
        if (repeat < 1) throw ToolException.usage("--repeat must be at least 1");
        Progress progress = Progress.to(ctx.err(), false);
        if (jobs.stream().anyMatch(j -> j < 0 || j > 64)) throw ToolException.usage("--jobs values must be 0 (automatic) to 64");
        if (jobs.stream().distinct().count() < jobs.size()) throw ToolException.usage("--jobs lists a value twice");
        List<Durability> durabilities = switch (durability.toLowerCase(Locale.ROOT)) {
            case "durable" -> List.of(Durability.DURABLE);
            case "rehearsal" -> List.of(Durability.REHEARSAL);
            case "both" -> List.of(Durability.DURABLE, Durability.REHEARSAL);
            default -> throw ToolException.usage("--durability must be durable, rehearsal or both, not " + durability);
        };
        CopyFixture.Shape shape = switch (fixture.toLowerCase(Locale.ROOT)) {
            case "bedrock-chat" -> CopyFixture.Shape.BEDROCK_CHAT;
            case "mixed" -> CopyFixture.Shape.MIXED;
            default -> throw ToolException.usage("--fixture must be bedrock-chat or mixed, not " + fixture);
        };
        // the heap run: the same commands in this JVM, with this context's home and no prompt
        NativeCopyBenchmark.InProcess inProcess = skipHeap ? null : (env, cwd, out, err, args) ->
                Main.run(new CliContext(out, err, env, ctx.home(), cwd, PasswordPrompt.NONE, false), args);
        NativeCopyBenchmark.Result r = NativeCopyBenchmark.run(new NativeCopyBenchmark.Settings(rows, bots, shape, jobs, repeat,
                durabilities, withDump, uncompressed, subscription, pgcopydb == null ? null : ctx.cwd().resolve(pgcopydb),
                dir == null ? null : ctx.cwd().resolve(dir), Main.class.getName(), keep, inProcess), ctx.env(), progress);
        if (common.json()) {
            ctx.out().println(Json.write(r));
        } else {
            ctx.out().print(CopyBenchmarkReport.markdown(r, "bin/pgvector-migrate "
                    + String.join(" ", spec.commandLine().getParseResult().originalArgs())));
        }
        return 0;
    }
}
