package io.pgvectormigrate.replication;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pipeline.Journal;
import io.pgvectormigrate.pipeline.Step;
import io.pgvectormigrate.pipeline.StepStatus;
import io.pgvectormigrate.report.Json;
import io.pgvectormigrate.testing.CliRun;
import io.pgvectormigrate.testing.PgServers;
import io.pgvectormigrate.testing.Sql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** migrate --engine native and cutover as an operator runs them: exit codes, output, journal, no password anywhere. */
@ExtendWith(PgServers.class)
class MigrateCliTest {

    /** A URI with the password in it, the way an operator might pass it. */
    static String url(ConnectionSpec s) {
        return "postgresql://" + s.user() + ":" + s.password() + "@" + s.host() + ":" + s.port() + "/" + s.database();
    }

    @Test
    void migrateThenCutover(PgServers.DbPair db, @TempDir Path dir) throws Exception {
        Fixture.schemaAndRows(db, 300, 40);
        CliRun.Result m = CliRun.run(Map.of(), dir, "migrate", "--engine", "native", "--source", url(db.source()),
                "--target", url(db.target()), "--run-id", "cli-one", "--jobs", "2");
        assertEquals(0, m.exitCode(), m.toString());
        assertTrue(m.out().contains("run cli-one: initial copy complete"), m.out());
        assertTrue(m.out().contains("public.items"), m.out());
        assertTrue(m.out().contains("next, once the application is stopped: pgvector-migrate cutover --run-id cli-one"), m.out());
        assertTrue(m.err().contains("created subscription pgvm_cli_one"), m.err());

        Fixture.writeRound(db.source(), "cli", 5, new SplittableRandom(1));
        CliRun.Result c = CliRun.run(Map.of(), dir, "cutover", "--source", url(db.source()), "--target", url(db.target()),
                "--run-id", "cli-one");
        assertEquals(0, c.exitCode(), c.toString());
        assertTrue(c.out().contains("run cli-one: cut over"), c.out());
        assertTrue(c.out().contains("sequences carried: public.bot_audit_id_seq"), c.out());

        assertEquals(Fixture.itemsHash(db.source()), Fixture.itemsHash(db.target()));
        assertEquals(Fixture.auditHash(db.source()), Fixture.auditHash(db.target()));
        Fixture.assertNoReplicationLeft(db, "cli-one");

        Journal j = Journal.load(dir.resolve(".pgvector-migrate"), "cli-one", Clock.systemUTC());
        assertEquals(StepStatus.DONE, j.step(Step.MIGRATE).status());
        assertEquals(StepStatus.DONE, j.step(Step.CUTOVER).status());
        String journalText = Files.readString(j.file());
        for (String pw : new String[]{db.source().password(), db.target().password()}) {
            Fixture.assertNoSecret("migrate output", m.out() + m.err(), pw);
            Fixture.assertNoSecret("cutover output", c.out() + c.err(), pw);
            Fixture.assertNoSecret("the journal", journalText, pw);
        }
    }

    @Test
    void defaultRunIdAndCutoverFindsTheRun(PgServers.DbPair db, @TempDir Path dir) throws Exception {
        Fixture.schemaAndRows(db, 50, 10);
        CliRun.Result m = CliRun.run(Map.of(), dir, "migrate", "--source", url(db.source()), "--target", url(db.target()),
                "--work-dir", "wd", "--initial-copy", "subscription");
        assertEquals(0, m.exitCode(), m.toString());
        String runId = m.out().replaceAll("(?s)^run (native-\\d{8}-\\d{6}):.*", "$1");
        assertTrue(runId.matches("native-\\d{8}-\\d{6}"), m.out());
        // the next line names the non-default work dir, so the operator can copy it
        assertTrue(m.out().contains("--work-dir " + dir.resolve("wd")), m.out());

        CliRun.Result c = CliRun.run(Map.of(), dir, "cutover", "--source", url(db.source()), "--target", url(db.target()),
                "--work-dir", "wd", "--format", "json");
        assertEquals(0, c.exitCode(), c.toString());
        JsonNode doc = Json.mapper().readTree(c.out());
        assertEquals(runId, doc.get("runId").asText());
        assertTrue(doc.get("summary").asText().startsWith("cut over"), c.out());
        assertEquals(Fixture.itemsHash(db.source()), Fixture.itemsHash(db.target()));
        Fixture.assertNoReplicationLeft(db, runId);

        // nothing left to cut over: the discovery says so, exit 2
        CliRun.Result none = CliRun.run(Map.of(), dir, "cutover", "--source", url(db.source()), "--target", url(db.target()),
                "--work-dir", "wd");
        assertEquals(2, none.exitCode(), none.toString());
        assertTrue(none.err().contains("no run in") && none.err().contains("pass --run-id"), none.err());
    }

