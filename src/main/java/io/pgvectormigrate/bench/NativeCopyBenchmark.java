package io.pgvectormigrate.bench;

import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.local.LocalPostgres;
import io.pgvectormigrate.local.PgBinaries;
import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pg.Publications;
import io.pgvectormigrate.pg.Queries;
import io.pgvectormigrate.pg.ReplicationSlots;
import io.pgvectormigrate.pg.Sql;
import io.pgvectormigrate.pg.Subscriptions;
import io.pgvectormigrate.replication.NativeOptions;
import io.pgvectormigrate.replication.ReplicationNames;
import io.pgvectormigrate.report.Progress;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Times the native path as an operator runs it, against peers on the same data between the same two local
 * instances, in the same run: the documented commands (prepare-target with the schema from the source, migrate
 * --engine native, cutover), each its own process with its own JVM start ({@link NativeRunner}); and
 * ({@link PeerRunners}) {@code pgcopydb clone --table-jobs 2 --index-jobs 2} when installed, one binary COPY pipe
 * (the floor for the copy phase), optionally pg_dump | pg_restore and the native path with the subscription's own
 * table sync.
 * <p>
 * The headline servers are durable (fsync, full_page_writes, synchronous_commit on: {@link Durability}); the
 * rehearsal's settings can be measured beside them. Every method gets the same untimed warm-up round, the methods
 * rotate their order in every round (so each goes first in turn, and a burst of load elsewhere hits them alike), and
 * every copy gets the same data check over all columns ({@link CopyFixture}) before its time counts. Medians are
 * reported ({@link CopyBenchmarkReport}).
 */
public final class NativeCopyBenchmark {
    private NativeCopyBenchmark() {}

    static final String NATIVE = NativeRunner.NATIVE;
    static final String PGCOPYDB = PeerRunners.PGCOPYDB;
    static final String PIPE = PeerRunners.PIPE;

    /**
     * @param shape        the source's tables: Bedrock Chat's alone, or with three tables of other shapes
     * @param jobs         the native engine's --jobs, one native method per value (0: its automatic choice); the
     *                     first is the one the ratios and the breakdown are about
     * @param durabilities the servers' durability per series of rounds; the first is the headline
     * @param withDump     also pg_dump -Fc | pg_restore
     * @param uncompressed also pg_dump -Fc -Z0 | pg_restore
     * @param subscription also the native path with --initial-copy subscription
     * @param pgcopydb     null: the pgcopydb executable found on PATH (skipped, with how to install it, when missing)
     * @param mainClass    the tool's entry point, to start it from a build tree (tests) rather than its jar
     * @param keep         keep the instances and the source database in {@code workDir}; a later run with the same
     *                     directory, rows and bots uses them again
     * @param inProcess    runs a command in this JVM, to measure the live heap during one more (untimed) native run; null: not measured
     */
    public record Settings(long rows, int bots, CopyFixture.Shape shape, List<Integer> jobs, int repeats, List<Durability> durabilities,
                           boolean withDump, boolean uncompressed, boolean subscription, Path pgcopydb, Path workDir,
                           String mainClass, boolean keep, InProcess inProcess) {
        public Settings {
            jobs = List.copyOf(jobs);
            durabilities = List.copyOf(durabilities);
            if (jobs.isEmpty()) throw ToolException.usage("--jobs needs at least one value");
            if (durabilities.isEmpty()) throw ToolException.usage("--durability needs a value");
            if (keep && workDir == null) throw ToolException.usage("--keep needs --dir: the directory a later run uses again");
        }
    }

    /**
     * One timed run of one method; {@code copySeconds} is the copy phase (NaN when the method has none on its own),
     * {@code cpuSeconds} the CPU both instances, this JVM and the processes it ran spent meanwhile, {@code load} the
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

    /**
     * The rounds on one durability: the settings as the servers reported them, each round's order (the warm-up first),
     * the methods' medians, the ratios, and where the native path's median run spent its time.
     */
    public record Series(Durability durability, String settings, List<List<String>> orders, List<Method> methods,
                         Double wholeOverPgcopydb, Double copyOverPipe, List<Variant> variants, List<String> pgcopydbSteps,
                         Breakdown breakdown, String loadBefore, String loadAfter) {}

