package io.pgvectormigrate.bench;

import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.local.LocalPostgres;
import io.pgvectormigrate.local.PgBinaries;
import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pg.TableFilter;
import io.pgvectormigrate.report.Progress;
import io.pgvectormigrate.sample.BedrockChatSample;
import io.pgvectormigrate.verify.Check;
import io.pgvectormigrate.verify.Verifier;
import io.pgvectormigrate.verify.VerifyOptions;
import io.pgvectormigrate.verify.VerifyReport;
import org.postgresql.PGConnection;
import org.postgresql.copy.PGCopyInputStream;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Times verify against baselines on the same data in the same run, on two local PostgreSQL instances holding a
 * Bedrock-Chat-shaped source and its copy, every measurement on both sides at once:
 * (a) the usual copy-checker query {@code count(1), sum(hashtext(t::text))};
 * (b) a bare scan that detoasts every vector, {@code sum(vector_dims(embedding))}: the bar;
 * (c) the least an exact content check must do per row: read every column, turn the vector into bytes
 *     ({@code vector_send}) and hash the row once, {@code sum(hash_record_extended(ROW(...)))}, nothing else;
 * then verify (checks 1-6), verify with one changed row, ANN parity alone ({@code --ann-queries N}, checks 1-6
 * skipped), and the live heap during a verify. With {@code cold}, this benchmark's own database files are dropped from
 * the page cache before every measurement, so each one reads from disk as a database larger than memory does.
 */
public final class VerifyBenchmark {
    static final String QUERY_A = "SELECT count(1), sum(hashtext(t::text)) FROM items t";
    static final String QUERY_B = "SELECT sum(vector_dims(embedding)) FROM items";
    static final String QUERY_C = "SELECT sum(hash_record_extended(ROW(id, botid, content COLLATE \"C\", source COLLATE \"C\", "
            + "vector_send(embedding)), 0)) FROM items";

    /**
     * Times are medians of wall-clock seconds; the *Cpu figures are medians of CPU seconds spent by both PostgreSQL
     * instances (all their processes, parallel workers included) plus, for verify, this JVM: a measure that other
     * work on a shared machine does not distort. Load averages are read before and after the measurements.
     */
    public record Result(long rows, int bots, long sourceBytes, boolean cold, double copyChecker, double detoastScan,
                         double hashFloor, double verify, double verifyOneChanged, long changedFound, double ann,
                         int annQueries, double copyCheckerCpu, double detoastScanCpu, double hashFloorCpu,
                         double verifyCpu, double verifyOneChangedCpu, double annCpu, double peakHeapMb,
                         double baselineHeapMb, int jobs, int repeats, String loadBefore, String loadAfter) {
        public double verifyOverDetoast() {
            return verify / detoastScan;
        }

        public double verifyOverFloor() {
            return verify / hashFloor;
        }

        public double floorOverDetoast() {
            return hashFloor / detoastScan;
        }

        public double annOverDetoast() {
            return ann / detoastScan;
        }

        public double changedOverClean() {
            return verifyOneChanged / verify;
        }
    }

    /**
     * @param annQueries {@code --ann-queries} of the ANN measurement (0: not measured)
     * @param cold       drop the database's files from the page cache before every measurement
     * @param copyChecker measure (a) too (slow: it casts every vector to text)
     * @param keep       keep the instances and databases; a later run with the same {@code dir} uses them again
     */
    public record Settings(List<Long> rows, int bots, int repeats, int jobs, int annQueries, boolean cold,
                           boolean copyChecker, Path dir, boolean keep) {}

    private VerifyBenchmark() {}

