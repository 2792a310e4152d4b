package io.pgvectormigrate.prepare;

import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pg.Catalog;
import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pg.Database;
import io.pgvectormigrate.pg.Queries;
import io.pgvectormigrate.pg.Sequences;
import io.pgvectormigrate.pg.Sql;
import io.pgvectormigrate.pg.TableFilter;
import io.pgvectormigrate.pg.TableId;
import io.pgvectormigrate.report.Progress;
import io.pgvectormigrate.prepare.SchemaInfo.Column;
import io.pgvectormigrate.prepare.SchemaInfo.ExtensionState;
import io.pgvectormigrate.prepare.SchemaInfo.TableDef;
import io.pgvectormigrate.prepare.Indexes.DeferredIndex;
import io.pgvectormigrate.prepare.Indexes.IndexAction;
import io.pgvectormigrate.prepare.PrepareOptions.Preset;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Prepares the target with Flyway (extensions, Bedrock Chat schema, operator migrations), optionally creates the
 * source's tables, defers secondary indexes; after the load, rebuilds indexes and analyzes. Order of work (every
 * refusal before any change): docs/prepare-target.md.
 */
public final class TargetPreparer {
    static final TableId ITEMS = new TableId("public", "items");

    /** public.items as sql/bedrock-chat/V1__items.sql creates it, in the terms {@link SchemaInfo#definition} reads. */
    static final TableDef PRESET_ITEMS = new TableDef(ITEMS, columns(
            new Column("id", "character(26)", true),
            new Column("botid", "character(26)", false),
            new Column("content", "text", false),
            new Column("source", "text", false),
            new Column("embedding", "vector(1024)", false)), List.of("id"), List.of());

    private TargetPreparer() {}

    /**
     * What prepare-target did. {@code applied} lists the migrations run now, as "module Vn description";
     * {@code vectorAction} is keep, create, create_version or update; {@code vectorBefore} the version installed before
     * (null when there was none).
     */
    public record PrepareResult(String summary, List<String> applied, String target, String targetVersion,
                                String sourceVersion, String vectorVersion, String vectorAction, String vectorBefore,
                                String pgcryptoVersion,
                                String preset, List<String> tablesCreated, List<String> tablesPresent,
                                List<DeferredIndex> deferredIndexes, List<String> warnings, double seconds) {}

    public record AfterLoadResult(String summary, List<IndexAction> indexes, List<String> analyzed, double seconds) {}

    /**
     * Settings for the after-load index builds; never lowers what the server already allows. Every pass analyzes every
     * selected table, cutover's too: the statistics counters of rows a subscription applied may not be reported yet
     * when cutover looks, and an ANALYZE samples a bounded number of rows, so it costs little at any size.
     *
     * @param maintenanceWorkMem memory per build (ivfflat's k-means and hnsw's graph want plenty)
     * @param parallelWorkers    max_parallel_maintenance_workers for the builds (capped by the server's worker limits)
     */
    public record AfterLoadOptions(String maintenanceWorkMem, int parallelWorkers) {
        public static AfterLoadOptions defaults() {
            return new AfterLoadOptions("1GB", 4);
        }
    }

