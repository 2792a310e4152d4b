package io.pgvectormigrate.aws;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgvectormigrate.aws.fake.FakeSecretsManager;
import io.pgvectormigrate.pipeline.Journal;
import io.pgvectormigrate.pipeline.Resource;
import io.pgvectormigrate.report.Json;
import io.pgvectormigrate.testing.CliRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** capture copies the old cluster's credentials into a tool-owned secret and can take a manual snapshot. */
class AwsCaptureTest {
    @TempDir
    Path tmp;

    @Test
    void copiesTheCredentialsInRdsFormatAndTakesASnapshot() throws Exception {
        World w = new World(tmp);
        CliRun.Result r = w.run("capture", "--cluster", World.OLD_CLUSTER, "--secret-id", w.oldSecretArn, "--snapshot", "--run-id", "q1");
        assertEquals(0, r.exitCode(), r.toString());
        FakeSecretsManager.Secret s = w.aws.secrets.secrets.get("pgvector-migrate/q1/captured");
        JsonNode json = Json.mapper().readTree(s.value);
        assertEquals(World.OLD_PASSWORD, json.get("password").asText());
        assertEquals("postgres", json.get("username").asText());
        assertEquals(World.OLD_CLUSTER, json.get("dbClusterIdentifier").asText());
        assertEquals(5432, json.get("port").asInt());
        assertEquals("q1", s.tags.get(Tags.RUN_ID));
        assertEquals("captured-credentials", s.tags.get(Tags.ROLE));

        var snap = w.aws.rds.snapshots.get("pgvm-q1-capture");
        assertEquals("available", snap.status, "capture waits until the snapshot is available");
        assertEquals(World.OLD_CLUSTER, snap.cluster);
        assertEquals("capture-snapshot", snap.tags.get(Tags.ROLE));

        Journal j = w.journal("q1");
        Resource sr = j.resource(Kinds.RDS_SNAPSHOT, "pgvm-q1-capture").orElseThrow();
        assertEquals("true", sr.attribute(Kinds.ATTR_KEEP));
        assertEquals(Kinds.PURPOSE_CAPTURED, j.resource(Kinds.SECRET, "pgvector-migrate/q1/captured").orElseThrow().attribute(Kinds.ATTR_PURPOSE));
        assertEquals(World.OLD_CLUSTER, j.parameter("aws.capture.cluster").orElseThrow());
        assertTrue(r.out().contains("restore --run-id q1 --snapshot pgvm-q1-capture"), r.out());
        w.assertNoLeak(r, World.OLD_PASSWORD);

        // a second capture of the same run changes nothing
        w.aws.faults.clearLog();
        assertEquals(0, w.run("capture", "--cluster", World.OLD_CLUSTER, "--secret-id", w.oldSecretArn, "--snapshot", "--run-id", "q1").exitCode());
        assertEquals(List.of(), w.aws.faults.mutations());
    }

    @Test
    void findsTheSecretThroughTheStackOrTheClustersManagedSecret() {
        World w = new World(tmp);
        assertEquals(0, w.run("capture", "--cluster", World.OLD_CLUSTER, "--stack", "BedrockChatStackBeforeDeploy", "--run-id", "q2").exitCode());
        assertEquals(World.OLD_PASSWORD, DbSecret.parse("t", w.aws.secrets.secrets.get("pgvector-migrate/q2/captured").value).password());

        CliRun.Result none = w.run("capture", "--cluster", World.OLD_CLUSTER, "--run-id", "q3");
        assertEquals(2, none.exitCode(), none.toString());
        assertTrue(none.err().contains("pass --secret-id"), none.err());
        assertEquals(List.of(), w.aws.taggedWith("q3"));

        w.aws.rds.clusters.get(World.OLD_CLUSTER).secretArn = w.oldSecretArn;
        assertEquals(0, w.run("capture", "--cluster", World.OLD_CLUSTER, "--run-id", "q3").exitCode());
        assertEquals(List.of("secret:pgvector-migrate/q3/captured"), w.aws.taggedWith("q3"));
    }

    @Test
    void badInput() {
        World w = new World(tmp);
        CliRun.Result r = w.run("capture", "--cluster", "nope", "--secret-id", w.oldSecretArn, "--run-id", "q4");
        assertEquals(2, r.exitCode(), r.toString());
        assertTrue(r.err().contains("cluster 'nope' not found"), r.err());
        CliRun.Result s = w.run("capture", "--cluster", World.OLD_CLUSTER, "--secret-id", "arn:aws:secretsmanager:us-east-1:123456789012:secret:gone", "--run-id", "q4");
        assertEquals(2, s.exitCode(), s.toString());
        assertTrue(s.err().contains("not found"), s.err());
        var notJson = w.aws.secrets.add("plain", "just-a-password");
        CliRun.Result p = w.run("capture", "--cluster", World.OLD_CLUSTER, "--secret-id", notJson.arn, "--run-id", "q4");
        assertEquals(2, p.exitCode(), p.toString());
        assertTrue(p.err().contains("is not JSON"), p.err());
        assertTrue(!p.err().contains("just-a-password"), "the secret's value is never echoed");
        assertEquals(List.of(), w.aws.taggedWith("q4"));
    }
}
