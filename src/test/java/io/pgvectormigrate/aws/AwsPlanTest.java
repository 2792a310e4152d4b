package io.pgvectormigrate.aws;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgvectormigrate.report.Json;
import io.pgvectormigrate.testing.CliRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** plan runs the real code against recording clients: it lists every change restore and teardown make, and makes none. */
class AwsPlanTest {
    @TempDir
    Path tmp;

    private static List<String> changes(JsonNode plan) {
        List<String> out = new ArrayList<>();
        for (JsonNode phase : plan.get("phases")) {
            for (JsonNode call : phase.get("calls")) if (call.get("change").asBoolean()) out.add(call.get("operation").asText());
        }
        return out;
    }

    @Test
    void planListsEveryChangeWithIdentifiersAndChangesNothing() throws Exception {
        World w = new World(tmp);
        CliRun.Result r = w.run("plan", "--snapshot", World.SNAPSHOT, "--stack", World.STACK, "--run-id", "p1");
        assertEquals(0, r.exitCode(), r.toString());
        assertEquals(List.of(), w.aws.faults.mutations(), "plan changes nothing");
        assertEquals(List.of(), w.aws.taggedWith("p1"));
        assertFalse(Files.exists(w.journalFile("p1")), "plan writes no journal");
        String out = r.out();
        for (String expected : List.of(
                "CHANGE rds CreateDBClusterParameterGroup  DBClusterParameterGroupName=pgvm-p1-params, DBParameterGroupFamily=aurora-postgresql15",
                "ParameterName=rds.logical_replication, ParameterValue=1, ApplyMethod=pending-reboot",
                "CHANGE rds RestoreDBClusterFromSnapshot  DBClusterIdentifier=pgvm-p1-source",
                "DBSubnetGroupName=" + World.SUBNET_GROUP, "VpcSecurityGroupIds=[sg-target]", "KmsKeyId=" + World.KMS_KEY,
                "DeletionProtection=false", "MinCapacity=0.5, MaxCapacity=8.0",
                "Tag(Key=pgvector-migrate:run-id, Value=p1), Tag(Key=pgvector-migrate:role, Value=temporary-source)",
                "CHANGE rds CreateDBInstance  DBInstanceIdentifier=pgvm-p1-writer, DBInstanceClass=db.serverless",
                "CHANGE rds RebootDBInstance  DBInstanceIdentifier=pgvm-p1-writer",
                "CHANGE secretsmanager CreateSecret  Name=pgvector-migrate/p1/temporary-source-credentials",
                "SecretString=*** Sensitive Data Redacted ***",
                "CHANGE rds ModifyDBCluster  DBClusterIdentifier=pgvm-p1-source, ApplyImmediately=true, MasterUserPassword=*** Sensitive Data Redacted ***",
                "CHANGE rds DeleteDBInstance  DBInstanceIdentifier=pgvm-p1-writer",
                "CHANGE rds DeleteDBCluster  DBClusterIdentifier=pgvm-p1-source, SkipFinalSnapshot=false, FinalDBSnapshotIdentifier=pgvm-p1-final",
                "CHANGE rds DeleteDBClusterParameterGroup  DBClusterParameterGroupName=pgvm-p1-params",
                "CHANGE secretsmanager DeleteSecret",
                "read   rds DescribeDBClusterSnapshots  DBClusterSnapshotIdentifier=bedrockchat-final",
                "read   cloudformation DescribeStacks  StackName=BedrockChatStack",
                "11 changes")) {
            assertTrue(out.contains(expected), "plan lacks '" + expected + "':\n" + out);
        }
    }

    @Test
    void thePlanMatchesWhatTheRunDoes() throws Exception {
        World planned = new World(tmp.resolve("a"));
        CliRun.Result plan = planned.run("plan", "--snapshot", World.SNAPSHOT, "--run-id", "p2", "--format", "json");
        assertEquals(0, plan.exitCode(), plan.toString());

        World real = new World(tmp.resolve("b"));
        assertEquals(0, real.run("restore", "--snapshot", World.SNAPSHOT, "--run-id", "p2").exitCode());
        assertEquals(0, real.run("cleanup", "--run-id", "p2", "--yes").exitCode());
        assertEquals(real.aws.faults.mutations(), changes(Json.mapper().readTree(plan.out())),
                "the plan lists the same changes, in the same order, as restore + cleanup make");
    }

    @Test
    void planOfAFinishedRestoreShowsOnlyWhatIsLeft() throws Exception {
        World w = new World(tmp);
        assertEquals(0, w.run("restore", "--snapshot", World.SNAPSHOT, "--run-id", "p3").exitCode());
        String journalBefore = Files.readString(w.journalFile("p3"));
        w.aws.faults.clearLog();
        CliRun.Result r = w.run("plan", "--snapshot", World.SNAPSHOT, "--run-id", "p3", "--format", "json");
        assertEquals(0, r.exitCode(), r.toString());
        assertEquals(List.of(), w.aws.faults.mutations());
        assertEquals(journalBefore, Files.readString(w.journalFile("p3")), "the run's journal is untouched");
        List<String> changes = changes(Json.mapper().readTree(r.out()));
        assertFalse(changes.stream().anyMatch(c -> c.startsWith("Create") || c.startsWith("Restore") || c.equals("ModifyDBCluster")),
                "a resume creates nothing: " + changes);
        assertTrue(changes.contains("DeleteDBCluster"), changes.toString());
        w.assertNoLeak(r, w.storedSourcePassword("p3"));
    }

    @Test
    void planRefusesBadInputLikeRestore() {
        World w = new World(tmp);
        CliRun.Result r = w.run("plan", "--snapshot", "missing", "--run-id", "p4");
        assertEquals(2, r.exitCode(), r.toString());
        assertTrue(r.err().contains("cluster snapshot 'missing' not found"), r.err());
    }
}
