package io.pgvectormigrate.architecture;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The package graph of the sources: an edge a -> b when a file of package a names a class of package b, by import
 * (static and wildcard included) or by a fully-qualified reference in the code. Packages are relative to
 * {@code io.pgvectormigrate}; {@code aws.dms} is a package of its own. Runs on its own too (one source file):
 * {@code java src/test/java/io/pgvectormigrate/architecture/PackageGraph.java src/main/java}.
 */
public final class PackageGraph {
    static final String ROOT = "io.pgvectormigrate.";
    private static final Pattern PACKAGE = Pattern.compile("^package\\s+([\\w.]+)\\s*;", Pattern.MULTILINE);
    /** A reference to a class (upper-case simple name) or a wildcard import below the root, in imports or code. */
    private static final Pattern REFERENCE = Pattern.compile("io\\.pgvectormigrate\\.((?:[a-z]\\w*\\.)*[a-z]\\w*)\\.(?:[A-Z]|\\*)");

    private PackageGraph() {}

    /** package -> packages it depends on (itself left out). */
    public static Map<String, Set<String>> of(Path sourceRoot) {
        Map<String, Set<String>> graph = new TreeMap<>();
        try (Stream<Path> files = Files.walk(sourceRoot)) {
            for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator) {
                String text = Files.readString(f);
                Matcher pm = PACKAGE.matcher(text);
                if (!pm.find() || !pm.group(1).startsWith(ROOT)) continue;
                String from = pm.group(1).substring(ROOT.length());
                Set<String> deps = graph.computeIfAbsent(from, k -> new TreeSet<>());
                Matcher m = REFERENCE.matcher(stripComments(text));
                while (m.find()) {
                    String to = m.group(1);
                    if (!to.equals(from)) deps.add(to);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return graph;
    }

    /** Javadoc and comments may name any class ({@link ...}); only code counts. */
    static String stripComments(String text) {
        return text.replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("(?m)//.*$", "");
    }

    /** Every cycle, as the packages of each strongly connected component with more than one member. */
    public static List<Set<String>> cycles(Map<String, Set<String>> graph) {
        List<Set<String>> out = new ArrayList<>();
        Set<String> done = new TreeSet<>();
        for (String a : graph.keySet()) {
            if (done.contains(a)) continue;
            Set<String> component = new TreeSet<>();
            for (String b : graph.keySet()) {
                if (reaches(graph, a, b) && reaches(graph, b, a)) component.add(b);
            }
            done.addAll(component);
            if (component.size() > 1) out.add(component);
        }
        return out;
    }

    static boolean reaches(Map<String, Set<String>> graph, String from, String to) {
        if (from.equals(to)) return true;
        Set<String> seen = new LinkedHashSet<>();
        List<String> todo = new ArrayList<>(List.of(from));
        while (!todo.isEmpty()) {
            String p = todo.remove(todo.size() - 1);
            for (String q : graph.getOrDefault(p, Set.of())) {
                if (q.equals(to)) return true;
                if (seen.add(q)) todo.add(q);
            }
        }
        return false;
    }

    public static void main(String[] args) {
        Map<String, Set<String>> g = of(Path.of(args.length > 0 ? args[0] : "src/main/java"));
        g.forEach((p, deps) -> System.out.println(p + " -> " + String.join(", ", deps)));
        List<Set<String>> cycles = cycles(g);
        System.out.println(cycles.isEmpty() ? "no cycles" : "cycles: " + cycles);
    }
}
