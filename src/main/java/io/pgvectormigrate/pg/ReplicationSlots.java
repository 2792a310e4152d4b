package io.pgvectormigrate.pg;

import io.pgvectormigrate.core.Durations;
import io.pgvectormigrate.core.ToolException;
import org.postgresql.PGConnection;
import org.postgresql.replication.ReplicationSlotInfo;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Replication slots on a source: the native engine's own (and the table-sync slots PostgreSQL makes for its
 * subscription), the ones DMS leaves behind, the benchmark's leftovers, and the lag behind the engines' progress.
 * Waiting for a consumer to confirm a position is {@link SyncPoint}'s.
 */
public final class ReplicationSlots {
    private ReplicationSlots() {}

    /** A slot as the source sees it. {@code confirmedFlush} is null before a consumer confirmed anything. */
    public record Slot(String name, boolean active, Integer activePid, String confirmedFlush) {}

    private static final String COLUMNS = "SELECT slot_name, active, active_pid, confirmed_flush_lsn::text FROM pg_replication_slots ";

    public static Optional<Slot> find(Connection src, String name) throws SQLException {
        return read(src, COLUMNS + "WHERE slot_name = ?", name).stream().findFirst();
    }

    /** The logical slots of this database whose name starts with {@code prefix}, by name. */
    public static List<Slot> inThisDatabase(Connection src, String prefix) throws SQLException {
        return read(src, COLUMNS + "WHERE starts_with(slot_name, ?) AND slot_type = 'logical' "
                + "AND database = current_database() ORDER BY slot_name", prefix);
    }

    /** The names of {@link #inThisDatabase}. */
    public static List<String> names(Connection src, String prefix) throws SQLException {
        return inThisDatabase(src, prefix).stream().map(Slot::name).toList();
    }

    /** The slots of every database (and physical ones) whose name starts with {@code prefix}, by name. */
    public static List<Slot> inCluster(Connection c, String prefix) throws SQLException {
        return read(c, COLUMNS + "WHERE starts_with(slot_name, ?) ORDER BY slot_name", prefix);
    }

    /** Every slot of the server, of any kind and database: what counts against max_replication_slots. */
    public static long count(Connection src) throws SQLException {
        return Queries.number(src, "SELECT count(*) FROM pg_replication_slots");
    }

    /** WAL senders running now: what counts against max_wal_senders. */
    public static long walSenders(Connection src) throws SQLException {
        return Queries.number(src, "SELECT count(*) FROM pg_stat_replication");
    }

    private static List<Slot> read(Connection c, String sql, String arg) throws SQLException {
        return Queries.list(c, sql, rs -> new Slot(rs.getString(1), rs.getBoolean(2), (Integer) rs.getObject(3),
                rs.getString(4)), arg);
    }

    /**
     * Creates a logical slot over a replication connection and keeps that connection open: the snapshot it
     * exports stays importable (SET TRANSACTION SNAPSHOT) until the connection runs another command or closes.
     */
    public static Exported createWithSnapshot(ConnectionSpec source, String name, SqlErrors.Advice advice) {
        ConnectionSpec replication = source.withParam("replication", "database")
                .withParam("assumeMinServerVersion", "10").withParam("preferQueryMode", "simple");
        Connection c = Database.connect(replication, "source (replication connection)", null);
        try {
            ReplicationSlotInfo info = c.unwrap(PGConnection.class).getReplicationAPI().createReplicationSlot()
                    .logical().withSlotName(name).withOutputPlugin("pgoutput").make();
            if (info.getSnapshotName() == null) {
                throw ToolException.runtime("the source did not export a snapshot for slot " + name);
            }
            return new Exported(c, info.getSnapshotName(), info.getConsistentPoint().asString());
        } catch (SQLException e) {
            Queries.closeQuietly(c);
            throw SqlErrors.of("source", "creating replication slot " + name, e, advice);
        } catch (RuntimeException e) {
            Queries.closeQuietly(c);
            throw e;
        }
    }

    /** The open replication connection that holds an exported snapshot; close it once every reader imported it. */
    public record Exported(Connection connection, String snapshot, String consistentPoint) implements AutoCloseable {
        @Override
        public void close() {
            Queries.closeQuietly(connection);
        }
    }

    /** What one attempt to drop a slot found. */
    public enum Drop {
        DROPPED,
        /** already gone (someone else dropped it) */
        GONE,
        /** a consumer holds it: wait for it to let go, or terminate it */
        IN_USE
    }

    /** One attempt to drop a slot, which succeeds only while no consumer holds it. */
    public static Drop dropIfUnused(Connection src, String name) throws SQLException {
        try {
            Queries.string(src, "SELECT pg_drop_replication_slot(?)::text", name);
            return Drop.DROPPED;
        } catch (SQLException e) {
            if ("42704".equals(e.getSQLState())) return Drop.GONE;
            if ("55006".equals(e.getSQLState())) return Drop.IN_USE;
            throw e;
        }
    }

    /** Ends the walsender holding a slot, so the slot can be dropped. */
    public static void terminateConsumer(Connection src, int pid) throws SQLException {
        Queries.bool(src, "SELECT pg_terminate_backend(?)", pid);
    }

    /**
     * Drops a slot, waiting for its consumer to let go (a just-disabled subscription's walsender may still hold
     * it), terminating that walsender after {@code patience}; a slot still held after {@code giveUp} (null: never)
     * is an SQLException naming its holder. False when the slot was already gone.
     */
    public static boolean drop(Connection src, String name, Duration patience, Duration giveUp)
            throws SQLException, InterruptedException {
        long start = System.nanoTime();
        while (true) {
            Optional<Slot> s = find(src, name);
            if (s.isEmpty()) return false;
            long waited = System.nanoTime() - start;
            if (!s.get().active()) {
                // IN_USE: it became active again between our look and the drop
                Drop d = dropIfUnused(src, name);
                if (d != Drop.IN_USE) return d == Drop.DROPPED;
            } else if (giveUp != null && waited > giveUp.toNanos()) {
                throw new SQLException("replication slot " + name + " is still in use by process " + s.get().activePid()
                        + " after " + Durations.human(giveUp) + ": stop that subscriber, then drop the slot with "
                        + "pg_drop_replication_slot('" + name + "')");
            } else if (waited > patience.toNanos() && s.get().activePid() != null) {
                terminateConsumer(src, s.get().activePid());
            }
            Thread.sleep(200);
        }
    }

    /**
     * WAL bytes between the source's current WAL position and what the slot's consumer confirmed (-1: nothing yet);
     * empty when the slot is missing.
     */
    public static Optional<Long> lag(Connection src, String slot) throws SQLException {
        Optional<Slot> s = find(src, slot);
        if (s.isEmpty()) return Optional.empty();
        String confirmed = s.get().confirmedFlush(); // null: nothing confirmed yet
        String current = Queries.string(src, "SELECT pg_current_wal_lsn()::text").orElseThrow();
        return Optional.of(confirmed == null ? -1 : Math.max(0, SyncPoint.lsn(current) - SyncPoint.lsn(confirmed)));
    }
}
