package io.pgvectormigrate.pipeline;

import io.pgvectormigrate.report.Json;
import io.pgvectormigrate.report.Progress;
import io.pgvectormigrate.verify.ReportFormatter;
import io.pgvectormigrate.verify.VerifyReport;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * What a pipeline run did, for humans (text, Markdown) and machines (JSON): each step with status and timing,
 * rows moved, what verification found, and every resource still alive. Built from the journal, so a resumed
 * run reports the steps earlier attempts did too. Holds no secrets (endpoints are display forms).
 *
 * @param result        verified, differences, failed, stopped, abandoned
 * @param rows          rows on the target per table after the copy (empty when not counted)
 * @param verification  verify's summary and full report (null when verify has not run)
 * @param figures       what steps recorded (engine figures, live-write counts), "step.key" -> value
 * @param resourcesLeft resources the run created that still exist (kept ones, or after a failure)
 * @param next          what the operator can do now, one command or hint per line
 */
public record RunReport(String runId, String command, String result, int exitCode, String message,
                        Instant startedAt, Instant finishedAt, String source, String target,
                        List<StepLine> steps, Map<String, Long> rows, Long rowsMoved, Pipeline.VerifyResult verification,
                        Map<String, String> figures, List<ResourceLine> resourcesLeft, List<String> next) {

    public RunReport {
        rows = rows == null ? Map.of() : new TreeMap<>(rows);
        figures = figures == null ? Map.of() : new LinkedHashMap<>(figures);
        next = next == null ? List.of() : List.copyOf(next);
    }

    /** One step: status from the journal; {@code ranNow} false means an earlier attempt did it. */
    public record StepLine(String step, String status, long millis, int attempts, boolean ranNow, String message) {}

    public record ResourceLine(String kind, String id, Map<String, String> attributes) {
        public ResourceLine {
            attributes = new TreeMap<>(attributes);
        }
    }

    /** @param rows rows per table, or null for what {@link TargetRowCounter} journaled */
    public static RunReport of(Journal journal, Pipeline.Outcome outcome, Map<String, Long> rows,
                               Map<String, String> extraFigures, List<String> next) {
        Journal.Data d = journal.snapshot();
        List<StepLine> steps = d.steps().stream().map(r -> new StepLine(r.step().id(),
                r.status().name().toLowerCase(Locale.ROOT), r.millis(), r.attempts(), outcome.ranNow().contains(r.step()),
                r.message())).toList();
        Pipeline.VerifyResult verification = outcome.verification();
        StepRecord v = journal.step(Step.VERIFY);
        if (verification == null && v.outputs().containsKey("passed")
                && (v.status() == StepStatus.DONE || v.status() == StepStatus.FAILED)) {
            // a verify that failed for another reason (lost connection) found nothing either way
            verification = new Pipeline.VerifyResult("true".equals(v.outputs().get("passed")), v.message(),
                    Pipeline.savedVerifyReport(journal.runDir()).orElse(null));
        }
        Map<String, String> figures = new TreeMap<>();
        for (StepRecord r : d.steps()) r.outputs().forEach((k, value) -> figures.put(r.step() + "." + k, value));
        if (extraFigures != null) figures.putAll(extraFigures);
        List<ResourceLine> left = journal.liveResourcesNewestFirst().stream()
                .map(r -> new ResourceLine(r.kind(), r.id(), r.attributes())).toList();
        if (rows == null) rows = TargetRowCounter.recorded(journal);
        Long moved = rows.isEmpty() ? null : rows.values().stream().mapToLong(Long::longValue).sum();
        String result = outcome.status() == Pipeline.Status.COMPLETED ? "verified"
                : outcome.status().name().toLowerCase(Locale.ROOT);
        return new RunReport(d.runId(), d.command(), result, outcome.exitCode(), outcome.message(), d.createdAt(),
                d.updatedAt(), journal.output(Step.CREDENTIALS, "source").orElse(null),
                journal.output(Step.CREDENTIALS, "target").orElse(null), steps, rows, moved,
                verification, figures, left, next);
    }

    // ---- rendering

    public String toJson() {
        return Json.write(this);
    }

    /** Plain text for stdout. */
    public String toText() {
        StringBuilder sb = new StringBuilder();
        sb.append(command).append(" run ").append(runId).append(": ").append(result.toUpperCase(Locale.ROOT))
                .append(" (exit ").append(exitCode).append(")\n");
        if (message != null) sb.append("  ").append(message).append('\n');
        if (source != null) sb.append("  source: ").append(source).append('\n');
        if (target != null) sb.append("  target: ").append(target).append('\n');
        sb.append('\n');
        String row = "  %-15s %-8s %9s  %s%n";
        sb.append(String.format(Locale.ROOT, row, "step", "status", "time", "notes"));
        for (StepLine s : steps) sb.append(String.format(Locale.ROOT, row, s.step(), s.status(), time(s), notes(s)));
        sb.append('\n');
        if (rowsMoved != null) {
            sb.append("  rows moved: ").append(Progress.count(rowsMoved));
            if (rows.size() > 1) {
                sb.append(rows.entrySet().stream().map(e -> e.getKey() + " " + Progress.count(e.getValue()))
                        .collect(Collectors.joining(", ", " (", ")")));
            }
            sb.append('\n');
        }
        if (verification != null) {
            sb.append("  verification: ").append(verification.passed() ? "PASSED" : "DIFFERENCES").append(": ")
                    .append(verification.summary()).append('\n');
            VerifyReport v = verification.report();
            if (v != null) {
                for (VerifyReport.CheckResult c : v.checks()) {
                    sb.append(String.format(Locale.ROOT, "    %-10s %-8s %s%n", c.check(),
                            c.status() == VerifyReport.Status.failed ? "FAILED" : c.status().name(), c.detail()));
                }
                v.differences().stream().limit(20).forEach(d -> sb.append("    difference [").append(d.check())
                        .append("] ").append(d.object()).append(": ").append(d.message()).append('\n'));
                if (v.differences().size() > 20) {
                    sb.append("    ... ").append(v.differences().size() - 20).append(" more in --format json or --report\n");
                }
            }
        }
        String live = figures.get("migrate.live-writes");
        if (live != null) sb.append("  live writes during the copy: ").append(live).append('\n');
        sb.append("  resources left:").append(resourcesLeft.isEmpty() ? " none" : "").append('\n');
        for (ResourceLine r : resourcesLeft) sb.append("    ").append(describe(r, BRIEF::contains)).append('\n');
        if (!next.isEmpty()) {
            sb.append('\n');
            for (String n : next) sb.append("  next: ").append(n).append('\n');
        }
        return sb.toString();
    }

    /** Markdown for --report FILE.md: the same facts as the text, as tables. */
    public String toMarkdown() {
        StringBuilder sb = new StringBuilder();
        sb.append("# pgvector-migrate ").append(command).append(" run `").append(runId).append("`\n\n");
        sb.append("**Result: ").append(result).append("** (exit ").append(exitCode).append(")");
        if (message != null) sb.append(": ").append(md(message));
        sb.append("\n\n");
        sb.append("| | |\n| --- | --- |\n");
        if (source != null) sb.append("| source | `").append(source).append("` |\n");
        if (target != null) sb.append("| target | `").append(target).append("` |\n");
        sb.append("| started | ").append(startedAt).append(" |\n");
        sb.append("| finished | ").append(finishedAt).append(" |\n");
        if (rowsMoved != null) sb.append("| rows moved | ").append(Progress.count(rowsMoved)).append(" |\n");
        sb.append("\n## Steps\n\n| step | status | time | attempts | notes |\n| --- | --- | ---: | ---: | --- |\n");
        for (StepLine s : steps) {
            sb.append("| ").append(s.step()).append(" | ").append(s.status()).append(" | ").append(time(s))
                    .append(" | ").append(s.attempts()).append(" | ").append(md(notes(s))).append(" |\n");
        }
        if (!rows.isEmpty()) {
            sb.append("\n## Rows on the target\n\n| table | rows |\n| --- | ---: |\n");
            rows.forEach((t, n) -> sb.append("| ").append(t).append(" | ").append(Progress.count(n)).append(" |\n"));
        }
        sb.append("\n## Verification\n\n");
        if (verification == null) {
            sb.append("Not run.\n");
        } else {
            sb.append(verification.passed() ? "**Passed**: " : "**Differences**: ").append(md(verification.summary())).append('\n');
            if (verification.report() != null) {
                // the verifier's own Markdown, one heading level down and without its title
                String body = ReportFormatter.markdown(verification.report());
                body = body.substring(body.indexOf('\n') + 1).replace("\n## ", "\n### ");
                sb.append(body);
            }
        }
        List<String> figs = figureLines();
        if (!figs.isEmpty()) {
            sb.append("\n## Figures\n\n");
            for (String f : figs) sb.append("- ").append(md(f)).append('\n');
        }
        sb.append("\n## Resources left\n\n");
        if (resourcesLeft.isEmpty()) sb.append("None: everything the run created is removed.\n");
        for (ResourceLine r : resourcesLeft) sb.append("- ").append(md(describe(r, k -> true))).append('\n');
        if (!next.isEmpty()) {
            sb.append("\n## Next\n\n");
            for (String n : next) sb.append("- `").append(n).append("`\n");
        }
        return sb.toString();
    }

    private static String time(StepLine s) {
        return s.status().equals("pending") ? "-" : Progress.seconds(Duration.ofMillis(s.millis()));
    }

    private static String notes(StepLine s) {
        String m = s.message() == null ? "" : s.message();
        if (!s.ranNow() && s.status().equals("done")) m = "(earlier attempt) " + m;
        if (s.attempts() > 1) m = m + " [attempts: " + s.attempts() + "]";
        return m.strip();
    }

    /** Figures worth a line: everything but step bookkeeping (endpoints and teardown markers are shown elsewhere). */
    private List<String> figureLines() {
        return figures.entrySet().stream().filter(f -> !(f.getKey().startsWith("credentials.")
                        || f.getKey().startsWith("teardown.") || f.getKey().equals("verify.passed")
                        || f.getKey().startsWith("cutover." + TargetRowCounter.PREFIX)))
                .map(f -> f.getKey() + ": " + f.getValue()).toList();
    }

    /** Resource attributes worth a line on a terminal; the JSON and Markdown reports have them all. */
    private static final java.util.Set<String> BRIEF = java.util.Set.of("dir", "port", "host", "db", "region", "arn");

    /** "kind id (k=v, ...)" with the attributes {@code shown} picks; no parentheses when it picks none. */
    private static String describe(ResourceLine r, Predicate<String> shown) {
        List<String> parts = r.attributes().entrySet().stream().filter(a -> shown.test(a.getKey()))
                .map(a -> a.getKey() + "=" + a.getValue()).toList();
        return r.kind() + " " + r.id() + (parts.isEmpty() ? "" : " (" + String.join(", ", parts) + ")");
    }

    private static String md(String s) {
        return s == null ? "" : s.replace("|", "\\|").replace("\n", " ");
    }
}
