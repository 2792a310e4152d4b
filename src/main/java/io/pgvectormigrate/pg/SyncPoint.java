package io.pgvectormigrate.pg;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * "The target has everything up to here", written once for every waiter (the native cutover, the DMS cutover and the
 * rehearsal's live writer): a position on the source that every change committed before it lies behind, and whether
 * the consumers of logical replication slots have confirmed it. A slot's consumer confirms a position only once it
 * has applied (and flushed) everything before it, so a confirmed sync point means the target has every such change.
 */
public final class SyncPoint {
    /** How the tool's own slots (and publications, subscriptions) begin: never another consumer's. */
    public static final String TOOL_SLOT_PREFIX = "pgvm_";

    private SyncPoint() {}

    /** A logical slot of the source's database, the position its consumer confirmed, and whether that reached the sync point. */
    public record Confirmation(String slot, String confirmed, boolean reached) {}

    /**
     * Takes a sync point: commits a transactional logical decoding message with synchronous_commit on (it writes WAL, so
     * the commit is really flushed, and with it every record before it, asynchronously committed ones included; pgoutput
     * forwards no such message unless asked to), then reads {@code pg_current_wal_lsn()}. Every change committed before
     * this call lies before that position, and the position is the end of a record (or a page boundary), never a point
     * past a page header no consumer could confirm on a source at rest. Writes a few bytes of WAL; needs no privilege.
     */
    public static String take(Connection source) throws SQLException {
        boolean auto = source.getAutoCommit();
        source.setAutoCommit(false);
        try (Statement st = source.createStatement()) {
            st.execute("SET LOCAL synchronous_commit = on");
            st.execute("SELECT pg_logical_emit_message(true, 'pgvector-migrate', 'sync point')");
            source.commit();
        } catch (SQLException e) {
            source.rollback();
            throw e;
        } finally {
            source.setAutoCommit(auto);
        }
        return Queries.string(source, "SELECT pg_current_wal_lsn()::text").orElseThrow();
    }

    /** Whether the consumer of this slot confirmed {@code lsn} (false when the slot is missing or confirmed nothing yet). */
    public static boolean confirmed(Connection source, String slot, String lsn) throws SQLException {
        List<Confirmation> c = confirmations(source, "slot_name = ?", slot, lsn);
        return !c.isEmpty() && c.get(0).reached();
    }

    /** The logical slots of the source's database whose name starts with {@code prefix} ("" for all), against {@code lsn}. */
    public static List<Confirmation> confirmations(Connection source, String prefix, String lsn) throws SQLException {
        return confirmations(source, "starts_with(slot_name, ?)", prefix, lsn);
    }

    private static List<Confirmation> confirmations(Connection c, String which, String name, String lsn) throws SQLException {
        return Queries.list(c, "SELECT slot_name, confirmed_flush_lsn::text, "
                + "COALESCE(confirmed_flush_lsn >= ?::pg_lsn, false) FROM pg_replication_slots "
                + "WHERE " + which + " AND slot_type = 'logical' AND database = current_database() ORDER BY slot_name",
                rs -> new Confirmation(rs.getString(1), rs.getString(2), rs.getBoolean(3)), lsn, name);
    }

    /** An LSN's text form ({@code 16/B374D848}) as a number, for byte distances. */
    public static long lsn(String text) {
        int slash = text.indexOf('/');
        return (Long.parseLong(text.substring(0, slash), 16) << 32) | Long.parseLong(text.substring(slash + 1), 16);
    }
}
