package io.pgvectormigrate.run;

import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pipeline.ExistingDatabase;
import io.pgvectormigrate.pipeline.Journal;
import io.pgvectormigrate.replication.NativeOptions;
import io.pgvectormigrate.report.Progress;

import java.nio.file.Path;
import java.time.Clock;

/** A copy command's pass with the native engine, between the operator's two databases. */
public final class NativeCopy {
    private NativeCopy() {}

    /** The pass, over the two databases (passwords resolved, in memory only). */
    public static Standalone.Result run(Standalone.Copy q, ConnectionSpec source, ConnectionSpec sourceFromTarget, ConnectionSpec target,
                                        NativeOptions options, Progress progress, Clock clock) {
        Standalone.Opened o = Standalone.open(q, RunSettings.Engine.NATIVE.id(), source, target, clock);
        return Standalone.copy(o.copy(), o.journal(), new ExistingDatabase(source, sourceFromTarget, "source"),
                new ExistingDatabase(target, null, "target"), Engines.nativeEngine(options), progress, clock);
    }

    /**
     * The latest migrate run in the work directory between these two databases whose native replication is still live
     * (for cutover without --run-id). Runs of other commands (a kept rehearsal) and of other databases are never picked.
     */
    public static String latestRun(Path workDir, ConnectionSpec source, ConnectionSpec target) {
        return Journal.latest(workDir, d -> Standalone.CONTINUES.contains(d.command()) && d.hasLive(Engines.NATIVE_SUBSCRIPTION)
                        && source.display().equals(d.parameter(Standalone.P_SOURCE)) && target.display().equals(d.parameter(Standalone.P_TARGET)))
                .orElseThrow(() -> ToolException.usage("no run in " + workDir.resolve("runs") + " that migrate began from " + source.display()
                        + " to " + target.display() + " has a native subscription left to cut over: pass --run-id"));
    }
}