    /** Idempotent; refuses (ToolException.usage) a non-empty target, an older major version, no pgvector. */
    public static PrepareResult prepare(PrepareOptions o, Progress progress) {
        long started = System.nanoTime();
        TableFilter filter = o.tables();
        List<String> warnings = new ArrayList<>();
        progress.info("prepare-target: " + o.target().display()
                + (o.source() != null ? " (source " + o.source().display() + ")" : ""));
        try (Connection t = Database.connect(o.target(), "target", null);
             Connection s = o.source() == null ? null : Database.connect(o.source(), "source", null)) {

            // ---- checks: nothing changes on the target before all of them passed
            String catalog = "reading the catalog";
            int targetMajor = Failures.on("target", catalog, () -> SchemaInfo.serverMajor(t));
            String targetVersion = Failures.on("target", catalog, () -> SchemaInfo.serverVersion(t));
            ExtensionState vector = Failures.on("target", catalog, () -> SchemaInfo.extension(t, "vector"));
            ExtensionState pgcrypto = Failures.on("target", catalog, () -> SchemaInfo.extension(t, "pgcrypto"));
            Catalog.Selection targetSelection = Failures.on("target", catalog, () -> Catalog.select(t, filter));
            boolean itemsBefore = Failures.on("target", catalog, () -> Catalog.exists(t, ITEMS));
            String sourceVersion = null;
            int sourceMajor = 0;
            ExtensionVersion floor = null;
            Catalog.Selection source = new Catalog.Selection(List.of(), List.of());
            Map<TableId, TableDef> sourceDefs = new LinkedHashMap<>();
            if (s != null) {
                try {
                    sourceMajor = SchemaInfo.serverMajor(s);
                    sourceVersion = SchemaInfo.serverVersion(s);
                    floor = SchemaInfo.extension(s, "vector").installedVersion();
                    source = Catalog.select(s, filter);
                    for (Catalog.Table st : source.tables()) sourceDefs.put(st.id(), SchemaInfo.definition(s, st));
                } catch (SQLException e) {
                    throw Failures.of(catalog, "source", e);
                }
                checkMajorVersions(targetMajor, targetVersion, sourceMajor, sourceVersion);
                source.replicaIdentityProblem().ifPresent(warnings::add);
            }
            List<Catalog.Table> sourceTables = source.tables();
            ExtensionPlan vectorPlan = ExtensionPlan.forVector(vector, floor);
            if (!pgcrypto.available() && !pgcrypto.installed()) {
                throw ToolException.usage("pgcrypto is not installable on the target (no 'pgcrypto' in pg_available_extensions): "
                        + "install PostgreSQL's contrib extensions there and retry");
            }
            boolean preset = switch (o.preset()) {
                case BEDROCK_CHAT -> true;
                case NONE -> false;
                case AUTO -> s == null ? filter.matches(ITEMS.schema(), ITEMS.name()) : sourceDefs.containsKey(ITEMS);
            };
            // what each selected source table will meet on the target: an existing table, or the preset's items
            Map<TableId, TableDef> targetDefs = new LinkedHashMap<>();
            List<TableId> sequencesMissing;
            try {
                for (Catalog.Table st : sourceTables) {
                    definitionOn(t, targetSelection, st.id()).ifPresent(d -> targetDefs.put(st.id(), d));
                }
                sequencesMissing = Sequences.missingOnTarget(t, sequencesToCreate(source, List.of()));
            } catch (SQLException e) {
                throw Failures.of("reading table definitions", "target", e);
            }
            for (var e : sourceDefs.entrySet()) {
                TableDef existing = targetDefs.get(e.getKey());
                String origin = "";
                if (existing == null && preset && e.getKey().equals(ITEMS)) {
                    existing = PRESET_ITEMS;
                    origin = " (as the bedrock-chat preset would create it; pass --preset none"
                            + (o.schemaFromSource() ? "" : " --schema-from-source") + " to take the source's definition)";
                }
                if (existing != null) SchemaCopy.requireSame(e.getValue(), existing, origin);
            }
            if (s != null && !o.schemaFromSource() && o.extraMigrations() == null) {
                List<TableId> missing = sourceTables.stream().map(Catalog.Table::id)
                        .filter(st -> !targetDefs.containsKey(st) && !(preset && st.equals(ITEMS))).toList();
                if (!missing.isEmpty()) throw missingTables(missing);
                if (!sequencesMissing.isEmpty()) throw missingSequences(sequencesMissing);
            }
            List<TableId> nonEmpty = new ArrayList<>();
            for (TableId tt : targetSelection.roots()) {
                boolean rows = Failures.on("target", "checking the target tables are empty", () -> Catalog.hasRows(t, tt));
                if (rows) nonEmpty.add(tt);
            }
            if (!nonEmpty.isEmpty() && !o.allowNonemptyTarget()) {
                throw ToolException.usage("the target already holds rows in " + names(nonEmpty)
                        + ": migrate into empty tables (a fresh target, or empty them yourself), or pass --allow-nonempty-target "
                        + "to keep them (they are never touched)");
            }
            if (!nonEmpty.isEmpty()) {
                warnings.add("target tables already hold rows and were left as they are: " + names(nonEmpty));
            }
            progress.info("  PostgreSQL " + targetVersion + (sourceVersion != null ? " (source " + sourceVersion + ")" : "")
                    + "; " + vectorPlan.describe() + (floor != null ? " (source has " + floor + ")" : ""));

            // ---- changes
            applyVectorPlan(t, vectorPlan, progress);
            List<String> applied = new ArrayList<>();
            runModule(o.target(), Migrations.CORE, applied, progress);
            if (preset) {
                runModule(o.target(), Migrations.BEDROCK_CHAT, applied, progress);
                if (s == null) {
                    List<String> diffs = Failures.on("target", "reading public.items",
                            () -> SchemaInfo.definition(t, ITEMS).map(d -> SchemaCopy.differences(PRESET_ITEMS, d)))
                            .orElse(List.of());
                    if (!diffs.isEmpty()) {
                        warnings.add("public.items differs from Bedrock Chat's (left as it is; IF NOT EXISTS): "
                                + String.join("; ", diffs).replace("on the source", "in Bedrock Chat"));
                    }
                }
            }
            if (o.extraMigrations() != null) {
                runModule(o.target(), Migrations.operator(o.extraMigrations()), applied, progress);
            }

            List<String> created = new ArrayList<>();
            List<String> present = new ArrayList<>();
            if (s != null) {
                List<Catalog.Table> missing = new ArrayList<>();
                List<Catalog.Sequence> sequences;
                try {
                    for (Catalog.Table st : sourceTables) {
                        if (Catalog.exists(t, st.id())) present.add(st.id().display());
                        else missing.add(st);
                    }
                    List<TableId> absent = Sequences.missingOnTarget(t, sequencesToCreate(source, missing));
                    sequences = source.sequences().stream().filter(q -> absent.contains(q.id())).toList();
                } catch (SQLException e) {
                    throw Failures.of("reading table definitions", "target", e);
                }
                if (!missing.isEmpty() && !o.schemaFromSource()) throw missingTables(missing.stream().map(Catalog.Table::id).toList());
                if (!sequences.isEmpty() && !o.schemaFromSource()) {
                    throw missingSequences(sequences.stream().map(Catalog.Sequence::id).toList());
                }
                SchemaCopy.copy(o.source(), o.target(), t, missing, sequences, o.binaries(), sourceMajor, progress);
                missing.forEach(m -> created.add(m.id().display()));
                // every selected table and sequence now exists: check once more (operator migrations and the copy included)
                try {
                    Catalog.Selection now = Catalog.select(t, filter);
                    for (var e : sourceDefs.entrySet()) {
                        Optional<TableDef> def = definitionOn(t, now, e.getKey());
                        if (def.isEmpty()) throw missingTables(List.of(e.getKey()));
                        SchemaCopy.requireSame(e.getValue(), def.get(), "");
                    }
                    List<TableId> stillMissing = Sequences.missingOnTarget(t, source.sequences());
                    if (!stillMissing.isEmpty()) throw missingSequences(stillMissing);
                } catch (SQLException e) {
                    throw Failures.of("reading table definitions", "target", e);
                }
            }
            if (preset && s == null) (itemsBefore ? present : created).add(ITEMS.display());
            else if (preset && !itemsBefore && present.remove(ITEMS.display())) created.add(0, ITEMS.display());

            // ---- indexes: the tables the copy will load (the source's selection, or the target's), with their partitions
            List<TableId> sourceRoots = s == null ? null : source.roots();
            List<DeferredIndex> deferred = Failures.on("target", "deferring indexes", () -> {
                List<Catalog.Table> loadTables = loadTables(t, filter, sourceRoots);
                Indexes.startNewLoad(t, loadTables);
                if (!o.deferIndexes()) return List.of();
                Deferral d = deferEmpty(t, loadTables, progress);
                return d.pending().size() > d.deferred().size() ? d.pending() : d.deferred();
            });

            String vectorNow = Failures.on("target", "reading extensions",
                    () -> String.valueOf(SchemaInfo.extension(t, "vector").installedVersion()));
            String pgcryptoNow = Failures.on("target", "reading extensions",
                    () -> String.valueOf(SchemaInfo.extension(t, "pgcrypto").installedVersion()));
            double secs = (System.nanoTime() - started) / 1e9;
            String summary = "target " + o.target().display() + " prepared: vector " + vectorNow + ", pgcrypto " + pgcryptoNow
                    + ", " + applied.size() + " migration(s) applied now"
                    + (created.isEmpty() ? "" : ", " + created.size() + " table(s) created")
                    + (deferred.isEmpty() ? "" : ", " + deferred.size() + " index(es) deferred until after the load");
            progress.info("  done in " + Progress.seconds(Duration.ofNanos(System.nanoTime() - started)));
            return new PrepareResult(summary, List.copyOf(applied), o.target().display(), targetVersion, sourceVersion,
                    vectorNow, vectorPlan.action().name().toLowerCase(java.util.Locale.ROOT),
                    vector.installed() ? vector.installedVersion().text() : null, pgcryptoNow, preset ? "bedrock-chat" : "none",
                    List.copyOf(created), List.copyOf(present), List.copyOf(deferred), List.copyOf(warnings), secs);
        } catch (SQLException e) {
            throw Failures.of("closing the connections", "target", e);
        }
    }

