package io.pgvectormigrate.cli;

import io.pgvectormigrate.core.ExitCode;
import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.local.PgBinaries;
import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pg.TableFilter;
import io.pgvectormigrate.report.Progress;
import io.pgvectormigrate.prepare.PrepareOptions;
import io.pgvectormigrate.prepare.PrepareOptions.Preset;
import io.pgvectormigrate.prepare.TargetPreparer;
import io.pgvectormigrate.prepare.TargetPreparer.AfterLoadOptions;
import io.pgvectormigrate.prepare.TargetPreparer.AfterLoadResult;
import io.pgvectormigrate.prepare.TargetPreparer.PrepareResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;

@Command(name = "prepare-target", mixinStandardHelpOptions = true,
        description = {
                "Prepares the target database with Flyway before the copy: extensions vector (at least the source's version) "
                        + "and pgcrypto, Bedrock Chat's items table and indexes when absent, your own migrations, and "
                        + "optionally the source's table definitions. Idempotent: run it again any time.",
                "--target is the database to prepare. --source, when given, is the database the data comes from: it sets "
                        + "the vector version floor and the major version check, and its tables' definitions are compared with "
                        + "the target's (a difference is an error).",
                "Refuses (exit 2) a target whose tables already hold rows, a target older than the source, and a target "
                        + "where pgvector cannot be installed. Flyway's history lives in the pgvector_migrate schema.",
                ""},
        footer = {"",
                "Examples:",
                "  pgvector-migrate prepare-target --target postgresql://postgres@new-cluster:5432/postgres",
                "  pgvector-migrate prepare-target --target $TARGET --source $SOURCE --schema-from-source --migrations ./db",
                "  # migrate defers the empty tables' indexes for its load and builds them after it; for a load by another tool:",
                "  pgvector-migrate prepare-target --target $TARGET --source $SOURCE --defer-indexes   # then load, then:",
                "  pgvector-migrate prepare-target --target $TARGET --after-load",
                "",
                "Passwords: in the URL, PGPASSWORD or ~/.pgpass; they are never printed."})
public final class PrepareTargetCommand extends ToolCommand {

    @Mixin
    ConnectionOptions connections = new ConnectionOptions();

    @Option(names = "--schema-from-source",
            description = "Create every selected source table the target lacks from the source's definition (pg_dump --schema-only "
                    + "of those tables, restored with pg_restore in one transaction). Needs --source.")
    boolean schemaFromSource;

    @Option(names = "--migrations", paramLabel = "DIR",
            description = "Your own Flyway folder (V<n>__<name>.sql), applied after the tool's migrations, with its own history "
                    + "table pgvector_migrate.operator_schema_history and the database's usual search_path.")
    Path migrations;

    @Option(names = "--allow-nonempty-target",
            description = "Accept target tables that already hold rows (they are left as they are).")
    boolean allowNonempty;

    @Option(names = "--preset", paramLabel = "auto|bedrock-chat|none", defaultValue = "auto",
            converter = Converters.PresetName.class,
            description = "Create Bedrock Chat's public.items and its indexes when absent: auto (default) does so without --source, "
                    + "or when the source has public.items.")
    Preset preset;

    @Option(names = "--defer-indexes",
            description = "Drop the secondary and vector indexes of the empty target tables now (their definitions are kept on the "
                    + "target) so a load by another tool is faster; run with --after-load once the data is in. Not needed before "
                    + "migrate, run or rehearse: they defer them for their load and build them after it.")
    boolean deferIndexes;

    @Option(names = "--after-load",
            description = "Run after the data is loaded instead of preparing: recreate deferred indexes, rebuild vector indexes "
                    + "(ivfflat lists trained on the real rows), ANALYZE. Idempotent.")
    boolean afterLoad;

    @Option(names = "--maintenance-work-mem", paramLabel = "SIZE", defaultValue = "1GB",
            description = "maintenance_work_mem for the --after-load index builds (default: ${DEFAULT-VALUE}; never lowers the server's).")
    String maintenanceWorkMem;

    @Option(names = "--parallel-workers", paramLabel = "N", defaultValue = "4",
            description = "max_parallel_maintenance_workers for the --after-load builds (default: ${DEFAULT-VALUE}).")
    int parallelWorkers;

    @Mixin
    TableFilterOptions tableFilter = new TableFilterOptions();

    @Override
    public Integer call() {
        if (connections.target == null) throw ToolException.usage("missing --target: the database to prepare (JDBC URL or postgresql:// URI)");
        ConnectionSpec targetSpec = ConnectionOptions.given(ctx, connections.target);
        TableFilter filter = tableFilter.toFilter();
        Progress progress = progress();
        if (afterLoad) {
            if (connections.source != null || schemaFromSource || migrations != null || deferIndexes || allowNonempty) {
                throw ToolException.usage("--after-load takes only --target, the table filters and the build settings: "
                        + "run the preparation and the after-load pass as two commands");
            }
            if (parallelWorkers < 0) throw ToolException.usage("--parallel-workers must be 0 or more");
            AfterLoadResult r = TargetPreparer.afterLoad(targetSpec, filter,
                    new AfterLoadOptions(maintenanceWorkMem, parallelWorkers), progress);
            PrepareText.print(ctx.out(), common.json(), r);
            return ExitCode.OK;
        }
        if (schemaFromSource && connections.source == null) {
            throw ToolException.usage("--schema-from-source needs --source <conn>: the database whose table definitions to copy");
        }
        ConnectionSpec sourceSpec = ConnectionOptions.given(ctx, connections.source);
        Path dir = migrations == null ? null : ctx.cwd().resolve(migrations);
        PgBinaries binaries = schemaFromSource ? PgBinaries.locateOrNull(ctx.env()) : null;
        PrepareOptions options = new PrepareOptions(targetSpec, sourceSpec, schemaFromSource, dir, allowNonempty,
                deferIndexes, filter, preset, binaries);
        PrepareResult r = TargetPreparer.prepare(options, progress);
        PrepareText.print(ctx.out(), common.json(), r);
        return ExitCode.OK;
    }
}
