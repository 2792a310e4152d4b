package io.pgvectormigrate.replication;

import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pg.TableFilter;
import io.pgvectormigrate.report.Progress;
import io.pgvectormigrate.prepare.TargetPreparer;

import java.time.Duration;

/**
 * How the native engine copies and cuts over.
 *
 * @param initialCopy    who copies the rows that exist when replication starts (see {@link InitialCopy})
 * @param jobs           parallel COPY streams for {@link InitialCopy#SNAPSHOT}; 0 (the default) chooses them from what
 *                       both servers and this machine can take (see {@code CopyStreams})
 * @param chunkBytes     {@link InitialCopy#SNAPSHOT} splits a table into block ranges of about this much data
 *                       (at most 2 x jobs ranges per table)
 * @param maxLagBytes    cutover proceeds once the target is at most this many WAL bytes behind; 0 means every
 *                       change committed on the source before cutover began must be on the target
 * @param timeout        how long cutover waits for the target to catch up (and migrate for the apply worker to start)
 * @param afterLoad      builds deferred indexes, reindexes vector indexes, analyzes (normally {@link AfterLoad#TARGET_PREPARER})
 * @param hooks          test seams: points where a test can stop the run as a crash would
 */
public record NativeOptions(InitialCopy initialCopy, int jobs, long chunkBytes, long maxLagBytes, Duration timeout,
                            AfterLoad afterLoad, Hooks hooks) {

    public NativeOptions {
        if (jobs < 0 || jobs > 64) {
            throw ToolException.usage("--jobs must be between 1 and 64 (or 0, the default, to choose automatically), got " + jobs);
        }
        if (chunkBytes < 1) throw ToolException.usage("chunk size must be positive, got " + chunkBytes);
        if (maxLagBytes < 0) throw ToolException.usage("--max-lag must be 0 or more bytes, got " + maxLagBytes);
        if (initialCopy == null) initialCopy = InitialCopy.SNAPSHOT;
        if (timeout == null) timeout = Duration.ofMinutes(30);
        if (afterLoad == null) afterLoad = AfterLoad.TARGET_PREPARER;
        if (hooks == null) hooks = Hooks.NONE;
    }

    public static final long DEFAULT_CHUNK_BYTES = 64L * 1024 * 1024;
    /** --jobs 0: as many copy streams as both servers and this machine can take. */
    public static final int AUTOMATIC_JOBS = 0;

    public static NativeOptions defaults() {
        return new NativeOptions(InitialCopy.SNAPSHOT, AUTOMATIC_JOBS, DEFAULT_CHUNK_BYTES, 0, Duration.ofMinutes(30), null, null);
    }

    public NativeOptions withInitialCopy(InitialCopy c) {
        return new NativeOptions(c, jobs, chunkBytes, maxLagBytes, timeout, afterLoad, hooks);
    }

    public NativeOptions withAfterLoad(AfterLoad a) {
        return new NativeOptions(initialCopy, jobs, chunkBytes, maxLagBytes, timeout, a, hooks);
    }

    public NativeOptions withHooks(Hooks h) {
        return new NativeOptions(initialCopy, jobs, chunkBytes, maxLagBytes, timeout, afterLoad, h);
    }

    public NativeOptions withChunkBytes(long b) {
        return new NativeOptions(initialCopy, jobs, b, maxLagBytes, timeout, afterLoad, hooks);
    }

    public NativeOptions withMaxLag(long bytes, Duration t) {
        return new NativeOptions(initialCopy, jobs, chunkBytes, bytes, t, afterLoad, hooks);
    }

    public NativeOptions withJobs(int j) {
        return new NativeOptions(initialCopy, j, chunkBytes, maxLagBytes, timeout, afterLoad, hooks);
    }

    /** Who copies the rows that exist when replication starts. */
    public enum InitialCopy {
        /**
         * The tool: a logical slot is created with an exported snapshot, parallel binary COPY streams read that
         * snapshot (split by block ranges) and write the target, then the subscription starts from the slot, so
         * it streams exactly the changes committed after the snapshot. Fast (vectors never pass through text);
         * the rows flow through the machine running the tool.
         */
        SNAPSHOT,
        /**
         * PostgreSQL's own table sync ({@code copy_data = true}): one text COPY per table, server to server.
         * Slower for vectors on PostgreSQL 15 (text form), but the rows never leave the two servers: use it when
         * the tool runs far from both databases.
         */
        SUBSCRIPTION;

        public String id() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** The after-load step of prepare-target (indexes, ANALYZE); idempotent. */
    @FunctionalInterface
    public interface AfterLoad {
        /** After the initial copy. */
        void run(ConnectionSpec target, TableFilter tables, Progress progress);

        /** At cutover, after a pass of {@link #run} finished: by default the same again (idempotent). */
        default void again(ConnectionSpec target, TableFilter tables, Progress progress) {
            run(target, tables, progress);
        }

        /** {@link TargetPreparer#afterLoad}; at cutover it finds the indexes built and analyzes again (changes streamed since). */
        AfterLoad TARGET_PREPARER = TargetPreparer::afterLoad;
    }

    /** Points where a test can interrupt a run as a crash would (throw from them). */
    public interface Hooks {
        default void afterChunkCopied(String table, int chunk) {}

        default void afterSubscriptionCreated(String subscription) {}

        Hooks NONE = new Hooks() {};
    }
}
