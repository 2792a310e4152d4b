package io.pgvectormigrate.verify;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.time.Instant;
import java.util.List;

/**
 * The result of a verification: per check, per table, and every difference found. Serialized as is for
 * {@code --format json}; {@link ReportFormatter} renders text and Markdown from it. Holds no secrets.
 *
 * @param passed      true when no check that ran found a difference
 * @param summary     one line for humans and logs
 * @param checks      one entry per check, in order, including skipped ones
 * @param differences everything that makes the verification fail, one line each
 * @param notes       things worth knowing that do not fail it (e.g. an index with another name)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record VerifyReport(boolean passed, String summary, Endpoint source, Endpoint target, String tables,
                           Instant startedAt, double seconds, String hashMethod, List<CheckResult> checks,
                           List<Difference> differences, List<String> notes, List<TableResult> tableResults,
                           List<SequenceResult> sequences, List<AnnResult> ann) {

    /** A side as reports show it: the connection without its password, and versions. */
    public record Endpoint(String connection, String serverVersion, String pgvectorVersion) {}

    public enum Status { passed, failed, skipped, off }

    public record CheckResult(String check, String title, Status status, String detail) {}

    /** One difference: which check, on which object, and what an operator should know. */
    public record Difference(String check, String object, String message) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record TableResult(String table, List<String> primaryKey, Long sourceRows, Long targetRows,
                              ContentResult content, List<VectorResult> vectors, List<GroupResult> groups) {}

    /**
     * @param method            "key-hash buckets" or "whole-table hash" (no primary key)
     * @param columnsNotCompared columns left out of the hash, with the reason
     * @param examples          up to --max-diffs differing rows; the counts are totals
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ContentResult(String method, int columnsCompared, List<String> columnsNotCompared, long chunks,
                                long differingChunks, long missingOnTarget, long extraOnTarget, long changed,
                                boolean matched, List<RowDiff> examples) {}

    /** kind: missing (on target), extra (on target), changed; key renders the primary key (or ctid). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record RowDiff(String kind, String key, List<String> columns) {}

    public record VectorStats(long nonNull, long nulls, long offDeclared, Integer minDims, Integer maxDims) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record VectorResult(String column, String type, Integer declaredDims, VectorStats source,
                               VectorStats target, boolean matched) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record GroupResult(String column, String vectorColumn, long sourceGroups, long targetGroups,
                              long differingGroups, List<GroupDiff> examples) {}

    /** Counts of one group value; vectors = non-NULL vectors in the group (null when the table has none). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record GroupDiff(String value, long sourceRows, long targetRows, Long sourceVectors, Long targetVectors) {}

    /** next = the value nextval() would return; targetColumnMax = max of the owning column on the target. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record SequenceResult(String sequence, String ownedBy, Long sourceNext, Long targetNext,
                                 String targetColumnMax, boolean matched, String problem) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record AnnResult(String table, String column, String operator, String sourceIndex, String targetIndex,
                            int queries, int k, int exactMismatches, Double sourceRecall, Double targetRecall,
                            boolean matched, String note) {}

    public CheckResult check(Check c) {
        return checks.stream().filter(r -> r.check().equals(c.id())).findFirst().orElse(null);
    }

    public TableResult table(String name) {
        return tableResults.stream().filter(t -> t.table().equals(name)).findFirst().orElse(null);
    }
}
