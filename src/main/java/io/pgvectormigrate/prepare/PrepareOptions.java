package io.pgvectormigrate.prepare;

import io.pgvectormigrate.local.PgBinaries;
import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pg.TableFilter;

import java.nio.file.Path;
import java.util.Objects;

/**
 * What prepare-target does.
 *
 * @param target              the database to prepare (credentials resolved)
 * @param source              optional (null): the vector version floor, the major version check, the table
 *                            definitions to compare with, and --schema-from-source
 * @param schemaFromSource    create the selected source tables the target lacks, with pg_dump/pg_restore
 * @param extraMigrations     optional operator Flyway folder (null when none)
 * @param allowNonemptyTarget allow target tables that already hold rows (they are never touched)
 * @param deferIndexes        drop the secondary indexes of the (empty) target tables now, remembering their definitions
 *                            on the target, so the copy loads faster; {@link TargetPreparer#afterLoad} recreates them
 * @param tables              which tables (the tool schema is always left out)
 * @param preset              whether to create Bedrock Chat's vector store ({@link Preset})
 * @param binaries            local PostgreSQL binaries for pg_dump/pg_restore (null: found when needed)
 */
public record PrepareOptions(ConnectionSpec target, ConnectionSpec source, boolean schemaFromSource,
                             Path extraMigrations, boolean allowNonemptyTarget, boolean deferIndexes, TableFilter tables,
                             Preset preset, PgBinaries binaries) {

    /** Bedrock Chat's schema (public.items and its two indexes, from sql/bedrock-chat). */
    public enum Preset {
        /** bedrock-chat when there is no source and the filter selects public.items, or the source has public.items */
        AUTO,
        BEDROCK_CHAT,
        NONE;

        public static Preset fromCli(String s) {
            for (Preset p : values()) {
                if (p.name().replace('_', '-').equalsIgnoreCase(s.trim())) return p;
            }
            throw new IllegalArgumentException("unknown preset '" + s + "': use auto, bedrock-chat or none");
        }
    }

    public PrepareOptions {
        Objects.requireNonNull(target, "target");
        tables = tables == null ? TableFilter.ALL : tables;
        preset = preset == null ? Preset.AUTO : preset;
    }

    /**
     * The pipeline's defaults: Bedrock Chat preset when the source is Bedrock Chat, any other selected source table
     * created from the source's schema (so an operator's own snapshot works too; pg_dump runs only when a table is
     * missing), empty target required, indexes deferred.
     */
    public static PrepareOptions forPipeline(ConnectionSpec target, ConnectionSpec source, TableFilter tables) {
        return new PrepareOptions(target, source, true, null, false, true, tables, Preset.AUTO, null);
    }
}
