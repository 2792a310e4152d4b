package io.pgvectormigrate.cli;

import io.pgvectormigrate.aws.AwsClients;
import io.pgvectormigrate.aws.AwsOptions;
import io.pgvectormigrate.aws.AwsSession;
import io.pgvectormigrate.core.ExitCode;
import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.engine.NativeEngine;
import io.pgvectormigrate.engine.NativeOptions;
import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pg.CredentialResolver.PasswordPrompt;
import io.pgvectormigrate.pg.Database;
import io.pgvectormigrate.pipeline.Endpoints;
import io.pgvectormigrate.pipeline.Journal;
import io.pgvectormigrate.pipeline.RunContext;
import io.pgvectormigrate.pipeline.Step;
import io.pgvectormigrate.report.Json;
import io.pgvectormigrate.report.Progress;
import io.pgvectormigrate.run.DmsMigration;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

@Command(name = "migrate", mixinStandardHelpOptions = true,
        description = {
                "Copies the selected tables from the source to the prepared target and keeps them in sync with logical "
                        + "replication until cutover. Returns once the initial copy is complete and changes are streaming.",
                "native (default): the tool's own publication, slot and subscription. The initial rows are copied from "
                        + "the slot's snapshot by parallel binary COPY streams (--initial-copy snapshot), or by the "
                        + "subscription itself, server to server (--initial-copy subscription).",
                "dms: an AWS DMS homogeneous data migration (instance profile, data providers, migration project, data "
                        + "migration, all tagged with the run id), started and watched until the full load is complete; indexes "
                        + "and sequences follow. After `restore --run-id ID` everything comes from the run's journal and the "
                        + "stack (network, both secrets, both connections); otherwise pass them. --cutover stops it and drops "
                        + "what DMS leaves on the source; `cleanup --run-id ID` deletes the DMS objects.",
                "Safe to run again with the same --run-id after a crash: it reuses what the run created and never "
                        + "duplicates rows.",
                ""},
        footer = {"",
                "Examples:",
                "  pgvector-migrate migrate --run-id bedrock-v1 \\",
                "      --source postgresql://postgres@old-copy:5432/postgres \\",
                "      --target postgresql://postgres@new-cluster:5432/postgres",
                "  pgvector-migrate cutover --run-id bedrock-v1 --source $SRC --target $TGT",
                "  pgvector-migrate migrate --source $SRC --target $TGT --cutover",
                "",
                "  # DMS, after `pgvector-migrate restore --snapshot ... --stack BedrockChatStack --run-id bedrock-v1`",
                "  # and `prepare-target`: connections, secrets and network come from the run's journal and the stack",
                "  pgvector-migrate migrate --engine dms --run-id bedrock-v1 --region eu-west-1 \\",
                "      --dms-role-arn arn:aws:iam::123456789012:role/pgvector-migrate-dms",
                "  pgvector-migrate migrate --engine dms --run-id bedrock-v1 --config migration.yaml --cutover",
                "  pgvector-migrate cleanup --run-id bedrock-v1 --yes                  # DMS objects first, then the cluster",
                "",
                "Needs: the target prepared (prepare-target); on the source wal_level=logical",
                "(rds.logical_replication=1 on Aurora) and a user with REPLICATION (or the",
                "rds_replication role); for dms the DMS role (see `pgvector-migrate iam-policy`) and",
                "a network path from DMS to both databases on 5432.",
                "Passwords: URL, PGPASSWORD or ~/.pgpass; never printed, never journaled."})
public final class MigrateCommand implements Callable<Integer> {
    private final CliContext ctx;

    @Mixin
    CommonOptions common;

    @Option(names = "--engine", paramLabel = "native|dms", defaultValue = "native",
            description = "Who copies: native (PostgreSQL logical replication driven by the tool, default) or dms (AWS DMS).")
    String engine;

    @Option(names = "--source", paramLabel = "<conn>",
            description = "The database to copy from (JDBC URL or postgresql:// URI). Required for native; for dms the default is "
                    + "the temporary cluster the run restored (its tool-owned secret).")
    String source;

    @Option(names = "--target", paramLabel = "<conn>",
            description = "The prepared database to copy to. Required for native; for dms the default is the stack's cluster "
                    + "(its DbConfigSecretArn).")
    String target;

    @Mixin
    AwsOptions aws = new AwsOptions();

    @Mixin
    DmsFlags dmsFlags = new DmsFlags();

    @Option(names = "--config", paramLabel = "FILE", description = "dms: read migration.yaml's dms: section (flags win).")
    Path config;

