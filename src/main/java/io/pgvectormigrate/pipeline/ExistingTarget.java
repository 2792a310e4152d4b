package io.pgvectormigrate.pipeline;

import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pg.CredentialResolver;
import io.pgvectormigrate.pg.Database;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * The operator's own target database ({@code --target}): checked at preflight, never created or removed by the
 * tool. Its password comes from the connection string, PGPASSWORD or ~/.pgpass and is never journaled, so a
 * resumed run needs the same {@code --target} again.
 */
public final class ExistingTarget implements TargetProvider {
    private final ConnectionSpec spec;

    /** @param raw the operator's connection, resolved against PG* variables and ~/.pgpass */
    public ExistingTarget(ConnectionSpec raw, CredentialResolver credentials) {
        this.spec = credentials.resolve(raw);
    }

    @Override
    public String name() {
        return "existing";
    }

    public ConnectionSpec spec() {
        return spec;
    }

    @Override
    public void preflight(RunContext ctx) {
        check();
    }

    private void check() {
        // connect failures become exit-2 messages that say what to fix
        try (Connection c = Database.connect(spec, "target", null)) {
            c.isValid(5);
        } catch (SQLException e) {
            throw Database.classify(e, spec, "target");
        }
    }

    @Override
    public ConnectionSpec connect(RunContext ctx, ConnectionSpec source) {
        check();
        return spec;
    }

    @Override
    public void teardown(RunContext ctx) {
        // the operator's database: nothing of it is the run's to remove (the engine removes its own objects)
    }
}
