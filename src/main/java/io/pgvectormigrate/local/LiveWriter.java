package io.pgvectormigrate.local;

import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pg.Catalog;
import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pg.Database;
import io.pgvectormigrate.pg.Queries;
import io.pgvectormigrate.pg.SyncPoint;
import io.pgvectormigrate.pg.TableId;
import io.pgvectormigrate.pipeline.Endpoints;
import io.pgvectormigrate.pipeline.Pipeline;
import io.pgvectormigrate.pipeline.RunContext;
import io.pgvectormigrate.pipeline.Step;
import io.pgvectormigrate.sample.BedrockChatSample;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Rehearse's {@code --live-writes}: while migrate copies, a thread inserts, updates and deletes Bedrock Chat
 * {@code items} rows on the temporary source, the way the embedding job rewrites a bot's chunks. When migrate
 * returns, the writer stops and waits until every logical replication slot on the source has confirmed the
 * last write, so verify then compares a source at rest with a target that has received every change.
 *
 * <p>The counts are journaled under migrate ({@code live-writes.*}); verify passing is the proof they arrived.
 */
public final class LiveWriter implements Pipeline.Listener {
    static final Duration PAUSE = Duration.ofMillis(15);
    static final Duration CATCH_UP_TIMEOUT = Duration.ofMinutes(10);

    private final long seed;
    private final AtomicLong inserts = new AtomicLong();
    private final AtomicLong updates = new AtomicLong();
    private final AtomicLong deletes = new AtomicLong();
    private volatile boolean stop;
    /** Whether a round was committed (then the target must confirm it). */
    private volatile boolean wrote;
    private volatile Throwable failure;
    private Thread thread;

    public LiveWriter(long seed) {
        this.seed = seed;
    }

    public long inserts() { return inserts.get(); }
    public long updates() { return updates.get(); }
    public long deletes() { return deletes.get(); }

    @Override
    public void beforeStep(Step step, RunContext ctx, Endpoints endpoints) {
        if (step != Step.MIGRATE) return;
        ConnectionSpec source = endpoints.source();
        if (!hasItemsTable(source)) {
            ctx.journal().putOutput(Step.MIGRATE, "live-writes", "none: the snapshot has no Bedrock Chat public.items table");
            ctx.progress().info("live writes: skipped, the snapshot has no Bedrock Chat public.items table to write to");
            return;
        }
        stop = false;
        failure = null;
        thread = new Thread(() -> writeLoop(source), "live-writer");
        thread.setDaemon(true);
        thread.start();
        ctx.progress().info("live writes: inserting, updating and deleting items on the temporary source during the copy");
    }

