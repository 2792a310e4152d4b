package io.pgvectormigrate.aws;

import io.pgvectormigrate.core.ToolException;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What AWS accepts for the identifiers, names, descriptions and tags the tool builds, as the API references and the
 * service models' member documentation state it. The tool checks every value it is about to send before the first
 * create call, so a bad one is one clear exit 2 instead of a refused call halfway through a run. Each rule says
 * where it is written.
 */
public final class AwsConstraints {
    private AwsConstraints() {}

    /** The service a tag goes to: each documents its own reserved prefixes and characters. */
    public enum TagService {
        /** RDS Tag: key 1-128, value 1-256, not prefixed aws: or rds:, letters, digits, white space and _ . : / = + - @ */
        RDS("aws:,rds:", "[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*", 1),
        /** DMS Tag: the same without @, not prefixed aws: or dms:, value 1-256 */
        DMS("aws:,dms:", "[\\p{L}\\p{Z}\\p{N}_.:/=+\\-]*", 1),
        /** Secrets Manager TagKeyType 1-128, TagValueType 0-256; the aws: prefix is reserved for AWS (tagging quotas) */
        SECRETS_MANAGER("aws:", "[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*", 0);

        private final String reserved;
        private final String charset;
        private final int minValue;

        TagService(String reserved, String charset, int minValue) {
            this.reserved = reserved;
            this.charset = charset;
            this.minValue = minValue;
        }
    }

    /**
     * RDS identifiers (RestoreDBClusterFromSnapshot DBClusterIdentifier, CreateDBInstance DBInstanceIdentifier,
     * CreateDBClusterSnapshot DBClusterSnapshotIdentifier: 1-63; DBClusterParameterGroupName, FinalDBSnapshotIdentifier:
     * 1-255): letters, digits and hyphens, a letter first, no hyphen at the end, no two in a row.
     */
    public static Optional<String> rdsIdentifier(String what, String id, int max) {
        if (id == null || id.isEmpty() || id.length() > max) {
            return Optional.of(what + " '" + id + "' must be 1-" + max + " characters");
        }
        if (!id.matches("[A-Za-z][A-Za-z0-9-]*") || id.endsWith("-") || id.contains("--")) {
            return Optional.of(what + " '" + id + "' must be letters, digits and single hyphens, starting with a letter and not ending with a hyphen");
        }
        return Optional.empty();
    }

    /**
     * Secrets Manager CreateSecret Name: ASCII letters, digits and /_+=.@-, 1-512 characters, and not ending with a hyphen
     * and six characters (the ARN gets such a suffix; a name that looks like one confuses lookups by partial ARN).
     */
    public static Optional<String> secretName(String name) {
        if (name == null || name.isEmpty() || name.length() > 512 || !name.matches("[A-Za-z0-9/_+=.@-]+")) {
            return Optional.of("secret name '" + name + "' must be 1-512 ASCII letters, digits or /_+=.@-");
        }
        if (name.matches(".*-.{6}")) {
            return Optional.of("secret name '" + name + "' ends with a hyphen and six characters, which Secrets Manager documents "
                    + "as ambiguous with the ARN's random suffix");
        }
        return Optional.empty();
    }

    /**
     * DMS names of homogeneous-migration objects (CreateDataMigration DataMigrationName, and the identifier rule of
     * CreateMigrationProject InstanceProfileIdentifier): 1-255 ASCII letters, digits and hyphens, a letter first, no
     * hyphen at the end, no two in a row.
     */
    public static Optional<String> dmsName(String what, String name) {
        return rdsIdentifier(what, name, 255);
    }

    /** CreateReplicationSubnetGroup ReplicationSubnetGroupIdentifier: up to 255 letters, digits, periods, underscores or hyphens; not "default". */
    public static Optional<String> dmsSubnetGroupId(String id) {
        if (id == null || id.isEmpty() || id.length() > 255 || !id.matches("[A-Za-z0-9._-]+") || id.equalsIgnoreCase("default")) {
            return Optional.of("replication subnet group identifier '" + id + "' must be up to 255 letters, digits, periods, "
                    + "underscores or hyphens, and not 'default'");
        }
        return Optional.empty();
    }

    /** Descriptions: no control characters (CreateReplicationSubnetGroup) and within the longest any of them allows (Secrets Manager 2048). */
    public static Optional<String> description(String what, String text) {
        if (text == null) return Optional.empty();
        if (text.length() > 2048 || text.chars().anyMatch(Character::isISOControl)) {
            return Optional.of(what + " must be at most 2048 characters without control characters");
        }
        return Optional.empty();
    }

    /** One tag for one service. */
    public static Optional<String> tag(TagService service, String key, String value) {
        if (key == null || key.isEmpty() || key.length() > 128) return Optional.of("tag key '" + key + "' must be 1-128 characters");
        for (String prefix : service.reserved.split(",")) {
            if (key.toLowerCase(Locale.ROOT).startsWith(prefix)) {
                return Optional.of("tag key '" + key + "' uses the prefix " + prefix + ", which AWS reserves");
            }
        }
        if (!key.matches(service.charset)) return Optional.of("tag key '" + key + "' has characters " + service + " tags do not allow");
        String v = value == null ? "" : value;
        if (v.length() < service.minValue || v.length() > 256) {
            return Optional.of("tag '" + key + "' needs a value of " + service.minValue + "-256 characters");
        }
        if (!v.matches(service.charset)) return Optional.of("the value of tag '" + key + "' has characters " + service + " tags do not allow");
        return Optional.empty();
    }

    public static List<String> tags(TagService service, Map<String, String> tags) {
        return tags.entrySet().stream().flatMap(e -> tag(service, e.getKey(), e.getValue()).stream()).toList();
    }

    /** Serverless v2 capacities come in half steps (ServerlessV2ScalingConfiguration MinCapacity/MaxCapacity). */
    public static boolean halfStep(double acu) {
        return Math.abs(acu * 2 - Math.rint(acu * 2)) < 1e-9;
    }

    /** Throws exit 2 listing every problem, before anything is created. */
    public static void require(List<String> problems, String fix) {
        if (problems.isEmpty()) return;
        throw ToolException.usage(String.join("; ", problems) + ": " + fix + " (nothing was created)");
    }
}
