package io.pgvectormigrate.cli;

import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pg.CredentialResolver.PasswordPrompt;
import io.pgvectormigrate.pg.Database;
import io.pgvectormigrate.run.CopyPass;
import picocli.CommandLine.Option;

import java.sql.Connection;
import java.util.Arrays;
import java.util.Objects;

/** Picocli mixin: the two databases of a copy, a comparison or a preparation (copy commands add --source-from-target). */
public class ConnectionOptions {
    @Option(names = "--source", paramLabel = "<conn>",
            description = "The database copied from (JDBC URL or postgresql:// URI).")
    public String source;

    @Option(names = "--target", paramLabel = "<conn>",
            description = "The database copied to (JDBC URL or postgresql:// URI).")
    public String target;

    /** Bad input naming what is missing when either connection is. */
    public void requireBoth(String why) {
        if (source == null || target == null) {
            throw ToolException.usage("missing " + (source == null ? "--source" : "") + (source == null && target == null ? " and " : "")
                    + (target == null ? "--target" : "") + ": " + why + " (JDBC URL or postgresql:// URI)");
        }
    }

    /**
     * Both connections, with the subscription's view of the source filled in and a password the servers accept (asked for when needed: a subscription must carry it).
     *
     * @param sourceFromTarget the source as the target server reaches it, or null for --source
     * @param why              what needs both, for the bad input naming what is missing
     */
    public CopyPass.Databases.Resolved resolve(CliContext ctx, String sourceFromTarget, String why) {
        requireBoth(why);
        ConnectionSpec s = sourceOrNull(ctx);
        ConnectionSpec sft = sourceFromTarget == null ? s : given(ctx, sourceFromTarget);
        if (!sft.hasPassword() && s.hasPassword() && Objects.equals(sft.user(), s.user())) {
            sft = sft.withPassword(s.password());
        }
        return new CopyPass.Databases.Resolved(s, targetOrNull(ctx), sft);
    }

    /** The connection as given, its password from the URL, PGPASSWORD or ~/.pgpass (a prompt is the caller's); null when absent. */
    public static ConnectionSpec given(CliContext ctx, String conn) {
        return conn == null ? null : ctx.credentials().resolve(ConnectionSpec.parse(conn));
    }

    public ConnectionSpec sourceOrNull(CliContext ctx) {
        return withWorkingPassword(given(ctx, source), "source", ctx.prompt());
    }

    public ConnectionSpec targetOrNull(CliContext ctx) {
        return withWorkingPassword(given(ctx, target), "target", ctx.prompt());
    }

    /**
     * Makes sure the spec carries the password the server wants: the subscription needs it in its connection
     * string, so a password typed at the prompt must end up in the spec, not only in one connection.
     */
    static ConnectionSpec withWorkingPassword(ConnectionSpec spec, String role, PasswordPrompt prompt) {
        if (spec == null || spec.hasPassword()) return spec;
        try (Connection ignored = Database.connect(spec, role, null)) {
            return spec; // the server let us in without one
        } catch (ToolException e) {
            boolean wantsPassword = e.getCause() != null && String.valueOf(e.getCause().getMessage()).contains("no password was provided");
            if (wantsPassword && prompt != null) {
                char[] typed = prompt.ask(role + " (" + spec.display() + ")");
                if (typed != null) {
                    try {
                        return spec.withPassword(new String(typed));
                    } finally {
                        Arrays.fill(typed, '\0');
                    }
                }
            }
            throw e;
        } catch (java.sql.SQLException e) {
            return spec;
        }
    }
}
