package io.pgvectormigrate.bench;

import io.pgvectormigrate.testing.CliRun;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The copy benchmark end to end at a tiny size (its own two local instances): every method, checked, and the breakdown. */
class BenchmarkCopyTest {
    @Test
    void helpSaysHowToGetPgcopydb() {
        CliRun.Result r = CliRun.run("benchmark", "copy", "--help");
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().contains("apt-get install pgcopydb"), r.out());
        assertTrue(r.out().contains("pgcopydb clone --table-jobs 2 --index-jobs 2"), r.out());
    }

    @Test
    void comparesTheNativePathWithItsPeers() {
        CliRun.Result r = CliRun.run("benchmark", "copy", "--rows", "2000", "--repeat", "1", "--bots", "3");
        assertEquals(0, r.exitCode(), r.toString());
        // each method's copy was checked against the source before its time counted
        assertTrue(r.err().contains("native_1: identical to the source (2000 rows"), r.err());
        assertTrue(r.err().contains("pipe_1: identical to the source (2000 rows"), r.err());
        assertTrue(r.out().contains("| native: prepare-target + migrate + cutover |"), r.out());
        assertTrue(r.out().contains("| single binary COPY pipe (psql \\| psql) |"), r.out());
        assertTrue(r.out().contains("native copy phase / single COPY pipe: **"), r.out());
        // pgcopydb is measured when installed, and otherwise the report says how to install it
        boolean pgcopydb = r.out().contains("| pgcopydb clone --table-jobs 2 --index-jobs 2 |");
        assertTrue(pgcopydb ? r.out().contains("whole native path / pgcopydb clone: **")
                : r.out().contains("not installed: apt-get install pgcopydb"), r.out());
        // where the time went: phases, both sides' copy streams, the index builds, the JVM start
        assertTrue(r.out().contains("| migrate: initial copy (1 stream) |"), r.out());
        assertTrue(r.out().contains("source stream 1 (COPY ... TO STDOUT)"), r.out());
        assertTrue(r.out().contains("public.idx_items_embedding (ivfflat): recreated in"), r.out());
        assertTrue(r.out().contains("three commands in three JVMs would add"), r.out());
        assertFalse(r.out().contains("password"), "no secrets in the report");
    }
}
