package io.pgvectormigrate.pipeline;

import java.time.Instant;
import java.util.Map;

/**
 * Something a run created and must remove: a local instance, an Aurora cluster or instance, a parameter group,
 * a secret, a DMS object, a publication or slot. {@code kind} is namespaced by provider/engine
 * (e.g. {@code local.instance}, {@code rds.cluster}, {@code dms.data-migration}, {@code pg.publication}).
 * Attributes hold what deleting it needs (ARN, region, data directory); never secrets.
 */
public record Resource(String kind, String id, Map<String, String> attributes, Instant createdAt, Instant deletedAt) {
    public Resource {
        attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
    }

    public boolean deleted() {
        return deletedAt != null;
    }

    public String attribute(String key) {
        return attributes.get(key);
    }
}