    /**
     * Two migrations from one source into two targets, in one work directory. cutover without --run-id cuts over the
     * run between the databases it is given, not the latest one; a run id whose databases, tables or engine differ from
     * what the run started with is refused (exit 2) and nothing of that run is touched.
     */
    @Test
    void aRunIsTiedToItsDatabasesTablesAndEngine(PgServers.DbPair db, @TempDir Path dir) throws Exception {
        Fixture.schemaAndRows(db, 60, 10);
        String second = db.name() + "_b";
        Sql.exec(db.targetServer().connection("postgres"), "CREATE DATABASE " + second);
        ConnectionSpec target2 = db.targetServer().connection(second);
        Sql.exec(target2, Fixture.SCHEMA);
        String src = url(db.source()), tgtA = url(db.target()), tgtB = url(target2);
        assertEquals(0, CliRun.run(Map.of(), dir, "migrate", "--source", src, "--target", tgtA, "--run-id", "to-a").exitCode());
        CliRun.Result b = CliRun.run(Map.of(), dir, "migrate", "--source", src, "--target", tgtB, "--run-id", "to-b",
                "--initial-copy", "subscription");
        assertEquals(0, b.exitCode(), b.toString());

        // a finished run id with another target: refused, not "done in an earlier attempt"
        CliRun.Result again = CliRun.run(Map.of(), dir, "migrate", "--source", src, "--target", tgtB, "--run-id", "to-a");
        assertEquals(2, again.exitCode(), again.toString());
        assertTrue(again.err().contains("run to-a was started with --target 'postgresql://postgres@") && again.err().contains("another --run-id"),
                again.err());
        // cutover of run to-b with to-a's target, a narrower table filter, or another engine: refused, to-b untouched
        CliRun.Result wrongTarget = CliRun.run(Map.of(), dir, "cutover", "--source", src, "--target", tgtA, "--run-id", "to-b");
        assertEquals(2, wrongTarget.exitCode(), wrongTarget.toString());
        assertTrue(wrongTarget.err().contains("was started with --target"), wrongTarget.err());
        CliRun.Result narrower = CliRun.run(Map.of(), dir, "cutover", "--source", src, "--target", tgtB, "--run-id", "to-b", "--table", "items");
        assertEquals(2, narrower.exitCode(), narrower.toString());
        assertTrue(narrower.err().contains("was started with the table filter"), narrower.err());
        CliRun.Result dms = CliRun.run(Map.of(), dir, "cutover", "--engine", "dms", "--run-id", "to-b", "--region", "us-east-1");
        assertEquals(2, dms.exitCode(), dms.toString());
        assertTrue(dms.err().contains("was started with --engine 'native'"), dms.err());
        assertEquals(2, Sql.count(db.source(), "SELECT count(*) FROM pg_replication_slots WHERE slot_name IN ('pgvm_to_a', 'pgvm_to_b')"));

        // without --run-id: the run between these two databases, although to-b was journaled last
        CliRun.Result c = CliRun.run(Map.of(), dir, "cutover", "--source", src, "--target", tgtA);
        assertEquals(0, c.exitCode(), c.toString());
        assertTrue(c.out().contains("run to-a: cut over"), c.out());
        Fixture.assertNoSecret("cutover output", c.out() + c.err(), db.source().password());
        assertEquals(1, Sql.count(db.source(), "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'pgvm_to_b'"), "to-b still replicates");
        assertEquals(1, Sql.count(target2, "SELECT count(*) FROM pg_subscription WHERE subname = 'pgvm_to_b'"));
        Journal jb = Journal.load(dir.resolve(".pgvector-migrate"), "to-b", Clock.systemUTC());
        assertEquals(0, jb.step(Step.CUTOVER).attempts());
        assertTrue(jb.liveResourcesNewestFirst().stream().anyMatch(r -> r.kind().equals(NativeEngine.SUBSCRIPTION)));

        Fixture.writeRound(db.source(), "late", 3, new SplittableRandom(3));
        CliRun.Result cb = CliRun.run(Map.of(), dir, "cutover", "--source", src, "--target", tgtB);
        assertEquals(0, cb.exitCode(), cb.toString());
        assertTrue(cb.out().contains("run to-b: cut over"), cb.out());
        assertEquals(Fixture.itemsHash(db.source()), Fixture.itemsHash(target2));
        Fixture.assertNoReplicationLeft(db, "to-b");
        assertEquals(0, Sql.count(target2, "SELECT count(*) FROM pg_subscription WHERE subname = 'pgvm_to_b'"));
    }

