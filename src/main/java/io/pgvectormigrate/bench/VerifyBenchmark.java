package io.pgvectormigrate.bench;

import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.local.LocalPostgres;
import io.pgvectormigrate.local.PgBinaries;
import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pg.TableFilter;
import io.pgvectormigrate.report.Progress;
import io.pgvectormigrate.sample.BedrockChatSample;
import io.pgvectormigrate.verify.Verifier;
import io.pgvectormigrate.verify.VerifyOptions;
import io.pgvectormigrate.verify.VerifyReport;
import org.postgresql.PGConnection;
import org.postgresql.copy.PGCopyInputStream;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Times a full verify (checks 1-6) against two baselines on the same data in the same run, on two local
 * PostgreSQL instances holding a Bedrock-Chat-shaped source and its copy:
 * (a) the usual copy-checker query {@code count(1), sum(hashtext(t::text))} on both sides at once, and
 * (b) a bare scan that detoasts every vector, {@code sum(vector_dims(embedding))}, on both sides at once.
 * Also times verify with one changed row on the target, and samples the live heap during a verify.
 */
public final class VerifyBenchmark {
    static final String QUERY_A = "SELECT count(1), sum(hashtext(t::text)) FROM items t";
    static final String QUERY_B = "SELECT sum(vector_dims(embedding)) FROM items";

    /** Figures for one table size; times are medians in seconds. */
    /**
     * Times are medians of wall-clock seconds; the *Cpu figures are medians of CPU seconds spent by both
     * PostgreSQL instances (all their processes, parallel workers included) plus, for verify, this JVM: a
     * measure that other work on a shared machine does not distort.
     */
    public record Result(long rows, int bots, long sourceBytes, double loadSeconds, double copyChecker,
                         double detoastScan, double verify, double verifyOneChanged, long changedFound,
                         double copyCheckerCpu, double detoastScanCpu, double verifyCpu, double verifyOneChangedCpu,
                         double peakHeapMb, double baselineHeapMb, int jobs, int repeats) {
        public double cpuVerifyOverCopyChecker() {
            return verifyCpu / copyCheckerCpu;
        }

        public double cpuVerifyOverDetoast() {
            return verifyCpu / detoastScanCpu;
        }

        public double cpuChangedOverClean() {
            return verifyOneChangedCpu / verifyCpu;
        }

        public double verifyOverCopyChecker() {
            return verify / copyChecker;
        }

        public double verifyOverDetoast() {
            return verify / detoastScan;
        }

        public double changedOverClean() {
            return verifyOneChanged / verify;
        }
    }

    public record Settings(List<Long> rows, int bots, int repeats, int jobs, Path dir, boolean keep) {}

    private VerifyBenchmark() {}

