package io.pgvectormigrate.aws.contract;

import software.amazon.awssdk.core.SdkField;
import software.amazon.awssdk.core.SdkPojo;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Constraints the service models state only in their documentation text, for the members the tool fills in, written
 * down here from that text (not from the tool's own checks, so the two can disagree and a test then fails). Each rule
 * names where the text is: "rds RestoreDBClusterFromSnapshotMessage.DBClusterIdentifier" means the documentation of that
 * member in aws-models/rds.json.
 */
final class DocumentedRules {
    private DocumentedRules() {}

    private record Rule(String source, Function<Object, String> problem) {}

    /** RDS identifiers: "1 to 63 letters, numbers, or hyphens; first character a letter; can't end with a hyphen or contain two consecutive hyphens". */
    private static Function<Object, String> rdsIdentifier(int max) {
        return v -> {
            String s = String.valueOf(v);
            if (s.length() < 1 || s.length() > max) return "length " + s.length() + " outside 1-" + max;
            if (!s.matches("[A-Za-z][A-Za-z0-9-]*")) return "'" + s + "' is not letters, digits and hyphens starting with a letter";
            if (s.endsWith("-") || s.contains("--")) return "'" + s + "' ends with a hyphen or has two in a row";
            return null;
        };
    }

    /** DMS: "Must begin with a letter, and can only contain ASCII letters, digits, and hyphens. Can't end with a hyphen or contain two consecutive hyphens. 1 to 255". */
    private static final Function<Object, String> DMS_NAME = v -> {
        String s = String.valueOf(v);
        if (s.startsWith("arn:")) return null; // identifiers elsewhere take a name or an ARN
        return rdsIdentifier(255).apply(s);
    };

    private static String tag(Object tag, String reservedPrefix, String charset, boolean emptyValueAllowed) {
        SdkPojo p = (SdkPojo) tag;
        String key = (String) field(p, "Key");
        String value = (String) field(p, "Value");
        if (key == null || key.isEmpty() || key.length() > 128) return "tag key length outside 1-128";
        for (String prefix : reservedPrefix.split(",")) {
            if (key.toLowerCase(java.util.Locale.ROOT).startsWith(prefix)) return "tag key '" + key + "' uses the reserved prefix " + prefix;
        }
        if (!key.matches(charset)) return "tag key '" + key + "' has characters outside " + charset;
        if (value == null) return emptyValueAllowed ? null : "tag '" + key + "' has no value";
        if (value.length() > 256 || (!emptyValueAllowed && value.isEmpty())) return "tag value length outside " + (emptyValueAllowed ? 0 : 1) + "-256";
        if (!value.matches(charset)) return "tag value of '" + key + "' has characters outside " + charset;
        return null;
    }

    private static final String RDS_TAG_CHARS = "[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*";
    private static final String DMS_TAG_CHARS = "[\\p{L}\\p{Z}\\p{N}_.:/=+\\-]*";

    /** operation -> member path (dots for nested members, [] for each element of a list) -> rule. */
    private static final Map<String, Map<String, Rule>> RULES = Map.ofEntries(
            Map.entry("rds:RestoreDBClusterFromSnapshot", Map.of(
                    "DBClusterIdentifier", new Rule("rds RestoreDBClusterFromSnapshotMessage.DBClusterIdentifier", rdsIdentifier(63)),
                    "DBClusterParameterGroupName", new Rule("rds RestoreDBClusterFromSnapshotMessage.DBClusterParameterGroupName", rdsIdentifier(255)),
                    "ServerlessV2ScalingConfiguration.MinCapacity", new Rule("rds ServerlessV2ScalingConfiguration.MinCapacity", DocumentedRules::acu),
                    "ServerlessV2ScalingConfiguration.MaxCapacity", new Rule("rds ServerlessV2ScalingConfiguration.MaxCapacity", v -> {
                        String half = acu(v);
                        return half != null ? half : ((Double) v) > 256 ? "above 256 ACU" : null;
                    }),
                    "Tags[]", new Rule("rds Tag.Key/Value", t -> tag(t, "aws:,rds:", RDS_TAG_CHARS, false)))),
            Map.entry("rds:CreateDBInstance", Map.of(
                    "DBInstanceIdentifier", new Rule("rds CreateDBInstanceMessage.DBInstanceIdentifier", rdsIdentifier(63)),
                    "Tags[]", new Rule("rds Tag.Key/Value", t -> tag(t, "aws:,rds:", RDS_TAG_CHARS, false)))),
            Map.entry("rds:CreateDBClusterParameterGroup", Map.of(
                    // the name's rules are written on RestoreDBClusterFromSnapshot, which must accept it
                    "DBClusterParameterGroupName", new Rule("rds RestoreDBClusterFromSnapshotMessage.DBClusterParameterGroupName", rdsIdentifier(255)),
                    "Tags[]", new Rule("rds Tag.Key/Value", t -> tag(t, "aws:,rds:", RDS_TAG_CHARS, false)))),
            Map.entry("rds:ModifyDBClusterParameterGroup", Map.of(
                    "Parameters", new Rule("rds ModifyDBClusterParameterGroup (operation): at most 20 parameters per request",
                            v -> ((List<?>) v).size() > 20 ? ((List<?>) v).size() + " parameters in one request" : null))),
            Map.entry("rds:CreateDBClusterSnapshot", Map.of(
                    "DBClusterSnapshotIdentifier", new Rule("rds CreateDBClusterSnapshotMessage.DBClusterSnapshotIdentifier", rdsIdentifier(63)),
                    "Tags[]", new Rule("rds Tag.Key/Value", t -> tag(t, "aws:,rds:", RDS_TAG_CHARS, false)))),
            Map.entry("rds:DeleteDBCluster", Map.of(
                    "FinalDBSnapshotIdentifier", new Rule("rds DeleteDBClusterMessage.FinalDBSnapshotIdentifier", rdsIdentifier(255)))),
            Map.entry("rds:ModifyDBCluster", Map.of(
                    "MasterUserPassword", new Rule("rds ModifyDBClusterMessage.MasterUserPassword", v -> {
                        String s = String.valueOf(v);
                        if (s.length() < 8 || s.length() > 41) return "length outside 8-41";
                        for (char c : s.toCharArray()) {
                            if (c < 0x20 || c > 0x7e || c == '/' || c == '"' || c == '@') return "a character outside printable ASCII or one of / \" @";
                        }
                        return null;
                    }))),
            Map.entry("secretsmanager:CreateSecret", Map.of(
                    "Name", new Rule("secretsmanager CreateSecretRequest.Name", v -> {
                        String s = String.valueOf(v);
                        if (!s.matches("[A-Za-z0-9/_+=.@-]+")) return "'" + s + "' has characters other than ASCII letters, digits and /_+=.@-";
                        if (s.matches(".*-.{6}")) return "'" + s + "' ends with a hyphen and six characters, which Secrets Manager's ARN suffix looks like";
                        return null;
                    }))),
            Map.entry("dms:CreateDataMigration", Map.of(
                    "DataMigrationName", new Rule("dms CreateDataMigrationMessage.DataMigrationName", DMS_NAME),
                    "Tags[]", new Rule("dms Tag.Key/Value", t -> tag(t, "aws:,dms:", DMS_TAG_CHARS, false)))),
            Map.entry("dms:CreateMigrationProject", Map.of(
                    "InstanceProfileIdentifier", new Rule("dms CreateMigrationProjectMessage.InstanceProfileIdentifier", DMS_NAME),
                    "Tags[]", new Rule("dms Tag.Key/Value", t -> tag(t, "aws:,dms:", DMS_TAG_CHARS, false)))),
            Map.entry("dms:CreateReplicationSubnetGroup", Map.of(
                    "ReplicationSubnetGroupIdentifier", new Rule("dms CreateReplicationSubnetGroupMessage.ReplicationSubnetGroupIdentifier", v -> {
                        String s = String.valueOf(v);
                        if (s.length() > 255 || !s.matches("[A-Za-z0-9._-]+")) return "'" + s + "' is not up to 255 letters, digits, periods, underscores or hyphens";
                        return s.equalsIgnoreCase("default") ? "'default' is reserved" : null;
                    }),
                    "ReplicationSubnetGroupDescription", new Rule("dms CreateReplicationSubnetGroupMessage.ReplicationSubnetGroupDescription",
                            v -> String.valueOf(v).chars().anyMatch(Character::isISOControl) ? "contains control characters" : null),
                    "SubnetIds", new Rule("dms CreateReplicationSubnetGroupMessage.SubnetIds: two or more",
                            v -> ((List<?>) v).size() < 2 ? "fewer than two subnets" : null),
                    "Tags[]", new Rule("dms Tag.Key/Value", t -> tag(t, "aws:,dms:", DMS_TAG_CHARS, false)))),
            Map.entry("dms:CreateInstanceProfile", Map.of(
                    "Tags[]", new Rule("dms Tag.Key/Value", t -> tag(t, "aws:,dms:", DMS_TAG_CHARS, false)))),
            Map.entry("dms:CreateDataProvider", Map.of(
                    "Tags[]", new Rule("dms Tag.Key/Value", t -> tag(t, "aws:,dms:", DMS_TAG_CHARS, false)))));

    /** Serverless v2 capacities: "half-step increments"; the smallest is 0 (0.5 without auto-pause, which the fake RDS checks). */
    private static String acu(Object v) {
        double d = (Double) v;
        if (d < 0) return "negative capacity";
        return Math.abs(d * 2 - Math.rint(d * 2)) > 1e-9 ? d + " is not a half step" : null;
    }

    static void check(String service, String operation, SdkPojo request, List<ModelCheck.Violation> out) {
        Map<String, Rule> rules = RULES.get(service + ":" + operation);
        if (rules == null) return;
        rules.forEach((path, rule) -> {
            for (Object v : values(request, path)) {
                String problem = rule.problem().apply(v);
                if (problem != null) {
                    out.add(new ModelCheck.Violation(service + ":" + operation + "." + path, problem + " (documented in " + rule.source() + ")"));
                }
            }
        });
    }

    /** The values at a path such as "Tags[]" or "ServerlessV2ScalingConfiguration.MinCapacity" (none when absent). */
    private static List<Object> values(SdkPojo pojo, String path) {
        List<Object> current = new ArrayList<>(List.of(pojo));
        for (String part : path.split("\\.")) {
            boolean each = part.endsWith("[]");
            String name = each ? part.substring(0, part.length() - 2) : part;
            List<Object> next = new ArrayList<>();
            for (Object o : current) {
                Object v = o instanceof SdkPojo p ? field(p, name) : null;
                if (!ModelCheck.present(v)) continue;
                if (each && v instanceof List<?> l) next.addAll(l);
                else next.add(v);
            }
            current = next;
        }
        return current;
    }

    private static Object field(SdkPojo p, String member) {
        for (SdkField<?> f : p.sdkFields()) if (f.memberName().equals(member)) return f.getValueOrDefault(p);
        return null;
    }
}
