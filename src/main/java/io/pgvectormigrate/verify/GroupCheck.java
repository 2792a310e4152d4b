package io.pgvectormigrate.verify;

import io.pgvectormigrate.pg.Sql;
import io.pgvectormigrate.verify.VerifyReport.GroupDiff;
import io.pgvectormigrate.verify.VerifyReport.GroupResult;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Check 4: rows (and non-NULL vectors) per value of a grouping column, both sides streamed in group order and
 * merged. For Bedrock Chat this is rows per bot: which bots lost vectors.
 */
final class GroupCheck {
    private static final int FETCH = 1000;
    private static final String NULL_GROUP = "\0NULL";

    private GroupCheck() {}

    /** Counts per group of {@code column}; {@code vectorColumn} (nullable) adds non-NULL vector counts. */
    static GroupResult compare(Connection sc, Connection tc, TablePlan p, String column, String vectorColumn,
                               int maxDiffs) throws SQLException {
        Map<String, long[]> pendingSource = new LinkedHashMap<>();
        Map<String, long[]> pendingTarget = new LinkedHashMap<>();
        List<GroupDiff> examples = new ArrayList<>();
        long sourceGroups = 0;
        long targetGroups = 0;
        long differing = 0;
        try (Statement ss = sc.createStatement(); Statement ts = tc.createStatement()) {
            ss.setFetchSize(FETCH);
            ts.setFetchSize(FETCH);
            try (ResultSet srs = ss.executeQuery(sql(p.src, column, vectorColumn));
                 ResultSet trs = ts.executeQuery(sql(p.tgt, column, vectorColumn))) {
                boolean sHas = srs.next();
                boolean tHas = trs.next();
                while (sHas || tHas) {
                    String sKey = sHas ? key(srs) : null;
                    String tKey = tHas ? key(trs) : null;
                    long[] sv = sHas ? counts(srs) : null;
                    long[] tv = tHas ? counts(trs) : null;
                    if (sHas) sourceGroups++;
                    if (tHas) targetGroups++;
                    if (sHas && tHas && sKey.equals(tKey)) {
                        if (sv[0] != tv[0] || sv[1] != tv[1]) {
                            differing++;
                            add(examples, maxDiffs, sKey, sv, tv, vectorColumn);
                        }
                    } else {
                        if (sHas) {
                            long[] other = pendingTarget.remove(sKey);
                            if (other == null) pendingSource.put(sKey, sv);
                            else if (other[0] != sv[0] || other[1] != sv[1]) {
                                differing++;
                                add(examples, maxDiffs, sKey, sv, other, vectorColumn);
                            }
                        }
                        if (tHas) {
                            long[] other = pendingSource.remove(tKey);
                            if (other == null) pendingTarget.put(tKey, tv);
                            else if (other[0] != tv[0] || other[1] != tv[1]) {
                                differing++;
                                add(examples, maxDiffs, tKey, other, tv, vectorColumn);
                            }
                        }
                    }
                    if (sHas) sHas = srs.next();
                    if (tHas) tHas = trs.next();
                }
            }
        }
        for (Map.Entry<String, long[]> e : pendingSource.entrySet()) {
            differing++;
            add(examples, maxDiffs, e.getKey(), e.getValue(), new long[]{0, 0}, vectorColumn);
        }
        for (Map.Entry<String, long[]> e : pendingTarget.entrySet()) {
            differing++;
            add(examples, maxDiffs, e.getKey(), new long[]{0, 0}, e.getValue(), vectorColumn);
        }
        return new GroupResult(Sql.display(column), vectorColumn == null ? null : Sql.display(vectorColumn),
                sourceGroups, targetGroups, differing, examples);
    }

    private static String sql(SideSchema.Table t, String column, String vectorColumn) {
        String g = Sql.ident(column);
        return "SELECT " + g + "::text, count(*), " + (vectorColumn == null ? "0" : "count(" + Sql.ident(vectorColumn) + ")")
                + " FROM " + t.sql() + " GROUP BY " + g + " ORDER BY " + g;
    }

    private static String key(ResultSet rs) throws SQLException {
        String v = rs.getString(1);
        return v == null ? NULL_GROUP : v;
    }

    private static long[] counts(ResultSet rs) throws SQLException {
        return new long[]{rs.getLong(2), rs.getLong(3)};
    }

    private static void add(List<GroupDiff> examples, int maxDiffs, String key, long[] s, long[] t, String vectorColumn) {
        if (examples.size() >= maxDiffs) return;
        String shown = NULL_GROUP.equals(key) ? "NULL" : Sql.literal(key);
        examples.add(new GroupDiff(shown, s[0], t[0], vectorColumn == null ? null : s[1], vectorColumn == null ? null : t[1]));
    }
}
