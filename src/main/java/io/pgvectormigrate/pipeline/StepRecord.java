package io.pgvectormigrate.pipeline;

import java.time.Instant;
import java.util.Map;

/**
 * One step's entry in the journal. {@code outputs} holds what later steps or a resumed run need
 * (identifiers, endpoints, counts); never secrets.
 */
public record StepRecord(Step step, StepStatus status, Instant startedAt, Instant finishedAt, int attempts,
                         String message, Map<String, String> outputs) {
    public StepRecord {
        outputs = outputs == null ? Map.of() : Map.copyOf(outputs);
    }

    public long millis() {
        return startedAt == null || finishedAt == null ? 0 : finishedAt.toEpochMilli() - startedAt.toEpochMilli();
    }
}
