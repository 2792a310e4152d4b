package io.pgvectormigrate.bench;

import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.report.Progress;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The tool as an operator starts it: a JVM of its own per command ({@code java -jar target/pgvector-migrate.jar ...}),
 * with the JVM options bin/pgvector-migrate gave this JVM (its C1-only default, or PGVM_JAVA_OPTS). From a build tree
 * (tests, an IDE) the same classes on the same class path, without this JVM's agents.
 *
 * @param command the command line before the tool's arguments
 * @param shown   the same, shortened for the report
 */
record ToolProcess(List<String> command, String shown) {
    static ToolProcess forThisJvm(String mainClass) {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> options = ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(o -> !o.startsWith("-javaagent") && !o.startsWith("-agentlib") && !o.startsWith("-agentpath"))
                .toList();
        Path code;
        try {
            code = Path.of(ToolProcess.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (Exception e) {
            throw ToolException.runtime("cannot tell where the tool's classes are: " + e.getMessage(), e);
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.addAll(options);
        String shown;
        if (code.toString().endsWith(".jar")) {
            cmd.addAll(List.of("-jar", code.toString()));
            shown = String.join(" ", options) + " -jar " + code.getFileName();
        } else {
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
            shown = String.join(" ", options) + " -cp <build tree> " + mainClass;
        }
        return new ToolProcess(List.copyOf(cmd), "java " + shown.strip());
    }

    /** One finished command: its wall seconds (JVM start and exit included), stdout, and its process id. */
    record Run(double seconds, String out, long pid) {}

    /**
     * Runs the tool with {@code args} in {@code cwd} with exactly {@code env}; each stderr line goes to
     * {@code errLine} as it comes. Another exit code than {@code expectedExit} fails the benchmark with the end of its
     * output.
     */
    Run run(List<String> args, Map<String, String> env, Path cwd, String label, int expectedExit,
            Consumer<String> errLine) {
        List<String> cmd = Stream.concat(command.stream(), args.stream()).toList();
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile());
            pb.environment().clear();
            pb.environment().putAll(env);
            long t0 = System.nanoTime();
            Process proc = pb.start();
            List<String> err = Collections.synchronizedList(new ArrayList<>());
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(proc.getErrorStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) {
                        err.add(line);
                        errLine.accept(line);
                    }
                } catch (IOException ignored) {
                    // the process is gone
                }
            }, "tool-stderr");
            reader.start();
            String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int code = proc.waitFor();
            double secs = Bench.secondsSince(t0);
            reader.join();
            if (code != expectedExit) {
                String tail = err.stream().skip(Math.max(0, err.size() - 15)).collect(Collectors.joining("\n"));
                throw ToolException.runtime(label + " failed (exit " + code + "):\n" + tail + "\n" + out.strip());
            }
            return new Run(secs, out, proc.pid());
        } catch (IOException e) {
            throw ToolException.runtime("cannot run " + cmd.get(0) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ToolException.runtime("interrupted");
        }
    }

    /** Seconds a JVM needs to start the tool and exit ({@code --version}), the median of 3; NaN when it cannot run. */
    double startSeconds(Progress p) {
        List<String> cmd = Stream.concat(command.stream(), Stream.of("--version")).toList();
        try {
            double[] t = new double[3];
            for (int i = 0; i < 3; i++) {
                long t0 = System.nanoTime();
                Bench.output(cmd, System.getenv(), cmd.get(0));
                t[i] = Bench.secondsSince(t0);
            }
            return Bench.median(t);
        } catch (ToolException e) {
            p.info("could not time a JVM start: " + e.getMessage());
            return Double.NaN;
        }
    }
}
