package io.pgvectormigrate.target;

import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pg.Database;
import io.pgvectormigrate.report.Progress;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;

/**
 * Shows how far an index build has got, from pg_stat_progress_create_index on a second connection (pgvector reports
 * its phases there: k-means, assigning tuples, loading tuples). A bar on a terminal, a status line every
 * {@link #LINE_EVERY} otherwise. Watching is best effort: if it cannot connect, the build goes on unwatched.
 */
final class BuildWatcher implements AutoCloseable {
    static final Duration LINE_EVERY = Duration.ofSeconds(30);

    private final Thread thread;
    private volatile boolean stop;

    BuildWatcher(ConnectionSpec target, int builderPid, String label, Progress progress) {
        thread = new Thread(() -> watch(target, builderPid, label, progress), "index-build-watch");
        thread.setDaemon(true);
        thread.start();
    }

    private void watch(ConnectionSpec target, int pid, String label, Progress progress) {
        long started = System.nanoTime();
        long lastLine = started;
        try (Connection c = Database.connect(target, "target", null);
             Progress.Bar bar = progress.bar(label, -1, "tuples");
             PreparedStatement ps = c.prepareStatement("SELECT phase, tuples_done, tuples_total, blocks_done, blocks_total "
                     + "FROM pg_stat_progress_create_index WHERE pid = ?")) {
            ps.setInt(1, pid);
            while (!stop) {
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        String phase = rs.getString(1);
                        long done = rs.getLong(2);
                        long total = rs.getLong(3);
                        if (total <= 0) {
                            done = rs.getLong(4);
                            total = rs.getLong(5);
                        }
                        bar.stepTo(done);
                        bar.extraMessage(phase);
                        long now = System.nanoTime();
                        if (now - lastLine >= LINE_EVERY.toNanos()) {
                            lastLine = now;
                            String pct = total > 0 ? String.format(java.util.Locale.ROOT, ", %.0f%%", 100.0 * done / total) : "";
                            progress.info("    " + label + ": " + phase + pct + " after "
                                    + Progress.seconds(Duration.ofNanos(now - started)));
                        }
                    }
                }
                sleep();
            }
        } catch (Exception e) {
            // watching is optional; the build itself reports its own failure
        }
    }

    private void sleep() {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            stop = true;
        }
    }

    @Override
    public void close() {
        stop = true;
        thread.interrupt();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
