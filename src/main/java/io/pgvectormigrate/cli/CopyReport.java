package io.pgvectormigrate.cli;

import io.pgvectormigrate.pipeline.CopyEngine;
import io.pgvectormigrate.pipeline.Step;
import io.pgvectormigrate.report.Json;
import io.pgvectormigrate.report.Progress;
import io.pgvectormigrate.run.Standalone;
import io.pgvectormigrate.run.StandardStages;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** What migrate and cutover print once their pass succeeded: each copy step's result, then what to do next. */
final class CopyReport {
    private CopyReport() {}

    /**
     * @param first the first copy step the command ran (migrate, or cutover/teardown)
     * @param next  lines for the operator ("next: ..."), printed as they are
     */
    static void print(CliContext ctx, CommonOptions common, Standalone.Result r, Step first, List<String> next) {
        Map<Step, CopyEngine.Result> results = r.outcome().results();
        CopyEngine.Result lead = results.get(first);
        List<String> deferred = StandardStages.deferredIndexes(r.journal());
        if (common.json()) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("runId", r.runId());
            doc.put("engine", r.engine());
            doc.put("summary", lead == null ? r.outcome().message() : lead.summary());
            for (Step s : List.of(Step.MIGRATE, Step.CUTOVER, Step.TEARDOWN)) {
                if (results.containsKey(s)) doc.put(s.id(), results.get(s));
            }
            if (results.containsKey(Step.MIGRATE)) doc.put("deferredIndexes", deferred);
            if (!next.isEmpty()) doc.put("next", next);
            ctx.out().println(Json.write(doc));
            return;
        }
        for (Step s : List.of(Step.MIGRATE, Step.CUTOVER)) {
            if (!results.containsKey(s)) continue;
            print(ctx.out(), r.runId(), results.get(s));
            if (s == Step.MIGRATE && !deferred.isEmpty()) {
                ctx.out().println("  indexes deferred during the load and built after it: " + String.join(", ", deferred));
            }
        }
        next.forEach(ctx.out()::println);
    }

    /** A copy step's result for humans: the summary, each table, the sequences carried, or the figures. */
    private static void print(PrintWriter out, String runId, CopyEngine.Result r) {
        out.println("run " + runId + ": " + r.summary());
        if (r instanceof CopyEngine.Migrated m && m.tables().stream().anyMatch(t -> t.rows() >= 0)) {
            for (CopyEngine.TableCopy t : m.tables()) {
                out.printf(Locale.ROOT, "  %-40s %,14d rows %12s%n", t.table(), t.rows(), Progress.bytes(t.bytes()));
            }
        } else if (!(r instanceof CopyEngine.CutOver)) {
            r.figures().forEach((k, v) -> out.printf(Locale.ROOT, "  %-18s %s%n", k, v));
        }
        List<String> sequences = r instanceof CopyEngine.Migrated m ? m.sequences()
                : r instanceof CopyEngine.CutOver c ? c.sequences() : List.of();
        if (!sequences.isEmpty()) out.println("  sequences carried: " + String.join(", ", sequences));
    }
}
