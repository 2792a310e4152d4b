package io.pgvectormigrate.verify;

import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pg.Sql;
import io.pgvectormigrate.pg.SqlErrors;
import io.pgvectormigrate.pg.TableFilter;
import io.pgvectormigrate.report.Progress;
import io.pgvectormigrate.verify.SideSchema.Table;
import io.pgvectormigrate.verify.VerifyReport.AnnResult;
import io.pgvectormigrate.verify.VerifyReport.CheckResult;
import io.pgvectormigrate.verify.VerifyReport.ContentResult;
import io.pgvectormigrate.verify.VerifyReport.Difference;
import io.pgvectormigrate.verify.VerifyReport.Endpoint;
import io.pgvectormigrate.verify.VerifyReport.GroupResult;
import io.pgvectormigrate.verify.VerifyReport.RowDiff;
import io.pgvectormigrate.verify.VerifyReport.SequenceResult;
import io.pgvectormigrate.verify.VerifyReport.Status;
import io.pgvectormigrate.verify.VerifyReport.TableResult;
import io.pgvectormigrate.verify.VerifyReport.VectorResult;
import io.pgvectormigrate.verify.VerifyReport.VectorStats;

import java.security.SecureRandom;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Compares a source and a target database, read-only on both, and reports every difference: checks 1-7 of
 * docs/verification.md. Bad input (unreachable, bad password, no such database/schema, a filter matching
 * nothing, pgvector on one side only, both sides the same database) throws ToolException.usage (exit 2).
 */
public final class Verifier {
    /** PostgreSQL 14 added hash_record_extended; older servers fall back to hashing the row's text. */
    private static final int RECORD_HASH_VERSION = 140000;

    private Verifier() {}

    public static VerifyReport verify(VerifyOptions options, Progress progress) {
        Instant started = Instant.now();
        if (options.source().sameDatabaseAs(options.target())) {
            throw ToolException.usage("source and target are the same database (" + options.source().display()
                    + "): point --target at the copy");
        }
        Side source = Side.open("source", options.source(), options.prompt());
        Side target = null;
        Workers workers = null;
        CompletableFuture<SideSchema> targetSchema = null;
        try {
            target = Side.open("target", options.target(), options.prompt());
            if (source.identity.sameAs(target.identity)) {
                throw ToolException.usage("source " + options.source().display() + " and target " + options.target().display()
                        + " are the same database on the same server: point --target at the copy");
            }
            progress.info("source: " + options.source().display() + " (PostgreSQL " + source.identity.version() + ")");
            progress.info("target: " + options.target().display() + " (PostgreSQL " + target.identity.version() + ")");
            int sourceJobs = jobs(options, source);
            int targetJobs = jobs(options, target);
            // each side reads its catalog and opens its worker connections while the other side does
            Side t = target;
            targetSchema = CompletableFuture.supplyAsync(() -> {
                SideSchema schema = readSchema(t, options.tables());
                t.startWorkers(targetJobs);
                return schema;
            });
            SideSchema sc = readSchema(source, options.tables());
            source.startWorkers(sourceJobs);
            SideSchema tc = Workers.await(targetSchema);
            checkInputs(options, sc, tc);
            workers = new Workers(source, target, sourceJobs, targetJobs);
            return new Run(options, progress, source, target, sc, tc, workers, started, new ArrayList<>(),
                    new ArrayList<>(), new EnumMap<>(Check.class), new ArrayList<>()).execute();
        } finally {
            if (targetSchema != null) targetSchema.handle((x, e) -> null).join(); // the target is not in use when closed
            if (workers != null) workers.close();
            if (target != null) target.close();
            source.close();
        }
    }

    /**
     * Worker connections on a side: --jobs, or as many processes as the server lets one of its own scans use
     * (1 + max_parallel_workers_per_gather; PostgreSQL's default gives 3), at least 2 and at most 8. Each reads its
     * own block ranges, so this is how many cores and concurrent reads the side's scan gets.
     */
    static int jobs(VerifyOptions o, Side side) {
        if (o.jobs() > 0) return o.jobs();
        return Math.max(2, Math.min(8, 1 + side.identity.parallelWorkersPerGather()));
    }

