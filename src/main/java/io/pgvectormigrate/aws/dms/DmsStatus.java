package io.pgvectormigrate.aws.dms;

import java.util.Locale;

/**
 * What a data migration's status string means for the engine. DMS returns a plain string (the console's
 * words: "Load running", "Load complete, replication ongoing", ...), so it is compared case-insensitively and
 * without punctuation; an unknown word counts as "still working" and is shown to the operator as is.
 */
public enum DmsStatus {
    CREATING, READY, IN_PROGRESS, LOAD_COMPLETE, CDC_ONGOING, STOPPING, STOPPED, FAILED, DELETING, UNKNOWN;

    public static DmsStatus of(String status) {
        if (status == null) return UNKNOWN;
        String s = normalize(status);
        return switch (s) {
            case "creating" -> CREATING;
            case "ready" -> READY;
            case "starting", "load running", "running", "reloading target", "modifying", "provisioning" -> IN_PROGRESS;
            case "load complete", "full load complete" -> LOAD_COMPLETE;
            case "replication ongoing", "load complete replication ongoing", "cdc ongoing" -> CDC_ONGOING;
            case "stopping" -> STOPPING;
            case "stopped" -> STOPPED;
            case "failed", "error" -> FAILED;
            case "deleting" -> DELETING;
            default -> UNKNOWN;
        };
    }

    static String normalize(String status) {
        return status.toLowerCase(Locale.ROOT).replaceAll("[^a-z]+", " ").trim();
    }

    /** DMS is moving data or about to (stop it before deleting). */
    public boolean active() {
        return this == IN_PROGRESS || this == CDC_ONGOING || this == STOPPING || this == UNKNOWN;
    }

    /** StartDataMigration is accepted in this state (start-replication from Ready, reload-target after Stopped/Failed). */
    public boolean startable() {
        return this == READY || this == STOPPED || this == FAILED;
    }
}
