package io.pgvectormigrate.pg;

import io.pgvectormigrate.testing.PgServers;
import io.pgvectormigrate.testing.Sql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The one "target has everything up to here" rule, on a real publication and subscription: a sync point is confirmed
 * only once every change committed before it (asynchronously committed ones too) is on the target. A position read
 * inside a transaction, as the live writer once did, is not one: it can be confirmed before that transaction's commit
 * reaches the target.
 */
@ExtendWith(PgServers.class)
class SyncPointTest {

    @Test
    void lsnTextReadsAsANumber() {
        assertEquals(0x16B374D848L, SyncPoint.lsn("16/B374D848"));
        assertEquals(0L, SyncPoint.lsn("0/0"));
    }

    @Test
    void aSyncPointIsConfirmedOnlyOnceEveryChangeCommittedBeforeItIsOnTheTarget(PgServers.DbPair db) throws Exception {
        db.both("CREATE TABLE t (id int PRIMARY KEY, note text)", "CREATE TABLE other (id int PRIMARY KEY)");
        String name = "sp_" + db.name();
        Sql.exec(db.source(), "CREATE PUBLICATION " + name + " FOR TABLE t, other");
        Sql.exec(db.target(), "CREATE SUBSCRIPTION " + name + " CONNECTION '" + db.sourceFromTarget().libpqConninfo().replace("'", "''")
                + "' PUBLICATION " + name);
        try (Connection writer = db.openSource(); Connection s = db.openSource()) {
            until("the initial sync", () -> Sql.count(db.target(), "SELECT count(*) FROM pg_subscription_rel WHERE srsubstate = 'r'") == 2);

            // a change committed with synchronous_commit off: its commit record may still sit in the WAL buffers
            exec(writer, "SET synchronous_commit = off", "INSERT INTO t VALUES (1, 'async')");
            String first = SyncPoint.take(s);
            until("the sync point to be confirmed", () -> SyncPoint.confirmed(s, name, first));
            assertEquals(1, Sql.count(db.target(), "SELECT count(*) FROM t WHERE id = 1"), "confirmed: the change is on the target");

            // the trap: a position read inside a transaction, then later WAL streams and is confirmed past it
            writer.setAutoCommit(false);
            exec(writer, "INSERT INTO t VALUES (2, 'late commit')");
            String inside = scalar(writer, "SELECT pg_current_wal_insert_lsn()::text");
            exec(s, "INSERT INTO other VALUES (1)");
            until("the later write to be confirmed", () -> SyncPoint.confirmed(s, name, inside));
            Sql.exec(db.target(), "ALTER SUBSCRIPTION " + name + " DISABLE");
            until("the apply worker to stop", () -> Sql.count(db.target(),
                    "SELECT count(*) FROM pg_stat_subscription WHERE subname = '" + name + "' AND pid IS NOT NULL") == 0);
            writer.commit();
            assertTrue(SyncPoint.confirmed(s, name, inside), "a position inside the transaction counts as confirmed");
            assertEquals(0, Sql.count(db.target(), "SELECT count(*) FROM t WHERE id = 2"), "yet its commit is not on the target");

            // a sync point taken after the commit is not confirmed until the commit is applied
            String after = SyncPoint.take(s);
            Thread.sleep(1_000);
            assertFalse(SyncPoint.confirmed(s, name, after), "nothing applies while the subscription is disabled");
            assertFalse(SyncPoint.confirmations(s, name, after).get(0).reached());
            Sql.exec(db.target(), "ALTER SUBSCRIPTION " + name + " ENABLE");
            until("the sync point after the commit to be confirmed", () -> SyncPoint.confirmed(s, name, after));
            assertEquals(1, Sql.count(db.target(), "SELECT count(*) FROM t WHERE id = 2"), "confirmed: the commit is on the target");
            assertFalse(SyncPoint.confirmed(s, "no_such_slot", after), "a missing slot confirms nothing");
        } finally {
            Sql.exec(db.target(), "DROP SUBSCRIPTION IF EXISTS " + name);
            Sql.exec(db.source(), "DROP PUBLICATION IF EXISTS " + name);
        }
    }

    private interface Check {
        boolean ok() throws Exception;
    }

    private static void until(String what, Check check) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!check.ok()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
            Thread.sleep(50);
        }
    }

    private static void exec(Connection c, String... sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            for (String q : sql) st.execute(q);
        }
    }

    private static String scalar(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