    /**
     * After the data is loaded: recreates the indexes prepare deferred, REINDEXes vector indexes that were not
     * deferred (ivfflat lists trained on real rows), ANALYZEs. Idempotent: safe to call again on resume/cutover.
     */
    public static AfterLoadResult afterLoad(ConnectionSpec target, TableFilter tables, Progress progress) {
        return afterLoad(target, tables, AfterLoadOptions.defaults(), progress);
    }

    public static AfterLoadResult afterLoad(ConnectionSpec target, TableFilter tables, AfterLoadOptions options, Progress progress) {
        long started = System.nanoTime();
        TableFilter filter = tables == null ? TableFilter.ALL : tables;
        progress.info("after-load: " + target.display());
        try (Connection t = Database.connect(target, "target", null)) {
            try {
                ensureBookkeeping(target, t, progress);
                buildSettings(t, options);
                List<Catalog.Table> selected = Catalog.select(t, filter).tables();
                List<IndexAction> actions = Indexes.rebuild(t, target, selected, () -> {
                    Connection second = Database.connect(target, "target", null);
                    try {
                        buildSettings(second, options);
                    } catch (SQLException e) {
                        second.close();
                        throw e;
                    }
                    return second;
                }, progress);
                List<String> rebuilt = actions.stream().filter(a -> a.action() == IndexAction.Action.RECREATED)
                        .map(a -> a.schema() + "." + a.index()).toList();
                if (!rebuilt.isEmpty()) {
                    progress.info("  rebuilt " + rebuilt.size() + " index(es) deferred during the load: " + String.join(", ", rebuilt));
                }
                List<String> analyzed = new ArrayList<>();
                for (Catalog.Table tr : selected) {
                    // a partitioned table's ANALYZE samples the whole table and recurses into every partition
                    Queries.exec(t, "ANALYZE " + tr.id().sql());
                    analyzed.add(tr.id().display());
                }
                progress.info("  analyzed " + analyzed.size() + " table(s)");
                long built = actions.stream().filter(a -> a.action() == IndexAction.Action.RECREATED
                        || a.action() == IndexAction.Action.REINDEXED).count();
                double secs = (System.nanoTime() - started) / 1e9;
                String summary = "after-load on " + target.display() + ": " + built + " index(es) built, "
                        + (actions.size() - built) + " already done, " + analyzed.size() + " table(s) analyzed";
                progress.info("  done in " + Progress.seconds(Duration.ofNanos(System.nanoTime() - started)));
                return new AfterLoadResult(summary, List.copyOf(actions), List.copyOf(analyzed), secs);
            } catch (SQLException e) {
                throw Failures.of("rebuilding indexes after the load", "target", e);
            }
        } catch (SQLException e) {
            throw Failures.of("closing the connection", "target", e);
        }
    }

