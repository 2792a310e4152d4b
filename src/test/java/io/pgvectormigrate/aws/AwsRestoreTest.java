package io.pgvectormigrate.aws;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgvectormigrate.aws.fake.FakeRds;
import io.pgvectormigrate.aws.fake.FakeSecretsManager;
import io.pgvectormigrate.pipeline.Journal;
import io.pgvectormigrate.pipeline.Resource;
import io.pgvectormigrate.pipeline.Step;
import io.pgvectormigrate.pipeline.StepStatus;
import io.pgvectormigrate.report.Json;
import io.pgvectormigrate.testing.CliRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** restore against the fakes: what is created, how it is configured, tagged and journaled, and that re-runs adopt. */
class AwsRestoreTest {
    @TempDir
    Path tmp;

    @Test
    void restoreFromStackCreatesTheTemporaryClusterInTheTargetsNetwork() throws Exception {
        World w = new World(tmp);
        CliRun.Result r = w.run("restore", "--snapshot", World.SNAPSHOT, "--stack", World.STACK, "--run-id", "r1", "--region", World.REGION);
        assertEquals(0, r.exitCode(), r.toString());

        FakeRds.Group g = w.aws.rds.groups.get("pgvm-r1-params");
        assertEquals("aurora-postgresql15", g.family);
        assertEquals("1", g.parameters.get("rds.logical_replication"));
        assertEquals("pending-reboot", g.applyMethods.get("rds.logical_replication"));
        assertEquals("20", g.parameters.get("max_replication_slots"));
        assertEquals("20", g.parameters.get("max_wal_senders"));

        FakeRds.Cluster c = w.aws.rds.clusters.get("pgvm-r1-source");
        assertEquals("available", c.status);
        assertEquals(World.SUBNET_GROUP, c.subnetGroup, "restored into the target's subnet group");
        assertEquals(List.of("sg-target"), c.securityGroups, "with the target's security groups");
        assertEquals("pgvm-r1-params", c.parameterGroup);
        assertEquals(World.KMS_KEY, c.kmsKeyId, "the snapshot's KMS key");
        assertFalse(c.deletionProtection);
        assertEquals(0.5, c.minAcu);
        assertEquals(8.0, c.maxAcu);
        assertEquals("15.3", c.engineVersion);
        assertEquals("r1", c.tags.get(Tags.RUN_ID));
        assertEquals("temporary-source", c.tags.get(Tags.ROLE));
        assertEquals(w.aws.rds.snapshots.get(World.SNAPSHOT).arn, c.tags.get(Tags.SOURCE_SNAPSHOT));

        FakeRds.Instance i = w.aws.rds.instances.get("pgvm-r1-writer");
        assertEquals("db.serverless", i.instanceClass);
        assertEquals("pgvm-r1-source", i.cluster);
        assertEquals("available", i.status);
        assertFalse(i.publiclyAccessible);
        assertEquals("r1", i.tags.get(Tags.RUN_ID));

        // no captured secret: a generated password, set on the cluster and stored in an RDS-format secret
        FakeSecretsManager.Secret s = w.aws.secrets.secrets.get("pgvector-migrate/r1/temporary-source-credentials");
        JsonNode json = Json.mapper().readTree(s.value);
        assertEquals(c.endpoint, json.get("host").asText());
        assertEquals(5432, json.get("port").asInt());
        assertEquals("postgres", json.get("username").asText());
        assertEquals("postgres", json.get("dbname").asText());
        assertEquals("postgres", json.get("engine").asText());
        assertEquals("pgvm-r1-source", json.get("dbClusterIdentifier").asText());
        String pw = json.get("password").asText();
        assertEquals(c.masterPassword, pw, "the secret holds the password the cluster now has");
        assertTrue(Passwords.meetsRds(pw) && Passwords.meetsDms(pw));
        assertEquals("r1", s.tags.get(Tags.RUN_ID));

        Journal j = w.journal("r1");
        assertEquals(StepStatus.DONE, j.step(Step.RESTORE).status());
        assertEquals(StepStatus.DONE, j.step(Step.CREDENTIALS).status());
        assertEquals(List.of(Kinds.RDS_PARAMETER_GROUP, Kinds.RDS_CLUSTER, Kinds.RDS_INSTANCE, Kinds.SECRET),
                j.resources().stream().map(Resource::kind).toList(), "recorded in creation order");
        assertEquals(c.arn, j.resource(Kinds.RDS_CLUSTER, "pgvm-r1-source").orElseThrow().attribute(Kinds.ATTR_ARN));
        TemporarySource ts = AwsProvider.temporarySource(j).orElseThrow();
        assertEquals(s.arn, ts.secretArn());
        assertEquals(World.TARGET, ts.target().clusterId());
        assertEquals(w.stackSecretArn, ts.target().secretArn());
        assertEquals(List.of("subnet-a", "subnet-b"), ts.target().privateSubnetIds());
        assertEquals("vpc-0abc", ts.target().vpcId());

        assertTrue(r.out().contains("pgvm-r1-source"), r.out());
        assertTrue(r.out().contains("cleanup --run-id r1"), r.out());
        w.assertNoLeak(r, pw, World.OLD_PASSWORD);
        // the source snapshot and the target cluster are untouched
        assertEquals("available", w.aws.rds.snapshots.get(World.SNAPSHOT).status);
        assertEquals("New-Target-Password-123", w.aws.rds.clusters.get(World.TARGET).masterPassword);
    }

