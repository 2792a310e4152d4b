package io.pgvectormigrate.aws;

import io.pgvectormigrate.run.MigrationConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The opt-in live test's settings still bind (it never runs in CI, so its script must not rot unnoticed). */
class LiveScriptTest {
    @TempDir
    Path tmp;

    @Test
    void theLiveTestsMigrationYamlBindsStrictly() throws Exception {
        Path f = tmp.resolve("migration.yaml");
        Files.writeString(f, AwsLiveIT.config("us-east-1", "snap", "BedrockChatStack", "public", "items",
                "arn:aws:iam::123456789012:role/pgvector-migrate-dms"));
        MigrationConfig c = MigrationConfig.read(f);
        assertEquals(2.0, c.temporaryCluster().maxAcu());
        assertEquals("full-load", c.dms().migrationType());
        assertTrue(Files.readString(Path.of("docs/aws.md")).contains("-Dtest=AwsLiveIT"), "docs/aws.md says how to run it");
    }
}
