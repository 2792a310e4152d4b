package io.pgvectormigrate.architecture;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The rules of docs/architecture.md that the sources can be checked for. */
class ArchitectureTest {
    private static final Path MAIN = Path.of("src/main/java");
    private static final Path ROOT = MAIN.resolve("io/pgvectormigrate");

    @Test
    void packagesHaveNoCycles() {
        Map<String, Set<String>> graph = PackageGraph.of(MAIN);
        assertTrue(graph.size() > 10, "the graph was read: " + graph);
        assertEquals(List.of(), PackageGraph.cycles(graph), "package cycles in " + graph);
    }

    /** docs/architecture.md's "depends on" table is the graph of the code, row for row. */
    @Test
    void theDocumentedPackageTableIsTheCodesGraph() throws IOException {
        Map<String, Set<String>> graph = PackageGraph.of(MAIN);
        Map<String, Set<String>> documented = new java.util.TreeMap<>();
        Pattern row = Pattern.compile("^\\| ([a-z.]+) \\| ([^|]*) \\|$");
        boolean inTable = false;
        for (String line : Files.readAllLines(Path.of("docs/architecture.md"))) {
            if (line.equals("| package | depends on |")) {
                inTable = true;
            } else if (inTable && line.isBlank()) {
                break;
            } else if (inTable) {
                Matcher m = row.matcher(line);
                if (m.matches()) {
                    String deps = m.group(2).strip();
                    documented.put(m.group(1), deps.equals("nothing") ? Set.of()
                            : new java.util.TreeSet<>(List.of(deps.replaceAll("\\s*\\([^)]*\\)", "").split(",\\s*"))));
                }
            }
        }
        Map<String, Set<String>> code = new java.util.TreeMap<>();
        graph.forEach((pkg, deps) -> code.put(pkg, new java.util.TreeSet<>(deps)));
        assertEquals(code, documented, "docs/architecture.md's package table differs from the code's imports");
    }

    @Test
    void theLowerPackagesDoNotReachTheAssembly() {
        Map<String, Set<String>> graph = PackageGraph.of(MAIN);
        for (String low : List.of("core", "report", "pg", "pipeline", "verify", "prepare", "local", "replication", "aws", "aws.dms")) {
            for (String high : List.of("run", "cli")) {
                assertTrue(!graph.getOrDefault(low, Set.of()).contains(high), low + " depends on " + high + ": " + graph.get(low));
            }
        }
        assertTrue(!graph.get("pipeline").contains("prepare") && !graph.get("pipeline").contains("local"), graph.get("pipeline").toString());
        assertTrue(!graph.get("report").contains("pipeline"), graph.get("report").toString());
    }

    /** picocli is the command line's: the core takes plain settings records, which the cli mixins map the flags to. */
    @Test
    void picocliOnlyInCli() throws IOException {
        Pattern picocli = Pattern.compile("\\bpicocli\\.");
        List<String> offenders = new ArrayList<>();
        for (Path f : sources(ROOT)) {
            if (f.startsWith(ROOT.resolve("cli"))) continue;
            if (picocli.matcher(PackageGraph.stripComments(Files.readString(f))).find()) offenders.add(MAIN.relativize(f).toString());
        }
        assertTrue(sources(ROOT.resolve("cli")).size() > 10, "the cli sources were read");
        assertEquals(List.of(), offenders);
    }

    /** Engines are made in one place and used through CopyEngine only. */
    @Test
    void onlyTheFactoryNamesAConcreteEngine() throws IOException {
        Pattern concrete = Pattern.compile("\\b(NativeEngine|DmsEngine|JournalDmsEngine)\\b");
        List<String> offenders = new ArrayList<>();
        for (Path f : sources(ROOT.resolve("cli"), ROOT.resolve("run"), ROOT.resolve("pipeline"), ROOT.resolve("local"))) {
            if (f.endsWith("run/Engines.java")) continue;
            Matcher m = concrete.matcher(PackageGraph.stripComments(Files.readString(f)));
            if (m.find()) offenders.add(MAIN.relativize(f) + " names " + m.group(1));
        }
        assertEquals(List.of(), offenders);
    }

