package io.pgvectormigrate.prepare;

import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.local.PgBinaries;
import io.pgvectormigrate.local.Proc;
import io.pgvectormigrate.pg.Catalog;
import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pg.Database;
import io.pgvectormigrate.pg.Sql;
import io.pgvectormigrate.pg.TableId;
import io.pgvectormigrate.report.Progress;
import io.pgvectormigrate.prepare.SchemaInfo.Column;
import io.pgvectormigrate.prepare.SchemaInfo.TableDef;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * --schema-from-source: compares source and target table definitions, and creates the tables (each with its whole
 * partition tree) and the sequences the target lacks with pg_dump/pg_restore. Why pg_dump (it renders every feature a
 * table may use, for the source's version), a custom-format archive (plain scripts carry psql meta-commands) and both
 * schema sections (a subscription needs the primary keys): docs/prepare-target.md.
 */
final class SchemaCopy {
    private SchemaCopy() {}

    /** The differences between a source and a target definition, in words; empty when they are the same. */
    static List<String> differences(TableDef source, TableDef target) {
        List<String> out = new ArrayList<>();
        for (Column s : source.columns().values()) {
            Column t = target.columns().get(s.name());
            if (t == null) {
                out.add("column " + Sql.display(s.name()) + " " + s.type() + " is missing on the target");
            } else if (!s.type().equals(t.type())) {
                String what = s.type().startsWith("vector(") && t.type().startsWith("vector(") ? "vector dimension" : "type";
                out.add("column " + Sql.display(s.name()) + " " + what + ": " + s.type() + " on the source, " + t.type() + " on the target");
            } else if (s.notNull() != t.notNull()) {
                out.add("column " + Sql.display(s.name()) + " is " + (s.notNull() ? "NOT NULL" : "nullable") + " on the source, "
                        + (t.notNull() ? "NOT NULL" : "nullable") + " on the target");
            }
        }
        for (Column t : target.columns().values()) {
            if (!source.columns().containsKey(t.name())) {
                out.add("column " + Sql.display(t.name()) + " " + t.type() + " exists only on the target");
            }
        }
        if (!source.primaryKey().equals(target.primaryKey())) {
            out.add("primary key " + pk(source.primaryKey()) + " on the source, " + pk(target.primaryKey()) + " on the target");
        }
        for (String p : source.partitions()) {
            if (!target.partitions().contains(p)) out.add("partition " + p + " is missing on the target");
        }
        for (String p : target.partitions()) {
            if (!source.partitions().contains(p)) out.add("partition " + p + " exists only on the target");
        }
        return out;
    }

    private static String pk(List<String> cols) {
        return cols.isEmpty() ? "(none)" : "(" + String.join(", ", cols.stream().map(Sql::display).toList()) + ")";
    }

    /** Refuses (bad input) a target table whose definition differs from the source's, in one line naming what to do. */
    static void requireSame(TableDef source, TableDef target, String targetOrigin) {
        List<String> diffs = differences(source, target);
        if (diffs.isEmpty()) return;
        throw ToolException.usage("target table " + source.table().display() + targetOrigin + " differs from the source: "
                + String.join("; ", diffs) + " (fix or drop the target table, or leave it out with --exclude "
                + source.table().display() + ")");
    }

    /**
     * Creates the given source tables, each with every partition below it, and the given sequences on the target;
     * the caller checked they are absent there. Sequences a created table's column owns come with their table.
     */
    static void copy(ConnectionSpec source, ConnectionSpec target, Connection targetConn, List<Catalog.Table> tables,
                     List<Catalog.Sequence> sequences, PgBinaries binaries, int sourceMajor, Progress progress) {
        if (tables.isEmpty() && sequences.isEmpty()) return;
        PgBinaries tools = dumpTools(binaries, sourceMajor);
        // pg_dump --table=root does not dump the partitions (before PostgreSQL 16's --table-and-children): name them all
        List<TableId> members = new ArrayList<>(Indexes.relations(tables));
        sequences.forEach(s -> members.add(s.id()));
        Set<String> schemas = new LinkedHashSet<>(members.stream().map(TableId::schema).toList());
        try (Statement st = targetConn.createStatement()) {
            // pg_dump -t does not emit CREATE SCHEMA for the tables' schemas
            for (String s : schemas) {
                if (!Catalog.schemaExists(targetConn, s)) st.execute("CREATE SCHEMA IF NOT EXISTS " + Sql.ident(s));
            }
        } catch (SQLException e) {
            throw Failures.of("creating the tables' schemas", "target", e);
        }
        Path archive;
        try {
            archive = Files.createTempFile("pgvector-migrate-schema-", ".dump");
        } catch (IOException e) {
            throw ToolException.runtime("cannot create a temporary file for the schema dump: " + e.getMessage(), e);
        }
        try {
            List<String> dump = new ArrayList<>(List.of(tools.tool("pg_dump").toString(), "--schema-only", "--format=custom",
                    "--strict-names", "--no-publications", "--no-subscriptions", "--no-security-labels",
                    "--file=" + archive, "--dbname=" + conninfo(source)));
            // quoted parts of a --table pattern take every character literally: each matches exactly one relation
            for (TableId m : members) dump.add("--table=" + m.sql());
            progress.info("  dumping the schema of " + tables.size() + " source table(s)"
                    + (members.size() > tables.size() + sequences.size() ? " with their partitions" : "")
                    + (sequences.isEmpty() ? "" : " and " + sequences.size() + " sequence(s)") + " with " + tools.tool("pg_dump"));
            Proc.Result r = Proc.run(dump, archive.getParent(), libpqEnv(source), Duration.ofMinutes(10));
            if (!r.ok()) {
                throw ToolException.runtime("pg_dump of the source schema failed: " + r.tail(3) + hintFor(r.output(), tools, sourceMajor));
            }
            List<String> restore = List.of(tools.tool("pg_restore").toString(), "--single-transaction", "--exit-on-error",
                    "--no-owner", "--no-privileges", "--no-tablespaces", "--no-publications", "--no-subscriptions",
                    "--no-security-labels", "--dbname=" + conninfo(target), archive.toString());
            progress.info("  creating them on the target with pg_restore");
            r = Proc.run(restore, archive.getParent(), libpqEnv(target), Duration.ofMinutes(10));
            if (!r.ok()) {
                throw ToolException.usage("pg_restore of the source schema into the target failed, nothing was created: " + r.tail(3)
                        + " (a type or table the schema depends on may be missing on the target: create it with --migrations DIR)");
            }
        } finally {
            archive.toFile().delete(); // a leftover schema dump holds no data and no secret
        }
    }

    /** libpq connection string without the password (that goes in PGPASSWORD, never on a command line). */
    static String conninfo(ConnectionSpec spec) {
        Map<String, String> more = new LinkedHashMap<>();
        for (String k : List.of("sslmode", "sslrootcert", "sslcert", "sslkey")) more.put(k, spec.params().get(k));
        more.put("application_name", Database.APPLICATION_NAME);
        more.put("connect_timeout", "10");
        return spec.libpqConninfo(more);
    }

    /** Host, port, database and user are in the connection string, which overrides any PG* variable. */
    private static Map<String, String> libpqEnv(ConnectionSpec spec) {
        return spec.hasPassword() ? Map.of("PGPASSWORD", spec.password()) : Map.of();
    }

    private static String hintFor(String output, PgBinaries tools, int sourceMajor) {
        return !output.contains("server version mismatch") ? "" : " (pg_dump " + tools.majorVersion()
                + " cannot dump PostgreSQL " + sourceMajor + ": install the PostgreSQL " + sourceMajor
                + " client tools, or point PGVM_PG_BINDIR at them)";
    }

    /** Finds pg_dump/pg_restore able to dump the source: the configured binaries, or another local major that is new enough. */
    private static PgBinaries dumpTools(PgBinaries preferred, int sourceMajor) {
        if (preferred != null && preferred.majorVersion() >= sourceMajor && Files.isExecutable(preferred.tool("pg_dump"))) {
            return preferred;
        }
        Path root = Path.of("/usr/lib/postgresql");
        Optional<PgBinaries> found = Optional.empty();
        if (Files.isDirectory(root)) {
            try (var s = Files.list(root)) {
                found = s.filter(p -> Files.isExecutable(p.resolve("bin/pg_dump")) && Files.isExecutable(p.resolve("bin/pg_restore")))
                        .map(p -> new PgBinaries(p.resolve("bin"), PgBinaries.majorOfName(p)))
                        .filter(b -> b.majorVersion() >= sourceMajor)
                        .min(Comparator.comparingInt(PgBinaries::majorVersion));
            } catch (IOException ignored) {
                // fall through to the message below
            }
        }
        return found.orElseThrow(() -> ToolException.usage("no local pg_dump for PostgreSQL " + sourceMajor
                + " or newer (needed by --schema-from-source): install the PostgreSQL " + sourceMajor
                + " client tools, or point PGVM_PG_BINDIR at them; " + PgBinaries.SETUP_HINT));
    }
}
