package io.pgvectormigrate.pg;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Subscriptions on a target and the catalog reads behind their progress. Every create has a lookup beside it so
 * callers can be idempotent; every drop tolerates the subscription being gone.
 *
 * <p>The subscription's connection string holds the source password: it is written once, in {@link #create}, with
 * statement logging off for that session, and never read back ({@code subconninfo} is not selected anywhere).
 */
public final class Subscriptions {
    private Subscriptions() {}

    /** A subscription in the target's current database. {@code workerPid} is the apply worker, null when not running. */
    public record Subscription(long oid, String name, boolean enabled, String slotName, Integer workerPid) {}

    public static Optional<Subscription> find(Connection tgt, String name) throws SQLException {
        return Queries.first(tgt, """
                SELECT s.oid, s.subname, s.subenabled, s.subslotname,
                       (SELECT st.pid FROM pg_stat_subscription st WHERE st.subid = s.oid AND st.relid IS NULL LIMIT 1)
                FROM pg_subscription s
                WHERE s.subname = ? AND s.subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())""",
                rs -> new Subscription(rs.getLong(1), rs.getString(2), rs.getBoolean(3), rs.getString(4),
                        (Integer) rs.getObject(5)), name);
    }

    /** The subscriptions of the target's current database, by name. */
    public static List<String> names(Connection tgt) throws SQLException {
        return Queries.list(tgt, "SELECT subname FROM pg_subscription "
                + "WHERE subdbid = (SELECT oid FROM pg_database WHERE datname = current_database()) ORDER BY subname",
                rs -> rs.getString(1));
    }

    /** Logical replication workers running now, of every subscription: what counts against max_logical_replication_workers. */
    public static long runningWorkers(Connection tgt) throws SQLException {
        return Queries.number(tgt, "SELECT count(*) FROM pg_stat_subscription WHERE pid IS NOT NULL");
    }

    /**
     * Creates the subscription ({@code binary} null: leave the option out, for servers before 14). The statement
     * carries the source password, so this session turns off every way the server could log or keep its text (statement logging, error statements, pg_stat_statements).
     */
    public static void create(Connection tgt, String name, ConnectionSpec sourceFromTarget, String publication,
                                   String slot, boolean copyData, boolean createSlot, boolean enabled,
                                   Boolean binary) throws SQLException {
        Queries.exec(tgt, "SET standard_conforming_strings = on");
        for (String quiet : List.of("SET log_statement = 'none'", "SET log_min_error_statement = 'panic'",
                "SET log_min_duration_statement = -1", "SET pg_stat_statements.track_utility = off")) {
            try {
                Queries.exec(tgt, quiet);
            } catch (SQLException e) {
                // not a superuser, or pg_stat_statements not loaded: nothing to silence there
            }
        }
        String sql = "CREATE SUBSCRIPTION " + Sql.ident(name)
                + " CONNECTION " + Sql.literal(sourceFromTarget.libpqConninfo())
                + " PUBLICATION " + Sql.ident(publication)
                + " WITH (copy_data = " + copyData + ", create_slot = " + createSlot + ", enabled = " + enabled
                + ", slot_name = " + Sql.literal(slot) + (binary == null ? "" : ", binary = " + binary) + ")";
        try {
            Queries.exec(tgt, sql);
        } catch (SQLException e) {
            // the driver's message is the server's error (never the statement); keep it, drop the SQL
            throw new SQLException(Database.firstLine(e.getMessage()), e.getSQLState());
        } finally {
            for (String reset : List.of("RESET log_statement", "RESET log_min_error_statement",
                    "RESET log_min_duration_statement")) {
                try {
                    Queries.exec(tgt, reset);
                } catch (SQLException ignored) {
                    // best effort
                }
            }
        }
    }

    public static void enable(Connection tgt, String name) throws SQLException {
        Queries.exec(tgt, "ALTER SUBSCRIPTION " + Sql.ident(name) + " ENABLE");
    }

    /**
     * Removes the subscription without touching the source: disable (stops the apply worker), detach the slot
     * (so DROP does not reach for the source), drop. The caller drops the slot on the source afterwards.
     */
    public static boolean dropDetached(Connection tgt, String name) throws SQLException {
        Optional<Subscription> s = find(tgt, name);
        if (s.isEmpty()) return false;
        String q = Sql.ident(name);
        if (s.get().enabled()) Queries.exec(tgt, "ALTER SUBSCRIPTION " + q + " DISABLE");
        if (s.get().slotName() != null) Queries.exec(tgt, "ALTER SUBSCRIPTION " + q + " SET (slot_name = NONE)");
        Queries.exec(tgt, "DROP SUBSCRIPTION IF EXISTS " + q);
        return true;
    }

    /** Per-table sync state of a subscription: schema.name -> i, d, f, s or r. */
    public static Map<String, Character> relationStates(Connection tgt, long subOid) throws SQLException {
        Map<String, Character> out = new LinkedHashMap<>();
        try (PreparedStatement ps = Queries.prepare(tgt, """
                SELECT n.nspname || '.' || c.relname, r.srsubstate
                FROM pg_subscription_rel r JOIN pg_class c ON c.oid = r.srrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE r.srsubid = ? ORDER BY 1""", subOid); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) out.put(rs.getString(1), rs.getString(2).charAt(0));
        }
        return out;
    }

    /** Rows and bytes a table-sync COPY has written so far, per table (pg_stat_progress_copy, PG 14+). */
    public record CopyProgress(long tuples, long bytes) {}

    public static Map<String, CopyProgress> copyProgress(Connection tgt) throws SQLException {
        Map<String, CopyProgress> out = new LinkedHashMap<>();
        try (PreparedStatement ps = tgt.prepareStatement("""
                SELECT n.nspname || '.' || c.relname, p.tuples_processed, p.bytes_processed
                FROM pg_stat_progress_copy p JOIN pg_class c ON c.oid = p.relid JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE p.datname = current_database() AND p.command = 'COPY FROM'""");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) out.put(rs.getString(1), new CopyProgress(rs.getLong(2), rs.getLong(3)));
        } catch (SQLException e) {
            if (!"42P01".equals(e.getSQLState())) throw e; // older servers: no progress view
        }
        return out;
    }

    /** Apply plus table-sync errors counted by the server (pg_stat_subscription_stats, PG 15+); -1 when unknown. */
    public static long errorCount(Connection tgt, String name) throws SQLException {
        try {
            return Queries.number(tgt, "SELECT coalesce(apply_error_count + sync_error_count, 0) "
                    + "FROM pg_stat_subscription_stats WHERE subname = ?", name);
        } catch (SQLException e) {
            if ("42P01".equals(e.getSQLState())) return -1;
            throw e;
        }
    }
}
