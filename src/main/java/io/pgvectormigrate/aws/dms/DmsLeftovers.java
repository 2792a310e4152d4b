package io.pgvectormigrate.aws.dms;

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
}