    public static List<Result> run(Settings s, Map<String, String> env, Progress progress) {
        PgBinaries bins = PgBinaries.locate(env).requirePgvector();
        Map<String, String> conf = new LinkedHashMap<>(LocalPostgres.throwawaySettings());
        // WAL of the generation is recycled every 2 GB: at 1M rows the two databases already take 30 GB of disk
        conf.put("max_wal_size", "2GB");
        conf.put("checkpoint_timeout", "1h");
        conf.put("maintenance_work_mem", "512MB");
        List<Result> results = new ArrayList<>();
        try (Bench.Pair pair = Bench.Pair.start(bins, s.dir(), "bench-verify-", conf, s.keep(), progress)) {
            for (long rows : s.rows()) results.add(one(pair, rows, s, progress));
        } catch (SQLException e) {
            throw ToolException.runtime("benchmark failed: " + e.getMessage(), e);
        }
        return results;
    }

    private static Result one(Bench.Pair pair, long rows, Settings s, Progress progress) throws SQLException {
        String db = "bench_" + rows;
        ConnectionSpec sSpec = pair.source.connection(db);
        ConnectionSpec tSpec = pair.target.connection(db);
        String marker = "pgvector-migrate verify benchmark: " + rows + " rows, " + s.bots() + " bots";
        if (s.keep() && marker.equals(Bench.comment(pair.source, db)) && marker.equals(Bench.comment(pair.target, db))) {
            progress.info(String.format(Locale.ROOT, "%,d rows: using the databases kept by an earlier run", rows));
        } else {
            generate(pair, db, rows, s, progress);
            for (LocalPostgres pg : List.of(pair.source, pair.target)) {
                Bench.exec(pg.connection("postgres"), "COMMENT ON DATABASE " + db + " IS '" + marker + "'");
            }
        }
        long bytes = Long.parseLong(Bench.scalar(sSpec, "SELECT pg_total_relation_size('items')"));

        VerifyOptions opts = VerifyOptions.defaults(sSpec, tSpec, TableFilter.ALL).withJobs(s.jobs());
        VerifyOptions annOnly = opts.withAnn(s.annQueries(), VerifyOptions.DEFAULT_ANN_K).withSkip(Arrays.stream(Check.values())
                .filter(c -> c != Check.ANN).map(Check::id).collect(Collectors.toSet()));
        Meter meter = new Meter(pair, db, s.cold());
        if (!s.cold()) {
            progress.info("warming the caches");
            bothAtOnce(sSpec, tSpec, QUERY_B);
            bothAtOnce(sSpec, tSpec, QUERY_C);
        }
        String loadBefore = Bench.loadAverage();
        int n = s.repeats();
        double[][] wall = new double[6][n];
        double[][] cpu = new double[6][n];
        // the row changed on the target in the rounds' "one changed row" measurement, and changed back right after
        String id = Bench.scalar(tSpec, "SELECT id FROM items ORDER BY id OFFSET " + rows / 2 + " LIMIT 1");
        long[] found = {0};
        for (int i = 0; i < n; i++) {
            progress.info("round " + (i + 1) + " of " + n + ": " + (s.copyChecker() ? "(a) copy-checker query, " : "")
                    + "(b) detoast scan, (c) hash floor, verify, verify with one changed row" + (s.annQueries() > 0 ? ", ANN parity" : "")
                    + (s.cold() ? " (each from disk)" : "") + "; load average " + Bench.loadAverage());
            if (s.copyChecker()) meter.measure(wall[0], cpu[0], i, false, () -> bothAtOnce(sSpec, tSpec, QUERY_A));
            meter.measure(wall[1], cpu[1], i, false, () -> bothAtOnce(sSpec, tSpec, QUERY_B));
            meter.measure(wall[2], cpu[2], i, false, () -> bothAtOnce(sSpec, tSpec, QUERY_C));
            meter.measure(wall[3], cpu[3], i, true, () -> {
                VerifyReport r = Verifier.verify(opts, Progress.SILENT);
                if (!r.passed()) throw ToolException.runtime("benchmark copy does not verify: " + r.summary());
                return r;
            });
            Bench.exec(tSpec, "UPDATE items SET content = content || '.' WHERE id = '" + id + "'");
            try {
                meter.measure(wall[4], cpu[4], i, true, () -> {
                    VerifyReport r = Verifier.verify(opts, Progress.SILENT);
                    found[0] = r.tableResults().get(0).content().changed();
                    if (r.passed() || found[0] != 1) throw ToolException.runtime("verify did not find the one changed row: " + r.summary());
                    return r;
                });
            } finally {
                Bench.exec(tSpec, "UPDATE items SET content = left(content, -1) WHERE id = '" + id + "'");
            }
            if (s.annQueries() > 0) {
                meter.measure(wall[5], cpu[5], i, true, () -> {
                    VerifyReport r = Verifier.verify(annOnly, Progress.SILENT);
                    if (!r.passed()) throw ToolException.runtime("ANN parity fails on the benchmark copy: " + r.summary());
                    return r;
                });
            }
        }
        String loadAfter = Bench.loadAverage();

        progress.info("measuring the live heap during a verify");
        double[] heap = Bench.heapDuring(() -> Verifier.verify(opts, Progress.SILENT));

        if (!s.keep()) {
            for (LocalPostgres pg : List.of(pair.source, pair.target)) Bench.exec(pg.connection("postgres"), "DROP DATABASE " + db);
        }
        double[] w = Arrays.stream(wall).mapToDouble(Bench::median).toArray();
        double[] c = Arrays.stream(cpu).mapToDouble(Bench::median).toArray();
        Result r = new Result(rows, s.bots(), bytes, s.cold(), w[0], w[1], w[2], w[3], w[4], found[0], w[5], s.annQueries(),
                c[0], c[1], c[2], c[3], c[4], c[5], heap[1], heap[0], s.jobs(), n, loadBefore, loadAfter);
        progress.info(String.format(Locale.ROOT, "%,d rows: verify %.2f s = %.2fx (b), (c) = %.2fx (b), ANN %.2f s = %.2fx (b), "
                        + "one changed %.2fx clean, heap %.1f MB", rows, r.verify(), r.verifyOverDetoast(), r.floorOverDetoast(),
                r.ann(), r.annOverDetoast(), r.changedOverClean(), r.peakHeapMb()));
        return r;
    }

