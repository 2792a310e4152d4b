package io.pgvectormigrate.cli;

import io.pgvectormigrate.aws.dms.IamPolicies;
import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pg.CredentialResolver.PasswordPrompt;
import io.pgvectormigrate.run.MigrationConfig;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The docs say only what the CLI does. From README.md, docs/*.md and docs/migration.example.yaml:
 * <ul>
 *   <li>every command line ({@code pgvector-migrate ...}, {@code bin/pgvector-migrate ...}, {@code scripts/rehearse ...}
 *       in a code block or a code span, continuation lines joined, placeholders filled with sample values) parses with
 *       the CLI's own command tree ({@link Main#commandLine}, parse only, nothing runs); a code span that starts with a
 *       command name ({@code cutover --abandon}) is a fragment: it parses too, but may leave out required options;</li>
 *   <li>every option a code span names ({@code --dir}) exists on a command that the same paragraph (list item, table
 *       row) names in a command line or fragment; else on the command of the last command line since the last heading;
 *       else on some command;</li>
 *   <li>every key of docs/migration.example.yaml, the commented-out ones too, and every migration.yaml key a code span
 *       names ({@code dms.roleArn}, {@code temporaryCluster.finalSnapshot: true}) is bound by the config loader
 *       ({@link MigrationConfig#parse}, strict).</li>
 * </ul>
 * Each failure names the file, the line and what does not match. Parsing cannot see what a command checks only when it
 * runs (cutover's native engine needs --source and --target; iam-policy needs a region from somewhere): those lines are
 * right because they were checked by hand, and stay right because their options are.
 */
class DocsMatchCliTest {

    private static final Pattern SPAN = Pattern.compile("`([^`]+)`");
    private static final Pattern OPTION = Pattern.compile("(?<![\\w-])--[a-z][a-z0-9-]*\\*?");
    private static final Pattern CONFIG_KEY = Pattern.compile("([a-z][A-Za-z0-9]*)((?:\\.(?:[a-z][A-Za-z0-9]*|\\*))+)(?::.*)?");
    private static final Pattern YAML_KEY = Pattern.compile("^(\\s*# )?(\\s*)([a-zA-Z][a-zA-Z0-9]*):(\\s.*)?$");
    private static final Pattern HEADING = Pattern.compile("^(#{1,6}) ");
    private static final Pattern LIST_ITEM = Pattern.compile("^\\s*([-*]|\\d+\\.) ");
    /** Options of other programs the docs name in code spans, with whose they are. */
    private static final Map<String, String> FOREIGN_OPTIONS = Map.of("--table-and-children", "pg_dump's");
    private static final List<String> PROGRAMS = List.of("bin/pgvector-migrate", "pgvector-migrate");

    /** Where a piece of text is, for the failure message. */
    record At(String file, int line) {
        @Override
        public String toString() {
            return file + ":" + line;
        }
    }

    /** A command line the docs show, tokens after the program name; fragment: a code span starting with a command. */
    record Shown(At at, String text, List<String> args, boolean fragment) {}

    private final CommandLine parser = freshCommandLine();
    private final CommandSpec root = parser.getCommandSpec();
    private final List<String> failures = new ArrayList<>();
    private int commandLines;
    private int optionMentions;
    private int configKeys;

    private static CommandLine freshCommandLine() {
        StringWriter sink = new StringWriter();
        CliContext ctx = new CliContext(new PrintWriter(sink), new PrintWriter(sink), Map.of(), Path.of("no-home"),
                Path.of("").toAbsolutePath(), PasswordPrompt.NONE, false);
        return Main.commandLine(ctx);
    }

    @Test
    void everyDocumentedCommandLineOptionAndKeyMatchesTheCli() throws IOException {
        for (Path doc : docs()) {
            String name = doc.toString().replace('\\', '/');
            List<String> lines = Files.readAllLines(doc);
            if (name.endsWith(".yaml")) yaml(name, lines);
            else markdown(name, lines);
        }
        // the extraction itself must keep finding what is there
        assertTrue(commandLines >= 50, "command lines found: " + commandLines);
        assertTrue(optionMentions >= 100, "options named in code spans: " + optionMentions);
        assertTrue(configKeys >= 80, "migration.yaml keys in the example and named in the docs: " + configKeys);
        assertTrue(failures.isEmpty(), failures.size() + " place(s) where the docs and the CLI disagree:\n  "
                + String.join("\n  ", failures));
    }

