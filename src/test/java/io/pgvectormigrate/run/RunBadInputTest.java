package io.pgvectormigrate.run;

import io.pgvectormigrate.aws.fake.FakeIam;
import io.pgvectormigrate.aws.fake.FakeRds;
import io.pgvectormigrate.aws.fake.FakeSecretsManager;
import io.pgvectormigrate.core.ExitCode;
import io.pgvectormigrate.pipeline.Journal;
import io.pgvectormigrate.testing.CliRun;
import io.pgvectormigrate.testing.PgServers;
import io.pgvectormigrate.testing.Sql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every bad input run's preflight knows about is exit 2 with a one-line message saying what to fix, and nothing is
 * created: no changing AWS call at all, no DMS object, no resource in the journal.
 */
@ExtendWith(PgServers.class)
class RunBadInputTest {
    @TempDir
    Path tmp;

    private int n;

    /** Runs a bad command with a fresh run id and checks exit 2, the message, and that nothing was created. */
    private CliRun.Result bad(RunWorld w, String expected, String... args) throws Exception {
        String runId = "bad" + (++n);
        w.aws.faults.clearLog();
        int dmsCallsBefore = w.aws.dms.calls().size();
        String[] full = new String[args.length + 2];
        System.arraycopy(args, 0, full, 0, args.length);
        full[args.length] = "--run-id";
        full[args.length + 1] = runId;
        CliRun.Result r = w.run(full);
        assertEquals(ExitCode.USAGE, r.exitCode(), expected + ":\n" + r);
        List<String> errors = r.err().lines().filter(l -> l.startsWith("error: ")).toList();
        assertEquals(1, errors.size(), "one error line:\n" + r);
        assertTrue(errors.get(0).contains(expected), "expected '" + expected + "' in: " + errors.get(0));
        assertEquals(List.of(), w.aws.faults.mutations(), "no AWS change:\n" + r);
        assertEquals(List.of(), w.aws.dms.calls().subList(dmsCallsBefore, w.aws.dms.calls().size()), "no DMS call");
        assertEquals(List.of(), w.leftovers(runId));
        if (Journal.exists(w.workDir(), runId)) {
            assertEquals(List.of(), Journal.load(w.workDir(), runId, Clock.systemUTC()).resources(), "nothing journaled as made");
        }
        w.assertNoLeak(r, List.of(), RunWorld.OLD_PASSWORD, w.db.target().password());
        return r;
    }

