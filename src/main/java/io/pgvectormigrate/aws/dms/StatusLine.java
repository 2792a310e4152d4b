package io.pgvectormigrate.aws.dms;

import software.amazon.awssdk.services.databasemigration.model.DataMigration;
import software.amazon.awssdk.services.databasemigration.model.DataMigrationStatistics;

import java.time.Duration;

/**
 * The one-line progress of a data migration on stderr: status, full-load percentage, table counts and CDC
 * latency. Printed when something changed, and at least every heartbeat otherwise so a long "Starting"
 * (DMS provisions its serverless environment, often ~15 minutes) never looks like a hang.
 */
final class StatusLine {
    private final Duration heartbeat;
    private String last;
    private long lastPrintedNanos;

    StatusLine(Duration heartbeat) {
        this.heartbeat = heartbeat;
    }

    static String format(DataMigration dm, Duration waited) {
        StringBuilder sb = new StringBuilder("dms ").append(dm.dataMigrationName()).append(": ")
                .append(dm.dataMigrationStatus() == null ? "?" : dm.dataMigrationStatus());
        DataMigrationStatistics s = dm.dataMigrationStatistics();
        if (s != null) {
            if (s.fullLoadPercentage() != null) sb.append(", full load ").append(s.fullLoadPercentage()).append('%');
            if (s.tablesLoaded() != null || s.tablesLoading() != null || s.tablesQueued() != null || s.tablesErrored() != null) {
                sb.append(", tables ").append(n(s.tablesLoaded())).append(" loaded / ").append(n(s.tablesLoading()))
                        .append(" loading / ").append(n(s.tablesQueued())).append(" queued / ").append(n(s.tablesErrored()))
                        .append(" errored");
            }
            if (s.cdcLatency() != null) sb.append(", CDC latency ").append(s.cdcLatency()).append(" s");
        }
        if (waited != null) sb.append(" (").append(Poller.human(waited)).append(')');
        return sb.toString();
    }

    /** The line to print now, or null when nothing changed and the heartbeat is not due. */
    String next(DataMigration dm, Duration waited) {
        String core = format(dm, null);
        long now = System.nanoTime();
        if (core.equals(last) && now - lastPrintedNanos < heartbeat.toNanos()) return null;
        last = core;
        lastPrintedNanos = now;
        return format(dm, waited);
    }

    private static int n(Integer i) {
        return i == null ? 0 : i;
    }
}
