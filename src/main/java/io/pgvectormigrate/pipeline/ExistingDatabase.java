package io.pgvectormigrate.pipeline;

import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pg.CredentialResolver;
import io.pgvectormigrate.pg.Database;
import io.pgvectormigrate.pg.SqlErrors;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * A database the operator names ({@code --source}, {@code --target}): checked at preflight, never created or removed
 * by the tool. As a source it is already there (nothing to restore); as a target it is used as it is. Its password
 * comes from the connection string, PGPASSWORD, ~/.pgpass or a prompt and is never journaled, so a resumed run
 * needs the same connection again.
 */
public final class ExistingDatabase implements SourceProvider, TargetProvider {
    private final ConnectionSpec spec;
    private final ConnectionSpec fromTarget;
    private final String role;

    /**
     * @param spec       the connection, password resolved
     * @param fromTarget as a source: how the target server reaches it (subscriptions); usually {@code spec}
     * @param role       "source" or "target", for messages
     */
    public ExistingDatabase(ConnectionSpec spec, ConnectionSpec fromTarget, String role) {
        this.spec = spec;
        this.fromTarget = fromTarget == null ? spec : fromTarget;
        this.role = role;
    }

    /** The operator's target, resolved against PG* variables and ~/.pgpass. */
    public static ExistingDatabase target(ConnectionSpec raw, CredentialResolver credentials) {
        return new ExistingDatabase(credentials.resolve(raw), null, "target");
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
        // connect failures become exit-2 messages that say what to fix
        try (Connection c = Database.connect(spec, role, null)) {
            c.isValid(5);
        } catch (SQLException e) {
            throw SqlErrors.atConnect(e, spec, role);
        }
    }

    @Override
    public void restore(RunContext ctx) {
        preflight(ctx); // the operator's source exists already
    }

    @Override
    public ConnectionSpec credentials(RunContext ctx) {
        return spec;
    }

    @Override
    public ConnectionSpec fromTarget(RunContext ctx, ConnectionSpec credentials) {
        return fromTarget;
    }

    @Override
    public ConnectionSpec connect(RunContext ctx, ConnectionSpec source) {
        preflight(ctx);
        return spec;
    }

    @Override
    public void teardown(RunContext ctx) {
        // the operator's database: nothing of it is the run's to remove (the engine removes its own objects)
    }
}