    /**
     * What deferring the indexes before a load did.
     *
     * @param deferred the indexes dropped now
     * @param pending  every index of the load's tables recorded as deferred and not built again yet: those dropped now
     *                 and any an earlier pass (prepare-target --defer-indexes, a killed migrate) dropped
     * @param kept     the deferrable indexes ("schema.name") left in place because their table already holds rows
     */
    public record Deferral(List<DeferredIndex> deferred, List<DeferredIndex> pending, List<String> kept) {}

    /**
     * Before a load (migrate, whatever prepare-target did): defers the indexes of the load's empty tables (the source's
     * selection, as the target has them) with prepare-target's bookkeeping, so the copy never maintains them row by row
     * and {@link #afterLoad} builds them. Idempotent: a resumed migrate finds them deferred and still recorded.
     */
    public static Deferral deferForLoad(ConnectionSpec target, ConnectionSpec source, TableFilter tables, Progress progress) {
        TableFilter filter = tables == null ? TableFilter.ALL : tables;
        List<TableId> roots;
        try (Connection s = Database.connect(source, "source", null)) {
            roots = Catalog.select(s, filter).roots();
        } catch (SQLException e) {
            throw Failures.of("reading the tables to load", "source", e);
        }
        try (Connection t = Database.connect(target, "target", null)) {
            try {
                ensureBookkeeping(target, t, progress);
                return deferEmpty(t, loadTables(t, filter, roots), progress);
            } catch (SQLException e) {
                throw Failures.of("deferring indexes", "target", e);
            }
        } catch (SQLException e) {
            throw Failures.of("closing the connection", "target", e);
        }
    }

