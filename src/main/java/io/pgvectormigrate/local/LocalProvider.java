package io.pgvectormigrate.local;

import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pg.Database;
import io.pgvectormigrate.pg.Queries;
import io.pgvectormigrate.pg.Sql;
import io.pgvectormigrate.pg.TableFilter;
import io.pgvectormigrate.pipeline.Journal;
import io.pgvectormigrate.pipeline.RunContext;
import io.pgvectormigrate.pipeline.SourceProvider;
import io.pgvectormigrate.pipeline.Step;
import io.pgvectormigrate.pipeline.TargetRowCounter;
import io.pgvectormigrate.report.Progress;
import io.pgvectormigrate.sample.BedrockChatSample;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The temporary source on this machine: a local PostgreSQL instance (logical replication on) under the run's
 * directory, restored from a pg_dump archive. The archive is the operator's ({@code --snapshot}) or a Bedrock
 * Chat-shaped sample the provider generates in a scratch instance and dumps, so the rehearsal exercises the
 * same restore path a real export takes.
 *
 * <p>Idempotent: the archive is written under a temporary name and renamed when complete (a resumed run
 * reuses it); a restore that died half-way is redone into a freshly created database; the instance is reused.
 */
public final class LocalProvider implements SourceProvider {
    public static final String SOURCE = "source";
    public static final String SCRATCH = "scratch";
    static final String ARCHIVE_NAME = "snapshot.dump";

    /** Where the archive comes from. */
    public sealed interface Snapshot permits Snapshot.File, Snapshot.Sample {
        /** The operator's pg_dump archive. */
        record File(Path path) implements Snapshot {}

        /** A generated Bedrock Chat v0-shaped database: {@code rows} chunks over {@code bots} bots. */
        record Sample(long rows, int bots, long seed) implements Snapshot {}
    }

    /**
     * @param port 0 = any free port
     */
    public record Options(Snapshot snapshot, int port, Map<String, String> env) {
        public Options {
            env = env == null ? Map.of() : Map.copyOf(env);
        }
    }

    private final Options options;
    private PgBinaries binaries;

    public LocalProvider(Options options) {
        this.options = options;
    }

    @Override
    public String name() {
        return "local";
    }

    PgBinaries binaries() {
        if (binaries == null) binaries = PgBinaries.locate(options.env()).requirePgvector();
        return binaries;
    }

    @Override
    public void preflight(RunContext ctx) {
        PgBinaries b = binaries();
        Path base = LocalInstances.baseDir(ctx);
        long needBytes;
        if (options.snapshot() instanceof Snapshot.File f) {
            ArchiveInfo info = inspect(b, f.path());
            ctx.journal().putParameter("snapshot", f.path().toAbsolutePath().toString());
            ctx.journal().putParameter("source-database", info.database());
            ctx.progress().info("snapshot " + f.path() + ": pg_dump " + info.format().toLowerCase(Locale.ROOT) + " archive of database '"
                    + info.database() + "', " + info.tableDataEntries() + " table(s) with data, " + mb(info.bytes()));
            // restored source + target + WAL and indexes: about four times the compressed archive
            needBytes = info.bytes() * 4;
        } else {
            Snapshot.Sample s = (Snapshot.Sample) options.snapshot();
            ctx.journal().putParameter("source-database", "postgres");
            needBytes = sampleBytes(s.rows());
        }
        checkFreeSpace(base, needBytes, options.snapshot());
    }

    /** About 6 KB a row (vector 4 KB, text, index, WAL) in each of scratch, archive, source and target, plus slack. */
    static long sampleBytes(long rows) {
        return rows * 6_000L * 4 + 256L * 1024 * 1024;
    }

    static void checkFreeSpace(Path dir, long needBytes, Snapshot snapshot) {
        long free;
        try {
            free = Files.getFileStore(dir).getUsableSpace();
        } catch (IOException e) {
            return; // unknown: the instances report a full disk themselves
        }
        if (free < needBytes) {
            String lower = snapshot instanceof Snapshot.Sample ? ", lower --rows" : "";
            throw ToolException.usage("not enough free disk space in " + dir + ": the rehearsal needs about " + mb(needBytes)
                    + ", " + mb(free) + " are free; free some space" + lower + ", or use a --work-dir on a bigger disk");
        }
    }

    /** What {@code pg_restore --list} says about an archive. */
    record ArchiveInfo(String format, String database, int tableDataEntries, long bytes) {}