    @Test
    void targetClusterOptionAndCapacityAndOverrides() throws Exception {
        World w = new World(tmp);
        CliRun.Result r = w.run("restore", "--snapshot", w.aws.rds.snapshots.get(World.SNAPSHOT).arn, "--target-cluster", World.TARGET,
                "--run-id", "r2", "--min-acu", "1", "--max-acu", "16", "--vpc-security-group-ids", "sg-1,sg-2", "--format", "json");
        assertEquals(0, r.exitCode(), r.toString());
        FakeRds.Cluster c = w.aws.rds.clusters.get("pgvm-r2-source");
        assertEquals(1.0, c.minAcu);
        assertEquals(16.0, c.maxAcu);
        assertEquals(List.of("sg-1", "sg-2"), c.securityGroups);
        assertEquals(World.SUBNET_GROUP, c.subnetGroup);
        JsonNode out = Json.mapper().readTree(r.out());
        assertEquals("r2", out.get("runId").asText());
        assertEquals("pgvm-r2-source", out.get("source").get("clusterId").asText());
        assertFalse(r.out().contains(c.masterPassword));
    }

    @Test
    void aSecondRunAdoptsEverythingAndCreatesNothing() {
        World w = new World(tmp);
        assertEquals(0, w.run("restore", "--snapshot", World.SNAPSHOT, "--run-id", "r3").exitCode());
        String pw = w.storedSourcePassword("r3");
        w.aws.faults.clearLog();
        CliRun.Result again = w.run("restore", "--snapshot", World.SNAPSHOT, "--run-id", "r3");
        assertEquals(0, again.exitCode(), again.toString());
        assertTrue(w.aws.faults.mutations().stream().noneMatch(m -> m.startsWith("Create") || m.startsWith("Restore")
                || m.equals("ModifyDBCluster")), "nothing created or reset again: " + w.aws.faults.mutations());
        assertEquals(pw, w.storedSourcePassword("r3"));
        assertEquals(pw, w.aws.rds.clusters.get("pgvm-r3-source").masterPassword);
        assertEquals(List.of("cluster:pgvm-r3-source", "instance:pgvm-r3-writer", "group:pgvm-r3-params",
                "secret:pgvector-migrate/r3/temporary-source-credentials"), w.aws.taggedWith("r3"));
    }

