package io.pgvectormigrate.prepare;

import io.pgvectormigrate.pg.Catalog;
import io.pgvectormigrate.pg.Catalog.Index;
import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pg.Database;
import io.pgvectormigrate.pg.Queries;
import io.pgvectormigrate.pg.TableId;
import io.pgvectormigrate.prepare.Failures.SqlWork;
import io.pgvectormigrate.report.Progress;
import org.postgresql.PGConnection;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Deferred secondary indexes and the after-load rebuild. The bookkeeping lives on the target, in the tool schema
 * (core migration V2), and every drop or build commits together with its record, so a crash at any point leaves
 * the record and the catalog agreeing and a re-run continues where it stopped. A partitioned table's index tree is
 * deferred and recreated whole, the way pg_dump does, so each index keeps its name; a vector index that stayed is
 * rebuilt partition by partition (REINDEX of a partitioned index cannot run inside the transaction that records it).
 * Details: docs/prepare-target.md.
 */
public final class Indexes {
    private static final String DEFERRED = Migrations.SCHEMA + ".deferred_index";
    private static final String REINDEXED = Migrations.SCHEMA + ".vector_reindex";

    private Indexes() {}

    /** An index dropped before the load, with the definition that recreates it. */
    public record DeferredIndex(String schema, String name, String table, String accessMethod, String definition) {}

    /**
     * Drops the deferrable indexes of the given (empty) tables and their partitions, recording each definition first in
     * the same transaction. Indexes already deferred by an earlier run are gone from the catalog and stay recorded.
     */
    static List<DeferredIndex> defer(Connection c, List<Catalog.Table> tables, Progress progress) throws SQLException {
        List<DeferredIndex> deferred = new ArrayList<>();
        for (TableId t : relations(tables)) {
            for (Index i : Catalog.indexes(c, t)) {
                if (!i.deferrable()) continue;
                String definition = recreation(c, i);
                inTransaction(c, () -> {
                    update(c, "INSERT INTO " + DEFERRED
                            + " (schema_name, index_name, table_name, access_method, definition) VALUES (?, ?, ?, ?, ?) "
                            + "ON CONFLICT (schema_name, index_name) DO UPDATE SET table_name = excluded.table_name, "
                            + "access_method = excluded.access_method, definition = excluded.definition, "
                            + "deferred_at = now(), rebuilt_at = NULL",
                            t.schema(), i.name(), t.name(), i.accessMethod(), definition);
                    Queries.exec(c, "DROP INDEX " + i.id().sql());
                    return null;
                });
                progress.info("  deferred index " + t.schema() + "." + i.name() + " (" + i.accessMethod() + ") of " + t.display()
                        + (i.partitioned() ? " and its partitions" : ""));
                deferred.add(new DeferredIndex(t.schema(), i.name(), t.name(), i.accessMethod(), definition));
            }
        }
        return deferred;
    }

    /**
     * The statements that recreate an index: its definition, or for the index of a partitioned table the whole tree
     * of attached indexes below it, each created with its own name and attached to its parent.
     */
    private static String recreation(Connection c, Index i) throws SQLException {
        if (!i.partitioned()) return i.definition();
        StringBuilder sql = new StringBuilder(i.definition());
        for (Index child : Catalog.attachedBelow(c, i)) {
            sql.append(";\n").append(child.definition())
                    .append(";\nALTER INDEX ").append(child.parent().sql()).append(" ATTACH PARTITION ").append(child.id().sql());
        }
        return sql.toString();
    }

    /** The tables and every partition of them: where indexes live. */
    static List<TableId> relations(List<Catalog.Table> tables) {
        return tables.stream().flatMap(t -> t.relations().stream()).map(Catalog.Relation::id).toList();
    }

    /** Every index recorded as deferred and not rebuilt yet, for the given tables. */
    static List<DeferredIndex> pending(Connection c, List<Catalog.Table> tables) throws SQLException {
        Set<TableId> wanted = new HashSet<>(relations(tables));
        return Queries.list(c, "SELECT schema_name, index_name, table_name, access_method, definition FROM " + DEFERRED
                        + " WHERE rebuilt_at IS NULL ORDER BY schema_name, table_name, index_name",
                rs -> new DeferredIndex(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getString(5)))
                .stream().filter(d -> wanted.contains(new TableId(d.schema(), d.table()))).toList();
    }

    /**
     * The deferrable indexes ("schema.name") present on the given tables that no pass deferred: what a load into tables
     * that already hold rows keeps maintaining. (One deferred and built again since is not counted: it was deferred.)
     */
    static List<String> keptInPlace(Connection c, List<Catalog.Table> tables) throws SQLException {
        Set<String> recorded = recorded(c, DEFERRED);
        List<String> kept = new ArrayList<>();
        for (TableId t : relations(tables)) {
            for (Index i : Catalog.indexes(c, t)) {
                String name = t.schema() + "." + i.name();
                if (i.deferrable() && !recorded.contains(name)) kept.add(name);
            }
        }
        return kept;
    }

