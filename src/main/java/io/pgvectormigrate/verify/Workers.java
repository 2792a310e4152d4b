package io.pgvectormigrate.verify;

import java.sql.Connection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads that run queries: one pool per side (one thread per worker connection) and a pool for tasks that
 * read both sides at once (narrowing, group counts). A task borrows a connection for its duration.
 */
final class Workers implements AutoCloseable {
    @FunctionalInterface
    interface SqlTask<T> {
        T run(Connection c) throws Exception;
    }

    @FunctionalInterface
    interface PairTask<T> {
        T run(Connection source, Connection target) throws Exception;
    }

    final Side source;
    final Side target;
    private final ExecutorService sourcePool;
    private final ExecutorService targetPool;
    private final ExecutorService pairPool;

    private final int sourceJobs;
    private final int targetJobs;

    Workers(Side source, Side target, int sourceJobs, int targetJobs) {
        this.source = source;
        this.target = target;
        this.sourceJobs = sourceJobs;
        this.targetJobs = targetJobs;
        this.sourcePool = Executors.newFixedThreadPool(sourceJobs, daemon("verify-source"));
        this.targetPool = Executors.newFixedThreadPool(targetJobs, daemon("verify-target"));
        this.pairPool = Executors.newFixedThreadPool(Math.min(sourceJobs, targetJobs), daemon("verify-pair"));
    }

    int jobs(boolean sourceSide) {
        return sourceSide ? sourceJobs : targetJobs;
    }

    <T> CompletableFuture<T> on(boolean sourceSide, String what, SqlTask<T> task) {
        Side side = sourceSide ? source : target;
        return CompletableFuture.supplyAsync(() -> {
            Connection c = take(side);
            try {
                return task.run(c);
            } catch (Exception e) {
                throw wrap(side.role, what, e);
            } finally {
                side.giveBack(c);
            }
        }, sourceSide ? sourcePool : targetPool);
    }

    /** Borrows one connection of each side, always source first, so pair tasks cannot deadlock each other. */
    <T> CompletableFuture<T> onBoth(String what, PairTask<T> task) {
        return CompletableFuture.supplyAsync(() -> {
            Connection s = take(source);
            try {
                Connection t = take(target);
                try {
                    return task.run(s, t);
                } catch (Exception e) {
                    throw wrap(brokenSide(s, t), what, e);
                } finally {
                    target.giveBack(t);
                }
            } finally {
                source.giveBack(s);
            }
        }, pairPool);
    }

    /** Waits for a task and rethrows its failure as it was thrown. */
    static <T> T await(CompletableFuture<T> f) {
        try {
            return f.join();
        } catch (CompletionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException r) throw r;
            if (c instanceof Error err) throw err;
            throw new IllegalStateException(c);
        }
    }

    private static Connection take(Side side) {
        try {
            return side.borrow();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a " + side.role + " connection", e);
        }
    }

    /** Which side a failed pair task lost: the message then names the database to look at. */
    private String brokenSide(Connection s, Connection t) {
        boolean sourceGone = gone(s);
        boolean targetGone = gone(t);
        if (sourceGone == targetGone) return "source or target";
        return sourceGone ? source.role : target.role;
    }

    private static boolean gone(Connection c) {
        try {
            return c.isClosed() || !c.isValid(2);
        } catch (java.sql.SQLException e) {
            return true;
        }
    }

    private static RuntimeException wrap(String role, String what, Exception e) {
        if (e instanceof RuntimeException r) return r;
        if (e instanceof java.sql.SQLException s) return Verifier.sqlFailure(role, what, s);
        return new IllegalStateException(what + ": " + e.getMessage(), e);
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    @Override
    public void close() {
        sourcePool.shutdownNow();
        targetPool.shutdownNow();
        pairPool.shutdownNow();
    }
}