    /** Times measurements, their CPU seconds, and in cold mode first drops the database's files from the page cache. */
    private record Meter(Bench.Pair pair, String db, boolean cold, Bench.Cpu cpu) {
        Meter(Bench.Pair pair, String db, boolean cold) {
            this(pair, db, cold, new Bench.Cpu(pair));
        }

        void measure(double[] wall, double[] cpuSeconds, int i, boolean withJvm, Supplier<Object> task) {
            if (cold) Bench.evictFromPageCache(pair, db);
            double c0 = cpu.servers() + (withJvm ? Bench.Cpu.jvm() : 0);
            long t0 = System.nanoTime();
            task.get();
            wall[i] = Bench.secondsSince(t0);
            cpuSeconds[i] = cpu.servers() + (withJvm ? Bench.Cpu.jvm() : 0) - c0;
        }
    }


    private static void generate(Bench.Pair pair, String db, long rows, Settings s, Progress progress) throws SQLException {
        for (LocalPostgres pg : List.of(pair.source, pair.target)) {
            Bench.exec(pg.connection("postgres"), "DROP DATABASE IF EXISTS " + db, "CREATE DATABASE " + db);
        }
        ConnectionSpec sSpec = pair.source.connection(db);
        ConnectionSpec tSpec = pair.target.connection(db);
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
            } catch (java.io.IOException e) {
                throw new SQLException("copy failed: " + e.getMessage(), e);
            }
        }
        progress.info("building indexes and vacuuming both sides");
        Bench.inParallel(() -> indexAndVacuum(sSpec), () -> indexAndVacuum(tSpec));
    }

    private static void indexAndVacuum(ConnectionSpec spec) {
        try (Connection c = Bench.open(spec)) {
            BedrockChatSample.createIndexes(c);
            try (Statement st = c.createStatement()) {
                st.execute("VACUUM (ANALYZE) items");
            }
        } catch (SQLException e) {
            throw ToolException.runtime("indexing " + spec.display() + " failed: " + e.getMessage(), e);
        }
    }

    /** Runs the query on both sides at once (each with the server's default parallel query); returns null. */
    static Object bothAtOnce(ConnectionSpec s, ConnectionSpec t, String sql) {
        try (Connection sc = Bench.open(s); Connection tc = Bench.open(t)) {
            Bench.inParallel(() -> query(sc, sql), () -> query(tc, sql));
            return null;
        } catch (SQLException e) {
            throw ToolException.runtime("baseline query failed: " + e.getMessage(), e);
        }
    }

    private static void query(Connection c, String sql) {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                rs.getString(1);
            }
        } catch (SQLException e) {
            throw ToolException.runtime("query failed: " + e.getMessage(), e);
        }
    }

    /** The machine the figures come from, for docs/benchmarks.md. */
    public static String machine() {
        return Bench.machine();
    }

    /** Markdown tables of the results. */
    public static String markdown(List<Result> results) {
        StringBuilder sb = new StringBuilder();
        boolean cold = results.stream().anyMatch(Result::cold);
        sb.append("Wall-clock seconds (medians), every measurement on both sides at once")
                .append(cold ? ", each read from disk (the database's files dropped from the page cache first)" : ", caches warm")
                .append(":\n\n");
        sb.append("| rows | table size | (a) count+hashtext | (b) detoast scan | (c) hash floor | verify (checks 1-6) "
                + "| verify / (b) | verify / (c) | (c) / (b) | one changed row | changed / clean | ANN alone | ANN / (b) "
                + "| peak live heap | load average before, after |\n");
        sb.append("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n");
        for (Result r : results) {
            sb.append(String.format(Locale.ROOT, "| %,d | %.2f GB | %s | %.2f s | %.2f s | %.2f s | **%.2f** | %.2f | %.2f | %.2f s "
                            + "| **%.2f** | %s | **%s** | %.1f MB | %s; %s |%n",
                    r.rows(), r.sourceBytes() / 1e9, r.copyChecker() > 0 ? String.format(Locale.ROOT, "%.2f s", r.copyChecker()) : "-", r.detoastScan(), r.hashFloor(), r.verify(),
                    r.verifyOverDetoast(), r.verifyOverFloor(), r.floorOverDetoast(), r.verifyOneChanged(), r.changedOverClean(),
                    r.annQueries() > 0 ? String.format(Locale.ROOT, "%.2f s (%d queries)", r.ann(), r.annQueries()) : "-",
                    r.annQueries() > 0 ? String.format(Locale.ROOT, "%.2f", r.annOverDetoast()) : "-", r.peakHeapMb(),
                    r.loadBefore(), r.loadAfter()));
        }
        sb.append("\nCPU seconds (medians) of both PostgreSQL instances, plus the verifying JVM for verify and ANN:\n\n");
        sb.append("| rows | (a) | (b) | (c) | verify | verify / (b) | verify / (c) | one changed row | changed / clean | ANN alone | ANN / (b) |\n");
        sb.append("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (Result r : results) {
            sb.append(String.format(Locale.ROOT, "| %,d | %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %s | %s |%n",
                    r.rows(), r.copyChecker() > 0 ? String.format(Locale.ROOT, "%.2f", r.copyCheckerCpu()) : "-", r.detoastScanCpu(), r.hashFloorCpu(), r.verifyCpu(),
                    r.verifyCpu() / r.detoastScanCpu(), r.verifyCpu() / r.hashFloorCpu(), r.verifyOneChangedCpu(),
                    r.verifyOneChangedCpu() / r.verifyCpu(), r.annQueries() > 0 ? String.format(Locale.ROOT, "%.2f", r.annCpu()) : "-",
                    r.annQueries() > 0 ? String.format(Locale.ROOT, "%.2f", r.annCpu() / r.detoastScanCpu()) : "-"));
        }
        return sb.toString();
    }
}
