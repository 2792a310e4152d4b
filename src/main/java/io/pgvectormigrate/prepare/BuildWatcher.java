package io.pgvectormigrate.prepare;

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

    BuildWatcher(ConnectionSpec target, int builderPid, String label, Progress progress) {
        thread = new Thread(() -> watch(target, builderPid, label, progress), "index-build-watch");
        thread.setDaemon(true);
        thread.start();
    }

    private void watch(ConnectionSpec target, int pid, String label, Progress progress) {
        long started = System.nanoTime();
        long lastLine = started;
        Progress.Bar bar = Progress.NO_BAR;
        String barKey = null;
        try (Connection c = Database.connect(target, "target", null);
             PreparedStatement ps = c.prepareStatement("SELECT phase, tuples_done, tuples_total, blocks_done, blocks_total "
                     + "FROM pg_stat_progress_create_index WHERE pid = ?")) {
            ps.setInt(1, pid);
            while (!Thread.currentThread().isInterrupted()) { // close() interrupts
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        String phase = rs.getString(1).replaceFirst("^building index: ", "");
                        boolean tuples = rs.getLong(3) > 0;
                        long done = tuples ? rs.getLong(2) : rs.getLong(4);
                        long total = tuples ? rs.getLong(3) : rs.getLong(5);
                        // one bar per phase: each phase counts different things towards a different total
                        String key = phase + "/" + total;
                        if (!key.equals(barKey) && total > 0) {
                            bar.close();
                            bar = progress.bar(label + ": " + phase, total, tuples ? "tuples" : "blocks");
                            barKey = key;
                        }
                        if (key.equals(barKey)) bar.stepTo(done);
                        long now = System.nanoTime();
                        if (now - lastLine >= LINE_EVERY.toNanos()) {
                            lastLine = now;
                            String pct = total > 0 ? String.format(java.util.Locale.ROOT, ", %.0f%%", 100.0 * done / total) : "";
                            progress.info("    " + label + ": " + phase + pct + " after "
                                    + Progress.seconds(Duration.ofNanos(now - started)));
                        }
                    }
                }
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    break;
                }
            }
        } catch (Exception e) {
            // watching is optional; the build itself reports its own failure
        } finally {
            bar.close();
        }
    }

    @Override
    public void close() {
        thread.interrupt();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
