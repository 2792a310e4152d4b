package io.pgvectormigrate.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.local.LocalPostgres;
import io.pgvectormigrate.local.PgBinaries;
import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pg.Queries;
import io.pgvectormigrate.pg.TableFilter;
import io.pgvectormigrate.report.Json;
import io.pgvectormigrate.report.Progress;
import io.pgvectormigrate.sample.BedrockChatSample;
import io.pgvectormigrate.verify.Check;
import io.pgvectormigrate.verify.Verifier;
import io.pgvectormigrate.verify.VerifyOptions;
import org.postgresql.PGConnection;
import org.postgresql.copy.PGCopyInputStream;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Times verify as an operator runs it, a process of its own ({@code pgvector-migrate verify --source .. --target ..},
 * JVM start included), on durable servers ({@link Durability#DURABLE}), against baselines on the same data in the same
 * rounds, every measurement on both sides at once:
 * (a) the usual copy-checker query {@code count(1), sum(hashtext(t::text))};
 * (b) a bare scan that detoasts every vector, {@code sum(vector_dims(embedding))};
 * (c) the exact-hash floor: every column through {@code hash_record_extended}, the vector as {@code vector_send}
 *     bytes, one pass per side, nothing else: the bar;
 * then verify with one changed row and ANN parity alone ({@code --ann-queries N}, checks 1-6 skipped). The methods
 * rotate their order every round after an untimed warm-up round. The live heap is measured during one more verify in
 * this JVM. With {@code cold}, the database's files are dropped from the page cache before every measurement.
 */
public final class VerifyBenchmark {
    static final String QUERY_A = "SELECT count(1), sum(hashtext(t::text)) FROM items t";
    static final String QUERY_B = "SELECT sum(vector_dims(embedding)) FROM items";
    static final String QUERY_C = "SELECT sum(hash_record_extended(ROW(id, botid, content COLLATE \"C\", source COLLATE \"C\", "
            + "vector_send(embedding)), 0)) FROM items";
    static final String A = "(a) count+hashtext";
    static final String B = "(b) detoast scan";
    static final String C = "(c) hash floor";
    static final String VERIFY = "verify";
    static final String CHANGED = "one changed row";
    static final String ANN = "ANN alone";

    /** Medians of one method's rounds: wall seconds and CPU seconds (both instances, this JVM and the tool's). */
    public record Median(double wall, double cpu) {}

    /**
     * One table size. {@code medians} by method; {@code settings} the servers' durability as they reported it;
     * {@code jvmStart} what a JVM takes to start the tool and exit ({@code --version}), part of every verify time.
     */
    public record Result(long rows, int bots, long sourceBytes, boolean cold, String settings, String tool,
                         double jvmStart, Map<String, Median> medians, long changedFound, int annQueries,
                         double peakHeapMb, int jobs, int repeats, String loadBefore, String loadAfter) {
        public double ratio(String method, String over) {
            return medians.containsKey(method) ? medians.get(method).wall() / medians.get(over).wall() : Double.NaN;
        }

        public double cpuRatio(String method, String over) {
            return medians.containsKey(method) ? medians.get(method).cpu() / medians.get(over).cpu() : Double.NaN;
        }
    }

    /**
     * @param annQueries  {@code --ann-queries} of the ANN measurement (0: not measured)
     * @param cold        drop the database's files from the page cache before every measurement
     * @param copyChecker measure (a) too (slow: it casts every vector to text)
     * @param mainClass   the tool's entry point, to start it from a build tree (tests) rather than its jar
     * @param keep        keep the instances and databases; a later run with the same {@code dir} uses them again
     */
    public record Settings(List<Long> rows, int bots, int repeats, int jobs, int annQueries, boolean cold,
                           boolean copyChecker, Path dir, String mainClass, boolean keep) {}

    /** One method: what it runs, timed by the caller; it fails the benchmark when its answer is wrong. */
    private record Method(String label, Runnable task) {}

    private VerifyBenchmark() {}

    public static List<Result> run(Settings s, Map<String, String> env, Progress progress) {
        PgBinaries bins = PgBinaries.locate(env).requirePgvector();
        // WAL of the generation is recycled every 2 GB: at 1M rows the two databases already take 30 GB of disk
        Map<String, String> conf = Map.of("max_wal_size", "2GB", "checkpoint_timeout", "1h", "maintenance_work_mem", "512MB");
        ToolProcess tool = ToolProcess.forThisJvm(s.mainClass());
        List<Result> results = new ArrayList<>();
        try (Bench.Pair pair = Bench.Pair.start(bins, s.dir(), "bench-verify-", conf, s.keep(), progress)) {
            Map<String, String> toolEnv = pair.toolEnv(env);
            for (long rows : s.rows()) results.add(one(pair, tool, toolEnv, rows, s, progress));
        } catch (SQLException e) {
            throw ToolException.runtime("benchmark failed: " + e.getMessage(), e);
        }
        return results;
    }

    private static Result one(Bench.Pair pair, ToolProcess tool, Map<String, String> env, long rows, Settings s,
                              Progress progress) throws SQLException {
        String db = "bench_" + rows;
        ConnectionSpec sSpec = pair.source().connection(db);
        ConnectionSpec tSpec = pair.target().connection(db);
        String marker = "pgvector-migrate verify benchmark: " + rows + " rows, " + s.bots() + " bots";
        if (s.keep() && marker.equals(Bench.comment(pair.source(), db)) && marker.equals(Bench.comment(pair.target(), db))) {
            progress.info(String.format(Locale.ROOT, "%,d rows: using the databases kept by an earlier run", rows));
        } else {
            Durability.REHEARSAL.apply(pair); // generating is not timed
            generate(pair, db, rows, s, progress);
            for (LocalPostgres pg : List.of(pair.source(), pair.target())) {
                Bench.exec(pg.connection("postgres"), "COMMENT ON DATABASE " + db + " IS '" + marker + "'");
            }
        }
        String settings = Durability.DURABLE.apply(pair);
        progress.info(Durability.DURABLE.label() + ": " + settings);
        long bytes = Long.parseLong(Bench.scalar(sSpec, "SELECT pg_total_relation_size('items')"));
        double jvmStart = tool.startSeconds(progress);

        List<String> verify = new ArrayList<>(List.of("verify", "--source", PeerRunners.uri(pair.source(), db),
                "--target", PeerRunners.uri(pair.target(), db), "--format", "json"));
        if (s.jobs() > 0) verify.addAll(List.of("--jobs", String.valueOf(s.jobs())));
        List<String> annOnly = new ArrayList<>(verify);
        annOnly.addAll(List.of("--ann-queries", String.valueOf(s.annQueries()), "--skip", Arrays.stream(Check.values())
                .filter(c -> c != Check.ANN).map(Check::id).collect(Collectors.joining(","))));
        // the row changed on the target for "one changed row", and changed back right after
        String id = Bench.scalar(tSpec, "SELECT id FROM items ORDER BY id OFFSET " + rows / 2 + " LIMIT 1");
        long[] found = {0};
        List<Method> methods = new ArrayList<>();
        if (s.copyChecker()) methods.add(new Method(A, () -> bothAtOnce(sSpec, tSpec, QUERY_A)));
        methods.add(new Method(B, () -> bothAtOnce(sSpec, tSpec, QUERY_B)));
        methods.add(new Method(C, () -> bothAtOnce(sSpec, tSpec, QUERY_C)));
        methods.add(new Method(VERIFY, () -> verifyProcess(tool, verify, env, 0)));
        methods.add(new Method(CHANGED, () -> {
            update(tSpec, "content || '.'", id);
            try {
                found[0] = verifyProcess(tool, verify, env, 3).path("tableResults").path(0).path("content").path("changed").asLong();
                if (found[0] != 1) throw ToolException.runtime("verify did not find the one changed row (found " + found[0] + ")");
            } finally {
                update(tSpec, "left(content, -1)", id);
            }
        }));
        if (s.annQueries() > 0) methods.add(new Method(ANN, () -> verifyProcess(tool, annOnly, env, 0)));

        Bench.Cpu cpu = new Bench.Cpu(pair);
        Map<String, double[]> wall = new LinkedHashMap<>();
        Map<String, double[]> cpus = new LinkedHashMap<>();
        methods.forEach(m -> wall.put(m.label(), new double[s.repeats()]));
        methods.forEach(m -> cpus.put(m.label(), new double[s.repeats()]));
        String loadBefore = null;
        // round 0 is the warm-up, the same for every method: untimed, it reads the tables into the caches
        for (int round = 0; round <= s.repeats(); round++) {
            List<Method> order = new ArrayList<>(methods);
            Collections.rotate(order, -round);
            if (round == 1) loadBefore = Bench.loadAverage();
            progress.info((round == 0 ? "warm-up round (untimed)" : "round " + round + " of " + s.repeats())
                    + (s.cold() ? ", each from disk" : "") + " (load average " + Bench.loadAverage() + "): "
                    + order.stream().map(Method::label).collect(Collectors.joining("; ")));
            for (Method m : order) {
                if (s.cold()) Bench.evictFromPageCache(pair, db);
                double c0 = cpu.all();
                long t0 = System.nanoTime();
                m.task().run();
                if (round == 0) continue;
                wall.get(m.label())[round - 1] = Bench.secondsSince(t0);
                cpus.get(m.label())[round - 1] = cpu.all() - c0;
            }
        }
        String loadAfter = Bench.loadAverage();

        progress.info("measuring the live heap during a verify in this JVM (untimed: a GC every 100 ms)");
        VerifyOptions opts = VerifyOptions.defaults(sSpec, tSpec, TableFilter.ALL).withJobs(s.jobs());
        double peakHeap = Bench.heapDuring(() -> Verifier.verify(opts, Progress.SILENT))[1];
        if (!s.keep()) {
            for (LocalPostgres pg : List.of(pair.source(), pair.target())) Bench.exec(pg.connection("postgres"), "DROP DATABASE " + db);
        }
        Map<String, Median> medians = new LinkedHashMap<>();
        wall.forEach((m, w) -> medians.put(m, new Median(Bench.median(w), Bench.median(cpus.get(m)))));
        Result r = new Result(rows, s.bots(), bytes, s.cold(), settings, tool.shown(), jvmStart, medians, found[0],
                s.annQueries(), peakHeap, s.jobs(), s.repeats(), loadBefore, loadAfter);
        progress.info(String.format(Locale.ROOT, "%,d rows: verify %.2f s = %.2fx (c), %.2fx (b); ANN %.2fx (b); one changed "
                + "row %.2fx clean; heap %.1f MB", rows, medians.get(VERIFY).wall(), r.ratio(VERIFY, C), r.ratio(VERIFY, B),
                r.ratio(ANN, B), r.ratio(CHANGED, VERIFY), peakHeap));
        return r;
    }

    /** Runs {@code pgvector-migrate verify} as its own process; returns its JSON report. */
    private static JsonNode verifyProcess(ToolProcess tool, List<String> args, Map<String, String> env, int exit) {
        ToolProcess.Run run = tool.run(args, env, Path.of("").toAbsolutePath(), "verify", exit, line -> { });
        try {
            return Json.mapper().readTree(run.out());
        } catch (IOException e) {
            throw ToolException.runtime("verify --format json printed no report: " + e.getMessage(), e);
        }
    }

    private static void update(ConnectionSpec spec, String content, String id) {
        try {
            Bench.exec(spec, "UPDATE items SET content = " + content + " WHERE id = '" + id + "'");
        } catch (SQLException e) {
            throw ToolException.runtime("changing a row failed: " + e.getMessage(), e);
        }
    }

    private static void generate(Bench.Pair pair, String db, long rows, Settings s, Progress progress) throws SQLException {
        for (LocalPostgres pg : List.of(pair.source(), pair.target())) {
            Bench.exec(pg.connection("postgres"), "DROP DATABASE IF EXISTS " + db, "CREATE DATABASE " + db);
        }
        ConnectionSpec sSpec = pair.source().connection(db);
        ConnectionSpec tSpec = pair.target().connection(db);
        progress.info(String.format(Locale.ROOT, "%,d rows: generating the source (%d bots)", rows, s.bots()));
        try (Connection c = Bench.open(sSpec)) {
            BedrockChatSample.createTable(c);
            BedrockChatSample.generate(c, rows, s.bots(), 42, progress);
        }
        progress.info("copying to the target (binary COPY)");
        try (Connection sc = Bench.open(sSpec); Connection tc = Bench.open(tSpec)) {
            BedrockChatSample.createTable(tc);
            try (PGCopyInputStream in = new PGCopyInputStream(sc.unwrap(PGConnection.class),
                    "COPY items (id, botid, content, source, embedding) TO STDOUT (FORMAT binary)")) {
                tc.unwrap(PGConnection.class).getCopyAPI()
                        .copyIn("COPY items (id, botid, content, source, embedding) FROM STDIN (FORMAT binary)", in);
            } catch (IOException e) {
                throw new SQLException("copy failed: " + e.getMessage(), e);
            }
        }
        progress.info("building indexes and vacuuming both sides");
        Bench.inParallel(() -> indexAndVacuum(sSpec), () -> indexAndVacuum(tSpec));
    }

    private static void indexAndVacuum(ConnectionSpec spec) {
        try (Connection c = Bench.open(spec)) {
            BedrockChatSample.createIndexes(c);
            Queries.exec(c, "VACUUM (ANALYZE) items");
        } catch (SQLException e) {
            throw ToolException.runtime("indexing " + spec.display() + " failed: " + e.getMessage(), e);
        }
    }

    /** Runs the query on both sides at once (each with the server's default parallel query). */
    static void bothAtOnce(ConnectionSpec s, ConnectionSpec t, String sql) {
        try (Connection sc = Bench.open(s); Connection tc = Bench.open(t)) {
            Bench.inParallel(() -> query(sc, sql), () -> query(tc, sql));
        } catch (SQLException e) {
            throw ToolException.runtime("baseline query failed: " + e.getMessage(), e);
        }
    }

    private static void query(Connection c, String sql) {
        try {
            Queries.list(c, sql, rs -> rs.getString(1));
        } catch (SQLException e) {
            throw ToolException.runtime("query failed: " + e.getMessage(), e);
        }
    }

    /** The machine the figures come from, for docs/benchmarks.md. */
    public static String machine() {
        return Bench.machine();
    }

    /** Markdown tables of the results, for docs/benchmarks.md. */
    public static String markdown(List<Result> results) {
        StringBuilder sb = new StringBuilder();
        for (Result r : results) {
            sb.append(String.format(Locale.ROOT, "%,d rows (%.2f GB per side), %s, %s; verify runs as `%s verify ...` "
                            + "(a JVM start alone: %.2f s); %d timed rounds after a warm-up, medians; load average %s before, "
                            + "%s after; peak live heap of a verify %.1f MB%n%n", r.rows(), r.sourceBytes() / 1e9, r.settings(),
                    r.cold() ? "each measurement read from disk" : "caches warm", r.tool(), r.jvmStart(), r.repeats(),
                    r.loadBefore(), r.loadAfter(), r.peakHeapMb()));
            sb.append("| rows | method | wall s | / (c) | / (b) | CPU s | CPU / (c) | CPU / (b) |\n");
            sb.append("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
            r.medians().forEach((m, x) -> sb.append(String.format(Locale.ROOT, "| %,d | %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f |%n",
                    r.rows(), m.equals(ANN) ? ANN + " (" + r.annQueries() + " queries)" : m, x.wall(), r.ratio(m, C), r.ratio(m, B),
                    x.cpu(), r.cpuRatio(m, C), r.cpuRatio(m, B))));
            sb.append('\n');
        }
        return sb.toString();
    }
}
