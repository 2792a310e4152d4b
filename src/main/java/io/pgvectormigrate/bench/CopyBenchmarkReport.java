package io.pgvectormigrate.bench;

import io.pgvectormigrate.bench.NativeCopyBenchmark.Breakdown;
import io.pgvectormigrate.bench.NativeCopyBenchmark.Method;
import io.pgvectormigrate.bench.NativeCopyBenchmark.Result;
import io.pgvectormigrate.bench.NativeCopyBenchmark.Series;
import io.pgvectormigrate.bench.NativeCopyBenchmark.Variant;

import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/** The copy benchmark's result as Markdown, for docs/benchmarks.md: one section per durability, the headline first. */
public final class CopyBenchmarkReport {
    private CopyBenchmarkReport() {}

    public static String markdown(Result r, String command) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%,d Bedrock Chat rows (%d bots), %s; %s; %s.%n%n",
                r.rows(), r.bots(), r.sourceSize(), r.versions(), r.machine()));
        sb.append("    ").append(command).append("\n\n");
        sb.append("Each native step ran as its own process (`").append(r.toolCommand()).append(" <command>`, JVM start included):\n\n");
        Series head = r.series().get(0);
        if (head.breakdown() != null) {
            for (String c : head.breakdown().commands()) sb.append("    ").append(c).append('\n');
            sb.append('\n');
        }
        if (r.pgcopydb() != null && !r.pgcopydb().startsWith("not installed")) {
            sb.append("pgcopydb (").append(r.pgcopydb()).append(") ran with ").append(r.pgcopydbOptions())
                    .append(", the max_parallel_maintenance_workers the tool's after-load gives its builds.\n\n");
        }
        for (Series s : r.series()) series(sb, r, s, s == head);
        if (!Double.isNaN(r.peakHeapMb())) {
            sb.append(String.format(Locale.ROOT, "Peak live heap during one more native run of the same commands in the benchmark's "
                    + "JVM (used after a GC, sampled every 100 ms): %.1f MB%n", r.peakHeapMb()));
        }
        return sb.toString();
    }

    private static void series(StringBuilder sb, Result r, Series s, boolean headline) {
        sb.append("### ").append(s.durability().label()).append(s.durability() == Durability.DURABLE ? headline ? " (the headline)" : ""
                : " (" + (headline ? "" : "beside the headline, ") + "not the servers operators migrate between)").append("\n\n");
        sb.append("Both servers: ").append(s.settings()).append(". Load average ").append(s.loadBefore()).append(" before, ")
                .append(s.loadAfter()).append(" after.\n\n");
        sb.append("Order of the methods per round (round 0: the warm-up, untimed):\n\n");
        for (int i = 0; i < s.orders().size(); i++) {
            sb.append("- round ").append(i).append(": ").append(String.join("; ", s.orders().get(i)).replace("|", "\\|")).append('\n');
        }
        sb.append('\n');
        sb.append("| method | seconds").append(r.repeats() > 1 ? " (median of " + r.repeats() + ")" : "")
                .append(" | copy phase | what it did (median run) | all runs (load average at their start) | CPU seconds (median) |\n| --- | ---: | ---: | --- | --- | ---: |\n");
        for (Method m : s.methods()) {
            sb.append(String.format(Locale.ROOT, "| %s | %.1f | %s | %s | %s | %.1f |%n", m.method().replace("|", "\\|"), m.seconds(),
                    Double.isNaN(m.copySeconds()) ? "" : String.format(Locale.ROOT, "%.1f", m.copySeconds()), m.detail(),
                    runs(m), m.cpuSeconds()));
        }
        sb.append("\nCPU seconds: both PostgreSQL instances (every process), this JVM and the processes it ran (the tool's "
                + "commands, psql, pgcopydb), during the timed part; less disturbed by other work on the machine than wall time.\n\n");
        sb.append("- whole native path / pgcopydb clone: ").append(s.wholeOverPgcopydb() == null ? "not measured (pgcopydb " + r.pgcopydb() + ")"
                : String.format(Locale.ROOT, "**%.2f**", s.wholeOverPgcopydb())).append('\n');
        sb.append("- native copy phase / single COPY pipe: ").append(s.copyOverPipe() == null ? "not measured"
                : String.format(Locale.ROOT, "**%.2f**", s.copyOverPipe())).append('\n');
        if (s.variants().size() > 1) {
            sb.append("\nThe native path by `--jobs` (medians of its runs; the copy phase against the single COPY pipe's median):\n\n");
            sb.append("| --jobs | streams (why) | seconds | / pgcopydb clone | copy phase | / single COPY pipe | CPU seconds |\n"
                    + "| --- | --- | ---: | ---: | ---: | ---: | ---: |\n");
            for (Variant v : s.variants()) {
                sb.append(String.format(Locale.ROOT, "| %s | %s | %.1f | %s | %.1f | %s | %.1f |%n", v.jobs(), v.streams(), v.seconds(),
                        v.wholeOverPgcopydb() == null ? "" : String.format(Locale.ROOT, "%.2f", v.wholeOverPgcopydb()), v.copySeconds(),
                        v.copyOverPipe() == null || v.copyOverPipe().isNaN() ? "" : String.format(Locale.ROOT, "%.2f", v.copyOverPipe()),
                        v.cpuSeconds()));
            }
        }
        if (!s.pgcopydbSteps().isEmpty()) {
            sb.append("\npgcopydb's own summary (first timed round):\n\n");
            for (String l : s.pgcopydbSteps()) sb.append("    ").append(l).append('\n');
        }
        Breakdown b = s.breakdown();
        if (b != null) {
            sb.append(String.format(Locale.ROOT, "%nWhere the native path's time went (median run, %.1f s, load average %s at its start):%n%n", b.total(), b.load()));
            sb.append("| phase | seconds | share |\n| --- | ---: | ---: |\n");
            row(sb, "prepare-target (JVM, Flyway, schema from the source)", b.prepare(), b.total());
            row(sb, "migrate: initial copy (" + b.streams() + (b.streams() == 1 ? " stream)" : " streams)"), b.copy(), b.total());
            row(sb, "migrate: index builds and ANALYZE on the target (as sampled)", b.maintenanceInMigrate(), b.total());
            row(sb, "migrate: the rest (JVM, slot, publication, subscription, sequences, waits)",
                    b.migrate() - b.copy() - b.maintenanceInMigrate(), b.total());
            row(sb, "cutover: index builds and ANALYZE again (as sampled)", b.maintenanceInCutover(), b.total());
            row(sb, "cutover: the rest (JVM, catch-up, sequences, removing replication)", b.cutover() - b.maintenanceInCutover(), b.total());
            row(sb, "of all this: neither server running a statement (a JVM starting, the tool working or waiting)", b.idle(), b.total());
            if (!Double.isNaN(b.jvmStartSeconds())) {
                sb.append(String.format(Locale.ROOT, "| of all this: three JVM starts and exits (3 x %.1f s, timed apart with `--version`) | %.1f | %.0f%% |%n",
                        b.jvmStartSeconds(), 3 * b.jvmStartSeconds(), 100 * 3 * b.jvmStartSeconds() / b.total()));
            }
            sb.append("\nCopy streams (backends running the copy's COPY statements, sampled every ").append(ActivitySampler.EVERY_MS).append(" ms):\n\n");
            for (String x : b.copyStreams()) sb.append("- ").append(x).append('\n');
            sb.append("\nIndex builds and ANALYZE on the target, as the servers ran them (seconds from the start of prepare-target):\n\n");
            for (String x : b.maintenance()) sb.append("- ").append(x).append('\n');
            sb.append("\nThe three processes' own output (stderr), with the time each line arrived:\n\n");
            for (String x : b.timeline()) sb.append("    ").append(x).append('\n');
        }
        sb.append('\n');
    }

    private static String runs(Method m) {
        return IntStream.range(0, m.runs().size())
                .mapToObj(i -> String.format(Locale.ROOT, "%.1f (%.1f)", m.runs().get(i), m.loads().get(i)))
                .collect(Collectors.joining(", "));
    }

    private static void row(StringBuilder sb, String what, double secs, double total) {
        sb.append(String.format(Locale.ROOT, "| %s | %.1f | %.0f%% |%n", what, secs, 100 * secs / total));
    }
}
