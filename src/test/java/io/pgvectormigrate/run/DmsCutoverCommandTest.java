package io.pgvectormigrate.run;

import io.pgvectormigrate.aws.dms.FakeDms;
import io.pgvectormigrate.core.ExitCode;
import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pipeline.Step;
import io.pgvectormigrate.testing.CliRun;
import io.pgvectormigrate.testing.PgServers;
import io.pgvectormigrate.testing.Sql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code cutover --engine dms} judges the migration the run created, not the flags it is given: the command
 * {@code migrate} prints works as printed (no --config, no role), waits for CDC of a full-load-and-cdc run before it
 * stops DMS, and a migration type other than the run's is refused before anything is stopped.
 */
@ExtendWith(PgServers.class)
class DmsCutoverCommandTest {
    @TempDir
    Path tmp;

    @Test
    void thePrintedCutoverCommandWorksAndWaitsForCdcOfTheRunsMigration(PgServers.DbPair db) throws Exception {
        try (RunWorld w = new RunWorld(tmp.resolve("w"), db, 120, 2)) {
            Path config = w.cdcConfig("migration.yaml", "");
            ConnectionSpec source = w.restoreAndPrepareTarget("c1");
            CliRun.Result m = w.run("migrate", "--engine", "dms", "--run-id", "c1", "--config", config.toString());
            assertEquals(ExitCode.OK, m.exitCode(), m.toString());
            String printed = m.out().lines().filter(l -> l.startsWith("next: then cut over")).findFirst().orElseThrow();
            String command = printed.substring(printed.indexOf("pgvector-migrate cutover") + "pgvector-migrate ".length());
            assertTrue(!command.contains("--config") && !command.contains("--dms-role-arn"), command);

            // a change DMS must still carry when cutover begins
            Sql.exec(source, "UPDATE items SET source = 's3://changed-before-cutover' WHERE id = (SELECT min(id) FROM items)");

            CliRun.Result wrongType = w.run("cutover", "--engine", "dms", "--run-id", "c1", "--dms-migration-type", "full-load");
            assertEquals(ExitCode.USAGE, wrongType.exitCode(), wrongType.toString());
            assertTrue(wrongType.err().contains("DMS data migration is full-load-and-cdc, not full-load"), wrongType.err());
            assertTrue(FakeDms.LOAD_COMPLETE_REPLICATION_ONGOING.equalsIgnoreCase(w.aws.dms.statusOf("pgvm-c1-dms")), "DMS still streams");

            CliRun.Result nativeEngine = w.run("cutover", "--engine", "native", "--run-id", "c1");
            assertEquals(ExitCode.USAGE, nativeEngine.exitCode(), nativeEngine.toString());
            assertTrue(nativeEngine.err().contains("run c1 was started with --engine 'dms'"), nativeEngine.err());

            // as printed, without even --engine (cutover takes the run's); only DMS's 15 s default poll interval is
            // shortened for the test (a file with no role and no type)
            assertTrue(command.startsWith("cutover --engine dms --run-id c1"), command);
            Path polls = tmp.resolve("polls.yaml");
            Files.writeString(polls, "dms:\n  pollInterval: 2ms\n  heartbeat: 1h\n");
            List<String> args = new java.util.ArrayList<>(Arrays.asList(command.replace(" --engine dms", "").split(" ")));
            args.addAll(List.of("--config", polls.toString()));
            CliRun.Result c = w.run(args.toArray(String[]::new));
            assertEquals(ExitCode.OK, c.exitCode(), c.toString());
            assertTrue(c.err().contains("caught up"), c.err());
            assertEquals(Sql.scalar(source, "SELECT source FROM items WHERE id = (SELECT min(id) FROM items)"),
                    Sql.scalar(db.target(), "SELECT source FROM items WHERE id = (SELECT min(id) FROM items)"), "the change reached the target");
            assertTrue(w.journal("c1").output(Step.CUTOVER, "cdcConfirmedPosition").isPresent());
            assertEquals(FakeDms.STOPPED, w.aws.dms.statusOf("pgvm-c1-dms"));

            assertEquals(ExitCode.OK, w.run("cleanup", "--run-id", "c1", "--yes", "--no-final-snapshot").exitCode());
            assertEquals(List.of(), w.leftovers("c1"));
            w.assertNoLeak(c, List.of(), source.password(), RunWorld.OLD_PASSWORD);
            assertTrue(Arrays.stream(command.split(" ")).noneMatch(a -> a.contains(source.password())), command);
        }
    }
}
