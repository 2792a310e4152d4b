package io.pgvectormigrate.replication;

import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pg.Catalog;
import io.pgvectormigrate.pg.Queries;
import io.pgvectormigrate.pg.ReplicationSlots;
import io.pgvectormigrate.pg.Sequences;
import io.pgvectormigrate.pg.Subscriptions;
import io.pgvectormigrate.pg.TableId;
import io.pgvectormigrate.pipeline.Endpoints;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static io.pgvectormigrate.pg.Catalog.shortList;

/**
 * Checks both ends before the engine creates anything. Every problem found becomes one clause of a single
 * exit-2 message, each saying what is wrong and what to do, so an operator fixes them in one round.
 */
final class Preflight {
    private Preflight() {}

    /**
     * What the checks established.
     *
     * @param binaryCopy         per table (schema.name): types allow binary COPY on both sides
     * @param subscriptionBinary the subscription's binary option: true when every table allows it; null on targets
     *                           before 14, which do not know the option
     * @param tidRangeScans      the source can split tables by block ranges efficiently (14+)
     */
    record Plan(List<TableInfo> tables, Map<String, Boolean> binaryCopy, Boolean subscriptionBinary,
                boolean tidRangeScans) {}

    /**
     * @param resuming   this run's subscription already exists (slots and workers are already counted)
     * @param slotExists this run's slot already exists on the source
     * @param fresh      a new initial copy is about to start and nothing shows an earlier attempt of this run:
     *                   target tables must then be empty
     */
    static Plan check(Connection src, Connection tgt, Endpoints ep, Catalog.Selection selection, List<TableInfo> tables,
                      NativeOptions options, boolean resuming, boolean slotExists, boolean fresh) throws SQLException {
        List<String> problems = new ArrayList<>();
        String srcUser = ep.source().user();
        if (ep.source().sameDatabaseAs(ep.target())) {
            throw ToolException.usage("source and target are the same database (" + ep.target().display()
                    + "): pass the new cluster as --target");
        }
        int srcVersion = (int) Queries.number(src, "SELECT current_setting('server_version_num')::int");
        int tgtVersion = (int) Queries.number(tgt, "SELECT current_setting('server_version_num')::int");
        if (srcVersion < 120000 || tgtVersion < 120000) {
            throw ToolException.usage("the native engine needs PostgreSQL 12 or later on both sides (source "
                    + srcVersion / 10000 + ", target " + tgtVersion / 10000 + "): use --engine dms");
        }

        // ---- source: logical decoding on
        String walLevel = Queries.string(src, "SELECT current_setting('wal_level')").orElse("?");
        if (!walLevel.equals("logical")) {
            Optional<String> rds = Queries.string(src, "SELECT current_setting('rds.logical_replication', true)");
            if (rds.isPresent() && rds.get() != null) {
                problems.add("the source has rds.logical_replication=" + rds.get() + " (wal_level=" + walLevel
                        + "): set rds.logical_replication=1 in the cluster parameter group and reboot the writer");
            } else {
                problems.add("the source has wal_level=" + walLevel + ": logical replication needs wal_level=logical "
                        + "(set it in postgresql.conf, or rds.logical_replication=1 on RDS/Aurora, and restart)");
            }
        }

        // ---- source: replication privilege
        boolean canReplicate = Queries.bool(src, """
                SELECT r.rolsuper OR r.rolreplication OR EXISTS (
                  SELECT 1 FROM pg_roles g WHERE g.rolname = 'rds_replication' AND pg_has_role(r.oid, g.oid, 'member'))
                FROM pg_roles r WHERE r.rolname = current_user""");
        if (!canReplicate) {
            problems.add("source user '" + srcUser + "' may not replicate: it needs the REPLICATION attribute "
                    + "(ALTER ROLE " + srcUser + " REPLICATION), superuser, or on RDS/Aurora the rds_replication role");
        }

        // ---- source: slots and WAL senders
        int syncWorkers = options.initialCopy() == NativeOptions.InitialCopy.SUBSCRIPTION
                ? (int) Math.min(tables.size(), Queries.number(tgt, "SELECT current_setting('max_sync_workers_per_subscription')::int"))
                : 0;
        int needed = 1 + syncWorkers;
        if (!resuming) {
            long maxSlots = Queries.number(src, "SELECT current_setting('max_replication_slots')::int");
            long usedSlots = ReplicationSlots.count(src) - (slotExists ? 1 : 0);
            if (maxSlots - usedSlots < needed) {
                problems.add("the source has " + (maxSlots - usedSlots) + " free replication slot(s) of max_replication_slots="
                        + maxSlots + ", this copy needs " + needed + ": drop unused slots (pg_replication_slots) or raise max_replication_slots");
            }
            long maxSenders = Queries.number(src, "SELECT current_setting('max_wal_senders')::int");
            long usedSenders = ReplicationSlots.walSenders(src);
            if (maxSenders - usedSenders < needed) {
                problems.add("the source has " + (maxSenders - usedSenders) + " free WAL sender(s) of max_wal_senders="
                        + maxSenders + ", this copy needs " + needed + ": raise max_wal_senders or stop other replication");
            }
        }

        // ---- source: the tables
        problems.addAll(tableProblems(src, ep, selection, tables));

        // ---- target: may subscribe, has the tables
        boolean tgtMaySubscribe = Queries.bool(tgt, """
                SELECT r.rolsuper OR EXISTS (
                  SELECT 1 FROM pg_roles g WHERE g.rolname IN ('rds_superuser', 'pg_create_subscription')
                  AND pg_has_role(r.oid, g.oid, 'member'))
                FROM pg_roles r WHERE r.rolname = current_user""");
        if (!tgtMaySubscribe) {
            problems.add("target user '" + ep.target().user() + "' may not create subscriptions: connect as a superuser "
                    + "(rds_superuser on RDS/Aurora; pg_create_subscription on PostgreSQL 16+)");
        }
        if (!resuming) {
            long maxWorkers = Queries.number(tgt, "SELECT current_setting('max_logical_replication_workers')::int");
            long busy = Subscriptions.runningWorkers(tgt);
            if (maxWorkers - busy < 1) {
                problems.add("the target has no free logical replication worker (max_logical_replication_workers="
                        + maxWorkers + ", " + busy + " busy): raise max_logical_replication_workers (and max_worker_processes)");
            }
        }
        Map<String, Boolean> binary = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        List<String> missingColumns = new ArrayList<>();
        List<String> nonEmpty = new ArrayList<>();
        for (TableInfo t : tables) {
            Optional<Map<String, String>> cols = Catalog.columns(tgt, t.id());
            if (cols.isEmpty()) {
                missing.add(t.display());
                continue;
            }
            boolean sameTypes = true;
            for (TableInfo.Column c : t.columns()) {
                String type = cols.get().get(c.name());
                if (type == null) missingColumns.add(t.display() + "." + c.name());
                else if (!type.equals(c.type())) sameTypes = false;
            }
            binary.put(t.display(), sameTypes && t.binarySafe());
            if (fresh && Catalog.hasRows(tgt, t.id())) nonEmpty.add(t.display());
        }
        if (!missing.isEmpty()) {
            problems.add(plural(missing, "table", "is", "are") + " missing on the target: " + shortList(missing)
                    + " (run pgvector-migrate prepare-target first; it creates the schema)");
        }
        if (!missingColumns.isEmpty()) {
            problems.add("the target lacks column" + (missingColumns.size() > 1 ? "s " : " ") + shortList(missingColumns)
                    + ": the target tables must have every source column (prepare-target --schema-from-source copies them)");
        }
        if (!nonEmpty.isEmpty()) {
            List<String> otherRuns = ReplicationSlots.names(src, ReplicationNames.PREFIX).stream()
                    .map(slot -> slot.substring(ReplicationNames.PREFIX.length()).replace('_', '-')).toList();
            problems.add(plural(nonEmpty, "target table", "holds", "hold") + " rows already: " + shortList(nonEmpty)
                    + " (the native engine loads empty tables: empty them, or resume the interrupted run with its --run-id"
                    + (otherRuns.isEmpty() ? "" : "; runs with a slot on the source: " + shortList(otherRuns)) + ")");
        }
        if (missing.isEmpty() && !tables.isEmpty()) {
            List<String> seqMissing = Sequences.missingOnTarget(tgt, selection.sequences()).stream().map(TableId::display).toList();
            if (!seqMissing.isEmpty()) {
                problems.add("sequence" + (seqMissing.size() > 1 ? "s " : " ") + shortList(seqMissing)
                        + " missing on the target (prepare-target --schema-from-source creates them with the schema)");
            }
        }
        if (!problems.isEmpty()) {
            throw ToolException.usage("preflight: " + String.join("; ", problems));
        }
        Boolean subBinary = tgtVersion < 140000 ? null
                : srcVersion >= 140000 && binary.values().stream().allMatch(b -> b);
        return new Plan(tables, binary, subBinary, srcVersion >= 140000);
    }