    @Option(names = "--source-secret-arn", paramLabel = "ARN", description = "dms: the secret DMS reads the source's login from "
            + "(default: the run's tool-owned secret).")
    String sourceSecretArn;

    @Option(names = "--target-secret-arn", paramLabel = "ARN", description = "dms: the secret DMS reads the target's login from "
            + "(default: the stack's DbConfigSecretArn).")
    String targetSecretArn;

    @Option(names = "--source-from-target", paramLabel = "<conn>",
            description = "The source as the target server reaches it, for the subscription (default: --source). "
                    + "Its password defaults to the source's.")
    String sourceFromTarget;

    @Mixin
    TableFilterOptions tableFilter = new TableFilterOptions();

    @Option(names = "--run-id", paramLabel = "ID",
            description = "Names this run (publication, slot and subscription are pgvm_<id>); re-use it to resume. "
                    + "Default: native-<yyyyMMdd-HHmmss>.")
    String runId;

    @Option(names = "--work-dir", paramLabel = "DIR", defaultValue = ".pgvector-migrate",
            description = "Where the run journal lives (default: ${DEFAULT-VALUE}).")
    Path workDir;

    @Option(names = "--cutover", description = "Continue straight into cutover once the copy is complete.")
    boolean cutover;

    @Option(names = "--initial-copy", paramLabel = "snapshot|subscription", defaultValue = "snapshot",
            converter = InitialCopyConverter.class,
            description = "snapshot (default): the tool copies the slot's snapshot with parallel binary COPY (fast; rows pass "
                    + "through this machine). subscription: PostgreSQL's table sync copies server to server (text; use it "
                    + "when this machine is far from both databases).")
    NativeOptions.InitialCopy initialCopy;

    @Option(names = "--jobs", paramLabel = "N", defaultValue = "4",
            description = "Parallel COPY streams for --initial-copy snapshot (default: ${DEFAULT-VALUE}).")
    int jobs;

