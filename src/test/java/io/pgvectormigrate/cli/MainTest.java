package io.pgvectormigrate.cli;

import io.pgvectormigrate.core.ExitCode;
import io.pgvectormigrate.testing.CliRun;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MainTest {
    @Test
    void helpListsExitCodes() {
        CliRun.Result r = CliRun.run("--help");
        assertEquals(ExitCode.OK, r.exitCode(), r::toString);
        assertTrue(r.out().contains("3  verification found differences"), r::toString);
    }

    @Test
    void unknownCommandIsUsageErrorWithAHint() {
        CliRun.Result r = CliRun.run("frobnicate");
        assertEquals(ExitCode.USAGE, r.exitCode(), r::toString);
        assertTrue(r.err().contains("--help"), r::toString);
    }

    @Test
    void versionNamesTheVersionAndTheCommitOfTheBuild() throws Exception {
        CliRun.Result r = CliRun.run("--version");
        assertEquals(ExitCode.OK, r.exitCode(), r::toString);
        String head = new String(new ProcessBuilder("git", "rev-parse", "--short=7", "HEAD").start().getInputStream().readAllBytes()).strip();
        assertTrue(r.out().matches("(?s)pgvector-migrate [0-9][^ ]* \\(commit " + head + "[ ,].*"), r::toString);
    }

    @Test
    void noCommandIsUsageError() {
        assertEquals(ExitCode.USAGE, CliRun.run().exitCode());
    }
}
