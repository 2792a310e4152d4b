package io.pgvectormigrate.aws;

import io.pgvectormigrate.core.ExitCode;
import io.pgvectormigrate.core.ToolException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** AWS's documented rules for the names, tags and descriptions the tool builds, checked before anything is created. */
class AwsConstraintsTest {
    @Test
    void everyNameOfARunMeetsAwsRulesEvenForTheLongestRunId() {
        assertEquals(List.of(), new RunNames("a".repeat(42)).problems());
        assertEquals(List.of(), new RunNames("r1").problems());
        assertEquals("pgvector-migrate/r1/temporary-source-credentials", new RunNames("r1").sourceSecret());
    }

    @Test
    void secretNamesEndingLikeTheArnSuffixAreRefused() {
        assertTrue(AwsConstraints.secretName("pgvector-migrate/r1/temporary-source").isPresent(), "-source is a hyphen and six characters");
        assertTrue(AwsConstraints.secretName("app-Ab12Cd").isPresent());
        assertTrue(AwsConstraints.secretName("with space").isPresent());
        assertTrue(AwsConstraints.secretName("pgvector-migrate/r1/captured").isEmpty());
        assertTrue(AwsConstraints.secretName("a-bcdefgh").isEmpty());
    }

    @Test
    void rdsAndDmsIdentifiers() {
        assertTrue(AwsConstraints.rdsIdentifier("cluster", "pgvm-x-source", 63).isEmpty());
        assertTrue(AwsConstraints.rdsIdentifier("cluster", "1pgvm", 63).isPresent());
        assertTrue(AwsConstraints.rdsIdentifier("cluster", "pgvm--x", 63).isPresent());
        assertTrue(AwsConstraints.rdsIdentifier("cluster", "pgvm-", 63).isPresent());
        assertTrue(AwsConstraints.rdsIdentifier("cluster", "p".repeat(64), 63).isPresent());
        assertTrue(AwsConstraints.dmsName("data migration", "pgvm-r1-dms").isEmpty());
        assertTrue(AwsConstraints.dmsName("data migration", "pgvm_r1").isPresent());
        assertTrue(AwsConstraints.dmsSubnetGroupId("default").isPresent());
        assertTrue(AwsConstraints.dmsSubnetGroupId("ops.dms_subnets-1").isEmpty());
        assertTrue(AwsConstraints.description("d", "line\nbreak").isPresent());
    }

    @Test
    void tagsFollowEachServicesRules() {
        assertTrue(AwsConstraints.tag(AwsConstraints.TagService.RDS, "pgvector-migrate:run-id", "r1").isEmpty());
        assertTrue(AwsConstraints.tag(AwsConstraints.TagService.RDS, "rds:owner", "x").isPresent());
        assertTrue(AwsConstraints.tag(AwsConstraints.TagService.DMS, "dms:owner", "x").isPresent());
        assertTrue(AwsConstraints.tag(AwsConstraints.TagService.DMS, "owner", "me@example.com").isPresent(), "DMS tags allow no @");
        assertTrue(AwsConstraints.tag(AwsConstraints.TagService.RDS, "owner", "me@example.com").isEmpty());
        assertTrue(AwsConstraints.tag(AwsConstraints.TagService.RDS, "empty", "").isPresent(), "RDS values are 1-256 characters");
        assertTrue(AwsConstraints.tag(AwsConstraints.TagService.SECRETS_MANAGER, "empty", "").isEmpty());
        assertTrue(AwsConstraints.tag(AwsConstraints.TagService.RDS, "k".repeat(129), "v").isPresent());
        ToolException e = assertThrows(ToolException.class, () -> AwsConstraints.require(
                AwsConstraints.tags(AwsConstraints.TagService.DMS, Map.of("aws:x", "1")), "fix dms.tags"));
        assertEquals(ExitCode.USAGE, e.exitCode());
        assertTrue(e.getMessage().contains("reserves") && e.getMessage().contains("nothing was created"), e.getMessage());
    }
}
