package io.pgvectormigrate.pipeline;

import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pg.Database;
import io.pgvectormigrate.pg.TableFilter;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Counts the rows of every selected table on the target once cutover is done ("rows moved" in the report),
 * journaled under cutover as {@code rows:<schema.table>} so a resumed run's report still has them.
 */
public final class TargetRowCounter implements Pipeline.Listener {
    public static final String PREFIX = "rows:";

    @Override
    public void afterStep(Step step, RunContext ctx, Endpoints endpoints, boolean succeeded) {
        if (step != Step.CUTOVER || !succeeded) return;
        count(endpoints.target(), endpoints.tables(), "target").forEach((t, n) -> ctx.journal().putOutput(Step.CUTOVER, PREFIX + t, String.valueOf(n)));
    }

    /** Exact row counts of the selected user tables, "schema.table" -> rows. */
    public static Map<String, Long> count(ConnectionSpec spec, TableFilter filter, String role) {
        Map<String, Long> out = new LinkedHashMap<>();
        try (Connection c = Database.connect(spec, role, null); Statement st = c.createStatement()) {
            List<String[]> tables = new ArrayList<>();
            try (ResultSet rs = st.executeQuery("SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    + "WHERE c.relkind IN ('r','p') AND NOT c.relispartition ORDER BY 1, 2")) {
                while (rs.next()) {
                    if (filter.matches(rs.getString(1), rs.getString(2))) tables.add(new String[]{rs.getString(1), rs.getString(2)});
                }
            }
            for (String[] t : tables) {
                try (ResultSet rs = st.executeQuery("SELECT count(*) FROM " + quote(t[0]) + "." + quote(t[1]))) {
                    rs.next();
                    out.put(t[0] + "." + t[1], rs.getLong(1));
                }
            }
        } catch (SQLException e) {
            throw ToolException.runtime("cannot count rows on " + role + " " + spec.display() + ": " + Database.firstLine(e.getMessage()), e);
        }
        return out;
    }

    /** The counts a run journaled. */
    public static Map<String, Long> recorded(Journal j) {
        Map<String, Long> out = new LinkedHashMap<>();
        j.step(Step.CUTOVER).outputs().forEach((k, v) -> {
            if (k.startsWith(PREFIX)) out.put(k.substring(PREFIX.length()), Long.parseLong(v));
        });
        return out;
    }

    private static String quote(String s) {
        return "\"" + s.replace("\"", "\"\"") + "\"";
    }
}
