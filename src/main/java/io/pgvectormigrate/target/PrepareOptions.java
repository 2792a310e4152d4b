package io.pgvectormigrate.target;

import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pg.TableFilter;

import java.nio.file.Path;

/**
 * What prepare-target does. (Contract stub: the prepare-target work may add options.)
 *
 * @param source             optional (null): used for the vector version floor, major version check, --schema-from-source
 * @param schemaFromSource   copy the pre-data schema of the selected source tables
 * @param extraMigrations    optional operator Flyway folder (null when none)
 * @param allowNonemptyTarget allow target tables that already hold rows
 * @param deferIndexes       drop secondary indexes of the (empty) target tables now, remembering their definitions
 *                           on the target, so the copy loads faster; {@link TargetPreparer#afterLoad} recreates them
 */
public record PrepareOptions(ConnectionSpec target, ConnectionSpec source, boolean schemaFromSource,
                             Path extraMigrations, boolean allowNonemptyTarget, boolean deferIndexes, TableFilter tables) {
    /** The pipeline's defaults: Bedrock Chat preset, empty target required, indexes deferred. */
    public static PrepareOptions forPipeline(ConnectionSpec target, ConnectionSpec source, TableFilter tables) {
        return new PrepareOptions(target, source, false, null, false, true, tables);
    }
}
