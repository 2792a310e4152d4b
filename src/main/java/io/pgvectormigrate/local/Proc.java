package io.pgvectormigrate.local;

import io.pgvectormigrate.core.ToolException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs local programs (initdb, pg_ctl, pg_dump, ...), as the postgres OS user when we are root. */
public final class Proc {
    private Proc() {}

    public record Result(int exitCode, String output) {
        public boolean ok() {
            return exitCode == 0;
        }

        /** Last lines of the output, for error messages. */
        public String tail(int lines) {
            return Proc.tail(output, lines);
        }
    }

    /** The last lines of a text joined by " | ", for one-line error messages. */
    static String tail(String text, int lines) {
        List<String> all = text.strip().lines().toList();
        return String.join(" | ", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    public static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** Prefixes the command with runuser when root, because initdb and postgres refuse to run as root. */
    public static List<String> asPostgresUser(List<String> command) {
        if (!isRoot()) return command;
        List<String> c = new ArrayList<>(List.of("runuser", "-u", "postgres", "--"));
        c.addAll(command);
        return c;
    }

    public static Result run(List<String> command, Path workDir, Map<String, String> env, Duration timeout) {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        if (workDir != null) pb.directory(workDir.toFile());
        if (env != null) pb.environment().putAll(env);
        try {
            Process p = pb.start();
            // read fully in a thread so a chatty child never blocks on a full pipe
            var out = new java.io.ByteArrayOutputStream();
            Thread reader = new Thread(() -> {
                try (var in = p.getInputStream()) {
                    in.transferTo(out);
                } catch (IOException ignored) {
                    // process ended
                }
            }, "proc-output");
            reader.setDaemon(true);
            reader.start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw ToolException.runtime(command.get(command.size() > 4 && isRoot() ? 4 : 0)
                        + " did not finish within " + timeout.toSeconds() + " s");
            }
            reader.join(5000);
            return new Result(p.exitValue(), out.toString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw ToolException.runtime("cannot run " + command.get(0) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ToolException.runtime("interrupted while running " + command.get(0), e);
        }
    }

    /** Runs and fails with the output's tail when the exit code is not 0. */
    public static Result check(String what, List<String> command, Path workDir, Map<String, String> env, Duration timeout) {
        Result r = run(command, workDir, env, timeout);
        if (!r.ok()) {
            throw ToolException.runtime(what + " failed (exit " + r.exitCode() + "): " + r.tail(4));
        }
        return r;
    }
}
