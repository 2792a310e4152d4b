package io.pgvectormigrate.local;

import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pg.Database;
import io.pgvectormigrate.pg.Queries;
import io.pgvectormigrate.pg.Sql;
import io.pgvectormigrate.pipeline.RunContext;
import io.pgvectormigrate.pipeline.TargetProvider;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;

/**
 * Rehearse's target: a second local instance the run creates (journal resource {@code local.instance} "target"),
 * with a database named like the source's, left empty for prepare-target. Removed at teardown unless kept.
 */
public final class LocalTarget implements TargetProvider {
    public static final String TARGET = "target";

    private final Map<String, String> env;
    private final int port;
    private PgBinaries binaries;

    /** @param port 0 = any free port */
    public LocalTarget(Map<String, String> env, int port) {
        this.env = Map.copyOf(env);
        this.port = port;
    }

    @Override
    public String name() {
        return "local";
    }

    private PgBinaries binaries() {
        if (binaries == null) binaries = PgBinaries.locate(env).requirePgvector();
        return binaries;
    }

    @Override
    public void preflight(RunContext ctx) {
        binaries();
        LocalInstances.baseDir(ctx);
    }

    @Override
    public ConnectionSpec connect(RunContext ctx, ConnectionSpec source) {
        LocalPostgres pg = LocalInstances.start(ctx, binaries(), TARGET, port, LocalProvider.sourceSettings(), false);
        String db = source.database();
        try (Connection c = Database.connect(pg.connection("postgres"), "target", null)) {
            if (!Queries.bool(c, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = ?)", db)) {
                Queries.exec(c, "CREATE DATABASE " + Sql.ident(db));
            }
        } catch (SQLException e) {
            throw ToolException.runtime("cannot create database '" + db + "' on the local target: " + Database.firstLine(e.getMessage()), e);
        }
        return pg.connection(db);
    }

    @Override
    public void teardown(RunContext ctx) {
        String dir = LocalInstances.live(ctx.journal(), TARGET).map(r -> r.attribute("dir")).orElse(null);
        if (LocalInstances.destroy(ctx, binaries(), TARGET)) ctx.progress().info("removed target instance " + dir);
    }

    /** Where a kept target lives, for the operator (no password: the path of its file). */
    public static String describeKept(RunContext ctx) {
        return LocalInstances.live(ctx.journal(), TARGET).map(r -> "target kept running: postgresql://postgres@127.0.0.1:"
                + r.attribute("port") + "/ (password in " + Path.of(r.attribute("passwordFile")) + "); data in " + r.attribute("dataDir"))
                .orElse("");
    }
}
