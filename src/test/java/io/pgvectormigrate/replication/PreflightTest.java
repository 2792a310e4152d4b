package io.pgvectormigrate.replication;

import io.pgvectormigrate.local.LocalPostgres;
import io.pgvectormigrate.local.PgBinaries;
import io.pgvectormigrate.testing.CliRun;
import io.pgvectormigrate.testing.PgServers;
import io.pgvectormigrate.testing.Sql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static io.pgvectormigrate.replication.MigrateCliTest.url;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each preflight failure: exit 2, one clear line, and nothing created on either side. */
@ExtendWith(PgServers.class)
class PreflightTest {

    private static CliRun.Result migrate(Path dir, String source, String target) {
        return CliRun.run(Map.of(), dir, "migrate", "--engine", "native", "--source", source, "--target", target,
                "--run-id", "pre-flight");
    }

    private static void assertOneErrorLine(CliRun.Result r, String... fragments) {
        assertEquals(2, r.exitCode(), r.toString());
        long errorLines = r.err().lines().filter(l -> l.startsWith("error: ")).count();
        assertEquals(1, errorLines, r.err());
        String line = r.err().lines().filter(l -> l.startsWith("error: ")).findFirst().orElseThrow();
        for (String f : fragments) assertTrue(line.contains(f), "'" + f + "' missing from: " + line);
    }

    private static void assertNothingCreated(PgServers.DbPair db) throws Exception {
        assertEquals(0, Sql.count(db.source(), "SELECT count(*) FROM pg_publication"));
        assertEquals(0, Sql.count(db.source(), "SELECT count(*) FROM pg_replication_slots WHERE database = current_database()"));
        assertEquals(0, Sql.count(db.target(), "SELECT count(*) FROM pg_subscription WHERE subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())"));
    }

    @Test
    void sourceWithoutLogicalReplication(PgServers.DbPair db, @TempDir Path dir) throws Exception {
        PgBinaries bins = PgBinaries.locate(System.getenv()).requirePgvector();
        Path instanceDir = Files.createTempDirectory(LocalPostgres.defaultBaseDir(), "test-nologic-");
        try (LocalPostgres plain = LocalPostgres.start(bins, instanceDir, 0, LocalPostgres.throwawaySettings(), true)) {
            Sql.exec(plain.connection("postgres"), "CREATE TABLE t(id int primary key, v text)");
            Sql.exec(db.target(), "CREATE TABLE t(id int primary key, v text)");
            CliRun.Result r = migrate(dir, url(plain.connection("postgres")), url(db.target()));
            assertOneErrorLine(r, "preflight", "wal_level=replica", "wal_level=logical", "rds.logical_replication=1");
            assertEquals(0, Sql.count(plain.connection("postgres"), "SELECT count(*) FROM pg_publication"));
        }
    }

    @Test
    void tableWithoutPrimaryKey(PgServers.DbPair db, @TempDir Path dir) throws Exception {
        db.both(Fixture.SCHEMA);
        db.both("CREATE TABLE chat_log(botid char(26), line text)");
        CliRun.Result r = migrate(dir, url(db.source()), url(db.target()));
        assertOneErrorLine(r, "1 table has no primary key or replica identity", "public.chat_log", "REPLICA IDENTITY FULL", "--exclude");
        assertNothingCreated(db);

        // leaving it out is enough
        CliRun.Result ok = CliRun.run(Map.of(), dir, "migrate", "--source", url(db.source()), "--target", url(db.target()),
                "--run-id", "pre-flight", "--exclude", "chat_log", "--cutover");
        assertEquals(0, ok.exitCode(), ok.toString());
        Fixture.assertNoReplicationLeft(db, "pre-flight");
    }

    @Test
    void userWithoutReplicationPrivilege(PgServers.DbPair db, @TempDir Path dir) throws Exception {
        db.both(Fixture.SCHEMA);
        String role = "norepl_" + db.name();
        Sql.exec(db.source(), "CREATE ROLE " + role + " LOGIN PASSWORD 'Pw-" + role + "'",
                "ALTER TABLE items OWNER TO " + role, "ALTER TABLE bot_audit OWNER TO " + role);
        try {
            String source = "postgresql://" + role + ":Pw-" + role + "@" + db.source().host() + ":" + db.source().port() + "/" + db.name();
            CliRun.Result r = migrate(dir, source, url(db.target()));
            assertOneErrorLine(r, "source user '" + role + "' may not replicate", "REPLICATION", "rds_replication");
            assertTrue(!r.err().contains("Pw-" + role), "password printed");
            assertNothingCreated(db);
        } finally {
            Sql.exec(db.source(), "DROP OWNED BY " + role, "DROP ROLE " + role);
        }
    }

    @Test
    void targetNotPrepared(PgServers.DbPair db, @TempDir Path dir) throws Exception {
        Sql.exec(db.source(), Fixture.SCHEMA);
        Sql.exec(db.target(), "CREATE EXTENSION vector");
        CliRun.Result r = migrate(dir, url(db.source()), url(db.target()));
        assertOneErrorLine(r, "2 tables are missing on the target: public.bot_audit, public.items", "prepare-target");
        assertNothingCreated(db);
    }

    @Test
    void nonEmptyTargetIsRefused(PgServers.DbPair db, @TempDir Path dir) throws Exception {
        db.both(Fixture.SCHEMA);
        Sql.exec(db.target(), "INSERT INTO bot_audit(note) VALUES ('already here')");
        CliRun.Result r = migrate(dir, url(db.source()), url(db.target()));
        assertOneErrorLine(r, "1 target table holds rows already: public.bot_audit");
        assertNothingCreated(db);
    }

    @Test
    void noMatchingTables(PgServers.DbPair db, @TempDir Path dir) throws Exception {
        db.both(Fixture.SCHEMA);
        CliRun.Result r = CliRun.run(Map.of(), dir, "migrate", "--source", url(db.source()), "--target", url(db.target()),
                "--table", "nothing_like_this");
        assertOneErrorLine(r, "no tables on the source match", "--table");
        assertNothingCreated(db);
    }
}
