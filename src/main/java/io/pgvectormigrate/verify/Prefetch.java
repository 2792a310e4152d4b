package io.pgvectormigrate.verify;

import io.pgvectormigrate.pg.Queries;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Reads a query's rows on a background thread into a small bounded queue, so the server behind it keeps
 * working while the caller merges it with another side's rows (a plain cursor only computes the next batch
 * when asked, which would leave one server idle at a time). Memory is bounded by the queue.
 */
final class Prefetch implements AutoCloseable {
    private static final Object[] END = new Object[0];
    private static final int CAPACITY = 4096;
    private static final int FETCH = 1000;

    private final BlockingQueue<Object[]> queue = new ArrayBlockingQueue<>(CAPACITY);
    private final Thread thread;
    private volatile SQLException failure;
    private volatile boolean closed;
    private Object[] current;

    /** Starts reading {@code columns} columns (as strings) of the query's result, FETCH rows per round trip. */
    Prefetch(Connection c, String sql, int columns, String name, Object... params) throws SQLException {
        PreparedStatement ps = Queries.prepare(c, sql, params);
        ps.setFetchSize(FETCH);
        thread = new Thread(() -> {
            try (ps; ResultSet rs = ps.executeQuery()) {
                while (!closed && rs.next()) {
                    Object[] row = new Object[columns];
                    for (int i = 0; i < columns; i++) row[i] = rs.getString(i + 1);
                    put(row);
                }
            } catch (SQLException e) {
                failure = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                try {
                    put(END);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }, name);
        thread.setDaemon(true);
        thread.start();
    }

    private void put(Object[] row) throws InterruptedException {
        while (!closed && !queue.offer(row, 100, TimeUnit.MILLISECONDS)) {
            // wait for the consumer, or for close()
        }
    }

    /** Advances to the next row; false at the end. Rethrows the reader's failure. */
    boolean next() throws SQLException {
        try {
            current = queue.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while reading rows", e);
        }
        if (current == END) {
            if (failure != null) throw failure;
            return false;
        }
        return true;
    }

    String get(int column) {
        return (String) current[column - 1];
    }

    @Override
    public void close() {
        closed = true;
        queue.clear();
        try {
            thread.join(60_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
