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
    /** The AWS provider names its resources pgvm-&lt;run id&gt;-... too. */
    public static final String PREFIX = "pgvm-";

    public String subnetGroup() { return PREFIX + runId + "-dms"; }
    public String instanceProfile() { return PREFIX + runId + "-dms"; }
    public String sourceProvider() { return PREFIX + runId + "-dms-source"; }
    public String targetProvider() { return PREFIX + runId + "-dms-target"; }
    public String project() { return PREFIX + runId + "-dms"; }
    public String dataMigration() { return PREFIX + runId + "-dms"; }

    /** Every name against DMS's rules for it (AwsConstraints); empty when all are fine. */
    public java.util.List<String> problems() {
        java.util.List<String> out = new java.util.ArrayList<>();
        io.pgvectormigrate.aws.AwsConstraints.dmsSubnetGroupId(subnetGroup()).ifPresent(out::add);
        for (String n : java.util.List.of(instanceProfile(), sourceProvider(), targetProvider(), project(), dataMigration())) {
            io.pgvectormigrate.aws.AwsConstraints.dmsName("DMS name", n).ifPresent(out::add);
        }
        io.pgvectormigrate.aws.AwsConstraints.description("DMS descriptions", "pgvector-migrate run " + runId
                + ": DMS network in the target's subnets").ifPresent(out::add);
        return out;
    }

    /** Exit 2, before anything is created, when a name of the run breaks DMS's rules. */
    public void require() {
        io.pgvectormigrate.aws.AwsConstraints.require(problems(), "pick another --run-id");
    }
}