    /** Where one native run's time went; the process times include their JVM's start and exit. */
    public record Breakdown(double total, double prepare, double migrate, double copy, double maintenanceInMigrate,
                            double cutover, double maintenanceInCutover, double idle, int streams, List<String> commands,
                            List<String> copyStreams, List<String> maintenance, List<String> timeline,
                            double jvmStartSeconds, String load) {}

    /** Runs one of the tool's commands in this JVM (the untimed heap measurement); the cli supplies it. */
    @FunctionalInterface
    public interface InProcess {
        int run(Map<String, String> env, Path cwd, PrintWriter out, PrintWriter err, String... args);
    }

    /** {@code peakHeapMb} is NaN when not measured. */
    public record Result(long rows, int bots, String versions, String sourceSize, String machine, List<Integer> jobs,
                         int repeats, String toolCommand, String pgcopydb, String pgcopydbOptions, List<Series> series,
                         double peakHeapMb) {}

    /** The method name of the native path run with {@code jobs}; the first variant keeps the plain name. */
    static String nativeLabel(Settings s, int jobs) {
        return jobs == s.jobs().get(0) ? NATIVE : NATIVE + ", --jobs " + jobs;
    }

    static String jobsText(int jobs) {
        return jobs == NativeOptions.AUTOMATIC_JOBS ? "0 (automatic)" : String.valueOf(jobs);
    }

    /**
     * The order the methods run in a round: rotated by one place a round, so over as many rounds as there are
     * methods each goes first once; round 0 is the warm-up.
     */
    static <T> List<T> order(List<T> methods, int round) {
        List<T> o = new ArrayList<>(methods);
        Collections.rotate(o, -(round - 1));
        return o;
    }

    /** A method the rounds run: its name and one run of it into a fresh database for round {@code round}. */
    private record Contender(String label, Run run) {}

    @FunctionalInterface
    private interface Run {
        Timing in(int round) throws SQLException;
    }

    public static Result run(Settings s, Map<String, String> env, Progress p) {
        PgBinaries bins = PgBinaries.locate(env).requirePgvector();
        Path base = s.workDir() != null ? s.workDir() : LocalPostgres.defaultBaseDir();
        CopyFixture fixture = new CopyFixture(s.rows(), s.bots(), s.shape());
        Path dir;
        try {
            Files.createDirectories(base);
            fixture.checkDiskSpace(base, s.keep());
            dir = s.keep() ? base : Files.createTempDirectory(base, "bench-copy-"); // Pair.start sets its mode
        } catch (IOException e) {
            throw ToolException.runtime("cannot create a benchmark directory: " + e.getMessage(), e);
        }
        Path pgcopydb = s.pgcopydb() != null ? s.pgcopydb() : PeerRunners.onPath("pgcopydb", env);
        String pgcopydbStatus = pgcopydb == null
                ? "not installed: apt-get install pgcopydb (Debian/Ubuntu; other systems: https://pgcopydb.readthedocs.io), then run again"
                : PeerRunners.version(pgcopydb);
        if (pgcopydb == null) p.info("pgcopydb is " + pgcopydbStatus + "; measuring the other methods");
        // durability is set per series (Durability.apply); the instances start with PostgreSQL's defaults for it
        Map<String, String> conf = new LinkedHashMap<>(LocalPostgres.replicationSettings());
        conf.put("max_wal_size", "8GB");
        ToolProcess tool = ToolProcess.forThisJvm(s.mainClass());
        List<Series> series = new ArrayList<>();
        String versions;
        String size;
        double peakHeap = Double.NaN;
        try (Bench.Pair pair = Bench.Pair.start(bins, dir, "bench-copy-", conf, s.keep(), p)) {
            ConnectionSpec source = pair.source().connection(CopyFixture.DATABASE);
            dropLeftovers(pair);
            if (s.keep() && fixture.kept(pair)) {
                p.info(String.format(Locale.ROOT, "using the source database kept by an earlier run (%,d rows)", s.rows()));
            } else {
                // generating is not timed: on the rehearsal's settings, then the series set their own
                Durability.REHEARSAL.apply(pair);
                fixture.generate(pair, p);
            }
            size = fixture.size(source);
            versions = Bench.versions(source);
            String expected = fixture.fingerprint(source, true);
            String expectedData = fixture.fingerprint(source, false);
            Map<String, String> toolEnv = pair.toolEnv(env);
            NativeRunner natives = new NativeRunner(pair, fixture, tool, toolEnv, dir);
            PeerRunners peers = new PeerRunners(pair, fixture, toolEnv, dir);
            for (Durability d : s.durabilities()) {
                series.add(series(s, d, pair, natives, peers, pgcopydb, expected, expectedData, p));
            }
            if (s.inProcess() != null) {
                p.info("live heap during one more native run of the same commands in this JVM (untimed: a GC every 100 ms)");
                peakHeap = natives.heapDuring(p, s.inProcess(), expected)[1];
            }
        } catch (SQLException e) {
            throw ToolException.runtime("benchmark failed: " + e.getMessage(), e);
        } finally {
            if (s.keep()) {
                try (var list = Files.list(dir)) {
                    list.filter(f -> f.getFileName().toString().startsWith("work-") || f.getFileName().toString().startsWith("pgcopydb-"))
                            .forEach(LocalPostgres::deleteTree);
                } catch (IOException ignored) {
                    // best effort
                }
            } else {
                LocalPostgres.deleteTree(dir);
            }
        }
        return new Result(s.rows(), s.bots(), versions, size, Bench.machine(), s.jobs(), s.repeats(), tool.shown(),
                pgcopydbStatus, "PGOPTIONS='" + PeerRunners.PGCOPYDB_OPTIONS + "'", series, peakHeap);
    }

