package io.pgvectormigrate.aws.contract;

import io.pgvectormigrate.aws.dms.IamPolicies;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Run by the second surefire execution (pom.xml, "aws-contract-coverage"), after the whole suite: reads what the suite
 * sent through the clients' seam ({@link ContractRecorder}) and fails when a request broke an AWS service model (read
 * from the recorder's file, so a violation counts even when the tool caught the AssertionError the recorder threw), when
 * an AWS operation the tool calls (the direct calls of the IAM catalogue, {@link IamPolicies#OPERATOR}) was never
 * exercised, or when the suite sent one the catalogue lacks. Writes the per-operation counts to {@code summary.md}. The
 * class name does not end in Test, so the first execution does not run it; a run filtered with {@code -Dtest} checks
 * the violations and reports the counts without enforcing coverage. Files of an earlier build are never read as this
 * build's ({@code contract.build}).
 */
class AwsContractCoverage {
    @Test
    void everyOperationTheToolCallsWasSentAndCheckedAgainstTheModels() throws Exception {
        String filter = System.getProperty("contract.testFilter", "");
        List<String> problems = problems(ContractRecorder.dir(), ContractRecorder.build(), !filter.isBlank() && !filter.startsWith("${"));
        assertEquals(List.of(), problems);
    }

    /**
     * What is wrong with the recorded requests in {@code dir}.
     *
     * @param build    this build's stamp: files another build wrote count as no requests at all
     * @param filtered a run filtered with -Dtest: coverage is not enforced (violations are)
     */
    static List<String> problems(Path dir, String build, boolean filtered) throws IOException {
        List<String> problems = new ArrayList<>();
        Path file = dir.resolve(ContractRecorder.FILE);
        Path stamp = dir.resolve(ContractRecorder.BUILD_FILE);
        boolean ours = Files.exists(file) && Files.exists(stamp) && Files.readString(stamp).equals(build);
        if (!ours) {
            if (!filtered) problems.add("no " + file + " written by this build: the test execution did not record any AWS request "
                    + "(is the recorder wired into FakeAws?)");
            return problems;
        }
        Path writers = dir.resolve(ContractRecorder.WRITERS_FILE);
        long jvms = !Files.exists(writers) ? 1 : Files.readAllLines(writers).stream().filter(l -> l.startsWith(build + "\t")).count();
        if (jvms > 1) {
            problems.add(jvms + " test JVMs of this build wrote " + file + ", each over the last, so it holds one JVM's requests: "
                    + "keep surefire's forkCount at 1 with reused forks (pom.xml)");
        }
        Path violations = dir.resolve(ContractRecorder.VIOLATIONS_FILE);
        if (Files.exists(violations)) {
            for (String v : Files.readAllLines(violations)) {
                if (!v.isBlank()) problems.add("a request broke the AWS service model: " + v);
            }
        }
        Map<String, Long> counts = new TreeMap<>();
        for (String line : Files.readAllLines(file)) {
            if (line.isBlank()) continue;
            String[] p = line.split("\t");
            counts.put(p[0], Long.parseLong(p[1]));
        }
        Set<String> catalogued = IamPolicies.OPERATOR.stream().filter(p -> p.operation() != null)
                .map(p -> p.service() + ":" + p.operation()).collect(Collectors.toCollection(TreeSet::new));
        Map<String, Long> table = new LinkedHashMap<>();
        catalogued.forEach(op -> table.put(op, counts.getOrDefault(op, 0L)));
        counts.forEach(table::putIfAbsent);

        StringBuilder md = new StringBuilder("| operation | requests checked against the model |\n| --- | ---: |\n");
        table.forEach((op, n) -> md.append("| ").append(op).append(catalogued.contains(op) ? "" : " (not in the IAM catalogue)")
                .append(" | ").append(n).append(" |\n"));
        Files.writeString(dir.resolve("summary.md"), md.toString());
        if (filtered) {
            System.out.println("AWS contract: a filtered run, coverage not enforced; counts in " + dir.resolve("summary.md"));
            return problems;
        }
        System.out.println("AWS requests per operation, each checked against aws-models/:\n" + md);
        List<String> never = table.entrySet().stream().filter(e -> e.getValue() == 0).map(Map.Entry::getKey).toList();
        if (!never.isEmpty()) {
            problems.add("AWS operations the tool calls that no test exercised (so no test checked them against the model): " + never);
        }
        Set<String> uncatalogued = new TreeSet<>(counts.keySet());
        uncatalogued.removeAll(catalogued);
        if (!uncatalogued.isEmpty()) {
            problems.add("operations the suite sent that the IAM catalogue (aws/dms/IamPolicies) lacks: " + uncatalogued);
        }
        return problems;
    }
}
