package io.pgvectormigrate.aws.dms;

import io.pgvectormigrate.aws.AwsWaits;
import io.pgvectormigrate.pg.Publications;
import io.pgvectormigrate.pg.ReplicationSlots;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * The publication {@code publication_*} and logical replication slot {@code migration_subscriber_*} a DMS
 * homogeneous migration leaves on the source after it stops, fails or is deleted. The slot holds WAL on the
 * source until dropped, so cutover and teardown drop the ones that appeared after the engine started DMS,
 * and leave alone any that were there before. The SQL is pg's ({@link Publications}, {@link ReplicationSlots}).
 */
final class DmsLeftovers {
    static final String PUBLICATION_PREFIX = "publication_";
    static final String SLOT_PREFIX = "migration_subscriber_";

    private DmsLeftovers() {}

    static List<String> publications(Connection c) throws SQLException {
        return Publications.startingWith(c, PUBLICATION_PREFIX);
    }

    /** Logical slots of this database named like DMS's subscriber slots. */
    static List<String> slotNames(Connection c) throws SQLException {
        return ReplicationSlots.names(c, SLOT_PREFIX);
    }

    /**
     * Drops a slot; one still in use (a subscriber that did not go away after DMS stopped) is given
     * {@code waitPolls} polls to let go, then its walsender is terminated; after {@code maxWait} it gives up.
     */
    static boolean dropSlot(Connection c, String name, AwsWaits waits, int waitPolls, java.time.Duration maxWait) throws SQLException {
        long deadline = System.nanoTime() + maxWait.toNanos();
        for (int i = 0; ; i++) {
            ReplicationSlots.Slot slot = ReplicationSlots.inThisDatabase(c, SLOT_PREFIX).stream()
                    .filter(s -> s.name().equals(name)).findFirst().orElse(null);
            if (slot == null) return false;
            // IN_USE: it became active again between our look and the drop, so it is waited for like any active slot
            if (!slot.active() && ReplicationSlots.dropIfUnused(c, name) != ReplicationSlots.Drop.IN_USE) return true;
            if (System.nanoTime() > deadline) {
                throw new SQLException("replication slot " + name + " is still in use by process " + slot.activePid()
                        + " after " + AwsWaits.human(maxWait) + ": stop that subscriber, then drop the slot with pg_drop_replication_slot('" + name + "')");
            }
            if (i >= waitPolls && slot.activePid() != null) ReplicationSlots.terminateConsumer(c, slot.activePid());
            waits.pause();
        }
    }
}
