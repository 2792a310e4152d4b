package io.pgvectormigrate.aws.dms;

/**
 * Names of the DMS objects of one run, derived from the run id alone: a resumed run finds what a crashed one
 * created by name even when the crash came between the create call and the journal write.
 */
public record DmsNames(String runId) {
    /** Tag every object carries; cleanup and IAM conditions key on it (the AWS provider uses the same key). */
    public static final String TAG_RUN_ID = "pgvector-migrate:run-id";
    /** What the object is for, e.g. dms-source-provider. */
    public static final String TAG_ROLE = "pgvector-migrate:role";
    public static final String PREFIX = "pgvector-migrate-";

    public String subnetGroup() { return PREFIX + runId; }
    public String instanceProfile() { return PREFIX + runId; }
    public String sourceProvider() { return PREFIX + runId + "-source"; }
    public String targetProvider() { return PREFIX + runId + "-target"; }
    public String project() { return PREFIX + runId; }
    public String dataMigration() { return PREFIX + runId; }
}
