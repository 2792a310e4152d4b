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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

/**
 * Compares a source and a target database, read-only on both, and reports every difference: checks 1-7 of
 * docs/verification.md. Bad input (unreachable, bad password, no such database/schema, a filter matching
 * nothing, pgvector on one side only, both sides the same database) throws ToolException.usage (exit 2).
 */
public final class Verifier {
    /** PostgreSQL 14 added hash_record_extended; older servers fall back to hashing the row's text. */
    private static final int RECORD_HASH_VERSION = 140000;

    private Verifier() {}

    /** Runs every check not skipped; throws ToolException.usage for bad input (exit 2). */
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
            return new Run(options, progress, source, target, sc, tc, workers, started).execute();
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

    /** Per-table results as they come in. */
    private static final class TableAcc {
        final TablePlan plan;
        Long sourceRows;
        Long targetRows;
        ContentResult content;
        List<VectorResult> vectors;
        final List<GroupResult> groups = new ArrayList<>();

        TableAcc(TablePlan plan) {
            this.plan = plan;
        }

        TableResult build() {
            return new TableResult(plan.display(), plan.src.primaryKey().isEmpty() ? null
                    : plan.src.primaryKey().stream().map(Sql::display).toList(), sourceRows, targetRows, content,
                    vectors, groups.isEmpty() ? null : List.copyOf(groups));
        }
    }

    private static String userSchemas(SideSchema c) {
        return c.schemas().stream().filter(s -> !TableFilter.isSystemSchema(s)).sorted().collect(Collectors.joining(", "));
    }

    /** Verify's part of the one SQL failure rule ({@link SqlErrors}): it changes nothing, so a re-run is always safe. */
    private static final SqlErrors.Advice ADVICE = new SqlErrors.Advice(
            "verify changed nothing; re-run when the database is reachable",
            "grant the user SELECT on every selected table and sequence, or connect as one that has it");

    /** A failed query as the exception verify throws (exit code and one line, by the one rule). */
    static RuntimeException sqlFailure(String role, String what, SQLException e) {
        return SqlErrors.of(role, what, e, ADVICE);
    }

