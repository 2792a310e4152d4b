package io.pgvectormigrate.pipeline;

import io.pgvectormigrate.core.ExitCode;
import io.pgvectormigrate.core.ToolException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JournalTest {
    @Test
    void persistsStepsAndResourcesAcrossProcesses(@TempDir Path work) {
        Journal j = Journal.open(work, "run-1", "rehearse", Clock.systemUTC());
        j.started(Step.RESTORE);
        j.recordResource("local.instance", "source", Map.of("dataDir", "/tmp/x"));
        j.done(Step.RESTORE, "restored", Map.of("port", "5433"));
        j.started(Step.MIGRATE); // the process "dies" here

        Journal again = Journal.open(work, "run-1", "rehearse", Clock.systemUTC());
        assertTrue(again.isDone(Step.RESTORE));
        assertEquals(StepStatus.RUNNING, again.step(Step.MIGRATE).status());
        assertEquals("5433", again.output(Step.RESTORE, "port").orElseThrow());
        assertEquals(1, again.liveResourcesNewestFirst().size());
        again.markDeleted("local.instance", "source");
        assertTrue(Journal.load(work, "run-1", Clock.systemUTC()).liveResourcesNewestFirst().isEmpty());
        assertFalse(Files.exists(Journal.runDir(work, "run-1").resolve("journal.json.tmp")), "no temp file left behind");
    }

    @Test
    void recordingTheSameResourceTwiceDoesNotDuplicateIt(@TempDir Path work) {
        Journal j = Journal.open(work, "run-2", "run", Clock.systemUTC());
        j.recordResource("rds.cluster", "pgvm-run-2", Map.of("state", "creating"));
        j.recordResource("rds.cluster", "pgvm-run-2", Map.of("state", "available"));
        List<Resource> all = j.resources();
        assertEquals(1, all.size());
        assertEquals("available", all.get(0).attribute("state"));
    }

    @Test
    void deletionOrderIsNewestFirst(@TempDir Path work) {
        Journal j = Journal.open(work, "run-3", "run", Clock.systemUTC());
        j.recordResource("a", "1", Map.of());
        j.recordResource("b", "2", Map.of());
        j.recordResource("c", "3", Map.of());
        assertEquals(List.of("c", "b", "a"), j.liveResourcesNewestFirst().stream().map(Resource::kind).toList());
    }

    @Test
    void badRunIdsAndUnknownRunsAreBadInput(@TempDir Path work) {
        assertEquals(ExitCode.USAGE, assertThrows(ToolException.class,
                () -> Journal.open(work, "../../etc", "x", Clock.systemUTC())).exitCode());
        ToolException e = assertThrows(ToolException.class, () -> Journal.load(work, "nope", Clock.systemUTC()));
        assertEquals(ExitCode.USAGE, e.exitCode());
        assertTrue(e.getMessage().contains("no run 'nope'"));
    }
}
