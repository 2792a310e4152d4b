package io.pgvectormigrate.aws.contract;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the coverage execution judges from the recorder's files (AwsContractCoverage runs after the suite). */
class AwsContractCoverageRulesTest {
    @TempDir
    Path dir;

    private void recorded(String build, String requests, String violations) throws Exception {
        Files.writeString(dir.resolve(ContractRecorder.FILE), requests);
        Files.writeString(dir.resolve(ContractRecorder.VIOLATIONS_FILE), violations);
        Files.writeString(dir.resolve(ContractRecorder.BUILD_FILE), build);
    }

    /** A violation the tool's own code swallowed still fails the build, filtered run or not. */
    @Test
    void aRecordedViolationFailsEvenWhenTheAssertionErrorWasCaught() throws Exception {
        recorded("b1", "dms:DescribeDataMigrations\t3\n", "dms:DescribeDataMigrations: MaxRecords 0 is below the minimum 20\n");
        for (boolean filtered : new boolean[]{true, false}) {
            List<String> problems = AwsContractCoverage.problems(dir, "b1", filtered);
            assertTrue(problems.stream().anyMatch(p -> p.contains("broke the AWS service model") && p.contains("MaxRecords 0")),
                    problems.toString());
        }
    }

    @Test
    void filesOfAnEarlierBuildAreNotThisBuildsRequests() throws Exception {
        recorded("b0", "dms:DescribeDataMigrations\t3\n", "an old violation, fixed since\n");
        assertEquals(List.of(), AwsContractCoverage.problems(dir, "b1", true), "a filtered run that sent no AWS request");
        List<String> whole = AwsContractCoverage.problems(dir, "b1", false);
        assertEquals(1, whole.size(), whole.toString());
        assertTrue(whole.get(0).contains("written by this build"), whole.toString());
        Files.delete(dir.resolve(ContractRecorder.FILE));
        assertEquals(List.of(), AwsContractCoverage.problems(dir, "b1", true), "no file at all: a filtered run is fine");
    }

    /** Each test JVM overwrites the counts: two of one build mean the file holds only the last one's (forkCount above 1). */
    @Test
    void countsWrittenByMoreThanOneJvmOfTheBuildFail() throws Exception {
        recorded("b1", "dms:DescribeDataMigrations\t3\n", "");
        Files.writeString(dir.resolve(ContractRecorder.WRITERS_FILE), "b0\t11\nb0\t12\nb1\t13\n");
        assertEquals(List.of(), AwsContractCoverage.problems(dir, "b1", true), "one JVM of this build; an earlier build's do not count");
        Files.writeString(dir.resolve(ContractRecorder.WRITERS_FILE), "b1\t14\n", java.nio.file.StandardOpenOption.APPEND);
        List<String> problems = AwsContractCoverage.problems(dir, "b1", true);
        assertTrue(problems.stream().anyMatch(p -> p.contains("2 test JVMs of this build") && p.contains("forkCount")), problems.toString());
    }

    @Test
    void aWholeRunStillEnforcesCoverage() throws Exception {
        recorded("b1", "dms:DescribeDataMigrations\t3\n", "");
        List<String> problems = AwsContractCoverage.problems(dir, "b1", false);
        assertTrue(problems.stream().anyMatch(p -> p.contains("that no test exercised") && p.contains("rds:RestoreDBClusterFromSnapshot")),
                problems.toString());
        assertEquals(List.of(), AwsContractCoverage.problems(dir, "b1", true));
    }
}
