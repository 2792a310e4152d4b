package io.pgvectormigrate.run;

import io.pgvectormigrate.aws.AwsWaits;
import io.pgvectormigrate.aws.AwsCleanup;
import io.pgvectormigrate.aws.AwsClients;
import io.pgvectormigrate.aws.AwsErrors;
import io.pgvectormigrate.aws.AwsProvider;
import io.pgvectormigrate.aws.dms.DmsHandlers;
import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pipeline.Journal;
import io.pgvectormigrate.report.Progress;

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;

/**
 * {@code cleanup}: what a run made, from its journal and (with discover) its tags, over every kind a run makes
 * ({@link DmsHandlers#everything}), inspected first and deleted once the operator confirmed.
 */
public final class Cleanup {
    /**
     * @param journal the run's journal, or null when it is lost (discover only)
     * @param source  where the list came from: "journal", "tags", or "journal and tags"
     */
    public record Found(AwsCleanup cleanup, Journal journal, String runId, String region, String source, List<AwsCleanup.Item> items) {
        public long count(AwsCleanup.Action action) {
            return items.stream().filter(i -> i.action() == action).count();
        }

        /** The list as a report, nothing deleted (a dry run, or nothing to delete). */
        public AwsCleanup.Report report(boolean dryRun) {
            return new AwsCleanup.Report(runId, region, source, dryRun, items);
        }
    }

    private Cleanup() {}

    /** Bad input before any AWS client exists: without a journal, only the tags can say what the run made. */
    public static void check(Path workDir, String runId, boolean discover) {
        if (!Journal.exists(workDir, runId) && !discover) {
            throw ToolException.usage("no journal for run " + runId + " in " + workDir.resolve("runs")
                    + ": pass --work-dir, or --discover (with --region) to find the run's resources by their tags");
        }
    }

    /** Lists what cleanup would do with each resource of the run (once {@link #check} passed); changes nothing. */
    public static Found inspect(AwsClients clients, Progress progress, Path workDir, String runId, boolean discover) {
        AwsWaits waits = new AwsWaits(clients.pacing(), progress);
        AwsCleanup cleanup = new AwsCleanup(clients, waits, DmsHandlers.everything(clients, waits, runId));
        Journal journal = Journal.exists(workDir, runId) ? Journal.load(workDir, runId, Clock.systemUTC()) : null;
        if (journal != null) AwsProvider.checkRegion(journal, clients.region());
        String source = journal != null ? (discover ? "journal and tags" : "journal") : "tags";
        List<AwsCleanup.Item> items = AwsErrors.guard(() -> cleanup.inspect(journal, runId, discover));
        return new Found(cleanup, journal, runId, clients.region(), source, items);
    }

    /** Deletes what {@link #inspect} marked for deletion (journaling what the tags found first); a re-run continues. */
    public static AwsCleanup.Report execute(Found f, Path workDir, AwsCleanup.Options options) {
        Journal j = f.journal() != null ? f.journal() : Journal.open(workDir, f.runId(), "cleanup", Clock.systemUTC());
        return AwsErrors.guard(() -> f.cleanup().execute(j, f.runId(), f.source(), f.items(), options));
    }

    /** With nothing to delete, a known journal still learns what is already gone. */
    public static void settle(Found f, AwsCleanup.Options options) {
        if (f.journal() != null) f.cleanup().execute(f.journal(), f.runId(), f.source(), f.items(), options);
    }
}
