package io.pgvectormigrate.local;

import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pipeline.Journal;
import io.pgvectormigrate.pipeline.Resource;
import io.pgvectormigrate.pipeline.RunContext;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The local instances a run owns (temporary source, rehearse target, scratch instance for the sample), each a
 * journal resource {@value #KIND} whose id is its role and whose attributes say where it lives: directory,
 * data directory, port, password file path (never the password).
 *
 * <p>Instances live under the run directory ({@code runs/<id>/instances/<role>}) when the postgres OS user can
 * reach it; when running as root under a directory it cannot traverse (e.g. /root), under
 * {@link LocalPostgres#defaultBaseDir()} instead. The choice is made once and kept in the journal.
 */
public final class LocalInstances {
    public static final String KIND = "local.instance";
    static final String BASE_PARAM = "local.instances-dir";

    private LocalInstances() {}

    /** Where this run's instances live; decided on first use and journaled so a resumed run finds them. */
    public static Path baseDir(RunContext ctx) {
        Journal j = ctx.journal();
        Optional<String> known = j.parameter(BASE_PARAM);
        if (known.isPresent()) return Path.of(known.get());
        Path preferred = j.runDir().toAbsolutePath().resolve("instances");
        Path chosen;
        try {
            Files.createDirectories(preferred);
        } catch (IOException e) {
            throw ToolException.usage("cannot create " + preferred + ": " + e.getMessage()
                    + " (pick a writable --work-dir)", e);
        }
        if (postgresUserCanReach(preferred)) {
            chosen = preferred;
        } else {
            chosen = LocalPostgres.defaultBaseDir().resolve("run-" + j.runId());
            ctx.progress().info("the postgres OS user cannot reach " + preferred
                    + ", so this run's PostgreSQL instances live in " + chosen + " (recorded in the run journal)");
            try {
                Files.deleteIfExists(preferred);
                Files.createDirectories(chosen);
            } catch (IOException e) {
                throw ToolException.runtime("cannot create " + chosen + ": " + e.getMessage(), e);
            }
            chosen.toFile().setExecutable(true, false);
            chosen.toFile().setReadable(true, false);
        }
        j.putParameter(BASE_PARAM, chosen.toString());
        return chosen;
    }

    /** As root, initdb and postgres run as the postgres user, which must be able to enter the directory. */
    static boolean postgresUserCanReach(Path dir) {
        if (!Proc.isRoot()) return true;
        dir.toFile().setExecutable(true, false);
        dir.toFile().setReadable(true, false);
        Proc.Result r = Proc.run(Proc.asPostgresUser(List.of("test", "-x", dir.toString())), null, Map.of(), Duration.ofSeconds(10));
        return r.ok();
    }

    /**
     * Starts (or on resume restarts) the instance of a role. The resource is journaled before initdb, so a
     * crash at any point leaves something teardown can find.
     *
     * @param port     0 = a free port on first start, the recorded one afterwards
     * @param recreate make the role's instance again even when an earlier teardown removed it (scratch instances)
     */
    public static LocalPostgres start(RunContext ctx, PgBinaries binaries, String role, int port,
                                      Map<String, String> settings, boolean recreate) {
        Journal j = ctx.journal();
        Optional<Resource> existing = j.resource(KIND, role);
        if (recreate && existing.isPresent() && existing.get().deleted()) existing = Optional.empty();
        if (existing.isPresent() && existing.get().deleted()) {
            throw ToolException.runtime("the " + role + " instance of run " + j.runId()
                    + " was already removed by its teardown; start a new run (without --run-id) to rehearse again");
        }
        Path dir = existing.map(r -> Path.of(r.attribute("dir"))).orElseGet(() -> baseDir(ctx).resolve(role));
        Map<String, String> attrs = new LinkedHashMap<>();
        attrs.put("role", role);
        attrs.put("dir", dir.toString());
        attrs.put("dataDir", dir.resolve("data").toString());
        attrs.put("passwordFile", dir.resolve("password").toString());
        if (existing.isEmpty()) j.recordResource(KIND, role, attrs);
        if (existing.isEmpty() || !"true".equals(existing.get().attribute("initialized"))) {
            // a process killed during initdb leaves a half-made data directory that initdb refuses to reuse
            LocalPostgres.stop(binaries, dir);
            LocalPostgres.deleteTree(dir);
        }
        boolean initialized = existing.isPresent() && "true".equals(existing.get().attribute("initialized"));
        LocalPostgres pg;
        try {
            // an existing instance keeps its recorded port: replication connections name it
            pg = LocalPostgres.start(binaries, dir, initialized ? 0 : port, settings, false);
        } catch (ToolException e) {
            String recorded = existing.map(r -> r.attribute("port")).orElse(null);
            if (recorded != null && e.getMessage().contains("is busy")) {
                throw ToolException.usage("port " + recorded + ", recorded for the " + role + " instance of run " + j.runId()
                        + ", is busy on 127.0.0.1: stop what uses it, then re-run with --run-id " + j.runId(), e);
            }
            throw e;
        }
        attrs.put("port", String.valueOf(pg.port()));
        attrs.put("initialized", "true");
        j.recordResource(KIND, role, attrs);
        return pg;
    }

    /** The live instance of a role, if the journal has one. */
    public static Optional<Resource> live(Journal j, String role) {
        return j.resource(KIND, role).filter(r -> !r.deleted());
    }

    /** Stops and deletes the instance of a role (a second call finds nothing to do). */
    public static boolean destroy(RunContext ctx, PgBinaries binaries, String role) {
        Optional<Resource> r = live(ctx.journal(), role);
        if (r.isEmpty()) return false;
        Path dir = Path.of(r.get().attribute("dir"));
        LocalPostgres.stop(binaries, dir);
        LocalPostgres.deleteTree(dir);
        if (Files.exists(dir)) {
            throw ToolException.runtime("cannot remove " + dir + ": remove it by hand, then re-run with --run-id " + ctx.runId());
        }
        ctx.journal().markDeleted(KIND, role);
        removeIfEmpty(dir.getParent());
        return true;
    }

    /** The run's instances directory goes with its last instance. */
    private static void removeIfEmpty(Path dir) {
        try (var s = Files.list(dir)) {
            if (s.findAny().isEmpty()) Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // not empty or already gone: either way nothing of ours is left in it
        }
    }

    /** Environment for client tools (pg_dump, pg_restore) against a local instance; nothing of the caller's PG* leaks in. */
    static Map<String, String> clientEnv(LocalPostgres pg) {
        Map<String, String> env = new LinkedHashMap<>(pg.libpqEnv());
        env.put("PGSSLMODE", "disable");
        env.put("PGCONNECT_TIMEOUT", "10");
        env.put("PGAPPNAME", "pgvector-migrate");
        env.put("PGOPTIONS", "");
        return env;
    }
}
