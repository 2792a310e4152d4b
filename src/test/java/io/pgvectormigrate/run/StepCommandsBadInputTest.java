package io.pgvectormigrate.run;

import io.pgvectormigrate.core.ExitCode;
import io.pgvectormigrate.pipeline.Journal;
import io.pgvectormigrate.testing.CliRun;
import io.pgvectormigrate.testing.PgServers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad input to the step commands is exit 2 with nothing created: no journal, no AWS call. */
@ExtendWith(PgServers.class)
class StepCommandsBadInputTest {
    @TempDir
    Path tmp;

    @Test
    void aDmsMigrateWithoutATargetAndACutoverOfAnUnknownRunCreateNoJournal(PgServers.DbPair db) throws Exception {
        try (RunWorld w = new RunWorld(tmp.resolve("w"), db, 10, 1)) {
            CliRun.Result m = w.run("migrate", "--engine", "dms", "--run-id", "fresh", "--dms-role-arn", RunWorld.ROLE_ARN,
                    "--region", RunWorld.REGION);
            assertEquals(ExitCode.USAGE, m.exitCode(), m.toString());
            assertTrue(m.err().contains("no --target, and run fresh has no target cluster recorded"), m.err());
            assertFalse(Journal.exists(w.workDir(), "fresh"), "bad input left a journal behind");

            CliRun.Result c = w.run("cutover", "--engine", "dms", "--run-id", "never", "--region", RunWorld.REGION);
            assertEquals(ExitCode.USAGE, c.exitCode(), c.toString());
            assertTrue(c.err().contains("nothing to cut over for run never") && c.err().contains("run migrate first"), c.err());
            assertFalse(Journal.exists(w.workDir(), "never"));
            assertFalse(Files.exists(w.workDir().resolve("runs")), "no run directory at all");
            assertEquals(java.util.List.of(), w.aws.dms.calls(), "no DMS call");
        }
    }
}
