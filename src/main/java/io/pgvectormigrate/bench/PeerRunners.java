package io.pgvectormigrate.bench;

import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.local.LocalPostgres;
import io.pgvectormigrate.local.PgBinaries;
import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.prepare.TargetPreparer;
import io.pgvectormigrate.report.Progress;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The peers the native path is measured against, each at its best and each run into a fresh target database and
 * checked against the source before its time counts: pgcopydb clone, one binary COPY pipe (the copy phase's floor),
 * pg_dump | pg_restore.
 *
 * @param env the environment every tool runs with (the caller's, the instances' binaries first on PATH, a password file)
 */
record PeerRunners(Bench.Pair pair, CopyFixture fixture, Map<String, String> env, Path dir) {
    static final String PGCOPYDB = "pgcopydb clone --table-jobs 2 --index-jobs 2";
    static final String PIPE = "single binary COPY pipe (psql | psql)";

    /**
     * The tool's after-load builds with max_parallel_maintenance_workers of its default (4); every peer that builds
     * indexes gets the same through PGOPTIONS. pgcopydb 0.10 sets maintenance_work_mem to 1 GB on its index
     * connections itself (and synchronous_commit off on its target connections); pg_restore is given the memory too.
     */
    static final int PARALLEL_MAINTENANCE_WORKERS = TargetPreparer.AfterLoadOptions.defaults().parallelWorkers();
    static final String PGCOPYDB_OPTIONS = "-c max_parallel_maintenance_workers=" + PARALLEL_MAINTENANCE_WORKERS;
    static final String RESTORE_OPTIONS = "-c maintenance_work_mem=" + TargetPreparer.AfterLoadOptions.defaults().maintenanceWorkMem()
            + " -c max_parallel_maintenance_workers=" + PARALLEL_MAINTENANCE_WORKERS;

    static String dumpLabel(boolean uncompressed) {
        return "pg_dump -Fc" + (uncompressed ? " -Z0" : "") + " | pg_restore";
    }

    /** A peer's timed run: wall seconds, CPU seconds of both instances and the tools, the load average at its start. */
    private record Peer(String output, double seconds, double cpuSeconds, double load) {}

    NativeCopyBenchmark.Timing pgcopydb(Progress p, Path pgcopydb, int round, String expected, List<String> steps) throws SQLException {
        String db = "pgcopydb_" + round;
        Bench.exec(pair.target().connection("postgres"), "CREATE DATABASE " + db);
        Path work = dir.resolve("pgcopydb-" + round);
        List<String> cmd = List.of(pgcopydb.toString(), "clone", "--source", uri(pair.source(), CopyFixture.DATABASE),
                "--target", uri(pair.target(), db), "--table-jobs", "2", "--index-jobs", "2", "--dir", work.toString());
        p.info(PGCOPYDB + " (PGOPTIONS='" + PGCOPYDB_OPTIONS + "')");
        Map<String, String> e = new LinkedHashMap<>(env);
        e.put("PGOPTIONS", PGCOPYDB_OPTIONS);
        Peer run = peer(cmd, e, PGCOPYDB);
        fixture.check(p, pair.target().connection(db), expected, db, true);
        Bench.exec(pair.target().connection("postgres"), "DROP DATABASE " + db);
        LocalPostgres.deleteTree(work);
        // pgcopydb ends with a table of its steps and their durations: keep the first timed round's
        if (steps.isEmpty() && round > 0) {
            boolean in = false;
            for (String line : run.output().split("\n")) {
                String l = line.replaceFirst("^\\S+ \\d+ \\w+\\s+", "");
                if (l.trim().startsWith("Step")) in = true;
                if (in && !l.isBlank()) steps.add(l.stripTrailing());
            }
        }
        return new NativeCopyBenchmark.Timing(PGCOPYDB, round, run.seconds(), Double.NaN, run.cpuSeconds(), run.load(),
                "schema, data, primary key and both indexes, VACUUM ANALYZE");
    }

    NativeCopyBenchmark.Timing pipe(Progress p, int round, String expectedData) throws SQLException {
        String db = "pipe_" + round;
        Bench.exec(pair.target().connection("postgres"), "CREATE DATABASE " + db);
        ConnectionSpec target = pair.target().connection(db);
        fixture.createEmptyTables(target);
        String psql = pair.source().binaries().tool("psql").toString();
        // one table after the other, each through its own pipe
        List<String> pipes = new ArrayList<>();
        for (String[] copy : fixture.copyStatements()) {
            pipes.add("\"" + psql + "\" -X -q -h 127.0.0.1 -p " + pair.source().port() + " -U postgres -d " + CopyFixture.DATABASE
                    + " -c '" + copy[0] + "' | \"" + psql + "\" -X -q -h 127.0.0.1 -p " + pair.target().port() + " -U postgres -d " + db
                    + " -c '" + copy[1] + "'");
        }
        String cmd = "set -o pipefail; " + String.join(" && ", pipes);
        p.info(PIPE);
        Peer run = peer(List.of("bash", "-c", cmd), env, PIPE);
        fixture.check(p, target, expectedData, db, false);
        Bench.exec(pair.target().connection("postgres"), "DROP DATABASE " + db);
        return new NativeCopyBenchmark.Timing(PIPE, round, run.seconds(), run.seconds(), run.cpuSeconds(), run.load(),
                "data only, into the table with its primary key");
    }

    NativeCopyBenchmark.Timing dumpRestore(Progress p, int round, boolean uncompressed, String expected) throws SQLException {
        String db = (uncompressed ? "dump_z0_" : "dump_") + round;
        Bench.exec(pair.target().connection("postgres"), "CREATE DATABASE " + db);
        ConnectionSpec target = pair.target().connection(db);
        // pg_dump -t does not carry extensions; the native target gets them from prepare-target
        Bench.exec(target, "CREATE EXTENSION vector");
        String label = dumpLabel(uncompressed);
        PgBinaries bins = pair.source().binaries();
        String cmd = "set -o pipefail; \"" + bins.tool("pg_dump") + "\" -h 127.0.0.1 -p " + pair.source().port()
                + " -U postgres -Fc" + (uncompressed ? " -Z0" : "") + " " + fixture.dumpTables().stream().map(a -> "'" + a + "'")
                .collect(Collectors.joining(" ")) + " " + CopyFixture.DATABASE
                + " | PGOPTIONS='" + RESTORE_OPTIONS + "'"
                + " \"" + bins.tool("pg_restore") + "\" -h 127.0.0.1 -p " + pair.target().port() + " -U postgres -d " + db;
        p.info(label);
        Peer run = peer(List.of("bash", "-c", cmd), env, label);
        fixture.check(p, target, expected, db, true);
        Bench.exec(pair.target().connection("postgres"), "DROP DATABASE " + db);
        return new NativeCopyBenchmark.Timing(label, round, run.seconds(), Double.NaN, run.cpuSeconds(), run.load(),
                "data, primary key and both indexes (the after-load settings)");
    }

    static String uri(LocalPostgres pg, String db) {
        return "postgresql://postgres@127.0.0.1:" + pg.port() + "/" + db;
    }

    private Peer peer(List<String> cmd, Map<String, String> env, String label) {
        Bench.Cpu cpu = new Bench.Cpu(pair);
        double load = Bench.load1();
        double cpu0 = cpu.all();
        long t0 = System.nanoTime();
        String output = runTool(cmd, env, label);
        double secs = Bench.secondsSince(t0);
        return new Peer(output, secs, cpu.all() - cpu0, load);
    }

    private static String runTool(List<String> cmd, Map<String, String> env, String label) {
        Bench.Output run = Bench.output(cmd, env, cmd.get(0));
        if (run.exit() != 0) {
            List<String> lines = run.text().lines().toList();
            String tail = String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
            throw ToolException.runtime(label + " failed (exit " + run.exit() + "):\n" + tail);
        }
        return run.text();
    }

    static Path onPath(String name, Map<String, String> env) {
        for (String d : env.getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path f = Path.of(d).resolve(name);
            if (Files.isExecutable(f)) return f;
        }
        return null;
    }

    /** "pgcopydb version ..." as it says it, or its path when it cannot say. */
    static String version(Path pgcopydb) {
        try {
            return runTool(List.of(pgcopydb.toString(), "--version"), System.getenv(), "pgcopydb --version").lines()
                    .filter(l -> l.startsWith("pgcopydb version")).findFirst().orElse(pgcopydb.toString()).trim();
        } catch (ToolException e) {
            return pgcopydb.toString();
        }
    }
}
