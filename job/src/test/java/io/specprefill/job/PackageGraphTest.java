package io.specprefill.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The package graph of the main sources of udf, cuda and job has no cycles, and the modules keep
 * their one direction ({@code job -> udf <- cuda}). An edge is any reference to another project
 * package in code (imports, static imports, fully qualified names); comments and strings do not count.
 */
class PackageGraphTest {
    private static final List<Path> SOURCES = List.of(Path.of("..", "udf", "src", "main", "java"),
            Path.of("..", "cuda", "src", "main", "java"), Path.of("src", "main", "java"));
    private static final Pattern PACKAGE = Pattern.compile("^package\\s+([\\w.]+)\\s*;", Pattern.MULTILINE);
    /** A project package followed by a type (capitalized) or a wildcard import. */
    private static final Pattern REFERENCE = Pattern.compile("\\b(io\\.specprefill(?:\\.[a-z]\\w*)*)\\.(?:[A-Z]|\\*)");

    @Test
    void noPackageCycles() {
        Map<String, Set<String>> graph = graph();
        assertTrue(graph.size() > 10, "read too few packages: " + graph.keySet());
        List<List<String>> cycles = cycles(graph);
        assertEquals(List.of(), cycles, "package cycles (each listed as its strongly connected packages)");
    }

    @Test
    void modulesDependOneWay() {
        graph().forEach((from, targets) -> {
            for (String to : targets) {
                boolean udf = from.startsWith("io.specprefill.udf");
                boolean cuda = from.startsWith("io.specprefill.cuda");
                assertTrue(!udf || to.startsWith("io.specprefill.udf"), from + " (udf) must not use " + to);
                assertTrue(!cuda || !to.startsWith("io.specprefill.job"), from + " (cuda) must not use " + to);
            }
        });
    }

    @Test
    void findsACycleWhenThereIsOne() {
        Map<String, Set<String>> g = new TreeMap<>(Map.of("a", Set.of("b"), "b", Set.of("c"), "c", Set.of("a"),
                "d", Set.of("a")));
        assertEquals(List.of(List.of("a", "b", "c")), cycles(g));
    }

    /** Package -> the other project packages its classes refer to. */
    static Map<String, Set<String>> graph() {
        Map<String, Set<String>> graph = new TreeMap<>();
        for (Path root : SOURCES) {
            if (!Files.isDirectory(root)) continue;
            try (Stream<Path> files = Files.walk(root)) {
                files.filter(f -> f.toString().endsWith(".java")).forEach(f -> add(graph, read(f)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return graph;
    }

    private static void add(Map<String, Set<String>> graph, String source) {
        Matcher p = PACKAGE.matcher(source);
        if (!p.find()) return;
        String pkg = p.group(1);
        Set<String> targets = graph.computeIfAbsent(pkg, k -> new TreeSet<>());
        Matcher m = REFERENCE.matcher(withoutCommentsAndStrings(source));
        while (m.find()) {
            String to = m.group(1);
            if (!to.equals(pkg)) targets.add(to);
        }
    }

    /** Drops comments, string and char literals, keeping the code's shape. */
    static String withoutCommentsAndStrings(String s) {
        StringBuilder out = new StringBuilder(s.length());
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '/' && i + 1 < s.length() && s.charAt(i + 1) == '/') {
                while (i < s.length() && s.charAt(i) != '\n') i++;
            } else if (c == '/' && i + 1 < s.length() && s.charAt(i + 1) == '*') {
                int end = s.indexOf("*/", i + 2);
                i = end < 0 ? s.length() : end + 2;
                out.append(' ');
            } else if (c == '"' || c == '\'') {
                boolean block = c == '"' && s.startsWith("\"\"\"", i);
                String close = block ? "\"\"\"" : String.valueOf(c);
                i += close.length();
                while (i < s.length() && !s.startsWith(close, i)) i += s.charAt(i) == '\\' ? 2 : 1;
                i += close.length();
                out.append("\"\"");
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    /** The strongly connected components with more than one package (Tarjan), each sorted. */
    static List<List<String>> cycles(Map<String, Set<String>> graph) {
        Tarjan t = new Tarjan(graph);
        graph.keySet().forEach(v -> {
            if (!t.index.containsKey(v)) t.visit(v);
        });
        return t.components;
    }

    private static final class Tarjan {
        final Map<String, Set<String>> graph;
        final Map<String, Integer> index = new TreeMap<>();
        final Map<String, Integer> low = new TreeMap<>();
        final List<String> stack = new ArrayList<>();
        final List<List<String>> components = new ArrayList<>();

        Tarjan(Map<String, Set<String>> graph) {
            this.graph = graph;
        }

        void visit(String v) {
            index.put(v, index.size());
            low.put(v, index.get(v));
            stack.add(v);
            for (String w : graph.getOrDefault(v, Set.of())) {
                if (!index.containsKey(w)) {
                    visit(w);
                    low.put(v, Math.min(low.get(v), low.get(w)));
                } else if (stack.contains(w)) {
                    low.put(v, Math.min(low.get(v), index.get(w)));
                }
            }
            if (low.get(v).equals(index.get(v))) {
                List<String> component = new ArrayList<>();
                String w;
                do {
                    w = stack.remove(stack.size() - 1);
                    component.add(w);
                } while (!w.equals(v));
                if (component.size() > 1) components.add(component.stream().sorted().toList());
            }
        }
    }

    private static String read(Path f) {
        try {
            return Files.readString(f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
