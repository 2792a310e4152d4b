package io.pgvectormigrate.aws.contract;

import io.pgvectormigrate.aws.dms.IamPolicies;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Run by the second surefire execution (pom.xml, "aws-contract-coverage"), after the whole suite: reads the requests
 * the suite sent through the clients' seam ({@link ContractRecorder}) and fails when an AWS operation the tool calls
 * (the direct calls of the IAM catalogue, {@link IamPolicies#OPERATOR}) was never exercised, or when the suite sent one
 * the catalogue lacks. Writes the per-operation counts to {@code summary.md}. The class name does not end in Test, so
 * the first execution does not run it; a run filtered with {@code -Dtest} reports the counts without failing.
 */
class AwsContractCoverage {
    @Test
    void everyOperationTheToolCallsWasSentAndCheckedAgainstTheModels() throws Exception {
        Path file = ContractRecorder.dir().resolve(ContractRecorder.FILE);
        assertTrue(Files.exists(file), "no " + file + ": the test execution did not record any AWS request (is the recorder wired into FakeAws?)");
        Map<String, Long> counts = new TreeMap<>();
        for (String line : Files.readAllLines(file)) {
            if (line.isBlank()) continue;
            String[] p = line.split("\t");
            counts.put(p[0], Long.parseLong(p[1]));
        }
        Set<String> catalogued = IamPolicies.OPERATOR.stream().filter(IamPolicies.Permission::directCall)
                .map(p -> p.service() + ":" + p.operation()).collect(Collectors.toCollection(TreeSet::new));
        Map<String, Long> table = new LinkedHashMap<>();
        catalogued.forEach(op -> table.put(op, counts.getOrDefault(op, 0L)));
        counts.forEach(table::putIfAbsent);

        StringBuilder md = new StringBuilder("| operation | requests checked against the model |\n| --- | ---: |\n");
        table.forEach((op, n) -> md.append("| ").append(op).append(catalogued.contains(op) ? "" : " (not in the IAM catalogue)")
                .append(" | ").append(n).append(" |\n"));
        Files.writeString(ContractRecorder.dir().resolve("summary.md"), md.toString());
        String filter = System.getProperty("contract.testFilter", "");
        if (!filter.isBlank() && !filter.startsWith("${")) {
            System.out.println("AWS contract: a filtered run (-Dtest=" + filter + "), coverage not enforced; counts in "
                    + ContractRecorder.dir().resolve("summary.md"));
            return;
        }
        System.out.println("AWS requests per operation, each checked against aws-models/:\n" + md);
        List<String> never = table.entrySet().stream().filter(e -> e.getValue() == 0).map(Map.Entry::getKey).toList();
        assertEquals(List.of(), never, "AWS operations the tool calls that no test exercised (so no test checked them against the model)");
        Set<String> uncatalogued = new TreeSet<>(counts.keySet());
        uncatalogued.removeAll(catalogued);
        assertEquals(Set.of(), uncatalogued, "operations the suite sent that the IAM catalogue (aws/dms/IamPolicies) lacks");
    }
}
