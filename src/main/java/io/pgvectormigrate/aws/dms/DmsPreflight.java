package io.pgvectormigrate.aws.dms;

import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pg.Catalog;
import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pg.Queries;
import io.pgvectormigrate.pg.Sequences;
import io.pgvectormigrate.pg.TableFilter;
import io.pgvectormigrate.pg.TableId;
import io.pgvectormigrate.pipeline.Endpoints;
import io.pgvectormigrate.pipeline.RunContext;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The DMS engine's first job: before anything is created, what DMS cannot migrate as asked is refused with exit 2
 * (options, names, credentials DMS cannot use, logical replication off, a target older than the source, tables,
 * columns or sequences missing on the target).
 */
record DmsPreflight(DmsOptions options) {

    /**
     * The selection on the source, refused (exit 2) when DMS cannot migrate it as asked: tables DMS can name, and for
     * CDC, tables logical replication can carry.
     */
    Catalog.Selection checkSource(Endpoints endpoints) {
        TableFilter filter = endpoints.tables();
        try (Connection s = DmsEngine.connect(endpoints.source(), "source")) {
            Catalog.Selection selection = Catalog.select(s, filter);
            if (selection.isEmpty()) {
                throw ToolException.usage("no table on the source matches " + filter.describe()
                        + ": check the table filter");
            }
            SelectionRules.forTables(ids(selection.leaves())); // refuses names DMS cannot select
            if (options.migrationType().cdc()) {
                // DMS's CDC is PostgreSQL's logical replication: the source refuses updates and deletes on such a table
                selection.replicaIdentityProblem().ifPresent(p -> {
                    throw ToolException.usage(p + "; or use --dms-migration-type full-load");
                });
            }
            return selection;
        } catch (SQLException e) {
            throw DmsEngine.sqlFailure("source", "reading the catalog", e);
        }
    }

    static List<TableId> ids(List<Catalog.Relation> relations) {
        return relations.stream().map(Catalog.Relation::id).toList();
    }

    /** Checks options, both databases and DMS's rules for them before anything is created; every failure is exit 2. */
    void preflight(RunContext ctx, Endpoints endpoints) {
        options.validate();
        new DmsNames(ctx.runId()).require();
        checkDmsCredentialRules(endpoints.source(), "source");
        checkDmsCredentialRules(endpoints.target(), "target");
        int sourceVersion;
        try (Connection s = DmsEngine.connect(endpoints.source(), "source")) {
            String walLevel = Queries.string(s, "SELECT current_setting('wal_level')").orElseThrow();
            if (!"logical".equals(walLevel)) {
                throw ToolException.usage("logical replication is off on the source " + endpoints.source().display()
                        + " (wal_level=" + walLevel + "): DMS needs rds.logical_replication=1 in the cluster parameter group, in effect on the "
                        + "writer (the restore step sets it and reboots a writer whose parameter group status is not in-sync; "
                        + "check with aws rds describe-db-clusters, reboot with aws rds reboot-db-instance), then re-run");
            }
            sourceVersion = (int) Queries.number(s, "SELECT current_setting('server_version_num')::int");
        } catch (SQLException e) {
            throw DmsEngine.sqlFailure("source", "reading the catalog", e);
        }
        try (Connection t = DmsEngine.connect(endpoints.target(), "target")) {
            int targetVersion = (int) Queries.number(t, "SELECT current_setting('server_version_num')::int");
            if (targetVersion < sourceVersion) {
                throw ToolException.usage("the target runs PostgreSQL " + version(targetVersion) + ", older than the source's "
                        + version(sourceVersion) + ": DMS homogeneous migrations need a target at least as new as the source; upgrade the target");
            }
        } catch (SQLException e) {
            throw DmsEngine.sqlFailure("target", "reading the server version", e);
        }
        onBothSides(endpoints); // the same refusals as the native engine's preflight: tables, columns, sequences
    }

    /** DMS's rules for database users and passwords (stricter than PostgreSQL's); the password is never shown. */
    static void checkDmsCredentialRules(ConnectionSpec spec, String side) {
        String user = spec.user();
        if (user == null || !user.matches("[A-Za-z][A-Za-z0-9_]{1,63}")) {
            throw ToolException.usage("DMS cannot log in to the " + side + " as '" + user + "': DMS user names are 2-64 letters, digits "
                    + "or underscores starting with a letter; use another user (the master user works)");
        }
        String pw = spec.password();
        if (pw != null && (pw.isEmpty() || pw.length() > 128 || pw.chars().anyMatch(ch -> ch == '\'' || ch == '"' || ch == ';' || ch == ' '))) {
            throw ToolException.usage("the " + side + " password does not meet DMS's rules (1-128 characters, none of ' \" ; or space): "
                    + "set a password DMS accepts on the " + side + " and in its secret, then re-run");
        }
    }

    /**
     * The tables the data migration names (the selection's leaves: partitions one by one), each of which must exist on
     * the target with every source column and every selected sequence (prepare-target made them). Asked by preflight
     * and again by migrate, which may run later.
     */
    Catalog.Selection onBothSides(Endpoints endpoints) {
        Catalog.Selection selection = checkSource(endpoints);
        List<TableId> tables = ids(selection.leaves());
        try (Connection s = DmsEngine.connect(endpoints.source(), "source"); Connection t = DmsEngine.connect(endpoints.target(), "target")) {
            List<TableId> missing = new ArrayList<>();
            List<String> missingColumns = new ArrayList<>();
            for (TableId x : tables) {
                Optional<Map<String, String>> onTarget = Catalog.columns(t, x);
                if (onTarget.isEmpty()) {
                    missing.add(x);
                    continue;
                }
                for (String column : Catalog.columns(s, x).orElse(Map.of()).keySet()) {
                    if (!onTarget.get().containsKey(column)) missingColumns.add(x.display() + "." + column);
                }
            }
            if (!missing.isEmpty()) {
                throw ToolException.usage("table(s) " + missing.stream().map(TableId::key).toList() + " do not exist on the target: "
                        + "run prepare-target first (the DMS engine " + options.tablePreparation().api()
                        + "s existing tables and loads them; it does not create the schema)");
            }
            if (!missingColumns.isEmpty()) {
                throw ToolException.usage("the target lacks column(s) " + String.join(", ", missingColumns) + ": the target tables "
                        + "must have every source column (prepare-target --schema-from-source copies them)");
            }
            Sequences.requireOnTarget(t, selection.sequences());
        } catch (SQLException e) {
            throw DmsEngine.sqlFailure("source or target", "comparing the tables", e);
        }
        return selection;
    }

    private static String version(int num) {
        return (num / 10000) + "." + (num % 10000);
    }
}
