package io.pgvectormigrate.bench;

import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pg.Queries;

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

        /** This span continued by the next sample's. */
        Span then(Span next) {
            Map<String, Integer> all = new LinkedHashMap<>(waits);
            next.waits.forEach((k, v) -> all.merge(k, v, Integer::sum));
            return new Span(side, pid, backendType, statement, from, next.to, samples + next.samples,
                    waitingSamples + next.waitingSamples, all);
        }
    }

    private final Connection source;
    private final Connection target;
    private final long t0;
    private final Thread thread;
    /** The spans the last sample saw, by side, pid and statement. */
    private final Map<String, Span> open = new LinkedHashMap<>();
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
                double t = (now - t0) / 1e9;
                Map<String, Span> seen = new LinkedHashMap<>();
                read(source, "source", t, seen);
                read(target, "target", t, seen);
                record(t, seen);
            } catch (SQLException e) {
                return; // an instance went away: the run will say why
            }
            try {
                Thread.sleep(Math.max(0, EVERY_MS - (System.nanoTime() - now) / 1_000_000));
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Each statement running on one side at time {@code t}, as a span of one sample. */
    private static void read(Connection c, String side, double t, Map<String, Span> seen) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(SQL)) {
            while (rs.next()) {
                String statement = rs.getString(3) == null ? "" : rs.getString(3);
                boolean waiting = !rs.getString(4).isEmpty() && !rs.getString(4).equals("CPU");
                Map<String, Integer> waits = waiting ? Map.of(rs.getString(4) + ":" + rs.getString(5), 1) : Map.of();
                seen.put(side + "/" + rs.getInt(1) + "/" + statement,
                        new Span(side, rs.getInt(1), rs.getString(2), statement, t, t, 1, waiting ? 1 : 0, waits));
            }
        }
    }

    private synchronized void record(double t, Map<String, Span> seen) {
        boolean anyWork = false;
        for (Map.Entry<String, Span> e : seen.entrySet()) {
            String type = e.getValue().backendType();
            // the apply worker and walsender idle-wait in "active" state; they are work only when not waiting
            boolean replication = type.equals("logical replication worker") || type.equals("walsender");
            if (!replication || e.getValue().waitingSamples() == 0) anyWork = true;
            open.merge(e.getKey(), e.getValue(), Span::then);
        }
        if (!anyWork) idle.add(t);
        for (String k : new ArrayList<>(open.keySet())) {
            if (!seen.containsKey(k)) spans.add(open.remove(k));
        }
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
            spans.addAll(open.values());
            open.clear();
        }
        Queries.closeQuietly(source);
        Queries.closeQuietly(target);
    }

    /** A statement shortened for a report line. */
    static String shortStatement(String s) {
        String t = s.trim();
        return t.length() > 90 ? t.substring(0, 87) + "..." : t;
    }
}