    /** The command lists of `--help` show each command's first description line: a whole sentence, never cut. */
    @Test
    void commandListsShowWholeSentences() {
        List<String> cut = new ArrayList<>();
        walk(root, spec -> spec.subcommands().values().forEach(sub -> {
            CommandSpec s = sub.getCommandSpec();
            if (s.userObject() instanceof CommandLine.HelpCommand) return;
            String[] shown = s.usageMessage().header().length > 0 ? s.usageMessage().header() : s.usageMessage().description();
            String first = shown.length == 0 ? "" : shown[0].strip();
            if (!first.endsWith(".")) cut.add(s.qualifiedName() + ": \"" + first + "\"");
        }));
        assertTrue(cut.isEmpty(), "the command list cuts these descriptions mid-sentence (make the first description "
                + "line a whole sentence):\n  " + String.join("\n  ", cut));
    }

    /** docs/iam.md's Sid tables name every statement of the operator's and the DMS role's permission policies. */
    @Test
    void iamDocNamesEveryStatement() throws IOException {
        String doc = Files.readString(Path.of("docs/iam.md"));
        IamPolicies.Target t = new IamPolicies.Target("eu-west-1", "123456789012", IamPolicies.DEFAULT_STACK,
                IamPolicies.DEFAULT_ROLE_NAME, null);
        List<String> missing = new ArrayList<>();
        for (var policy : List.of(IamPolicies.operatorPolicy(t), IamPolicies.dmsRolePolicy(t))) {
            policy.get("Statement").forEach(st -> {
                String sid = st.path("Sid").asText();
                if (!doc.contains("`" + sid + "`")) missing.add(sid);
            });
        }
        assertTrue(missing.isEmpty(), "docs/iam.md does not name these statements of `iam-policy`: " + missing);
    }

    // ------------------------------------------------------------------ reading the docs

    private static List<Path> docs() throws IOException {
        List<Path> out = new ArrayList<>();
        out.add(Path.of("README.md"));
        try (Stream<Path> s = Files.list(Path.of("docs"))) {
            s.filter(p -> p.toString().endsWith(".md") || p.toString().endsWith(".yaml")).sorted().forEach(out::add);
        }
        return out;
    }

