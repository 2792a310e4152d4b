package io.pgvectormigrate.aws.dms;

import io.pgvectormigrate.core.Durations;
import io.pgvectormigrate.pg.Catalog;
import io.pgvectormigrate.pg.Queries;
import io.pgvectormigrate.pg.Sql;
import io.pgvectormigrate.pg.TableId;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a DMS run costs against re-embedding everything the way the upgrade guide's default path does (one
 * Fargate task per bot re-chunking and re-embedding through Bedrock). The sizes are measured on the source;
 * every price and rate is an input the operator takes from the pricing pages of their region: nothing here is
 * a price. The result carries the formula with the numbers filled in, so the report shows how it was reached.
 * The formula and where each input comes from: docs/runbook-bedrock-chat-v0-v1.md, "What the run costs".
 */
public final class CostEstimate {
    private CostEstimate() {}

    /** Sizes measured on the source. */
    public record Measured(long rows, long bytes, long groups, long textChars) {}

    /**
     * The {@code cost:} inputs the runbook's table explains (Fargate's vcpuPerHour and gbPerHour, throughput in bytes);
     * a null price leaves that side's cost unknown (the hours and tokens are still shown).
     */
    public record Prices(Double dmsPerHour, Duration dmsStartup, double dmsBytesPerSecond, Double embedPer1kTokens,
                         double charsPerToken, Double vcpuPerHour, Double gbPerHour, double taskVcpu, double taskMemoryGb,
                         double taskHoursPerBot, Double acuPerHour, double temporaryClusterAcu, double restoreAndVerifyHours) {
        public Prices {
            if (dmsStartup == null) dmsStartup = Duration.ofMinutes(15);
            if (dmsBytesPerSecond <= 0) throw new IllegalArgumentException("throughput must be positive");
            if (charsPerToken <= 0) throw new IllegalArgumentException("characters per token must be positive");
        }
    }

    /**
     * The {@code cost:} section of migration.yaml. Prices have no defaults (take them from your region's pricing
     * pages); {@code charsPerToken} defaults to 4 and {@code dmsStartup} to 15m, both assumptions shown in the formula.
     */
    public record Config(Double dmsPerHour, String dmsStartup, Double dmsMegabytesPerSecond, Double embedPer1kTokens,
                         Double charsPerToken, Double fargateVcpuPerHour, Double fargateGbPerHour, Double taskVcpu,
                         Double taskMemoryGb, Double taskHoursPerBot, Double acuPerHour, Double temporaryClusterAcu,
                         Double restoreAndVerifyHours) {
        /** The prices, or the keys still missing (then the report says the estimate was skipped and why). */
        public Prices toPrices() {
            List<String> missing = new ArrayList<>();
            if (dmsMegabytesPerSecond == null) missing.add("cost.dmsMegabytesPerSecond");
            if (taskVcpu == null) missing.add("cost.taskVcpu");
            if (taskMemoryGb == null) missing.add("cost.taskMemoryGb");
            if (taskHoursPerBot == null) missing.add("cost.taskHoursPerBot");
            if (temporaryClusterAcu == null) missing.add("cost.temporaryClusterAcu");
            if (restoreAndVerifyHours == null) missing.add("cost.restoreAndVerifyHours");
            if (!missing.isEmpty()) {
                throw io.pgvectormigrate.core.ToolException.usage("cost estimate needs " + String.join(", ", missing)
                        + " in migration.yaml (see docs/runbook-bedrock-chat-v0-v1.md, \"What the run costs\")");
            }
            return new Prices(dmsPerHour, dmsStartup == null ? null : Durations.parse(dmsStartup, "cost.dmsStartup"),
                    dmsMegabytesPerSecond * 1_000_000, embedPer1kTokens, charsPerToken == null ? 4.0 : charsPerToken,
                    fargateVcpuPerHour, fargateGbPerHour, taskVcpu, taskMemoryGb, taskHoursPerBot, acuPerHour,
                    temporaryClusterAcu, restoreAndVerifyHours);
        }
    }

    public record Estimate(double dmsHours, Double dmsCost, double clusterHours, Double clusterCost, Double toolPathCost,
                           double tokens, Double embeddingCost, double ecsTaskHours, Double ecsCost, Double reembeddingCost,
                           List<String> formula) {}

