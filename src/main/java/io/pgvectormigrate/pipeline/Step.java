package io.pgvectormigrate.pipeline;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** The named steps every migration follows, in order. */
public enum Step {
    PREFLIGHT("preflight"),
    RESTORE("restore"),
    CREDENTIALS("credentials"),
    PREPARE_TARGET("prepare-target"),
    MIGRATE("migrate"),
    VERIFY("verify"),
    CUTOVER("cutover"),
    TEARDOWN("teardown");

    private final String id;

    Step(String id) {
        this.id = id;
    }

    @JsonValue
    public String id() {
        return id;
    }

    @JsonCreator
    public static Step of(String id) {
        for (Step s : values()) if (s.id.equals(id)) return s;
        throw new IllegalArgumentException("unknown step '" + id + "'");
    }

    @Override
    public String toString() {
        return id;
    }
}
