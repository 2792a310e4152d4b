package io.pgvectormigrate.cli;

import io.pgvectormigrate.core.ExitCode;
import io.pgvectormigrate.report.Json;
import io.pgvectormigrate.report.Progress;
import io.pgvectormigrate.verify.Check;
import io.pgvectormigrate.verify.ReportFormatter;
import io.pgvectormigrate.verify.Verifier;
import io.pgvectormigrate.verify.VerifyOptions;
import io.pgvectormigrate.verify.VerifyReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Proves a copy complete: compares source and target, read-only on both.",
                "Checks (ids for --skip):",
                "  schema      tables, columns and types incl. vector(n), primary keys",
                "  indexes     method, operator class, WITH parameters, validity",
                "  extensions  extension versions (vector, pgcrypto, ...)",
                "  rows        exact row counts",
                "  vectors     NULL vectors and dimensions vs the declared vector(n)",
                "  groups      rows per group (items.botid by default)",
                "  content     64-bit hash of every row, summed per key-hash bucket;",
                "              differing rows are named (missing, extra, changed)",
                "  sequences   target sequences ahead of source and of their column",
                "  ann         exact top-k parity and index recall (--ann-queries)",
                "Exit 0 when everything matches, 3 on any difference.", ""},
        footer = {"",
                "Connections: a JDBC URL or postgresql:// URI; the password comes from",
                "the URL, PGPASSWORD, ~/.pgpass or a prompt, and is never printed.",
                "",
                "Examples:",
                "  pgvector-migrate verify \\",
                "      --source postgresql://postgres@old-db:5432/postgres \\",
                "      --target postgresql://postgres@new-db:5432/postgres \\",
                "      --report verify.md",
                "  pgvector-migrate verify --source ... --target ... --ann-queries 20",
                "  pgvector-migrate verify --source ... --target ... --table items \\",
                "      --skip extensions --format json",
                "",
                "Exit codes: 0 everything matches, 1 runtime failure (connection lost),",
                "2 bad input, 3 differences found. See docs/verification.md."})
public final class VerifyCommand extends ToolCommand {

    @Mixin
    ConnectionOptions connections = new ConnectionOptions();

    @Mixin
    TableFilterOptions tableFilter = new TableFilterOptions();

    @Option(names = "--skip", split = ",", paramLabel = "<check>",
            description = "Skip a check (repeatable): schema, indexes, extensions, rows, vectors, groups, content, sequences, ann.")
    List<String> skip = new ArrayList<>();

    @Option(names = "--group-by", split = ",", paramLabel = "<table.column>",
            description = "Compare row counts per value of this column (default: items.botid when that table exists; 'none' turns it off).")
    List<String> groupBy = new ArrayList<>();

    @Option(names = "--max-diffs", defaultValue = "20", paramLabel = "<n>",
            description = "List at most this many differing keys (and groups) per table; totals are always counted (default: ${DEFAULT-VALUE}).")
    int maxDiffs;

    @Option(names = "--ann-queries", defaultValue = "0", paramLabel = "<n>",
            description = "ANN parity with n stored vectors as queries: exact top-k on both sides, recall@k of the vector index (default: off).")
    int annQueries;

    @Option(names = "--ann-k", defaultValue = "10", paramLabel = "<k>", description = "k for ANN parity (default: ${DEFAULT-VALUE}).")
    int annK;

    @Option(names = "--jobs", defaultValue = "0", paramLabel = "<n>",
            description = "Worker connections per side, sharing that side's snapshot (default: as many processes as the "
                    + "server gives one of its own scans, 1 + max_parallel_workers_per_gather, 2 to 8).")
    int jobs;

    @Option(names = "--chunk-rows", defaultValue = "2000", paramLabel = "<n>",
            description = "Rows per bucket of the content check; the rows of a differing bucket are compared one by one "
                    + "(default: ${DEFAULT-VALUE}).")
    int chunkRows;

    @Mixin
    ReportOptions report = new ReportOptions();

    @Override
    public Integer call() {
        connections.requireBoth("verify compares two databases");
        Set<String> skipIds = new LinkedHashSet<>();
        for (String s : skip) skipIds.add(Check.parse(s).id());
        VerifyOptions options = new VerifyOptions(ConnectionOptions.given(ctx, connections.source),
                ConnectionOptions.given(ctx, connections.target), tableFilter.toFilter(), skipIds, groupBy,
                maxDiffs, annQueries, annK, jobs, chunkRows, ctx.prompt());
        Path reportFile = report.file(ctx.cwd());
        Progress progress = progress();
        VerifyReport r = Verifier.verify(options, progress);
        if (common.json()) {
            ctx.out().println(Json.write(r));
        } else {
            ctx.out().print(ReportFormatter.text(r));
        }
        ctx.out().flush();
        // a report that cannot be written makes a passing run exit 1, and never hides differences (exit 3)
        return Outcomes.report(ctx, reportFile, ReportFormatter.markdown(r), r.passed() ? ExitCode.OK : ExitCode.DIFFERENCES);
    }
}