    @Override
    public void afterStep(Step step, RunContext ctx, Endpoints endpoints, boolean succeeded) {
        if (step != Step.MIGRATE || thread == null) return;
        stop = true;
        try {
            thread.join(Duration.ofMinutes(1).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        thread = null;
        String counts = String.format(Locale.ROOT, "%d inserts, %d updates, %d deletes", inserts(), updates(), deletes());
        ctx.journal().putOutput(Step.MIGRATE, "live-writes", counts);
        if (!succeeded) return;
        if (failure != null) {
            throw ToolException.runtime("the live writer failed on the temporary source: " + Database.firstLine(failure.getMessage()));
        }
        if (!wrote) return;
        ctx.progress().info("live writes stopped after " + counts + "; waiting for the target to confirm the last change ...");
        Instant t0 = Instant.now();
        String lsn = awaitReplication(endpoints.source());
        ctx.journal().putOutput(Step.MIGRATE, "live-writes-confirmed-lsn", lsn);
        ctx.progress().info("every replication slot on the source confirmed " + lsn + " in "
                + io.pgvectormigrate.report.Progress.seconds(Duration.between(t0, Instant.now())));
    }

    static boolean hasItemsTable(ConnectionSpec source) {
        try (Connection c = Database.connect(source, "temporary source", null)) {
            return Catalog.columns(c, new TableId("public", "items"))
                    .map(cols -> cols.keySet().containsAll(List.of("id", "botid", "content", "source", "embedding"))).orElse(false);
        } catch (SQLException e) {
            throw ToolException.runtime("cannot inspect the temporary source: " + Database.firstLine(e.getMessage()), e);
        }
    }

    private void writeLoop(ConnectionSpec source) {
        SplittableRandom rnd = new SplittableRandom(seed);
        try (Connection c = Database.connect(source, "temporary source", null)) {
            c.setAutoCommit(false);
            List<String> ids = new ArrayList<>(Queries.list(c, "SELECT id FROM items ORDER BY random() LIMIT 5000",
                    rs -> rs.getString(1)));
            List<String> bots = new ArrayList<>(Queries.list(c,
                    "SELECT DISTINCT botid FROM items WHERE botid IS NOT NULL LIMIT 100", rs -> rs.getString(1)));
            c.commit();
            if (bots.isEmpty()) bots.add(BedrockChatSample.ulid(System.currentTimeMillis(), rnd));
            try (PreparedStatement ins = c.prepareStatement(
                    "INSERT INTO items (id, botid, content, source, embedding) VALUES (?, ?, ?, ?, ?::vector)");
                 PreparedStatement upd = c.prepareStatement("UPDATE items SET content = ?, embedding = ?::vector WHERE id = ?");
                 PreparedStatement del = c.prepareStatement("DELETE FROM items WHERE id = ?")) {
                long clock = System.currentTimeMillis();
                while (!stop) {
                    // one transaction per round: a couple of new chunks, one rewritten, one removed
                    int n = 1 + rnd.nextInt(2);
                    for (int i = 0; i < n; i++) {
                        String id = BedrockChatSample.ulid(clock++, rnd);
                        ins.setString(1, id);
                        ins.setString(2, bots.get(rnd.nextInt(bots.size())));
                        ins.setString(3, "live write " + id + ": chunk added during the copy, ünïcödé ✓");
                        ins.setString(4, "s3://bedrock-chat-documents/live/" + id + ".md");
                        ins.setString(5, vector(rnd));
                        ins.executeUpdate();
                        ids.add(id);
                    }
                    inserts.addAndGet(n);
                    if (ids.size() > 2) {
                        String u = ids.get(rnd.nextInt(ids.size()));
                        upd.setString(1, "rewritten during the copy at " + clock);
                        upd.setString(2, vector(rnd));
                        upd.setString(3, u);
                        updates.addAndGet(upd.executeUpdate());
                        String d = ids.remove(rnd.nextInt(ids.size()));
                        del.setString(1, d);
                        deletes.addAndGet(del.executeUpdate());
                    }
                    c.commit();
                    wrote = true;
                    Thread.sleep(PAUSE.toMillis());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (SQLException | RuntimeException e) {
            failure = e;
        }
    }

    private static String vector(SplittableRandom rnd) {
        return IntStream.range(0, BedrockChatSample.DIMENSIONS)
                .mapToObj(d -> String.format(Locale.ROOT, "%.5f", (rnd.nextDouble() * 2 - 1) * 0.08))
                .collect(Collectors.joining(",", "[", "]"));
    }

    /**
     * Takes a sync point on the source once the writer stopped ({@link SyncPoint}: every write committed before lies
     * behind it) and waits until every logical slot of the source database has confirmed it. No slot means nothing
     * streams, so nothing to wait for. Returns the sync point.
     */
    static String awaitReplication(ConnectionSpec source) {
        Instant deadline = Instant.now().plus(CATCH_UP_TIMEOUT);
        try (Connection c = Database.connect(source, "temporary source", null)) {
            String lsn = SyncPoint.take(c);
            while (true) {
                if (SyncPoint.confirmations(c, "", lsn).stream().allMatch(SyncPoint.Confirmation::reached)) return lsn;
                if (Instant.now().isAfter(deadline)) {
                    throw ToolException.runtime("the target did not confirm the live writes within " + CATCH_UP_TIMEOUT.toMinutes()
                            + " minutes (a replication slot on the source is behind " + lsn + "); check the target's log");
                }
                Thread.sleep(200);
            }
        } catch (SQLException e) {
            throw ToolException.runtime("cannot read replication progress on the temporary source: " + Database.firstLine(e.getMessage()), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ToolException.runtime("interrupted while waiting for the target to catch up");
        }
    }
}