    @Test
    void badInputsAreExit2BeforeAnythingIsCreated(PgServers.DbPair db) throws Exception {
        try (RunWorld w = new RunWorld(tmp.resolve("w"), db, 20, 2)) {
            String c = w.config("migration.yaml", "").toString();

            // the configuration and the flags
            bad(w, "no such file", "run", "--config", "nope.yaml");
            Files.writeString(w.cwd.resolve("typo.yaml"), "snapshot: s\ndms:\n  rolArn: arn:aws:iam::123456789012:role/x\n");
            CliRun.Result typo = bad(w, "unknown key 'dms.rolArn'", "run", "--config", "typo.yaml");
            assertTrue(typo.err().contains("roleArn"), "lists the known keys: " + typo.err());
            Files.writeString(w.cwd.resolve("type.yaml"), "snapshot: s\nkeepTemporary: maybe\n");
            bad(w, "cannot read 'keepTemporary'", "run", "--config", "type.yaml");
            Files.writeString(w.cwd.resolve("dur.yaml"), "snapshot: s\ndms:\n  timeout: soon\n");
            bad(w, "dms.timeout: cannot read 'soon'", "run", "--config", "dur.yaml");
            bad(w, "missing --snapshot", "run", "--region", "us-east-1");
            bad(w, "unknown engine 'glue'", "run", "--config", c, "--engine", "glue");
            bad(w, "pass either --stack or --target-cluster", "run", "--config", c, "--target-cluster", RunWorld.TARGET,
                    "--target-secret-arn", w.stackSecretArn, "--stack", RunWorld.STACK);
            bad(w, "--target-cluster needs --target-secret-arn", "run", "--snapshot", RunWorld.SNAPSHOT, "--target-cluster", RunWorld.TARGET);
            bad(w, "does not exist", "run", "--config", c, "--report", "no-dir/report.md");
            bad(w, "--engine native with a tunnel", "run", "--config", c, "--engine", "native", "--source-via", "localhost:15432");
            bad(w, "is not host:port", "run", "--config", c, "--target-via", "localhost");
            bad(w, "unknown DMS migration type", "run", "--config", c, "--dms-migration-type", "sometimes");

            // the snapshot
            bad(w, "cluster snapshot 'nope' not found", "run", "--config", c, "--snapshot", "nope");
            w.aws.rds.addSnapshot("half", "aurora-postgresql", "15.3", "failed", null, RunWorld.OLD_PASSWORD);
            bad(w, "not available", "run", "--config", c, "--snapshot", "half");
            w.aws.rds.addSnapshot("mysql", "aurora-mysql", "8.0", "available", null, RunWorld.OLD_PASSWORD);
            bad(w, "aurora-mysql snapshot", "run", "--config", c, "--snapshot", "mysql");

            // the stack and the target
            bad(w, "stack 'Nope' not found", "run", "--config", c, "--stack", "Nope");
            Map<String, String> partial = new LinkedHashMap<>(w.aws.cfn.stacks.get(RunWorld.STACK));
            partial.remove("DbConfigSecretArn");
            w.aws.cfn.stacks.put("Partial", partial);
            bad(w, "has no output DbConfigSecretArn", "run", "--config", c, "--stack", "Partial");
            FakeRds.Cluster dead = w.aws.rds.addCluster("dead", "15.5", RunWorld.SUBNET_GROUP, List.of("sg-target"));
            dead.endpoint = "127.0.0.1";
            dead.port = 1;
            Map<String, String> deadStack = new LinkedHashMap<>(w.aws.cfn.stacks.get(RunWorld.STACK));
            deadStack.put("DbConfigHostname", "127.0.0.1");
            deadStack.put("DbConfigPort", "1");
            w.aws.cfn.stacks.put("Dead", deadStack);
            bad(w, "cannot reach target", "run", "--config", c, "--stack", "Dead");
            w.target.engineVersion = "15.2";
            bad(w, "runs aurora-postgresql 15.2, older than the snapshot's 15.3", "run", "--config", c);
            w.target.engineVersion = "15.5";
            FakeSecretsManager.Secret stackSecret = w.aws.secrets.secrets.remove("BedrockChatStackDbSecret");
            bad(w, "not found", "run", "--config", c);
            w.aws.secrets.secrets.put(stackSecret.name, stackSecret);
            String json = stackSecret.value;
            stackSecret.value = json.replace(w.db.target().password(), "wrong-password");
            bad(w, "authentication failed", "run", "--config", c);
            stackSecret.value = json;
            Sql.exec(db.target(), "INSERT INTO items(id, botid, content, source) VALUES ('x', 'b', 'c', 's')");
            bad(w, "already holds rows in public.items", "run", "--config", c);
            Sql.exec(db.target(), "DELETE FROM items");

            // DMS: its options and the roles it assumes
            Files.writeString(w.cwd.resolve("norole.yaml"), Files.readString(Path.of(c)).replace("  roleArn:", "  # roleArn:"));
            bad(w, "no secrets-access role", "run", "--config", "norole.yaml");
            bad(w, "is not an IAM role ARN", "run", "--config", c, "--dms-role-arn", "pgvector-migrate-dms");
            String trust = w.aws.iam.roles.remove(RunWorld.ROLE);
            bad(w, "the DMS role " + RunWorld.ROLE_ARN + " does not exist", "run", "--config", c);
            w.aws.iam.roles.put(RunWorld.ROLE, FakeIam.trust(List.of("dms-data-migrations.amazonaws.com")));
            bad(w, "does not trust dms.us-east-1.amazonaws.com", "run", "--config", c);
            w.aws.iam.roles.put(RunWorld.ROLE, trust);
            String vpc = w.aws.iam.roles.remove("dms-vpc-role");
            bad(w, "no IAM role dms-vpc-role", "run", "--config", c);
            w.aws.iam.roles.put("dms-vpc-role", vpc);
            w.aws.iam.deny = true;
            bad(w, "denied", "run", "--config", c);
            w.aws.iam.deny = false;
            // DMS's subnets must cover two Availability Zones, as DescribeDBSubnetGroups places them
            FakeRds.SubnetGroup group = w.aws.rds.subnetGroups.get(RunWorld.SUBNET_GROUP);
            String zoneB = group.zones.put("subnet-b", "us-east-1a");
            bad(w, "the DMS subnets subnet-a, subnet-b are all in us-east-1a", "run", "--config", c);
            group.zones.put("subnet-b", zoneB);
            Map<String, String> elsewhere = new LinkedHashMap<>(w.aws.cfn.stacks.get(RunWorld.STACK));
            elsewhere.put("PrivateSubnetId1", "subnet-zzz");
            w.aws.cfn.stacks.put("Elsewhere", elsewhere);
            bad(w, "cannot tell the Availability Zone of subnet subnet-zzz", "run", "--config", c, "--stack", "Elsewhere");
            // tags DMS would refuse
            Files.writeString(w.cwd.resolve("tags.yaml"), Files.readString(Path.of(c)).replace("  roleArn:", "  tags:\n    aws:owner: me\n  roleArn:"));
            bad(w, "dms.tags: tag key 'aws:owner' uses the prefix aws:", "run", "--config", "tags.yaml");

            // the run id
            Journal.open(w.workDir(), "rehearsal", "rehearse", Clock.systemUTC());
            CliRun.Result other = w.run("run", "--config", c, "--run-id", "rehearsal");
            assertEquals(ExitCode.USAGE, other.exitCode(), other.toString());
            assertTrue(other.err().contains("is a 'rehearse' run"), other.err());
            CliRun.Result first = w.run("run", "--config", c, "--run-id", "twice", "--stop-after", "preflight");
            assertEquals(ExitCode.OK, first.exitCode(), first.toString());
            CliRun.Result again = w.run("run", "--config", c, "--run-id", "twice", "--snapshot", "half");
            assertEquals(ExitCode.USAGE, again.exitCode(), again.toString());
            assertTrue(again.err().contains("restores snapshot arn:aws:rds:us-east-1:123456789012:cluster-snapshot:bedrockchat-final, not half"),
                    again.err());
            assertFalse(w.aws.faults.mutations().stream().anyMatch(m -> m.startsWith("Create") || m.startsWith("Restore")));
        }
    }

