package io.pgvectormigrate.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.local.LocalPostgres;
import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.replication.NativeOptions;
import io.pgvectormigrate.report.Json;
import io.pgvectormigrate.report.Progress;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The native path as the docs show it, each command its own process with its own JVM start:
 * {@code prepare-target --schema-from-source}, {@code migrate --engine native}, {@code cutover}. The copy seconds and
 * streams come from migrate's JSON report (the engine's typed figures); what the servers ran meanwhile is sampled
 * from pg_stat_activity.
 */
record NativeRunner(Bench.Pair pair, CopyFixture fixture, ToolProcess tool, Map<String, String> env, Path dir) {
    static final String NATIVE = "native: prepare-target + migrate + cutover";

    /** The three documented commands for a copy into {@code db}, as the operator types them (no password: a pgpass file). */
    List<List<String>> commands(String db, NativeOptions.InitialCopy mode, int jobs) {
        String source = PeerRunners.uri(pair.source(), CopyFixture.DATABASE);
        String target = PeerRunners.uri(pair.target(), db);
        String runId = "bench-" + db.replace('_', '-');
        List<String> migrate = new ArrayList<>(List.of("migrate", "--engine", "native", "--source", source, "--target", target,
                "--run-id", runId));
        if (jobs != NativeOptions.AUTOMATIC_JOBS) migrate.addAll(List.of("--jobs", String.valueOf(jobs)));
        if (mode == NativeOptions.InitialCopy.SUBSCRIPTION) migrate.addAll(List.of("--initial-copy", "subscription"));
        migrate.addAll(List.of("--format", "json"));
        return List.of(
                List.of("prepare-target", "--target", target, "--source", source, "--schema-from-source"),
                migrate,
                List.of("cutover", "--source", source, "--target", target, "--run-id", runId));
    }

    /**
     * One timed run into a fresh database {@code db}, checked against the source.
     *
     * @param breakdowns where this run's breakdown goes (by round), or null when not wanted
     * @param streams    per method: the streams the copy ran, and why
     */
    NativeCopyBenchmark.Timing run(Progress p, String db, String label, NativeOptions.InitialCopy mode, int jobs,
                                   String expected, int round, Map<Integer, NativeCopyBenchmark.Breakdown> breakdowns,
                                   Map<String, String> streams) throws SQLException {
        Bench.exec(pair.target().connection("postgres"), "CREATE DATABASE " + db);
        ConnectionSpec target = pair.target().connection(db);
        List<List<String>> commands = commands(db, mode, jobs);
        p.info(label + " (" + (mode == NativeOptions.InitialCopy.SNAPSHOT ? "--jobs " + NativeCopyBenchmark.jobsText(jobs) : "table sync")
                + "; three processes: " + tool.shown() + " ...)");
        Path work = workDir(db);
        String load = Bench.loadAverage();
        double load1 = Bench.load1();
        double[] walls = new double[3];
        double[] starts = new double[3];
        String[] outs = new String[3];
        double cpuSeconds;
        List<String> timeline = Collections.synchronizedList(new ArrayList<>());
        ActivitySampler sampler = new ActivitySampler(pair.source().connection(CopyFixture.DATABASE), target);
        try (sampler) {
            long t0 = sampler.t0();
            Bench.Cpu cpu = new Bench.Cpu(pair);
            double cpu0 = cpu.all();
            for (int i = 0; i < 3; i++) {
                List<String> args = commands.get(i);
                String step = args.get(0);
                starts[i] = Bench.secondsSince(t0);
                stamp(timeline, t0, "-- " + step + " starts (its own JVM)");
                ToolProcess.Run r = tool.run(args, env, work, step, 0, line -> {
                    stamp(timeline, t0, line);
                    p.info("    " + line);
                });
                walls[i] = r.seconds();
                outs[i] = r.out();
                p.info(String.format(Locale.ROOT, "  %s: process %d exited 0 after %.1f s", step, r.pid(), r.seconds()));
            }
            stamp(timeline, t0, "-- done");
            cpuSeconds = cpu.all() - cpu0;
        }
        List<ActivitySampler.Span> spans = sampler.finish();
        double idle = sampler.idleSeconds(starts[0], starts[2] + walls[2]);
        fixture.check(p, target, expected, db, true);
        Bench.exec(pair.target().connection("postgres"), "DROP DATABASE " + db);
        LocalPostgres.deleteTree(work);

        JsonNode copy;
        try {
            copy = Json.mapper().readTree(outs[1]).path("migrate").path("copy");
        } catch (IOException e) {
            throw ToolException.runtime("migrate --format json printed no report: " + e.getMessage(), e);
        }
        double copySeconds = copy.path("seconds").asDouble(Double.NaN);
        int n = copy.path("streams").asInt(0);
        double total = walls[0] + walls[1] + walls[2];
        double mMigrate = maintenanceSeconds(spans, starts[1], starts[1] + walls[1]);
        double mCutover = maintenanceSeconds(spans, starts[2], starts[2] + walls[2]);
        String detail = String.format(Locale.ROOT, "prepare-target %.1f s; migrate %.1f s: copy %.1f s, index builds and ANALYZE "
                + "%.1f s; cutover %.1f s (each with its JVM start)", walls[0], walls[1], copySeconds, mMigrate, walls[2]);
        if (breakdowns != null) {
            List<String> shown = commands.stream().map(c -> "pgvector-migrate " + String.join(" ", c)).toList();
            breakdowns.put(round, new NativeCopyBenchmark.Breakdown(total, walls[0], walls[1], copySeconds, mMigrate,
                    walls[2], mCutover, idle, n, shown, copyStreams(spans, n, starts[0]), maintenance(spans, starts[0]),
                    List.copyOf(timeline), Double.NaN, load));
        }
        if (streams != null && n > 0) {
            streams.put(label, n + " stream" + (n == 1 ? "" : "s") + " (" + copy.path("streamsWhy").asText("") + ")");
        }
        return new NativeCopyBenchmark.Timing(label, round, total, copySeconds, cpuSeconds, load1, detail);
    }

