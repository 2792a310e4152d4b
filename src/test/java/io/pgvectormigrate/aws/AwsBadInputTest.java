package io.pgvectormigrate.aws;

import io.pgvectormigrate.pipeline.Resource;
import io.pgvectormigrate.testing.CliRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every bad input exits 2 with a message saying what to do, and leaves nothing created in AWS. */
class AwsBadInputTest {
    @TempDir
    Path tmp;

    private static void assertUsage(CliRun.Result r, String... fragments) {
        assertEquals(2, r.exitCode(), r.toString());
        for (String f : fragments) assertTrue(r.err().contains(f), "expected '" + f + "' in:\n" + r);
        assertTrue(r.err().lines().filter(l -> l.startsWith("error:")).count() == 1, "one error line:\n" + r);
    }

    private static void assertNothingCreated(World w, String runId) {
        assertEquals(List.of(), w.aws.taggedWith(runId), "nothing of run " + runId + " may be left");
        assertTrue(w.aws.faults.mutations().stream().noneMatch(m -> m.startsWith("Create") || m.startsWith("Restore")),
                "no create call at all: " + w.aws.faults.mutations());
    }

    @Test
    void missingSnapshot() {
        World w = new World(tmp);
        assertUsage(w.run("restore", "--snapshot", "nope", "--run-id", "b1"),
                "cluster snapshot 'nope' not found in us-east-1", "--snapshot and --region");
        assertNothingCreated(w, "b1");
    }

    @Test
    void snapshotNotAvailable() {
        World w = new World(tmp);
        w.aws.rds.addSnapshot("half-done", "aurora-postgresql", "15.3", "creating", null, "x");
        w.aws.rds.snapshots.get("half-done").ticks = 1000;
        assertUsage(w.run("restore", "--snapshot", "half-done", "--run-id", "b2"), "is 'creating', not available", "aws rds wait");
        assertNothingCreated(w, "b2");
    }

    @Test
    void snapshotOfAnotherEngine() {
        World w = new World(tmp);
        w.aws.rds.addSnapshot("mysql-snap", "aurora-mysql", "8.0.mysql_aurora.3.05.2", "available", null, "x");
        assertUsage(w.run("restore", "--snapshot", "mysql-snap", "--run-id", "b3"), "aurora-mysql snapshot", "aurora-postgresql snapshots only");
        assertNothingCreated(w, "b3");
    }

    @Test
    void runIdAlreadyUsedWithAnotherSnapshot() {
        World w = new World(tmp);
        w.aws.rds.addSnapshot("other-snap", "aurora-postgresql", "15.3", "available", null, "x");
        assertEquals(0, w.run("restore", "--snapshot", World.SNAPSHOT, "--run-id", "b4").exitCode());
        w.aws.faults.clearLog();
        assertUsage(w.run("restore", "--snapshot", "other-snap", "--run-id", "b4"), "run id b4 was already used with snapshot", "pick another --run-id");
        assertTrue(w.aws.faults.mutations().isEmpty(), w.aws.faults.mutations().toString());
    }

    @Test
    void runIdAlreadyUsedWithAnotherSnapshotWhenTheJournalIsLost() throws Exception {
        World w = new World(tmp);
        w.aws.rds.addSnapshot("other-snap", "aurora-postgresql", "15.3", "available", null, "x");
        assertEquals(0, w.run("restore", "--snapshot", World.SNAPSHOT, "--run-id", "b5").exitCode());
        deleteTree(tmp.resolve(".pgvector-migrate"));
        w.aws.faults.clearLog();
        assertUsage(w.run("restore", "--snapshot", "other-snap", "--run-id", "b5"), "run id b5 was already used with snapshot");
        assertTrue(w.aws.faults.mutations().isEmpty(), w.aws.faults.mutations().toString());
    }

    @Test
    void aResourceWithTheRunsNameThatIsNotOursIsRefused() {
        World w = new World(tmp);
        w.aws.rds.addCluster("pgvm-b6-source", "15.3", World.SUBNET_GROUP, List.of("sg-x"));
        assertUsage(w.run("restore", "--snapshot", World.SNAPSHOT, "--run-id", "b6"), "cluster pgvm-b6-source already exists and is not tagged");
        assertTrue(w.aws.faults.mutations().isEmpty());
    }

    @Test
    void targetClusterNotFound() {
        World w = new World(tmp);
        assertUsage(w.run("restore", "--snapshot", World.SNAPSHOT, "--target-cluster", "missing", "--run-id", "b7"),
                "target cluster 'missing' not found");
        assertNothingCreated(w, "b7");
    }

