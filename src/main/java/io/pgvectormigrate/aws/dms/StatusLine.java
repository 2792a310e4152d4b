package io.pgvectormigrate.aws.dms;

import io.pgvectormigrate.core.Durations;
import io.pgvectormigrate.report.Progress;
import software.amazon.awssdk.services.databasemigration.model.DataMigration;
import software.amazon.awssdk.services.databasemigration.model.DataMigrationStatistics;

import java.time.Duration;

/**
 * The one-line progress of a data migration on stderr: status as DMS sent it, then whatever statistics DMS reported
 * (every one is optional: missing ones are left out, and no statistics at all is said so), the CDC latency as a bare
 * number (DMS documents no unit for it), and for a stopped or failed migration its stop reason and end time. Printed
 * when something changed, and at least every heartbeat otherwise so a long "Starting" (DMS provisions its serverless
 * environment, up to ~15 minutes) never looks like a hang.
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
        if (s == null) {
            if (dm.dataMigrationStartTime() != null) sb.append(", no statistics reported");
        } else {
            if (s.fullLoadPercentage() != null) sb.append(", full load ").append(s.fullLoadPercentage()).append('%');
            StringBuilder tables = new StringBuilder();
            count(tables, s.tablesLoaded(), "loaded");
            count(tables, s.tablesLoading(), "loading");
            count(tables, s.tablesQueued(), "queued");
            count(tables, s.tablesErrored(), "errored");
            if (tables.length() > 0) sb.append(", tables ").append(tables);
            if (s.cdcLatency() != null) sb.append(", CDC latency ").append(s.cdcLatency());
        }
        sb.append(stopDetails(dm));
        if (waited != null) sb.append(" (").append(Durations.human(waited)).append(')');
        return sb.toString();
    }

    /** ", stop reason: ..., ended ..." for a stopped or failed migration (empty when DMS gave neither). */
    static String stopDetails(DataMigration dm) {
        DmsStatus status = DmsStatus.of(dm.dataMigrationStatus());
        if (status != DmsStatus.STOPPED && status != DmsStatus.FAILED) return "";
        StringBuilder sb = new StringBuilder();
        if (dm.stopReason() != null && !dm.stopReason().isBlank()) sb.append(", stop reason: ").append(dm.stopReason());
        if (dm.dataMigrationEndTime() != null) sb.append(", ended ").append(dm.dataMigrationEndTime());
        return sb.toString();
    }

    private static void count(StringBuilder sb, Integer n, String what) {
        if (n == null) return;
        if (sb.length() > 0) sb.append(" / ");
        sb.append(n).append(' ').append(what);
    }

    void print(DataMigration dm, Duration waited, Progress progress) {
        String core = format(dm, null);
        long now = System.nanoTime();
        if (core.equals(last) && now - lastPrintedNanos < heartbeat.toNanos()) return;
        last = core;
        lastPrintedNanos = now;
        progress.info(format(dm, waited));
    }
}
