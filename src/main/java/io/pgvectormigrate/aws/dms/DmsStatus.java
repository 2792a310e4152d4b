package io.pgvectormigrate.aws.dms;

import java.util.Arrays;
import java.util.Locale;

/**
 * What a data migration's status means for the engine. The service model gives {@code DataMigrationStatus} no enum, and
 * the wire casing is not documented: the labels are the user guide's ("Statuses of homogeneous data migrations"),
 * compared case-insensitively and ignoring punctuation, so "Load complete, replication ongoing",
 * "LOAD_COMPLETE_REPLICATION_ONGOING" and "load-complete-replication-ongoing" are one status. A label the guide does not
 * list counts as "still working" and is shown to the operator as DMS sent it.
 */
public enum DmsStatus {
    CREATING, READY, STARTING, LOAD_RUNNING, LOAD_COMPLETE_REPLICATION_ONGOING, REPLICATION_ONGOING, RELOADING_TARGET,
    STOPPING, STOPPED, FAILED, UNKNOWN;

    /** The constant named as the label with underscores for spaces; UNKNOWN for a label the guide does not list. */
    public static DmsStatus of(String status) {
        if (status == null) return UNKNOWN;
        String name = normalize(status).replace(' ', '_').toUpperCase(Locale.ROOT);
        return Arrays.stream(values()).filter(s -> s.name().equals(name)).findFirst().orElse(UNKNOWN);
    }

    static String normalize(String status) {
        return status.toLowerCase(Locale.ROOT).replaceAll("[^a-z]+", " ").trim();
    }

    /** Changes are replicating: full-load-and-cdc after its load, or a cdc migration. */
    public boolean streaming() {
        return this == LOAD_COMPLETE_REPLICATION_ONGOING || this == REPLICATION_ONGOING;
    }

    /** DMS is moving data or about to (stop it before deleting it). */
    public boolean active() {
        return this == STARTING || this == LOAD_RUNNING || streaming() || this == RELOADING_TARGET || this == STOPPING || this == UNKNOWN;
    }

    /** StartDataMigration is accepted in this state (start-replication from Ready; reload-target or resume-processing after Stopped/Failed). */
    public boolean startable() {
        return this == READY || this == STOPPED || this == FAILED;
    }
}
