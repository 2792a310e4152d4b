package io.pgvectormigrate.aws.dms;

import io.pgvectormigrate.aws.AwsWaits;
import io.pgvectormigrate.pg.Sql;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The publication {@code publication_*} and logical replication slot {@code migration_subscriber_*} a DMS
 * homogeneous migration leaves on the source after it stops, fails or is deleted. The slot holds WAL on the
 * source until dropped, so cutover and teardown drop the ones that appeared after the engine started DMS,
 * and leave alone any that were there before.
 */
final class DmsLeftovers {
    static final String PUBLICATION_PREFIX = "publication_";
    static final String SLOT_PREFIX = "migration_subscriber_";

    private DmsLeftovers() {}

    record Slot(String name, boolean active, Integer activePid) {}

    static List<String> publications(Connection c) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT pubname FROM pg_publication WHERE starts_with(pubname, ?) ORDER BY pubname")) {
            ps.setString(1, PUBLICATION_PREFIX);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(rs.getString(1));
            }
        }
        return out;
    }

    /** Logical slots of this database named like DMS's subscriber slots. */
    static List<Slot> slots(Connection c) throws SQLException {
        List<Slot> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT slot_name, active, active_pid FROM pg_replication_slots
                WHERE starts_with(slot_name, ?) AND slot_type = 'logical' AND database = current_database()
                ORDER BY slot_name""")) {
            ps.setString(1, SLOT_PREFIX);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(new Slot(rs.getString(1), rs.getBoolean(2), (Integer) rs.getObject(3)));
            }
        }
        return out;
    }

    static List<String> slotNames(Connection c) throws SQLException {
        return slots(c).stream().map(Slot::name).toList();
    }

    /** Returns false when it was already gone. */
    static boolean dropPublication(Connection c, String name) throws SQLException {
        if (!publications(c).contains(name)) return false;
        try (Statement st = c.createStatement()) {
            st.execute("DROP PUBLICATION IF EXISTS " + Sql.ident(name));
        }
        return true;
    }

    /**
     * Drops a slot; one still in use (a subscriber that did not go away after DMS stopped) is given
     * {@code waitPolls} polls to let go, then its walsender is terminated; after {@code maxWait} it gives up.
     */
    static boolean dropSlot(Connection c, String name, AwsWaits waits, int waitPolls, java.time.Duration maxWait) throws SQLException {
        long deadline = System.nanoTime() + maxWait.toNanos();
        for (int i = 0; ; i++) {
            Slot slot = slots(c).stream().filter(s -> s.name().equals(name)).findFirst().orElse(null);
            if (slot == null) return false;
            if (!slot.active()) break;
            if (System.nanoTime() > deadline) {
                throw new SQLException("replication slot " + name + " is still in use by process " + slot.activePid()
                        + " after " + AwsWaits.human(maxWait) + ": stop that subscriber, then drop the slot with pg_drop_replication_slot('" + name + "')");
            }
            if (i >= waitPolls && slot.activePid() != null) {
                try (PreparedStatement ps = c.prepareStatement("SELECT pg_terminate_backend(?)")) {
                    ps.setInt(1, slot.activePid());
                    ps.execute();
                }
            }
            waits.pause();
        }
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, name);
            ps.execute();
        }
        return true;
    }
}
