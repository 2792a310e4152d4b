package io.pgvectormigrate.verify;

import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.testing.CliRun;
import io.pgvectormigrate.testing.PgServers;
import io.pgvectormigrate.testing.Sql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static io.pgvectormigrate.verify.VerifyFixtures.bedrockItems;
import static io.pgvectormigrate.verify.VerifyFixtures.url;
import static io.pgvectormigrate.verify.VerifyFixtures.verify;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad input exits 2 with one line that names the problem; secrets never show; verify only reads. */
@ExtendWith(PgServers.class)
class VerifyInputsTest {

    /** Exit 2, exactly one error line on stderr containing {@code expected}, nothing on stdout. */
    private static void assertBadInput(CliRun.Result r, String expected) {
        assertEquals(2, r.exitCode(), r.toString());
        String[] lines = r.err().strip().split("\n");
        String errorLine = null;
        for (String l : lines) {
            if (l.startsWith("error: ")) {
                assertEquals(null, errorLine, "one error line only: " + r);
                errorLine = l;
            }
        }
        assertTrue(errorLine != null && errorLine.contains(expected), "expected '" + expected + "' in: " + r);
        assertEquals("", r.out(), r.toString());
    }

    private static int closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Test
    void unreachableHost(PgServers.DbPair db) throws Exception {
        ConnectionSpec nowhere = db.target().withPort(closedPort());
        assertBadInput(verify(db.source(), nowhere), "cannot reach target postgresql://postgres@127.0.0.1:");
    }

    @Test
    void wrongPasswordIsNotEchoed(PgServers.DbPair db) {
        ConnectionSpec wrong = db.target().withPassword("Wr0ng-Secret-Passw0rd");
        CliRun.Result r = verify(db.source(), wrong);
        assertBadInput(r, "authentication failed for user 'postgres' on target");
        assertFalse(r.err().contains("Wr0ng-Secret-Passw0rd"), r.toString());
    }

    @Test
    void missingDatabase(PgServers.DbPair db) {
        assertBadInput(verify(db.source(), db.target().withDatabase("no_such_db")),
                "database 'no_such_db' does not exist on target");
    }

    @Test
    void missingSchemaAndFilterMatchingNothing(PgServers.DbPair db) throws Exception {
        bedrockItems(db, 10, 4);
        assertBadInput(verify(db, "--schema", "nosuch"), "schema 'nosuch' does not exist on source");
        assertBadInput(verify(db, "--table", "nosuch*"), "no tables match tables nosuch* on source or target");
        assertBadInput(verify(db, "--exclude", "items"), "no tables match excluding items");
        assertBadInput(verify(db, "--skip", "colour"), "unknown check 'colour' in --skip");
        assertBadInput(verify(db, "--group-by", "items.nosuch"), "public.items has no column 'nosuch'");
    }

    @Test
    void pgvectorMissingOnOneSide(PgServers.DbPair db) throws Exception {
        Sql.exec(db.source(), "CREATE EXTENSION vector");
        db.both("CREATE TABLE t(id int PRIMARY KEY)");
        assertBadInput(verify(db), "pgvector (extension vector) is not installed in the target database");
    }

    @Test
    void sameDatabaseTwice(PgServers.DbPair db) throws Exception {
        bedrockItems(db, 10, 4);
        assertBadInput(verify(db.source(), db.source()), "source and target are the same database");
        // the same server reached under another name
        assertBadInput(verify(db.source(), db.source().withHost("localhost")), "same database");
    }

    @Test
    void passwordInUrlNeverPrinted(PgServers.DbPair db, @TempDir Path dir) throws Exception {
        bedrockItems(db, 40, 8);
        Sql.exec(db.target(), "DELETE FROM items WHERE id IN (SELECT id FROM items LIMIT 2)");
        for (String format : new String[]{"text", "json"}) {
            Path report = dir.resolve("r-" + format + ".md");
            CliRun.Result r = verify(db, "--format", format, "--report", report.toString(), "--verbose");
            assertEquals(3, r.exitCode(), r.toString());
            String all = r.out() + r.err() + Files.readString(report);
            for (String secret : new String[]{db.source().password(), db.target().password()}) {
                assertFalse(all.contains(secret), "password leaked: " + r);
            }
            assertTrue(all.contains(db.source().display()), r.toString());
        }
    }

    /** A report that cannot be written is an error line, but never hides the differences: exit 3 stays exit 3. */
    @Test
    void aReportThatCannotBeWrittenKeepsTheDifferencesExitCode(PgServers.DbPair db, @TempDir Path dir) throws Exception {
        bedrockItems(db, 20, 4);
        Sql.exec(db.target(), "DELETE FROM items WHERE id IN (SELECT id FROM items LIMIT 1)");
        // passes the up-front check (nothing there yet, a writable directory), fails when written: the link leads nowhere
        Path report = Files.createSymbolicLink(dir.resolve("r.md"), dir.resolve("gone/r.md"));
        CliRun.Result r = verify(db, "--report", report.toString());
        assertEquals(3, r.exitCode(), r.toString());
        assertTrue(r.err().contains("error: cannot write the report to " + report), r.err());
    }

    @Test
    void passwordFromEnvironmentWorks(PgServers.DbPair db) throws Exception {
        bedrockItems(db, 10, 4);
        ConnectionSpec s = db.source();
        ConnectionSpec t = db.target();
        // no password in the URL: PGPASSWORD covers the source, the target's comes from its URL
        CliRun.Result r = CliRun.run(Map.of("PGPASSWORD", s.password()), Path.of(System.getProperty("java.io.tmpdir")),
                "verify", "--source", "postgresql://postgres@127.0.0.1:" + s.port() + "/" + s.database(),
                "--target", url(t));
        assertEquals(0, r.exitCode(), r.toString());
    }

    @Test
    void readOnlyOnBothSides(PgServers.DbPair db) throws Exception {
        bedrockItems(db, 100, 8);
        db.both("CREATE TABLE nopk(a int, b text)", "INSERT INTO nopk VALUES (1, 'a')",
                "CREATE TABLE s(id serial PRIMARY KEY)", "INSERT INTO s DEFAULT VALUES");
        String objects = "SELECT count(*) FROM pg_class";
        long sBefore = Sql.count(db.source(), objects);
        long tBefore = Sql.count(db.target(), objects);
        // databases that refuse every write: verify must still work, ANN included
        Sql.exec(db.source(), "ALTER DATABASE " + db.name() + " SET default_transaction_read_only = on");
        Sql.exec(db.target(), "ALTER DATABASE " + db.name() + " SET default_transaction_read_only = on");
        CliRun.Result r = verify(db, "--ann-queries", "3", "--chunk-rows", "30");
        assertEquals(0, r.exitCode(), r.toString());
        assertEquals(sBefore, Sql.count(db.source(), objects), "verify created objects on the source");
        assertEquals(tBefore, Sql.count(db.target(), objects), "verify created objects on the target");
        assertEquals("1", Sql.scalar(db.target(), "SELECT last_value FROM s_id_seq"), "sequences must not advance");
    }
}