    /**
     * What keeps logical replication from carrying the selected tables: none selected, no key or replica identity,
     * UNLOGGED, not owned by the source user. Needs only the source, so the pipeline asks it before prepare-target
     * changes the target.
     */
    static List<String> tableProblems(Connection src, Endpoints ep, Catalog.Selection selection, List<TableInfo> tables)
            throws SQLException {
        List<String> problems = new ArrayList<>();
        if (tables.isEmpty()) {
            problems.add("no tables on the source match " + ep.tables().describe() + ": check --schema, --table and --exclude");
        }
        boolean srcSuper = Queries.bool(src, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user");
        List<String> unlogged = new ArrayList<>();
        List<String> notOwned = new ArrayList<>();
        for (TableInfo t : tables) {
            if (t.relation().unlogged()) unlogged.add(t.display());
            if (!t.owned() && !srcSuper) notOwned.add(t.display());
        }
        selection.replicaIdentityProblem().ifPresent(problems::add);
        if (!unlogged.isEmpty()) {
            problems.add(plural(unlogged, "table", "is", "are") + " UNLOGGED, which logical replication cannot carry: " + shortList(unlogged)
                    + " (ALTER TABLE ... SET LOGGED, or --exclude " + (unlogged.size() == 1 ? "it" : "them") + ")");
        }
        if (!notOwned.isEmpty()) {
            problems.add("source user '" + ep.source().user() + "' does not own " + shortList(notOwned)
                    + ": a publication can only include tables its creator owns (connect as the owner or a superuser)");
        }
        return problems;
    }

    private static String plural(List<String> items, String noun, String verb, String verbPlural) {
        return items.size() == 1 ? "1 " + noun + " " + verb : items.size() + " " + noun + "s " + verbPlural;
    }
}
