package io.pgvectormigrate.aws;

import io.pgvectormigrate.cli.CliContext;
import io.pgvectormigrate.cli.Main;
import io.pgvectormigrate.pg.CredentialResolver.PasswordPrompt;
import io.pgvectormigrate.testing.CliRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * OPT-IN LIVE TEST against a real AWS account: it creates a real Aurora cluster (cost: roughly an hour of
 * 0.5-8 ACU Serverless v2 plus snapshot storage) and deletes it again. Never run by CI: surefire runs only
 * *Test classes. Run it on purpose, see docs/aws.md:
 *
 * <pre>
 *   PGVM_LIVE_SNAPSHOT=my-snapshot PGVM_LIVE_REGION=us-east-1 [PGVM_LIVE_STACK=BedrockChatStack | PGVM_LIVE_TARGET_CLUSTER=id]
 *   [AWS_PROFILE=...] mvn -B -ntp test -Dtest=AwsLiveIT -Dsurefire.failIfNoSpecifiedTests=false
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

    @Test
    void planRestoreStatusCleanupAgainstARealAccount() {
        String snapshot = required("PGVM_LIVE_SNAPSHOT");
        String region = required("PGVM_LIVE_REGION");
        String runId = "live-" + Long.toString(System.currentTimeMillis() / 1000, 36);
        List<String> target = new ArrayList<>();
        String cluster = System.getenv("PGVM_LIVE_TARGET_CLUSTER");
        if (cluster != null && !cluster.isBlank()) target.addAll(List.of("--target-cluster", cluster));
        else target.addAll(List.of("--stack", System.getenv().getOrDefault("PGVM_LIVE_STACK", "BedrockChatStack")));

        List<String> common = List.of("--run-id", runId, "--region", region);
        List<String> restore = new ArrayList<>(List.of("--snapshot", snapshot));
        restore.addAll(target);
        restore.addAll(common);
        try {
            List<String> plan = new ArrayList<>(List.of("plan"));
            plan.addAll(restore);
            assertEquals(0, run(plan).exitCode());
            List<String> r = new ArrayList<>(List.of("restore"));
            r.addAll(restore);
            assertEquals(0, run(r).exitCode());
            CliRun.Result status = run(List.of("status", "--run-id", runId, "--region", region));
            assertEquals(0, status.exitCode());
            assertTrue(status.out().contains("pgvm-" + runId + "-source"), status.out());
        } finally {
            CliRun.Result cleanup = run(List.of("cleanup", "--run-id", runId, "--region", region, "--yes", "--no-final-snapshot"));
            assertEquals(0, cleanup.exitCode(), "CLEAN UP BY HAND: pgvector-migrate cleanup --run-id " + runId + " --discover --region " + region);
        }
        CliRun.Result again = run(List.of("cleanup", "--run-id", runId, "--region", region, "--yes", "--discover"));
        assertEquals(0, again.exitCode());
        assertTrue(again.out().contains("nothing to delete"), again.out());
    }
}
