package io.pgvectormigrate.testing;

import io.pgvectormigrate.cli.CliContext;
import io.pgvectormigrate.cli.Main;
import io.pgvectormigrate.pg.CredentialResolver.PasswordPrompt;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Runs the CLI in-process with captured streams and a controlled environment. */
public final class CliRun {
    public record Result(int exitCode, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
        }
    }

    private CliRun() {}

    public static Result run(String... args) {
        return run(Map.of(), Path.of(System.getProperty("java.io.tmpdir")), args);
    }

    /** Runs with only the given environment variables (plus PATH), so the caller's PG* never leak in. */
    public static Result run(Map<String, String> env, Path cwd, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Map<String, String> e = new HashMap<>(env);
        e.putIfAbsent("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        e.putIfAbsent("AWS_EC2_METADATA_DISABLED", "true");
        CliContext ctx = new CliContext(new PrintWriter(out, true), new PrintWriter(err, true), Map.copyOf(e),
                cwd.resolve("no-home"), cwd, PasswordPrompt.NONE, false);
        int code = Main.run(ctx, args);
        return new Result(code, out.toString(), err.toString());
    }
}
