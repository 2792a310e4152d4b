package io.pgvectormigrate.verify;

import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pg.TableFilter;

import java.util.List;
import java.util.Set;

/**
 * What to verify and how. Owned by the verify package; the pipeline's verify step builds one of these.
 * (Contract stub: the verify work fills in the full option set.)
 *
 * @param skip      checks to skip, by id (schema, rows, vectors, groups, content, sequences, ann)
 * @param groupBy   "table.column" or "schema.table.column" grouping columns (items.botid by default when present)
 * @param maxDiffs  how many differing keys to list per table
 * @param annQueries 0 = ANN parity off
 */
public record VerifyOptions(ConnectionSpec source, ConnectionSpec target, TableFilter tables, Set<String> skip,
                            List<String> groupBy, int maxDiffs, int annQueries) {
    public static VerifyOptions defaults(ConnectionSpec source, ConnectionSpec target, TableFilter tables) {
        return new VerifyOptions(source, target, tables, Set.of(), List.of(), 20, 0);
    }
}
