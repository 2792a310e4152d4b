package io.pgvectormigrate.aws.fake;

import io.pgvectormigrate.core.ExitCode;
import io.pgvectormigrate.testing.CliRun;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** What {@code pgvector-migrate iam-policy} prints, run through the CLI, for tests that attach it to a fake role. */
public final class PrintedPolicies {
    private static final Map<String, String> CACHE = new ConcurrentHashMap<>();

    private PrintedPolicies() {}

    /** {@code iam-policy --region R --account 123456789012 --document dms-permissions}, exactly as printed. */
    public static String dmsPermissions(String region) {
        return CACHE.computeIfAbsent(region, r -> {
            CliRun.Result res = CliRun.run("iam-policy", "--region", r, "--account", FakeRds.ACCOUNT, "--document", "dms-permissions");
            if (res.exitCode() != ExitCode.OK) throw new IllegalStateException("iam-policy failed: " + res);
            return res.out();
        });
    }
}
