package io.pgvectormigrate.local;

import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pg.ConnectionSpec;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;

/**
 * A throwaway PostgreSQL instance run from the local binaries: own data directory, own socket directory,
 * loopback only, password authentication over TCP. Used by the local provider (rehearse) and by the tests.
 *
 * <p>Layout under {@code dir}: {@code data/}, {@code socket/}, {@code postgres.log}, {@code password}
 * (the superuser's password, mode 600, never printed; it lets a resumed run log in again).
 */
public final class LocalPostgres implements AutoCloseable {
    public static final String SUPERUSER = "postgres";

    private final PgBinaries binaries;
    private final Path dir;
    /** Picks of a free port before giving up, when another process takes the picked one first. */
    private static final int PORT_ATTEMPTS = 3;
    private final int port;
    private final String password;
    private final boolean deleteOnClose;

    private LocalPostgres(PgBinaries binaries, Path dir, int port, String password, boolean deleteOnClose) {
        this.binaries = binaries;
        this.dir = dir;
        this.port = port;
        this.password = password;
        this.deleteOnClose = deleteOnClose;
    }

    /** Settings suitable for logical replication between two local instances. */
    public static Map<String, String> replicationSettings() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("wal_level", "logical");
        s.put("max_replication_slots", "16");
        s.put("max_wal_senders", "16");
        s.put("max_logical_replication_workers", "8");
        s.put("max_sync_workers_per_subscription", "4");
        s.put("max_worker_processes", "16");
        return s;
    }

    /** Extra settings that trade durability for speed; for tests and rehearsals only. */
    public static Map<String, String> throwawaySettings() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("fsync", "off");
        s.put("synchronous_commit", "off");
        s.put("full_page_writes", "off");
        return s;
    }

    /**
     * Initializes (if {@code dir/data} is not a cluster yet) and starts an instance.
     *
     * @param port 0 picks a free loopback port
     */
    public static LocalPostgres start(PgBinaries binaries, Path dir, int port, Map<String, String> settings,
                                      boolean deleteOnClose) {
        return start(binaries, dir, port, settings, deleteOnClose, LocalPostgres::freePort);
    }

    static LocalPostgres start(PgBinaries binaries, Path dir, int port, Map<String, String> settings,
                               boolean deleteOnClose, IntSupplier pickPort) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw ToolException.usage("cannot create " + dir + ": " + e.getMessage(), e);
        }
        Path data = dir.resolve("data");
        Path pwFile = dir.resolve("password");
        boolean fresh = !Files.exists(data.resolve("PG_VERSION"));
        Integer recorded = fresh || port != 0 ? null : readPortFromConf(data);
        int chosenPort = recorded != null ? recorded : port != 0 ? port : pickPort.getAsInt();
        if (fresh) writePrivate(pwFile, randomPassword());
        LocalPostgres pg = new LocalPostgres(binaries, dir, chosenPort, readPassword(pwFile), deleteOnClose);
        if (fresh) pg.initdb(settings);
        if (pg.isRunning()) return pg;
        // a port this call picked is known to nobody yet: if another process takes it first, pick again
        boolean picked = fresh && port == 0;
        for (int attempt = 1; ; attempt++) {
            boolean busy = !isPortFree(pg.port);
            if (!busy) {
                pg.writePort(pg.port);
                busy = !pg.pgCtlStart(picked && attempt < PORT_ATTEMPTS);
                if (!busy) return pg;
            }
            if (!picked || attempt >= PORT_ATTEMPTS) {
                throw ToolException.usage("port " + pg.port + " is busy on 127.0.0.1: stop what uses it or pick another port");
            }
            pg = new LocalPostgres(binaries, dir, pickPort.getAsInt(), pg.password, deleteOnClose);
        }
    }

    private void initdb(Map<String, String> settings) {
        Path data = dir.resolve("data");
        Path socket = dir.resolve("socket");
        Path tmpPw = dir.resolve("initdb-pw");
        try {
            Files.createDirectories(socket);
            Files.writeString(tmpPw, password, StandardCharsets.UTF_8);
            giveToPostgresUser(dir);
            Proc.check("initdb", Proc.asPostgresUser(List.of(
                    binaries.tool("initdb").toString(), "-D", data.toString(), "-U", SUPERUSER,
                    "--pwfile=" + tmpPw, "--auth-local=trust", "--auth-host=scram-sha-256",
                    "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")), dir, Map.of(), Duration.ofMinutes(2));
        } catch (IOException e) {
            throw ToolException.runtime("cannot prepare " + dir + ": " + e.getMessage(), e);
        } finally {
            try {
                Files.deleteIfExists(tmpPw);
            } catch (IOException ignored) {
                // best effort: the directory is private anyway
            }
        }
        StringBuilder conf = new StringBuilder("\n# pgvector-migrate local instance\n");
        conf.append("listen_addresses = '127.0.0.1'\n");
        // the kernel limits a socket path to 107 bytes; a deep directory gets TCP only (all callers use 127.0.0.1)
        boolean socketFits = socket.resolve(".s.PGSQL.65535").toString().getBytes(StandardCharsets.UTF_8).length <= 107;
        conf.append("unix_socket_directories = '").append(socketFits ? socket.toString() : "").append("'\n");
        conf.append("max_connections = 100\n");
        settings.forEach((k, v) -> conf.append(k).append(" = '").append(v).append("'\n"));
        try {
            Files.writeString(data.resolve("postgresql.conf"), conf.toString(), StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw ToolException.runtime("cannot write postgresql.conf: " + e.getMessage(), e);
        }
    }

    private void writePort(int p) {
        try {
            Path auto = dir.resolve("data/postgresql.auto.conf");
            String existing = Files.exists(auto) ? Files.readString(auto) : "";
            String cleaned = existing.replaceAll("(?m)^port = .*\\n?", "");
            Files.writeString(auto, cleaned + "port = " + p + "\n");
        } catch (IOException e) {
            throw ToolException.runtime("cannot record port in postgresql.auto.conf: " + e.getMessage(), e);
        }
    }

    private static Integer readPortFromConf(Path data) {
        try {
            Path auto = data.resolve("postgresql.auto.conf");
            if (!Files.exists(auto)) return null;
            for (String line : Files.readAllLines(auto)) {
                if (line.startsWith("port = ")) return Integer.parseInt(line.substring(7).trim());
            }
        } catch (IOException | NumberFormatException ignored) {
            // no recorded port
        }
        return null;
    }

    /** Starts the server; false when it could not bind its port and the caller will pick another. */
    private boolean pgCtlStart(boolean mayRetryPort) {
        Path log = dir.resolve("postgres.log");
        if (pgCtl(binaries, dir, "-l", log.toString(), "-w", "-t", "60", "start").ok()) return true;
        String logTail = "";
        try {
            logTail = Proc.tail(Files.readString(log), 3);
        } catch (IOException ignored) {
            // no log yet
        }
        boolean portTaken = logTail.contains("could not bind");
        if (portTaken && mayRetryPort) return false;
        String hint = logTail.contains("No space left") ? "the disk is full: free space and retry"
                : portTaken ? "port " + port + " is busy: pick another port"
                : "see " + log;
        throw ToolException.runtime("local PostgreSQL in " + dir + " did not start: " + logTail + " (" + hint + ")");
    }

    public boolean isRunning() {
        return isRunning(binaries, dir);
    }

    public void stop() {
        stop(binaries, dir);
    }

    /** {@code pg_ctl status} of the instance in {@code dir}. */
    public static boolean isRunning(PgBinaries binaries, Path dir) {
        return Files.exists(dir.resolve("data/postmaster.pid")) && pgCtl(binaries, dir, "status").ok();
    }

    /** Stops the instance in {@code dir} if it runs: fast shutdown, immediate when that hangs. */
    static void stop(PgBinaries binaries, Path dir) {
        if (!isRunning(binaries, dir)) return;
        if (pgCtl(binaries, dir, "-m", "fast", "-w", "-t", "60", "stop").ok() || !isRunning(binaries, dir)) return;
        Proc.Result r = pgCtl(binaries, dir, "-m", "immediate", "-w", "-t", "60", "stop");
        if (!r.ok()) throw ToolException.runtime("pg_ctl stop -m immediate failed (exit " + r.exitCode() + "): " + r.tail(4));
    }

    /** Runs pg_ctl on the instance in {@code dir}, as the postgres OS user when we are root. */
    private static Proc.Result pgCtl(PgBinaries binaries, Path dir, String... args) {
        List<String> command = new ArrayList<>(List.of(binaries.tool("pg_ctl").toString(), "-D",
                dir.resolve("data").toString()));
        command.addAll(List.of(args));
        return Proc.run(Proc.asPostgresUser(command), dir, Map.of(), Duration.ofSeconds(90));
    }

    /** Stops the instance and removes its directory. */
    public void destroy() {
        stop();
        deleteTree(dir);
    }

    @Override
    public void close() {
        if (deleteOnClose) destroy();
        else stop();
    }

    public int port() { return port; }
    public Path dir() { return dir; }
    public PgBinaries binaries() { return binaries; }

    /** Superuser connection to a database on this instance (carries the password; display() hides it). */
    public ConnectionSpec connection(String database) {
        return new ConnectionSpec("127.0.0.1", port, database, SUPERUSER, password, Map.of());
    }

    /** Environment for libpq tools (pg_dump, pg_restore, psql) run against this instance. */
    public Map<String, String> libpqEnv() {
        return Map.of("PGHOST", "127.0.0.1", "PGPORT", String.valueOf(port), "PGUSER", SUPERUSER, "PGPASSWORD", password);
    }

    // ---- helpers

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw ToolException.runtime("no free loopback port: " + e.getMessage(), e);
        }
    }

    static boolean isPortFree(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String randomPassword() {
        byte[] b = new byte[18];
        new SecureRandom().nextBytes(b);
        return "L" + HexFormat.of().formatHex(b);
    }

    private static void writePrivate(Path file, String content) {
        try {
            Files.deleteIfExists(file);
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, content, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw ToolException.runtime("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static String readPassword(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            throw ToolException.runtime("local instance password file " + file + " is missing: remove the instance directory and start again", e);
        }
    }

    /** When root, hand the instance directory (not the password file) to the postgres OS user. */
    private static void giveToPostgresUser(Path dir) {
        if (!Proc.isRoot()) return;
        List<String> cmd = new ArrayList<>(List.of("chown", "postgres:postgres", dir.toString(),
                dir.resolve("socket").toString(), dir.resolve("initdb-pw").toString()));
        Proc.check("chown", cmd, null, Map.of(), Duration.ofSeconds(30));
        Proc.Result canReach = Proc.run(Proc.asPostgresUser(List.of("test", "-w", dir.toString())), null, Map.of(), Duration.ofSeconds(10));
        if (!canReach.ok()) {
            throw ToolException.usage("the postgres OS user cannot reach " + dir
                    + ": pick a working directory whose parents are world-traversable (for example under /tmp)");
        }
    }

    /** Removes a directory tree; what cannot be removed stays (callers that must know check afterwards). */
    public static void deleteTree(Path root) {
        if (!Files.exists(root)) return;
        try (var walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // keep going; report below
                }
            });
        } catch (IOException e) {
            throw ToolException.runtime("cannot remove " + root + ": " + e.getMessage(), e);
        }
    }

    /** A base directory the postgres OS user can reach, for instances when no work dir is given. */
    public static Path defaultBaseDir() {
        Path p = Path.of(System.getProperty("java.io.tmpdir"), "pgvector-migrate-" + System.getProperty("user.name"));
        try {
            Files.createDirectories(p);
            p.toFile().setExecutable(true, false);
            p.toFile().setReadable(true, false);
        } catch (IOException e) {
            throw ToolException.runtime("cannot create " + p + ": " + e.getMessage(), e);
        }
        return p;
    }
}
