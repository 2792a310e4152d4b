package io.pgvectormigrate.run;

import io.pgvectormigrate.aws.AwsClients;
import io.pgvectormigrate.aws.AwsProvider;
import io.pgvectormigrate.aws.dms.DmsConfig;
import io.pgvectormigrate.aws.dms.DmsOptions;
import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pipeline.ExistingDatabase;
import io.pgvectormigrate.pipeline.Journal;
import io.pgvectormigrate.pipeline.SourceProvider;
import io.pgvectormigrate.pipeline.TargetProvider;
import io.pgvectormigrate.report.Progress;

import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/** A copy command's pass with AWS DMS: the run's restored cluster and the stack's target unless the operator names them. */
public final class DmsCopy {
    private DmsCopy() {}

    /**
     * @param config migration.yaml (its {@code dms:} section), or null
     * @param flags  the DMS flags, over the file's values
     */
    public record Inputs(Path config, DmsConfig flags, String sourceSecretArn, String targetSecretArn) {}

    /**
     * The DMS settings of a step command: migration.yaml's {@code dms:} section with the flags over it and the secrets
     * the operator names. Checked without AWS, so a missing role or a bad value is exit 2 before any client exists.
     */
    public record Settings(DmsConfig dms, String sourceSecretArn, String targetSecretArn) {
        /**
         * @param creates the pass creates DMS objects (migrate): only then is the role DMS assumes needed; cutover and
         *                --abandon stop and delete what the journal lists, and take the rest from the run
         */
        public static Settings of(Inputs in, boolean creates) {
            MigrationConfig file = in.config() == null ? MigrationConfig.EMPTY : MigrationConfig.read(in.config());
            DmsConfig dms = RunSettings.merge(file.dms(), in.flags());
            if (creates && dms.roleArn() == null && (dms.secretsAccessRoleArn() == null || dms.serviceAccessRoleArn() == null)) {
                throw ToolException.usage("--engine dms needs the AWS options: the role DMS assumes (--dms-role-arn, or dms.roleArn in "
                        + "--config; `pgvector-migrate iam-policy` prints it), --region, and, unless --run-id names a restored run, "
                        + "the network and secrets (--dms-subnet-ids, --dms-security-group-ids, --source-secret-arn, --target-secret-arn)");
            }
            dms.applyTo(DmsOptions.builder()); // bad values are exit 2 now
            return new Settings(dms, in.sourceSecretArn(), in.targetSecretArn());
        }

        UnaryOperator<DmsOptions.Builder> apply() {
            return b -> {
                dms.applyTo(b);
                if (sourceSecretArn != null) b.sourceSecretId(sourceSecretArn);
                if (targetSecretArn != null) b.targetSecretId(targetSecretArn);
                return b;
            };
        }
    }

    /**
     * @param source the operator's source, or null for the cluster restore made
     * @param target the operator's target, or null for the stack's cluster
     */
    public static Standalone.Result run(Standalone.Copy q, Settings settings, ConnectionSpec source, ConnectionSpec target, AwsClients aws,
                                        Progress progress, Clock clock) {
        // bad input leaves nothing: checked on the journal as it is, before it is created or written
        Standalone.requireRun(q);
        Journal existing = Journal.exists(q.workDir(), q.runId()) ? Journal.load(q.workDir(), q.runId(), clock) : null;
        if (existing != null) AwsProvider.checkRegion(existing, aws.region());
        if (target == null && (existing == null || existing.parameter(StackTarget.P_ENDPOINT).isEmpty())) {
            throw ToolException.usage("no --target, and run " + q.runId() + " has no target cluster recorded: pass --target "
                    + "(and --target-secret-arn for DMS), or restore with --stack first");
        }
        Standalone.Opened o = Standalone.open(q, RunSettings.Engine.DMS.id(), source, target, clock);
        Journal j = o.journal();
        if (j.parameter(AwsProvider.P_REGION).isEmpty()) j.putParameter(AwsProvider.P_REGION, aws.region());
        SourceProvider src = source != null ? new ExistingDatabase(source, null, "source") : new RestoredSource(aws);
        TargetProvider tgt = target != null ? new ExistingDatabase(target, null, "target")
                : new StackTarget(aws, settings.targetSecretArn(), null);
        return Standalone.copy(o.copy(), j, src, tgt, Engines.dms(aws, settings.apply()), progress, clock);
    }

    /**
     * What the operator can do after a DMS migrate, as commands that work as printed: cutover takes the migration type,
     * the region and the network from the run's journal and needs no role; the databases the run cannot find itself
     * (no restored cluster, no stack target) are named, and their passwords come as for any command.
     */
    public static List<String> nextAfterMigrate(Standalone.Result r, boolean cutOver) {
        List<String> next = new ArrayList<>();
        Journal j = r.journal();
        String wd = " --work-dir " + j.runDir().getParent().getParent();
        next.add("verify the copy: pgvector-migrate verify --source " + r.source() + " --target " + r.target());
        if (!cutOver) {
            String source = AwsProvider.temporarySource(j).isPresent() ? "" : " --source " + r.source();
            String target = j.parameter(StackTarget.P_ENDPOINT).isPresent() ? "" : " --target " + r.target();
            next.add("then cut over (stops DMS, drops what it leaves on the source): pgvector-migrate cutover --engine dms --run-id "
                    + r.runId() + source + target + wd);
        }
        next.add("delete the DMS objects (and the temporary cluster, if restore made it): pgvector-migrate cleanup --run-id "
                + r.runId() + wd);
        return next;
    }
}
