package io.pgvectormigrate.verify;

import io.pgvectormigrate.pg.Sql;
import io.pgvectormigrate.verify.VerifyReport.GroupDiff;
import io.pgvectormigrate.verify.VerifyReport.GroupResult;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Check 4: rows (and non-NULL vectors) per value of a grouping column. Both sides count them in the content pass
 * (ContentCheck, grouping sets beside the buckets), so this only compares the two sides' counts, in value order.
 * For Bedrock Chat this is rows per bot: which bots lost vectors.
 */
final class GroupCheck {
    static final String NULL_GROUP = "\0NULL";
    private static final long[] NONE = {0, 0};

    private GroupCheck() {}

    /** Compares counts per group of {@code column} (rows, non-NULL {@code vectorColumn}, which may be null). */
    static GroupResult compare(String column, String vectorColumn, Map<String, long[]> source,
                               Map<String, long[]> target, int maxDiffs) {
        List<GroupDiff> examples = new ArrayList<>();
        long differing = 0;
        TreeSet<String> values = new TreeSet<>(source.keySet());
        values.addAll(target.keySet());
        for (String v : values) {
            long[] s = source.getOrDefault(v, NONE);
            long[] t = target.getOrDefault(v, NONE);
            if (Arrays.equals(s, t)) continue;
            differing++;
            if (examples.size() >= maxDiffs) continue;
            String shown = NULL_GROUP.equals(v) ? "NULL" : Sql.literal(v);
            examples.add(new GroupDiff(shown, s[0], t[0], vectorColumn == null ? null : s[1], vectorColumn == null ? null : t[1]));
        }
        return new GroupResult(Sql.display(column), vectorColumn == null ? null : Sql.display(vectorColumn),
                source.size(), target.size(), differing, examples);
    }
}