    /**
     * Catalog and replication SQL lives in pg: which tables there are and what they are made of (columns, keys,
     * constraints, indexes, types, sequences, schemas, extensions), and the slots, publications and subscriptions of
     * logical replication. Checked where SQL does it: a catalog relation read FROM or JOINed, a publication or
     * subscription created, altered or dropped by name, a slot dropped by a bind parameter or column. Messages that
     * tell an operator which view to look at, or what to run by hand, are not SQL the tool runs.
     */
    @Test
    void catalogAndReplicationSqlOnlyInPg() throws IOException {
        Pattern sql = Pattern.compile("(?i)\\b(?:FROM|JOIN)\\s+(?:pg_catalog\\.)?(pg_(?:class|attribute|attrdef|index|indexes"
                + "|constraint|inherits|depend|type|am|opclass|collation|namespace|extension|sequence|sequences|tables"
                + "|replication_slots|stat_replication|publication|publication_tables|publication_rel|subscription"
                + "|subscription_rel|stat_subscription|stat_subscription_stats)|information_schema)\\b"
                + "|\\b((?:CREATE|ALTER|DROP)\\s+(?:PUBLICATION|SUBSCRIPTION))\\s+(?:IF\\s+EXISTS\\s+)?\"\\s*\\+"
                + "|\\b(pg_(?:drop|create_logical)_replication_slot)\\s*\\(\\s*(?:\\?|slot_name)");
        // the modules outside pg that own a catalog query, and why; "file what"
        Map<String, String> owners = Map.of(
                "bench/Bench.java pg_extension", "the benchmark report's header names the pgvector version of the instances it"
                        + " started, a fact about the benchmark's own servers that no command asks",
                "bench/CopyFixture.java pg_indexes", "the benchmark's check that every method left the indexes its own"
                        + " fixture built, a count no command needs");
        List<String> offenders = new ArrayList<>();
        Set<String> used = new java.util.HashSet<>();
        for (Path f : sources(ROOT)) {
            String file = ROOT.relativize(f).toString().replace('\\', '/');
            if (file.startsWith("pg/")) continue;
            Matcher m = sql.matcher(PackageGraph.stripComments(Files.readString(f)));
            while (m.find()) {
                String what = m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : m.group(3);
                String key = file + " " + what.replaceAll("\\s+", " ");
                if (owners.containsKey(key)) {
                    used.add(key);
                } else {
                    offenders.add(key);
                }
            }
        }
        assertEquals(List.of(), offenders, "catalog or replication SQL outside pg: ask pg/Catalog, pg/TableDefinitions,"
                + " pg/Extensions, pg/ReplicationSlots, pg/Publications or pg/Subscriptions, or name the owner here with a reason");
        assertEquals(owners.keySet(), used, "an owner listed here no longer runs that query: take it off the list");
    }

    /** Commands are thin: none names another command (Main lists them), none is much over 120 lines (help text included). */
    @Test
    void commandsDoNotImportEachOtherAndStayThin() throws IOException {
        List<String> problems = new ArrayList<>();
        Pattern command = Pattern.compile("\\b([A-Z]\\w*Command)\\b");
        for (Path f : sources(ROOT.resolve("cli"))) {
            String name = f.getFileName().toString().replace(".java", "");
            if (!name.endsWith("Command") || name.equals("ToolCommand")) continue;
            String code = PackageGraph.stripComments(Files.readString(f));
            Matcher m = command.matcher(code);
            while (m.find()) {
                if (!m.group(1).equals(name) && !m.group(1).equals("ToolCommand")) problems.add(name + " names " + m.group(1));
            }
            long lines = Files.readAllLines(f).size();
            if (lines > 120) problems.add(name + " has " + lines + " lines");
        }
        assertEquals(List.of(), problems);
    }

    /**
     * --source and --target are declared once, by the ConnectionOptions mixin, whatever command takes them. rehearse is
     * the exception: its source is a local snapshot, and its --target replaces the local target instance.
     */
    @Test
    void theDatabasesAreOptionsOfOneMixin() throws IOException {
        Pattern own = Pattern.compile("names\\s*=\\s*\"--(source|target)\"");
        List<String> offenders = new ArrayList<>();
        for (Path f : sources(ROOT.resolve("cli"))) {
            if (f.endsWith("ConnectionOptions.java") || f.endsWith("RehearseCommand.java")) continue;
            Matcher m = own.matcher(Files.readString(f));
            if (m.find()) offenders.add(MAIN.relativize(f) + " declares --" + m.group(1));
        }
        assertEquals(List.of(), offenders);
    }

    private static List<Path> sources(Path... dirs) throws IOException {
        List<Path> out = new ArrayList<>();
        for (Path d : dirs) {
            try (Stream<Path> s = Files.walk(d)) {
                s.filter(p -> p.toString().endsWith(".java")).forEach(out::add);
            }
        }
        return out;
    }
}