    /**
     * Measures the selected tables, and for the table holding the chunks the number of groups (bots) and the
     * characters of text (Bedrock Chat: items.botid and items.content).
     */
    public static Measured measure(Connection c, Catalog.Selection selection, TableId chunkTable,
                                   String groupColumn, String textColumn) throws SQLException {
        long rows = 0;
        long bytes = 0;
        for (TableId t : selection.roots()) rows += Catalog.rowCount(c, t);
        // sizes live in the leaves: a partitioned table has no storage of its own
        for (Catalog.Relation leaf : selection.leaves()) {
            bytes += Queries.number(c, "SELECT pg_total_relation_size(?::regclass)", leaf.id().sql());
        }
        long groups = 0;
        long chars = 0;
        if (chunkTable != null && selection.roots().contains(chunkTable)) {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                    "SELECT count(DISTINCT " + Sql.ident(groupColumn) + "), coalesce(sum(length(" + Sql.ident(textColumn)
                            + ")), 0) FROM " + chunkTable.sql())) {
                rs.next();
                groups = rs.getLong(1);
                chars = rs.getLong(2);
            }
        }
        return new Measured(rows, bytes, groups, chars);
    }

    public static Estimate estimate(Measured m, Prices p) {
        List<String> f = new ArrayList<>();
        double dmsHours = p.dmsStartup().toSeconds() / 3600.0 + m.bytes() / p.dmsBytesPerSecond() / 3600.0;
        f.add(String.format(Locale.ROOT, "DMS hours = %.2f h startup + %s / %s/s = %.2f h", p.dmsStartup().toSeconds() / 3600.0,
                bytes(m.bytes()), bytes((long) p.dmsBytesPerSecond()), dmsHours));
        Double dmsCost = p.dmsPerHour() == null ? null : dmsHours * p.dmsPerHour();
        f.add(dmsCost == null ? "DMS cost = unknown (no DMS hourly price given)"
                : String.format(Locale.ROOT, "DMS cost = %.2f h x %s/h = %s", dmsHours, money(p.dmsPerHour()), money(dmsCost)));
        double clusterHours = dmsHours + p.restoreAndVerifyHours();
        Double clusterCost = p.acuPerHour() == null ? null : clusterHours * p.temporaryClusterAcu() * p.acuPerHour();
        f.add(clusterCost == null ? String.format(Locale.ROOT, "cluster hours = %.2f + %.2f = %.2f h; cost unknown (no ACU-hour price given)",
                dmsHours, p.restoreAndVerifyHours(), clusterHours)
                : String.format(Locale.ROOT, "cluster cost = (%.2f + %.2f) h x %.1f ACU x %s = %s", dmsHours, p.restoreAndVerifyHours(),
                p.temporaryClusterAcu(), money(p.acuPerHour()), money(clusterCost)));
        Double toolPath = dmsCost == null || clusterCost == null ? null : dmsCost + clusterCost;
        if (toolPath != null) f.add("tool path = " + money(dmsCost) + " + " + money(clusterCost) + " = " + money(toolPath));
        double tokens = m.textChars() / p.charsPerToken();
        f.add(String.format(Locale.ROOT, "tokens = %,d characters / %.1f = %,.0f", m.textChars(), p.charsPerToken(), tokens));
        Double embed = p.embedPer1kTokens() == null ? null : tokens / 1000.0 * p.embedPer1kTokens();
        f.add(embed == null ? "embedding cost = unknown (no Bedrock price per 1,000 tokens given)"
                : String.format(Locale.ROOT, "embedding cost = %,.0f / 1000 x %s = %s", tokens, money(p.embedPer1kTokens()), money(embed)));
        double taskHours = m.groups() * p.taskHoursPerBot();
        f.add(String.format(Locale.ROOT, "ECS task-hours = %d bots x %.2f h = %.2f", m.groups(), p.taskHoursPerBot(), taskHours));
        Double ecs = p.vcpuPerHour() == null || p.gbPerHour() == null ? null
                : taskHours * (p.taskVcpu() * p.vcpuPerHour() + p.taskMemoryGb() * p.gbPerHour());
        f.add(ecs == null ? "ECS cost = unknown (no Fargate prices given)"
                : String.format(Locale.ROOT, "ECS cost = %.2f x (%.2f vCPU x %s + %.1f GB x %s) = %s", taskHours, p.taskVcpu(),
                money(p.vcpuPerHour()), p.taskMemoryGb(), money(p.gbPerHour()), money(ecs)));
        Double reembed = embed == null || ecs == null ? null : embed + ecs;
        if (reembed != null) f.add("re-embedding = " + money(embed) + " + " + money(ecs) + " = " + money(reembed));
        return new Estimate(dmsHours, dmsCost, clusterHours, clusterCost, toolPath, tokens, embed, taskHours, ecs, reembed, List.copyOf(f));
    }

    private static String money(double v) {
        return String.format(Locale.ROOT, v != 0 && Math.abs(v) < 0.01 ? "$%.4f" : "$%.2f", v);
    }

    private static String bytes(long b) {
        if (b >= 1L << 30) return String.format(Locale.ROOT, "%.1f GiB", b / (double) (1L << 30));
        if (b >= 1L << 20) return String.format(Locale.ROOT, "%.1f MiB", b / (double) (1L << 20));
        if (b >= 1L << 10) return String.format(Locale.ROOT, "%.1f KiB", b / 1024.0);
        return b + " B";
    }
}
