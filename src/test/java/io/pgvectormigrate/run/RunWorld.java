package io.pgvectormigrate.run;

import io.pgvectormigrate.aws.fake.FakeAws;
import io.pgvectormigrate.aws.fake.FakeIam;
import io.pgvectormigrate.aws.fake.FakeRds;
import io.pgvectormigrate.cli.CliContext;
import io.pgvectormigrate.cli.Main;
import io.pgvectormigrate.local.LocalPostgres;
import io.pgvectormigrate.local.PgBinaries;
import io.pgvectormigrate.local.Proc;
import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pg.CredentialResolver.PasswordPrompt;
import io.pgvectormigrate.pipeline.Journal;
import io.pgvectormigrate.report.Progress;
import io.pgvectormigrate.sample.BedrockChatSample;
import io.pgvectormigrate.testing.CliRun;
import io.pgvectormigrate.testing.PgServers;
import io.pgvectormigrate.testing.Sql;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * A Bedrock Chat account right after the v1 deploy, in fakes, with real data: the old cluster's final snapshot carries
 * a pg_dump archive of a v0 vector store (restoring it starts a local PostgreSQL loaded with it), and the new cluster
 * the stack made is the test's real target database, empty {@code items} and its two indexes included, with the stack's
 * secret holding its real login. The DMS role and dms-vpc-role exist. Commands run in-process through the CLI.
 */
final class RunWorld implements AutoCloseable {
    static final String REGION = "us-east-1";
    static final String SNAPSHOT = "bedrockchat-final";
    static final String TARGET = "bedrockchat-new";
    static final String STACK = "BedrockChatStack";
    static final String SUBNET_GROUP = "bedrockchat-subnets";
    static final String ROLE = "pgvector-migrate-dms";
    static final String ROLE_ARN = "arn:aws:iam::123456789012:role/" + ROLE;
    /** The snapshot's master password: a known string that must never show up in output, journals or reports. */
    static final String OLD_PASSWORD = "Old-Passw0rd-KNOWN-4711xyz";
    static final String TARGET_HOST = "localhost";

    final FakeAws aws = new FakeAws(REGION);
    final Path cwd;
    final PgServers.DbPair db;
    final FakeRds.Cluster target;
    final String stackSecretArn;
    final Path localBase;

