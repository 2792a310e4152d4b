package io.pgvectormigrate.verify;

import io.pgvectormigrate.verify.VerifyReport.CheckResult;
import io.pgvectormigrate.verify.VerifyReport.Difference;
import io.pgvectormigrate.verify.VerifyReport.Endpoint;
import io.pgvectormigrate.verify.VerifyReport.TableResult;

import java.util.List;
import java.util.Locale;

/** Renders a {@link VerifyReport} for a terminal (text) and for a change ticket (Markdown). */
public final class ReportFormatter {
    private ReportFormatter() {}

    public static String text(VerifyReport r) {
        StringBuilder sb = new StringBuilder();
        sb.append("source: ").append(endpoint(r.source())).append('\n');
        sb.append("target: ").append(endpoint(r.target())).append('\n');
        sb.append("tables: ").append(r.tables()).append(" (").append(r.tableResults().size()).append(" on both sides)\n\n");
        sb.append(String.format(Locale.ROOT, "%-11s %-8s %s%n", "CHECK", "RESULT", "DETAILS"));
        for (CheckResult c : r.checks()) {
            sb.append(String.format(Locale.ROOT, "%-11s %-8s %s%n", c.check(),
                    c.status() == VerifyReport.Status.failed ? "FAILED" : c.status().name(), c.detail()));
        }
        if (!r.tableResults().isEmpty()) {
            int w = Math.max(5, r.tableResults().stream().mapToInt(t -> t.table().length()).max().orElse(5));
            sb.append('\n').append(String.format(Locale.ROOT, "%-" + w + "s  %25s  %s%n", "TABLE", "ROWS SOURCE / TARGET", "CONTENT"));
            for (TableResult t : r.tableResults()) {
                String rows = num(t.sourceRows()) + " / " + num(t.targetRows());
                sb.append(String.format(Locale.ROOT, "%-" + w + "s  %25s  %s%n", t.table(), rows, content(t)));
            }
        }
        if (!r.differences().isEmpty()) {
            sb.append("\nDifferences:\n");
            for (Difference d : r.differences()) {
                sb.append("  [").append(d.check()).append("] ").append(d.object()).append(": ").append(d.message()).append('\n');
            }
        }
        if (!r.notes().isEmpty()) {
            sb.append("\nNotes:\n");
            for (String n : r.notes()) sb.append("  ").append(n).append('\n');
        }
        if (r.ann() != null && !r.ann().isEmpty()) {
            sb.append("\nANN parity:\n");
            for (VerifyReport.AnnResult a : r.ann()) sb.append("  ").append(ann(a)).append('\n');
        }
        sb.append('\n').append(r.passed() ? "PASSED" : "FAILED").append(": ").append(r.summary())
                .append(String.format(Locale.ROOT, " (%.1f s)%n", r.seconds()));
        return sb.toString();
    }