    private static SideSchema readSchema(Side side, TableFilter filter) {
        try {
            return SideSchema.read(side.main, filter);
        } catch (SQLException e) {
            throw sqlFailure(side.role, "reading the catalog", e);
        }
    }

    private static void checkInputs(VerifyOptions o, SideSchema s, SideSchema t) {
        boolean sv = s.extensions().containsKey("vector");
        boolean tv = t.extensions().containsKey("vector");
        if (sv != tv) {
            String missing = sv ? "target" : "source";
            String where = sv ? o.target().display() : o.source().display();
            throw ToolException.usage("pgvector (extension vector) is not installed in the " + missing + " database "
                    + where + ": run CREATE EXTENSION vector there first (the other side has it)");
        }
        for (String schema : o.tables().schemas()) {
            if (!s.schemas().contains(schema)) {
                throw ToolException.usage("schema '" + schema + "' does not exist on source " + o.source().display()
                        + ": check --schema (schemas there: " + userSchemas(s) + ")");
            }
        }
        if (s.tables().isEmpty() && t.tables().isEmpty()) {
            throw ToolException.usage("no tables match " + o.tables().describe() + " on source or target: check --schema, "
                    + "--table and --exclude (names are case-sensitive as stored, e.g. items or public.items)");
        }
    }

    private static String userSchemas(SideSchema c) {
        return c.schemas().stream().filter(s -> !TableFilter.isSystemSchema(s)).sorted().collect(Collectors.joining(", "));
    }

    /** Verify's part of the one SQL failure rule ({@link SqlErrors}): it changes nothing, so a re-run is always safe. */
    private static final SqlErrors.Advice ADVICE = new SqlErrors.Advice(
            "verify changed nothing; re-run when the database is reachable",
            "grant the user SELECT on every selected table and sequence, or connect as one that has it");

    static RuntimeException sqlFailure(String role, String what, SQLException e) {
        return SqlErrors.of(role, what, e, ADVICE);
    }