    @Test
    void stackNotFound() {
        World w = new World(tmp);
        assertUsage(w.run("restore", "--snapshot", World.SNAPSHOT, "--stack", "NoSuchStack", "--run-id", "b8"),
                "CloudFormation stack 'NoSuchStack' not found in us-east-1", "--target-cluster");
        assertNothingCreated(w, "b8");
    }

    @Test
    void stackWithoutTheExpectedOutputs() {
        World w = new World(tmp);
        w.aws.cfn.stacks.put("HalfStack", Map.of("VpcId", "vpc-1", "DbConfigHostname", "x"));
        assertUsage(w.run("restore", "--snapshot", World.SNAPSHOT, "--stack", "HalfStack", "--run-id", "b9"),
                "stack 'HalfStack' has no output DbConfigSecretArn, DbConfigPort, DbSecurityGroupId, PrivateSubnetId0, PrivateSubnetId1");
        assertNothingCreated(w, "b9");
    }

    @Test
    void stackWhoseHostnameMatchesNoCluster() {
        World w = new World(tmp);
        Map<String, String> outputs = new java.util.LinkedHashMap<>(w.aws.cfn.stacks.get(World.STACK));
        outputs.put("DbConfigHostname", "gone.cluster-x.us-east-1.rds.amazonaws.com");
        w.aws.cfn.stacks.put("Stale", outputs);
        assertUsage(w.run("restore", "--snapshot", World.SNAPSHOT, "--stack", "Stale", "--run-id", "b10"),
                "no cluster in us-east-1 has the endpoint gone.cluster-x");
        assertNothingCreated(w, "b10");
    }

    @Test
    void inaccessibleKmsKeyRollsBackTheParameterGroup() {
        World w = new World(tmp);
        w.aws.rds.inaccessibleKeys.add(World.KMS_KEY);
        CliRun.Result r = w.run("restore", "--snapshot", World.SNAPSHOT, "--run-id", "b11");
        assertUsage(r, "the snapshot's KMS key " + World.KMS_KEY + " is not accessible", "kms:CreateGrant");
        assertTrue(r.err().contains("rolled back: deleted parameter group pgvm-b11-params"), r.err());
        assertEquals(List.of(), w.aws.taggedWith("b11"));
        assertTrue(w.journal("b11").resources().stream().allMatch(Resource::deleted), "the journal agrees: " + w.journal("b11").resources());
        // and a later cleanup has nothing to do
        CliRun.Result c = w.run("cleanup", "--run-id", "b11", "--yes");
        assertEquals(0, c.exitCode(), c.toString());
        assertTrue(c.out().contains("nothing to delete"), c.out());
    }

    @Test
    void anEngineVersionNoLongerOfferedIsRefusedCleanlyAndCanBeOverridden() {
        World w = new World(tmp);
        w.aws.rds.offeredVersions = java.util.Set.of("15.5", "15.7");
        CliRun.Result r = w.run("restore", "--snapshot", World.SNAPSHOT, "--run-id", "b13");
        assertUsage(r, "AWS refused to restore pgvm-b13-source (InvalidParameterCombination): Cannot find version 15.3", "--engine-version");
        assertTrue(r.err().contains("warning: aurora-postgresql 15.3 is not listed as available"), r.err());
        assertEquals(List.of(), w.aws.taggedWith("b13"), "the parameter group was rolled back");

        assertUsage(w.run("restore", "--snapshot", World.SNAPSHOT, "--run-id", "b13", "--engine-version", "16.1"),
                "--engine-version 16.1 cannot restore a 15.3 snapshot");
        CliRun.Result ok = w.run("restore", "--snapshot", World.SNAPSHOT, "--run-id", "b13", "--engine-version", "15.7");
        assertEquals(0, ok.exitCode(), ok.toString());
        assertEquals("15.7", w.aws.rds.clusters.get("pgvm-b13-source").engineVersion);
    }

    @Test
    void automatedSnapshotsAreFoundByName() {
        World w = new World(tmp);
        w.aws.rds.addSnapshot("rds:bedrockchat-old-2024-06-01-03-10", "aurora-postgresql", "15.3", "available", null, "x").type = "automated";
        CliRun.Result r = w.run("restore", "--snapshot", "rds:bedrockchat-old-2024-06-01-03-10", "--run-id", "b14");
        assertEquals(0, r.exitCode(), r.toString());
    }