    @Test
    void migrateWithCutoverInOneGoAsJson(PgServers.DbPair db, @TempDir Path dir) throws Exception {
        Fixture.schemaAndRows(db, 80, 10);
        CliRun.Result r = CliRun.run(Map.of(), dir, "migrate", "--engine", "native", "--source", url(db.source()),
                "--target", url(db.target()), "--run-id", "cli-both", "--cutover", "--timeout", "2m", "--format", "json");
        assertEquals(0, r.exitCode(), r.toString());
        JsonNode doc = Json.mapper().readTree(r.out());
        assertEquals("cli-both", doc.get("runId").asText());
        assertEquals(80, doc.get("migrate").get("tables").get(1).get("rows").asLong(), r.out());
        assertTrue(doc.get("cutover").get("removed").toString().contains("publication pgvm_cli_both"), r.out());
        assertEquals(Fixture.itemsHash(db.source()), Fixture.itemsHash(db.target()));
        Fixture.assertNoReplicationLeft(db, "cli-both");
        Fixture.assertNoSecret("json output", r.out() + r.err(), db.source().password());
    }

    @Test
    void abandonRemovesTheReplicationAndKeepsTheRows(PgServers.DbPair db, @TempDir Path dir) throws Exception {
        Fixture.schemaAndRows(db, 40, 5);
        CliRun.Result m = CliRun.run(Map.of(), dir, "migrate", "--source", url(db.source()), "--target", url(db.target()),
                "--run-id", "cli-give-up");
        assertEquals(0, m.exitCode(), m.toString());
        for (int i = 0; i < 2; i++) {
            CliRun.Result a = CliRun.run(Map.of(), dir, "cutover", "--source", url(db.source()), "--target", url(db.target()),
                    "--run-id", "cli-give-up", "--abandon");
            assertEquals(0, a.exitCode(), a.toString());
            assertTrue(a.out().contains("run cli-give-up: abandoned"), a.out());
        }
        Fixture.assertNoReplicationLeft(db, "cli-give-up");
        assertEquals(40, Sql.count(db.target(), "SELECT count(*) FROM items"));
    }

    @Test
    void cutoverOfAnUnknownRunIsBadInput(PgServers.DbPair db, @TempDir Path dir) throws Exception {
        db.both(Fixture.SCHEMA);
        CliRun.Result r = CliRun.run(Map.of(), dir, "cutover", "--source", url(db.source()), "--target", url(db.target()),
                "--run-id", "never-ran");
        assertEquals(2, r.exitCode(), r.toString());
        assertTrue(r.err().contains("nothing to cut over for run never-ran") && r.err().contains("run migrate first"), r.err());
    }

    @Test
    void dmsEngineNeedsTheAwsOptions(PgServers.DbPair db, @TempDir Path dir) throws Exception {
        CliRun.Result r = CliRun.run(Map.of(), dir, "migrate", "--engine", "dms", "--source", url(db.source()),
                "--target", url(db.target()));
        assertEquals(2, r.exitCode(), r.toString());
        assertTrue(r.err().contains("--engine dms needs the AWS options"), r.err());
        assertEquals(0, Sql.count(db.source(), "SELECT count(*) FROM pg_publication"));
    }
}