    /**
     * A new preparation means a new load follows: forget what the after-load pass of the previous load did to these
     * tables (rebuilt deferrals, reindexed vector indexes). Deferrals still pending stay: their indexes are still gone.
     */
    static void startNewLoad(Connection c, List<Catalog.Table> tables) throws SQLException {
        for (TableId t : relations(tables)) {
            update(c, "DELETE FROM " + REINDEXED + " WHERE schema_name = ? AND table_name = ?", t.schema(), t.name());
            update(c, "DELETE FROM " + DEFERRED
                    + " WHERE schema_name = ? AND table_name = ? AND rebuilt_at IS NOT NULL", t.schema(), t.name());
        }
    }

    public record IndexAction(String schema, String index, String table, String accessMethod, Action action, double seconds) {
        public enum Action {
            /** built again from its recorded definition */
            RECREATED,
            /** recorded as deferred but present already (built by an earlier pass or by hand): not built twice */
            ALREADY_PRESENT,
            /** a vector index that stayed during the load, rebuilt so its lists/graph fit the loaded rows */
            REINDEXED,
            /** rebuilt by an earlier after-load pass since the last preparation */
            ALREADY_REINDEXED
        }
    }

    /** How many deferred indexes are built at once (see {@link #recreateAll}). */
    static final int BUILDS_AT_ONCE = 2;

    /** After the load; {@code another} opens another connection to the target with the build settings of {@code c}. */
    static List<IndexAction> rebuild(Connection c, ConnectionSpec spec, List<Catalog.Table> tables,
                                     SqlWork<Connection> another, Progress progress) throws SQLException {
        List<IndexAction> actions = new ArrayList<>(recreateAll(c, spec, pending(c, tables), another, progress));
        int pid = c.unwrap(PGConnection.class).getBackendPID();
        // deferred indexes (built just now or by an earlier pass) were built after the load: never reindex them
        Set<String> recreatedOrDeferred = recorded(c, DEFERRED);
        Set<String> reindexedBefore = recorded(c, REINDEXED);
        Map<TableId, Index> byId = new LinkedHashMap<>();
        for (TableId t : relations(tables)) {
            for (Index i : Catalog.indexes(c, t)) byId.put(i.id(), i);
        }
        for (Index i : byId.values()) {
            TableId t = i.table();
            // a partitioned index has no storage: its partitions' indexes are rebuilt, each in its own transaction
            if (!i.isVector() || i.partitioned() || recreatedOrDeferred.contains(topmost(i, byId).id().key())) continue;
            if (reindexedBefore.contains(t.schema() + "." + i.name())) {
                actions.add(new IndexAction(t.schema(), i.name(), t.name(), i.accessMethod(), IndexAction.Action.ALREADY_REINDEXED, 0));
                continue;
            }
            progress.info("  rebuilding vector index " + t.schema() + "." + i.name() + " (" + i.accessMethod() + ") on the loaded rows");
            long start = System.nanoTime();
            inTransaction(c, () -> {
                try (BuildWatcher w = new BuildWatcher(spec, pid, i.name(), progress)) {
                    Queries.exec(c, "REINDEX INDEX " + i.id().sql());
                }
                update(c, "INSERT INTO " + REINDEXED + " (schema_name, index_name, table_name) VALUES (?, ?, ?) "
                        + "ON CONFLICT (schema_name, index_name) DO UPDATE SET table_name = excluded.table_name, "
                        + "reindexed_at = now()", t.schema(), i.name(), t.name());
                return null;
            });
            double secs = (System.nanoTime() - start) / 1e9;
            actions.add(new IndexAction(t.schema(), i.name(), t.name(), i.accessMethod(), IndexAction.Action.REINDEXED, secs));
        }
        return actions;
    }

