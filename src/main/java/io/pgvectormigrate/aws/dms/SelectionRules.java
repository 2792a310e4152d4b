package io.pgvectormigrate.aws.dms;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pg.TableId;
import io.pgvectormigrate.report.Json;

import java.util.ArrayList;
import java.util.List;

/**
 * The selection rules JSON of a homogeneous data migration. Homogeneous migrations accept only the
 * {@code include} action and only the {@code %} wildcard, so a {@link io.pgvectormigrate.pg.TableFilter}'s
 * excludes cannot be expressed as rules: the engine resolves the filter against the source catalog and emits
 * one explicit include rule per table.
 *
 * <p>The tables named are the ones that hold rows ({@link io.pgvectormigrate.pg.Catalog.Selection#leaves()}):
 * each partition of a partitioned table by its own name, never the partitioned table. DMS's full load runs
 * pg_dump, and {@code pg_dump --table=<partitioned table>} dumps no rows of its partitions on PostgreSQL 15, so a
 * rule naming only the root would copy nothing for it; and its CDC publication then carries the same tables.
 */
public final class SelectionRules {
    private SelectionRules() {}

    /** One include rule: schema and table name as written (how DMS matches them is DMS's: see the user guide). */
    public record Rule(String schema, String table) {}

    public static String forTables(List<TableId> tables) {
        if (tables.isEmpty()) throw ToolException.usage("no tables selected for the DMS data migration: check the table filter");
        ObjectNode root = Json.mapper().createObjectNode();
        ArrayNode rules = root.putArray("rules");
        int id = 1;
        for (TableId t : tables) {
            if (t.schema().contains("%") || t.name().contains("%")) {
                throw ToolException.usage("table " + t.key() + " has a '%' in its name, which DMS selection rules read as a wildcard: "
                        + "rename it or use --engine native");
            }
            ObjectNode r = rules.addObject();
            r.put("rule-type", "selection");
            r.put("rule-id", String.valueOf(id));
            r.put("rule-name", String.valueOf(id));
            r.put("rule-action", "include");
            ObjectNode loc = r.putObject("object-locator");
            loc.put("schema-name", t.schema());
            loc.put("table-name", t.name());
            r.putArray("filters");
            id++;
        }
        return root.toString();
    }

    /** Reads rules back (to compare an existing data migration's with the run's); anything but selection/include is refused. */
    public static List<Rule> parse(String json) {
        List<Rule> out = new ArrayList<>();
        JsonNode root;
        try {
            root = Json.mapper().readTree(json);
        } catch (Exception e) {
            throw new IllegalArgumentException("selection rules are not valid JSON: " + e.getMessage(), e);
        }
        JsonNode rules = root.path("rules");
        if (!rules.isArray() || rules.isEmpty()) throw new IllegalArgumentException("selection rules need a non-empty \"rules\" array");
        for (JsonNode r : rules) {
            if (!"selection".equals(r.path("rule-type").asText())) {
                throw new IllegalArgumentException("unsupported rule-type '" + r.path("rule-type").asText() + "' for a homogeneous data migration");
            }
            if (!"include".equals(r.path("rule-action").asText())) {
                throw new IllegalArgumentException("homogeneous data migrations only support rule-action include, not '"
                        + r.path("rule-action").asText() + "'");
            }
            JsonNode loc = r.path("object-locator");
            String schema = loc.path("schema-name").asText(null);
            String table = loc.path("table-name").asText(null);
            if (schema == null || table == null) throw new IllegalArgumentException("a selection rule needs object-locator schema-name and table-name");
            out.add(new Rule(schema, table));
        }
        return out;
    }
}