    /** The target's selected tables a load fills: those the source selects too (all of them without a source). */
    private static List<Catalog.Table> loadTables(Connection t, TableFilter filter, List<TableId> sourceRoots) throws SQLException {
        return Catalog.select(t, filter).tables().stream().filter(lt -> sourceRoots == null || sourceRoots.contains(lt.id())).toList();
    }

    /** Defers the indexes of the empty tables among {@code loadTables}; the others keep theirs (the one rule, see {@link Indexes}). */
    private static Deferral deferEmpty(Connection t, List<Catalog.Table> loadTables, Progress progress) throws SQLException {
        List<Catalog.Table> empty = new ArrayList<>();
        List<Catalog.Table> holdingRows = new ArrayList<>();
        for (Catalog.Table lt : loadTables) (Catalog.hasRows(t, lt.id()) ? holdingRows : empty).add(lt);
        List<DeferredIndex> now = Indexes.defer(t, empty, progress);
        List<DeferredIndex> pending = Indexes.pending(t, loadTables);
        if (pending.size() > now.size()) {
            progress.info("  " + (pending.size() - now.size()) + " index(es) deferred earlier are still pending");
        }
        List<String> kept = Indexes.keptInPlace(t, holdingRows);
        if (!kept.isEmpty()) {
            progress.info("  kept " + String.join(", ", kept) + " in place: " + (holdingRows.size() == 1 ? "its table holds" : "their tables hold")
                    + " rows already (only an empty table's indexes are deferred)");
        }
        return new Deferral(List.copyOf(now), List.copyOf(pending), List.copyOf(kept));
    }

    /** The bookkeeping tables (core module) on a target prepared by something else, so deferral and rebuild stay idempotent. */
    private static void ensureBookkeeping(ConnectionSpec target, Connection t, Progress progress) throws SQLException {
        if (!Migrations.coreInstalled(t)) runModule(target, Migrations.CORE, new ArrayList<>(), progress);
    }

    // ---- helpers

    /** Logical replication and pg_restore go from older to newer majors only. */
    static void checkMajorVersions(int targetMajor, String targetVersion, int sourceMajor, String sourceVersion) {
        if (targetMajor < sourceMajor) {
            throw ToolException.usage("the target runs PostgreSQL " + targetVersion + ", older than the source's "
                    + sourceVersion + ": use a target at major version " + sourceMajor + " or newer");
        }
    }

