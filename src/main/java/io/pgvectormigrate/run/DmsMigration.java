package io.pgvectormigrate.run;

import io.pgvectormigrate.aws.AwsCalls;
import io.pgvectormigrate.aws.AwsClients;
import io.pgvectormigrate.aws.AwsErrors;
import io.pgvectormigrate.aws.AwsProvider;
import io.pgvectormigrate.aws.DbSecret;
import io.pgvectormigrate.aws.Secrets;
import io.pgvectormigrate.aws.TemporarySource;
import io.pgvectormigrate.aws.dms.DmsConfig;
import io.pgvectormigrate.aws.dms.DmsOptions;
import io.pgvectormigrate.aws.dms.JournalDmsEngine;
import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pg.Database;
import io.pgvectormigrate.pg.TableFilter;
import io.pgvectormigrate.pipeline.CopyEngine;
import io.pgvectormigrate.pipeline.Endpoints;
import io.pgvectormigrate.pipeline.Journal;
import io.pgvectormigrate.pipeline.RunContext;
import io.pgvectormigrate.pipeline.Step;
import io.pgvectormigrate.report.Progress;

import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code migrate --engine dms}: the DMS engine on its own, for operators who run the steps one by one
 * ({@code restore}, {@code prepare-target}, {@code migrate}, {@code verify}, {@code cleanup}). With the run id of a
 * {@code restore}, the source (its tool-owned secret), the target (the stack's secret), the network and both secrets
 * come from the journal; otherwise the operator passes them. Journals migrate and cutover like the pipeline does.
 */
public final class DmsMigration {
    /**
     * @param dms  migration.yaml's {@code dms:} section with the flags over it
     */
    public record Request(String runId, Path workDir, DmsConfig dms, String sourceSecretArn, String targetSecretArn,
                          TableFilter tables, boolean cutover) {}

    public record Result(String runId, CopyEngine.Result migrate, CopyEngine.Result cutover, List<String> next) {}

    private DmsMigration() {}

    /** Checks what needs no AWS (the role, the values) so a missing one is exit 2 before any client exists. */
    public static Request request(String runId, Path workDir, Path config, DmsConfig flags, String sourceSecretArn,
                                  String targetSecretArn, TableFilter tables, boolean cutover, Clock clock) {
        MigrationConfig file = config == null ? MigrationConfig.EMPTY : MigrationConfig.read(config);
        DmsConfig dms = RunSettings.merge(file.dms(), flags);
        if (dms.roleArn() == null && (dms.secretsAccessRoleArn() == null || dms.serviceAccessRoleArn() == null)) {
            throw ToolException.usage("--engine dms needs the AWS options: the role DMS assumes (--dms-role-arn, or dms.roleArn in "
                    + "--config; `pgvector-migrate iam-policy` prints it), --region, and, unless --run-id names a restored run, "
                    + "the network and secrets (--dms-subnet-ids, --dms-security-group-ids, --source-secret-arn, --target-secret-arn)");
        }
        dms.applyTo(DmsOptions.builder()); // bad values are exit 2 now
        String id = runId != null ? runId
                : "dms-" + DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(clock.instant());
        Journal.validateRunId(id);
        return new Request(id, workDir, dms, sourceSecretArn, targetSecretArn, tables, cutover);
    }

    /**
     * @param source the operator's source, or null for the run's restored cluster
     * @param target the operator's target, or null for the stack's cluster
     */
    public static Result run(Request q, ConnectionSpec source, ConnectionSpec target, AwsClients aws, Progress progress, Clock clock) {
        Journal j = Journal.open(q.workDir(), q.runId(), "migrate", clock);
        AwsProvider.checkRegion(j, aws.region());
        if (j.parameter(AwsProvider.P_REGION).isEmpty()) j.putParameter(AwsProvider.P_REGION, aws.region());
        j.putParameter("engine", "dms");
        RunContext ctx = new RunContext(j, progress, q.workDir(), clock);
        ConnectionSpec src = source != null ? source : restoredSource(j, aws, progress);
        ConnectionSpec tgt = target != null ? target : stackTarget(q, j, aws, ctx);
        j.putParameter("source", src.display());
        j.putParameter("target", tgt.display());
        JournalDmsEngine engine = new JournalDmsEngine(aws.dms(), aws.region(), b -> {
            q.dms().applyTo(b);
            if (q.sourceSecretArn() != null) b.sourceSecretId(q.sourceSecretArn());
            if (q.targetSecretArn() != null) b.targetSecretId(q.targetSecretArn());
            if (b.missingZones()) b.addSubnetZones(io.pgvectormigrate.aws.SubnetZones.ofRegion(new AwsCalls(aws.pacing(), progress), aws.rds()));
            return b;
        }, null);
        Endpoints ep = new Endpoints(src, tgt, q.tables());

        CopyEngine.Result migrated;
        if (j.isDone(Step.MIGRATE)) {
            progress.info("migrate: done in an earlier attempt of run " + q.runId());
            migrated = new CopyEngine.Result(j.step(Step.MIGRATE).message(), j.step(Step.MIGRATE).outputs());
        } else {
            migrated = step(j, Step.MIGRATE, () -> {
                engine.preflight(ctx, ep);
                return engine.migrate(ctx, ep);
            });
        }
        CopyEngine.Result cut = q.cutover() ? step(j, Step.CUTOVER, () -> engine.cutover(ctx, ep)) : null;

        List<String> next = new ArrayList<>();
        String wd = " --work-dir " + q.workDir();
        next.add("verify the copy: pgvector-migrate verify --source " + src.display() + " --target " + tgt.display());
        if (cut == null) {
            next.add("then cut over (stops DMS, drops what it leaves on the source): pgvector-migrate migrate --engine dms --run-id "
                    + q.runId() + wd + " --cutover");
        }
        next.add("delete the DMS objects (and the temporary cluster, if restore made it): pgvector-migrate cleanup --run-id "
                + q.runId() + wd);
        return new Result(q.runId(), migrated, cut, next);
    }

    /** The temporary cluster restore made, logged in with its tool-owned secret. */
    private static ConnectionSpec restoredSource(Journal j, AwsClients aws, Progress progress) {
        TemporarySource ts = AwsProvider.temporarySource(j).orElseThrow(() -> ToolException.usage("no --source, and run " + j.runId()
                + " has no restored cluster with credentials: pass --source, or run `pgvector-migrate restore --run-id " + j.runId()
                + "` first"));
        DbSecret s = AwsErrors.guard(() -> new Secrets(new AwsCalls(aws.pacing(), progress), aws.secretsManager()).read(ts.secretArn()));
        return new ConnectionSpec(ts.endpoint(), ts.port(), ts.database(), s.username(), s.password(), Map.of());
    }

    private static ConnectionSpec stackTarget(Request q, Journal j, AwsClients aws, RunContext ctx) {
        if (j.parameter(StackTarget.P_ENDPOINT).isEmpty()) {
            throw ToolException.usage("no --target, and run " + j.runId() + " has no target cluster recorded: pass --target "
                    + "(and --target-secret-arn for DMS), or restore with --stack first");
        }
        return new StackTarget(aws, q.targetSecretArn(), null).connect(ctx, null);
    }

    private static CopyEngine.Result step(Journal j, Step step, Supplier<CopyEngine.Result> body) {
        j.started(step);
        try {
            CopyEngine.Result r = body.get();
            j.done(step, r.summary(), r.figures());
            return r;
        } catch (RuntimeException e) {
            j.failed(step, e instanceof ToolException ? e.getMessage() : e.getClass().getSimpleName() + ": " + Database.firstLine(e.getMessage()));
            throw e;
        }
    }
}
