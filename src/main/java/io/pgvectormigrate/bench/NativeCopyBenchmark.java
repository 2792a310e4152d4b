package io.pgvectormigrate.bench;

import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.replication.NativeOptions;
import io.pgvectormigrate.replication.ReplicationNames;
import io.pgvectormigrate.local.LocalPostgres;
import io.pgvectormigrate.local.PgBinaries;
import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pg.Publications;
import io.pgvectormigrate.pg.ReplicationSlots;
import io.pgvectormigrate.pg.Sql;
import io.pgvectormigrate.pg.Subscriptions;
import io.pgvectormigrate.pg.TableFilter;
import io.pgvectormigrate.pipeline.CopyEngine;
import io.pgvectormigrate.pipeline.Endpoints;
import io.pgvectormigrate.pipeline.Journal;
import io.pgvectormigrate.pipeline.RunContext;
import io.pgvectormigrate.report.Progress;
import io.pgvectormigrate.run.Engines;
import io.pgvectormigrate.sample.BedrockChatSample;
import io.pgvectormigrate.prepare.Indexes.IndexAction;
import io.pgvectormigrate.prepare.PrepareOptions;
import io.pgvectormigrate.prepare.TargetPreparer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Times the native path end to end, as an operator runs it: prepare-target with the schema from the source (indexes
 * deferred), migrate (initial copy, indexes built, target analyzed) and cutover, in one JVM, against peers on the
 * same data between the same two local instances, in the same run:
 * <ul>
 *   <li>{@code pgcopydb clone --table-jobs 2 --index-jobs 2} (schema, data, indexes, VACUUM ANALYZE), when installed;</li>
 *   <li>one binary {@code COPY ... TO STDOUT} piped into {@code COPY ... FROM STDIN} of the same table (two psql
 *       processes, the table created beforehand with its primary key, as the native copy finds it): the floor for
 *       the copy phase;</li>
 *   <li>optionally {@code pg_dump -Fc | pg_restore} (and {@code -Z0}), and the native engine with PostgreSQL's own
 *       table sync ({@code --initial-copy subscription}).</li>
 * </ul>
 * Every copy is checked against the source (rows, a hash over every id, vector and content, the index count) before
 * its time counts. Methods take turns in every round, so a burst of load elsewhere hits them alike; medians are
 * reported. For the native path it also says where the time went: the tool's own phases, every statement the two
 * servers ran (sampled from pg_stat_activity), and what three separate JVM starts (one per command) would add.
 */
public final class NativeCopyBenchmark {
    private NativeCopyBenchmark() {}

    static final String PGCOPYDB = "pgcopydb clone --table-jobs 2 --index-jobs 2";
    static final String PIPE = "single binary COPY pipe (psql | psql)";
    static final String NATIVE = "native: prepare-target + migrate + cutover";

    /**
     * @param jobs         the native engine's --jobs, one native method per value (0: its automatic choice); the
     *                     first is the one the ratios and the breakdown are about
     * @param withDump     also pg_dump -Fc | pg_restore
     * @param uncompressed also pg_dump -Fc -Z0 | pg_restore
     * @param subscription also the native path with --initial-copy subscription
     * @param pgcopydb     null: the pgcopydb executable found on PATH (skipped, with how to install it, when missing)
     * @param mainClass    the tool's entry point, to time a JVM start when not running from the jar
     * @param keep         keep the instances and the source database in {@code workDir}; a later run with the same
     *                     directory, rows and bots uses them again
     * @param heap         also measure the live heap during one more (untimed) native run
     */
    public record Settings(long rows, int bots, List<Integer> jobs, int repeats, boolean withDump, boolean uncompressed,
                           boolean subscription, Path pgcopydb, Path workDir, String mainClass, boolean keep, boolean heap) {
        public Settings {
            jobs = List.copyOf(jobs);
            if (jobs.isEmpty()) throw ToolException.usage("--jobs needs at least one value");
            if (keep && workDir == null) throw ToolException.usage("--keep needs --dir: the directory a later run uses again");
        }
    }

    /**
     * One timed run of one method; {@code copySeconds} is the copy phase (NaN when the method has none on its own),
     * {@code cpuSeconds} the CPU both instances, this JVM and the tools it ran spent meanwhile, {@code load} the
     * machine's 1-minute load average when it started.
     */
    public record Timing(String method, int round, double seconds, double copySeconds, double cpuSeconds, double load,
                         String detail) {}

    /** A method's median run (by total time), every run's total and copy phase, and the median CPU seconds. */
    public record Method(String method, double seconds, double copySeconds, String detail, List<Double> runs,
                         List<Double> copyRuns, double cpuSeconds, List<Double> loads) {}

    /** One native variant (a --jobs value) against the peers: medians of its runs over the peers' medians. */
    public record Variant(String method, String jobs, String streams, double seconds, double copySeconds,
                          Double wholeOverPgcopydb, Double copyOverPipe, double cpuSeconds) {}

    /** Where one native run's time went. */
    public record Breakdown(double total, double prepare, double migrate, double copy, double afterLoadInMigrate,
                            double cutover, double afterLoadInCutover, double idle, int streams,
                            List<String> copyStreams, List<String> indexBuilds, List<String> analyze, List<String> timeline,
                            double jvmStartSeconds, String load) {}

