package io.pgvectormigrate.aws;

import io.pgvectormigrate.aws.fake.FakeAws;
import io.pgvectormigrate.aws.fake.FakeRds;
import io.pgvectormigrate.cli.CliContext;
import io.pgvectormigrate.cli.Main;
import io.pgvectormigrate.pg.CredentialResolver.PasswordPrompt;
import io.pgvectormigrate.pipeline.Journal;
import io.pgvectormigrate.testing.CliRun;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * A Bedrock Chat account after the v1 deploy, in fakes: the old cluster (replaced), its final snapshot, the new
 * cluster made by the stack, the stack's outputs and secrets. Commands run in-process through the CLI.
 */
final class World {
    static final String REGION = "us-east-1";
    /** The old master password: a known string that must never show up in output, logs or journals. */
    static final String OLD_PASSWORD = "Old-Passw0rd-KNOWN-4711xyz";
    static final String SNAPSHOT = "bedrockchat-final";
    static final String KMS_KEY = "arn:aws:kms:us-east-1:123456789012:key/old-key";
    static final String TARGET = "bedrockchat-new";
    static final String OLD_CLUSTER = "bedrockchat-old";
    static final String STACK = "BedrockChatStack";
    static final String SUBNET_GROUP = "bedrockchat-subnets";

    final FakeAws aws = new FakeAws(REGION);
    final Path cwd;
    final String oldSecretArn;
    final String stackSecretArn;

    World(Path cwd) {
        this.cwd = cwd;
        FakeRds rds = aws.rds;
        rds.addSubnetGroup(SUBNET_GROUP, "vpc-0abc", List.of("subnet-a", "subnet-b"));
        rds.addSubnetGroup("old-subnets", "vpc-0abc", List.of("subnet-a", "subnet-b"));
        FakeRds.Cluster target = rds.addCluster(TARGET, "15.5", SUBNET_GROUP, List.of("sg-target"));
        target.masterPassword = "New-Target-Password-123";
        FakeRds.Cluster old = rds.addCluster(OLD_CLUSTER, "15.3", "old-subnets", List.of("sg-old"));
        old.masterPassword = OLD_PASSWORD;
        old.kmsKeyId = null;
        FakeRds.Snapshot snap = rds.addSnapshot(SNAPSHOT, "aurora-postgresql", "15.3", "available", KMS_KEY, OLD_PASSWORD);
        snap.cluster = OLD_CLUSTER;
        oldSecretArn = aws.secrets.add("BedrockChatStackOldDbSecret", "{\"engine\":\"postgres\",\"host\":\"" + old.endpoint
                + "\",\"port\":5432,\"username\":\"postgres\",\"password\":\"" + OLD_PASSWORD
                + "\",\"dbname\":\"postgres\",\"dbClusterIdentifier\":\"" + OLD_CLUSTER + "\"}").arn;
        stackSecretArn = aws.secrets.add("BedrockChatStackNewDbSecret", "{\"engine\":\"postgres\",\"host\":\"" + target.endpoint
                + "\",\"port\":5432,\"username\":\"postgres\",\"password\":\"New-Target-Password-123\",\"dbname\":\"postgres\"}").arn;
        // CloudFormation tags what it creates with the stack's name; the old secret was the stack's before the deploy
        aws.secrets.secrets.get("BedrockChatStackNewDbSecret").tags.put("aws:cloudformation:stack-name", STACK);
        aws.secrets.secrets.get("BedrockChatStackOldDbSecret").tags.put("aws:cloudformation:stack-name", "BedrockChatStackBeforeDeploy");
        Map<String, String> outputs = new LinkedHashMap<>();
        outputs.put("DbConfigSecretArn", stackSecretArn);
        outputs.put("DbConfigHostname", target.endpoint);
        outputs.put("DbConfigPort", "5432");
        outputs.put("DbSecurityGroupId", "sg-target");
        outputs.put("PrivateSubnetId0", "subnet-a");
        outputs.put("PrivateSubnetId1", "subnet-b");
        outputs.put("PublicSubnetId0", "subnet-c");
        outputs.put("VpcId", "vpc-0abc");
        outputs.put("ConversationTableName", "BedrockChatStack-Conversation");
        aws.cfn.stacks.put(STACK, outputs);
        Map<String, String> oldOutputs = new LinkedHashMap<>(outputs);
        oldOutputs.put("DbConfigSecretArn", oldSecretArn);
        oldOutputs.put("DbConfigHostname", old.endpoint);
        aws.cfn.stacks.put("BedrockChatStackBeforeDeploy", oldOutputs);
    }

    /** Runs the CLI with the fakes behind the AWS seam and no terminal. */
    CliRun.Result run(String... args) {
        return run(PasswordPrompt.NONE, args);
    }

    CliRun.Result run(PasswordPrompt prompt, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Map<String, String> env = Map.of("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"),
                "AWS_EC2_METADATA_DISABLED", "true");
        CliContext ctx = new CliContext(new PrintWriter(out, true), new PrintWriter(err, true), env, cwd.resolve("no-home"), cwd,
                prompt, false, aws.factory());
        int code = Main.run(ctx, args);
        return new CliRun.Result(code, out.toString(), err.toString());
    }

    Journal journal(String runId) {
        return Journal.load(cwd.resolve(".pgvector-migrate"), runId, Clock.systemUTC());
    }

    Path journalFile(String runId) {
        return Journal.runDir(cwd.resolve(".pgvector-migrate"), runId).resolve(Journal.FILE_NAME);
    }

    /** Neither the command's streams nor any file under the work dir contains any of the secrets. */
    void assertNoLeak(CliRun.Result r, String... secrets) throws IOException {
        for (String s : secrets) {
            assertFalse(r.out().contains(s), "stdout shows a secret:\n" + r);
            assertFalse(r.err().contains(s), "stderr shows a secret:\n" + r);
            Path work = cwd.resolve(".pgvector-migrate");
            if (Files.exists(work)) {
                try (var files = Files.walk(work)) {
                    for (Path f : files.filter(Files::isRegularFile).toList()) {
                        assertFalse(Files.readString(f).contains(s), f + " holds a secret");
                    }
                }
            }
        }
    }

    /** The generated password the tool stored for a run (read from the fake, as DMS would). */
    String storedSourcePassword(String runId) {
        var s = aws.secrets.secrets.get("pgvector-migrate/" + runId + "/temporary-source-credentials");
        return s == null ? null : DbSecret.parse("test", s.value).password();
    }
}
