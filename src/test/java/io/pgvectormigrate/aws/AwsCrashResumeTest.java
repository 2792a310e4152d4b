package io.pgvectormigrate.aws;

import io.pgvectormigrate.aws.fake.SimulatedCrash;
import io.pgvectormigrate.pipeline.Resource;
import io.pgvectormigrate.testing.CliRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fault injection: the process dies right after each AWS call that changes something (capture, restore,
 * credentials, cleanup), then the same command runs again with the same run id. Every time, the run ends with
 * exactly one of each resource, consistent credentials, and after cleanup nothing of the run but its snapshots.
 */
class AwsCrashResumeTest {
    @TempDir
    Path tmp;

    private record Cmd(String... args) {}

    private static List<Cmd> sequence(boolean capture, String runId) {
        List<Cmd> s = new ArrayList<>();
        if (capture) {
            s.add(new Cmd("capture", "--cluster", World.OLD_CLUSTER, "--stack", "BedrockChatStackBeforeDeploy", "--snapshot", "--run-id", runId));
            s.add(new Cmd("restore", "--snapshot", "pgvm-" + runId + "-capture", "--stack", World.STACK, "--run-id", runId));
        } else {
            s.add(new Cmd("restore", "--snapshot", World.SNAPSHOT, "--stack", World.STACK, "--run-id", runId));
        }
        s.add(new Cmd("cleanup", "--run-id", runId, "--yes"));
        return s;
    }

    @Test
    void crashAfterEachChangeThenResumeWithCapture() throws IOException {
        crashEverywhere(true);
    }

    @Test
    void crashAfterEachChangeThenResumeWithGeneratedPassword() throws IOException {
        crashEverywhere(false);
    }

    private void crashEverywhere(boolean capture) throws IOException {
        // a clean run tells how many changing calls there are
        Path clean = tmp.resolve("clean");
        World reference = new World(clean);
        for (Cmd c : sequence(capture, "z0")) assertEquals(0, reference.run(c.args()).exitCode());
        List<String> changes = reference.aws.faults.mutations();
        List<String> expected = new ArrayList<>();
        if (capture) expected.addAll(List.of("CreateSecret", "CreateDBClusterSnapshot"));
        // the new writer comes up with the parameter group pending-reboot (FakeRds, as RDS may): restore reboots it
        expected.addAll(List.of("CreateDBClusterParameterGroup", "ModifyDBClusterParameterGroup", "RestoreDBClusterFromSnapshot",
                "CreateDBInstance", "RebootDBInstance", "CreateSecret"));
        if (!capture) expected.add("ModifyDBCluster");
        expected.addAll(List.of("DeleteDBInstance", "DeleteDBCluster", "DeleteDBClusterParameterGroup", "DeleteSecret"));
        if (capture) expected.add("DeleteSecret");
        assertEquals(expected, changes);

        for (int n = 1; n <= changes.size(); n++) {
            Path dir = tmp.resolve("crash-" + n);
            World w = new World(dir);
            String runId = "z" + n;
            w.aws.faults.crashAfterMutation(n);
            boolean crashed = false;
            for (Cmd c : sequence(capture, runId)) {
                if (!crashed) {
                    try {
                        CliRun.Result r = w.run(c.args());
                        assertEquals(0, r.exitCode(), "crash " + n + " (" + changes.get(n - 1) + "), before it: " + r);
                        checkAfter(w, c, runId, capture);
                        continue;
                    } catch (SimulatedCrash e) {
                        crashed = true;
                    }
                }
                CliRun.Result r = w.run(c.args());
                assertEquals(0, r.exitCode(), "after a crash following " + changes.get(n - 1) + " (#" + n + "): " + r);
                checkAfter(w, c, runId, capture);
            }
            assertTrue(crashed, "crash #" + n + " happened");
            deleteTree(dir);
        }
    }

    /** What must hold once a command of the sequence finished, whatever crashed before. */
    private static void checkAfter(World w, Cmd c, String runId, boolean capture) {
        List<String> ours = w.aws.taggedWith(runId);
        switch (c.args()[0]) {
            case "capture" -> assertEquals(List.of("snapshot:pgvm-" + runId + "-capture", "secret:pgvector-migrate/" + runId + "/captured"), ours);
            case "restore" -> {
                List<String> expected = new ArrayList<>(List.of("cluster:pgvm-" + runId + "-source", "instance:pgvm-" + runId + "-writer",
                        "group:pgvm-" + runId + "-params"));
                if (capture) expected.add("snapshot:pgvm-" + runId + "-capture");
                if (capture) expected.add("secret:pgvector-migrate/" + runId + "/captured");
                expected.add("secret:pgvector-migrate/" + runId + "/temporary-source-credentials");
                assertEquals(sorted(expected), sorted(ours), "exactly one of each, nothing else");
                String stored = w.storedSourcePassword(runId);
                assertEquals(w.aws.rds.clusters.get("pgvm-" + runId + "-source").masterPassword, stored,
                        "the secret holds the password the cluster has");
                if (capture) assertEquals(World.OLD_PASSWORD, stored);
            }
            case "cleanup" -> {
                List<String> expected = new ArrayList<>(List.of("snapshot:pgvm-" + runId + "-final"));
                if (capture) expected.add("snapshot:pgvm-" + runId + "-capture");
                assertEquals(sorted(expected), sorted(ours), "only the kept snapshots remain");
                assertTrue(w.journal(runId).resources().stream().filter(r -> !r.kind().equals(Kinds.RDS_SNAPSHOT)).allMatch(Resource::deleted));
                assertEquals("available", w.aws.rds.clusters.get(World.TARGET).status);
                assertEquals("available", w.aws.rds.clusters.get(World.OLD_CLUSTER).status);
                assertEquals("available", w.aws.rds.snapshots.get(World.SNAPSHOT).status);
                assertEquals(java.util.Set.of("BedrockChatStackOldDbSecret", "BedrockChatStackNewDbSecret"), w.aws.secrets.secrets.keySet(),
                        "the two stack secrets remain and nothing else");
                assertEquals(java.util.Set.of(), w.aws.rds.groups.keySet(), "no parameter group left");
                assertFalse(w.aws.rds.instances.values().stream().anyMatch(i -> i.cluster.startsWith("pgvm-")));
            }
            default -> throw new IllegalStateException(c.args()[0]);
        }
    }

    private static List<String> sorted(List<String> l) {
        return l.stream().sorted().toList();
    }

    private static void deleteTree(Path p) throws IOException {
        try (var walk = Files.walk(p)) {
            walk.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }

    @Test
    void aCrashIsNotSwallowed() {
        World w = new World(tmp);
        w.aws.faults.crashAfterMutation(1);
        assertThrows(SimulatedCrash.class, () -> w.run("restore", "--snapshot", World.SNAPSHOT, "--run-id", "c1"));
    }
}
