package io.pgvectormigrate.bench;

import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.local.LocalPostgres;
import io.pgvectormigrate.local.PgBinaries;
import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.report.Progress;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/** What the benchmarks share: two throwaway local instances, the machine's description, CPU and cache control. */
final class Bench {
    private Bench() {}

    /** Two local instances that stop (and, unless kept, vanish) when closed, also on Ctrl-C. */
    static final class Pair implements AutoCloseable {
        final LocalPostgres source;
        final LocalPostgres target;
        final Path base;
        private final boolean deleteBase;
        private final Thread stopOnExit;

        private Pair(LocalPostgres source, LocalPostgres target, Path base, boolean deleteBase, Thread stopOnExit) {
            this.source = source;
            this.target = target;
            this.base = base;
            this.deleteBase = deleteBase;
            this.stopOnExit = stopOnExit;
        }

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
            Thread hook = new Thread(() -> started.forEach(Bench::closeQuietly), "bench-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                LocalPostgres s = LocalPostgres.start(bins, base.resolve("source"), 0, conf, !keep);
                started.add(s);
                LocalPostgres t = LocalPostgres.start(bins, base.resolve("target"), 0, conf, !keep);
                started.add(t);
                return new Pair(s, t, base, dir == null && !keep, hook);
            } catch (RuntimeException e) {
                started.forEach(Bench::closeQuietly);
                removeHook(hook);
                throw e;
            }
        }

        @Override
        public void close() {
            removeHook(stopOnExit);
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

    static void closeQuietly(LocalPostgres pg) {
        try {
            pg.close();
        } catch (RuntimeException ignored) {
            // best effort while the JVM exits
        }
    }

    static Connection open(ConnectionSpec spec) throws SQLException {
        return DriverManager.getConnection(spec.jdbcUrl(), spec.driverProperties());
    }

    static void exec(ConnectionSpec spec, String... sql) throws SQLException {
        try (Connection c = open(spec); Statement st = c.createStatement()) {
            for (String q : sql) st.execute(q);
        }
    }

    static String scalar(ConnectionSpec spec, String sql) throws SQLException {
        try (Connection c = open(spec); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    /** A database's comment (the benchmarks mark the data they keep with it), null when there is none or no database. */
    static String comment(LocalPostgres pg, String db) throws SQLException {
        return scalar(pg.connection("postgres"), "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '" + db + "'");
    }

    /** Runs both at once; rethrows the first failure. */
    static void inParallel(Runnable x, Runnable y) {
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

    static double median(double[] xs) {
        double[] c = xs.clone();
        Arrays.sort(c);
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
        String cpu = "unknown CPU";
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    cpu = line.substring(line.indexOf(':') + 1).trim();
                    break;
                }
            }
        } catch (IOException ignored) {
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
        } catch (IOException | NumberFormatException ignored) {
            // not Linux
        }
        return Runtime.getRuntime().availableProcessors() + " cores (" + cpu + "), " + memGb + " GiB RAM, Java "
                + System.getProperty("java.version");
    }

    /** PostgreSQL and pgvector versions of a database, e.g. "PostgreSQL 15.20, pgvector 0.8.0". */
    static String versions(ConnectionSpec spec) throws SQLException {
        return scalar(spec, "SELECT 'PostgreSQL ' || current_setting('server_version') || ', pgvector ' "
                + "|| coalesce((SELECT extversion FROM pg_extension WHERE extname = 'vector'), 'none')");
    }

    static String bytes(long b) {
        if (b < 1024) return b + " B";
        String[] units = {"KB", "MB", "GB", "TB"};
        double v = b;
        int u = -1;
        do {
            v /= 1024;
            u++;
        } while (v >= 1024 && u < units.length - 1);
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    /**
     * Drops one database's files of both instances from the operating system's page cache (posix_fadvise
     * DONTNEED through {@code dd iflag=nocache}, after syncing them), so the next measurement reads from disk as a
     * database larger than memory would. Only these files are touched; nothing else on the machine is.
     */
    static void evictFromPageCache(Pair pair, String database) {
        List<Path> files = new ArrayList<>();
        for (LocalPostgres pg : List.of(pair.source, pair.target)) {
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
            List<String> sync = new ArrayList<>(List.of("sync"));
            batch.forEach(f -> sync.add(f.toString()));
            run(sync);
            for (Path f : batch) run(List.of("dd", "if=" + f, "iflag=nocache", "count=0", "status=none"));
        }
    }

    private static void run(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
                throw ToolException.runtime(cmd.get(0) + " failed while dropping benchmark files from the page cache: " + out.strip());
            }
        } catch (IOException e) {
            throw ToolException.runtime("cannot run " + cmd.get(0) + " (coreutils): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ToolException.runtime("interrupted");
        }
    }

    /**
     * CPU seconds used so far by both local instances: each postmaster's own time, the time of its children that
     * have exited (cutime/cstime: finished parallel workers and sessions), and of its live children.
     */
    static final class Cpu {
        private final Path sourceData;
        private final Path targetData;
        private static final double TICK = 100.0; // USER_HZ on Linux

        Cpu(Pair pair) {
            this.sourceData = pair.source.dir().resolve("data");
            this.targetData = pair.target.dir().resolve("data");
        }

        double servers() {
            return instance(sourceData) + instance(targetData);
        }

        /** Both instances, this JVM, and the processes this JVM started and waited for (psql, pgcopydb, pg_dump). */
        double all() {
            return servers() + jvm() + children();
        }

        /** cutime + cstime of this process: the CPU of its children that have exited and been waited for. */
        static double children() {
            try {
                String stat = Files.readString(Path.of("/proc/self/stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                return (Long.parseLong(f[13]) + Long.parseLong(f[14])) / TICK;
            } catch (IOException | RuntimeException e) {
                return Double.NaN;
            }
        }

        private static double instance(Path data) {
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
                        } catch (IOException gone) {
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
                return ticks / TICK;
            } catch (IOException | RuntimeException e) {
                return Double.NaN; // not Linux, or the instance is gone: the CPU columns show NaN
            }
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
}
