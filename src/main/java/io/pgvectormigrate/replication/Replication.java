package io.pgvectormigrate.replication;

import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pg.Database;
import io.pgvectormigrate.pg.Sql;
import io.pgvectormigrate.pg.SqlErrors;
import io.pgvectormigrate.pg.SyncPoint;
import org.postgresql.PGConnection;
import org.postgresql.replication.ReplicationSlotInfo;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Publication, slot and subscription operations and the catalog reads behind progress and lag. Every create
 * has a lookup beside it so callers can be idempotent; every drop tolerates the object being gone.
 *
 * <p>The subscription's connection string holds the source password: it is written once, in
 * {@link #createSubscription}, with statement logging off for that session, and never read back
 * ({@code subconninfo} is not selected anywhere).
 */
final class Replication {
    private Replication() {}

    // ---- publication (source)

    static boolean publicationExists(Connection src, String name) throws SQLException {
        return Pg.bool(src, "SELECT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = ?)", name);
    }

    /** Tables in the publication as schema.name. */
    static List<String> publicationTables(Connection src, String name) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = Pg.prepare(src, "SELECT schemaname, tablename FROM pg_publication_tables "
                + "WHERE pubname = ? ORDER BY 1, 2", name); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) out.add(rs.getString(1) + "." + rs.getString(2));
        }
        return out;
    }

    /**
     * Publishes exactly the tables the engine copies: the selection's leaves, partitions named one by one, with
     * publish_via_partition_root left off (PostgreSQL 15). Why leaves and not the partitioned root with
     * publish_via_partition_root = true:
     * <ul>
     *   <li>the snapshot copy reads and writes leaf by leaf (a partitioned table has no heap to split into block
     *       ranges), and the subscription must track the same relations the copy loaded: with the option on, the
     *       subscriber knows only the root, and its own table sync (--initial-copy subscription) would copy every
     *       partition through the root in one worker;</li>
     *   <li>changes then arrive as the partition's own, and apply to the partition of the same name without routing
     *       through the root on the target; prepare-target creates the identical partition tree (pg_dump of every
     *       member), and preflight checks each leaf exists there;</li>
     *   <li>pg_publication_tables then lists exactly these tables, so a re-run compares like with like.</li>
     * </ul>
     * The cost: a partition created on the source after the publication is not published (DDL is never carried);
     * verify, which reads through the root, reports its rows as missing.
     */
    static void createPublication(Connection src, String name, List<TableInfo> tables) throws SQLException {
        Pg.exec(src, "CREATE PUBLICATION " + Sql.ident(name) + " FOR TABLE " + tableList(tables));
    }

    /** Makes an existing publication publish exactly these tables (a re-run may select differently). */
    static void setPublicationTables(Connection src, String name, List<TableInfo> tables) throws SQLException {
        Pg.exec(src, "ALTER PUBLICATION " + Sql.ident(name) + " SET TABLE " + tableList(tables));
    }

    static boolean dropPublication(Connection src, String name) throws SQLException {
        if (!publicationExists(src, name)) return false;
        Pg.exec(src, "DROP PUBLICATION IF EXISTS " + Sql.ident(name));
        return true;
    }

    private static String tableList(List<TableInfo> tables) {
        return tables.stream().map(TableInfo::quoted).collect(Collectors.joining(", "));
    }

    // ---- slots (source)

    /** A logical slot as the source sees it. {@code confirmedFlush} is null before a consumer confirmed anything. */
    record Slot(String name, boolean active, Integer activePid, String confirmedFlush) {}

    static Optional<Slot> slot(Connection src, String name) throws SQLException {
        try (PreparedStatement ps = Pg.prepare(src, "SELECT slot_name, active, active_pid, confirmed_flush_lsn::text "
                + "FROM pg_replication_slots WHERE slot_name = ?", name); ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) return Optional.empty();
            int pid = rs.getInt(3);
            return Optional.of(new Slot(rs.getString(1), rs.getBoolean(2), rs.wasNull() ? null : pid, rs.getString(4)));
        }
    }

    static List<String> slotsLike(Connection src, String likePattern) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = Pg.prepare(src, "SELECT slot_name FROM pg_replication_slots WHERE slot_name LIKE ? AND database = current_database()",
                likePattern); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) out.add(rs.getString(1));
        }
        return out;
    }

    /**
     * Creates a logical slot over a replication connection and keeps that connection open: the snapshot it
     * exports stays importable (SET TRANSACTION SNAPSHOT) until the connection runs another command or closes.
     */
    static ExportedSlot createSlotWithSnapshot(ConnectionSpec source, String name) {
        ConnectionSpec replication = source.withParam("replication", "database")
                .withParam("assumeMinServerVersion", "10").withParam("preferQueryMode", "simple");
        Connection c = Database.connect(replication, "source (replication connection)", null);
        try {
            ReplicationSlotInfo info = c.unwrap(PGConnection.class).getReplicationAPI().createReplicationSlot()
                    .logical().withSlotName(name).withOutputPlugin("pgoutput").make();
            if (info.getSnapshotName() == null) {
                throw ToolException.runtime("the source did not export a snapshot for slot " + name);
            }
            return new ExportedSlot(c, info.getSnapshotName(), info.getConsistentPoint().asString());
        } catch (SQLException e) {
            closeQuietly(c);
            throw SqlErrors.of("source", "creating replication slot " + name, e,
                    new SqlErrors.Advice("re-run with the same --run-id", NativeEngine.GRANT));
        } catch (RuntimeException e) {
            closeQuietly(c);
            throw e;
        }
    }

    /** The open replication connection that holds an exported snapshot; close it once every reader imported it. */
    record ExportedSlot(Connection connection, String snapshot, String consistentPoint) implements AutoCloseable {
        @Override
        public void close() {
            closeQuietly(connection);
        }
    }

    /**
     * Drops a slot, waiting for its consumer to let go (a just-disabled subscription's walsender may still hold
     * it), terminating that walsender after {@code patience}. False when the slot was already gone.
     */
    static boolean dropSlot(Connection src, String name, Duration patience) throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        while (true) {
            Optional<Slot> s = slot(src, name);
            if (s.isEmpty()) return false;
            if (!s.get().active()) {
                try {
                    Pg.string(src, "SELECT pg_drop_replication_slot(?)::text", name);
                    return true;
                } catch (SQLException e) {
                    // 55006: became active again between our look and the drop; 42704: someone else dropped it
                    if ("42704".equals(e.getSQLState())) return false;
                    if (!"55006".equals(e.getSQLState())) throw e;
                }
            } else if (System.nanoTime() > deadline && s.get().activePid() != null) {
                Pg.bool(src, "SELECT pg_terminate_backend(?)", s.get().activePid());
            }
            Thread.sleep(200);
        }
    }

    /** WAL bytes between the source's current WAL position and what the slot's consumer confirmed. */
    record Lag(long bytes, String currentLsn, String confirmedLsn) {}

    static Optional<Lag> lag(Connection src, String slot) throws SQLException {
        String confirmed;
        try (PreparedStatement ps = Pg.prepare(src, "SELECT confirmed_flush_lsn::text FROM pg_replication_slots "
                + "WHERE slot_name = ?", slot); ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) return Optional.empty();
            confirmed = rs.getString(1); // null: nothing confirmed yet
        }
        String current = Pg.string(src, "SELECT pg_current_wal_lsn()::text").orElseThrow();
        return Optional.of(new Lag(confirmed == null ? -1 : Math.max(0, SyncPoint.lsn(current) - SyncPoint.lsn(confirmed)),
                current, confirmed));
    }

    // ---- subscription (target)

    /** A subscription in the target's current database. {@code workerPid} is the apply worker, null when not running. */
    record Subscription(long oid, String name, boolean enabled, String slotName, Integer workerPid) {}

    static Optional<Subscription> subscription(Connection tgt, String name) throws SQLException {
        try (PreparedStatement ps = Pg.prepare(tgt, """
                SELECT s.oid, s.subname, s.subenabled, s.subslotname,
                       (SELECT st.pid FROM pg_stat_subscription st WHERE st.subid = s.oid AND st.relid IS NULL LIMIT 1)
                FROM pg_subscription s
                WHERE s.subname = ? AND s.subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())""",
                name); ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) return Optional.empty();
            int pid = rs.getInt(5);
            return Optional.of(new Subscription(rs.getLong(1), rs.getString(2), rs.getBoolean(3), rs.getString(4),
                    rs.wasNull() ? null : pid));
        }
    }

    /**
     * Creates the subscription ({@code binary} null: leave the option out, for servers before 14). The statement
     * carries the source password, so this session turns off every
     * way the server could log or keep its text (statement logging, error statements, pg_stat_statements).
     */
    static void createSubscription(Connection tgt, String name, ConnectionSpec sourceFromTarget, String publication,
                                   String slot, boolean copyData, boolean createSlot, boolean enabled,
                                   Boolean binary) throws SQLException {
        Pg.exec(tgt, "SET standard_conforming_strings = on");
        for (String quiet : List.of("SET log_statement = 'none'", "SET log_min_error_statement = 'panic'",
                "SET log_min_duration_statement = -1", "SET pg_stat_statements.track_utility = off")) {
            try {
                Pg.exec(tgt, quiet);
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
            Pg.exec(tgt, sql);
        } catch (SQLException e) {
            // the driver's message is the server's error (never the statement); keep it, drop the SQL
            throw new SQLException(Database.firstLine(e.getMessage()), e.getSQLState());
        } finally {
            for (String reset : List.of("RESET log_statement", "RESET log_min_error_statement",
                    "RESET log_min_duration_statement")) {
                try {
                    Pg.exec(tgt, reset);
                } catch (SQLException ignored) {
                    // best effort
                }
            }
        }
    }

    static void enable(Connection tgt, String name) throws SQLException {
        Pg.exec(tgt, "ALTER SUBSCRIPTION " + Sql.ident(name) + " ENABLE");
    }

    /**
     * Removes the subscription without touching the source: disable (stops the apply worker), detach the slot
     * (so DROP does not reach for the source), drop. The caller drops the slot on the source afterwards.
     */
    static boolean dropSubscriptionDetached(Connection tgt, String name) throws SQLException {
        Optional<Subscription> s = subscription(tgt, name);
        if (s.isEmpty()) return false;
        String q = Sql.ident(name);
        if (s.get().enabled()) Pg.exec(tgt, "ALTER SUBSCRIPTION " + q + " DISABLE");
        if (s.get().slotName() != null) Pg.exec(tgt, "ALTER SUBSCRIPTION " + q + " SET (slot_name = NONE)");
        Pg.exec(tgt, "DROP SUBSCRIPTION IF EXISTS " + q);
        return true;
    }

    /** Per-table sync state of a subscription: schema.name -> i, d, f, s or r. */
    static Map<String, Character> relationStates(Connection tgt, long subOid) throws SQLException {
        Map<String, Character> out = new LinkedHashMap<>();
        try (PreparedStatement ps = Pg.prepare(tgt, """
                SELECT n.nspname || '.' || c.relname, r.srsubstate
                FROM pg_subscription_rel r JOIN pg_class c ON c.oid = r.srrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE r.srsubid = ? ORDER BY 1""", subOid); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) out.put(rs.getString(1), rs.getString(2).charAt(0));
        }
        return out;
    }

    /** Rows and bytes a table-sync COPY has written so far, per table (pg_stat_progress_copy, PG 14+). */
    record CopyProgress(long tuples, long bytes) {}

    static Map<String, CopyProgress> copyProgress(Connection tgt) throws SQLException {
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
    static long errorCount(Connection tgt, String name) throws SQLException {
        try {
            return Pg.number(tgt, "SELECT coalesce(apply_error_count + sync_error_count, 0) "
                    + "FROM pg_stat_subscription_stats WHERE subname = ?", name);
        } catch (SQLException e) {
            if ("42P01".equals(e.getSQLState())) return -1;
            throw e;
        }
    }

    static void closeQuietly(AutoCloseable c) {
        if (c == null) return;
        try {
            c.close();
        } catch (Exception ignored) {
            // closing after a failure; the original error matters
        }
    }
}
