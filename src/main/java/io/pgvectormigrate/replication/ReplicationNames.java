package io.pgvectormigrate.replication;

import io.pgvectormigrate.pipeline.Journal;

/**
 * The names of what a native run creates, all derived from the run id so that a re-run (or {@code cutover}
 * in another process) finds them without any state beyond the id: the publication and the slot on the
 * source, the subscription on the target. Slot names must be {@code [a-z0-9_]}, at most 63 characters; a
 * valid run id (at most 42 characters) always fits.
 */
public record ReplicationNames(String publication, String slot, String subscription) {
    public static final String PREFIX = io.pgvectormigrate.pg.SyncPoint.TOOL_SLOT_PREFIX;

    public static ReplicationNames forRun(String runId) {
        Journal.validateRunId(runId);
        String base = PREFIX + runId.replace('-', '_');
        return new ReplicationNames(base, base, base);
    }

    /**
     * Slots PostgreSQL's table-sync workers create for a subscription ({@code pg_<suboid>_sync_<relid>_<sysid>});
     * a subscription dropped with {@code slot_name = NONE} mid-sync leaves them behind. The names' common beginning.
     */
    public static String syncSlotPrefix(long subscriptionOid) {
        return "pg_" + subscriptionOid + "_sync_";
    }
}