    /** Checks that a file is an archive pg_restore reads (exit 2 otherwise) and reads its header. */
    static ArchiveInfo inspect(PgBinaries b, Path file) {
        if (!Files.exists(file)) {
            throw ToolException.usage("snapshot file " + file + " does not exist: pass the path of a pg_dump archive "
                    + "(make one with: pg_dump -Fc -d DB -f FILE)");
        }
        if (!Files.isReadable(file)) {
            throw ToolException.usage("snapshot file " + file + " is not readable: check its permissions");
        }
        Proc.Result r = Proc.run(List.of(b.tool("pg_restore").toString(), "--list", file.toAbsolutePath().toString()),
                null, Map.of(), Duration.ofMinutes(5));
        if (!r.ok()) {
            String why = r.tail(2);
            if (why.contains("unsupported version")) {
                throw ToolException.usage("snapshot " + file + " was made by a newer pg_dump than this machine's PostgreSQL "
                        + b.majorVersion() + " pg_restore (" + why + "): install newer client binaries and point PGVM_PG_BINDIR at them");
            }
            throw ToolException.usage("snapshot " + file + " is not a pg_dump archive (pg_restore: " + why
                    + "); pass a custom-, directory- or tar-format dump made with: pg_dump -Fc -d DB -f FILE");
        }
        String format = "UNKNOWN";
        String db = "postgres";
        int tableData = 0;
        for (String line : r.output().split("\n")) {
            String t = line.strip();
            if (t.startsWith(";") && t.contains("Format:")) format = t.substring(t.indexOf("Format:") + 7).strip();
            if (t.startsWith(";") && t.contains("dbname:")) db = t.substring(t.indexOf("dbname:") + 7).strip();
            if (!t.startsWith(";") && t.contains(" TABLE DATA ")) tableData++;
        }
        long bytes;
        try {
            bytes = Files.isDirectory(file) ? dirSize(file) : Files.size(file);
        } catch (IOException e) {
            bytes = 0;
        }
        return new ArchiveInfo(format, db, tableData, bytes);
    }