    /** One verification in progress: what it found so far. */
    private record Run(VerifyOptions o, Progress progress, Side source, Side target, SideSchema sc, SideSchema tc,
                       Workers workers, Instant started, List<Difference> differences, List<String> notes,
                       Map<Check, String> detail, List<Difference> missingGroupColumns) {
        Run(VerifyOptions o, Progress progress, Side source, Side target, SideSchema sc, SideSchema tc, Workers workers,
            Instant started) {
            this(o, progress, source, target, sc, tc, workers, started, new ArrayList<>(), new ArrayList<>(),
                    new EnumMap<>(Check.class), new ArrayList<>());
        }

        VerifyReport execute() {
            boolean recordHash = source.identity.versionNum() >= RECORD_HASH_VERSION
                    && target.identity.versionNum() >= RECORD_HASH_VERSION;
            SecureRandom rnd = new SecureRandom();
            long seed1 = rnd.nextLong();
            long seed2 = rnd.nextLong();

            SchemaCompare schema = new SchemaCompare(o.runs(Check.SCHEMA), o.runs(Check.INDEXES), o.runs(Check.EXTENSIONS));
            schema.compare(sc, tc);
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
            Map<String, TableAcc> results = new LinkedHashMap<>();
            for (TablePlan p : plans) results.put(p.src.key(), new TableAcc(p));

            boolean rows = o.runs(Check.ROWS);
            boolean vectors = o.runs(Check.VECTORS);
            boolean content = o.runs(Check.CONTENT);
            boolean groups = o.runs(Check.GROUPS);
            List<String[]> groupSpecs = groups ? groupColumns(plans) : List.of();
            ScanRanges ranges = rows || vectors || content || groups || o.runs(Check.ANN) ? ScanRanges.read(workers, plans) : null;
            List<ContentCheck.Outcome> outs = List.of();
            if (rows || vectors || content || groups) {
                outs = new ContentCheck(workers, ranges, rows, vectors, content, o.chunkRows(), o.maxDiffs(), progress).run(plans);
                for (ContentCheck.Outcome out : outs) record(out, results.get(out.plan.src.key()), rows, vectors, content);
            }
            if (rows) missingTableCounts();
            detail.put(Check.ROWS, plans.size() + " table(s) counted");
            detail.put(Check.VECTORS, plans.stream().mapToInt(p -> p.vectorColumns.size()).sum() + " vector column(s) checked");
            detail.put(Check.CONTENT, plans.size() + " table(s) hashed ("
                    + (recordHash ? "hash_record_extended" : "row text") + ", 64-bit, keyed per run)");

            if (groups) groups(outs, groupSpecs, results);
            List<SequenceResult> sequences = null;
            if (o.runs(Check.SEQUENCES)) sequences = sequences();
            List<AnnResult> ann = null;
            if (o.runs(Check.ANN)) {
                progress.info("ANN parity: " + o.annQueries() + " queries, top " + o.annK());
                ann = AnnCheck.run(workers, ranges, plans, o.annQueries(), o.annK());
                for (AnnResult a : ann) {
                    if (!a.matched()) {
                        differences.add(new Difference(Check.ANN.id(), a.table() + "." + a.column(), a.exactMismatches() + " of "
                                + a.queries() + " exact top-" + a.k() + " answers differ between source and target"));
                    }
                    if (a.note() != null && a.queries() > 0) notes.add(a.table() + "." + a.column() + ": " + a.note());
                }
                detail.put(Check.ANN, ann.size() + " vector column(s), " + o.annQueries() + " queries, k=" + o.annK());
            }
            return build(plans, results, sequences, ann, recordHash);
        }

        private void record(ContentCheck.Outcome out, TableAcc b, boolean rows, boolean vectors, boolean content) {
            TablePlan p = out.plan;
            String name = p.display();
            b.sourceRows = out.sourceRows;
            b.targetRows = out.targetRows;
            if (rows && out.sourceRows != out.targetRows) {
                long d = out.targetRows - out.sourceRows;
                differences.add(new Difference(Check.ROWS.id(), name, "source has " + out.sourceRows + " rows, target "
                        + out.targetRows + " (" + Math.abs(d) + (d < 0 ? " fewer" : " more") + ")"));
            }
            if (vectors) {
                List<VectorResult> vr = new ArrayList<>();
                for (int i = 0; i < p.vectorColumns.size(); i++) {
                    String col = p.vectorColumns.get(i);
                    SideSchema.Column c = p.src.column(col);
                    VectorStats s = out.stats(0, i);
                    VectorStats t = out.stats(1, i);
                    boolean ok = s.equals(t) && s.offDeclared() == 0 && t.offDeclared() == 0;
                    vr.add(new VectorResult(Sql.display(col), c.type(), c.declaredDims() > 0 ? c.declaredDims() : null, s, t, ok));
                    String obj = name + "." + Sql.display(col);
                    if (s.nulls() != t.nulls()) {
                        differences.add(new Difference(Check.VECTORS.id(), obj, "NULL vectors: " + s.nulls() + " on source, "
                                + t.nulls() + " on target"));
                    }
                    if (s.nonNull() != t.nonNull()) {
                        differences.add(new Difference(Check.VECTORS.id(), obj, "non-NULL vectors: " + s.nonNull()
                                + " on source, " + t.nonNull() + " on target"));
                    }
                    if (t.offDeclared() > 0 || s.offDeclared() > 0) {
                        differences.add(new Difference(Check.VECTORS.id(), obj, "vectors whose dimension is not the declared "
                                + c.declaredDims() + ": " + s.offDeclared() + " on source, " + t.offDeclared() + " on target"));
                    }
                    if (!java.util.Objects.equals(s.minDims(), t.minDims()) || !java.util.Objects.equals(s.maxDims(), t.maxDims())) {
                        differences.add(new Difference(Check.VECTORS.id(), obj, "dimensions " + dims(s) + " on source, "
                                + dims(t) + " on target"));
                    }
                }
                b.vectors = vr;
            }
            if (content || (rows && p.hasPk())) {
                long diffs = out.missing + out.extra + out.changed;
                boolean matched = out.differingChunks == 0;
                ContentResult cr = new ContentResult(p.hasPk() ? "key-hash buckets" : "whole-table hash",
                        content ? p.hashed.size() : 0, p.notCompared.isEmpty() ? null : List.copyOf(p.notCompared),
                        out.chunks, out.differingChunks, out.missing, out.extra, out.changed, matched, out.examples());
                b.content = cr;
                if (!matched) {
                    String check = content ? Check.CONTENT.id() : Check.ROWS.id();
                    StringBuilder m = new StringBuilder();
                    if (diffs == 0 && !p.hasPk()) {
                        m.append("whole-table hash differs (no primary key to name rows)");
                    } else {
                        List<String> parts = new ArrayList<>();
                        if (out.missing > 0) parts.add(out.missing + " missing on target");
                        if (out.extra > 0) parts.add(out.extra + " extra on target");
                        if (out.changed > 0) parts.add(out.changed + " changed");
                        m.append(diffs == 0 ? "chunk aggregates differ but no row differs (rows changed during the scan?)"
                                : String.join(", ", parts));
                    }
                    differences.add(new Difference(check, name, m.toString()));
                    for (VerifyReport.RowDiff d : out.examples()) {
                        differences.add(new Difference(check, name, d.kind() + ": " + d.key()
                                + (d.columns() == null || d.columns().isEmpty() ? "" : " (columns: "
                                + String.join(", ", d.columns().stream().map(Sql::display).toList()) + ")")));
                    }
                    if (diffs > out.examples().size()) {
                        differences.add(new Difference(check, name, "... and " + (diffs - out.examples().size())
                                + " more (raise --max-diffs to list them)"));
                    }
                } else if (content && !p.notCompared.isEmpty()) {
                    notes.add(name + ": content compared without " + String.join(", ", p.notCompared));
                }
            }
        }

        private static String dims(VectorStats s) {
            if (s.minDims() == null) return "(none)";
            return s.minDims().equals(s.maxDims()) ? String.valueOf(s.minDims()) : s.minDims() + ".." + s.maxDims();
        }

        /** Row counts of tables that exist on one side only, so the report says how much is missing. */
        private void missingTableCounts() {
            // cheap count(*) in the snapshot; no hashing
            for (Table st : sc.tables().values()) {
                if (!tc.tables().containsKey(st.key())) {
                    long n = Workers.await(workers.on(true, "counting " + st.display(), c -> ContentCheck.count(c, st)));
                    differences.add(new Difference(Check.ROWS.id(), st.display(), "missing on target; source has " + n + " rows"));
                }
            }
        }

        /**
         * The grouping columns of check 4 (--group-by), each put on its table's plan so the content pass counts its
         * groups; a column missing on one side is a difference instead, reported with the group counts.
         */
        private List<String[]> groupColumns(List<TablePlan> plans) {
            List<String[]> specs = groupSpecs(plans);
            for (String[] g : specs) {
                for (TablePlan p : plans) {
                    if (!p.src.schema().equals(g[0]) || !p.src.name().equals(g[1])) continue;
                    if (p.tgt.column(g[2]) != null && p.src.column(g[2]) != null) {
                        p.groupColumns.add(g[2]);
                    } else {
                        missingGroupColumns.add(new Difference(Check.GROUPS.id(), p.display(), "grouping column " + Sql.display(g[2])
                                + " is missing on " + (p.src.column(g[2]) == null ? "source" : "target")));
                    }
                }
            }
            return specs;
        }

        private void groups(List<ContentCheck.Outcome> outs, List<String[]> specs, Map<String, TableAcc> results) {
            differences.addAll(missingGroupColumns);
            int n = 0;
            for (ContentCheck.Outcome out : outs) {
                TablePlan p = out.plan;
                String vec = p.vectorColumns.isEmpty() ? null : p.vectorColumns.get(0);
                for (int i = 0; i < p.groupColumns.size(); i++) {
                    GroupResult r = GroupCheck.compare(p.groupColumns.get(i), vec, out.sides[0].groups.get(i),
                            out.sides[1].groups.get(i), o.maxDiffs());
                    results.get(p.src.key()).groups.add(r);
                    n++;
                    if (r.differingGroups() == 0) continue;
                    String obj = p.display() + "." + r.column();
                    differences.add(new Difference(Check.GROUPS.id(), obj, r.differingGroups() + " of "
                            + Math.max(r.sourceGroups(), r.targetGroups()) + " groups differ (" + r.sourceGroups()
                            + " groups on source, " + r.targetGroups() + " on target)"));
                    for (VerifyReport.GroupDiff d : r.examples()) {
                        String vectors = d.sourceVectors() == null ? "" : "; non-NULL " + r.vectorColumn() + ": "
                                + d.sourceVectors() + " on source, " + d.targetVectors() + " on target";
                        differences.add(new Difference(Check.GROUPS.id(), obj, r.column() + " = " + d.value() + ": "
                                + d.sourceRows() + " rows on source, " + d.targetRows() + " on target" + vectors));
                    }
                    if (r.differingGroups() > r.examples().size()) {
                        differences.add(new Difference(Check.GROUPS.id(), obj, "... and "
                                + (r.differingGroups() - r.examples().size()) + " more groups (raise --max-diffs to list them)"));
                    }
                }
            }
            detail.put(Check.GROUPS, n == 0 ? "no grouping column (pass --group-by table.column)" : n + " grouping column(s): "
                    + String.join(", ", specs.stream().map(g -> Sql.display(g[0], g[1]) + "." + Sql.display(g[2])).toList()));
        }

        /** --group-by entries resolved to (schema, table, column); items.botid by default when it exists. */
        private List<String[]> groupSpecs(List<TablePlan> plans) {
            List<String[]> out = new ArrayList<>();
            List<String> specs = o.groupBy();
            if (specs.size() == 1 && specs.get(0).equalsIgnoreCase("none")) return out;
            if (specs.isEmpty()) {
                for (TablePlan p : plans) {
                    if (p.src.name().equals("items") && p.src.column("botid") != null) {
                        out.add(new String[]{p.src.schema(), "items", "botid"});
                    }
                }
                return out;
            }
            for (String spec : specs) {
                String[] parts = spec.split("\\.");
                List<TablePlan> match;
                String col;
                if (parts.length == 3) {
                    match = plans.stream().filter(p -> p.src.schema().equals(parts[0]) && p.src.name().equals(parts[1])).toList();
                    col = parts[2];
                } else if (parts.length == 2) {
                    match = plans.stream().filter(p -> p.src.name().equals(parts[0])).toList();
                    col = parts[1];
                } else {
                    throw ToolException.usage("--group-by '" + spec + "' should be table.column or schema.table.column");
                }
                if (match.isEmpty()) {
                    throw ToolException.usage("--group-by '" + spec + "': no such table among the verified tables on both sides");
                }
                for (TablePlan p : match) {
                    if (p.src.column(col) == null) {
                        throw ToolException.usage("--group-by '" + spec + "': " + p.display() + " has no column '" + col + "'");
                    }
                    out.add(new String[]{p.src.schema(), p.src.name(), col});
                }
            }
            return out;
        }

        private List<SequenceResult> sequences() {
            List<SequenceResult> res = Workers.await(workers.onBoth("reading sequences",
                    (s, t) -> SequenceCheck.run(s, t, sc, tc)));
            for (SequenceResult r : res) {
                if (!r.matched()) differences.add(new Difference(Check.SEQUENCES.id(), r.sequence(), r.problem()));
            }
            detail.put(Check.SEQUENCES, res.size() + " sequence(s) checked");
            return res;
        }

        private VerifyReport build(List<TablePlan> plans, Map<String, TableAcc> results,
                                   List<SequenceResult> sequences, List<AnnResult> ann, boolean recordHash) {
            List<CheckResult> checks = new ArrayList<>();
            Set<String> skipped = o.skippedIds();
            for (Check c : Check.values()) {
                long n = differences.stream().filter(d -> d.check().equals(c.id())).count();
                Status st;
                String det;
                if (skipped.contains(c.id())) {
                    st = Status.skipped;
                    det = "skipped (--skip " + c.id() + ")";
                } else if (c == Check.ANN && o.annQueries() == 0) {
                    st = Status.off;
                    det = "off (--ann-queries N turns it on)";
                } else {
                    st = n == 0 ? Status.passed : Status.failed;
                    det = detail.getOrDefault(c, "");
                }
                checks.add(new CheckResult(c.id(), c.title(), st, det));
            }
            boolean passed = differences.isEmpty();
            double secs = Duration.between(started, Instant.now()).toMillis() / 1000.0;
            long failedChecks = checks.stream().filter(c -> c.status() == Status.failed).count();
            String summary = passed
                    ? plans.size() + " table(s) on both sides match on every check that ran"
                    : differences.size() + " difference(s) found by " + failedChecks + " check(s): " + String.join(", ",
                    checks.stream().filter(c -> c.status() == Status.failed).map(CheckResult::check).toList());
            List<TableResult> tables = new ArrayList<>();
            for (TableAcc b : results.values()) tables.add(b.build());
            return new VerifyReport(passed, summary,
                    new Endpoint(o.source().display(), source.identity.version(), sc.extensions().get("vector")),
                    new Endpoint(o.target().display(), target.identity.version(), tc.extensions().get("vector")),
                    o.tables().describe(), started, secs, recordHash ? "hash_record_extended" : "hashtextextended(row::text)",
                    checks, List.copyOf(differences), List.copyOf(notes), tables, sequences, ann);
        }
    }
}
