package io.pgvectormigrate.aws;

import io.pgvectormigrate.pipeline.Journal;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How cleanup, status and teardown deal with one journal resource kind. Handlers for more kinds (e.g. DMS
 * objects) can be passed to {@link AwsCleanup}; {@link #order()} puts dependents first.
 */
public interface ResourceHandler {
    String kind();

    /** Deletion order: lower is deleted first (instance before cluster before parameter group). */
    int order();

    /** Whether cleanup keeps this kind (listed, never deleted). */
    default boolean keep() {
        return false;
    }

    /** The live state, or empty when the resource does not exist (or is already scheduled for deletion). */
    Optional<Live> inspect(String id, Map<String, String> journalAttributes);

    /** Resources of this kind tagged with the run, for cleanup when the journal is lost. */
    List<Live> discover(String runId);

    /** Deletes the resource and returns once it is gone. Idempotent: an already-deleting resource is just awaited. */
    void delete(Live live, DeleteContext ctx);

    /** A resource as AWS sees it now. */
    record Live(String id, String status, Map<String, String> tags, Map<String, String> attributes) {
        public Live {
            tags = tags == null ? Map.of() : Map.copyOf(tags);
            attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
        }
    }

    /** What a deletion may need: the journal (to record a final snapshot first), the run's names, options. */
    record DeleteContext(Journal journal, RunNames names, String region, boolean finalSnapshot, Duration timeout) {}
}
