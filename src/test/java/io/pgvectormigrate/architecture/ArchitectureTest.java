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
