package io.pgvectormigrate.run;

import io.pgvectormigrate.aws.AwsClients;
import io.pgvectormigrate.aws.AwsErrors;
import io.pgvectormigrate.aws.DbSecret;
import io.pgvectormigrate.aws.Secrets;
import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pg.Database;
import io.pgvectormigrate.pg.SqlErrors;
import io.pgvectormigrate.pipeline.Journal;
import io.pgvectormigrate.pipeline.RunContext;
import io.pgvectormigrate.pipeline.TargetProvider;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;

/**
 * The new cluster of an AWS run: the one the application's stack made (found by the AWS provider's preflight, which
 * journals its endpoint and the stack's {@code DbConfigSecretArn}), logged in to with the credentials that secret
 * holds. Like {@code ExistingTarget} it is never created or removed; the password is read from Secrets Manager
 * each time a connection is needed and lives in memory only.
 *
 * @param secretOverride the target's secret when it is not the stack's DbConfigSecretArn (null: the stack's)
 * @param via            where this machine reaches the target through port forwarding (null: its endpoint)
 */
public record StackTarget(AwsClients aws, String secretOverride, HostPort via) implements TargetProvider {
    /** Journal parameters the AWS provider's preflight writes (TargetInfo.journalParameters). */
    static final String P_ENDPOINT = "aws.target.endpoint", P_PORT = "aws.target.port", P_SECRET = "aws.target.secretArn",
            P_CLUSTER = "aws.target.cluster";

    @Override
    public String name() {
        return "stack";
    }

    public String secretId(Journal j) {
        String secret = secretOverride != null ? secretOverride : j.parameter(P_SECRET).orElse(null);
        if (secret == null) {
            throw ToolException.usage("no secret for the target cluster " + j.parameter(P_CLUSTER).orElse("?")
                    + ": read from a stack with a DbConfigSecretArn output (--stack), or pass --target-secret-arn");
        }
        return secret;
    }

    /** The target's real endpoint (where DMS and the temporary cluster reach it). */
    public static ConnectionSpec endpoint(Journal j) {
        String host = j.parameter(P_ENDPOINT).orElseThrow(() -> ToolException.usage(
                "run " + j.runId() + " has no target cluster recorded yet: its preflight must run first"));
        return new ConnectionSpec(host, Integer.parseInt(j.parameter(P_PORT).orElse("5432")), "postgres", null, null, Map.of());
    }

    /** How this machine logs in to the target; reads the secret (bad input when it is missing or unreadable). */
    public ConnectionSpec spec(RunContext ctx) {
        Journal j = ctx.journal();
        String secret = secretId(j);
        ConnectionSpec where = endpoint(j);
        DbSecret s = AwsErrors.guard(() -> new Secrets(aws.secretsManager()).read(secret));
        ConnectionSpec spec = new ConnectionSpec(where.host(), where.port(), s.dbname() != null ? s.dbname() : "postgres",
                s.username(), s.password(), Map.of());
        return via == null ? spec : via.apply(spec);
    }

    @Override
    public void preflight(RunContext ctx) {
        check(spec(ctx));
    }

    @Override
    public ConnectionSpec connect(RunContext ctx, ConnectionSpec source) {
        ConnectionSpec spec = spec(ctx);
        check(spec);
        return spec;
    }

    private static void check(ConnectionSpec spec) {
        // connect failures become exit-2 messages that say what to fix (host, password, database)
        try (Connection c = Database.connect(spec, "target", null)) {
            c.isValid(5);
        } catch (SQLException e) {
            throw SqlErrors.atConnect(e, spec, "target");
        }
    }

    @Override
    public void teardown(RunContext ctx) {
        // the application's cluster: nothing of it is the run's to remove (the engine removes its own objects)
    }
}