    /**
     * migration.example.yaml: every key, the commented-out ones too ("#   jobs: 2" under "# native:"), is bound by the
     * loader; command lines in its comments ("#   pgvector-migrate run ...") parse; code spans as in the other docs.
     */
    private void yaml(String file, List<String> lines) {
        String context = null;
        List<String> path = new ArrayList<>(); // the keys above this line, by indentation
        List<Integer> indents = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            Matcher key = YAML_KEY.matcher(line);
            if (key.matches() && program(key.group(3)) == null) {
                int indent = (key.group(1) == null ? 0 : key.group(1).length() - 2) + key.group(2).length();
                while (!indents.isEmpty() && indents.get(indents.size() - 1) >= indent) {
                    indents.remove(indents.size() - 1);
                    path.remove(path.size() - 1);
                }
                indents.add(indent);
                path.add(key.group(3));
                bound(new At(file, i + 1), path, String.join(".", path));
            }
            int hash = line.indexOf('#');
            if (hash < 0) continue;
            String comment = line.substring(hash + 1);
            At at = new At(file, i + 1);
            String program = program(comment.strip());
            if (program != null && hash == 0 && comment.startsWith("  ")) {
                Shown s = shown(at, comment.strip(), false);
                if (s != null) context = check(s);
            } else {
                context = paragraph(file, lines, List.of(i), context); // the code spans of this comment
            }
        }
    }

    private void markdown(String file, List<String> lines) {
        String sectionCommand = null; // the command of the last command line in this section
        boolean fenced = false;
        boolean inCode = false; // an indented code block: 4 spaces, after a blank line or more code
        List<Integer> paragraph = new ArrayList<>();
        for (int i = 0; i <= lines.size(); i++) {
            String line = i < lines.size() ? lines.get(i) : "";
            boolean fence = line.strip().startsWith("```");
            boolean prevBlank = i == 0 || lines.get(i - 1).isBlank();
            inCode = !fence && (fenced || (line.startsWith("    ") && (prevBlank || inCode)));
            Matcher h = HEADING.matcher(line);
            boolean heading = !fenced && !inCode && h.find();
            boolean row = !fenced && !inCode && line.strip().startsWith("|"); // a table row is a paragraph of its own
            boolean item = !fenced && !inCode && LIST_ITEM.matcher(line).find(); // and so is a list item
            if (fence || inCode || line.isBlank() || heading || row || item) {
                sectionCommand = paragraph(file, lines, paragraph, sectionCommand);
                paragraph.clear();
            }
            if (fence) {
                fenced = !fenced;
            } else if (heading) {
                sectionCommand = null;
            } else if (inCode) {
                String text = line.strip();
                if (text.startsWith("$ ")) text = text.substring(2);
                int first = i;
                if (program(text) != null) {
                    while (text.endsWith("\\") && i + 1 < lines.size()) {
                        text = text.substring(0, text.length() - 1) + " " + lines.get(++i).strip();
                    }
                    Shown s = shown(new At(file, first + 1), text, false);
                    if (s != null) sectionCommand = check(s);
                } else if (!text.isEmpty() && !text.startsWith("#")) {
                    sectionCommand = null; // another program's command line: the section is not about one command any more
                }
            } else if (row) {
                sectionCommand = paragraph(file, lines, List.of(i), sectionCommand);
            } else if (!line.isBlank()) {
                paragraph.add(i);
            }
        }
    }

    /** A paragraph (or a table): its code spans, which may run over line ends. Returns the section's command after it. */
    private String paragraph(String file, List<String> lines, List<Integer> rows, String sectionCommand) {
        if (rows.isEmpty()) return sectionCommand;
        StringBuilder text = new StringBuilder();
        List<Integer> starts = new ArrayList<>();
        for (int r : rows) {
            starts.add(text.length());
            text.append(lines.get(r)).append('\n');
        }
        // first pass: the command lines and commands the paragraph names (the context of its options)
        List<String> named = new ArrayList<>();
        List<String> bare = new ArrayList<>();
        String last = sectionCommand;
        Matcher m = SPAN.matcher(text);
        while (m.find()) {
            At at = new At(file, rows.get(lineOf(starts, m.start())) + 1);
            String span = m.group(1).replace("\\|", "|").replace('\n', ' ').strip();
            String command = commandOf(span);
            if (command != null && !span.contains(" ")) bare.add(command);
            if (program(span) != null || (command != null && span.contains(" "))) {
                if (command != null) named.add(command);
                Shown s = shown(at, span, program(span) == null);
                if (s != null) {
                    String c = check(s);
                    if (program(span) != null) last = c;
                }
            }
        }
        // a bare command name ("as `run` does") is context only beside a command line that names options
        if (!named.isEmpty()) named.addAll(bare);
        m.reset();
        while (m.find()) {
            At at = new At(file, rows.get(lineOf(starts, m.start())) + 1);
            String span = m.group(1).replace("\\|", "|").replace('\n', ' ').strip();
            if (program(span) != null || commandOf(span) != null) continue;
            spans(at, "`" + span + "`", sectionCommand, named);
        }
        return last;
    }

    private static int lineOf(List<Integer> starts, int offset) {
        int i = 0;
        while (i + 1 < starts.size() && starts.get(i + 1) <= offset) i++;
        return i;
    }

    /** Code spans naming options or migration.yaml keys (not command lines). */
    private void spans(At at, String text, String sectionCommand, List<String> named) {
        Matcher m = SPAN.matcher(text);
        while (m.find()) {
            String span = m.group(1).strip();
            if (span.startsWith("--")) {
                Matcher o = OPTION.matcher(span);
                while (o.find()) option(at, o.group(), sectionCommand, named);
            } else {
                configKey(at, span);
            }
        }
    }

    // ------------------------------------------------------------------ command lines

    /** The program a text starts with (pgvector-migrate, bin/pgvector-migrate, scripts/rehearse), or null. */
    private static String program(String text) {
        for (String p : PROGRAMS) if (text.equals(p) || text.startsWith(p + " ")) return p;
        if (text.equals("scripts/rehearse") || text.startsWith("scripts/rehearse ")) return "scripts/rehearse";
        return null;
    }

    /** The command a code span starts with ("cutover", "benchmark copy"), or null. */
    private String commandOf(String span) {
        String[] words = span.split("\\s+");
        CommandSpec spec = root;
        String name = null;
        for (String w : words) {
            CommandLine sub = spec.subcommands().get(w);
            if (sub == null) break;
            spec = sub.getCommandSpec();
            name = name == null ? w : name + " " + w;
        }
        return name;
    }

    private Shown shown(At at, String text, boolean fragment) {
        String program = program(text);
        String rest = program == null ? text : text.substring(program.length()).strip();
        // "bin/pgvector-migrate <command>", "`pgvector-migrate`": the launcher or the tool, not a command line
        if (program != null && PROGRAMS.contains(program) && (rest.isEmpty() || rest.startsWith("<command>"))) return null;
        List<String> args = new ArrayList<>();
        if ("scripts/rehearse".equals(program)) args.add("rehearse");
        args.addAll(tokens(fill(rest)));
        return new Shown(at, text, args, fragment);
    }

    /** Parses the command line; returns the command it names, for the options mentioned after it. */
    private String check(Shown s) {
        commandLines++;
        List<String> args = new ArrayList<>();
        CommandSpec spec = root;
        String command = null;
        for (String a : s.args()) {
            CommandLine sub = spec.subcommands().get(a);
            if (sub != null && args.stream().noneMatch(x -> x.startsWith("-"))) {
                spec = sub.getCommandSpec();
                command = command == null ? a : command + " " + a;
                args.add(a);
            } else if (a.equals("...")) {
                // an elided value after an option that takes one, else elided options
                OptionSpec prev = args.isEmpty() ? null : spec.findOption(args.get(args.size() - 1));
                if (prev != null && prev.arity().max() > 0) args.add("sample");
            } else {
                args.add(a);
            }
        }
        try {
            parser.parseArgs(args.toArray(String[]::new)); // picocli resets every option before each parse
        } catch (CommandLine.MissingParameterException e) {
            boolean namedMissing = e.getMissing().stream().anyMatch(missing -> missing instanceof OptionSpec o
                    && List.of(o.names()).stream().anyMatch(args::contains));
            // a fragment may name an option without its value ("`run --run-id`"), but not leave out a value it shows
            boolean lastWithoutValue = e.getMissing().size() == 1 && e.getMissing().get(0) instanceof OptionSpec o
                    && List.of(o.names()).contains(args.get(args.size() - 1));
            if (!s.fragment() || (namedMissing && !lastWithoutValue)) fail(s, e.getMessage());
        } catch (CommandLine.ParameterException e) {
            fail(s, e.getMessage());
        }
        return command;
    }

    private void fail(Shown s, String why) {
        failures.add(s.at() + ": `" + s.text() + "` does not parse" + (s.fragment() ? " (a fragment: required options may be "
                + "left out)" : "") + ": " + why + "   [parsed as: " + String.join(" ", s.args()) + "]");
    }

    /** Sample values for the placeholders the docs use. */
    private static String fill(String text) {
        Map<String, String> samples = new LinkedHashMap<>();
        samples.put("(?i)<[^>]*conn[^>]*>", "postgresql://postgres@localhost:5432/postgres");
        samples.put("(?i)<[^>]*region[^>]*>", "eu-west-1");
        samples.put("(?i)<[^>]*account[^>]*>", "123456789012");
        samples.put("(?i)<[^>]*\\bid>", "bedrock-v1");
        samples.put("<[^>]*>", "sample");
        samples.put("\"?\\$\\{?(SRC|SOURCE|TGT|TARGET)\\}?\"?", "postgresql://postgres@localhost:5432/postgres");
        samples.put("\\$\\{?RUN\\}?", "bedrock-v1");
        samples.put("\\$\\{?R(EGION)?\\}?\\b", "eu-west-1");
        samples.put("\\$\\{?[A-Z_]+\\}?", "sample");
        String out = text;
        for (Map.Entry<String, String> e : samples.entrySet()) out = out.replaceAll(e.getKey(), e.getValue());
        return out;
    }

    /** Shell-like words up to the end of the command (a pipe, a redirect, a comment, a parenthesised remark). */
    private static List<String> tokens(String text) {
        List<String> out = new ArrayList<>();
        StringBuilder word = null;
        char quote = 0;
        int depth = 0; // inside [optional] brackets
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quote != 0) {
                if (c == quote) quote = 0;
                else word.append(c);
                continue;
            }
            if (c == '"' || c == '\'') {
                quote = c;
                if (word == null) word = new StringBuilder();
                continue;
            }
            if (Character.isWhitespace(c)) {
                if (word != null) out.add(word.toString());
                word = null;
                continue;
            }
            if (word == null) {
                if (c == '[') {
                    depth++;
                    continue;
                }
                if (c == '|' && depth > 0) continue; // [--a X | --b Y]: both alternatives parse
                if (c == '|' || c == '>' || c == '#' || c == '(' || c == ';' || c == '&') break;
            }
            if (c == ']' && depth > 0) {
                depth--;
                continue;
            }
            if (word == null) word = new StringBuilder();
            word.append(c);
        }
        if (word != null) out.add(word.toString());
        // typed placeholders; alternatives written a|b take the first
        List<String> filled = new ArrayList<>();
        for (String w : out) {
            filled.add(switch (w) {
                case "N" -> "2";
                case "BYTES" -> "16MB";
                case "DURATION" -> "30m";
                case "ACU" -> "2";
                case "STEP" -> "restore";
                default -> !w.startsWith("-") && w.matches("[a-z-]+(\\|[a-z-]+)+") ? w.substring(0, w.indexOf('|')) : w;
            });
        }
        return filled;
    }

    // ------------------------------------------------------------------ options named in the prose

    private void option(At at, String name, String sectionCommand, List<String> named) {
        optionMentions++;
        if (FOREIGN_OPTIONS.containsKey(name)) return;
        if (!named.isEmpty()) {
            if (named.stream().noneMatch(c -> has(command(c), name))) {
                failures.add(at + ": `" + name + "` is not an option of " + String.join(" or ", new LinkedHashSet<>(named))
                        + " (the command(s) this paragraph names)");
            }
            return;
        }
        if (sectionCommand != null) {
            if (!has(command(sectionCommand), name)) {
                failures.add(at + ": `" + name + "` is not an option of " + sectionCommand
                        + " (the command of this section's last command line)");
            }
            return;
        }
        List<CommandSpec> everywhere = new ArrayList<>();
        walk(root, everywhere::add);
        if (everywhere.stream().noneMatch(spec -> has(spec, name))) failures.add(at + ": `" + name + "` is not an option of any command");
    }

    private CommandSpec command(String qualified) {
        CommandSpec spec = root;
        for (String w : qualified.split(" ")) spec = spec.subcommands().get(w).getCommandSpec();
        return spec;
    }

    /** `--dms-*`: some option with that prefix. */
    private static boolean has(CommandSpec spec, String option) {
        if (!option.endsWith("*")) return spec.findOption(option) != null;
        String prefix = option.substring(0, option.length() - 1);
        return spec.options().stream().anyMatch(o -> List.of(o.names()).stream().anyMatch(n -> n.startsWith(prefix)));
    }

    private static void walk(CommandSpec spec, java.util.function.Consumer<CommandSpec> visit) {
        visit.accept(spec);
        for (CommandLine sub : spec.subcommands().values()) {
            if (sub.getCommandSpec() != spec) walk(sub.getCommandSpec(), visit);
        }
    }

    // ------------------------------------------------------------------ migration.yaml keys named in the prose

    private static final Set<String> TOP_LEVEL_KEYS = topLevelKeys();

    private static Set<String> topLevelKeys() {
        Set<String> out = new LinkedHashSet<>();
        for (var c : MigrationConfig.class.getRecordComponents()) {
            var p = c.getAccessor().getAnnotation(com.fasterxml.jackson.annotation.JsonProperty.class);
            var f = c.getAnnotation(com.fasterxml.jackson.annotation.JsonProperty.class);
            out.add(f != null ? f.value() : p != null ? p.value() : c.getName());
        }
        return out;
    }

    /** `dms.roleArn`, `temporaryCluster.finalSnapshot: true`, `tunnel.*`: bound by MigrationConfig, strictly. */
    private void configKey(At at, String span) {
        Matcher m = CONFIG_KEY.matcher(span);
        if (!m.matches() || !TOP_LEVEL_KEYS.contains(m.group(1))) return;
        if (span.matches(".*\\.(md|yaml|json|java|sql|com)\\b.*")) return; // a file or a host name, not a key
        List<String> path = new ArrayList<>(List.of(m.group(1)));
        for (String seg : m.group(2).substring(1).split("\\.")) {
            if (seg.equals("*")) break;
            path.add(seg);
        }
        bound(at, path, span);
    }

    /** The loader binds this key path: strict parsing of just that key reports no unknown key. */
    private void bound(At at, List<String> path, String shown) {
        StringBuilder yaml = new StringBuilder();
        for (int i = 0; i < path.size(); i++) {
            yaml.append("  ".repeat(i)).append(path.get(i)).append(i == path.size() - 1 ? ": ~\n" : ":\n");
        }
        try {
            MigrationConfig.parse(yaml.toString(), "docs");
        } catch (ToolException e) {
            if (e.getMessage().contains("unknown key")) {
                failures.add(at + ": `" + shown + "` is not a migration.yaml key: " + e.getMessage());
            } else if (path.size() > 1 && e.getMessage().contains("cannot read '" + path.get(0) + "'")) {
                return; // a key with a plain value has no sub-keys: `engine.migrate` names a method, not a key
            }
        }
        configKeys++;
    }
}
