package io.pgvectormigrate.aws;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgvectormigrate.pipeline.Journal;
import io.pgvectormigrate.pipeline.Resource;
import io.pgvectormigrate.report.Json;
import io.pgvectormigrate.testing.CliRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** cleanup deletes exactly what the run made, in order, refuses what is not tagged for it, and is idempotent. */
class AwsCleanupTest {
    @TempDir
    Path tmp;

    private World restored(String runId, boolean capture) {
        World w = new World(tmp);
        if (capture) {
            assertEquals(0, w.run("capture", "--cluster", World.OLD_CLUSTER, "--stack", "BedrockChatStackBeforeDeploy",
                    "--run-id", runId).exitCode());
        }
        CliRun.Result r = w.run("restore", "--snapshot", World.SNAPSHOT, "--run-id", runId);
        assertEquals(0, r.exitCode(), r.toString());
        w.aws.faults.clearLog();
        return w;
    }

    private static void assertUntouched(World w) {
        assertEquals("available", w.aws.rds.snapshots.get(World.SNAPSHOT).status, "the source snapshot stays");
        assertEquals("available", w.aws.rds.clusters.get(World.TARGET).status, "the target cluster stays");
        assertEquals("available", w.aws.rds.clusters.get(World.OLD_CLUSTER).status, "the captured cluster stays");
        assertNotNull(w.aws.secrets.secrets.get("BedrockChatStackOldDbSecret"), "the stack's secrets stay");
        assertNotNull(w.aws.secrets.secrets.get("BedrockChatStackNewDbSecret"));
    }

    @Test
    void deletesEverythingTheRunMadeInOrderKeepsAFinalSnapshotAndIsIdempotent() throws Exception {
        World w = restored("k1", true);
        String pw = w.storedSourcePassword("k1");
        CliRun.Result r = w.run("cleanup", "--run-id", "k1", "--yes");
        assertEquals(0, r.exitCode(), r.toString());
        assertEquals(List.of("DeleteDBInstance", "DeleteDBCluster", "DeleteDBClusterParameterGroup", "DeleteSecret", "DeleteSecret"),
                w.aws.faults.mutations(), "writer, cluster, parameter group, secrets");
        assertEquals(List.of("snapshot:pgvm-k1-final"), w.aws.taggedWith("k1"), "only the final snapshot, tagged for the run");
        assertEquals("pgvm-k1-source", w.aws.rds.snapshots.get("pgvm-k1-final").cluster);
        assertUntouched(w);
        assertTrue(w.journal("k1").liveResourcesNewestFirst().stream().allMatch(x -> x.kind().equals(Kinds.RDS_SNAPSHOT)));
        assertTrue(r.out().contains("5 deleted, 0 already gone, 1 kept, 0 refused"), r.out());
        w.assertNoLeak(r, pw, World.OLD_PASSWORD);

        w.aws.faults.clearLog();
        CliRun.Result again = w.run("cleanup", "--run-id", "k1", "--yes");
        assertEquals(0, again.exitCode(), again.toString());
        assertTrue(again.out().contains("nothing to delete"), again.out());
        assertEquals(List.of(), w.aws.faults.mutations());
        CliRun.Result discover = w.run("cleanup", "--run-id", "k1", "--yes", "--discover");
        assertEquals(0, discover.exitCode(), discover.toString());
        assertEquals(List.of(), w.aws.faults.mutations());

        CliRun.Result reuse = w.run("restore", "--snapshot", World.SNAPSHOT, "--run-id", "k1");
        assertEquals(2, reuse.exitCode(), reuse.toString());
        assertTrue(reuse.err().contains("run k1 was cleaned up already"), reuse.err());
    }

    @Test
    void noFinalSnapshot() {
        World w = restored("k2", false);
        assertEquals(0, w.run("cleanup", "--run-id", "k2", "--yes", "--no-final-snapshot").exitCode());
        assertEquals(List.of(), w.aws.taggedWith("k2"));
        assertFalse(w.aws.rds.snapshots.containsKey("pgvm-k2-final"));
    }

    @Test
    void asksFirstAndNeedsYesWithoutATerminal() {
        World w = restored("k3", false);
        CliRun.Result r = w.run("cleanup", "--run-id", "k3");
        assertEquals(2, r.exitCode(), r.toString());
        assertTrue(r.err().contains("there is no terminal to ask on: pass --yes"), r.err());
        assertEquals(List.of(), w.aws.faults.mutations());

        CliRun.Result no = w.run(label -> "no".toCharArray(), "cleanup", "--run-id", "k3");
        assertEquals(1, no.exitCode(), no.toString());
        assertTrue(no.err().contains("cancelled: nothing was deleted"), no.err());
        assertEquals(List.of(), w.aws.faults.mutations());
        assertEquals(4, w.aws.taggedWith("k3").size());

        CliRun.Result yes = w.run(label -> "yes".toCharArray(), "cleanup", "--run-id", "k3");
        assertEquals(0, yes.exitCode(), yes.toString());
        assertEquals(List.of("snapshot:pgvm-k3-final"), w.aws.taggedWith("k3"));
    }