    /**
     * Builds the deferred indexes, {@value #BUILDS_AT_ONCE} at a time on two connections, the vector indexes first (the
     * longest): an ivfflat build's single-process phases leave cores idle for the other build; two builds may use twice
     * maintenance_work_mem (docs/prepare-target.md). A definition with a ';' (a partitioned table's index tree, whose
     * ATTACH steps lock more than a plain build) is built alone, before the others. Results come in the order given.
     */
    static List<IndexAction> recreateAll(Connection c, ConnectionSpec spec, List<DeferredIndex> pending,
                                         SqlWork<Connection> another, Progress progress) throws SQLException {
        IndexAction[] done = new IndexAction[pending.size()];
        List<Integer> together = new ArrayList<>();
        for (int i = 0; i < pending.size(); i++) {
            if (pending.get(i).definition().contains(";")) done[i] = recreate(c, spec, pending.get(i), progress);
            else together.add(i);
        }
        together.sort(java.util.Comparator.comparing((Integer i) -> !isVector(pending.get(i))));
        java.util.concurrent.ConcurrentLinkedQueue<Integer> queue = new java.util.concurrent.ConcurrentLinkedQueue<>(together);
        java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
        List<Thread> helpers = new ArrayList<>();
        List<Connection> others = new ArrayList<>();
        try {
            for (int h = 1; h < Math.min(BUILDS_AT_ONCE, together.size()); h++) {
                Connection other;
                try {
                    other = another.run();
                } catch (SQLException e) {
                    progress.info("  building the indexes one at a time (no second connection: " + Database.firstLine(e.getMessage()) + ")");
                    break;
                }
                others.add(other);
                Thread helper = new Thread(() -> drain(other, spec, pending, queue, done, failure, progress), "index-build");
                helper.setDaemon(true);
                helper.start();
                helpers.add(helper);
            }
            drain(c, spec, pending, queue, done, failure, progress);
            for (Thread helper : helpers) helper.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failure.compareAndSet(null, new SQLException("interrupted while building indexes"));
        } finally {
            others.forEach(Queries::closeQuietly); // the builds' outcome is what matters
        }
        Throwable f = failure.get();
        if (f instanceof SQLException se) throw se;
        if (f instanceof RuntimeException re) throw re;
        if (f instanceof Error err) throw err;
        if (f != null) throw new IllegalStateException(f);
        return java.util.Arrays.asList(done);
    }

    private static void drain(Connection c, ConnectionSpec spec, List<DeferredIndex> pending,
                              java.util.Queue<Integer> queue, IndexAction[] done,
                              java.util.concurrent.atomic.AtomicReference<Throwable> failure, Progress progress) {
        try {
            Integer i;
            while (failure.get() == null && (i = queue.poll()) != null) done[i] = recreate(c, spec, pending.get(i), progress);
        } catch (Throwable e) { // an Error in a helper thread must reach the caller, not die with the thread
            failure.compareAndSet(null, e);
        }
    }

    private static boolean isVector(DeferredIndex d) {
        return d.accessMethod().equals("ivfflat") || d.accessMethod().equals("hnsw");
    }

    /** Builds one deferred index (unless it is there already) and records it as rebuilt, in one transaction. */
    private static IndexAction recreate(Connection c, ConnectionSpec spec, DeferredIndex d, Progress progress) throws SQLException {
        int pid = c.unwrap(PGConnection.class).getBackendPID();
        var existing = Catalog.index(c, new TableId(d.schema(), d.name()));
        long start = System.nanoTime();
        IndexAction.Action action = inTransaction(c, () -> {
            boolean present = existing.isPresent() && existing.get().valid();
            if (!present) {
                if (existing.isPresent()) {
                    // an invalid leftover (a CONCURRENTLY build that failed): replace it
                    Queries.exec(c, "DROP INDEX " + existing.get().id().sql());
                }
                progress.info("  building index " + d.schema() + "." + d.name() + " (" + d.accessMethod() + ") on "
                        + new TableId(d.schema(), d.table()).display());
                try (BuildWatcher w = new BuildWatcher(spec, pid, d.name(), progress)) {
                    Queries.exec(c, d.definition());
                }
            }
            update(c, "UPDATE " + DEFERRED + " SET rebuilt_at = now() WHERE schema_name = ? AND index_name = ?",
                    d.schema(), d.name());
            return present ? IndexAction.Action.ALREADY_PRESENT : IndexAction.Action.RECREATED;
        });
        double secs = (System.nanoTime() - start) / 1e9;
        if (action == IndexAction.Action.RECREATED) {
            progress.info("  built " + d.schema() + "." + d.name() + " in " + Progress.seconds(Duration.ofNanos(System.nanoTime() - start)));
        }
        return new IndexAction(d.schema(), d.name(), d.table(), d.accessMethod(), action, secs);
    }

    /** The index at the top of the partitioned-index tree an index is attached to (itself when it stands alone). */
    private static Index topmost(Index i, Map<TableId, Index> byId) {
        Index top = i;
        while (top.parent() != null && byId.containsKey(top.parent())) top = byId.get(top.parent());
        return top;
    }

    /** The indexes ("schema.name") a bookkeeping table has a row for. */
    private static Set<String> recorded(Connection c, String table) throws SQLException {
        return new HashSet<>(Queries.list(c, "SELECT schema_name, index_name FROM " + table,
                rs -> rs.getString(1) + "." + rs.getString(2)));
    }

    private static void update(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = Queries.prepare(c, sql, args)) {
            ps.executeUpdate();
        }
    }

    /** Runs work in one transaction: the index change and its bookkeeping commit together or not at all. */
    private static <T> T inTransaction(Connection c, SqlWork<T> work) throws SQLException {
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try {
            T result = work.run();
            c.commit();
            return result;
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(auto);
        }
    }
}