    @Test
    void invalidRunIdAndCapacity() {
        World w = new World(tmp);
        assertUsage(w.run("restore", "--snapshot", World.SNAPSHOT, "--run-id", "Bad_Id"), "invalid run id 'Bad_Id'");
        assertUsage(w.run("restore", "--snapshot", World.SNAPSHOT, "--run-id", "a--b"), "two hyphens");
        assertUsage(w.run("restore", "--snapshot", World.SNAPSHOT, "--run-id", "ok1", "--min-acu", "4", "--max-acu", "2"), "invalid capacity");
        assertUsage(w.run("restore", "--snapshot", World.SNAPSHOT, "--run-id", "ok1", "--wait-timeout", "soon"), "invalid --wait-timeout");
        assertUsage(w.run("restore", "--snapshot", World.SNAPSHOT, "--stack", "S", "--target-cluster", "T", "--run-id", "ok1"),
                "either --stack or --target-cluster");
        assertNothingCreated(w, "ok1");
    }

    /** ServerlessV2ScalingConfiguration: MinCapacity 0 only on versions with auto-pause; RDS reports it in DescribeDBEngineVersions. */
    @Test
    void minCapacityZeroNeedsAnEngineVersionWithAutoPauseAndIsRefusedBeforeAnythingIsCreated() {
        World w = new World(tmp);
        assertUsage(w.run("restore", "--snapshot", World.SNAPSHOT, "--run-id", "acu0", "--min-acu", "0"),
                "--min-acu 0 needs Aurora Serverless v2 auto-pause", "aurora-postgresql 15.3", "nothing was created");
        assertNothingCreated(w, "acu0");
        assertEquals(List.of(), w.aws.faults.mutations(), "no parameter group made and rolled back: nothing at all");

        // 15.7 supports auto-pause (ServerlessV2FeaturesSupport.MinCapacity 0): accepted
        w.aws.rds.addSnapshot("pg157", "aurora-postgresql", "15.7", "available", null, "x");
        CliRun.Result ok = w.run("restore", "--snapshot", "pg157", "--run-id", "acu1", "--min-acu", "0");
        assertEquals(0, ok.exitCode(), ok.toString());
        assertEquals(0.0, w.aws.rds.clusters.get("pgvm-acu1-source").minAcu);
    }

    @Test
    void aRunStartedInAnotherRegionIsRefused() {
        World w = new World(tmp);
        assertEquals(0, w.run("restore", "--snapshot", World.SNAPSHOT, "--run-id", "b12").exitCode());
        assertUsage(w.run("status", "--run-id", "b12", "--region", "eu-west-1"), "run b12 lives in us-east-1, not eu-west-1", "--region us-east-1");
        assertUsage(w.run("cleanup", "--run-id", "b12", "--region", "eu-west-1", "--yes"), "run b12 lives in us-east-1");
        assertEquals(4, w.aws.taggedWith("b12").size());
        // without --region the journal's region is used
        assertEquals(0, w.run("status", "--run-id", "b12").exitCode());
        assertEquals("us-east-1", w.aws.requestedRegions.get(w.aws.requestedRegions.size() - 1));
    }

    // ---- region and credentials with the real SDK factory (no fakes, no network)

    @Test
    void noRegionFailsFastAndSaysHow() {
        long t0 = System.nanoTime();
        CliRun.Result r = CliRun.run(Map.of("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY", "secret"), tmp,
                "restore", "--snapshot", "s", "--run-id", "c1");
        assertUsage(r, "no AWS region", "--region", "AWS_REGION");
        assertTrue((System.nanoTime() - t0) / 1e9 < 10);
    }

    @Test
    void noCredentialsFailsFastAndSaysHow() {
        long t0 = System.nanoTime();
        CliRun.Result r = CliRun.run(Map.of("AWS_REGION", "us-east-1"), tmp, "restore", "--snapshot", "s", "--run-id", "c2");
        assertUsage(r, "no AWS credentials", "AWS_ACCESS_KEY_ID", "--profile");
        assertTrue((System.nanoTime() - t0) / 1e9 < 10);
        assertTrue(!Files.exists(tmp.resolve(".pgvector-migrate/runs/c2")), "no journal for a run that never started");
    }

    @Test
    void aProfileWithoutCredentialsFailsFast() throws Exception {
        Path home = tmp.resolve("no-home");
        Files.createDirectories(home.resolve(".aws"));
        Files.writeString(home.resolve(".aws/config"), "[default]\nregion = eu-central-1\n[profile empty]\nregion = eu-west-1\n");
        long t0 = System.nanoTime();
        CliRun.Result r = CliRun.run(Map.of(), tmp, "cleanup", "--run-id", "c3", "--profile", "empty", "--discover", "--dry-run");
        assertUsage(r, "no usable AWS credentials", "--profile");
        assertTrue((System.nanoTime() - t0) / 1e9 < 10);
        CliRun.Result missing = CliRun.run(Map.of(), tmp, "cleanup", "--run-id", "c3", "--profile", "nope", "--discover");
        assertUsage(missing, "AWS profile 'nope' not found");
    }

    private static void deleteTree(Path p) throws Exception {
        try (var walk = Files.walk(p)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