    private static Series series(Settings s, Durability d, Bench.Pair pair, NativeRunner natives, PeerRunners peers,
                                 Path pgcopydb, String expected, String expectedData, Progress p) throws SQLException {
        String settings = d.apply(pair);
        p.info(d.label() + ": " + settings);
        List<Timing> timings = new ArrayList<>();
        Map<Integer, Breakdown> breakdowns = new LinkedHashMap<>();
        Map<String, String> streams = new LinkedHashMap<>(); // per native method: the streams the copy ran, and why
        List<String> pgcopydbSteps = new ArrayList<>();
        List<Contender> contenders = new ArrayList<>();
        for (int jobs : s.jobs()) {
            boolean first = jobs == s.jobs().get(0);
            String label = nativeLabel(s, jobs);
            contenders.add(new Contender(label, round -> natives.run(p, (first ? "native_" : "native_j" + jobs + "_") + round, label,
                    NativeOptions.InitialCopy.SNAPSHOT, jobs, expected, round, first ? breakdowns : null, streams)));
        }
        if (pgcopydb != null) contenders.add(new Contender(PGCOPYDB, round -> peers.pgcopydb(p, pgcopydb, round, expected, pgcopydbSteps)));
        contenders.add(new Contender(PIPE, round -> peers.pipe(p, round, expectedData)));
        if (s.subscription()) {
            String label = "native, --initial-copy subscription";
            contenders.add(new Contender(label, round -> natives.run(p, "native_sub_" + round, label,
                    NativeOptions.InitialCopy.SUBSCRIPTION, NativeOptions.AUTOMATIC_JOBS, expected, round, null, streams)));
        }
        if (s.withDump()) contenders.add(new Contender(PeerRunners.dumpLabel(false), round -> peers.dumpRestore(p, round, false, expected)));
        if (s.uncompressed()) contenders.add(new Contender(PeerRunners.dumpLabel(true), round -> peers.dumpRestore(p, round, true, expected)));

        List<List<String>> orders = new ArrayList<>();
        String loadBefore = null;
        // round 0 is the warm-up, untimed and the same for every method: the first copy into a fresh instance also
        // creates its WAL segment files and reads the source from disk, and each method's own programs get cached
        for (int round = 0; round <= s.repeats(); round++) {
            List<Contender> order = order(contenders, round);
            orders.add(order.stream().map(Contender::label).toList());
            if (round == 1) loadBefore = Bench.loadAverage();
            p.info((round == 0 ? "warm-up round (untimed)" : "round " + round + " of " + s.repeats()) + ", " + d.label()
                    + " (load average " + Bench.loadAverage() + "): " + String.join("; ", orders.get(round)));
            for (Contender c : order) {
                Timing t = c.run().in(round);
                if (round > 0) timings.add(t);
            }
        }
        String loadAfter = Bench.loadAverage();

        List<Method> methods = new ArrayList<>();
        Timing nativeMedian = null;
        for (Contender c : contenders) {
            List<Timing> runs = timings.stream().filter(t -> t.method().equals(c.label())).toList();
            List<Timing> sorted = runs.stream().sorted(Comparator.comparingDouble(Timing::seconds)).toList();
            Timing m = sorted.get((sorted.size() - 1) / 2);
            if (c.label().equals(NATIVE)) nativeMedian = m;
            double cpu = Bench.median(runs.stream().mapToDouble(Timing::cpuSeconds).toArray());
            methods.add(new Method(c.label(), m.seconds(), m.copySeconds(), m.detail(),
                    runs.stream().map(Timing::seconds).toList(), runs.stream().map(Timing::copySeconds).toList(), cpu,
                    runs.stream().map(Timing::load).toList()));
        }
        List<Variant> variants = new ArrayList<>();
        for (int jobs : s.jobs()) {
            String label = nativeLabel(s, jobs);
            Method m = find(methods, label);
            double copy = Bench.median(m.copyRuns().stream().mapToDouble(Double::doubleValue).toArray());
            Method pipe = find(methods, PIPE);
            variants.add(new Variant(label, jobsText(jobs), streams.getOrDefault(label, "?"), m.seconds(), copy,
                    ratio(methods, label, PGCOPYDB, false), pipe == null ? null : copy / pipe.seconds(), m.cpuSeconds()));
        }
        Breakdown b = nativeMedian == null ? null : breakdowns.get(nativeMedian.round());
        if (b != null) {
            b = new Breakdown(b.total(), b.prepare(), b.migrate(), b.copy(), b.maintenanceInMigrate(), b.cutover(),
                    b.maintenanceInCutover(), b.idle(), b.streams(), b.commands(), b.copyStreams(), b.maintenance(), b.timeline(),
                    natives.tool().startSeconds(p), b.load());
        }
        return new Series(d, settings, orders, methods, ratio(methods, NATIVE, PGCOPYDB, false), ratio(methods, NATIVE, PIPE, true),
                variants, pgcopydbSteps, b, loadBefore, loadAfter);
    }