    /** {@code peakHeapMb} is NaN when not measured. */
    public record Result(long rows, int bots, String versions, String sourceSize, String machine, List<Integer> jobs, int repeats,
                         List<Method> methods, Double wholeOverPgcopydb, Double copyOverPipe, List<Variant> variants,
                         String pgcopydb, List<String> pgcopydbSteps, Breakdown breakdown, double peakHeapMb,
                         String loadBefore, String loadAfter) {}

    /** The method name of the native path run with {@code jobs}; the first variant keeps the plain name. */
    static String nativeLabel(Settings s, int jobs) {
        return jobs == s.jobs().get(0) ? NATIVE : NATIVE + ", --jobs " + jobs;
    }

    static String jobsText(int jobs) {
        return jobs == NativeOptions.AUTOMATIC_JOBS ? "0 (automatic)" : String.valueOf(jobs);
    }

    public static Result run(Settings s, Map<String, String> env, Progress p) {
        PgBinaries bins = PgBinaries.locate(env).requirePgvector();
        Path base = s.workDir() != null ? s.workDir() : LocalPostgres.defaultBaseDir();
        Path dir;
        String marker = "pgvector-migrate copy benchmark: " + s.rows() + " rows, " + s.bots() + " bots";
        try {
            Files.createDirectories(base);
            // the source (table, TOAST, both indexes) is about 14 KB a row; one target of the same size at a time, plus WAL
            boolean kept = s.keep() && Files.exists(base.resolve("source").resolve("data").resolve("PG_VERSION"));
            long needed = (long) (s.rows() * 14_500L * (kept ? 1.3 : 2.3));
            long usable = Files.getFileStore(base).getUsableSpace();
            if (usable < needed) {
                throw ToolException.usage(String.format(Locale.ROOT, "%,d rows need about %s free in %s, only %s is: "
                        + "free some space or pass --dir on a larger disk", s.rows(), Bench.bytes(needed), base, Bench.bytes(usable)));
            }
            dir = s.keep() ? base : Files.createTempDirectory(base, "bench-copy-");
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException e) {
            throw ToolException.runtime("cannot create a benchmark directory: " + e.getMessage(), e);
        }
        Path pgcopydb = s.pgcopydb() != null ? s.pgcopydb() : onPath("pgcopydb", env);
        String pgcopydbStatus = pgcopydb == null
                ? "not installed: apt-get install pgcopydb (Debian/Ubuntu; other systems: https://pgcopydb.readthedocs.io), then run again"
                : version(pgcopydb);
        if (pgcopydb == null) p.info("pgcopydb is " + pgcopydbStatus + "; measuring the other methods");
        Map<String, String> conf = new LinkedHashMap<>(LocalPostgres.replicationSettings());
        conf.putAll(LocalPostgres.throwawaySettings());
        conf.put("max_wal_size", "8GB");
        List<Timing> timings = new ArrayList<>();
        Map<Integer, Breakdown> breakdowns = new LinkedHashMap<>();
        Map<String, String> streams = new LinkedHashMap<>(); // per native method: the streams the copy ran, and why
        List<String> pgcopydbSteps = new ArrayList<>();
        String versions;
        String size;
        String loadBefore;
        double peakHeap = Double.NaN;
        try (Bench.Pair pair = Bench.Pair.start(bins, dir, "bench-copy-", conf, s.keep(), p)) {
            ConnectionSpec source = pair.source.connection("bench");
            if (s.keep() && marker.equals(Bench.comment(pair.source, "bench"))) {
                p.info(String.format(Locale.ROOT, "using the source database kept by an earlier run (%,d rows)", s.rows()));
                dropLeftovers(pair);
            } else {
                dropLeftovers(pair);
                Bench.exec(pair.source.connection("postgres"), "DROP DATABASE IF EXISTS bench", "CREATE DATABASE bench");
                p.info(String.format(Locale.ROOT, "generating %,d Bedrock Chat rows (%d bots) on the source", s.rows(), s.bots()));
                try (Connection c = Bench.open(source)) {
                    BedrockChatSample.createTable(c);
                    BedrockChatSample.generate(c, s.rows(), s.bots(), 42, p);
                    BedrockChatSample.createIndexes(c);
                    try (var st = c.createStatement()) {
                        st.execute("VACUUM (ANALYZE) items");
                    }
                }
                Bench.exec(pair.source.connection("postgres"), "COMMENT ON DATABASE bench IS '" + marker + "'");
            }
            size = Bench.scalar(source, "SELECT pg_size_pretty(pg_total_relation_size('items'))");
            versions = Bench.versions(source);
            String expected = fingerprint(source, true);
            String expectedData = fingerprint(source, false);
            Path pgpass = pgpass(dir, pair);
            // untimed: the first copy into a fresh instance also creates its WAL segment files (IO:WALInitWrite) and
            // reads the source from disk; after it every method finds segments to recycle and the source cached alike
            p.info("warm-up (untimed): one COPY pipe");
            pipeRun(p, pair, bins, pgpass, 0, expectedData);
            loadBefore = Bench.loadAverage();
            for (int round = 1; round <= s.repeats(); round++) {
                p.info("round " + round + " of " + s.repeats() + " (load average " + Bench.loadAverage() + ")");
                // the native variants take turns at going first (the first run in this JVM also compiles the copy path)
                List<Integer> order = new ArrayList<>(s.jobs());
                java.util.Collections.rotate(order, -(round - 1));
                for (int jobs : order) {
                    boolean first = jobs == s.jobs().get(0);
                    timings.add(nativeRun(p, pair, (first ? "native_" : "native_j" + jobs + "_") + round, nativeLabel(s, jobs),
                            NativeOptions.InitialCopy.SNAPSHOT, jobs, expected, dir, round, first ? breakdowns : null, streams));
                }
                if (pgcopydb != null) timings.add(pgcopydbRun(p, pair, bins, pgcopydb, pgpass, dir, round, expected, pgcopydbSteps));
                timings.add(pipeRun(p, pair, bins, pgpass, round, expectedData));
                if (s.subscription()) {
                    timings.add(nativeRun(p, pair, "native_sub_" + round, "native, --initial-copy subscription",
                            NativeOptions.InitialCopy.SUBSCRIPTION, 1, expected, dir, round, null, streams));
                }
                if (s.withDump()) timings.add(dumpRestore(p, pair, bins, pgpass, round, false, expected));
                if (s.uncompressed()) timings.add(dumpRestore(p, pair, bins, pgpass, round, true, expected));
            }
            if (s.heap()) {
                p.info("live heap during one more native run (untimed: a GC every 100 ms)");
                double[] heap = Bench.heapDuring(() -> {
                    try {
                        nativeRun(p, pair, "native_heap", NATIVE, NativeOptions.InitialCopy.SNAPSHOT, s.jobs().get(0), expected,
                                dir, 0, null, new LinkedHashMap<>());
                    } catch (SQLException e) {
                        throw ToolException.runtime("benchmark failed: " + e.getMessage(), e);
                    }
                });
                peakHeap = heap[1];
            }
        } catch (SQLException e) {
            throw ToolException.runtime("benchmark failed: " + e.getMessage(), e);
        } finally {
            if (s.keep()) {
                deleteTree(dir.resolve("pgpass"));
                for (String d : List.of("journal-", "pgcopydb-")) {
                    try (var list = Files.list(dir)) {
                        list.filter(f -> f.getFileName().toString().startsWith(d)).forEach(NativeCopyBenchmark::deleteTree);
                    } catch (IOException ignored) {
                        // best effort
                    }
                }
            } else {
                deleteTree(dir);
            }
        }
        String loadAfter = Bench.loadAverage();

        Map<String, List<Timing>> byMethod = new LinkedHashMap<>();
        for (Timing t : timings) byMethod.computeIfAbsent(t.method(), k -> new ArrayList<>()).add(t);
        List<Method> methods = new ArrayList<>();
        Timing nativeMedian = null;
        for (Map.Entry<String, List<Timing>> e : byMethod.entrySet()) {
            List<Timing> sorted = new ArrayList<>(e.getValue());
            sorted.sort(Comparator.comparingDouble(Timing::seconds));
            Timing m = sorted.get((sorted.size() - 1) / 2);
            if (e.getKey().equals(NATIVE)) nativeMedian = m;
            methods.add(new Method(e.getKey(), m.seconds(), m.copySeconds(), m.detail(),
                    e.getValue().stream().map(Timing::seconds).toList(), e.getValue().stream().map(Timing::copySeconds).toList(),
                    Bench.median(e.getValue().stream().mapToDouble(Timing::cpuSeconds).toArray()),
                    e.getValue().stream().map(Timing::load).toList()));
        }
        Double wholeOverPgcopydb = ratio(methods, NATIVE, PGCOPYDB, false);
        Double copyOverPipe = ratio(methods, NATIVE, PIPE, true);
        List<Variant> variants = new ArrayList<>();
        for (int jobs : s.jobs()) {
            String label = nativeLabel(s, jobs);
            Method m = methods.stream().filter(x -> x.method().equals(label)).findFirst().orElse(null);
            if (m == null) continue;
            variants.add(new Variant(label, jobsText(jobs), streams.getOrDefault(label, "?"), m.seconds(), medianCopy(m),
                    ratio(methods, label, PGCOPYDB, false), medianCopy(m) / methods.stream().filter(x -> x.method().equals(PIPE))
                    .findFirst().map(Method::seconds).orElse(Double.NaN), m.cpuSeconds()));
        }
        Breakdown b = nativeMedian == null ? null : breakdowns.get(nativeMedian.round());
        if (b != null) {
            b = new Breakdown(b.total(), b.prepare(), b.migrate(), b.copy(), b.afterLoadInMigrate(), b.cutover(),
                    b.afterLoadInCutover(), b.idle(), b.streams(), b.copyStreams(), b.indexBuilds(), b.analyze(), b.timeline(),
                    jvmStart(p, s.mainClass()), b.load());
        }
        return new Result(s.rows(), s.bots(), versions, size, Bench.machine(), s.jobs(), s.repeats(), methods,
                wholeOverPgcopydb, copyOverPipe, variants, pgcopydbStatus, pgcopydbSteps, b, peakHeap, loadBefore, loadAfter);
    }

