package io.pgvectormigrate.cli;

import io.pgvectormigrate.aws.AwsClients;
import io.pgvectormigrate.core.ToolException;
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

    /**
     * Asks a yes/no question on the terminal; without one it is bad input (exit 2) saying how to confirm instead.
     *
     * @param noTerminal the message when there is no terminal to ask on
     */
    public boolean confirm(String question, String noTerminal) {
        if (prompt == PasswordPrompt.NONE) throw ToolException.usage(noTerminal);
        String answer;
        if (System.console() != null && errIsTerminal) {
            answer = System.console().readLine("%s", question);
        } else {
            char[] a = prompt.ask(question);
            answer = a == null ? null : new String(a);
        }
        return answer != null && answer.trim().equalsIgnoreCase("yes");
    }

    public CredentialResolver credentials() {
        return new CredentialResolver(env, home);
    }
}
