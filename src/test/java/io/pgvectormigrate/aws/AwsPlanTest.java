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

/**
 * plan runs run's own code against recording clients: it lists every change the run would make (restore, credentials,
 * the DMS objects, teardown), saying "would", and makes none; what it records is checked against the models too.
 */
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

    /** migration.yaml asking for a final snapshot at teardown (run takes none by default). */
    private Path finalSnapshotConfig() throws Exception {
        Path f = tmp.resolve("final-snapshot.yaml");
        Files.writeString(f, "temporaryCluster:\n  finalSnapshot: true\n");
        return f;
    }

    @Test
    void planListsEveryChangeWithIdentifiersAndChangesNothing() throws Exception {
        World w = new World(tmp);
        CliRun.Result r = w.run("plan", "--snapshot", World.SNAPSHOT, "--stack", World.STACK, "--run-id", "p1", "--engine", "native",
                "--config", finalSnapshotConfig().toString());
        assertEquals(0, r.exitCode(), r.toString());
        assertEquals(List.of(), w.aws.faults.mutations(), "plan changes nothing");
        assertEquals(List.of(), w.aws.taggedWith("p1"));
        assertFalse(Files.exists(w.journalFile("p1")), "plan writes no journal");
        String out = r.out();
        for (String expected : List.of(
                "would call rds CreateDBClusterParameterGroup  DBClusterParameterGroupName=pgvm-p1-params, DBParameterGroupFamily=aurora-postgresql15",
                "ParameterName=rds.logical_replication, ParameterValue=1, ApplyMethod=pending-reboot",
                "would call rds RestoreDBClusterFromSnapshot  DBClusterIdentifier=pgvm-p1-source",
                "DBSubnetGroupName=" + World.SUBNET_GROUP, "VpcSecurityGroupIds=[sg-target]", "KmsKeyId=" + World.KMS_KEY,
                "DeletionProtection=false", "MinCapacity=0.5, MaxCapacity=8.0",
                "Tag(Key=pgvector-migrate:run-id, Value=p1), Tag(Key=pgvector-migrate:role, Value=temporary-source)",
                "would call rds CreateDBInstance  DBInstanceIdentifier=pgvm-p1-writer, DBInstanceClass=db.serverless",
                "would call rds RebootDBInstance  DBInstanceIdentifier=pgvm-p1-writer",
                "would call secretsmanager CreateSecret  Name=pgvector-migrate/p1/temporary-source-credentials",
                "SecretString=*** Sensitive Data Redacted ***",
                "would call rds ModifyDBCluster  DBClusterIdentifier=pgvm-p1-source, ApplyImmediately=true, MasterUserPassword=*** Sensitive Data Redacted ***",
                "would call rds DeleteDBInstance  DBInstanceIdentifier=pgvm-p1-writer",
                "would call rds DeleteDBCluster  DBClusterIdentifier=pgvm-p1-source, SkipFinalSnapshot=false, FinalDBSnapshotIdentifier=pgvm-p1-final",
                "would call rds DeleteDBClusterParameterGroup  DBClusterParameterGroupName=pgvm-p1-params",
                "would call secretsmanager DeleteSecret",
                "read   rds DescribeDBClusterSnapshots  DBClusterSnapshotIdentifier=bedrockchat-final",
                "read   cloudformation DescribeStacks  StackName=BedrockChatStack",
                "11 changes")) {
            assertTrue(out.contains(expected), "plan lacks '" + expected + "':\n" + out);
        }
        assertFalse(out.contains("CHANGE"), out);
        // nothing reads as an action taken: no progress of waits, creates or deletes
        for (String action : List.of("deleting", "available after", "created", "deleted", "restoring", "waiting")) {
            assertFalse(r.err().toLowerCase(java.util.Locale.ROOT).contains(action), "plan's stderr reads as an action:\n" + r.err());
        }
        // every change it lists was checked against the service models, though not sent
        assertEquals(11, w.aws.checkedNotSent.size(), w.aws.checkedNotSent.toString());
        assertTrue(w.aws.checkedNotSent.contains("rds:RestoreDBClusterFromSnapshot"), w.aws.checkedNotSent.toString());
    }

    /** Changes of one service, in order. */
    private static List<String> changes(JsonNode plan, String service) {
        List<String> out = new ArrayList<>();
        for (JsonNode phase : plan.get("phases")) {
            for (JsonNode call : phase.get("calls")) {
                if (call.get("change").asBoolean() && call.get("service").asText().equals(service)) out.add(call.get("operation").asText());
            }
        }
        return out;
    }

    @Test
    void aDmsPlanListsTheDmsObjectsInTheOrderTheRunMakesThem() throws Exception {
        World w = new World(tmp);
        w.aws.iam.addDmsRole("pgvector-migrate-dms", World.REGION);
        w.aws.iam.roles.put("dms-vpc-role", io.pgvectormigrate.aws.fake.FakeIam.trust(List.of("dms.amazonaws.com")));
        String role = "arn:aws:iam::123456789012:role/pgvector-migrate-dms";
        for (String type : List.of("full-load", "full-load-and-cdc")) {
            String runId = type.equals("full-load") ? "p5" : "p6";
            CliRun.Result r = w.run("plan", "--snapshot", World.SNAPSHOT, "--stack", World.STACK, "--run-id", runId,
                    "--dms-role-arn", role, "--dms-migration-type", type, "--format", "json");
            assertEquals(0, r.exitCode(), r.toString());
            JsonNode plan = Json.mapper().readTree(r.out());
            assertEquals("dms", plan.get("engine").asText());
            List<String> expected = new ArrayList<>(List.of("CreateReplicationSubnetGroup", "CreateInstanceProfile", "CreateDataProvider",
                    "CreateDataProvider", "CreateMigrationProject", "CreateDataMigration", "StartDataMigration"));
            if (!type.equals("full-load")) expected.add("StopDataMigration"); // cutover stops CDC; a full load stops by itself
            expected.addAll(List.of("DeleteDataMigration", "DeleteMigrationProject", "DeleteDataProvider", "DeleteDataProvider",
                    "DeleteInstanceProfile", "DeleteReplicationSubnetGroup"));
            assertEquals(expected, changes(plan, "dms"), r.out());
            List<String> phases = new ArrayList<>();
            plan.get("phases").forEach(p -> phases.add(p.get("phase").asText()));
            assertEquals(List.of("preflight", "restore", "credentials", "prepare-target", "migrate", "verify", "cutover", "teardown"), phases);
            // the head start runs during the restore and is named as such
            JsonNode restore = plan.get("phases").get(1).get("calls");
            List<String> during = new ArrayList<>();
            restore.forEach(c -> { if (!c.get("during").isNull() && c.get("change").asBoolean()) during.add(c.get("operation").asText()); });
            assertEquals(List.of("CreateReplicationSubnetGroup", "CreateInstanceProfile", "CreateDataProvider"), during);
        }
        assertEquals(List.of(), w.aws.faults.mutations(), "plan changes nothing");
        assertEquals(List.of(), w.aws.dms.inventory(), "plan creates no DMS object");
        assertTrue(w.aws.dms.calls().stream().allMatch(c -> c.startsWith("Describe") || c.startsWith("List")), w.aws.dms.calls().toString());
        assertTrue(w.aws.checkedNotSent.contains("dms:CreateDataMigration"), w.aws.checkedNotSent.toString());

        CliRun.Result text = w.run("plan", "--snapshot", World.SNAPSHOT, "--stack", World.STACK, "--run-id", "p7", "--dms-role-arn", role);
        assertEquals(0, text.exitCode(), text.toString());
        assertTrue(text.out().contains("\n  meanwhile, dms instance profile and target data provider:\n"), text.out());
        assertTrue(text.out().contains("\n    would call dms CreateReplicationSubnetGroup  ReplicationSubnetGroupIdentifier=pgvm-p7-dms"), text.out());
        assertTrue(text.out().contains("would call dms StartDataMigration"), text.out());
        // 11 changes of the temporary cluster and its secret, 13 of DMS (a full load stops by itself: no StopDataMigration)
        assertTrue(text.out().contains("\n24 changes the run would make (none made), "), text.out());
        assertTrue(text.out().contains("prepare-target:\n  (no AWS calls)"), text.out());
        assertTrue(text.out().contains("DeleteDBCluster  DBClusterIdentifier=pgvm-p7-source, SkipFinalSnapshot=true"), text.out());
    }

    @Test
    void thePlanMatchesWhatTheRunDoes() throws Exception {
        World planned = new World(tmp.resolve("a"));
        CliRun.Result plan = planned.run("plan", "--snapshot", World.SNAPSHOT, "--run-id", "p2", "--engine", "native", "--format", "json");
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
        CliRun.Result r = w.run("plan", "--snapshot", World.SNAPSHOT, "--run-id", "p3", "--engine", "native", "--format", "json");
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

    @Test
    void paginatorsGoThroughThePlansOverlay() {
        World w = new World(tmp);
        PlanningClients plan = new PlanningClients(w.aws);
        plan.rds().restoreDBClusterFromSnapshot(b -> b.dbClusterIdentifier("pgvm-pg-source").snapshotIdentifier(World.SNAPSHOT)
                .engine("aurora-postgresql"));
        // the paginator's pages are requests on the planning proxy: the planned cluster is there, and nothing was sent
        assertEquals(List.of("pgvm-pg-source"), plan.rds().describeDBClustersPaginator(b -> b.dbClusterIdentifier("pgvm-pg-source"))
                .dbClusters().stream().map(software.amazon.awssdk.services.rds.model.DBCluster::dbClusterIdentifier).toList());
        assertEquals(List.of(), w.aws.faults.mutations());
        assertEquals(List.of("rds:RestoreDBClusterFromSnapshot"), w.aws.checkedNotSent);
    }
}
