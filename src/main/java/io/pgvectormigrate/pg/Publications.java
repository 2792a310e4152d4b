package io.pgvectormigrate.pg;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Publications on a source: the native engine's own, the ones DMS leaves behind, the benchmark's leftovers. Every
 * create has a lookup beside it so callers can be idempotent; every drop tolerates the publication being gone.
 */
public final class Publications {
    private Publications() {}

    public static boolean exists(Connection src, String name) throws SQLException {
        return Queries.bool(src, "SELECT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = ?)", name);
    }

    /** The publications of this database whose name starts with {@code prefix}, by name. */
    public static List<String> startingWith(Connection src, String prefix) throws SQLException {
        return Queries.list(src, "SELECT pubname FROM pg_publication WHERE starts_with(pubname, ?) ORDER BY pubname",
                rs -> rs.getString(1), prefix);
    }

    /** Tables in the publication as {@link TableId#key() schema.name}. */
    public static List<String> tables(Connection src, String name) throws SQLException {
        return Queries.list(src, "SELECT schemaname || '.' || tablename FROM pg_publication_tables "
                + "WHERE pubname = ? ORDER BY schemaname, tablename", rs -> rs.getString(1), name);
    }

    /**
     * Publishes exactly these tables. The native engine gives it the tables it copies: the selection's leaves,
     * partitions named one by one, with publish_via_partition_root left off (PostgreSQL 15). Why leaves and not the partitioned root with
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
    public static void create(Connection src, String name, List<TableId> tables) throws SQLException {
        Queries.exec(src, "CREATE PUBLICATION " + Sql.ident(name) + " FOR TABLE " + tableList(tables));
    }

    /** Makes an existing publication publish exactly these tables (a re-run may select differently). */
    public static void setTables(Connection src, String name, List<TableId> tables) throws SQLException {
        Queries.exec(src, "ALTER PUBLICATION " + Sql.ident(name) + " SET TABLE " + tableList(tables));
    }

    /** False when it was already gone. */
    public static boolean drop(Connection src, String name) throws SQLException {
        if (!exists(src, name)) return false;
        Queries.exec(src, "DROP PUBLICATION IF EXISTS " + Sql.ident(name));
        return true;
    }

    private static String tableList(List<TableId> tables) {
        return tables.stream().map(TableId::sql).collect(Collectors.joining(", "));
    }
}
