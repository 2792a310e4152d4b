package io.pgvectormigrate.aws.dms;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * FakeDms's reading of a data migration's {@code SelectionRules}, written from the DMS user guide and sharing no code
 * with the tool (which writes the rules): "Selection rules for homogeneous data migrations" says the only rule-action is
 * {@code include} and the only wildcard is {@code %} (zero or more characters; so {@code _} and {@code [..]}, wildcards
 * of full-load tasks, are plain characters here); "Selection rules and actions" says a rule's rule-id is a unique number and
 * its rule-name unique, an object-locator with a schema-name and a table-name, and that selection rules are
 * case sensitive (PostgreSQL keeps identifiers as stored, so "Items" and "items" are two tables). A table is selected
 * when any rule includes it.
 */
final class GuideSelectionRules {
    /** One include rule: its schema and table patterns. */
    record Include(Pattern schema, Pattern table) {
        boolean selects(String schemaName, String tableName) {
            return schema.matcher(schemaName).matches() && table.matcher(tableName).matches();
        }
    }

    private final List<Include> includes;

    private GuideSelectionRules(List<Include> includes) {
        this.includes = includes;
    }

    /** Reads the JSON as DMS would; refuses (IllegalArgumentException, DMS's InvalidParameterValue) what the guide does not allow. */
    static GuideSelectionRules read(String json) {
        if (json == null) throw new IllegalArgumentException("no SelectionRules");
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(json);
        } catch (Exception e) {
            throw new IllegalArgumentException("SelectionRules is not valid JSON");
        }
        JsonNode rules = root == null ? null : root.get("rules");
        if (rules == null || !rules.isArray() || rules.isEmpty()) throw new IllegalArgumentException("SelectionRules needs a non-empty rules array");
        List<Include> out = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        Set<String> names = new HashSet<>();
        for (JsonNode r : rules) {
            String type = r.path("rule-type").asText("");
            if (!type.equals("selection")) throw new IllegalArgumentException("rule-type '" + type + "' is not supported for homogeneous data migrations");
            // the guide's examples give both; the console makes them up when the operator does not
            if (r.has("rule-id")) {
                String id = r.get("rule-id").asText("");
                if (!id.matches("[0-9]+") || !ids.add(id)) throw new IllegalArgumentException("rule-id '" + id + "' must be a unique number");
            }
            if (r.has("rule-name")) {
                String name = r.get("rule-name").asText("");
                if (name.isEmpty() || !names.add(name)) throw new IllegalArgumentException("rule-name '" + name + "' must be unique");
            }
            String action = r.path("rule-action").asText("");
            if (!action.equals("include")) throw new IllegalArgumentException("rule-action '" + action + "' is not supported: only include");
            JsonNode locator = r.path("object-locator");
            String schema = locator.path("schema-name").asText("");
            String table = locator.path("table-name").asText("");
            if (schema.isEmpty() || table.isEmpty()) throw new IllegalArgumentException("object-locator needs schema-name and table-name");
            out.add(new Include(percentOnly(schema), percentOnly(table)));
        }
        return new GuideSelectionRules(List.copyOf(out));
    }

    /** {@code %} is zero or more characters; every other character stands for itself, in its case. */
    private static Pattern percentOnly(String pattern) {
        StringBuilder re = new StringBuilder();
        int start = 0;
        for (int i = pattern.indexOf('%'); i >= 0; i = pattern.indexOf('%', start)) {
            re.append(Pattern.quote(pattern.substring(start, i))).append(".*");
            start = i + 1;
        }
        re.append(Pattern.quote(pattern.substring(start)));
        return Pattern.compile(re.toString(), Pattern.DOTALL);
    }

    /** Whether some rule includes the table. */
    boolean selects(String schema, String table) {
        return includes.stream().anyMatch(r -> r.selects(schema, table));
    }
}