    /** The median of a method's copy phases (its own runs' median, which need not be the median run's). */
    private static double medianCopy(Method m) {
        return Bench.median(m.copyRuns().stream().mapToDouble(Double::doubleValue).toArray());
    }

    /**
     * What an earlier, interrupted run left behind in a kept directory: target databases (a subscription in one is
     * detached from its slot first, or the database cannot be dropped) and, on the source, the replication slots and
     * publications of the benchmark's runs, which would hold WAL.
     */
    private static void dropLeftovers(Bench.Pair pair) throws SQLException {
        // the runs' ids are bench-<database>, so their slots and publications are named pgvm_bench_<database>
        String ours = ReplicationNames.PREFIX + "bench_";
        List<String> dbs = new ArrayList<>();
        try (Connection c = Bench.open(pair.target.connection("postgres")); var st = c.createStatement();
             var rs = st.executeQuery("SELECT datname FROM pg_database WHERE datname ~ '^(native|pgcopydb|pipe|dump)_'")) {
            while (rs.next()) dbs.add(rs.getString(1));
        }
        for (String db : dbs) {
            try (Connection c = Bench.open(pair.target.connection(db))) {
                for (String sub : Subscriptions.names(c)) Subscriptions.dropDetached(c, sub);
            }
            Bench.exec(pair.target.connection("postgres"), "DROP DATABASE " + Sql.ident(db));
        }
        try (Connection c = Bench.open(pair.source.connection("postgres"))) {
            for (ReplicationSlots.Slot slot : ReplicationSlots.inCluster(c, ours)) {
                if (!slot.active()) ReplicationSlots.dropIfUnused(c, slot.name());
            }
        }
        if (Bench.comment(pair.source, "bench") != null) {
            try (Connection c = Bench.open(pair.source.connection("bench"))) {
                for (String pub : Publications.startingWith(c, ours)) Publications.drop(c, pub);
            }
        }
    }