    /**
     * Drops what an earlier, interrupted run left in a kept directory: the target databases of the runs (native_1,
     * pgcopydb_2, ...; a subscription in one is detached from its slot first, or the database cannot be dropped) and,
     * on the source, the replication slots and publications of its runs (run ids bench-..., so named pgvm_bench_...),
     * which would hold WAL. The replication SQL is pg's, as the engines use it.
     */
    private static void dropLeftovers(Bench.Pair pair) throws SQLException {
        String ours = ReplicationNames.PREFIX + "bench_";
        List<String> dbs;
        try (Connection c = Bench.open(pair.target().connection("postgres"))) {
            dbs = Queries.list(c, "SELECT datname FROM pg_database WHERE datname ~ '^(native|pgcopydb|pipe|dump)_'",
                    rs -> rs.getString(1));
        }
        for (String db : dbs) {
            try (Connection c = Bench.open(pair.target().connection(db))) {
                for (String sub : Subscriptions.names(c)) Subscriptions.dropDetached(c, sub);
            }
            Bench.exec(pair.target().connection("postgres"), "DROP DATABASE " + Sql.ident(db));
        }
        try (Connection c = Bench.open(pair.source().connection("postgres"))) {
            for (ReplicationSlots.Slot slot : ReplicationSlots.inCluster(c, ours)) {
                if (!slot.active()) ReplicationSlots.dropIfUnused(c, slot.name());
            }
        }
        if (Bench.comment(pair.source(), CopyFixture.DATABASE) != null) {
            try (Connection c = Bench.open(pair.source().connection(CopyFixture.DATABASE))) {
                for (String pub : Publications.startingWith(c, ours)) Publications.drop(c, pub);
            }
        }
    }

    private static Method find(List<Method> methods, String label) {
        return methods.stream().filter(m -> m.method().equals(label)).findFirst().orElse(null);
    }

    private static Double ratio(List<Method> methods, String a, String b, boolean copyPhase) {
        Method x = find(methods, a);
        Method y = find(methods, b);
        if (x == null || y == null) return null;
        return (copyPhase ? x.copySeconds() : x.seconds()) / y.seconds();
    }
}
