package io.pgvectormigrate.bench;

import io.pgvectormigrate.testing.CliRun;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The copy benchmark end to end at a tiny size (its own two local instances): every method, checked, and the breakdown. */
class BenchmarkCopyTest {
    @Test
    void helpSaysHowToGetPgcopydb() {
        CliRun.Result r = CliRun.run("benchmark", "copy", "--help");
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().contains("apt-get install pgcopydb"), r.out());
        assertTrue(r.out().contains("pgcopydb clone --table-jobs 2 --index-jobs 2"), r.out());
        assertTrue(r.out().contains("--durability"), r.out());
    }

    @Test
    void methodsRotateSoEachGoesFirstInTurn() {
        List<String> m = List.of("native", "pgcopydb", "pipe");
        assertEquals(List.of("native", "pgcopydb", "pipe"), NativeCopyBenchmark.order(m, 1));
        assertEquals(List.of("pgcopydb", "pipe", "native"), NativeCopyBenchmark.order(m, 2));
        assertEquals(List.of("pipe", "native", "pgcopydb"), NativeCopyBenchmark.order(m, 3));
        assertEquals(List.of("pipe", "native", "pgcopydb"), NativeCopyBenchmark.order(m, 0), "the warm-up round");
    }

    @Test
    void unknownDurabilityIsBadInput() {
        CliRun.Result r = CliRun.run("benchmark", "copy", "--durability", "sometimes");
        assertEquals(2, r.exitCode(), r.toString());
        assertTrue(r.err().contains("--durability must be durable, rehearsal or both"), r.err());
    }

    @Test
    void mixedFixtureCopiesFourTablesOfOtherShapes() {
        CliRun.Result r = CliRun.run("benchmark", "copy", "--rows", "1000", "--repeat", "1", "--bots", "3", "--fixture", "mixed",
                "--durability", "rehearsal", "--skip-heap");
        assertEquals(0, r.exitCode(), r.toString());
        // every method's copy holds all four tables, every column of every row, the partitions' rows included
        String tables = "1000 rows, -?\\d+; documents 500 rows, -?\\d+; events 2000 rows, -?\\d+; bot_embeddings 250 rows, -?\\d+";
        for (String db : List.of("native_1", "pipe_1")) {
            assertTrue(Pattern.compile(db + ": identical to the source \\(" + tables).matcher(r.err()).find(), db + ": " + r.err());
        }
        assertTrue(r.out().contains("plus documents (hash-partitioned in 4, N/2 rows)"), r.out());
        assertTrue(r.out().contains("### rehearsal settings (not the servers operators migrate between)"), r.out());
    }

    @Test
    void comparesTheNativePathWithItsPeers() {
        CliRun.Result r = CliRun.run("benchmark", "copy", "--rows", "2000", "--repeat", "1", "--bots", "3", "--durability", "both");
        assertEquals(0, r.exitCode(), r.toString());
        // each method's copy was checked against the source before its time counted
        assertTrue(r.err().contains("native_1: identical to the source (2000 rows"), r.err());
        assertTrue(r.err().contains("pipe_1: identical to the source (2000 rows"), r.err());
        assertTrue(r.out().contains("| native: prepare-target + migrate + cutover |"), r.out());
        assertTrue(r.out().contains("| single binary COPY pipe (psql \\| psql) |"), r.out());
        assertTrue(r.out().contains("native copy phase / single COPY pipe: **"), r.out());
        // pgcopydb is measured when installed, at its best (the tool's parallel maintenance workers), and otherwise
        // the report says how to install it
        boolean pgcopydb = r.out().contains("| pgcopydb clone --table-jobs 2 --index-jobs 2 |");
        assertTrue(pgcopydb ? r.out().contains("whole native path / pgcopydb clone: **")
                : r.out().contains("not installed: apt-get install pgcopydb"), r.out());
        if (pgcopydb) {
            assertTrue(r.out().contains("ran with PGOPTIONS='-c max_parallel_maintenance_workers=4'"), r.out());
            assertTrue(r.err().contains("pgcopydb_1: identical to the source (2000 rows"), r.err());
        }
        // the headline on durable servers, the rehearsal's settings beside it, each as the servers reported them
        int durable = r.out().indexOf("### durable servers (the headline)");
        int rehearsal = r.out().indexOf("### rehearsal settings (beside the headline");
        assertTrue(durable >= 0 && rehearsal > durable, r.out());
        assertTrue(r.out().contains("Both servers: fsync on, synchronous_commit on, full_page_writes on."), r.out());
        assertTrue(r.out().contains("Both servers: fsync off, synchronous_commit off, full_page_writes off."), r.out());
        // a warm-up round for every method, then the order rotates: round 0 starts with round 1's last method
        Matcher round0 = Pattern.compile("(?m)^- round 0: (.*)$").matcher(r.out());
        Matcher round1 = Pattern.compile("(?m)^- round 1: (.*)$").matcher(r.out());
        assertTrue(round0.find() && round1.find(), r.out());
        List<String> first = List.of(round0.group(1).split("; "));
        List<String> second = List.of(round1.group(1).split("; "));
        assertEquals(second.size(), first.size());
        assertTrue(second.size() >= 2, r.out());
        assertEquals(second.get(second.size() - 1), first.get(0), r.out());
        assertTrue(r.err().contains("native_0: identical to the source (2000 rows"), "the warm-up copies are checked too: " + r.err());
        // the documented commands, each its own process (not this JVM), JVM starts included
        for (String step : List.of("prepare-target", "migrate", "cutover")) {
            Matcher m = Pattern.compile("  " + step + ": process (\\d+) exited 0 after").matcher(r.err());
            assertTrue(m.find(), step + " ran as a process: " + r.err());
            assertNotEquals(ProcessHandle.current().pid(), Long.parseLong(m.group(1)));
        }
        assertTrue(r.out().contains("    pgvector-migrate prepare-target --target postgresql://postgres@127.0.0.1:"), r.out());
        assertTrue(r.out().contains("--schema-from-source"), r.out());
        assertTrue(r.out().contains("    pgvector-migrate migrate --engine native --source postgresql://postgres@127.0.0.1:"), r.out());
        assertTrue(r.out().contains("    pgvector-migrate cutover --source postgresql://postgres@127.0.0.1:"), r.out());
        // where the time went: phases, both sides' copy streams, the index builds, the JVM starts
        assertTrue(r.out().contains("| migrate: initial copy (1 stream) |"), r.out());
        assertTrue(r.out().contains("source stream 1 (COPY ... TO STDOUT)"), r.out());
        assertTrue(r.out().contains("built public.idx_items_embedding in "), "the tool's own line about the ivfflat build: " + r.out());
        assertTrue(r.out().contains("| of all this: three JVM starts and exits (3 x "), r.out());
        assertTrue(r.out().contains("Peak live heap during one more native run"), r.out());
        assertFalse(r.out().contains("password"), "no secrets in the report");
        assertFalse(r.err().contains("password="), "no secrets in the progress");
    }
}