    @Test
    void noRegionOrNoCredentialsFailInSecondsWithoutAnyCall() throws Exception {
        Files.createDirectories(tmp);
        CliRun.Result noRegion = CliRun.run(Map.of("AWS_ACCESS_KEY_ID", "AKIDTEST", "AWS_SECRET_ACCESS_KEY", "x"), tmp,
                "run", "--snapshot", "s", "--run-id", "r1", "--dms-role-arn", RunWorld.ROLE_ARN);
        assertEquals(ExitCode.USAGE, noRegion.exitCode(), noRegion.toString());
        assertTrue(noRegion.err().contains("no AWS region"), noRegion.err());
        long t0 = System.nanoTime();
        CliRun.Result noCredentials = CliRun.run(Map.of("AWS_REGION", "us-east-1"), tmp,
                "run", "--snapshot", "s", "--run-id", "r2", "--dms-role-arn", RunWorld.ROLE_ARN);
        assertEquals(ExitCode.USAGE, noCredentials.exitCode(), noCredentials.toString());
        assertTrue(noCredentials.err().contains("no AWS credentials"), noCredentials.err());
        assertTrue(System.nanoTime() - t0 < 10_000_000_000L, "fails fast");
        assertFalse(Journal.exists(tmp.resolve(".pgvector-migrate"), "r2"), "no journal before the AWS clients exist");
    }
}