    public static List<Result> run(Settings s, Map<String, String> env, Progress progress) {
        PgBinaries bins = PgBinaries.locate(env).requirePgvector();
        Map<String, String> conf = new LinkedHashMap<>(LocalPostgres.throwawaySettings());
        conf.put("max_wal_size", "8GB");
        conf.put("checkpoint_timeout", "1h");
        conf.put("maintenance_work_mem", "512MB");
        Path base;
        try {
            base = s.dir() != null ? s.dir() : Files.createTempDirectory(LocalPostgres.defaultBaseDir(), "bench-verify-");
            Files.createDirectories(base);
            // the instances run as the postgres OS user when we are root: it must be able to reach them
            Files.setPosixFilePermissions(base, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (java.io.IOException e) {
            throw ToolException.runtime("cannot create a benchmark directory: " + e.getMessage(), e);
        }
        progress.info("starting two local PostgreSQL instances under " + base);
        List<Result> results = new ArrayList<>();
        List<LocalPostgres> started = new java.util.concurrent.CopyOnWriteArrayList<>();
        // Ctrl-C must not leave two servers running
        Thread stopOnExit = new Thread(() -> started.forEach(VerifyBenchmark::closeQuietly), "bench-stop");
        Runtime.getRuntime().addShutdownHook(stopOnExit);
        LocalPostgres src = null;
        LocalPostgres tgt = null;
        try {
            src = LocalPostgres.start(bins, base.resolve("source"), 0, conf, !s.keep());
            started.add(src);
            tgt = LocalPostgres.start(bins, base.resolve("target"), 0, conf, !s.keep());
            started.add(tgt);
            for (long rows : s.rows()) {
                results.add(one(src, tgt, rows, s, progress));
            }
        } catch (SQLException e) {
            throw ToolException.runtime("benchmark failed: " + e.getMessage(), e);
        } finally {
            started.clear();
            try {
                Runtime.getRuntime().removeShutdownHook(stopOnExit);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running already
            }
            try {
                if (tgt != null) tgt.close();
            } finally {
                if (src != null) src.close();
            }
            if (!s.keep() && s.dir() == null) {
                try {
                    Files.deleteIfExists(base);
                } catch (java.io.IOException ignored) {
                    // an empty temporary directory left behind is harmless
                }
            }
        }
        return results;
    }

    private static Result one(LocalPostgres src, LocalPostgres tgt, long rows, Settings s, Progress progress)
            throws SQLException {
        String db = "bench_" + rows;
        for (LocalPostgres pg : List.of(src, tgt)) {
            exec(pg.connection("postgres"), "DROP DATABASE IF EXISTS " + db, "CREATE DATABASE " + db);
        }
        ConnectionSpec sSpec = src.connection(db);
        ConnectionSpec tSpec = tgt.connection(db);
        long t0 = System.nanoTime();
        progress.info(String.format(Locale.ROOT, "%,d rows: generating the source (%d bots)", rows, s.bots()));
        try (Connection c = open(sSpec)) {
            BedrockChatSample.createTable(c);
            BedrockChatSample.generate(c, rows, s.bots(), 42, progress);
        }
        progress.info("copying to the target (binary COPY)");
        try (Connection sc = open(sSpec); Connection tc = open(tSpec)) {
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
        inParallel(() -> indexAndVacuum(sSpec), () -> indexAndVacuum(tSpec));
        double load = (System.nanoTime() - t0) / 1e9;
        long bytes;
        try (Connection c = open(sSpec); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT pg_total_relation_size('items')")) {
            rs.next();
            bytes = rs.getLong(1);
        }

        progress.info("warming the caches");
        bothAtOnce(sSpec, tSpec, QUERY_B);
        bothAtOnce(sSpec, tSpec, QUERY_A);

        VerifyOptions opts = VerifyOptions.defaults(sSpec, tSpec, TableFilter.ALL).withJobs(s.jobs());
        Cpu cpu = new Cpu(src, tgt);
        double[] a = new double[s.repeats()];
        double[] b = new double[s.repeats()];
        double[] v = new double[s.repeats()];
        double[] ac = new double[s.repeats()];
        double[] bc = new double[s.repeats()];
        double[] vc = new double[s.repeats()];
        for (int i = 0; i < s.repeats(); i++) {
            progress.info("round " + (i + 1) + " of " + s.repeats() + ": (a) copy-checker query, (b) detoast scan, verify");
            double c0 = cpu.servers();
            a[i] = bothAtOnce(sSpec, tSpec, QUERY_A);
            double c1 = cpu.servers();
            b[i] = bothAtOnce(sSpec, tSpec, QUERY_B);
            double c2 = cpu.servers();
            double j0 = Cpu.jvm();
            long v0 = System.nanoTime();
            VerifyReport r = Verifier.verify(opts, Progress.SILENT);
            v[i] = (System.nanoTime() - v0) / 1e9;
            vc[i] = cpu.servers() - c2 + Cpu.jvm() - j0;
            ac[i] = c1 - c0;
            bc[i] = c2 - c1;
            if (!r.passed()) throw ToolException.runtime("benchmark copy does not verify: " + r.summary());
        }

        progress.info("changing one row on the target");
        String id;
        try (Connection c = open(tSpec); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT id FROM items ORDER BY id OFFSET " + rows / 2 + " LIMIT 1")) {
            rs.next();
            id = rs.getString(1);
        }
        exec(tSpec, "UPDATE items SET content = content || '.' WHERE id = '" + id + "'");
        double[] changed = new double[s.repeats()];
        double[] changedCpu = new double[s.repeats()];
        long found = 0;
        for (int i = 0; i < s.repeats(); i++) {
            double k0 = cpu.servers() + Cpu.jvm();
            long c0 = System.nanoTime();
            VerifyReport r = Verifier.verify(opts, Progress.SILENT);
            changed[i] = (System.nanoTime() - c0) / 1e9;
            changedCpu[i] = cpu.servers() + Cpu.jvm() - k0;
            found = r.tableResults().get(0).content().changed();
            if (r.passed() || found != 1) throw ToolException.runtime("verify did not find the one changed row: " + r.summary());
        }
        exec(tSpec, "UPDATE items SET content = left(content, -1) WHERE id = '" + id + "'");

        progress.info("measuring the live heap during a verify");
        double[] heap = heapDuring(() -> Verifier.verify(opts, Progress.SILENT));

        if (!s.keep()) {
            for (LocalPostgres pg : List.of(src, tgt)) exec(pg.connection("postgres"), "DROP DATABASE " + db);
        }
        Result r = new Result(rows, s.bots(), bytes, load, median(a), median(b), median(v), median(changed), found,
                median(ac), median(bc), median(vc), median(changedCpu), heap[1], heap[0], s.jobs(), s.repeats());
        progress.info(String.format(Locale.ROOT, "%,d rows: verify %.2f s (%.2f CPU-s), (a) %.2f s (%.2f CPU-s), "
                        + "(b) %.2f s (%.2f CPU-s), one changed %.2f s, heap %.1f MB", rows, r.verify(), r.verifyCpu(),
                r.copyChecker(), r.copyCheckerCpu(), r.detoastScan(), r.detoastScanCpu(), r.verifyOneChanged(), r.peakHeapMb()));
        return r;
    }

    private static void closeQuietly(LocalPostgres pg) {
        try {
            pg.close();
        } catch (RuntimeException ignored) {
            // best effort while the JVM exits
        }
    }

    private static void indexAndVacuum(ConnectionSpec spec) {
        try (Connection c = open(spec)) {
            BedrockChatSample.createIndexes(c);
            try (Statement st = c.createStatement()) {
                st.execute("VACUUM (ANALYZE) items");
            }
        } catch (SQLException e) {
            throw ToolException.runtime("indexing " + spec.display() + " failed: " + e.getMessage(), e);
        }
    }

    /** Runs the query on both sides at once; returns the wall time until both finished. */
    static double bothAtOnce(ConnectionSpec s, ConnectionSpec t, String sql) {
        try (Connection sc = open(s); Connection tc = open(t)) {
            long start = System.nanoTime();
            inParallel(() -> query(sc, sql), () -> query(tc, sql));
            return (System.nanoTime() - start) / 1e9;
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

    private static void inParallel(Runnable x, Runnable y) {
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(1);
        Thread t = new Thread(() -> {
            try {
                y.run();
            } catch (RuntimeException e) {
                failure.set(e);
            } finally {
                done.countDown();
            }
        }, "bench-parallel");
        t.start();
        x.run();
        try {
            done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ToolException.runtime("interrupted");
        }
        if (failure.get() != null) throw failure.get();
    }

    /**
     * Live heap (used after a full GC) before and at its peak during {@code task}: a sampler forces a GC every
     * 100 ms, so this run is slower and is not timed.
     */
    static double[] heapDuring(Runnable task) {
        Runtime rt = Runtime.getRuntime();
        System.gc();
        double baseline = (rt.totalMemory() - rt.freeMemory()) / 1048576.0;
        double[] peak = {baseline};
        Thread sampler = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                System.gc();
                peak[0] = Math.max(peak[0], (rt.totalMemory() - rt.freeMemory()) / 1048576.0);
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "heap-sampler");
        sampler.setDaemon(true);
        sampler.start();
        try {
            task.run();
        } finally {
            sampler.interrupt();
            try {
                sampler.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return new double[]{baseline, peak[0]};
    }

    private static double median(double[] xs) {
        double[] c = xs.clone();
        Arrays.sort(c);
        return c.length % 2 == 1 ? c[c.length / 2] : (c[c.length / 2 - 1] + c[c.length / 2]) / 2;
    }

    private static Connection open(ConnectionSpec spec) throws SQLException {
        return DriverManager.getConnection(spec.jdbcUrl(), spec.driverProperties());
    }

    private static void exec(ConnectionSpec spec, String... sql) throws SQLException {
        try (Connection c = open(spec); Statement st = c.createStatement()) {
            for (String q : sql) st.execute(q);
        }
    }

    /** The machine the figures come from, for docs/benchmarks.md. */
    public static String machine() {
        String cpu = "unknown CPU";
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    cpu = line.substring(line.indexOf(':') + 1).trim();
                    break;
                }
            }
        } catch (java.io.IOException ignored) {
            // not Linux
        }
        long memGb = 0;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    memGb = Math.round(Long.parseLong(line.replaceAll("\\D", "")) / 1048576.0);
                    break;
                }
            }
        } catch (java.io.IOException | NumberFormatException ignored) {
            // not Linux
        }
        return Runtime.getRuntime().availableProcessors() + " cores (" + cpu + "), " + memGb + " GiB RAM, Java "
                + System.getProperty("java.version");
    }