    /** @param rows chunks in the old vector store, over {@code bots} bots */
    RunWorld(Path cwd, PgServers.DbPair db, int rows, int bots) throws Exception {
        this.cwd = cwd;
        this.db = db;
        Files.createDirectories(cwd);
        // the old vector store, as a pg_dump archive the fake snapshot carries
        try (Connection s = db.openSource()) {
            BedrockChatSample.createSchema(s);
            BedrockChatSample.generate(s, rows, bots, 11, Progress.SILENT);
        }
        PgBinaries bins = PgBinaries.locate(System.getenv()).requirePgvector();
        Path archive = cwd.resolve("snapshot.dump");
        ConnectionSpec src = db.source();
        Proc.check("pg_dump", List.of(bins.tool("pg_dump").toString(), "-Fc", "-f", archive.toString(), "-d", src.database()),
                null, Map.of("PGHOST", src.host(), "PGPORT", String.valueOf(src.port()), "PGUSER", src.user(), "PGPASSWORD", src.password()),
                Duration.ofMinutes(2));
        // the new cluster after the deploy: v1's custom resource made an empty items table with both indexes
        try (Connection t = db.openTarget()) {
            BedrockChatSample.createSchema(t);
        }

        FakeRds rds = aws.rds;
        rds.addSubnetGroup(SUBNET_GROUP, "vpc-0abc", List.of("subnet-a", "subnet-b"));
        ConnectionSpec tgt = db.target();
        target = rds.addCluster(TARGET, "15.5", SUBNET_GROUP, List.of("sg-target"));
        target.endpoint = TARGET_HOST;
        target.port = tgt.port();
        target.masterPassword = tgt.password();
        FakeRds.Snapshot snap = rds.addSnapshot(SNAPSHOT, "aurora-postgresql", "15.3", "available", null, OLD_PASSWORD);
        snap.cluster = "bedrockchat-old";
        snap.dumpArchive = archive;
        snap.binaries = bins;
        localBase = Files.createTempDirectory(LocalPostgres.defaultBaseDir(), "fake-aurora-run-");
        Files.setPosixFilePermissions(localBase, PosixFilePermissions.fromString("rwxr-xr-x"));
        snap.localBaseDir = localBase;

        stackSecretArn = aws.secrets.add("BedrockChatStackDbSecret", "{\"engine\":\"postgres\",\"host\":\"" + TARGET_HOST
                + "\",\"port\":" + tgt.port() + ",\"username\":\"" + tgt.user() + "\",\"password\":\"" + tgt.password()
                + "\",\"dbname\":\"" + tgt.database() + "\",\"dbClusterIdentifier\":\"" + TARGET + "\"}").arn;
        // CloudFormation tags what it creates with the stack's name (the DMS role's policy reads the secret by it)
        aws.secrets.secrets.get("BedrockChatStackDbSecret").tags.put("aws:cloudformation:stack-name", STACK);
        Map<String, String> outputs = new LinkedHashMap<>();
        outputs.put("DbConfigSecretArn", stackSecretArn);
        outputs.put("DbConfigHostname", TARGET_HOST);
        outputs.put("DbConfigPort", String.valueOf(tgt.port()));
        outputs.put("DbSecurityGroupId", "sg-target");
        outputs.put("PrivateSubnetId0", "subnet-a");
        outputs.put("PrivateSubnetId1", "subnet-b");
        outputs.put("VpcId", "vpc-0abc");
        aws.cfn.stacks.put(STACK, outputs);

        aws.iam.addDmsRole(ROLE, REGION);
        aws.iam.roles.put("dms-vpc-role", FakeIam.trust(List.of("dms.amazonaws.com")));
    }

    /** migration.yaml for the tests: fast polls, everything else as the example says. */
    Path config(String name, String extra) throws IOException {
        Path f = cwd.resolve(name);
        Files.writeString(f, """
                region: us-east-1
                snapshot: bedrockchat-final
                stack: BedrockChatStack
                tables:
                  schemas: [public]
                  tables: [items]
                dms:
                  roleArn: arn:aws:iam::123456789012:role/pgvector-migrate-dms
                  pollInterval: 2ms
                  heartbeat: 1h
                  timeout: 60s
                verify:
                  groupBy: [items.botid]
                """ + extra);
        return f;
    }

    /** The same migration.yaml with DMS's migration type full-load-and-cdc. */
    Path cdcConfig(String name, String extra) throws IOException {
        Path f = config(name, extra).toAbsolutePath();
        Files.writeString(f, Files.readString(f).replace("  pollInterval: 2ms", "  migrationType: full-load-and-cdc\n  pollInterval: 2ms"));
        return f;
    }

    /** The run's temporary cluster as its tool-owned secret describes it. */
    ConnectionSpec temporarySource(String runId) {
        var s = io.pgvectormigrate.aws.DbSecret.parse("t",
                aws.secrets.secrets.get("pgvector-migrate/" + runId + "/temporary-source-credentials").value);
        return new ConnectionSpec(s.host(), s.port(), s.dbname(), s.username(), s.password(), Map.of());
    }

    /**
     * The first two step commands of a DMS run: restore, then prepare-target from that source, neither printing a
     * password; returns the source.
     */
    ConnectionSpec restoreAndPrepareTarget(String runId) throws IOException {
        CliRun.Result restore = run("restore", "--snapshot", SNAPSHOT, "--stack", STACK, "--run-id", runId, "--region", REGION);
        assertEquals(0, restore.exitCode(), restore.toString());
        ConnectionSpec source = temporarySource(runId);
        CliRun.Result prepare = run("prepare-target", "--target", url(db.target()), "--source", url(source));
        assertEquals(0, prepare.exitCode(), prepare.toString());
        for (CliRun.Result r : List.of(restore, prepare)) assertNoLeak(r, List.of(), source.password(), OLD_PASSWORD);
        return source;
    }

