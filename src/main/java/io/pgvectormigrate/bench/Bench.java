package io.pgvectormigrate.bench;

import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.local.LocalPostgres;
import io.pgvectormigrate.local.PgBinaries;
import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pg.Queries;
import io.pgvectormigrate.report.Progress;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.DoubleAccumulator;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/** What the benchmarks share: two throwaway local instances, the machine's description, CPU and cache control. */
final class Bench {
    private Bench() {}

    /**
     * Two local instances that stop (and, unless kept, vanish) when closed, also on Ctrl-C; with the password file
     * of {@link #toolEnv}, which goes when they close.
     */
    record Pair(LocalPostgres source, LocalPostgres target, Path base, boolean deleteBase, Thread stopOnExit)
            implements AutoCloseable {
        /** Starts (or, in a kept directory, restarts) both instances under {@code dir} or a new temporary directory. */
        static Pair start(PgBinaries bins, Path dir, String prefix, Map<String, String> conf, boolean keep, Progress progress) {
            Path base;
            try {
                base = dir != null ? dir : Files.createTempDirectory(LocalPostgres.defaultBaseDir(), prefix);
                Files.createDirectories(base);
                // the instances run as the postgres OS user when we are root: it must be able to reach them
                Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
            } catch (IOException e) {
                throw ToolException.runtime("cannot create a benchmark directory: " + e.getMessage(), e);
            }
            progress.info("starting two local PostgreSQL instances under " + base);
            List<LocalPostgres> started = new CopyOnWriteArrayList<>();
            Thread hook = new Thread(() -> started.forEach(Queries::closeQuietly), "bench-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                LocalPostgres s = LocalPostgres.start(bins, base.resolve("source"), 0, conf, !keep);
                started.add(s);
                LocalPostgres t = LocalPostgres.start(bins, base.resolve("target"), 0, conf, !keep);
                started.add(t);
                return new Pair(s, t, base, dir == null && !keep, hook);
            } catch (RuntimeException e) {
                started.forEach(Queries::closeQuietly);
                removeHook(hook);
                throw e;
            }
        }

        /**
         * The environment of every program the benchmark runs (the tool's commands, psql, pgcopydb, pg_dump): the
         * caller's, a libpq password file for both instances (so no password appears on a command line or in a tool's
         * log), and the instances' own binaries first on PATH (pgcopydb runs pg_dump and pg_restore: their major
         * version).
         */
        Map<String, String> toolEnv(Map<String, String> env) {
            Path f = base.resolve("pgpass");
            String lines = Stream.of(source, target).map(pg -> "127.0.0.1:" + pg.port() + ":*:postgres:"
                    + pg.connection("postgres").password() + "\n").collect(Collectors.joining());
            try {
                Files.writeString(f, lines, StandardCharsets.UTF_8);
                Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
            } catch (IOException e) {
                throw ToolException.runtime("cannot write " + f + ": " + e.getMessage(), e);
            }
            Map<String, String> e = new LinkedHashMap<>(env);
            e.put("PGPASSFILE", f.toString());
            e.put("PATH", source.binaries().binDir() + ":" + env.getOrDefault("PATH", "/usr/bin:/bin"));
            return e;
        }

        @Override
        public void close() {
            removeHook(stopOnExit);
            LocalPostgres.deleteTree(base.resolve("pgpass"));
            try {
                target.close();
            } finally {
                source.close();
                if (deleteBase) {
                    try {
                        Files.deleteIfExists(base);
                    } catch (IOException ignored) {
                        // an empty temporary directory left behind is harmless
                    }
                }
            }
        }
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running already
        }
    }

    static Connection open(ConnectionSpec spec) throws SQLException {
        return DriverManager.getConnection(spec.jdbcUrl(), spec.driverProperties());
    }

    static void exec(ConnectionSpec spec, String... sql) throws SQLException {
        try (Connection c = open(spec)) {
            for (String q : sql) Queries.exec(c, q);
        }
    }

    static String scalar(ConnectionSpec spec, String sql) throws SQLException {
        try (Connection c = open(spec)) {
            return Queries.string(c, sql).orElse(null);
        }
    }

    /** A database's comment (the benchmarks mark the data they keep with it), null when there is none or no database. */
    static String comment(LocalPostgres pg, String db) throws SQLException {
        return scalar(pg.connection("postgres"), "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '" + db + "'");
    }

    /** Runs both at once; rethrows the first failure. */
    static void inParallel(Runnable x, Runnable y) {
        CompletableFuture<Void> other = CompletableFuture.runAsync(y);
        x.run();
        try {
            other.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException failure ? failure : e;
        }
    }

    static double median(double[] xs) {
        double[] c = Arrays.stream(xs).sorted().toArray();
        return c.length % 2 == 1 ? c[c.length / 2] : (c[c.length / 2 - 1] + c[c.length / 2]) / 2;
    }

    static double secondsSince(long nanoStart) {
        return (System.nanoTime() - nanoStart) / 1e9;
    }

    /** The 1-, 5- and 15-minute load averages, as /proc/loadavg shows them ("?" elsewhere). */
    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }

    /** The 1-minute load average, NaN where /proc/loadavg is missing. */
    static double load1() {
        try {
            return Double.parseDouble(loadAverage().split(" ")[0]);
        } catch (RuntimeException e) {
            return Double.NaN;
        }
    }

    /** The machine the figures come from, for docs/benchmarks.md. */
    static String machine() {
        String cpu = procLine("cpuinfo", "model name").map(l -> l.substring(l.indexOf(':') + 1).trim())
                .orElse("unknown CPU");
        long memGb = procLine("meminfo", "MemTotal:")
                .map(l -> Math.round(Long.parseLong(l.replaceAll("\\D", "")) / 1048576.0)).orElse(0L);
        return Runtime.getRuntime().availableProcessors() + " cores (" + cpu + "), " + memGb + " GiB RAM, Java "
                + System.getProperty("java.version");
    }

    /** The first line of /proc/{@code file} that starts with {@code prefix}; empty where there is none (not Linux). */
    private static Optional<String> procLine(String file, String prefix) {
        try (var lines = Files.lines(Path.of("/proc", file))) {
            return lines.filter(l -> l.startsWith(prefix)).findFirst();
        } catch (IOException | UncheckedIOException e) {
            return Optional.empty();
        }
    }

    /** PostgreSQL and pgvector versions of a database, e.g. "PostgreSQL 15.20, pgvector 0.8.0". */
    static String versions(ConnectionSpec spec) throws SQLException {
        return scalar(spec, "SELECT 'PostgreSQL ' || current_setting('server_version') || ', pgvector ' "
                + "|| coalesce((SELECT extversion FROM pg_extension WHERE extname = 'vector'), 'none')");
    }

    static String bytes(long b) {
        if (b < 1024) return b + " B";
        int unit = Math.min(4, (63 - Long.numberOfLeadingZeros(b)) / 10); // 1: KB ... 4: TB
        return String.format(Locale.ROOT, "%.1f %sB", b / Math.pow(1024, unit), "KMGT".charAt(unit - 1));
    }

    /**
     * Drops one database's files of both instances from the operating system's page cache (posix_fadvise
     * DONTNEED through {@code dd iflag=nocache}, after syncing them), so the next measurement reads from disk as a
     * database larger than memory would. Only these files are touched; nothing else on the machine is.
     */
    static void evictFromPageCache(Pair pair, String database) {
        List<Path> files = new ArrayList<>();
        for (LocalPostgres pg : List.of(pair.source(), pair.target())) {
            try {
                String oid = scalar(pg.connection("postgres"), "SELECT oid FROM pg_database WHERE datname = '" + database + "'");
                if (oid == null) continue;
                try (var walk = Files.walk(pg.dir().resolve("data").resolve("base").resolve(oid))) {
                    walk.filter(Files::isRegularFile).sorted(Comparator.naturalOrder()).forEach(files::add);
                }
            } catch (SQLException | IOException e) {
                throw ToolException.runtime("cannot list the files of " + database + ": " + e.getMessage(), e);
            }
        }
        for (int i = 0; i < files.size(); i += 200) {
            List<Path> batch = files.subList(i, Math.min(files.size(), i + 200));
            run(Stream.concat(Stream.of("sync"), batch.stream().map(Path::toString)).toList());
            for (Path f : batch) run(List.of("dd", "if=" + f, "iflag=nocache", "count=0", "status=none"));
        }
    }

    private static void run(List<String> cmd) {
        Output o = output(cmd, System.getenv(), cmd.get(0) + " (coreutils)");
        if (o.exit() != 0) {
            throw ToolException.runtime(cmd.get(0) + " failed while dropping benchmark files from the page cache: "
                    + o.text().strip());
        }
    }

    /** A program's exit code and its output, stdout and stderr together. */
    record Output(int exit, String text) {}

    /** Runs {@code cmd} to its end with exactly {@code env}; {@code what} names it when it cannot start. */
    static Output output(List<String> cmd, Map<String, String> env, String what) {
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            pb.environment().clear();
            pb.environment().putAll(env);
            Process proc = pb.start();
            String text = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return new Output(proc.waitFor(), text);
        } catch (IOException e) {
            throw ToolException.runtime("cannot run " + what + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ToolException.runtime("interrupted");
        }
    }

    /**
     * CPU seconds used so far by both local instances: each postmaster's own time, the time of its children that
     * have exited (cutime/cstime: finished parallel workers and sessions), and of its live children.
     */
    record Cpu(Pair pair) {
        private static final double TICK = 100.0; // USER_HZ on Linux

        double servers() {
            return instance(pair.source()) + instance(pair.target());
        }

        /** Both instances, this JVM, and the processes this JVM started and waited for (psql, pgcopydb, pg_dump). */
        double all() {
            return servers() + jvm() + children();
        }

        /** cutime + cstime of this process: the CPU of its children that have exited and been waited for. */
        static double children() {
            try {
                return ticks("self", 13, 14) / TICK;
            } catch (IOException | RuntimeException e) {
                return Double.NaN;
            }
        }

        private static double instance(LocalPostgres pg) {
            try {
                Path pid = pg.dir().resolve("data").resolve("postmaster.pid");
                long pm = Long.parseLong(Files.readAllLines(pid).get(0).trim());
                // a live child's utime + stime, as the JDK reads them from its /proc/<pid>/stat
                return ticks(String.valueOf(pm), 11, 14) / TICK + ProcessHandle.of(pm).orElseThrow().children()
                        .mapToDouble(c -> c.info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(0.0)).sum();
            } catch (IOException | RuntimeException e) {
                return Double.NaN; // not Linux, or the instance is gone: the CPU columns show NaN
            }
        }

        /** Fields from..to of {@code /proc/<pid>/stat} summed, counted from 0 after the command name. */
        private static long ticks(String pid, int from, int to) throws IOException {
            String stat = Files.readString(Path.of("/proc", pid, "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return IntStream.rangeClosed(from, to).mapToLong(i -> Long.parseLong(f[i])).sum();
        }

        static double jvm() {
            var os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
            if (os instanceof com.sun.management.OperatingSystemMXBean sun) return sun.getProcessCpuTime() / 1e9;
            return Double.NaN;
        }
    }

    /**
     * Live heap (used after a full GC) before and at its peak during {@code task}: a sampler forces a GC every
     * 100 ms, so this run is slower and is not timed.
     */
    static double[] heapDuring(Runnable task) {
        Runtime rt = Runtime.getRuntime();
        System.gc();
        double baseline = (rt.totalMemory() - rt.freeMemory()) / 1048576.0;
        DoubleAccumulator peak = new DoubleAccumulator(Math::max, baseline);
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        sampler.scheduleWithFixedDelay(() -> {
            System.gc();
            peak.accumulate((rt.totalMemory() - rt.freeMemory()) / 1048576.0);
        }, 0, 100, TimeUnit.MILLISECONDS);
        try {
            task.run();
        } finally {
            sampler.shutdownNow();
        }
        return new double[]{baseline, peak.get()};
    }
}
