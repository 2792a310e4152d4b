package io.pgvectormigrate.cli;

import io.pgvectormigrate.aws.AwsClients;
import io.pgvectormigrate.pg.CredentialResolver;
import io.pgvectormigrate.pg.CredentialResolver.PasswordPrompt;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;

/**
 * What a command may touch of the outside world: its streams, environment, home and working directory,
 * and how to prompt. Built by {@link Main#run}; tests build their own, so nothing is global.
 *
 * @param out       human output and --format json reports
 * @param err       progress, logs and error lines
 * @param env       environment variables (PG*, AWS_*)
 * @param home      home directory (~/.pgpass)
 * @param cwd       working directory (relative paths, default work dir)
 * @param prompt    password prompt
 * @param errIsTerminal whether stderr is a terminal (progress bars only then)
 * @param awsClients builds the AWS SDK clients (tests pass stateful fakes through this seam)
 */
public record CliContext(PrintWriter out, PrintWriter err, Map<String, String> env, Path home, Path cwd,
                         PasswordPrompt prompt, boolean errIsTerminal, AwsClients.Factory awsClients) {

    public CliContext(PrintWriter out, PrintWriter err, Map<String, String> env, Path home, Path cwd,
                      PasswordPrompt prompt, boolean errIsTerminal) {
        this(out, err, env, home, cwd, prompt, errIsTerminal, AwsClients.Factory.SDK);
    }

    public CredentialResolver credentials() {
        return new CredentialResolver(env, home);
    }
}