    private static void applyVectorPlan(Connection t, ExtensionPlan plan, Progress progress) {
        try (Statement st = t.createStatement()) {
            switch (plan.action()) {
                case KEEP, CREATE -> { }
                case CREATE_VERSION -> {
                    st.execute("CREATE EXTENSION IF NOT EXISTS vector WITH SCHEMA public VERSION " + Sql.literal(plan.version().text()));
                    progress.info("  created extension vector " + plan.version());
                }
                case UPDATE -> {
                    if (!SchemaInfo.hasUpdatePath(t, "vector", plan.from(), plan.version())) {
                        throw ToolException.usage("the target has no update path for pgvector from " + plan.from() + " to "
                                + plan.version() + ": update pgvector on the target by hand (or recreate the extension) and retry");
                    }
                    st.execute("ALTER EXTENSION vector UPDATE TO " + Sql.literal(plan.version().text()));
                    progress.info("  updated extension vector " + plan.from() + " -> " + plan.version());
                }
            }
        } catch (SQLException e) {
            throw Failures.of("installing pgvector " + plan.version(), "target", e);
        }
    }

    private static void runModule(ConnectionSpec target, Migrations.Module module, List<String> applied, Progress progress) {
        Migrations.ModuleResult r = Migrations.migrate(target, module);
        applied.addAll(r.applied());
        progress.info("  flyway " + module.name() + ": " + (r.applied().isEmpty() ? "up to date" : r.applied().size() + " applied")
                + (r.version() != null ? ", at version " + r.version() : "")
                + " (history " + Migrations.SCHEMA + "." + module.historyTable() + ")");
    }

    private static void buildSettings(Connection c, AfterLoadOptions options) throws SQLException {
        raiseSetting(c, "maintenance_work_mem", options.maintenanceWorkMem(), true);
        raiseSetting(c, "max_parallel_maintenance_workers", String.valueOf(options.parallelWorkers()), false);
    }

    /** Sets a session setting to {@code wanted} unless the session already has more. */
    private static void raiseSetting(Connection c, String name, String wanted, boolean size) throws SQLException {
        String sql = size
                ? "SELECT set_config(?, CASE WHEN pg_size_bytes(current_setting(?)) >= pg_size_bytes(?) THEN current_setting(?) ELSE ? END, false)"
                : "SELECT set_config(?, CASE WHEN current_setting(?)::int >= ?::int THEN current_setting(?) ELSE ? END, false)";
        Queries.string(c, sql, name, name, wanted, name, wanted);
    }

    /**
     * The definition a table has on one side: the catalog's selected table (partitions included), or a table of that
     * name the selection does not count as a root (e.g. a partition there), or empty when there is none.
     */
    private static Optional<TableDef> definitionOn(Connection c, Catalog.Selection selection, TableId id) throws SQLException {
        Optional<Catalog.Table> selected = selection.table(id);
        return selected.isPresent() ? Optional.of(SchemaInfo.definition(c, selected.get())) : SchemaInfo.definition(c, id);
    }

    /** The selected sequences that do not come with a table about to be created (pg_dump dumps owned ones with it). */
    private static List<Catalog.Sequence> sequencesToCreate(Catalog.Selection source, List<Catalog.Table> created) {
        java.util.Set<TableId> coming = new java.util.HashSet<>(Indexes.relations(created));
        return source.sequences().stream().filter(q -> !(q.owned() && coming.contains(q.ownerTable()))).toList();
    }

    private static ToolException missingTables(List<TableId> missing) {
        return ToolException.usage("the target lacks " + names(missing) + " that the source has: pass --schema-from-source "
                + "to create them from the source's definition, or create them with --migrations DIR");
    }

    private static ToolException missingSequences(List<TableId> missing) {
        return ToolException.usage("the target lacks sequence" + (missing.size() > 1 ? "s " : " ") + names(missing)
                + " that the source has: pass --schema-from-source to create " + (missing.size() > 1 ? "them" : "it")
                + " from the source's definition, or create " + (missing.size() > 1 ? "them" : "it") + " with --migrations DIR");
    }

    private static String names(List<TableId> tables) {
        List<String> shown = tables.stream().limit(5).map(TableId::display).toList();
        return String.join(", ", shown) + (tables.size() > 5 ? " and " + (tables.size() - 5) + " more" : "");
    }

    private static Map<String, Column> columns(Column... cols) {
        Map<String, Column> m = new LinkedHashMap<>();
        for (Column c : cols) m.put(c.name(), c);
        return java.util.Collections.unmodifiableMap(m);
    }
}
