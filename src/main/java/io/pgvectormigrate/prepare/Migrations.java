package io.pgvectormigrate.prepare;

import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pg.Database;
import io.pgvectormigrate.pg.Queries;
import io.pgvectormigrate.pg.SqlErrors;
import io.pgvectormigrate.pg.TableFilter;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.callback.Callback;
import org.flywaydb.core.api.callback.Context;
import org.flywaydb.core.api.callback.Event;
import org.flywaydb.core.api.output.MigrateResult;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The Flyway side of prepare-target. Migrations come in modules, each with its own history table in the tool's
 * schema, so their version numbers never collide: the tool's core module, the Bedrock Chat preset, and the operator's
 * own folder. Flyway keeps the history tables (and takes its advisory lock) in {@link TableFilter#TOOL_SCHEMA}, never
 * in {@code public}.
 */
final class Migrations {
    static final String SCHEMA = TableFilter.TOOL_SCHEMA;

    /** @param toolOwned the tool's own SQL: placeholders off (the SQL has none), search_path left as Flyway sets it */
    record Module(String name, String location, String historyTable, boolean toolOwned) {}

    static final Module CORE = new Module("core", "classpath:db/pgvector-migrate/core", "flyway_schema_history", true);
    static final Module BEDROCK_CHAT = new Module("bedrock-chat", "classpath:db/pgvector-migrate/bedrock-chat",
            "bedrock_chat_schema_history", true);

    static Module operator(Path dir) {
        Path abs = dir.toAbsolutePath().normalize();
        if (!Files.isDirectory(abs)) {
            throw ToolException.usage("--migrations " + dir + " is not a directory: pass the folder that holds your V<n>__<name>.sql files");
        }
        return new Module("operator", "filesystem:" + abs, "operator_schema_history", false);
    }

    /** What a module run did: the migrations it applied now ("module Vn description") and the version it is at. */
    record ModuleResult(List<String> applied, String version) {}

    static ModuleResult migrate(ConnectionSpec target, Module module) {
        var config = Flyway.configure()
                .dataSource(target.jdbcUrl(), target.user(), target.password())
                .locations(module.location())
                .schemas(SCHEMA)
                .defaultSchema(SCHEMA)
                .createSchemas(true)
                .table(module.historyTable())
                // the tool schema also holds other modules' history: start this module's history at 0 then
                .baselineOnMigrate(true)
                .baselineVersion("0")
                .baselineDescription("history starts")
                .cleanDisabled(true)
                .validateOnMigrate(true)
                .failOnMissingLocations(true)
                .connectRetries(0);
        if (module.toolOwned()) {
            config.placeholderReplacement(false);
        } else {
            // a misnamed file would otherwise be skipped without a word
            config.validateMigrationNaming(true);
            // Flyway puts the history schema first on the search_path; operators write unqualified names that must
            // land where they would in psql, so give each of their migrations the database's own search_path.
            config.callbacks(new OriginalSearchPath(defaultSearchPath(target)));
        }
        Flyway flyway = config.load();
        MigrateResult result;
        try {
            result = flyway.migrate();
        } catch (FlywayException e) {
            throw explain(module, e);
        }
        List<String> applied = result.migrations.stream().map(m -> module.name() + " V" + m.version + " " + m.description)
                .toList();
        String version = result.targetSchemaVersion != null ? result.targetSchemaVersion : currentVersion(flyway);
        return new ModuleResult(applied, version);
    }

    private static String currentVersion(Flyway flyway) {
        var current = flyway.info().current();
        return current == null || current.getVersion() == null ? null : current.getVersion().getVersion();
    }

    /** Whether the core module's tables exist (prepare-target ran on this database before). */
    static boolean coreInstalled(Connection c) throws SQLException {
        return Queries.bool(c, "SELECT to_regclass('" + SCHEMA + ".deferred_index') IS NOT NULL "
                + "AND to_regclass('" + SCHEMA + ".vector_reindex') IS NOT NULL");
    }

    /** The search_path a new session of the target's user gets (database and role settings applied). */
    private static String defaultSearchPath(ConnectionSpec target) {
        try (Connection c = Database.connect(target, "target", null)) {
            return Queries.string(c, "SELECT current_setting('search_path')").orElse(null);
        } catch (SQLException e) {
            throw Failures.of("reading the search_path", "target", e);
        }
    }

    /**
     * A failed module: a lost session, a missing privilege, a read-only or cancelled session go by the one SQL rule
     * ({@link SqlErrors}); a broken or edited operator migration, or a failed validation is input to fix (exit 2); the
     * tool's own SQL failing is a runtime failure.
     * Each migration runs in a transaction, so a failed one leaves nothing behind and a re-run retries it.
     */
    private static ToolException explain(Module module, FlywayException e) {
        String what = module.name() + " migrations";
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof SQLException se) {
                if (SqlErrors.kind(se) != SqlErrors.Kind.OTHER) {
                    return Failures.of("applying the " + what, "target", se);
                }
                String line = fieldOf(e.getMessage(), "Line");
                String msg = what + " failed on the target: " + oneLine(e.getMessage()) + ": " + Database.firstLine(se.getMessage())
                        + (line != null ? " (line " + line + ")" : "") + "; the failed migration was rolled back: fix it and re-run";
                return module.toolOwned() ? ToolException.runtime(msg, e) : ToolException.usage(msg, e);
            }
        }
        String hint = String.valueOf(e.getMessage()).contains("checksum mismatch")
                ? " (a migration must not change once applied: restore the applied file and put the change in a new version)" : "";
        return ToolException.usage(what + ": " + oneLine(e.getMessage()) + hint, e);
    }

    /** The value of a "Name : value" line of a Flyway message. */
    private static String fieldOf(String message, String name) {
        if (message == null) return null;
        return message.lines().map(String::strip)
                .filter(t -> t.startsWith(name) && t.substring(name.length()).strip().startsWith(":"))
                .map(t -> t.substring(t.indexOf(':') + 1).strip()).findFirst().orElse(null);
    }

    /** The lines of a Flyway message that give details, each starting with its name. */
    private static final List<String> DETAILS = List.of("SQL State", "Error Code", "Location", "Line", "Message",
            "Position", "Where", "Statement", "Need more flexibility");

    /** Flyway messages span lines and boxes: keep the lines that say something, joined. */
    static String oneLine(String message) {
        if (message == null) return "";
        return message.lines().map(String::strip)
                .filter(l -> !l.isEmpty() && !l.chars().allMatch(ch -> ch == '-' || ch == '=')
                        && DETAILS.stream().noneMatch(l::startsWith))
                .limit(2).collect(Collectors.joining(" "));
    }

    /** Resets the search_path before each operator migration (Flyway prefixes its history schema). */
    private record OriginalSearchPath(String path) implements Callback {
        @Override
        public boolean supports(Event event, Context context) {
            return event == Event.BEFORE_EACH_MIGRATE;
        }

        @Override
        public boolean canHandleInTransaction(Event event, Context context) {
            return true;
        }

        @Override
        public void handle(Event event, Context context) {
            try {
                Queries.string(context.getConnection(), "SELECT set_config('search_path', ?, false)", path);
            } catch (SQLException e) {
                throw new FlywayException("cannot reset search_path: " + e.getMessage(), e);
            }
        }

        @Override
        public String getCallbackName() {
            return "pgvector-migrate-search-path";
        }
    }
}
