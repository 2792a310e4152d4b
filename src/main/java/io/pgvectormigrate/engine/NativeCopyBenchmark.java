package io.pgvectormigrate.engine;

import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.local.LocalPostgres;
import io.pgvectormigrate.local.PgBinaries;
import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pg.Database;
import io.pgvectormigrate.pg.TableFilter;
import io.pgvectormigrate.pipeline.Endpoints;
import io.pgvectormigrate.pipeline.Journal;
import io.pgvectormigrate.pipeline.RunContext;
import io.pgvectormigrate.report.Progress;
import io.pgvectormigrate.sample.BedrockChatSample;
import io.pgvectormigrate.target.PrepareOptions;
import io.pgvectormigrate.target.TargetPreparer;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Times the native engine's full copy (migrate + cutover, indexes included) against {@code pg_dump -Fc | pg_restore}
 * of the same table between the same two local instances, in the same run. Run it with scripts/bench-native-copy.
 *
 * <p>Both instances use the same settings (logical replication on, fsync off: a throwaway benchmark), and the
 * restore gets the same index-build settings as the native after-load step (maintenance_work_mem,
 * max_parallel_maintenance_workers), so the comparison is about the copy method, not the knobs.
 */
public final class NativeCopyBenchmark {
    private NativeCopyBenchmark() {}

