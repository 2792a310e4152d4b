package io.pgvectormigrate.aws.fake;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgvectormigrate.report.Json;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Just enough of IAM's policy evaluation for the fakes: an explicit Deny wins, else some Allow statement must match the
 * action (wildcards, case-insensitive) and the resource (wildcards). A statement with a Condition grants only when the
 * resource's tags are known and every condition is on them ({@code aws:ResourceTag/KEY} with {@code Null},
 * {@code StringEquals} or {@code StringLike}) and holds: the calls DMS makes to build its network carry no tags the fake
 * could evaluate, so a condition on them would not hold for AWS either in general. NotAction/NotResource and other
 * condition keys are not modelled (treated as not matching or not holding), which only makes the fake stricter.
 */
public final class PolicyEvaluator {
    private PolicyEvaluator() {}

    public static boolean allows(List<String> policies, String action, String resource) {
        return allows(policies, action, resource, null);
    }

    /** @param resourceTags the resource's tags (null: unknown, so no conditional statement grants) */
    public static boolean allows(List<String> policies, String action, String resource, Map<String, String> resourceTags) {
        boolean allowed = false;
        for (String doc : policies) {
            for (JsonNode s : statements(doc)) {
                if (!matchesAny(s.path("Action"), action, true) || !matchesAny(s.path("Resource"), resource, false)) continue;
                String effect = s.path("Effect").asText();
                if ("Deny".equals(effect)) return false;
                if ("Allow".equals(effect) && (!s.has("Condition") || holds(s.get("Condition"), resourceTags))) allowed = true;
            }
        }
        return allowed;
    }

    private static boolean holds(JsonNode condition, Map<String, String> tags) {
        if (tags == null) return false;
        for (Map.Entry<String, JsonNode> op : condition.properties()) {
            for (Map.Entry<String, JsonNode> key : op.getValue().properties()) {
                if (!key.getKey().startsWith("aws:ResourceTag/")) return false;
                String tag = tags.get(key.getKey().substring("aws:ResourceTag/".length()));
                List<String> values = new ArrayList<>();
                if (key.getValue().isArray()) key.getValue().forEach(v -> values.add(v.asText()));
                else values.add(key.getValue().asText());
                boolean ok = switch (op.getKey()) {
                    case "Null" -> values.stream().allMatch(v -> v.equals("true") == (tag == null));
                    case "StringEquals" -> tag != null && values.contains(tag);
                    case "StringLike" -> tag != null && values.stream().anyMatch(v -> glob(v, tag, false));
                    default -> false;
                };
                if (!ok) return false;
            }
        }
        return true;
    }

    private static List<JsonNode> statements(String doc) {
        List<JsonNode> out = new ArrayList<>();
        try {
            JsonNode st = Json.mapper().readTree(doc).path("Statement");
            if (st.isArray()) st.forEach(out::add);
            else if (st.isObject()) out.add(st);
        } catch (Exception e) {
            throw new IllegalArgumentException("not a policy document: " + e.getMessage(), e);
        }
        return out;
    }

    private static boolean matchesAny(JsonNode patterns, String value, boolean ignoreCase) {
        List<String> list = new ArrayList<>();
        if (patterns.isArray()) patterns.forEach(p -> list.add(p.asText()));
        else if (patterns.isTextual()) list.add(patterns.asText());
        for (String p : list) if (glob(p, value, ignoreCase)) return true;
        return false;
    }

    static boolean glob(String pattern, String value, boolean ignoreCase) {
        StringBuilder re = new StringBuilder();
        for (char c : pattern.toCharArray()) {
            if (c == '*') re.append(".*");
            else if (c == '?') re.append('.');
            else re.append(Pattern.quote(String.valueOf(c)));
        }
        return Pattern.compile(re.toString(), ignoreCase ? Pattern.CASE_INSENSITIVE : 0)
                .matcher(ignoreCase ? value.toLowerCase(Locale.ROOT) : value).matches();
    }
}
