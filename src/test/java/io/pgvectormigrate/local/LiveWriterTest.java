package io.pgvectormigrate.local;

import io.pgvectormigrate.pg.TableFilter;
import io.pgvectormigrate.pipeline.Endpoints;
import io.pgvectormigrate.pipeline.Journal;
import io.pgvectormigrate.pipeline.RunContext;
import io.pgvectormigrate.pipeline.Step;
import io.pgvectormigrate.report.Progress;
import io.pgvectormigrate.sample.BedrockChatSample;
import io.pgvectormigrate.testing.PgServers;
import io.pgvectormigrate.testing.Sql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Clock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The live writer against real logical replication (a plain publication/subscription, not the engine): its
 * changes during the copy all arrive once it has stopped and waited for the slot to confirm them.
 */
@ExtendWith(PgServers.class)
class LiveWriterTest {
    @TempDir
    Path work;

    @Test
    void everyWriteDuringTheCopyIsOnTheTargetOnceTheWriterHasWaited(PgServers.DbPair db) throws Exception {
        try (Connection c = db.openSource()) {
            BedrockChatSample.createSchema(c);
            BedrockChatSample.generate(c, 500, 4, 11, Progress.SILENT);
        }
        try (Connection c = db.openTarget()) {
            BedrockChatSample.createSchema(c);
        }
        StringWriter err = new StringWriter();
        RunContext ctx = new RunContext(Journal.open(work, "lw", "rehearse", Clock.systemUTC()),
                Progress.to(new PrintWriter(err, true), false), work, Clock.systemUTC());
        Endpoints e = new Endpoints(db.source(), db.target(), db.sourceFromTarget(), TableFilter.ALL);
        LiveWriter w = new LiveWriter(5);
        String sub = "lw_" + db.name();
        try {
            w.beforeStep(Step.MIGRATE, ctx, e);
            Sql.exec(db.source(), "CREATE PUBLICATION " + sub + " FOR TABLE items");
            Sql.exec(db.target(), "CREATE SUBSCRIPTION " + sub + " CONNECTION '" + db.sourceFromTarget().libpqConninfo().replace("'", "''")
                    + "' PUBLICATION " + sub);
            // the copy: wait for the initial sync while the writer keeps going
            long deadline = System.currentTimeMillis() + 60_000;
            while (Sql.count(db.target(), "SELECT count(*) FROM pg_subscription_rel WHERE srsubstate <> 'r'") > 0
                    || Sql.count(db.target(), "SELECT count(*) FROM pg_subscription_rel") == 0) {
                assertTrue(System.currentTimeMillis() < deadline, "initial sync did not finish");
                Thread.sleep(100);
            }
            // at least one insert, update and delete before the writer is stopped
            while (w.inserts() == 0 || w.updates() == 0 || w.deletes() == 0) {
                assertTrue(System.currentTimeMillis() < deadline + 30_000, "the writer wrote nothing: "
                        + w.inserts() + "/" + w.updates() + "/" + w.deletes());
                Thread.sleep(50);
            }
            w.afterStep(Step.MIGRATE, ctx, e, true);

            assertTrue(w.inserts() > 0 && w.updates() > 0 && w.deletes() > 0, w.inserts() + "/" + w.updates() + "/" + w.deletes());
            String q = "SELECT count(*) || ':' || md5(string_agg(id || botid || content || source || embedding::text, ',' ORDER BY id)) FROM items";
            assertEquals(Sql.scalar(db.source(), q), Sql.scalar(db.target(), q), "the target has every insert, update and delete");
            assertEquals(500 + w.inserts() - w.deletes(), Sql.count(db.target(), "SELECT count(*) FROM items"));
            String counts = ctx.journal().output(Step.MIGRATE, "live-writes").orElseThrow();
            assertEquals(w.inserts() + " inserts, " + w.updates() + " updates, " + w.deletes() + " deletes", counts);
        } finally {
            w.afterStep(Step.MIGRATE, ctx, e, false); // stops the thread if an assertion failed first
            Sql.exec(db.target(), "DROP SUBSCRIPTION IF EXISTS " + sub);
            Sql.exec(db.source(), "DROP PUBLICATION IF EXISTS " + sub);
        }
    }

    @Test
    void aSnapshotWithoutItemsIsSaidAndNotWrittenTo(PgServers.DbPair db) throws Exception {
        Sql.exec(db.source(), "CREATE TABLE other(id int primary key)");
        StringWriter err = new StringWriter();
        RunContext ctx = new RunContext(Journal.open(work, "lw2", "rehearse", Clock.systemUTC()),
                Progress.to(new PrintWriter(err, true), false), work, Clock.systemUTC());
        LiveWriter w = new LiveWriter(5);
        Endpoints e = new Endpoints(db.source(), db.target(), TableFilter.ALL);
        w.beforeStep(Step.MIGRATE, ctx, e);
        w.afterStep(Step.MIGRATE, ctx, e, true);
        assertTrue(ctx.journal().output(Step.MIGRATE, "live-writes").orElseThrow().startsWith("none"));
        assertTrue(err.toString().contains("no Bedrock Chat public.items table"));
    }
}