    /**
     * The tool-owned secret made from a captured password, then the process dies; resumed with --reset-password, the
     * secret is updated in place (PutSecretValue) with the new generated password before it is set on the cluster.
     */
    @Test
    void aResumeWithResetPasswordUpdatesTheToolOwnedSecretInPlace() throws Exception {
        World w = new World(tmp);
        assertEquals(0, w.run("capture", "--cluster", World.OLD_CLUSTER, "--secret-id", w.oldSecretArn, "--run-id", "r10").exitCode());
        // restore's changes: group, its parameters, cluster, writer, the writer's reboot, then the tool-owned secret
        w.aws.faults.crashAfterMutation(6);
        assertThrows(io.pgvectormigrate.aws.fake.SimulatedCrash.class, () -> w.run("restore", "--snapshot", World.SNAPSHOT, "--run-id", "r10"));
        assertEquals(World.OLD_PASSWORD, w.storedSourcePassword("r10"), "the secret holds the captured password");
        w.aws.faults.clearLog();
        CliRun.Result again = w.run("restore", "--snapshot", World.SNAPSHOT, "--run-id", "r10", "--reset-password");
        assertEquals(0, again.exitCode(), again.toString());
        assertEquals(List.of("PutSecretValue", "ModifyDBCluster"), w.aws.faults.mutations(), "the secret first, then the cluster");
        String pw = w.storedSourcePassword("r10");
        assertNotEquals(World.OLD_PASSWORD, pw);
        assertEquals(pw, w.aws.rds.clusters.get("pgvm-r10-source").masterPassword);
        w.assertNoLeak(again, pw, World.OLD_PASSWORD);
    }

    @Test
    void capturedPasswordIsUsedWithoutAReset() throws Exception {
        World w = new World(tmp);
        CliRun.Result cap = w.run("capture", "--cluster", World.OLD_CLUSTER, "--secret-id", w.oldSecretArn, "--run-id", "r4");
        assertEquals(0, cap.exitCode(), cap.toString());
        CliRun.Result r = w.run("restore", "--snapshot", World.SNAPSHOT, "--run-id", "r4");
        assertEquals(0, r.exitCode(), r.toString());
        assertFalse(w.aws.faults.mutations().contains("ModifyDBCluster"), "the restored copy keeps the old password");
        assertEquals(World.OLD_PASSWORD, w.storedSourcePassword("r4"));
        assertEquals("captured", w.journal("r4").output(Step.CREDENTIALS, "passwordSource").orElseThrow());
        assertTrue(r.out().contains("captured password"), r.out());
        w.assertNoLeak(cap, World.OLD_PASSWORD);
        w.assertNoLeak(r, World.OLD_PASSWORD);
    }

    @Test
    void resetPasswordOverridesTheCapturedOne() throws Exception {
        World w = new World(tmp);
        assertEquals(0, w.run("capture", "--cluster", World.OLD_CLUSTER, "--secret-id", w.oldSecretArn, "--run-id", "r5").exitCode());
        CliRun.Result r = w.run("restore", "--snapshot", World.SNAPSHOT, "--run-id", "r5", "--reset-password");
        assertEquals(0, r.exitCode(), r.toString());
        String pw = w.storedSourcePassword("r5");
        assertFalse(World.OLD_PASSWORD.equals(pw));
        assertEquals(pw, w.aws.rds.clusters.get("pgvm-r5-source").masterPassword);
        w.assertNoLeak(r, pw, World.OLD_PASSWORD);
    }