    @Test
    void dryRunListsAndDeletesNothing() throws Exception {
        World w = restored("k4", false);
        CliRun.Result r = w.run("cleanup", "--run-id", "k4", "--dry-run", "--format", "json");
        assertEquals(0, r.exitCode(), r.toString());
        assertEquals(List.of(), w.aws.faults.mutations());
        JsonNode report = Json.mapper().readTree(r.out());
        assertTrue(report.get("dryRun").asBoolean());
        List<String> deletes = new java.util.ArrayList<>();
        report.get("items").forEach(i -> deletes.add(i.get("action").asText() + " " + i.get("id").asText()));
        assertEquals(List.of("DELETE pgvm-k4-writer", "DELETE pgvm-k4-source", "DELETE pgvm-k4-params",
                "DELETE pgvector-migrate/k4/temporary-source-credentials"), deletes);
    }

    @Test
    void lostJournalNeedsDiscoverAndThenFindsEverythingByTag() throws Exception {
        World w = restored("k5", true);
        try (var walk = Files.walk(tmp.resolve(".pgvector-migrate"))) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        CliRun.Result without = w.run("cleanup", "--run-id", "k5", "--yes");
        assertEquals(2, without.exitCode(), without.toString());
        assertTrue(without.err().contains("--discover"), without.err());

        CliRun.Result r = w.run("cleanup", "--run-id", "k5", "--yes", "--discover", "--region", World.REGION);
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().contains("(from the tags)"), r.out());
        assertEquals(List.of("snapshot:pgvm-k5-final"), w.aws.taggedWith("k5"));
        assertUntouched(w);
        // the new journal records what was found and deleted
        Journal j = w.journal("k5");
        assertEquals(5, j.resources().stream().filter(Resource::deleted).count(), j.resources().toString());
    }

    @Test
    void refusesWhatIsNotTaggedForTheRunAndNeverTouchesTheTarget() {
        World w = restored("k6", false);
        // a tampered journal names the target cluster, and someone stripped the run tag off the parameter group
        Journal j = Journal.load(tmp.resolve(".pgvector-migrate"), "k6", Clock.systemUTC());
        j.recordResource(Kinds.RDS_CLUSTER, World.TARGET, Map.of());
        j.recordResource(Kinds.RDS_CLUSTER, World.OLD_CLUSTER, Map.of());
        w.aws.rds.groups.get("pgvm-k6-params").tags.clear();

        CliRun.Result r = w.run("cleanup", "--run-id", "k6", "--yes");
        assertEquals(2, r.exitCode(), r.toString());
        assertTrue(r.out().contains("refuse   rds.cluster                  " + World.TARGET), r.out());
        assertTrue(r.out().contains("refuse   rds.cluster-parameter-group  pgvm-k6-params"), r.out());
        assertTrue(r.out().contains("not tagged pgvector-migrate:run-id=k6"), r.out());
        assertTrue(r.err().contains("refused and left in place"), r.err());
        assertUntouched(w);
        assertTrue(w.aws.rds.groups.containsKey("pgvm-k6-params"), "the untagged group is left alone");
        assertFalse(w.aws.rds.clusters.containsKey("pgvm-k6-source"), "the rest is deleted");
        assertEquals(List.of("DeleteDBInstance", "DeleteDBCluster", "DeleteSecret"), w.aws.faults.mutations());
    }

    @Test
    void statusShowsTheJournalNextToTheLiveState() throws Exception {
        World w = restored("k7", false);
        w.aws.rds.clusters.get("pgvm-k7-source").status = "modifying";
        w.aws.rds.clusters.get("pgvm-k7-source").ticks = 100;
        CliRun.Result r = w.run("status", "--run-id", "k7");
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().matches("(?s).*rds.cluster +pgvm-k7-source +live +modifying +tagged.*"), r.out());
        assertTrue(r.out().matches("(?s).*restore +done .*"), r.out());
        w.aws.rds.clusters.get("pgvm-k7-source").status = "available";

        // a tagged resource the journal does not know shows up with --discover
        w.aws.secrets.add("stray", "{}").tags.putAll(Tags.of("k7", "temporary-source-credentials"));
        CliRun.Result d = w.run("status", "--run-id", "k7", "--discover", "--format", "json");
        assertEquals(0, d.exitCode(), d.toString());
        JsonNode report = Json.mapper().readTree(d.out());
        boolean strayListed = false;
        for (JsonNode row : report.get("resources")) {
            if (row.get("id").asText().equals("stray")) strayListed = row.get("journal").asText().equals("not in journal");
        }
        assertTrue(strayListed, d.out());

        assertEquals(0, w.run("cleanup", "--run-id", "k7", "--yes").exitCode());
        CliRun.Result after = w.run("status", "--run-id", "k7");
        assertTrue(after.out().matches("(?s).*rds.cluster +pgvm-k7-source +deleted \\S+ +not found.*"), after.out());
        assertEquals(2, w.run("status", "--run-id", "nosuchrun").exitCode());
    }

    @Test
    void teardownThroughTheProviderDeletesTheSame() {
        World w = restored("k8", false);
        Journal j = Journal.load(tmp.resolve(".pgvector-migrate"), "k8", Clock.systemUTC());
        var ctx = new io.pgvectormigrate.pipeline.RunContext(j, io.pgvectormigrate.report.Progress.SILENT, tmp, Clock.systemUTC());
        AwsProvider p = new AwsProvider(w.aws, new AwsSourceOptions(World.SNAPSHOT, null, null, null, List.of(), 0.5, 8,
                java.time.Duration.ofMinutes(1), false, false, null, null));
        p.teardown(ctx);
        assertEquals(List.of(), w.aws.taggedWith("k8"));
        p.teardown(ctx);
        assertEquals(List.of("DeleteDBInstance", "DeleteDBCluster", "DeleteDBClusterParameterGroup", "DeleteSecret"), w.aws.faults.mutations());
    }
}