    /**
     * CPU seconds used so far by both local instances: each postmaster's own time, the time of its children that
     * have exited (cutime/cstime: finished parallel workers and sessions), and of its live children.
     */
    static final class Cpu {
        private final Path sourceData;
        private final Path targetData;
        private final double tick = 100.0; // USER_HZ on Linux

        Cpu(LocalPostgres s, LocalPostgres t) {
            this.sourceData = s.dir().resolve("data");
            this.targetData = t.dir().resolve("data");
        }

        double servers() {
            return instance(sourceData) + instance(targetData);
        }

        private double instance(Path data) {
            try {
                long pm = Long.parseLong(Files.readAllLines(data.resolve("postmaster.pid")).get(0).trim());
                long ticks = 0;
                try (var procs = Files.list(Path.of("/proc"))) {
                    for (Path p : (Iterable<Path>) procs::iterator) {
                        String name = p.getFileName().toString();
                        if (!name.chars().allMatch(Character::isDigit)) continue;
                        String stat;
                        try {
                            stat = Files.readString(p.resolve("stat"));
                        } catch (java.io.IOException gone) {
                            continue;
                        }
                        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                        long pid = Long.parseLong(name);
                        if (pid == pm) {
                            ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13]) + Long.parseLong(f[14]);
                        } else if (Long.parseLong(f[1]) == pm) {
                            ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
                        }
                    }
                }
                return ticks / tick;
            } catch (java.io.IOException | RuntimeException e) {
                return Double.NaN; // not Linux, or the instance is gone: the CPU columns show NaN
            }
        }

        static double jvm() {
            var os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
            if (os instanceof com.sun.management.OperatingSystemMXBean sun) return sun.getProcessCpuTime() / 1e9;
            return Double.NaN;
        }
    }

    /** A Markdown table of the results. */
    public static String markdown(List<Result> results) {
        StringBuilder sb = new StringBuilder();
        sb.append("Wall-clock seconds (medians), each measurement on both sides at once:\n\n");
        sb.append("| rows | table size | (a) count+hashtext(t::text) | (b) detoast scan | verify (checks 1-6) "
                + "| verify / (a) | verify / (b) | one changed row | changed / clean | peak live heap |\n");
        sb.append("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (Result r : results) {
            sb.append(String.format(Locale.ROOT, "| %,d | %.2f GB | %.2f s | %.2f s | %.2f s | %.3f | %.2f | %.2f s | %.3f | %.1f MB |%n",
                    r.rows(), r.sourceBytes() / 1e9, r.copyChecker(), r.detoastScan(), r.verify(),
                    r.verifyOverCopyChecker(), r.verifyOverDetoast(), r.verifyOneChanged(), r.changedOverClean(),
                    r.peakHeapMb()));
        }
        sb.append("\nCPU seconds (medians) of both PostgreSQL instances, plus the verifying JVM for verify:\n\n");
        sb.append("| rows | (a) | (b) | verify | verify / (a) | verify / (b) | one changed row | changed / clean |\n");
        sb.append("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (Result r : results) {
            sb.append(String.format(Locale.ROOT, "| %,d | %.2f | %.2f | %.2f | %.3f | %.2f | %.2f | %.3f |%n",
                    r.rows(), r.copyCheckerCpu(), r.detoastScanCpu(), r.verifyCpu(), r.cpuVerifyOverCopyChecker(),
                    r.cpuVerifyOverDetoast(), r.verifyOneChangedCpu(), r.cpuChangedOverClean()));
        }
        return sb.toString();
    }
}
