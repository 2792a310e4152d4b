package io.pgvectormigrate.cli;

import io.pgvectormigrate.core.ExitCode;
import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pg.CredentialResolver.PasswordPrompt;
import io.pgvectormigrate.pipeline.Failure;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Properties;

@Command(name = "pgvector-migrate",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {
                "Moves pgvector data from a snapshot-restored PostgreSQL/Aurora copy into a new cluster, and proves the copy complete.",
                ""},
        subcommands = {
                // the whole pipeline
                RehearseCommand.class,
                RunCommand.class,
                // its steps, one at a time
                VerifyCommand.class,
                PrepareTargetCommand.class,
                MigrateCommand.class,
                CutoverCommand.class,
                // the temporary Aurora cluster
                CaptureCommand.class,
                RestoreCommand.class,
                PlanCommand.class,
                StatusCommand.class,
                CleanupCommand.class,
                IamPolicyCommand.class,
                BenchmarkCommand.class,
                CommandLine.HelpCommand.class,
        },
        footer = {"",
                "Exit codes (every command):",
                "  0  success (verify: everything matches)",
                "  1  runtime failure (connection lost mid-run, unexpected error)",
                "  2  bad input or usage (the message says what to fix)",
                "  3  verification found differences",
                "",
                "Start here: pgvector-migrate rehearse   (the whole migration on this machine, no cloud)"})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command: pick one of the commands below");
    }

    public static void main(String[] args) {
        System.exit(run(System.out, System.err, args));
    }

    /** Runs the CLI in-process and returns the exit code; System streams are never touched beyond out/err. */
    public static int run(PrintStream out, PrintStream err, String... args) {
        CliContext ctx = new CliContext(
                new PrintWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), true),
                new PrintWriter(new OutputStreamWriter(err, StandardCharsets.UTF_8), true),
                System.getenv(),
                Path.of(System.getProperty("user.home")),
                Path.of("").toAbsolutePath(),
                out == System.out && System.console() != null ? PasswordPrompt.console() : PasswordPrompt.NONE,
                err == System.err && System.console() != null);
        return run(ctx, args);
    }

    /** Runs with an explicit context (tests pass their own environment and home). */
    public static int run(CliContext ctx, String... args) {
        CommandLine cl = commandLine(ctx);
        cl.setParameterExceptionHandler((ex, a) -> {
            ctx.err().println("error: " + ex.getMessage());
            CommandLine sub = ex.getCommandLine();
            ctx.err().println("Run '" + sub.getCommandSpec().qualifiedName() + " --help' for usage and examples.");
            return ExitCode.USAGE;
        });
        cl.setExecutionExceptionHandler((ex, sub, parseResult) -> {
            boolean verbose = sub.getCommand() instanceof ToolCommand c && c.common.verbose;
            Failure f = Failure.of(ex, null);
            boolean unexpected = !(ex instanceof ToolException) && f.message().startsWith("unexpected ");
            ctx.err().println("error: " + f.message() + (unexpected && !verbose ? " (run with --verbose for the stack trace)" : ""));
            if (verbose) ex.printStackTrace(ctx.err());
            return f.exitCode();
        });
        int code = cl.execute(args);
        ctx.out().flush();
        ctx.err().flush();
        return code;
    }

    /** The command tree as {@link #run} parses it (DocsMatchCliTest parses the documented command lines with it). */
    static CommandLine commandLine(CliContext ctx) {
        CommandLine cl = new CommandLine(new Main(), new ContextFactory(ctx));
        cl.setOut(ctx.out());
        cl.setErr(ctx.err());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        return cl;
    }

    /** Gives the {@link ToolCommand}s the CLI context. */
    private record ContextFactory(CliContext ctx) implements CommandLine.IFactory {
        @Override
        public <K> K create(Class<K> cls) throws Exception {
            K made = CommandLine.defaultFactory().create(cls);
            if (made instanceof ToolCommand c) c.ctx = ctx;
            return made;
        }
    }

    /** The version and the commit the build was made from (git.properties, written by the build). */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            Properties git = new Properties();
            try (var in = Main.class.getResourceAsStream("/io/pgvectormigrate/git.properties")) {
                if (in != null) git.load(in);
            } catch (IOException e) {
                // an unreadable resource reads as a build without git
            }
            String version = git.getProperty("git.build.version", "dev");
            String commit = git.getProperty("git.commit.id.abbrev");
            if (commit == null || commit.isBlank()) {
                return new String[]{"pgvector-migrate " + version + " (commit unknown: built outside a git checkout)"};
            }
            String dirty = "true".equals(git.getProperty("git.dirty")) ? ", with uncommitted changes" : "";
            return new String[]{"pgvector-migrate " + version + " (commit " + commit + dirty + ", "
                    + git.getProperty("git.commit.time", "") + ")"};
        }
    }
}