    /** The same three commands in this JVM, untimed, for the live heap (a GC every 100 ms slows them). */
    double[] heapDuring(Progress p, NativeCopyBenchmark.InProcess inProcess, String expected) throws SQLException {
        String db = "native_heap";
        Bench.exec(pair.target().connection("postgres"), "CREATE DATABASE " + db);
        Path work = workDir(db);
        double[] heap = Bench.heapDuring(() -> {
            for (List<String> args : commands(db, NativeOptions.InitialCopy.SNAPSHOT, NativeOptions.AUTOMATIC_JOBS)) {
                StringWriter out = new StringWriter();
                StringWriter err = new StringWriter();
                int code = inProcess.run(env, work, new PrintWriter(out, true), new PrintWriter(err, true), args.toArray(String[]::new));
                if (code != 0) throw ToolException.runtime(args.get(0) + " failed (exit " + code + "): " + err.toString().strip());
            }
        });
        fixture.check(p, pair.target().connection(db), expected, db, true);
        Bench.exec(pair.target().connection("postgres"), "DROP DATABASE " + db);
        LocalPostgres.deleteTree(work);
        return heap;
    }

    /** Each run's own working directory: the tool keeps its journal in ./.pgvector-migrate there. */
    private Path workDir(String db) {
        Path work = dir.resolve("work-" + db);
        try {
            Files.createDirectories(work);
        } catch (IOException e) {
            throw ToolException.runtime("cannot create " + work + ": " + e.getMessage(), e);
        }
        return work;
    }

    private static void stamp(List<String> timeline, long t0, String line) {
        timeline.add(String.format(Locale.ROOT, "%6.1f s  %s", Bench.secondsSince(t0), line));
    }

    private static boolean isMaintenance(ActivitySampler.Span x) {
        String st = x.statement().toUpperCase(Locale.ROOT);
        return x.side().equals("target") && !x.backendType().equals("parallel worker")
                && (st.startsWith("CREATE INDEX") || st.startsWith("REINDEX") || st.startsWith("ANALYZE")
                || st.startsWith("CREATE UNIQUE") || st.startsWith("VACUUM"));
    }