    private static Double ratio(List<Method> methods, String a, String b, boolean copyPhase) {
        Method x = methods.stream().filter(m -> m.method().equals(a)).findFirst().orElse(null);
        Method y = methods.stream().filter(m -> m.method().equals(b)).findFirst().orElse(null);
        if (x == null || y == null) return null;
        return (copyPhase ? x.copySeconds() : x.seconds()) / y.seconds();
    }

    // ---- the native path

    private static Timing nativeRun(Progress p, Bench.Pair pair, String db, String label, NativeOptions.InitialCopy mode, int jobs,
                                    String expected, Path dir, int round, Map<Integer, Breakdown> breakdowns,
                                    Map<String, String> streams) throws SQLException {
        Bench.exec(pair.target.connection("postgres"), "CREATE DATABASE " + db);
        ConnectionSpec target = pair.target.connection(db);
        ConnectionSpec source = pair.source.connection("bench");
        p.info(label + " (" + (mode == NativeOptions.InitialCopy.SNAPSHOT ? "--jobs " + jobsText(jobs) : "table sync") + ")");
        List<TargetPreparer.AfterLoadResult> afterLoads = new ArrayList<>();
        List<double[]> afterLoadTimes = new ArrayList<>();
        Path journalDir = dir.resolve("journal-" + db);
        Endpoints ep = new Endpoints(source, target, TableFilter.ALL);
        String load = Bench.loadAverage();
        double load1 = Bench.load1();
        double prepare;
        double migrate;
        double cutover;
        double copySeconds;
        CopyEngine.Copy copy;
        List<ActivitySampler.Span> spans;
        double idle;
        double start;
        Timeline timeline;
        Bench.Cpu cpu = new Bench.Cpu(pair);
        double cpu0;
        double cpuSeconds;
        try (ActivitySampler sampler = new ActivitySampler(source, target)) {
            timeline = new Timeline(p, sampler.t0());
            Timeline tl = timeline;
            // the engine's own after-load passes, timed, with what they did
            NativeOptions.AfterLoad timed = new NativeOptions.AfterLoad() {
                @Override
                public void run(ConnectionSpec t, TableFilter tables, Progress prog) {
                    pass(t, tables, prog, TargetPreparer.AfterLoadOptions.defaults());
                }

                @Override
                public void again(ConnectionSpec t, TableFilter tables, Progress prog) {
                    pass(t, tables, prog, TargetPreparer.AfterLoadOptions.defaults());
                }

                private void pass(ConnectionSpec t, TableFilter tables, Progress prog, TargetPreparer.AfterLoadOptions o) {
                    double a = tl.now();
                    afterLoads.add(TargetPreparer.afterLoad(t, tables, o, prog));
                    afterLoadTimes.add(new double[]{a, tl.now()});
                }
            };
            NativeOptions options = NativeOptions.defaults().withInitialCopy(mode).withJobs(jobs).withAfterLoad(timed);
            CopyEngine engine = Engines.nativeEngine(options);
            RunContext ctx = new RunContext(Journal.open(journalDir, "bench-" + db.replace('_', '-'), "benchmark", Clock.systemUTC()),
                    timeline, journalDir, Clock.systemUTC());
            start = timeline.now();
            cpu0 = cpu.all();
            timeline.mark("prepare-target starts");
            TargetPreparer.prepare(PrepareOptions.forPipeline(target, source, TableFilter.ALL).withBinaries(pair.source.binaries()), timeline);
            prepare = timeline.now() - start;
            timeline.mark("migrate starts");
            copy = engine.migrate(ctx, ep).copy();
            copySeconds = copy.seconds();
            migrate = timeline.now() - start - prepare;
            timeline.mark("cutover starts");
            engine.cutover(ctx, ep);
            cutover = timeline.now() - start - prepare - migrate;
            timeline.mark("done");
            cpuSeconds = cpu.all() - cpu0;
            sampler.close();
            spans = sampler.finish();
            idle = sampler.idleSeconds(start, timeline.now());
        }
        double total = prepare + migrate + cutover;
        check(p, target, expected, db);
        Bench.exec(pair.target.connection("postgres"), "DROP DATABASE " + db);
        double alMigrate = afterLoadTimes.isEmpty() ? 0 : afterLoadTimes.get(0)[1] - afterLoadTimes.get(0)[0];
        double alCutover = afterLoadTimes.size() < 2 ? 0 : afterLoadTimes.get(1)[1] - afterLoadTimes.get(1)[0];
        String detail = String.format(Locale.ROOT, "prepare-target %.1f s, copy %.1f s, after-load (indexes, analyze) %.1f s, "
                + "rest of migrate %.1f s, cutover %.1f s", prepare, copySeconds, alMigrate, migrate - copySeconds - alMigrate, cutover);
        if (breakdowns != null) {
            breakdowns.put(round, breakdown(total, prepare, migrate, copySeconds, alMigrate, cutover, alCutover, idle,
                    copy.streams(), spans, afterLoads, timeline, load, start));
        }
        if (streams != null && copy.streams() > 0) {
            streams.put(label, copy.streams() + " stream" + (copy.streams() == 1 ? "" : "s") + " (" + copy.streamsWhy() + ")");
        }
        return new Timing(label, round, total, copySeconds, cpuSeconds, load1, detail);
    }

