package io.pgvectormigrate.replication;

import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pg.Database;
import io.pgvectormigrate.pg.Queries;
import io.pgvectormigrate.pg.Sql;
import io.pgvectormigrate.pg.SqlErrors;
import io.pgvectormigrate.pipeline.CopyEngine;
import io.pgvectormigrate.report.Progress;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyOut;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The initial copy done by the tool: every reader imports the snapshot a logical slot exported, so together
 * they see exactly the rows committed before the slot's consistent point, and the subscription later streams
 * exactly the changes committed after it. Tables are split into heap block ranges (TID range scans, PG 14+),
 * each piped as one COPY ... TO STDOUT into one COPY ... FROM STDIN on the target, binary when both sides' types
 * allow (a vector's text form is what makes text COPY expensive). Each range commits on its own, so an
 * interrupted copy leaves partial tables: the engine empties them and starts again from a fresh slot.
 */
final class SnapshotCopy implements AutoCloseable {
    private static final int BUFFER = 256 * 1024;
    private static final int PROGRESS_EVERY = 256;

    /** One block range of one table; {@code toBlock < 0} means to the end (rows in blocks added later are invisible anyway). */
    record Chunk(TableInfo table, boolean binary, long fromBlock, long toBlock, int index, int count) {
        String where() {
            if (count == 1) return "";
            StringBuilder w = new StringBuilder(" WHERE ");
            if (fromBlock > 0) w.append("ctid >= '(").append(fromBlock).append(",0)'::tid");
            if (fromBlock > 0 && toBlock >= 0) w.append(" AND ");
            if (toBlock >= 0) w.append("ctid < '(").append(toBlock).append(",0)'::tid");
            return w.toString();
        }
    }

    private final ConnectionSpec target;
    private final List<Chunk> chunks;
    private final List<Connection> readers = new ArrayList<>();
    private final List<TableInfo> tables;
    private final CopyStreams streams;

    private SnapshotCopy(ConnectionSpec target, List<TableInfo> tables, List<Chunk> chunks, CopyStreams streams) {
        this.target = target;
        this.tables = tables;
        this.chunks = chunks;
        this.streams = streams;
    }

    /**
     * Hands out the ranges, largest table first, to whichever stream is free, preferring a table no other stream is
     * writing: streams into different tables do not wait for each other, while streams into the same table queue for
     * its extension lock (PostgreSQL before 16 extends a relation one page at a time) and its buffer locks.
     */
    static final class Schedule {
        private final List<Chunk> pending;
        private final Map<TableInfo, Integer> writers = new java.util.HashMap<>();

        Schedule(List<Chunk> chunks) {
            this.pending = new java.util.LinkedList<>(chunks);
        }

        /** The next range to copy, or null when none is left. */
        synchronized Chunk next() {
            Chunk best = null;
            int fewest = Integer.MAX_VALUE;
            for (Chunk c : pending) {
                int w = writers.getOrDefault(c.table(), 0);
                if (w < fewest) {
                    best = c;
                    fewest = w;
                    if (w == 0) break;
                }
            }
            if (best == null) return null;
            pending.remove(best);
            writers.merge(best.table(), 1, Integer::sum);
            return best;
        }

        synchronized void done(Chunk c) {
            writers.merge(c.table(), -1, Integer::sum);
        }
    }

    /** Splits the tables into ranges; sources older than 14 have no TID range scan, so one range per table there. */
    static List<Chunk> plan(List<TableInfo> tables, Map<String, Boolean> binary, int jobs, long chunkBytes, boolean tidRangeScans) {
        List<Chunk> out = new ArrayList<>();
        List<TableInfo> bySize = new ArrayList<>(tables);
        bySize.sort(Comparator.comparingLong(TableInfo::tableBytes).reversed());
        for (TableInfo t : bySize) {
            boolean bin = binary.getOrDefault(t.display(), false);
            long n = tidRangeScans && t.heapBlocks() > 1
                    ? Math.max(1, Math.min((long) jobs * 2, Math.min(t.heapBlocks(), t.tableBytes() / chunkBytes)))
                    : 1;
            for (int i = 0; i < n; i++) {
                long from = t.heapBlocks() * i / n;
                long to = i == n - 1 ? -1 : t.heapBlocks() * (i + 1) / n;
                out.add(new Chunk(t, bin, from, to, i, (int) n));
            }
        }
        return out;
    }

    /**
     * Opens the readers and imports the snapshot into each; the caller may close the exporting replication
     * connection as soon as this returns.
     */
    static SnapshotCopy open(ConnectionSpec source, ConnectionSpec target, String snapshot, List<TableInfo> tables,
                             Map<String, Boolean> binary, CopyStreams streams, long chunkBytes, boolean tidRangeScans) {
        List<Chunk> chunks = plan(tables, binary, streams.streams(), chunkBytes, tidRangeScans);
        CopyStreams run = streams.forRanges(chunks.size());
        SnapshotCopy copy = new SnapshotCopy(target, tables, chunks, run);
        try {
            for (int i = 0; i < run.streams(); i++) {
                Connection c = Database.connect(source, "source", null);
                copy.readers.add(c);
                Queries.exec(c, "SET statement_timeout = 0");
                Queries.exec(c, "SET idle_in_transaction_session_timeout = 0");
                c.setAutoCommit(false);
                Queries.exec(c, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
                Queries.exec(c, "SET TRANSACTION SNAPSHOT " + Sql.literal(snapshot));
            }
        } catch (SQLException e) {
            copy.close();
            throw SqlErrors.of("source", "opening the readers at the slot's snapshot", e, new SqlErrors.Advice(
                    "re-run with the same --run-id: the copy starts again from a fresh snapshot", NativeEngine.GRANT));
        } catch (RuntimeException e) {
            copy.close();
            throw e;
        }
        return copy;
    }

    int streams() {
        return readers.size();
    }

    /** What decided the number of streams. */
    String why() {
        return streams.why();
    }

    /** Copies every range; the first failure stops the others and is rethrown (a hook's exception unchanged). */
    List<CopyEngine.TableCopy> run(Progress progress, NativeOptions.Hooks hooks, String runId) {
        Schedule schedule = new Schedule(chunks);
        record Tally(AtomicLong rows, AtomicLong bytes, AtomicInteger rangesLeft) {}
        Map<TableInfo, Tally> tallies = new LinkedHashMap<>();
        for (TableInfo t : tables) tallies.put(t, new Tally(new AtomicLong(), new AtomicLong(), new AtomicInteger()));
        for (Chunk c : chunks) tallies.get(c.table()).rangesLeft().incrementAndGet();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicLong rowsSeen = new AtomicLong();
        AtomicLong bytesSeen = new AtomicLong();
        long estimate = tables.stream().mapToLong(TableInfo::estimatedRows).allMatch(r -> r >= 0)
                ? tables.stream().mapToLong(TableInfo::estimatedRows).sum() : -1;
        long started = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(readers.size(), r -> {
            Thread t = new Thread(r, "snapshot-copy");
            t.setDaemon(true);
            return t;
        });
        try (Progress.Bar bar = progress.bar("initial copy", estimate, "rows")) {
            for (Connection reader : readers) {
                pool.execute(() -> {
                    try (Connection writer = openWriter()) {
                        Chunk c;
                        while (failure.get() == null && (c = schedule.next()) != null) {
                            long[] done;
                            try {
                                done = copyChunk(reader, writer, c, failure, rowsSeen, bytesSeen, bar);
                            } finally {
                                schedule.done(c);
                            }
                            Tally tally = tallies.get(c.table());
                            tally.rows().addAndGet(done[0]);
                            tally.bytes().addAndGet(done[1]);
                            if (tally.rangesLeft().decrementAndGet() == 0) {
                                progress.info(String.format(Locale.ROOT, "  copied %s: %s rows, %s (%s COPY)",
                                        c.table().display(), Progress.count(tally.rows().get()),
                                        Progress.bytes(tally.bytes().get()), c.binary() ? "binary" : "text"));
                            }
                            hooks.afterChunkCopied(c.table().display(), c.index());
                        }
                    } catch (Throwable t) {
                        failure.compareAndSet(null, t);
                    }
                });
            }
            pool.shutdown();
            long lastReport = System.nanoTime();
            while (!pool.awaitTermination(2, TimeUnit.SECONDS)) {
                if (System.nanoTime() - lastReport > Duration.ofSeconds(10).toNanos()) {
                    lastReport = System.nanoTime();
                    progress.info("  copying: " + Progress.count(rowsSeen.get())
                            + (estimate > 0 ? " of ~" + Progress.count(estimate) : "") + " rows, "
                            + Progress.bytes(bytesSeen.get()) + " so far");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failure.compareAndSet(null, e);
        } finally {
            pool.shutdownNow();
        }
        Throwable f = failure.get();
        if (f != null) {
            if (f instanceof RuntimeException re) throw re;
            if (f instanceof Error err) throw err;
            // a reader (source) or a writer (target) failed: the one SQL rule says which class and what to do
            throw SqlErrors.of("source or target", "copying the initial rows", f, new SqlErrors.Advice(
                    "re-run with --run-id " + runId + ": the copy starts again from a fresh snapshot", NativeEngine.GRANT));
        }
        double secs = (System.nanoTime() - started) / 1e9;
        progress.info(String.format(Locale.ROOT, "  initial copy: %s rows, %s in %.1f s (%d stream%s)",
                Progress.count(rowsSeen.get()), Progress.bytes(bytesSeen.get()), secs, readers.size(), readers.size() == 1 ? "" : "s"));
        return tables.stream().map(t -> new CopyEngine.TableCopy(t.display(), tallies.get(t).rows().get(),
                tallies.get(t).bytes().get())).toList();
    }

    private Connection openWriter() throws SQLException {
        Connection w = Database.connect(target, "target", null);
        Queries.exec(w, "SET statement_timeout = 0");
        try {
            // like the apply worker: no user triggers, no FK checks while ranges of related tables land in any order
            Queries.exec(w, "SET session_replication_role = replica");
        } catch (SQLException e) {
            // not a superuser: triggers fire; the subscription needs a superuser anyway, so preflight said so already
        }
        return w;
    }

    /** Pipes one range; returns {rows, bytes}. */
    private static long[] copyChunk(Connection reader, Connection writer, Chunk c, AtomicReference<Throwable> failure,
                                    AtomicLong rowsSeen, AtomicLong bytesSeen, Progress.Bar bar) throws SQLException {
        TableInfo t = c.table();
        String format = c.binary() ? " (FORMAT binary)" : "";
        String out = "COPY (SELECT " + t.columnList() + " FROM ONLY " + t.quoted() + c.where() + ") TO STDOUT" + format;
        String in = "COPY " + t.quoted() + " (" + t.columnList() + ") FROM STDIN" + format;
        CopyOut from = reader.unwrap(PGConnection.class).getCopyAPI().copyOut(out);
        CopyIn to;
        try {
            to = writer.unwrap(PGConnection.class).getCopyAPI().copyIn(in);
        } catch (SQLException e) {
            from.cancelCopy();
            throw e;
        }
        byte[] buf = new byte[BUFFER];
        int fill = 0;
        long bytes = 0;
        long reported = 0;
        long messages = 0;
        try {
            byte[] row;
            while ((row = from.readFromCopy()) != null) {
                if (fill + row.length > buf.length) {
                    if (failure.get() != null) throw new SQLException("stopped: another copy stream failed");
                    to.writeToCopy(buf, 0, fill);
                    fill = 0;
                }
                if (row.length > buf.length) {
                    to.writeToCopy(row, 0, row.length);
                } else {
                    System.arraycopy(row, 0, buf, fill, row.length);
                    fill += row.length;
                }
                bytes += row.length;
                // the shared counters every 256 rows, not per row: streams on other cores would contend for them
                if (++messages % PROGRESS_EVERY == 0) {
                    rowsSeen.addAndGet(PROGRESS_EVERY);
                    bytesSeen.addAndGet(bytes - reported);
                    reported = bytes;
                    bar.stepBy(PROGRESS_EVERY);
                }
            }
            if (fill > 0) to.writeToCopy(buf, 0, fill);
            long rows = to.endCopy();
            long rest = rows - (messages / PROGRESS_EVERY) * PROGRESS_EVERY;
            rowsSeen.addAndGet(rest);
            bytesSeen.addAndGet(bytes - reported);
            bar.stepBy(Math.max(0, rest));
            return new long[]{rows, bytes};
        } catch (SQLException | RuntimeException e) {
            cancelQuietly(to);
            cancelQuietly(from);
            throw e;
        }
    }

    private static void cancelQuietly(org.postgresql.copy.CopyOperation op) {
        try {
            if (op != null && op.isActive()) op.cancelCopy();
        } catch (SQLException ignored) {
            // the connection is going away anyway
        }
    }

    @Override
    public void close() {
        for (Connection c : readers) {
            try {
                if (!c.isClosed()) c.rollback();
            } catch (SQLException ignored) {
                // read-only snapshot transaction; nothing to keep
            }
            Queries.closeQuietly(c);
        }
        readers.clear();
    }
}