    private static long dirSize(Path dir) throws IOException {
        try (var s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    @Override
    public void restore(RunContext ctx) {
        PgBinaries b = binaries();
        Path archive = archive(ctx);
        ArchiveInfo info = inspect(b, archive);
        LocalPostgres pg = LocalInstances.start(ctx, b, SOURCE, options.port(), sourceSettings(), false);
        String db = info.database();
        ctx.progress().info("restoring " + archive.getFileName() + " (" + mb(info.bytes()) + ") into database '" + db
                + "' of the temporary source on port " + pg.port() + " ...");
        Instant t0 = ctx.clock().instant();
        recreateDatabase(pg, db);
        List<String> cmd = new ArrayList<>(List.of(b.tool("pg_restore").toString(), "--no-owner", "--no-privileges",
                "--dbname", db));
        if (info.format().equals("CUSTOM") || info.format().equals("DIRECTORY")) cmd.addAll(List.of("--jobs", "2"));
        cmd.add(archive.toAbsolutePath().toString());
        Proc.Result r = Proc.run(cmd, null, LocalInstances.clientEnv(pg), Duration.ofHours(12));
        if (!r.ok()) throw restoreFailure(ctx, r);
        Map<String, Long> rows = TargetRowCounter.count(pg.connection(db), TableFilter.ALL, "temporary source");
        long total = rows.values().stream().mapToLong(Long::longValue).sum();
        Journal j = ctx.journal();
        j.putOutput(Step.RESTORE, "database", db);
        j.putOutput(Step.RESTORE, "archive", archive.toAbsolutePath().toString());
        j.putOutput(Step.RESTORE, "source-tables", String.valueOf(rows.size()));
        j.putOutput(Step.RESTORE, "source-rows", String.valueOf(total));
        ctx.progress().info(String.format(Locale.ROOT, "restored %,d rows in %d table(s) in %s", total, rows.size(),
                Progress.seconds(Duration.between(t0, ctx.clock().instant()))));
    }

    static Map<String, String> sourceSettings() {
        Map<String, String> s = new LinkedHashMap<>(LocalPostgres.replicationSettings());
        s.putAll(LocalPostgres.throwawaySettings());
        return s;
    }

    private static ToolException restoreFailure(RunContext ctx, Proc.Result r) {
        String out = r.output();
        if (out.contains("No space left on device")) {
            String line = out.lines().filter(l -> l.contains("No space left")).findFirst().orElse("").strip();
            return ToolException.runtime("the disk is full: pg_restore could not write the temporary source in "
                    + LocalInstances.baseDir(ctx) + " (" + line + "); free space, then re-run with --run-id " + ctx.runId());
        }
        List<String> errors = out.lines().filter(line -> line.contains("error:")).map(String::strip).toList();
        String first = errors.isEmpty() ? r.tail(3) : String.join(" | ", errors.subList(0, Math.min(3, errors.size())));
        return ToolException.runtime("pg_restore failed (exit " + r.exitCode() + ", " + errors.size() + " error(s)): " + first
                + "; fix the archive or the local installation (missing extensions must be installed), then re-run with --run-id " + ctx.runId());
    }

    /** The archive to restore: the operator's, or the generated sample (made once per run). */
    Path archive(RunContext ctx) {
        if (options.snapshot() instanceof Snapshot.File f) return f.path();
        Snapshot.Sample s = (Snapshot.Sample) options.snapshot();
        Path archive = ctx.journal().runDir().resolve(ARCHIVE_NAME);
        if (Files.exists(archive)) {
            ctx.progress().info("reusing the sample archive made by an earlier attempt: " + archive);
            return archive;
        }
        generateSample(ctx, s, archive);
        return archive;
    }

    private void generateSample(RunContext ctx, Snapshot.Sample s, Path archive) {
        PgBinaries b = binaries();
        // a scratch instance left by an attempt that died mid-way is incomplete: start over
        LocalInstances.destroy(ctx, b, SCRATCH);
        Instant t0 = ctx.clock().instant();
        ctx.progress().info(String.format(Locale.ROOT, "generating a Bedrock Chat v0-shaped snapshot: %,d chunks over %d bots, vector(1024) ...",
                s.rows(), s.bots()));
        LocalPostgres scratch = LocalInstances.start(ctx, b, SCRATCH, 0, LocalPostgres.throwawaySettings(), true);
        try (Connection c = Database.connect(scratch.connection("postgres"), "scratch instance", null)) {
            BedrockChatSample.createSchema(c);
            BedrockChatSample.generate(c, s.rows(), s.bots(), s.seed(), ctx.progress());
            Queries.exec(c, "ANALYZE items");
        } catch (SQLException e) {
            throw ToolException.runtime("generating the sample failed: " + Database.firstLine(e.getMessage())
                    + (String.valueOf(e.getMessage()).contains("No space left") ? " (the disk is full: free space or lower --rows)" : ""), e);
        }
        Path partial = archive.resolveSibling(ARCHIVE_NAME + ".partial");
        Proc.Result r = Proc.run(List.of(b.tool("pg_dump").toString(), "--format=custom", "--compress=1", "--dbname", "postgres",
                "--file", partial.toAbsolutePath().toString()), null, LocalInstances.clientEnv(scratch), Duration.ofHours(6));
        if (!r.ok()) {
            String why = r.output().contains("No space left") ? "the disk is full: free space or lower --rows" : r.tail(3);
            throw ToolException.runtime("pg_dump of the sample failed: " + why);
        }
        try {
            Files.move(partial, archive, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw ToolException.runtime("cannot rename " + partial + " to " + archive + ": " + e.getMessage(), e);
        }
        LocalInstances.destroy(ctx, b, SCRATCH);
        ctx.progress().info("sample archive " + archive + " (" + mb(archive.toFile().length()) + ") made in "
                + Progress.seconds(Duration.between(t0, ctx.clock().instant())));
    }

    /** A database restored into again must start empty: drop (with its sessions) and create it. */
    private static void recreateDatabase(LocalPostgres pg, String db) {
        String q = Sql.ident(db);
        try (Connection c = Database.connect(pg.connection("template1"), "temporary source", null)) {
            Queries.exec(c, "DROP DATABASE IF EXISTS " + q + " WITH (FORCE)");
            Queries.exec(c, "CREATE DATABASE " + q);
        } catch (SQLException e) {
            throw ToolException.runtime("cannot create database '" + db + "' on the temporary source: " + Database.firstLine(e.getMessage()), e);
        }
    }

    @Override
    public ConnectionSpec credentials(RunContext ctx) {
        Journal j = ctx.journal();
        if (LocalInstances.live(j, SOURCE).isEmpty()) {
            throw ToolException.runtime(j.resource(LocalInstances.KIND, SOURCE).isPresent()
                    ? "the temporary source of run " + j.runId() + " was already removed; start a new run to rehearse again"
                    : "run " + j.runId() + " has no temporary source yet: its restore step has not run");
        }
        String db = j.output(Step.RESTORE, "database").or(() -> j.parameter("source-database")).orElse("postgres");
        LocalPostgres pg = LocalInstances.start(ctx, binaries(), SOURCE, options.port(), sourceSettings(), false);
        return pg.connection(db);
    }

    @Override
    public void teardown(RunContext ctx) {
        PgBinaries b = binaries();
        List<String> removed = new ArrayList<>();
        for (String role : List.of(SCRATCH, SOURCE)) {
            Optional<String> dir = LocalInstances.live(ctx.journal(), role).map(r -> r.attribute("dir"));
            if (LocalInstances.destroy(ctx, b, role)) removed.add(role + " instance " + dir.orElse(""));
        }
        Path archive = ctx.journal().runDir().resolve(ARCHIVE_NAME);
        try {
            // the generated sample is the run's own; an operator's --snapshot file is never touched
            Files.deleteIfExists(archive);
            Files.deleteIfExists(archive.resolveSibling(ARCHIVE_NAME + ".partial"));
        } catch (IOException e) {
            ctx.progress().info("warning: cannot remove " + archive + ": " + e.getMessage());
        }
        if (!removed.isEmpty()) ctx.progress().info("removed " + String.join(", ", removed));
    }

    static String mb(long bytes) {
        return String.format(Locale.ROOT, "%,.0f MB", bytes / 1e6);
    }
}