    @Option(names = "--max-lag", paramLabel = "BYTES", defaultValue = "0", converter = ByteSizeConverter.class,
            description = "With --cutover: cut over once the target is at most this far behind (e.g. 16MB); "
                    + "default 0 waits for every change committed before cutover began.")
    long maxLag;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "30m", converter = DurationConverter.class,
            description = "With --cutover: how long to wait for the target to catch up (e.g. 90s, 30m, 2h; default ${DEFAULT-VALUE}).")
    Duration timeout;

    public MigrateCommand(CliContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public Integer call() {
        switch (engine.toLowerCase(Locale.ROOT)) {
            case "native" -> {
                return runNative();
            }
            case "dms" -> {
                return runDms();
            }
            default -> throw ToolException.usage("unknown engine '" + engine + "': pick native or dms");
        }
    }

    private int runNative() {
        if (source == null || target == null) {
            throw ToolException.usage("missing " + (source == null ? "--source" : "") + (source == null && target == null ? " and " : "")
                    + (target == null ? "--target" : "") + ": the native engine needs both connections (JDBC URL or postgresql:// URI)");
        }
        Connections c = Connections.resolve(ctx, source, target, sourceFromTarget);
        String id = runId != null ? runId : "native-" + LocalDateTime.now(Clock.systemDefaultZone())
                .format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Journal.validateRunId(id);
        Path dir = ctx.cwd().resolve(workDir);
        Progress progress = Progress.to(ctx.err(), ctx.errIsTerminal() && !common.noProgress);
        Journal journal = Journal.open(dir, id, "migrate", Clock.systemUTC());
        journal.putParameter("engine", "native");
        journal.putParameter("source", c.source().display());
        journal.putParameter("target", c.target().display());
        RunContext run = new RunContext(journal, progress, dir, Clock.systemUTC());
        NativeOptions options = new NativeOptions(initialCopy, jobs, NativeOptions.DEFAULT_CHUNK_BYTES, maxLag, timeout, null, null);
        NativeEngine eng = new NativeEngine(options);
        Endpoints ep = new Endpoints(c.source(), c.target(), c.sourceFromTarget(), tableFilter.toFilter());

        NativeEngine.MigrateOutcome m = step(journal, Step.MIGRATE, () -> eng.migrateDetailed(run, ep),
                NativeEngine::describe);
        NativeEngine.CutoverOutcome co = cutover
                ? step(journal, Step.CUTOVER, () -> eng.cutoverDetailed(run, ep), NativeEngine::describe)
                : null;
        print(m, co, c, dir);
        return ExitCode.OK;
    }

    private int runDms() {
        // what needs no AWS first: a missing role or a bad value is exit 2 before any client or journal exists
        DmsMigration.Request q = DmsMigration.request(runId, ctx.cwd().resolve(workDir),
                config == null ? null : ctx.cwd().resolve(config), dmsFlags.toConfig(), sourceSecretArn, targetSecretArn,
                tableFilter.toFilter(), cutover, Clock.systemUTC());
        ConnectionSpec src = source == null ? null : withWorkingPassword(ctx.credentials().resolve(ConnectionSpec.parse(source)), "source", ctx.prompt());
        ConnectionSpec tgt = target == null ? null : withWorkingPassword(ctx.credentials().resolve(ConnectionSpec.parse(target)), "target", ctx.prompt());
        Progress progress = Progress.to(ctx.err(), ctx.errIsTerminal() && !common.noProgress);
        DmsMigration.Result r;
        try (AwsClients clients = AwsSession.clients(ctx.awsClients(), aws, ctx.env(),
                ctx.home(), q.workDir(), q.runId())) {
            r = DmsMigration.run(q, src, tgt, clients, progress, Clock.systemUTC());
        }
        if (common.json()) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("runId", r.runId());
            doc.put("engine", "dms");
            doc.put("migrate", r.migrate());
            if (r.cutover() != null) doc.put("cutover", r.cutover());
            doc.put("next", r.next());
            ctx.out().println(Json.write(doc));
        } else {
            ctx.out().println("run " + r.runId() + ": " + r.migrate().summary());
            r.migrate().figures().forEach((k, v) -> ctx.out().printf(Locale.ROOT, "  %-18s %s%n", k, v));
            if (r.cutover() != null) ctx.out().println("run " + r.runId() + ": " + r.cutover().summary());
            r.next().forEach(n -> ctx.out().println("next: " + n));
        }
        return ExitCode.OK;
    }

    /** Runs one step with its journal bookkeeping: started, then done with the summary, or failed with the message. */
    static <T> T step(Journal journal, Step step, Supplier<T> body, java.util.function.Function<T, String> summary) {
        journal.started(step);
        try {
            T out = body.get();
            journal.done(step, summary.apply(out), Map.of());
            return out;
        } catch (RuntimeException e) {
            journal.failed(step, e instanceof ToolException ? e.getMessage() : e.getClass().getSimpleName() + ": "
                    + Database.firstLine(e.getMessage()));
            throw e;
        }
    }

    private void print(NativeEngine.MigrateOutcome m, NativeEngine.CutoverOutcome co, Connections c, Path dir) {
        PrintWriter out = ctx.out();
        if (common.json()) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("runId", m.runId());
            doc.put("engine", "native");
            doc.put("summary", NativeEngine.describe(m));
            doc.put("migrate", m);
            if (co != null) doc.put("cutover", co);
            out.println(Json.write(doc));
            return;
        }
        out.println("run " + m.runId() + ": " + NativeEngine.describe(m));
        for (NativeEngine.TableRows t : m.tables()) {
            out.printf(Locale.ROOT, "  %-40s %,14d rows %12s%n", t.table(), t.rows(), NativeEngine.formatBytes(t.bytes()));
        }
        if (!m.sequences().isEmpty()) out.println("  sequences carried: " + String.join(", ", m.sequences()));
        if (co != null) {
            out.println("run " + m.runId() + ": " + NativeEngine.describe(co));
        } else {
            String wd = dir.equals(ctx.cwd().resolve(".pgvector-migrate")) ? "" : " --work-dir " + dir;
            out.println("next, once the application is stopped: pgvector-migrate cutover --run-id " + m.runId()
                    + " --source " + c.source().display() + " --target " + c.target().display() + wd);
        }
    }

    /** Resolved connections, with the subscription's view of the source filled in. Passwords in memory only. */
    record Connections(ConnectionSpec source, ConnectionSpec target, ConnectionSpec sourceFromTarget) {
        static Connections resolve(CliContext ctx, String source, String target, String sourceFromTarget) {
            ConnectionSpec s = withWorkingPassword(ctx.credentials().resolve(ConnectionSpec.parse(source)), "source", ctx.prompt());
            ConnectionSpec t = withWorkingPassword(ctx.credentials().resolve(ConnectionSpec.parse(target)), "target", ctx.prompt());
            ConnectionSpec sft = s;
            if (sourceFromTarget != null) {
                sft = ctx.credentials().resolve(ConnectionSpec.parse(sourceFromTarget));
                if (!sft.hasPassword() && s.hasPassword() && java.util.Objects.equals(sft.user(), s.user())) {
                    sft = sft.withPassword(s.password());
                }
            }
            return new Connections(s, t, sft);
        }
    }

    /**
     * Makes sure the spec carries the password the server wants: the subscription needs it in its connection
     * string, so a password typed at the prompt must end up in the spec, not only in one connection.
     */
    static ConnectionSpec withWorkingPassword(ConnectionSpec spec, String role, PasswordPrompt prompt) {
        if (spec.hasPassword()) return spec;
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
                        java.util.Arrays.fill(typed, '\0');
                    }
                }
            }
            throw e;
        } catch (java.sql.SQLException e) {
            return spec;
        }
    }

    /** Picks the most recent run under the work directory whose journal still lists live native replication. */
    static String latestNativeRun(Path workDir) {
        Path runs = workDir.resolve("runs");
        if (!Files.isDirectory(runs)) {
            throw ToolException.usage("no runs in " + runs + ": pass --run-id (and --work-dir if migrate used another one)");
        }
        String best = null;
        java.time.Instant bestAt = null;
        try (var dirs = Files.list(runs)) {
            for (Path d : (Iterable<Path>) dirs::iterator) {
                Path f = d.resolve(Journal.FILE_NAME);
                if (!Files.exists(f)) continue;
                Journal.Data data = Json.mapper().readValue(f.toFile(), Journal.Data.class);
                boolean live = data.resources() != null && data.resources().stream()
                        .anyMatch(r -> r.kind().equals(NativeEngine.SUBSCRIPTION) && !r.deleted());
                if (live && (bestAt == null || data.updatedAt().isAfter(bestAt))) {
                    best = data.runId();
                    bestAt = data.updatedAt();
                }
            }
        } catch (IOException e) {
            throw ToolException.runtime("cannot read the runs in " + runs + ": " + e.getMessage(), e);
        }
        if (best == null) {
            throw ToolException.usage("no run in " + runs + " has a native subscription left to cut over: pass --run-id");
        }
        return best;
    }

    /** snapshot | subscription. */
    static final class InitialCopyConverter implements CommandLine.ITypeConverter<NativeOptions.InitialCopy> {
        @Override
        public NativeOptions.InitialCopy convert(String value) {
            for (NativeOptions.InitialCopy c : NativeOptions.InitialCopy.values()) {
                if (c.id().equalsIgnoreCase(value)) return c;
            }
            throw new CommandLine.TypeConversionException("'" + value + "' is not snapshot or subscription");
        }
    }

    /** 0, 1048576, 512kB, 16MB, 1GB (powers of 1024). */
    static final class ByteSizeConverter implements CommandLine.ITypeConverter<Long> {
        private static final Pattern SIZE = Pattern.compile("(?i)\\s*(\\d+)\\s*(b|kb|k|mb|m|gb|g)?\\s*");

        @Override
        public Long convert(String value) {
            Matcher m = SIZE.matcher(value);
            if (!m.matches()) throw new CommandLine.TypeConversionException("'" + value + "' is not a size like 0, 512kB, 16MB or 1GB");
            long n = Long.parseLong(m.group(1));
            String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT);
            return switch (unit) {
                case "kb", "k" -> n * 1024;
                case "mb", "m" -> n * 1024 * 1024;
                case "gb", "g" -> n * 1024 * 1024 * 1024;
                default -> n;
            };
        }
    }

    /** 90s, 30m, 2h, 1h30m, a number of seconds, or ISO-8601 (PT30M). */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        private static final Pattern PART = Pattern.compile("(\\d+)(h|m|s)");

        @Override
        public Duration convert(String value) {
            String v = value.trim().toLowerCase(Locale.ROOT);
            try {
                if (v.startsWith("pt")) return Duration.parse(v.toUpperCase(Locale.ROOT));
                if (v.matches("\\d+")) return Duration.ofSeconds(Long.parseLong(v));
                if (v.matches("(\\d+[hms])+")) {
                    Duration d = Duration.ZERO;
                    Matcher m = PART.matcher(v);
                    while (m.find()) {
                        long n = Long.parseLong(m.group(1));
                        d = d.plus(switch (m.group(2)) {
                            case "h" -> Duration.ofHours(n);
                            case "m" -> Duration.ofMinutes(n);
                            default -> Duration.ofSeconds(n);
                        });
                    }
                    if (!d.isZero()) return d;
                }
            } catch (RuntimeException ignored) {
                // fall through to the message below
            }
            throw new CommandLine.TypeConversionException("'" + value + "' is not a duration like 90s, 30m or 2h");
        }
    }
}