    private record Run(VerifyOptions o, Progress progress, Side source, Side target, SideSchema sc, SideSchema tc,
                       Workers workers, Instant started, List<Difference> differences, List<String> notes,
                       Map<Check, String> detail, List<Difference> missingGroupColumns) {
        VerifyReport execute() {
            boolean recordHash = source.identity.versionNum() >= RECORD_HASH_VERSION
                    && target.identity.versionNum() >= RECORD_HASH_VERSION;
            SecureRandom rnd = new SecureRandom();
            long seed1 = rnd.nextLong();
            long seed2 = rnd.nextLong();

            SchemaCompare schema = new SchemaCompare();
            schema.compare(sc, tc, o.runs(Check.SCHEMA), o.runs(Check.INDEXES), o.runs(Check.EXTENSIONS));
            differences.addAll(schema.differences);
            notes.addAll(schema.notes);
            detail.put(Check.SCHEMA, schema.tablesCompared + " table(s), " + schema.columnsCompared + " column(s) compared");
            detail.put(Check.INDEXES, schema.indexesCompared + " index(es) compared");
            detail.put(Check.EXTENSIONS, sc.extensions().size() + " extension(s) compared");

            List<TablePlan> plans = new ArrayList<>();
            for (Table st : sc.tables().values()) {
                Table tt = tc.tables().get(st.key());
                if (tt != null) plans.add(new TablePlan(st, tt, recordHash, seed1, seed2));
            }
            boolean rows = o.runs(Check.ROWS);
            boolean vectors = o.runs(Check.VECTORS);
            boolean content = o.runs(Check.CONTENT);
            boolean groups = o.runs(Check.GROUPS);
            List<String> groupColumns = groups ? groupColumns(plans) : List.of();
            ScanRanges ranges = rows || vectors || content || groups || o.runs(Check.ANN) ? ScanRanges.read(workers, plans) : null;
            List<TableResult> tables = new ArrayList<>();
            if (rows || vectors || content || groups) {
                var scan = new ContentCheck(workers, ranges, rows, vectors, content, o.chunkRows(), o.maxDiffs(),
                        progress);
                for (ContentCheck.Outcome out : scan.run(plans)) tables.add(table(out, rows, vectors, content));
            } else {
                for (TablePlan p : plans) {
                    tables.add(new TableResult(p.display(), primaryKey(p), null, null, null, null, null));
                }
            }
            if (rows) missingTableCounts();
            detail.put(Check.ROWS, plans.size() + " table(s) counted");
            detail.put(Check.VECTORS, plans.stream().mapToInt(p -> p.vectorColumns.size()).sum() + " vector column(s) checked");
            detail.put(Check.CONTENT, plans.size() + " table(s) hashed ("
                    + (recordHash ? "hash_record_extended" : "row text") + ", 64-bit, keyed per run)");

            if (groups) groups(tables, groupColumns);
            List<SequenceResult> sequences = o.runs(Check.SEQUENCES) ? sequences() : null;
            List<AnnResult> ann = null;
            if (o.runs(Check.ANN)) {
                progress.info("ANN parity: " + o.annQueries() + " queries, top " + o.annK());
                ann = AnnCheck.run(workers, ranges, plans, o.annQueries(), o.annK());
                for (AnnResult a : ann) {
                    if (!a.matched()) {
                        diff(Check.ANN, a.table() + "." + a.column(), a.exactMismatches() + " of " + a.queries()
                                + " exact top-" + a.k() + " answers differ between source and target");
                    }
                    if (a.note() != null && a.queries() > 0) notes.add(a.table() + "." + a.column() + ": " + a.note());
                }
                detail.put(Check.ANN, ann.size() + " vector column(s), " + o.annQueries() + " queries, k=" + o.annK());
            }
            return build(plans, tables, sequences, ann, recordHash);
        }

        private void diff(Check c, String object, String message) {
            differences.add(new Difference(c.id(), object, message));
        }

        /** One table's results from the content pass (checks 2-5); the differences they show are added as found. */
        private TableResult table(ContentCheck.Outcome out, boolean rows, boolean vectors, boolean content) {
            TablePlan p = out.plan;
            long sourceRows = out.sides[0].rows();
            long targetRows = out.sides[1].rows();
            if (rows && sourceRows != targetRows) {
                long d = targetRows - sourceRows;
                diff(Check.ROWS, p.display(), "source has " + sourceRows + " rows, target " + targetRows + " ("
                        + Math.abs(d) + (d < 0 ? " fewer" : " more") + ")");
            }
            List<VectorResult> vectorResults = vectors ? vectors(out) : null;
            ContentResult contentResult = content || (rows && p.hasPk()) ? content(out, content) : null;
            List<GroupResult> groupResults = p.groupColumns.isEmpty() ? null
                    : IntStream.range(0, p.groupColumns.size()).mapToObj(i -> out.groups(i, o.maxDiffs())).toList();
            return new TableResult(p.display(), primaryKey(p), sourceRows, targetRows, contentResult, vectorResults,
                    groupResults);
        }

        private static List<String> primaryKey(TablePlan p) {
            return p.src.primaryKey().isEmpty() ? null : p.src.primaryKey().stream().map(Sql::display).toList();
        }

        /** Check 3 of one table: NULL vectors, non-NULL vectors and dimensions of each vector column. */
        private List<VectorResult> vectors(ContentCheck.Outcome out) {
            TablePlan p = out.plan;
            List<VectorResult> results = new ArrayList<>();
            for (int i = 0; i < p.vectorColumns.size(); i++) {
                SideSchema.Column c = p.src.column(p.vectorColumns.get(i));
                String column = Sql.display(c.name());
                VectorStats s = out.stats(0, i);
                VectorStats t = out.stats(1, i);
                boolean ok = s.equals(t) && s.offDeclared() == 0 && t.offDeclared() == 0;
                Integer declared = c.declaredDims() > 0 ? c.declaredDims() : null;
                results.add(new VectorResult(column, c.type(), declared, s, t, ok));
                String obj = p.display() + "." + column;
                if (s.nulls() != t.nulls()) diff(Check.VECTORS, obj, "NULL vectors: " + sides(s.nulls(), t.nulls()));
                if (s.nonNull() != t.nonNull()) {
                    diff(Check.VECTORS, obj, "non-NULL vectors: " + sides(s.nonNull(), t.nonNull()));
                }
                if (t.offDeclared() > 0 || s.offDeclared() > 0) {
                    diff(Check.VECTORS, obj, "vectors whose dimension is not the declared " + c.declaredDims() + ": "
                            + sides(s.offDeclared(), t.offDeclared()));
                }
                if (!dims(s).equals(dims(t))) diff(Check.VECTORS, obj, "dimensions " + sides(dims(s), dims(t)));
            }
            return results;
        }

        private static String sides(Object source, Object target) {
            return source + " on source, " + target + " on target";
        }

        private static String dims(VectorStats s) {
            if (s.minDims() == null) return "(none)";
            return s.minDims().equals(s.maxDims()) ? String.valueOf(s.minDims()) : s.minDims() + ".." + s.maxDims();
        }

        /** Checks 2 (by key) and 5 of one table: which rows are missing, extra or changed on the target. */
        private ContentResult content(ContentCheck.Outcome out, boolean content) {
            TablePlan p = out.plan;
            String name = p.display();
            ContentResult r = new ContentResult(p.hasPk() ? "key-hash buckets" : "whole-table hash",
                    content ? p.hashed.size() : 0, p.notCompared.isEmpty() ? null : List.copyOf(p.notCompared),
                    out.buckets, out.differingChunks, out.missing, out.extra, out.changed, out.differingChunks == 0,
                    out.examples());
            if (r.matched()) {
                if (content && !p.notCompared.isEmpty()) {
                    notes.add(name + ": content compared without " + String.join(", ", p.notCompared));
                }
                return r;
            }
            Check check = content ? Check.CONTENT : Check.ROWS;
            long diffs = r.missingOnTarget() + r.extraOnTarget() + r.changed();
            if (diffs == 0) {
                diff(check, name, p.hasPk()
                        ? "chunk aggregates differ but no row differs (rows changed during the scan?)"
                        : "whole-table hash differs (no primary key to name rows)");
            } else {
                List<String> parts = new ArrayList<>();
                if (r.missingOnTarget() > 0) parts.add(r.missingOnTarget() + " missing on target");
                if (r.extraOnTarget() > 0) parts.add(r.extraOnTarget() + " extra on target");
                if (r.changed() > 0) parts.add(r.changed() + " changed");
                diff(check, name, String.join(", ", parts));
            }
            for (RowDiff d : r.examples()) {
                diff(check, name, d.kind() + ": " + d.key() + (d.columns() == null || d.columns().isEmpty() ? ""
                        : " (columns: " + String.join(", ", d.columns().stream().map(Sql::display).toList()) + ")"));
            }
            if (diffs > r.examples().size()) {
                diff(check, name, "... and " + (diffs - r.examples().size())
                        + " more (raise --max-diffs to list them)");
            }
            return r;
        }

        /** Row counts of tables that exist on one side only, so the report says how much is missing. */
        private void missingTableCounts() {
            for (Table st : sc.tables().values()) {
                if (!tc.tables().containsKey(st.key())) {
                    long n = Workers.await(workers.on(true, "counting " + st.display(), c -> ContentCheck.count(c, st)));
                    diff(Check.ROWS, st.display(), "missing on target; source has " + n + " rows");
                }
            }
        }

        /**
         * The grouping columns of check 4 (--group-by, or items.botid where it exists), put on their tables' plans so
         * the content pass counts their groups; one missing on the target is a difference instead.
         */
        private List<String> groupColumns(List<TablePlan> plans) {
            List<String> named = new ArrayList<>();
            List<String> specs = o.groupBy();
            if (specs.size() == 1 && specs.get(0).equalsIgnoreCase("none")) return named;
            if (specs.isEmpty()) {
                for (TablePlan p : plans) {
                    if (p.src.name().equals("items") && p.src.column("botid") != null) groupBy(p, "botid", named);
                }
            }
            for (String spec : specs) {
                String[] parts = spec.split("\\.");
                if (parts.length < 2 || parts.length > 3) {
                    throw ToolException.usage("--group-by '" + spec + "' should be table.column or schema.table.column");
                }
                String col = parts[parts.length - 1];
                List<TablePlan> match = plans.stream().filter(p -> p.src.name().equals(parts[parts.length - 2])
                        && (parts.length == 2 || p.src.schema().equals(parts[0]))).toList();
                if (match.isEmpty()) {
                    throw ToolException.usage("--group-by '" + spec + "': no such table among the verified tables on both sides");
                }
                for (TablePlan p : match) {
                    if (p.src.column(col) == null) {
                        throw ToolException.usage("--group-by '" + spec + "': " + p.display() + " has no column '" + col + "'");
                    }
                    groupBy(p, col, named);
                }
            }
            return named;
        }

        private void groupBy(TablePlan p, String column, List<String> named) {
            named.add(p.display() + "." + Sql.display(column));
            if (p.tgt.column(column) != null) {
                p.groupColumns.add(column);
            } else {
                missingGroupColumns.add(new Difference(Check.GROUPS.id(), p.display(), "grouping column "
                        + Sql.display(column) + " is missing on target"));
            }
        }

        /** Check 4's differences: the groups each table's results found differing. */
        private void groups(List<TableResult> tables, List<String> groupColumns) {
            differences.addAll(missingGroupColumns);
            int n = 0;
            for (TableResult t : tables) {
                for (GroupResult r : Objects.requireNonNullElse(t.groups(), List.<GroupResult>of())) {
                    n++;
                    if (r.differingGroups() == 0) continue;
                    String obj = t.table() + "." + r.column();
                    diff(Check.GROUPS, obj, r.differingGroups() + " of " + Math.max(r.sourceGroups(), r.targetGroups())
                            + " groups differ (" + r.sourceGroups() + " groups on source, " + r.targetGroups()
                            + " on target)");
                    for (VerifyReport.GroupDiff d : r.examples()) {
                        String vectors = d.sourceVectors() == null ? ""
                                : "; non-NULL " + r.vectorColumn() + ": " + sides(d.sourceVectors(), d.targetVectors());
                        diff(Check.GROUPS, obj, r.column() + " = " + d.value() + ": " + d.sourceRows()
                                + " rows on source, " + d.targetRows() + " on target" + vectors);
                    }
                    if (r.differingGroups() > r.examples().size()) {
                        diff(Check.GROUPS, obj, "... and " + (r.differingGroups() - r.examples().size())
                                + " more groups (raise --max-diffs to list them)");
                    }
                }
            }
            detail.put(Check.GROUPS, n == 0 ? "no grouping column (pass --group-by table.column)"
                    : n + " grouping column(s): " + String.join(", ", groupColumns));
        }
        private List<SequenceResult> sequences() {
            List<SequenceResult> res = Workers.await(workers.onBoth("reading sequences",
                    (s, t) -> SequenceCheck.run(s, t, sc, tc)));
            for (SequenceResult r : res) {
                if (!r.matched()) diff(Check.SEQUENCES, r.sequence(), r.problem());
            }
            detail.put(Check.SEQUENCES, res.size() + " sequence(s) checked");
            return res;
        }

        private VerifyReport build(List<TablePlan> plans, List<TableResult> tables, List<SequenceResult> sequences,
                                   List<AnnResult> ann, boolean recordHash) {
            List<CheckResult> checks = new ArrayList<>();
            for (Check c : Check.values()) {
                boolean found = differences.stream().anyMatch(d -> d.check().equals(c.id()));
                Status st = o.skip().contains(c.id()) ? Status.skipped : !o.runs(c) ? Status.off
                        : found ? Status.failed : Status.passed;
                String det = switch (st) {
                    case skipped -> "skipped (--skip " + c.id() + ")";
                    case off -> "off (--ann-queries N turns it on)";
                    default -> detail.getOrDefault(c, "");
                };
                checks.add(new CheckResult(c.id(), c.title(), st, det));
            }
            boolean passed = differences.isEmpty();
            double secs = Duration.between(started, Instant.now()).toMillis() / 1000.0;
            List<String> failed = checks.stream().filter(c -> c.status() == Status.failed).map(CheckResult::check)
                    .toList();
            String summary = passed ? plans.size() + " table(s) on both sides match on every check that ran"
                    : differences.size() + " difference(s) found by " + failed.size() + " check(s): "
                    + String.join(", ", failed);
            return new VerifyReport(passed, summary,
                    new Endpoint(o.source().display(), source.identity.version(), sc.extensions().get("vector")),
                    new Endpoint(o.target().display(), target.identity.version(), tc.extensions().get("vector")),
                    o.tables().describe(), started, secs, recordHash ? "hash_record_extended" : "hashtextextended(row::text)",
                    checks, List.copyOf(differences), List.copyOf(notes), tables, sequences, ann);
        }
    }
}