    private static Breakdown breakdown(double total, double prepare, double migrate, double copy, double alMigrate,
                                       double cutover, double alCutover, double idle, int engineStreams,
                                       List<ActivitySampler.Span> spans,
                                       List<TargetPreparer.AfterLoadResult> afterLoads, Timeline timeline, String load, double start) {
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
        List<String> builds = new ArrayList<>();
        for (TargetPreparer.AfterLoadResult r : afterLoads) {
            for (IndexAction a : r.indexes()) {
                builds.add(String.format(Locale.ROOT, "%s.%s (%s): %s%s", a.schema(), a.index(), a.accessMethod(),
                        a.action().name().toLowerCase(Locale.ROOT).replace('_', ' '), a.seconds() > 0 ? String.format(Locale.ROOT, " in %.1f s", a.seconds()) : ""));
            }
        }
        List<String> statements = new ArrayList<>();
        for (ActivitySampler.Span x : spans) {
            String st = x.statement().toUpperCase(Locale.ROOT);
            boolean maintenance = st.startsWith("CREATE INDEX") || st.startsWith("REINDEX") || st.startsWith("ANALYZE")
                    || st.startsWith("CREATE UNIQUE") || st.startsWith("VACUUM");
            if (!x.side().equals("target") || !maintenance || x.backendType().equals("parallel worker")) continue;
            List<ActivitySampler.Span> workers = spans.stream().filter(w -> w.backendType().equals("parallel worker")
                    && w.statement().equals(x.statement()) && w.from() >= x.from() && w.from() <= x.to()).toList();
            statements.add(String.format(Locale.ROOT, "%.1f s from %.1f s: %s%s", x.seconds(), x.from() - start,
                    ActivitySampler.shortStatement(x.statement()), workers.isEmpty() ? "" : String.format(Locale.ROOT,
                            " (+%d parallel workers for %.1f s)", workers.size(), workers.stream().mapToDouble(ActivitySampler.Span::seconds).max().orElse(0))));
        }
        return new Breakdown(total, prepare, migrate, copy, alMigrate, cutover, alCutover, idle, engineStreams, streams,
                builds, statements, timeline.lines(), Double.NaN, load);
    }

