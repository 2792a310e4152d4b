package io.pgvectormigrate.verify;

import io.pgvectormigrate.testing.CliRun;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Help texts, and the verify benchmark end to end at a tiny size (its own two local instances). */
class VerifyCliTest {
    @Test
    void helpShowsChecksAndAnExample() {
        CliRun.Result r = CliRun.run("verify", "--help");
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().contains("--max-diffs"), r.out());
        assertTrue(r.out().contains("Example"), r.out());
        assertTrue(r.out().contains("  sequences   target sequences ahead of source and of their column"), r.out());
        CliRun.Result b = CliRun.run("benchmark", "verify", "--help");
        assertEquals(0, b.exitCode(), b.toString());
        assertTrue(b.out().contains("pgvector-migrate benchmark verify --rows 100000,1000000"), b.out());
    }

    @Test
    void missingConnectionIsUsageError() {
        CliRun.Result r = CliRun.run("verify", "--source", "postgresql://localhost/x");
        assertEquals(2, r.exitCode(), r.toString());
        assertTrue(r.err().contains("--target"), r.toString());
    }

    @Test
    void benchmarkRunsEndToEnd() {
        CliRun.Result r = CliRun.run("benchmark", "verify", "--rows", "1000", "--repeat", "1", "--bots", "5");
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().contains("| 1,000 |"), r.toString());
        assertTrue(r.out().contains("Machine: "), r.toString());
    }
}
