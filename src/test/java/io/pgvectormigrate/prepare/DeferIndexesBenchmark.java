package io.pgvectormigrate.prepare;

import io.pgvectormigrate.pg.TableFilter;
import io.pgvectormigrate.report.Progress;
import io.pgvectormigrate.testing.PgServers;
import io.pgvectormigrate.testing.Sql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Benchmark, not a test (the name keeps it out of the default run): loading Bedrock Chat rows into a prepared target
 * with its indexes in place and rebuilt after (REINDEX of the ivfflat index), against deferred indexes recreated
 * after the load. Same server, same rows (copied from a staging table, so generating vectors is not timed).
 *
 * <pre>mvn -q -B -ntp test -Dtest=DeferIndexesBenchmark -Dbench.rows=50000</pre>
 */
@ExtendWith(PgServers.class)
class DeferIndexesBenchmark {
    @Test
    void deferredIndexesAgainstIndexesInPlace(PgServers.DbPair db) throws Exception {
        int rows = Integer.getInteger("bench.rows", 20000);
        var target = db.target();
        TargetPreparer.prepare(new PrepareOptions(target, null, false, null, false, false, TableFilter.ALL, null, null),
                Progress.SILENT);
        Sql.exec(target, "CREATE TABLE public.staging AS SELECT lpad(i::text, 26, '0') AS id, lpad((i % 50)::text, 26, 'B') AS botid, "
                + "repeat('chunk text ', 90) AS content, 's3://bucket/doc' || (i % 500) || '.pdf' AS source, "
                + "(SELECT array_agg(random())::vector(1024) FROM generate_series(1, 1024) WHERE i > 0) AS embedding "
                + "FROM generate_series(1, " + rows + ") i", "CHECKPOINT");
        TableFilter items = new TableFilter(java.util.List.of(), java.util.List.of("public.items"), java.util.List.of());

        // A: indexes in place during the load, vector index rebuilt after it
        long t0 = System.nanoTime();
        Sql.exec(target, "INSERT INTO public.items SELECT * FROM public.staging");
        long t1 = System.nanoTime();
        TargetPreparer.afterLoad(target, items, Progress.SILENT);
        long t2 = System.nanoTime();
        Sql.exec(target, "TRUNCATE public.items", "CHECKPOINT");

        // B: indexes deferred by prepare, recreated after the load
        var deferred = TargetPreparer.prepare(new PrepareOptions(target, null, false, null, false, true, items, null, null), Progress.SILENT);
        assertEquals(2, deferred.deferredIndexes().size());
        long t3 = System.nanoTime();
        Sql.exec(target, "INSERT INTO public.items SELECT * FROM public.staging");
        long t4 = System.nanoTime();
        TargetPreparer.afterLoad(target, items, Progress.SILENT);
        long t5 = System.nanoTime();
        assertEquals(String.valueOf(rows), Sql.scalar(target, "SELECT count(*) FROM public.items"));
        assertEquals("3", Sql.scalar(target, "SELECT count(*) FROM pg_indexes WHERE tablename = 'items'"));

        System.out.printf(Locale.ROOT, "rows=%d  in-place: load %.1f s + after-load %.1f s = %.1f s | deferred: load %.1f s + after-load %.1f s = %.1f s%n",
                rows, s(t1 - t0), s(t2 - t1), s(t2 - t0), s(t4 - t3), s(t5 - t4), s(t5 - t3));
    }

    private static double s(long nanos) {
        return nanos / 1e9;
    }
}