    /** Wall seconds in [from, to) during which the target ran an index build or ANALYZE (overlaps counted once). */
    static double maintenanceSeconds(List<ActivitySampler.Span> spans, double from, double to) {
        List<double[]> in = spans.stream().filter(NativeRunner::isMaintenance)
                .map(x -> new double[]{Math.max(from, x.from()), Math.min(to, x.from() + x.seconds())})
                .filter(r -> r[1] > r[0]).sorted((a, b) -> Double.compare(a[0], b[0])).toList();
        double sum = 0;
        double end = Double.NEGATIVE_INFINITY;
        for (double[] r : in) {
            if (r[1] <= end) continue;
            sum += r[1] - Math.max(r[0], end);
            end = r[1];
        }
        return sum;
    }

    private static List<String> copyStreams(List<ActivitySampler.Span> spans, int engineStreams, double start) {
        List<String> streams = new ArrayList<>();
        // engineStreams: the count the engine reported; the sampler can miss a stream that lived less than one sampling interval
        for (String side : List.of("source", "target")) {
            String kind = side.equals("source") ? "COPY out: " : "COPY in: ";
            String statement = side.equals("source") ? "COPY ... TO STDOUT" : "COPY ... FROM STDIN";
            Map<Integer, List<ActivitySampler.Span>> byPid = spans.stream()
                    .filter(x -> x.side().equals(side) && x.statement().startsWith(kind))
                    .collect(Collectors.groupingBy(ActivitySampler.Span::pid, LinkedHashMap::new, Collectors.toList()));
            int n = 0;
            for (List<ActivitySampler.Span> ss : byPid.values()) {
                double busy = ss.stream().mapToDouble(ActivitySampler.Span::seconds).sum();
                double from = ss.stream().mapToDouble(ActivitySampler.Span::from).min().orElse(0) - start;
                double to = ss.stream().mapToDouble(ActivitySampler.Span::to).max().orElse(0) - start;
                long waiting = ss.stream().mapToLong(ActivitySampler.Span::waitingSamples).sum();
                long samples = ss.stream().mapToLong(ActivitySampler.Span::samples).sum();
                streams.add(String.format(Locale.ROOT, "%s stream %d (%s): %d range(s), active %.1f s between %.1f s and %.1f s, "
                                + "%.0f%% of that waiting (%s)", side, ++n, statement,
                        ss.size(), busy, from, to, samples == 0 ? 0 : 100.0 * waiting / samples, waits(ss)));
            }
            while (n < engineStreams) {
                streams.add(String.format(Locale.ROOT, "%s stream %d (%s): not sampled (it ran less than %d ms)",
                        side, ++n, statement, ActivitySampler.EVERY_MS));
            }
        }
        return streams;
    }

    private static List<String> maintenance(List<ActivitySampler.Span> spans, double start) {
        List<String> statements = new ArrayList<>();
        for (ActivitySampler.Span x : spans) {
            if (!isMaintenance(x)) continue;
            List<ActivitySampler.Span> workers = spans.stream().filter(w -> w.backendType().equals("parallel worker")
                    && w.statement().equals(x.statement()) && w.from() >= x.from() && w.from() <= x.to()).toList();
            statements.add(String.format(Locale.ROOT, "%.1f s from %.1f s: %s%s", x.seconds(), x.from() - start,
                    ActivitySampler.shortStatement(x.statement()), workers.isEmpty() ? "" : String.format(Locale.ROOT,
                            " (+%d parallel workers for %.1f s)", workers.size(), workers.stream().mapToDouble(ActivitySampler.Span::seconds).max().orElse(0))));
        }
        return statements;
    }

    /** The wait events a stream's samples showed, most frequent first. */
    private static String waits(List<ActivitySampler.Span> spans) {
        Map<String, Integer> all = new LinkedHashMap<>();
        for (ActivitySampler.Span x : spans) x.waits().forEach((k, v) -> all.merge(k, v, Integer::sum));
        if (all.isEmpty()) return "no waits sampled";
        return all.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(3)
                .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", ")) + " samples";
    }
}