    @Test
    void aCapturedPasswordDmsCannotUseIsReplaced() throws Exception {
        World w = new World(tmp);
        String bad = "has space;and-semicolon";
        var old = w.aws.secrets.add("weird", "{\"username\":\"postgres\",\"password\":\"" + bad + "\"}");
        assertEquals(0, w.run("capture", "--cluster", World.OLD_CLUSTER, "--secret-id", old.arn, "--run-id", "r6").exitCode());
        CliRun.Result r = w.run("restore", "--snapshot", World.SNAPSHOT, "--run-id", "r6");
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.err().contains("DMS rejects"), r.err());
        String pw = w.storedSourcePassword("r6");
        assertTrue(Passwords.meetsDms(pw));
        assertEquals(pw, w.aws.rds.clusters.get("pgvm-r6-source").masterPassword);
        w.assertNoLeak(r, bad, pw);
    }

    @Test
    void throttlingIsAbsorbedByRetries() {
        World w = new World(tmp);
        w.aws.faults.throttle("DescribeDBClusters", 3);
        w.aws.faults.throttle("CreateSecret", 2);
        w.aws.faults.throttle("DescribeStacks", 1);
        CliRun.Result r = w.run("restore", "--snapshot", World.SNAPSHOT, "--run-id", "r7");
        assertEquals(0, r.exitCode(), r.toString());
        // the clients' retry strategy met every injected fault and sent the call again (no retry layer of the tool's)
        for (String op : List.of("DescribeDBClusters", "CreateSecret", "DescribeStacks")) {
            assertEquals(0, w.aws.faults.throttlesLeft(op), op);
        }
        assertEquals(3, w.aws.faults.calls("secretsmanager:CreateSecret"), "two throttled attempts, then the one that worked");
        assertEquals(1, w.aws.secrets.taggedWith("r7").size(), "one secret despite the retried create");
    }

    @Test
    void persistentThrottlingFailsWithARuntimeErrorAndAResumeHint() {
        World w = new World(tmp);
        w.aws.faults.throttle("CreateDBInstance", 100);
        CliRun.Result r = w.run("restore", "--snapshot", World.SNAPSHOT, "--run-id", "r8");
        assertEquals(1, r.exitCode(), r.toString());
        assertTrue(r.err().contains("Throttling"), r.err());
        assertEquals(SdkAwsClients.SDK_MAX_ATTEMPTS, w.aws.faults.calls("rds:CreateDBInstance"),
                "the SDK's attempts and no more: no retry layer on top of the strategy");
        assertEquals(StepStatus.FAILED, w.journal("r8").step(Step.RESTORE).status());
        // the resume after throttling stops finishes the job without duplicates
        w.aws.faults.throttle("CreateDBInstance", 0);
        assertEquals(0, w.run("restore", "--snapshot", World.SNAPSHOT, "--run-id", "r8").exitCode());
        assertEquals(4, w.aws.taggedWith("r8").size());
    }

    @Test
    void aClusterThatNeverBecomesAvailableTimesOutWithACleanupHint() {
        World w = new World(tmp);
        w.aws.rds.stuckClusters.add("pgvm-r9-source");
        w.aws.pacing = new Pacing(java.time.Duration.ofMillis(20), java.time.Duration.ofMillis(200),
                Pacing.Sleeper.THREAD, java.time.Clock.systemUTC());
        long t0 = System.nanoTime();
        CliRun.Result r = w.run("restore", "--snapshot", World.SNAPSHOT, "--run-id", "r9", "--wait-timeout", "1s");
        assertEquals(1, r.exitCode(), r.toString());
        assertTrue((System.nanoTime() - t0) / 1e9 < 10);
        assertTrue(r.err().contains("timed out after 1 s waiting for cluster pgvm-r9-source to be available (still 'creating')"), r.err());
        assertTrue(r.err().contains("pgvector-migrate cleanup --run-id r9"), r.err());
        assertTrue(r.err().contains("waiting for cluster pgvm-r9-source to be available: creating"), "heartbeat on the progress stream: " + r.err());
        assertNotNull(w.journal("r9").resource(Kinds.RDS_CLUSTER, "pgvm-r9-source").orElse(null));
    }

    @Test
    void helpHasExamples() {
        World w = new World(tmp);
        for (String cmd : List.of("restore", "capture", "plan", "status", "cleanup")) {
            CliRun.Result r = w.run(cmd, "--help");
            assertEquals(0, r.exitCode(), r.toString());
            assertTrue(r.out().contains("Examples:"), cmd + ": " + r.out());
            assertTrue(r.out().contains("pgvector-migrate " + cmd + " "), cmd + ": " + r.out());
        }
    }
}
