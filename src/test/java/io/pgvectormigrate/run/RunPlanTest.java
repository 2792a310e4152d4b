package io.pgvectormigrate.run;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgvectormigrate.core.ExitCode;
import io.pgvectormigrate.report.Json;
import io.pgvectormigrate.testing.CliRun;
import io.pgvectormigrate.testing.PgServers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * plan is the run, minus the changes: the changes {@code plan} lists are the mutating calls a {@code run} of the same
 * arguments then sends to the fakes, in the same order. The DMS head start runs next to the restore, so the two
 * orders are compared per lane: the temporary cluster and its secret (RDS, Secrets Manager) and DMS.
 */
@ExtendWith(PgServers.class)
class RunPlanTest {
    @TempDir
    Path tmp;

    /** The changes the plan lists, of the services {@code service} accepts, in order. */
    private static List<String> planned(JsonNode plan, Predicate<String> service) {
        List<String> out = new ArrayList<>();
        for (JsonNode phase : plan.get("phases")) {
            for (JsonNode call : phase.get("calls")) {
                if (call.get("change").asBoolean() && service.test(call.get("service").asText())) out.add(call.get("operation").asText());
            }
        }
        return out;
    }

    /** DMS's read-only operations; every other call changes something. */
    private static boolean dmsRead(String operation) {
        return operation.startsWith("Describe") || operation.startsWith("List") || operation.startsWith("Get") || operation.startsWith("Test");
    }

    private static void planEqualsRun(RunWorld w, Path config, String runId) throws Exception {
        CliRun.Result p = w.run("plan", "--config", config.toString(), "--run-id", runId, "--format", "json");
        assertEquals(ExitCode.OK, p.exitCode(), p.toString());
        assertEquals(List.of(), w.aws.faults.mutations(), "plan changed something");
        assertTrue(w.aws.dms.calls().stream().allMatch(RunPlanTest::dmsRead), w.aws.dms.calls().toString());
        assertFalse(p.err().contains("available after") || p.err().contains("deleting"), p.err());
        JsonNode plan = Json.mapper().readTree(p.out());
        assertTrue(planned(plan, "dms"::equals).containsAll(List.of("CreateDataMigration", "StartDataMigration", "DeleteDataMigration")),
                p.out());
        assertTrue(planned(plan, "rds"::equals).containsAll(List.of("RestoreDBClusterFromSnapshot", "DeleteDBCluster")), p.out());

        CliRun.Result r = w.run("run", "--config", config.toString(), "--run-id", runId);
        assertEquals(ExitCode.OK, r.exitCode(), r.toString());
        assertEquals(w.aws.faults.mutations(), planned(plan, s -> !s.equals("dms")),
                "the plan lists the changes of the temporary cluster and its secret the run made, in order");
        assertEquals(w.aws.dms.calls().stream().filter(c -> !dmsRead(c)).toList(), planned(plan, "dms"::equals),
                "the plan lists the DMS changes the run made, in order");
        assertEquals(List.of(), w.leftovers(runId));
    }

    @Test
    void aFullLoadPlanListsTheChangesTheRunMakes(PgServers.DbPair db) throws Exception {
        try (RunWorld w = new RunWorld(tmp.resolve("w"), db, 120, 3)) {
            planEqualsRun(w, w.config("migration.yaml", ""), "plan-fl");
        }
    }

    @Test
    void aCdcPlanListsTheChangesTheRunMakes(PgServers.DbPair db) throws Exception {
        try (RunWorld w = new RunWorld(tmp.resolve("w"), db, 120, 3)) {
            planEqualsRun(w, w.cdcConfig("migration.yaml", ""), "plan-cdc");
        }
    }
}