    public static String markdown(VerifyReport r) {
        StringBuilder sb = new StringBuilder();
        sb.append("# pgvector-migrate verification: ").append(r.passed() ? "PASSED" : "FAILED").append("\n\n");
        sb.append("| | |\n| --- | --- |\n");
        sb.append("| Source | `").append(r.source().connection()).append("` (PostgreSQL ").append(r.source().serverVersion())
                .append(r.source().pgvectorVersion() == null ? "" : ", pgvector " + r.source().pgvectorVersion()).append(") |\n");
        sb.append("| Target | `").append(r.target().connection()).append("` (PostgreSQL ").append(r.target().serverVersion())
                .append(r.target().pgvectorVersion() == null ? "" : ", pgvector " + r.target().pgvectorVersion()).append(") |\n");
        sb.append("| Tables | ").append(esc(r.tables())).append(" (").append(r.tableResults().size()).append(" on both sides) |\n");
        sb.append("| Started | ").append(r.startedAt()).append(" |\n");
        sb.append("| Duration | ").append(String.format(Locale.ROOT, "%.1f s", r.seconds())).append(" |\n");
        sb.append("| Row hash | ").append(r.hashMethod()).append(", 64-bit, keyed per run |\n");
        sb.append("| Result | **").append(esc(r.summary())).append("** |\n\n");
        sb.append("## Checks\n\n| Check | Result | Details |\n| --- | --- | --- |\n");
        for (CheckResult c : r.checks()) {
            sb.append("| ").append(c.check()).append(" | ").append(c.status() == VerifyReport.Status.failed ? "**FAILED**" : c.status().name())
                    .append(" | ").append(esc(c.detail())).append(" |\n");
        }
        if (!r.tableResults().isEmpty()) {
            sb.append("\n## Tables\n\n| Table | Rows (source) | Rows (target) | Content |\n| --- | ---: | ---: | --- |\n");
            for (TableResult t : r.tableResults()) {
                sb.append("| ").append(esc(t.table())).append(" | ").append(num(t.sourceRows())).append(" | ")
                        .append(num(t.targetRows())).append(" | ").append(esc(content(t))).append(" |\n");
            }
        }
        if (!r.differences().isEmpty()) {
            sb.append("\n## Differences\n\n| Check | Object | Difference |\n| --- | --- | --- |\n");
            for (Difference d : r.differences()) {
                sb.append("| ").append(d.check()).append(" | ").append(esc(d.object())).append(" | ").append(esc(d.message())).append(" |\n");
            }
        }
        if (r.sequences() != null && !r.sequences().isEmpty()) {
            sb.append("\n## Sequences\n\n| Sequence | Feeds | Next on source | Next on target | Column max on target | Result |\n")
                    .append("| --- | --- | ---: | ---: | ---: | --- |\n");
            for (VerifyReport.SequenceResult s : r.sequences()) {
                sb.append("| ").append(esc(s.sequence())).append(" | ").append(esc(s.ownedBy() == null ? "" : s.ownedBy()))
                        .append(" | ").append(num(s.sourceNext())).append(" | ").append(num(s.targetNext())).append(" | ")
                        .append(s.targetColumnMax() == null ? "" : s.targetColumnMax()).append(" | ")
                        .append(s.matched() ? "ok" : "**" + esc(s.problem()) + "**").append(" |\n");
            }
        }
        if (r.ann() != null && !r.ann().isEmpty()) {
            sb.append("\n## ANN parity\n\n");
            for (VerifyReport.AnnResult a : r.ann()) sb.append("- ").append(esc(ann(a))).append('\n');
        }
        if (!r.notes().isEmpty()) {
            sb.append("\n## Notes\n\n");
            for (String n : r.notes()) sb.append("- ").append(esc(n)).append('\n');
        }
        sb.append("\nGenerated by `pgvector-migrate verify`. Connections are shown without passwords.\n");
        return sb.toString();
    }

    private static String endpoint(Endpoint e) {
        return e.connection() + " (PostgreSQL " + e.serverVersion()
                + (e.pgvectorVersion() == null ? ", no pgvector" : ", pgvector " + e.pgvectorVersion()) + ")";
    }

    private static String num(Long n) {
        return n == null ? "-" : String.format(Locale.ROOT, "%,d", n);
    }

    private static String content(TableResult t) {
        VerifyReport.ContentResult c = t.content();
        if (c == null) return "-";
        if (c.matched()) return "match (" + c.method() + ")";
        long n = c.missingOnTarget() + c.extraOnTarget() + c.changed();
        if (n == 0) return "DIFFERS (" + c.method() + ")";
        return "DIFFERS: " + String.join(", ", List.of(
                c.missingOnTarget() > 0 ? c.missingOnTarget() + " missing" : "",
                c.extraOnTarget() > 0 ? c.extraOnTarget() + " extra" : "",
                c.changed() > 0 ? c.changed() + " changed" : "").stream().filter(s -> !s.isEmpty()).toList());
    }

    private static String ann(VerifyReport.AnnResult a) {
        StringBuilder sb = new StringBuilder(a.table() + "." + a.column());
        if (a.queries() == 0) return sb.append(": ").append(a.note()).toString();
        sb.append(": ").append(a.queries()).append(" queries (").append(a.operator()).append("), exact top-").append(a.k())
                .append(a.exactMismatches() == 0 ? " identical on both sides" : " differs for " + a.exactMismatches());
        if (a.sourceRecall() != null || a.targetRecall() != null) {
            sb.append("; recall@").append(a.k()).append(" source ").append(a.sourceRecall() == null ? "n/a (no index)" : a.sourceRecall()
                    + " via " + a.sourceIndex()).append(", target ")
                    .append(a.targetRecall() == null ? "n/a (no index)" : a.targetRecall() + " via " + a.targetIndex());
        }
        if (a.note() != null) sb.append(" (").append(a.note()).append(")");
        return sb.toString();
    }

    private static String esc(String s) {
        return s == null ? "" : s.replace("|", "\\|").replace("\n", " ");
    }
}