    /** The wait events a stream's samples showed, most frequent first. */
    private static String waits(List<ActivitySampler.Span> spans) {
        Map<String, Integer> all = new LinkedHashMap<>();
        for (ActivitySampler.Span x : spans) x.waits().forEach((k, v) -> all.merge(k, v, Integer::sum));
        if (all.isEmpty()) return "no waits sampled";
        return all.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(3)
                .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", ")) + " samples";
    }

    /** Progress lines with the time they were printed, relative to the start of the run. */
    static final class Timeline implements Progress {
        private final long t0;
        private final Progress out;
        private final List<String> lines = new ArrayList<>();

        Timeline(Progress out, long t0) {
            this.out = out;
            this.t0 = t0;
        }

        double now() {
            return (System.nanoTime() - t0) / 1e9;
        }

        synchronized void mark(String what) {
            lines.add(String.format(Locale.ROOT, "%6.1f s  -- %s", now(), what));
        }

        @Override
        public synchronized void info(String line) {
            lines.add(String.format(Locale.ROOT, "%6.1f s  %s", now(), line));
            out.info("  " + line);
        }

        @Override
        public Bar bar(String task, long total, String unit) {
            return NO_BAR;
        }

        synchronized List<String> lines() {
            return List.copyOf(lines);
        }
    }

    /** Seconds a JVM needs to start this tool and exit ({@code --version}), the median of 3. */
    private static double jvmStart(Progress p, String mainClass) {
        try {
            Path jar = Path.of(NativeCopyBenchmark.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            String java = ProcessHandle.current().info().command().orElse("java");
            // the shaded jar as bin/pgvector-migrate runs it; from a build tree (tests), the same classpath
            List<String> cmd = jar.toString().endsWith(".jar") ? List.of(java, "-jar", jar.toString(), "--version")
                    : List.of(java, "-cp", System.getProperty("java.class.path"), mainClass, "--version");
            double[] t = new double[3];
            for (int i = 0; i < 3; i++) {
                long t0 = System.nanoTime();
                Process proc = new ProcessBuilder(cmd).redirectErrorStream(true).start();
                proc.getInputStream().readAllBytes();
                if (!proc.waitFor(60, TimeUnit.SECONDS)) proc.destroyForcibly();
                t[i] = Bench.secondsSince(t0);
            }
            return Bench.median(t);
        } catch (Exception e) {
            p.info("could not time a JVM start: " + e.getMessage());
            return Double.NaN;
        }
    }

    // ---- the peers

    private static Timing pgcopydbRun(Progress p, Bench.Pair pair, PgBinaries bins, Path pgcopydb, Path pgpass, Path dir,
                                      int round, String expected, List<String> steps) throws SQLException {
        String db = "pgcopydb_" + round;
        Bench.exec(pair.target.connection("postgres"), "CREATE DATABASE " + db);
        Path work = dir.resolve("pgcopydb-" + round);
        List<String> cmd = List.of(pgcopydb.toString(), "clone", "--source", uri(pair.source, "bench"), "--target", uri(pair.target, db),
                "--table-jobs", "2", "--index-jobs", "2", "--dir", work.toString());
        p.info(PGCOPYDB);
        Peer run = peer(pair, cmd, env(bins, pgpass), PGCOPYDB);
        String output = run.output();
        check(p, pair.target.connection(db), expected, db);
        Bench.exec(pair.target.connection("postgres"), "DROP DATABASE " + db);
        deleteTree(work);
        // pgcopydb ends with a table of its steps and their durations: keep the first round's
        if (steps.isEmpty()) {
            boolean in = false;
            for (String line : output.split("\n")) {
                String l = line.replaceFirst("^\\S+ \\d+ \\w+\\s+", "");
                if (l.trim().startsWith("Step")) in = true;
                if (in && !l.isBlank()) steps.add(l.stripTrailing());
            }
        }
        return new Timing(PGCOPYDB, round, run.seconds(), Double.NaN, run.cpuSeconds(), run.load(),
                "schema, data, primary key and both indexes, VACUUM ANALYZE");
    }

    private static Timing pipeRun(Progress p, Bench.Pair pair, PgBinaries bins, Path pgpass, int round, String expectedData)
            throws SQLException {
        String db = "pipe_" + round;
        Bench.exec(pair.target.connection("postgres"), "CREATE DATABASE " + db);
        ConnectionSpec target = pair.target.connection(db);
        try (Connection c = Bench.open(target)) {
            BedrockChatSample.createTable(c); // with its primary key, as prepare-target leaves it for the copy
        }
        String psql = bins.tool("psql").toString();
        String cmd = "set -o pipefail; \"" + psql + "\" -X -q -h 127.0.0.1 -p " + pair.source.port() + " -U postgres -d bench "
                + "-c 'COPY items TO STDOUT (FORMAT binary)' | \"" + psql + "\" -X -q -h 127.0.0.1 -p " + pair.target.port()
                + " -U postgres -d " + db + " -c 'COPY items FROM STDIN (FORMAT binary)'";
        p.info(PIPE);
        Peer run = peer(pair, List.of("bash", "-c", cmd), env(bins, pgpass), PIPE);
        check(p, target, expectedData, db, false);
        Bench.exec(pair.target.connection("postgres"), "DROP DATABASE " + db);
        return new Timing(PIPE, round, run.seconds(), run.seconds(), run.cpuSeconds(), run.load(),
                "data only, into the table with its primary key");
    }

    private static Timing dumpRestore(Progress p, Bench.Pair pair, PgBinaries bins, Path pgpass, int round, boolean uncompressed,
                                      String expected) throws SQLException {
        String db = (uncompressed ? "dump_z0_" : "dump_") + round;
        Bench.exec(pair.target.connection("postgres"), "CREATE DATABASE " + db);
        ConnectionSpec target = pair.target.connection(db);
        // pg_dump -t does not carry extensions; the native target gets them from prepare-target
        Bench.exec(target, "CREATE EXTENSION vector");
        String label = "pg_dump -Fc" + (uncompressed ? " -Z0" : "") + " | pg_restore";
        String cmd = "set -o pipefail; \"" + bins.tool("pg_dump") + "\" -h 127.0.0.1 -p " + pair.source.port()
                + " -U postgres -Fc" + (uncompressed ? " -Z0" : "") + " -t public.items bench"
                + " | PGOPTIONS='-c maintenance_work_mem=1GB -c max_parallel_maintenance_workers=4'"
                + " \"" + bins.tool("pg_restore") + "\" -h 127.0.0.1 -p " + pair.target.port() + " -U postgres -d " + db;
        p.info(label);
        Peer run = peer(pair, List.of("bash", "-c", cmd), env(bins, pgpass), label);
        check(p, target, expected, db);
        Bench.exec(pair.target.connection("postgres"), "DROP DATABASE " + db);
        return new Timing(label, round, run.seconds(), Double.NaN, run.cpuSeconds(), run.load(),
                "data, primary key and both indexes (the after-load settings)");
    }

    /** A libpq password file for both instances, so no password appears on a command line or in a tool's log. */
    private static Path pgpass(Path dir, Bench.Pair pair) {
        Path f = dir.resolve("pgpass");
        String lines = "127.0.0.1:" + pair.source.port() + ":*:postgres:" + pair.source.connection("postgres").password() + "\n"
                + "127.0.0.1:" + pair.target.port() + ":*:postgres:" + pair.target.connection("postgres").password() + "\n";
        try {
            Files.writeString(f, lines, StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            throw ToolException.runtime("cannot write " + f + ": " + e.getMessage(), e);
        }
        return f;
    }

    private static Map<String, String> env(PgBinaries bins, Path pgpass) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PGPASSFILE", pgpass.toString());
        // pgcopydb runs pg_dump and pg_restore: the instances' own major version first
        env.put("PATH", bins.binDir() + ":" + System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        return env;
    }

    private static String uri(LocalPostgres pg, String db) {
        return "postgres://postgres@127.0.0.1:" + pg.port() + "/" + db;
    }

    /** A peer's timed run: wall seconds, CPU seconds of both instances and the tools, the load average at its start. */
    private record Peer(String output, double seconds, double cpuSeconds, double load) {}

    private static Peer peer(Bench.Pair pair, List<String> cmd, Map<String, String> env, String label) {
        Bench.Cpu cpu = new Bench.Cpu(pair);
        double load = Bench.load1();
        double cpu0 = cpu.all();
        long t0 = System.nanoTime();
        String output = runTool(cmd, env, label);
        double secs = Bench.secondsSince(t0);
        return new Peer(output, secs, cpu.all() - cpu0, load);
    }

    private static String runTool(List<String> cmd, Map<String, String> env, String label) {
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            pb.environment().putAll(env);
            Process proc = pb.start();
            String output = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int code = proc.waitFor();
            if (code != 0) {
                String tail = output.lines().skip(Math.max(0, output.lines().count() - 15)).collect(Collectors.joining("\n"));
                throw ToolException.runtime(label + " failed (exit " + code + "):\n" + tail);
            }
            return output;
        } catch (IOException e) {
            throw ToolException.runtime("cannot run " + cmd.get(0) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ToolException.runtime("interrupted");
        }
    }

    private static Path onPath(String name, Map<String, String> env) {
        for (String d : env.getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path f = Path.of(d).resolve(name);
            if (Files.isExecutable(f)) return f;
        }
        return null;
    }

    private static String version(Path pgcopydb) {
        try {
            Process proc = new ProcessBuilder(pgcopydb.toString(), "--version").redirectErrorStream(true).start();
            String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            proc.waitFor();
            return out.lines().filter(l -> l.startsWith("pgcopydb version")).findFirst().orElse(pgcopydb.toString()).trim();
        } catch (IOException e) {
            return pgcopydb.toString();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return pgcopydb.toString();
        }
    }

    /** Row count, a hash over every id, vector and content, and (with {@code indexes}) the index count. */
    private static String fingerprint(ConnectionSpec spec, boolean indexes) throws SQLException {
        return Bench.scalar(spec, "SELECT count(*) || ' rows, ' || sum(hashtext(id || md5(vector_send(embedding)) || md5(content)))::text "
                + (indexes ? "|| ', ' || (SELECT count(*) FROM pg_indexes WHERE tablename = 'items') || ' indexes'" : "") + " FROM items");
    }

    private static void check(Progress p, ConnectionSpec target, String expected, String what) throws SQLException {
        check(p, target, expected, what, true);
    }

    private static void check(Progress p, ConnectionSpec target, String expected, String what, boolean indexes) throws SQLException {
        String got = fingerprint(target, indexes);
        if (!got.equals(expected)) {
            throw ToolException.runtime(what + ": the copy differs from the source (" + got + " vs " + expected + ")");
        }
        p.info("  " + what + ": identical to the source (" + got + ")");
    }

    private static void deleteTree(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // best effort
        }
    }

    // ---- report

    public static String markdown(Result r, String command) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%,d rows (%d bots), source table %s; %s; %s. Load average %s before, %s after.%n%n",
                r.rows(), r.bots(), r.sourceSize(), r.versions(), r.machine(), r.loadBefore(), r.loadAfter()));
        sb.append("    ").append(command).append("\n\n");
        sb.append("| method | seconds").append(r.repeats() > 1 ? " (median of " + r.repeats() + ")" : "")
                .append(" | copy phase | what it did (median run) | all runs (load average at their start) | CPU seconds (median) |\n| --- | ---: | ---: | --- | --- | ---: |\n");
        for (Method m : r.methods()) {
            sb.append(String.format(Locale.ROOT, "| %s | %.1f | %s | %s | %s | %.1f |%n", m.method().replace("|", "\\|"), m.seconds(),
                    Double.isNaN(m.copySeconds()) ? "" : String.format(Locale.ROOT, "%.1f", m.copySeconds()), m.detail(),
                    runs(m), m.cpuSeconds()));
        }
        sb.append("\nCPU seconds: both PostgreSQL instances (every process), this JVM and the tools it ran (psql, pgcopydb), "
                + "during the timed part; less disturbed by other work on the machine than wall time.\n");
        sb.append('\n');
        sb.append("- whole native path / pgcopydb clone: ").append(r.wholeOverPgcopydb() == null ? "not measured (pgcopydb " + r.pgcopydb() + ")"
                : String.format(Locale.ROOT, "**%.2f**", r.wholeOverPgcopydb())).append('\n');
        sb.append("- native copy phase / single COPY pipe: ").append(r.copyOverPipe() == null ? "not measured"
                : String.format(Locale.ROOT, "**%.2f**", r.copyOverPipe())).append('\n');
        if (r.pgcopydb() != null && r.wholeOverPgcopydb() != null) sb.append("- ").append(r.pgcopydb()).append('\n');
        if (!Double.isNaN(r.peakHeapMb())) {
            sb.append(String.format(Locale.ROOT, "- peak live heap during one more native run (used after a GC, sampled every 100 ms): %.1f MB%n",
                    r.peakHeapMb()));
        }
        if (!r.variants().isEmpty()) {
            sb.append("\nThe native path by `--jobs` (medians of its runs; the copy phase against the single COPY pipe's median):\n\n");
            sb.append("| --jobs | streams (why) | seconds | / pgcopydb clone | copy phase | / single COPY pipe | CPU seconds |\n"
                    + "| --- | --- | ---: | ---: | ---: | ---: | ---: |\n");
            for (Variant v : r.variants()) {
                sb.append(String.format(Locale.ROOT, "| %s | %s | %.1f | %s | %.1f | %s | %.1f |%n", v.jobs(), v.streams(), v.seconds(),
                        v.wholeOverPgcopydb() == null ? "" : String.format(Locale.ROOT, "%.2f", v.wholeOverPgcopydb()), v.copySeconds(),
                        v.copyOverPipe() == null || v.copyOverPipe().isNaN() ? "" : String.format(Locale.ROOT, "%.2f", v.copyOverPipe()),
                        v.cpuSeconds()));
            }
        }
        if (!r.pgcopydbSteps().isEmpty()) {
            sb.append("\npgcopydb's own summary (first round):\n\n");
            for (String l : r.pgcopydbSteps()) sb.append("    ").append(l).append('\n');
        }
        Breakdown b = r.breakdown();
        if (b != null) {
            sb.append(String.format(Locale.ROOT, "%nWhere the native path's time went (median run, %.1f s, load average %s at its start):%n%n", b.total(), b.load()));
            sb.append("| phase | seconds | share |\n| --- | ---: | ---: |\n");
            row(sb, "prepare-target (Flyway, schema from the source, indexes deferred)", b.prepare(), b.total());
            row(sb, "migrate: initial copy (" + b.streams() + (b.streams() == 1 ? " stream)" : " streams)"), b.copy(), b.total());
            row(sb, "migrate: after-load (index builds, ANALYZE)", b.afterLoadInMigrate(), b.total());
            row(sb, "migrate: the rest (slot, publication, subscription, sequences, waits)", b.migrate() - b.copy() - b.afterLoadInMigrate(), b.total());
            row(sb, "cutover: after-load again (finds the indexes built)", b.afterLoadInCutover(), b.total());
            row(sb, "cutover: the rest (catch-up, sequences, removing replication)", b.cutover() - b.afterLoadInCutover(), b.total());
            row(sb, "of all this: neither server running a statement (the tool working or waiting)", b.idle(), b.total());
            if (!Double.isNaN(b.jvmStartSeconds())) {
                sb.append(String.format(Locale.ROOT, "| not in the total: three commands in three JVMs would add 3 x %.1f s of JVM start | %.1f | |%n",
                        b.jvmStartSeconds(), 3 * b.jvmStartSeconds()));
            }
            sb.append("\nCopy streams (backends running the copy's COPY statements, sampled every ").append(ActivitySampler.EVERY_MS).append(" ms):\n\n");
            for (String s : b.copyStreams()) sb.append("- ").append(s).append('\n');
            sb.append("\nIndex builds as after-load reported them:\n\n");
            for (String s : b.indexBuilds()) sb.append("- ").append(s).append('\n');
            sb.append("\nIndex builds and ANALYZE on the target, as the servers ran them (seconds from the start of prepare-target):\n\n");
            for (String s : b.analyze()) sb.append("- ").append(s).append('\n');
            sb.append("\nThe tool's own timeline:\n\n");
            for (String s : b.timeline()) sb.append("    ").append(s).append('\n');
        }
        return sb.toString();
    }

    private static String runs(Method m) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < m.runs().size(); i++) {
            out.add(String.format(Locale.ROOT, "%.1f (%.1f)", m.runs().get(i), m.loads().get(i)));
        }
        return String.join(", ", out);
    }

    private static void row(StringBuilder sb, String what, double secs, double total) {
        sb.append(String.format(Locale.ROOT, "| %s | %.1f | %.0f%% |%n", what, secs, 100 * secs / total));
    }
}
