package io.pgvectormigrate.bench;

import io.pgvectormigrate.pg.ConnectionSpec;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Samples pg_stat_activity of both instances every {@value #EVERY_MS} ms while a run goes on, so a benchmark can say
 * where the time went (which statements ran, for how long, how many at once, and when neither server was doing
 * anything the tool asked for) without instrumenting the code it measures.
 */
final class ActivitySampler implements AutoCloseable {
    static final int EVERY_MS = 50;
    // a COPY's kind is read from the whole statement: its column list pushes "TO STDOUT" past the shown prefix
    private static final String SQL = "SELECT pid, backend_type, CASE WHEN query ~* '^\\s*COPY .* TO STDOUT' THEN 'COPY out: ' "
            + "WHEN query ~* '^\\s*COPY .* FROM STDIN' THEN 'COPY in: ' ELSE '' END || left(regexp_replace(query, '\\s+', ' ', 'g'), 120), "
            + "coalesce(wait_event_type, ''), coalesce(wait_event, '') FROM pg_stat_activity "
            + "WHERE pid <> pg_backend_pid() AND state = 'active' AND backend_type IN ('client backend', 'parallel worker', "
            + "'logical replication worker', 'walsender', 'autovacuum worker')";

    /** One statement seen running: where, by which process, from the first to the last sample that saw it. */
    record Span(String side, int pid, String backendType, String statement, double from, double to, int samples,
                int waitingSamples, Map<String, Integer> waits) {
        double seconds() {
            return to - from + EVERY_MS / 1000.0;
        }
    }

    private final Connection source;
    private final Connection target;
    private final long t0;
    private final Thread thread;
    private final Map<String, double[]> open = new LinkedHashMap<>();
    private final Map<String, String[]> openInfo = new LinkedHashMap<>();
    private final Map<String, Map<String, Integer>> openWaits = new LinkedHashMap<>();
    private final List<Span> spans = new ArrayList<>();
    /** Sample times at which no backend of either side was active (the tool itself, or nobody, was working). */
    private final List<Double> idle = new ArrayList<>();
    private volatile boolean stop;

    /** Connects to both; times are seconds from the end of this constructor ({@link #t0()}). */
    ActivitySampler(ConnectionSpec sourceDb, ConnectionSpec targetDb) throws SQLException {
        this.source = Bench.open(sourceDb);
        this.target = Bench.open(targetDb);
        this.t0 = System.nanoTime();
        thread = new Thread(this::loop, "activity-sampler");
        thread.setDaemon(true);
        thread.start();
    }

    long t0() {
        return t0;
    }

    private void loop() {
        while (!stop) {
            long now = System.nanoTime();
            try {
                Map<String, String[]> seen = new LinkedHashMap<>();
                read(source, "source", seen);
                read(target, "target", seen);
                record((now - t0) / 1e9, seen);
            } catch (SQLException e) {
                return; // an instance went away: the run will say why
            }
            long sleep = EVERY_MS - (System.nanoTime() - now) / 1_000_000;
            if (sleep > 0) {
                try {
                    Thread.sleep(sleep);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    private static void read(Connection c, String side, Map<String, String[]> seen) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(SQL)) {
            while (rs.next()) {
                String statement = rs.getString(3) == null ? "" : rs.getString(3);
                String type = rs.getString(2);
                seen.put(side + "/" + rs.getInt(1) + "/" + statement, new String[]{side, String.valueOf(rs.getInt(1)), type,
                        statement, rs.getString(4).isEmpty() || rs.getString(4).equals("CPU") ? "" : rs.getString(4) + ":" + rs.getString(5)});
            }
        }
    }

    private synchronized void record(double t, Map<String, String[]> seen) {
        boolean anyWork = false;
        for (Map.Entry<String, String[]> e : seen.entrySet()) {
            String type = e.getValue()[2];
            // the apply worker and walsender idle-wait in "active" state; they are work only when not waiting
            boolean replication = type.equals("logical replication worker") || type.equals("walsender");
            if (!replication || e.getValue()[4].isEmpty()) anyWork = true;
            double[] span = open.get(e.getKey());
            boolean waiting = !e.getValue()[4].isEmpty();
            if (span == null) {
                open.put(e.getKey(), new double[]{t, t, 1, waiting ? 1 : 0});
                openInfo.put(e.getKey(), e.getValue());
                openWaits.put(e.getKey(), new LinkedHashMap<>());
            } else {
                span[1] = t;
                span[2]++;
                if (waiting) span[3]++;
            }
            if (waiting) openWaits.get(e.getKey()).merge(e.getValue()[4], 1, Integer::sum);
        }
        if (!anyWork) idle.add(t);
        for (String k : new ArrayList<>(open.keySet())) {
            if (!seen.containsKey(k)) close(k);
        }
    }

    private void close(String key) {
        double[] s = open.remove(key);
        String[] i = openInfo.remove(key);
        spans.add(new Span(i[0], Integer.parseInt(i[1]), i[2], i[3], s[0], s[1], (int) s[2], (int) s[3], openWaits.remove(key)));
    }

    /** Every span, in order of start. */
    synchronized List<Span> finish() {
        return spans.stream().sorted(Comparator.comparingDouble(Span::from)).toList();
    }

    /** Seconds (by sample count) in [from, to) when no backend on either side was working. */
    synchronized double idleSeconds(double from, double to) {
        return idle.stream().filter(t -> t >= from && t < to).count() * EVERY_MS / 1000.0;
    }

    @Override
    public void close() {
        stop = true;
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            for (String k : new ArrayList<>(open.keySet())) close(k);
        }
        try (source; target) {
            // closes both
        } catch (SQLException ignored) {
            // closing
        }
    }

    /** A statement shortened for a report line. */
    static String shortStatement(String s) {
        String t = s.trim();
        return t.length() > 90 ? t.substring(0, 87) + "..." : t;
    }
}
