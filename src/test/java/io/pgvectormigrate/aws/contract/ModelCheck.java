package io.pgvectormigrate.aws.contract;

import com.fasterxml.jackson.databind.JsonNode;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.SdkField;
import software.amazon.awssdk.core.SdkPojo;
import software.amazon.awssdk.core.util.SdkAutoConstructList;
import software.amazon.awssdk.core.util.SdkAutoConstructMap;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Checks one SDK request against its operation's input shape in the service model: required members present, enum
 * values valid, string lengths, numeric ranges and list sizes within min/max, patterns matched (Smithy patterns are not
 * implicitly anchored), then the documented rules the model states in prose ({@link DocumentedRules}). Members are
 * found through the SDK's own field metadata ({@link SdkPojo#sdkFields()}, whose member names are the model's).
 * Values of sensitive shapes and of password- or secret-named members are never quoted in a violation.
 */
public final class ModelCheck {
    private ModelCheck() {}

    /** One broken rule: where (Operation.Member.Member[2]) and what. */
    public record Violation(String path, String problem) {
        @Override
        public String toString() {
            return path + ": " + problem;
        }
    }

    /** The operation a request class stands for, in the model's spelling, e.g. "rds:DescribeDBClusters"; null when unknown. */
    public static String operationOf(Object request) {
        ServiceModels.Service s = ServiceModels.get().serviceOf(request.getClass()).orElse(null);
        if (s == null) return null;
        String sdk = request.getClass().getSimpleName().replaceAll("Request$", "");
        return s.operation(sdk).map(op -> s.prefix() + ":" + op).orElse(s.prefix() + ":" + sdk + " (not in the models)");
    }

    public static List<Violation> check(Object request) {
        List<Violation> out = new ArrayList<>();
        ServiceModels.Service s = ServiceModels.get().serviceOf(request.getClass()).orElse(null);
        String sdk = request.getClass().getSimpleName().replaceAll("Request$", "");
        if (s == null) {
            out.add(new Violation(sdk, "no service model for " + request.getClass().getName()));
            return out;
        }
        String op = s.operation(sdk).orElse(null);
        if (op == null) {
            out.add(new Violation(s.prefix() + ":" + sdk, "the operation is not in the reference models (aws-models/): add it there or do not call it"));
            return out;
        }
        String input = s.inputShape(op);
        if (input == null) return out;
        structure(s, s.shape(input), (SdkPojo) request, s.prefix() + ":" + op, out, false);
        DocumentedRules.check(s.prefix(), op, (SdkPojo) request, out);
        return out;
    }

    private static void structure(ServiceModels.Service s, JsonNode shape, SdkPojo pojo, String path, List<Violation> out, boolean sensitive) {
        JsonNode members = shape.path("members");
        List<String> required = new ArrayList<>();
        shape.path("required").forEach(r -> required.add(r.asText()));
        for (SdkField<?> f : pojo.sdkFields()) {
            String name = f.memberName();
            JsonNode member = members.path(name);
            Object value = f.getValueOrDefault(pojo);
            boolean present = present(value);
            if (member.isMissingNode()) {
                if (present) out.add(new Violation(path + "." + name, "member not in the model"));
                continue;
            }
            if (!present) continue;
            String target = member.path("shape").asText();
            value(s, target, value, path + "." + name, out, sensitive || secretName(name));
        }
        for (String r : required) {
            SdkField<?> f = pojo.sdkFields().stream().filter(x -> r.equals(x.memberName())).findFirst().orElse(null);
            if (f == null || !present(f.getValueOrDefault(pojo))) out.add(new Violation(path + "." + r, "required member missing"));
        }
    }

    private static void value(ServiceModels.Service s, String shapeName, Object value, String path, List<Violation> out, boolean sensitive) {
        JsonNode shape = s.shape(shapeName);
        boolean hidden = sensitive || shape.path("sensitive").asBoolean(false);
        String type = shape.path("type").asText();
        switch (type) {
            case "structure" -> {
                if (value instanceof SdkPojo p) structure(s, shape, p, path, out, hidden);
                else out.add(new Violation(path, "expected a structure (" + shapeName + ")"));
            }
            case "list" -> {
                if (!(value instanceof List<?> list)) {
                    out.add(new Violation(path, "expected a list (" + shapeName + ")"));
                    return;
                }
                range(shape, list.size(), path, "list size", out);
                String member = shape.path("member").path("shape").asText();
                for (int i = 0; i < list.size(); i++) {
                    if (list.get(i) == null) out.add(new Violation(path + "[" + i + "]", "null list element"));
                    else value(s, member, list.get(i), path + "[" + i + "]", out, hidden);
                }
            }
            case "map" -> {
                if (!(value instanceof Map<?, ?> map)) {
                    out.add(new Violation(path, "expected a map (" + shapeName + ")"));
                    return;
                }
                range(shape, map.size(), path, "map size", out);
                String k = shape.path("key").path("shape").asText();
                String v = shape.path("value").path("shape").asText();
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    value(s, k, e.getKey(), path + "{key}", out, hidden);
                    if (e.getValue() != null) value(s, v, e.getValue(), path + "{" + e.getKey() + "}", out, hidden);
                }
            }
            case "string" -> {
                String str = String.valueOf(value);
                if (shape.has("enum")) {
                    List<String> allowed = new ArrayList<>();
                    shape.path("enum").forEach(e -> allowed.add(e.asText()));
                    if (!allowed.contains(str)) out.add(new Violation(path, "'" + str + "' is not one of " + allowed));
                }
                range(shape, str.codePointCount(0, str.length()), path, "length", out);
                if (shape.has("pattern") && !Pattern.compile(shape.path("pattern").asText()).matcher(str).find()) {
                    out.add(new Violation(path, (hidden ? "the value" : "'" + str + "'") + " does not match the pattern " + shape.path("pattern").asText()));
                }
            }
            case "integer", "long" -> range(shape, ((Number) value).longValue(), path, "value", out);
            case "double", "float" -> {
                double d = ((Number) value).doubleValue();
                if (shape.has("min") && d < shape.path("min").asDouble()) out.add(new Violation(path, "value " + d + " below the minimum " + shape.path("min")));
                if (shape.has("max") && d > shape.path("max").asDouble()) out.add(new Violation(path, "value " + d + " above the maximum " + shape.path("max")));
            }
            case "blob" -> {
                int n = value instanceof SdkBytes b ? b.asByteArrayUnsafe().length : 0;
                range(shape, n, path, "size", out);
            }
            default -> {
                // boolean, timestamp: nothing to check beyond the type the SDK already enforces
            }
        }
    }

    private static void range(JsonNode shape, long n, String path, String what, List<Violation> out) {
        if (shape.has("min") && n < shape.path("min").asLong()) out.add(new Violation(path, what + " " + n + " below the minimum " + shape.path("min")));
        if (shape.has("max") && n > shape.path("max").asLong()) out.add(new Violation(path, what + " " + n + " above the maximum " + shape.path("max")));
    }

    static boolean present(Object value) {
        return value != null && !(value instanceof SdkAutoConstructList<?>) && !(value instanceof SdkAutoConstructMap<?, ?>);
    }

    private static boolean secretName(String member) {
        String m = member.toLowerCase(java.util.Locale.ROOT);
        return m.contains("password") || m.contains("secretstring") || m.contains("secretbinary");
    }
}
