package io.pgvectormigrate.verify;

import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pg.CredentialResolver.PasswordPrompt;
import io.pgvectormigrate.pg.Database;
import io.pgvectormigrate.pg.Queries;
import io.pgvectormigrate.pg.Sql;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * One side (source or target) of a verification: a main connection whose REPEATABLE READ READ ONLY transaction
 * exports its snapshot, and worker connections that import it, so every query on this side sees the same data
 * (as pg_dump -j does). Nothing is ever written: the connections are read-only and so are their transactions.
 */
final class Side implements AutoCloseable {
    /** Session settings that make text renderings (boundaries, ::text fallbacks) identical on both sides. */
    private static final String SESSION_SETUP = "SET idle_in_transaction_session_timeout = 0; "
            + "SET statement_timeout = 0; SET lock_timeout = 0; SET DateStyle = 'ISO, YMD'; SET TimeZone = 'UTC'; "
            + "SET IntervalStyle = 'postgres'; SET extra_float_digits = 3; SET bytea_output = 'hex'; "
            // chunk queries differ only in their key range: plan each with its values, and skip JIT compilation,
            // which costs more than it saves on expressions that are mostly function calls
            + "SET plan_cache_mode = force_custom_plan; SET jit = off";

    final String role;
    final ConnectionSpec spec;
    final Connection main;
    final DbIdentity identity;
    private final String snapshot;
    private final PasswordPrompt prompt;
    private final List<Connection> opened = new ArrayList<>();
    private BlockingQueue<Connection> workers = new ArrayBlockingQueue<>(1);

    /** What tells two connections apart: same server process and same database means same database. */
    record DbIdentity(String systemIdentifier, long databaseOid, String postmasterStart, String version,
                      int versionNum, int parallelWorkersPerGather) {
        boolean sameAs(DbIdentity o) {
            boolean sameCluster = postmasterStart.equals(o.postmasterStart)
                    && (systemIdentifier == null || o.systemIdentifier == null || systemIdentifier.equals(o.systemIdentifier));
            return sameCluster && databaseOid == o.databaseOid;
        }
    }

    private Side(String role, ConnectionSpec spec, Connection main, DbIdentity identity, String snapshot,
                 PasswordPrompt prompt) {
        this.role = role;
        this.spec = spec;
        this.main = main;
        this.identity = identity;
        this.snapshot = snapshot;
        this.prompt = prompt;
        opened.add(main);
    }

    /** Connects and opens the snapshot transaction; connect failures are bad input (exit 2). */
    static Side open(String role, ConnectionSpec spec, PasswordPrompt prompt) {
        PasswordPrompt once = cachingPrompt(prompt);
        Connection c = Database.connect(spec, role, once);
        try {
            setUp(c);
            DbIdentity id = identify(c);
            beginReadOnly(c);
            String snap = Queries.string(c, "SELECT pg_export_snapshot()").orElseThrow();
            assertReadOnly(c, role);
            return new Side(role, spec, c, id, snap, once);
        } catch (SQLException e) {
            Queries.closeQuietly(c);
            throw Verifier.sqlFailure(role, "starting a read-only snapshot", e);
        } catch (RuntimeException e) {
            Queries.closeQuietly(c);
            throw e;
        }
    }

    /**
     * Makes {@code n} worker connections: the main one, its catalog read done, and {@code n - 1} more that share its
     * snapshot (each connection costs a login and a server process).
     */
    void startWorkers(int n) {
        BlockingQueue<Connection> q = new ArrayBlockingQueue<>(n);
        q.add(main);
        // connecting (TLS, SCRAM) takes a while on a remote server: open the workers at the same time
        List<java.util.concurrent.CompletableFuture<Connection>> fs = new ArrayList<>();
        for (int i = 1; i < n; i++) fs.add(java.util.concurrent.CompletableFuture.supplyAsync(this::worker));
        for (var f : fs) q.add(Workers.await(f));
        workers = q;
    }

    private Connection worker() {
        Connection c = Database.connect(spec, role, prompt);
        synchronized (opened) {
            opened.add(c);
        }
        try {
            setUp(c);
            beginReadOnly(c);
            Queries.exec(c, "SET TRANSACTION SNAPSHOT " + Sql.literal(snapshot));
            assertReadOnly(c, role);
            return c;
        } catch (SQLException e) {
            throw Verifier.sqlFailure(role, "sharing the snapshot with a worker connection", e);
        }
    }

    Connection borrow() throws InterruptedException {
        return workers.take();
    }

    void giveBack(Connection c) {
        workers.add(c);
    }

    private static void setUp(Connection c) throws SQLException {
        c.setAutoCommit(true);
        Queries.exec(c, SESSION_SETUP);
    }

    private static void beginReadOnly(Connection c) throws SQLException {
        c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
        c.setReadOnly(true);
        c.setAutoCommit(false); // the driver starts each transaction with BEGIN READ ONLY
    }

    private static void assertReadOnly(Connection c, String role) throws SQLException {
        List<String> tx = Queries.first(c, "SELECT current_setting('transaction_read_only'), "
                + "current_setting('transaction_isolation')", rs -> List.of(rs.getString(1), rs.getString(2)))
                .orElseThrow();
        if (!tx.equals(List.of("on", "repeatable read"))) {
            throw ToolException.runtime("the " + role + " connection is not in a read-only repeatable-read "
                    + "transaction (" + tx.get(0) + ", " + tx.get(1) + "); refusing to go on");
        }
    }

    private static DbIdentity identify(Connection c) throws SQLException {
        String sysid = systemIdentifier(c);
        return Queries.first(c, "SELECT d.oid, pg_postmaster_start_time()::text, current_setting('server_version'), "
                + "current_setting('server_version_num')::int, current_setting('max_parallel_workers_per_gather')::int "
                + "FROM pg_database d WHERE d.datname = current_database()",
                rs -> new DbIdentity(sysid, rs.getLong(1), rs.getString(2), rs.getString(3), rs.getInt(4),
                        rs.getInt(5))).orElseThrow();
    }

    private static String systemIdentifier(Connection c) {
        try {
            return Queries.string(c, "SELECT system_identifier::text FROM pg_control_system()").orElse(null);
        } catch (SQLException e) {
            return null; // managed services may hide it; start time and database oid still tell servers apart
        }
    }

    private static PasswordPrompt cachingPrompt(PasswordPrompt inner) {
        if (inner == null) return PasswordPrompt.NONE;
        return new PasswordPrompt() {
            private char[] typed;

            @Override
            public synchronized char[] ask(String label) {
                if (typed == null) {
                    char[] t = inner.ask(label);
                    if (t == null) return null;
                    typed = t.clone();
                }
                return typed.clone(); // Database.connect wipes what it gets
            }
        };
    }

    /**
     * Closes every connection, which ends its read-only transaction (there is nothing to commit). No rollback
     * first: after a failure another thread may still be reading on a connection, and closing interrupts it
     * instead of waiting for it.
     */
    @Override
    public void close() {
        synchronized (opened) {
            for (Connection c : opened) Queries.closeQuietly(c);
            opened.clear();
        }
    }
}
