package io.pgvectormigrate.run;

import io.pgvectormigrate.aws.AwsClients;
import io.pgvectormigrate.aws.AwsSession;
import io.pgvectormigrate.aws.AwsSettings;
import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pipeline.ExistingDatabase;
import io.pgvectormigrate.pipeline.Journal;
import io.pgvectormigrate.pipeline.Pipeline;
import io.pgvectormigrate.pipeline.Step;
import io.pgvectormigrate.replication.NativeOptions;
import io.pgvectormigrate.report.Progress;

import java.nio.file.Path;
import java.time.Clock;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The copy commands (migrate, cutover): which engine copies, and what that engine needs. The engine decides the rest:
 * the run id, which databases must be given, and for dms the AWS clients, opened only once its settings passed
 * ({@link DmsCopy}); the native pass is here.
 */
public final class CopyPass {
    private CopyPass() {}

    /** How a command names its run: for dms, and for native once both databases are resolved. */
    public record RunIds(Supplier<String> dms, Function<Databases.Resolved, String> nativeRun) {}

    /**
     * The operator's databases. Resolving one may connect and ask for a password, so it happens only once the engine
     * says which it needs.
     *
     * @param both         both (the source also as the target server reaches it); bad input naming what is missing
     * @param sourceOrNull the source as given, or null (dms then takes the run's restored cluster)
     * @param targetOrNull the target as given, or null (dms then takes the stack's cluster)
     */
    public record Databases(Function<String, Resolved> both, Supplier<ConnectionSpec> sourceOrNull,
                            Supplier<ConnectionSpec> targetOrNull) {
        /** Resolved connections, passwords in memory only. */
        public record Resolved(ConnectionSpec source, ConnectionSpec target, ConnectionSpec sourceFromTarget) {}
    }

    /**
     * @param runId  --run-id, or null
     * @param engine --engine, or null
     * @param pass   the command's steps, for a run id
     * @param aws    where and as whom to call AWS (dms only; read only then)
     */
    public record Request(Path workDir, String runId, String engine, Function<String, Standalone.Copy> pass, RunIds runIds,
                          NativeOptions nativeOptions, DmsCopy.Inputs dms, AwsClients.Factory awsClients, Supplier<AwsSettings> aws) {}

    public static Standalone.Result run(Request r, Databases databases, Progress progress, Clock clock) {
        if (engine(r.workDir(), r.runId(), r.engine()).equals(RunSettings.Engine.DMS.id())) {
            Standalone.Copy q = r.pass().apply(r.runIds().dms().get());
            // exit 2 before any AWS client exists
            DmsCopy.Settings settings = DmsCopy.Settings.of(r.dms(), q.steps().contains(Step.MIGRATE));
            try (AwsClients clients = AwsSession.clients(r.awsClients(), r.aws().get(), r.workDir(), q.runId())) {
                return DmsCopy.run(q, settings, databases.sourceOrNull().get(), databases.targetOrNull().get(), clients,
                        progress, clock);
            }
        }
        Databases.Resolved c = databases.both().apply("the native engine needs both connections");
        Standalone.Copy q = r.pass().apply(r.runIds().nativeRun().apply(c));
        return nativeCopy(q, c.source(), c.sourceFromTarget(), c.target(), r.nativeOptions(), progress, clock);
    }

    /** The pass with the native engine, between the operator's two databases (passwords resolved, in memory only). */
    public static Standalone.Result nativeCopy(Standalone.Copy q, ConnectionSpec source,
                                               ConnectionSpec sourceFromTarget, ConnectionSpec target,
                                               NativeOptions options, Progress progress, Clock clock) {
        Standalone.Opened o = Standalone.open(q, RunSettings.Engine.NATIVE.id(), source, target, clock);
        return Standalone.copy(o.copy(), o.journal(), new ExistingDatabase(source, sourceFromTarget, "source"),
                new ExistingDatabase(target, null, "target"), Engines.nativeEngine(options), progress, clock);
    }

    /**
     * The latest migrate run in the work directory between these two databases whose native replication is still
     * live (for cutover without --run-id). Runs of other commands (a kept rehearsal) and of other databases are never
     * picked.
     */
    public static String latestNativeRun(Path workDir, ConnectionSpec source, ConnectionSpec target) {
        return Journal.latest(workDir, d -> Standalone.CONTINUES.contains(d.command())
                        && d.hasLive(Engines.NATIVE_SUBSCRIPTION)
                        && source.display().equals(d.parameter(Standalone.P_SOURCE))
                        && target.display().equals(d.parameter(Standalone.P_TARGET)))
                .orElseThrow(() -> ToolException.usage("no run in " + workDir.resolve("runs")
                        + " that migrate began from " + source.display() + " to " + target.display()
                        + " has a native subscription left to cut over: pass --run-id"));
    }

    /**
     * The engine of a copy command: the one given, else the one the run recorded (cutover takes migrate's), else native.
     * Another engine than the run's is bad input once its migrate began; nothing is written.
     *
     * @param runId the given run id, or null
     */
    static String engine(Path workDir, String runId, String given) {
        String engine = given == null ? null : RunSettings.Engine.of(given).id();
        String dflt = RunSettings.Engine.NATIVE.id();
        if (runId != null) Journal.validateRunId(runId);
        if (runId == null || !Journal.exists(workDir, runId)) return engine != null ? engine : dflt;
        Journal j = Journal.load(workDir, runId, Clock.systemUTC());
        return j.choice(Pipeline.P_ENGINE, engine, dflt, Standalone.began(j), "--engine");
    }
}
