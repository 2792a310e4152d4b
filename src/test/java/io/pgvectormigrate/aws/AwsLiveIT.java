package io.pgvectormigrate.aws;

import io.pgvectormigrate.cli.CliContext;
import io.pgvectormigrate.cli.Main;
import io.pgvectormigrate.pg.CredentialResolver.PasswordPrompt;
import io.pgvectormigrate.testing.CliRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * OPT-IN LIVE TEST against a real AWS account, never run by CI (surefire runs only *Test classes; the name ends in IT).
 * It is the short script docs/aws.md ("Live test") describes: restore a snapshot to a temporary Aurora cluster, copy one
 * small table with a DMS homogeneous full load, verify it, tear everything down, then check by tag that nothing of the
 * run is left. It creates and deletes real resources and costs money (docs/aws.md says how much).
 *
 * <pre>
 *   PGVM_LIVE_REGION=us-east-1 PGVM_LIVE_SNAPSHOT=my-snapshot PGVM_LIVE_DMS_ROLE_ARN=arn:aws:iam::123456789012:role/pgvector-migrate-dms \
 *   PGVM_LIVE_STACK=BedrockChatStack [PGVM_LIVE_TABLE=public.items] [PGVM_LIVE_SOURCE_VIA=host:port PGVM_LIVE_TARGET_VIA=host:port] \
 *   [AWS_PROFILE=...] ./mvnw -B -ntp test -Dtest=AwsLiveIT -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 *
 * Missing settings fail the test (never skip), so a run that checked nothing cannot look green.
 */
class AwsLiveIT {
    @TempDir
    Path tmp;

    private static String required(String name) {
        String v = System.getenv(name);
        if (v == null || v.isBlank()) fail("the live test needs " + name + " (see docs/aws.md, 'Live test')");
        return v;
    }

    private static String optional(String name, String otherwise) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? otherwise : v;
    }

    private CliRun.Result run(List<String> args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CliContext ctx = new CliContext(new PrintWriter(out, true), new PrintWriter(err, true), System.getenv(),
                Path.of(System.getProperty("user.home")), tmp, PasswordPrompt.NONE, false);
        int code = Main.run(ctx, args.toArray(new String[0]));
        CliRun.Result r = new CliRun.Result(code, out.toString(), err.toString());
        System.out.println("$ pgvector-migrate " + String.join(" ", args) + "\n" + r);
        return r;
    }

    /** The run's settings: small and bounded (at most 2 ACU for the temporary cluster), a full load, the run's own teardown. */
    static String config(String region, String snapshot, String stack, String schema, String table, String role) {
        return """
                region: %s
                snapshot: %s
                stack: %s
                tables:
                  schemas: [%s]
                  tables: [%s]
                temporaryCluster:
                  minAcu: 0.5
                  maxAcu: 2
                  finalSnapshot: false
                dms:
                  roleArn: %s
                  migrationType: full-load
                  pollInterval: 30s
                  heartbeat: 2m
                  timeout: 90m
                """.formatted(region, snapshot, stack, schema, table, role);
    }

    @Test
    void restoreDmsFullLoadOfOneSmallTableVerifyAndCleanUpLeavingNothing() throws Exception {
        String region = required("PGVM_LIVE_REGION");
        String snapshot = required("PGVM_LIVE_SNAPSHOT");
        String role = required("PGVM_LIVE_DMS_ROLE_ARN");
        String stack = optional("PGVM_LIVE_STACK", "BedrockChatStack");
        String[] table = optional("PGVM_LIVE_TABLE", "public.items").split("\\.", 2);
        String runId = "live-" + Long.toString(System.currentTimeMillis() / 1000, 36);
        Path config = tmp.resolve("migration.yaml");
        Files.writeString(config, config(region, snapshot, stack, table[0], table[1], role));
        List<String> args = new ArrayList<>(List.of("run", "--config", config.toString(), "--run-id", runId, "--region", region,
                "--report", tmp.resolve("report.md").toString()));
        String sourceVia = System.getenv("PGVM_LIVE_SOURCE_VIA");
        if (sourceVia != null && !sourceVia.isBlank()) args.addAll(List.of("--source-via", sourceVia));
        String targetVia = System.getenv("PGVM_LIVE_TARGET_VIA");
        if (targetVia != null && !targetVia.isBlank()) args.addAll(List.of("--target-via", targetVia));

        boolean cleanedUp = false;
        try {
            CliRun.Result r = run(args);
            assertEquals(0, r.exitCode(), "the run failed: see its message above; cleanup follows");
            assertTrue(r.out().contains("migration run " + runId + ": VERIFIED") && r.out().contains("resources left: none"), r.out());
            cleanedUp = true;
        } finally {
            if (!cleanedUp) {
                CliRun.Result cleanup = run(List.of("cleanup", "--run-id", runId, "--region", region, "--yes", "--discover",
                        "--no-final-snapshot"));
                assertEquals(0, cleanup.exitCode(), "CLEAN UP BY HAND: pgvector-migrate cleanup --run-id " + runId
                        + " --discover --region " + region + " --yes");
            }
        }
        // nothing of the run is left anywhere, as cleanup finds it by its tags (DMS objects, cluster, writer, group, secrets)
        CliRun.Result again = run(List.of("cleanup", "--run-id", runId, "--region", region, "--yes", "--discover", "--no-final-snapshot"));
        assertEquals(0, again.exitCode());
        assertTrue(again.out().contains("nothing to delete"), again.out());
    }
}