    record Options(long rows, int bots, List<Integer> jobs, boolean subscriptionToo, boolean uncompressedToo, boolean skipDump,
                   int repeat, Path workDir) {
        static Options parse(String[] args) {
            long rows = 100_000;
            int bots = 20;
            List<Integer> jobs = List.of(4);
            boolean skipDump = false;
            boolean sub = false;
            boolean z0 = false;
            int repeat = 1;
            Path dir = null;
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--rows" -> rows = Long.parseLong(args[++i].replace("_", "").replace(",", ""));
                    case "--bots" -> bots = Integer.parseInt(args[++i]);
                    case "--jobs" -> jobs = java.util.Arrays.stream(args[++i].split(",")).map(String::trim).map(Integer::valueOf).toList();
                    case "--skip-dump" -> skipDump = true;
                    case "--with-subscription-copy" -> sub = true;
                    case "--with-uncompressed-dump" -> z0 = true;
                    case "--work-dir" -> dir = Path.of(args[++i]);
                    case "--repeat" -> repeat = Integer.parseInt(args[++i]);
                    case "--help", "-h" -> {
                        System.out.println("usage: bench-native-copy [--rows N] [--bots B] [--jobs J[,J...]] [--with-subscription-copy] [--skip-dump] "
                                + "[--with-uncompressed-dump] [--repeat N] [--work-dir DIR]");
                        System.exit(0);
                    }
                    default -> throw ToolException.usage("unknown option " + args[i] + " (try --help)");
                }
            }
            return new Options(rows, bots, jobs, sub, z0, skipDump, Math.max(1, repeat), dir);
        }
    }

    record Timing(String method, double seconds, String detail) {}

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args);
        PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
        Progress p = Progress.to(err, false);
        PgBinaries bins = PgBinaries.locate(System.getenv()).requirePgvector();
        Path base = o.workDir() != null ? o.workDir() : LocalPostgres.defaultBaseDir();
        Files.createDirectories(base);
        // the source (table, TOAST, both indexes) is about 14 KB a row; one target of the same size at a time, plus WAL
        long needed = (long) (o.rows() * 14_500L * 2.3);
        long usable = Files.getFileStore(base).getUsableSpace();
        if (usable < needed) {
            throw ToolException.usage(String.format(Locale.ROOT, "%,d rows need about %s free in %s, only %s is: "
                    + "free some space or pass --work-dir on a larger disk", o.rows(), Pg.bytes(needed), base, Pg.bytes(usable)));
        }
        Path dir = Files.createTempDirectory(base, "bench-native-");
        // the instances run as the postgres OS user when we are root: it must traverse this directory
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Map<String, String> settings = new LinkedHashMap<>(LocalPostgres.replicationSettings());
        settings.putAll(LocalPostgres.throwawaySettings());
        List<Timing> timings = new ArrayList<>();
        String versions;
        try (LocalPostgres src = LocalPostgres.start(bins, dir.resolve("source"), 0, settings, true);
             LocalPostgres tgt = LocalPostgres.start(bins, dir.resolve("target"), 0, settings, true)) {
            exec(src.connection("postgres"), "CREATE DATABASE bench");
            ConnectionSpec source = src.connection("bench");
            p.info("generating " + o.rows() + " Bedrock Chat rows (" + o.bots() + " bots) on the source");
            long g0 = System.nanoTime();
            try (Connection c = Database.connect(source, "source", null)) {
                BedrockChatSample.createTable(c);
                BedrockChatSample.generate(c, o.rows(), o.bots(), 42, p);
                BedrockChatSample.createIndexes(c);
                try (var st = c.createStatement()) {
                    st.execute("ANALYZE items");
                }
            }
            p.info(String.format(Locale.ROOT, "  generated in %.1f s; source items: %s", secs(g0),
                    scalar(source, "SELECT pg_size_pretty(pg_total_relation_size('items'))")));
            versions = scalar(source, "SELECT split_part(version(), ' on ', 1)") + ", pgvector "
                    + scalar(source, "SELECT extversion FROM pg_extension WHERE extname = 'vector'");
            String expected = fingerprint(source);

            // methods take turns in every round, so a burst of load elsewhere on the machine hits them alike
            for (int round = 1; round <= o.repeat(); round++) {
                if (o.repeat() > 1) p.info("round " + round + " of " + o.repeat());
                for (int jobs : o.jobs()) {
                    timings.add(nativeRun(p, src, tgt, "native_snapshot_" + jobs + "_" + round, NativeOptions.InitialCopy.SNAPSHOT,
                            jobs, expected, dir));
                }
                if (o.subscriptionToo()) {
                    timings.add(nativeRun(p, src, tgt, "native_subscription_" + round, NativeOptions.InitialCopy.SUBSCRIPTION,
                            1, expected, dir));
                }
                if (!o.skipDump()) timings.add(dumpRestore(p, bins, src, tgt, "dump_restore_" + round, false, expected));
                if (o.uncompressedToo()) timings.add(dumpRestore(p, bins, src, tgt, "dump_restore_z0_" + round, true, expected));
            }
        } finally {
            LocalPostgresCleanup.delete(dir);
        }
        report(o, timings, versions);
    }

    private static Timing nativeRun(Progress p, LocalPostgres src, LocalPostgres tgt, String db,
                                    NativeOptions.InitialCopy mode, int jobs, String expected, Path dir) throws Exception {
        exec(tgt.connection("postgres"), "CREATE DATABASE " + db);
        ConnectionSpec target = tgt.connection(db);
        ConnectionSpec source = src.connection("bench");
        p.info("native (" + mode.id() + "): prepare-target with deferred indexes");
        long p0 = System.nanoTime();
        TargetPreparer.prepare(PrepareOptions.forPipeline(target, source, TableFilter.ALL), p);
        double prepare = secs(p0);
        Path journalDir = dir.resolve("journal-" + db);
        String runId = "bench-" + db.replace('_', '-');
        RunContext ctx = new RunContext(Journal.open(journalDir, runId, "benchmark", Clock.systemUTC()), p, journalDir, Clock.systemUTC());
        NativeEngine engine = new NativeEngine(NativeOptions.defaults().withInitialCopy(mode).withJobs(jobs));
        Endpoints ep = new Endpoints(source, target, TableFilter.ALL);
        p.info("native (" + mode.id() + "): migrate + cutover");
        long t0 = System.nanoTime();
        double copySeconds = Double.parseDouble(engine.migrate(ctx, ep).figures().get("copy-seconds"));
        double migrate = secs(t0);
        long c0 = System.nanoTime();
        engine.cutover(ctx, ep);
        double cutover = secs(c0);
        double total = secs(t0);
        check(p, target, expected, db);
        exec(tgt.connection("postgres"), "DROP DATABASE " + db);
        return new Timing("native, --initial-copy " + mode.id() + (mode == NativeOptions.InitialCopy.SNAPSHOT ? " (" + jobs + " jobs)" : ""),
                total, String.format(Locale.ROOT, "copy %.1f s, after-load (indexes, analyze) %.1f s, cutover %.1f s; prepare-target %.1f s not counted",
                copySeconds, migrate - copySeconds, cutover, prepare));
    }

    private static Timing dumpRestore(Progress p, PgBinaries bins, LocalPostgres src, LocalPostgres tgt, String db,
                                      boolean uncompressed, String expected) throws Exception {
        exec(tgt.connection("postgres"), "CREATE DATABASE " + db);
        ConnectionSpec target = tgt.connection(db);
        // pg_dump -t does not carry extensions; the native target gets them from prepare-target
        exec(target, "CREATE EXTENSION vector");
        String cmd = "set -o pipefail; PGPASSWORD=\"$SRC_PW\" \"$BIN/pg_dump\" -h 127.0.0.1 -p " + src.port()
                + " -U postgres -Fc" + (uncompressed ? " -Z0" : "") + " -t public.items bench"
                + " | PGPASSWORD=\"$TGT_PW\" PGOPTIONS='-c maintenance_work_mem=1GB -c max_parallel_maintenance_workers=4'"
                + " \"$BIN/pg_restore\" -h 127.0.0.1 -p " + tgt.port() + " -U postgres -d " + db;
        String label = "pg_dump -Fc" + (uncompressed ? " -Z0" : "") + " | pg_restore";
        p.info(label + ": running");
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", cmd).redirectErrorStream(true);
        pb.environment().put("SRC_PW", src.connection("bench").password());
        pb.environment().put("TGT_PW", target.password());
        pb.environment().put("BIN", bins.binDir().toString());
        long t0 = System.nanoTime();
        Process proc = pb.start();
        String output = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int code = proc.waitFor();
        double total = secs(t0);
        if (code != 0) throw ToolException.runtime(label + " failed (exit " + code + "): " + output.strip());
        check(p, target, expected, db);
        exec(tgt.connection("postgres"), "DROP DATABASE " + db);
        return new Timing(label, total, "data, primary key and both indexes restored by pg_restore (same index-build settings)");
    }

    /** Row count, index count and a hash over every id and vector, to be sure each method produced the same table. */
    private static String fingerprint(ConnectionSpec spec) throws SQLException {
        return scalar(spec, "SELECT count(*) || ' rows, ' || sum(hashtext(id || md5(vector_send(embedding)) || md5(content)))::text "
                + "|| ', ' || (SELECT count(*) FROM pg_indexes WHERE tablename = 'items') || ' indexes' FROM items");
    }

    private static void check(Progress p, ConnectionSpec target, String expected, String what) throws SQLException {
        String got = fingerprint(target);
        if (!got.equals(expected)) {
            throw ToolException.runtime(what + ": the copy differs from the source (" + got + " vs " + expected + ")");
        }
        p.info("  " + what + ": identical to the source (" + got + ")");
    }

    private static void report(Options o, List<Timing> timings, String versions) {
        // median per method (the run whose time is the median, so its breakdown matches)
        Map<String, List<Timing>> byMethod = new LinkedHashMap<>();
        for (Timing t : timings) byMethod.computeIfAbsent(t.method(), k -> new ArrayList<>()).add(t);
        Map<String, Timing> median = new LinkedHashMap<>();
        byMethod.forEach((m, ts) -> {
            List<Timing> sorted = new ArrayList<>(ts);
            sorted.sort(java.util.Comparator.comparingDouble(Timing::seconds));
            median.put(m, sorted.get((sorted.size() - 1) / 2));
        });
        double baseline = median.containsKey("pg_dump -Fc | pg_restore") ? median.get("pg_dump -Fc | pg_restore").seconds() : Double.NaN;
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%n### %,d rows (%d bots), %s%n%n", o.rows(), o.bots(), java.time.LocalDate.now()));
        sb.append("| method | seconds" + (o.repeat() > 1 ? " (median of " + o.repeat() + ")" : "")
                + " | vs pg_dump -Fc \\| pg_restore | breakdown" + (o.repeat() > 1 ? " (median run); all runs" : "") + " |\n");
        sb.append("| --- | ---: | ---: | --- |\n");
        median.forEach((m, t) -> {
            String all = o.repeat() > 1 ? "; runs: " + byMethod.get(m).stream()
                    .map(x -> String.format(Locale.ROOT, "%.1f", x.seconds())).collect(java.util.stream.Collectors.joining(", ")) + " s" : "";
            String ratio = Double.isNaN(baseline) ? "-" : String.format(Locale.ROOT, "%.2fx", baseline / t.seconds());
            sb.append(String.format(Locale.ROOT, "| %s | %.1f | %s | %s%s |%n", m.replace("|", "\\|"), t.seconds(),
                    ratio, t.detail(), all));
        });
        sb.append(String.format(Locale.ROOT, "%nMachine: %d cores (%s), %s RAM; %s. Command: `scripts/bench-native-copy --rows %d%s%s%s%s`%n",
                Runtime.getRuntime().availableProcessors(), cpuModel(), memory(), versions, o.rows(),
                o.jobs().equals(List.of(4)) ? "" : " --jobs " + o.jobs().stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(",")),
                o.subscriptionToo() ? " --with-subscription-copy" : "", o.uncompressedToo() ? " --with-uncompressed-dump" : "",
                o.repeat() > 1 ? " --repeat " + o.repeat() : ""));
        sb.append("(\"vs\" = how many times faster than pg_dump -Fc | pg_restore; above 1 is faster.)\n");
        System.out.print(sb);
        System.out.flush();
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("unknown CPU");
        } catch (Exception e) {
            return "unknown CPU";
        }
    }

    private static String memory() {
        try {
            return Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal"))
                    .findFirst().map(l -> Math.round(Long.parseLong(l.replaceAll("\\D", "")) / 1024.0 / 1024.0) + " GiB").orElse("?");
        } catch (Exception e) {
            return "?";
        }
    }

    private static double secs(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    private static void exec(ConnectionSpec spec, String sql) throws SQLException {
        try (Connection c = Database.connect(spec, "benchmark", null); var st = c.createStatement()) {
            st.execute(sql);
        }
    }

    private static String scalar(ConnectionSpec spec, String sql) throws SQLException {
        try (Connection c = Database.connect(spec, "benchmark", null); var st = c.createStatement(); var rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    /** The instances delete their own directories; this removes the benchmark's parent directory. */
    private static final class LocalPostgresCleanup {
        static void delete(Path dir) {
            try (var walk = Files.walk(dir)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            } catch (Exception ignored) {
                // best effort
            }
        }
    }
}
