package io.pgvectormigrate.aws;

import io.pgvectormigrate.core.ToolException;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tags the tool puts on everything it creates (the roles per resource: docs/aws.md, "Names and tags"). Cleanup
 * deletes nothing that lacks {@link #RUN_ID} with the run's id, and {@code cleanup --discover} finds a run's resources
 * by that tag when the journal is lost.
 */
public final class Tags {
    public static final String RUN_ID = "pgvector-migrate:run-id";
    public static final String ROLE = "pgvector-migrate:role";
    /** ARN of the snapshot a temporary cluster was restored from (detects a run id reused with another snapshot). */
    public static final String SOURCE_SNAPSHOT = "pgvector-migrate:source-snapshot";

    public static final String ROLE_TEMPORARY_SOURCE = "temporary-source";
    public static final String ROLE_PARAMETERS = "temporary-source-parameters";
    public static final String ROLE_SOURCE_CREDENTIALS = "temporary-source-credentials";
    public static final String ROLE_CAPTURED_CREDENTIALS = "captured-credentials";
    public static final String ROLE_CAPTURE_SNAPSHOT = "capture-snapshot";

    private Tags() {}

    public static Map<String, String> of(String runId, String role) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(RUN_ID, runId);
        m.put(ROLE, role);
        return m;
    }

    public static List<software.amazon.awssdk.services.rds.model.Tag> rds(Map<String, String> tags) {
        return tags.entrySet().stream().map(e -> software.amazon.awssdk.services.rds.model.Tag.builder()
                .key(e.getKey()).value(e.getValue()).build()).toList();
    }

    public static List<software.amazon.awssdk.services.secretsmanager.model.Tag> secrets(Map<String, String> tags) {
        return tags.entrySet().stream().map(e -> software.amazon.awssdk.services.secretsmanager.model.Tag.builder()
                .key(e.getKey()).value(e.getValue()).build()).toList();
    }

    public static Map<String, String> fromRds(List<software.amazon.awssdk.services.rds.model.Tag> tags) {
        Map<String, String> m = new LinkedHashMap<>();
        if (tags != null) tags.forEach(t -> m.put(t.key(), t.value()));
        return m;
    }

    public static Map<String, String> fromSecrets(List<software.amazon.awssdk.services.secretsmanager.model.Tag> tags) {
        Map<String, String> m = new LinkedHashMap<>();
        if (tags != null) tags.forEach(t -> m.put(t.key(), t.value()));
        return m;
    }

    /** Whether the tags say the resource belongs to the run. */
    public static boolean belongsTo(Map<String, String> tags, String runId) {
        return tags != null && runId.equals(tags.get(RUN_ID));
    }

    /** Refuses (exit 2) to adopt {@code what}, found under the run's name, unless its tags say the run made it. */
    public static void requireRun(Map<String, String> tags, String runId, String what) {
        if (!belongsTo(tags, runId)) {
            throw ToolException.usage(what + " already exists and is not tagged " + RUN_ID + "=" + runId
                    + ": pick another --run-id");
        }
    }
}
