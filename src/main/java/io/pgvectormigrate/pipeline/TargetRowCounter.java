package io.pgvectormigrate.pipeline;

import io.pgvectormigrate.pg.Catalog;
import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pg.Database;
import io.pgvectormigrate.pg.SqlErrors;
import io.pgvectormigrate.pg.TableFilter;
import io.pgvectormigrate.pg.TableId;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.LinkedHashMap;
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

    /** Exact row counts of the selected tables (a partitioned one with all its partitions), "schema.table" -> rows. */
    public static Map<String, Long> count(ConnectionSpec spec, TableFilter filter, String role) {
        Map<String, Long> out = new LinkedHashMap<>();
        try (Connection c = Database.connect(spec, role, null)) {
            for (TableId t : Catalog.select(c, filter).roots()) out.put(t.key(), Catalog.rowCount(c, t));
        } catch (SQLException e) {
            throw SqlErrors.of(role, "counting rows on " + spec.display(), e, Failure.ADVICE);
        }
        return out;
    }

    public static Map<String, Long> recorded(Journal j) {
        Map<String, Long> out = new LinkedHashMap<>();
        j.step(Step.CUTOVER).outputs().forEach((k, v) -> {
            if (k.startsWith(PREFIX)) out.put(k.substring(PREFIX.length()), Long.parseLong(v));
        });
        return out;
    }
}