    /** A URI with the password in it, the way an operator might pass it. */
    static String url(ConnectionSpec s) {
        return "postgresql://" + s.user() + ":" + s.password() + "@" + s.host() + ":" + s.port() + "/" + s.database();
    }

    /** Runs the CLI with the fakes behind the AWS seam, static credentials and no terminal. */
    CliRun.Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Map<String, String> env = Map.of("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"),
                "AWS_EC2_METADATA_DISABLED", "true", "AWS_ACCESS_KEY_ID", "AKIDTEST", "AWS_SECRET_ACCESS_KEY", "test-secret");
        CliContext ctx = new CliContext(new PrintWriter(out, true), new PrintWriter(err, true), env, cwd.resolve("no-home"), cwd,
                PasswordPrompt.NONE, false, aws.factory());
        int code = Main.run(ctx, args);
        return new CliRun.Result(code, out.toString(), err.toString());
    }

    Path workDir() {
        return cwd.resolve(".pgvector-migrate");
    }

    Journal journal(String runId) {
        return Journal.load(workDir(), runId, Clock.systemUTC());
    }

    /** The tool-owned secret of a run's temporary cluster, as DMS would read it (null once deleted). */
    String sourcePassword(String runId) {
        var s = aws.secrets.secrets.get("pgvector-migrate/" + runId + "/temporary-source-credentials");
        return s == null ? null : io.pgvectormigrate.aws.DbSecret.parse("t", s.value).password();
    }

    /** Every resource any fake holds for the run. */
    List<String> leftovers(String runId) {
        List<String> all = new ArrayList<>(aws.taggedWith(runId));
        aws.dms.inventory().forEach(i -> all.add("dms " + i));
        return all;
    }

    /** Neither the streams nor any file under the work dir (journal, reports) nor extra files hold a secret. */
    void assertNoLeak(CliRun.Result r, List<Path> extraFiles, String... secrets) throws IOException {
        for (String s : secrets) {
            if (s == null) continue;
            assertFalse(r.out().contains(s), "stdout shows a secret:\n" + r);
            assertFalse(r.err().contains(s), "stderr shows a secret:\n" + r);
            List<Path> files = new ArrayList<>(extraFiles);
            if (Files.exists(workDir())) {
                try (var walk = Files.walk(workDir())) {
                    walk.filter(Files::isRegularFile).forEach(files::add);
                }
            }
            for (Path f : files) {
                if (Files.isRegularFile(f)) assertFalse(Files.readString(f).contains(s), f + " holds a secret");
            }
        }
    }

    /** Every AWS call the fakes saw so far is in the IAM catalogue iam-policy prints (so the operator policy grants it). */
    void assertEveryCallIsGranted() {
        java.util.Set<String> catalogued = new java.util.TreeSet<>();
        for (var p : io.pgvectormigrate.aws.dms.IamPolicies.OPERATOR) {
            if (p.operation() != null) catalogued.add(p.service() + ":" + p.operation());
        }
        java.util.Set<String> called = new java.util.TreeSet<>(aws.faults.log());
        aws.dms.calls().forEach(c -> called.add("dms:" + c));
        called.removeAll(catalogued);
        org.junit.jupiter.api.Assertions.assertEquals(java.util.Set.of(), called, "calls missing from the IAM catalogue (aws/dms/IamPolicies)");
    }

    long targetRows() throws Exception {
        return Sql.count(db.target(), "SELECT count(*) FROM items");
    }

    @Override
    public void close() throws IOException {
        aws.rds.destroyLocalInstances();
        try (var walk = Files.walk(localBase)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
