package io.pgvectormigrate.run;

import io.pgvectormigrate.aws.AwsClients;
import io.pgvectormigrate.aws.AwsErrors;
import io.pgvectormigrate.aws.Kinds;
import io.pgvectormigrate.aws.Secrets;
import io.pgvectormigrate.aws.SourceSnapshot;
import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pg.Catalog;
import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pg.Database;
import io.pgvectormigrate.pg.SqlErrors;
import io.pgvectormigrate.pg.TableFilter;
import io.pgvectormigrate.pg.TableId;
import io.pgvectormigrate.pipeline.CopyEngine;
import io.pgvectormigrate.pipeline.Endpoints;
import io.pgvectormigrate.pipeline.Journal;
import io.pgvectormigrate.pipeline.Pipeline;
import io.pgvectormigrate.pipeline.Resource;
import io.pgvectormigrate.pipeline.RunContext;
import io.pgvectormigrate.pipeline.Step;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The checks {@code run} adds to the preflight step, after the AWS provider checked the snapshot and found the target
 * (so the journal knows both) and the stack target logged in. Every failure is exit 2.
 *
 * <p>A listener: on success it runs before preflight counts as done, so a failure fails the step. A run that
 * continues a journal whose preflight another command did ({@code restore}) runs them once before going on.
 *
 * @param database whether the checks log in to the target (plan reads AWS only)
 */
record RunChecks(AwsClients aws, StackTarget target, CopyEngine engine, TableFilter tables, boolean database)
        implements Pipeline.Listener {
    /** Preflight output saying these checks passed for the run. */
    static final String OUTPUT = "run-checks";
    /** run's part of the one SQL failure rule ({@link SqlErrors}) for the target's catalog reads. */
    static final SqlErrors.Advice SQL_ADVICE = new SqlErrors.Advice("re-run with the same --run-id to resume",
            "connect as the stack's database owner or master user");

    @Override
    public void afterStep(Step step, RunContext ctx, Endpoints endpoints, boolean succeeded) {
        if (step == Step.PREFLIGHT && succeeded) check(ctx);
    }

    void check(RunContext ctx) {
        Journal j = ctx.journal();
        List<String> passed = new ArrayList<>();

        String sourceVersion = j.parameter("aws.engineVersion").orElse(null);
        String targetVersion = j.parameter("aws.target.engineVersion").orElse(null);
        if (sourceVersion != null && targetVersion != null) {
            if (SourceSnapshot.compareVersions(targetVersion, sourceVersion) < 0) {
                throw ToolException.usage("the target cluster " + j.parameter("aws.target.cluster").orElse("?") + " runs aurora-postgresql "
                        + targetVersion + ", older than the snapshot's " + sourceVersion + ": DMS and pg_restore need a target at least "
                        + "as new as the source; upgrade the target cluster first (or restore with --engine-version no newer than it)");
            }
            passed.add("target " + targetVersion + " >= source " + sourceVersion);
        }

        ConnectionSpec t = target.spec(ctx);
        if (database) {
            List<String> nonEmpty = nonEmptyTables(t, tables);
            if (!nonEmpty.isEmpty()) {
                throw ToolException.usage("the target " + t.display() + " already holds rows in " + String.join(", ", nonEmpty)
                        + ": the run loads into empty tables; empty them (or check --stack names the new cluster) and re-run");
            }
            passed.add("target reachable, selected tables empty");
        }

        Secrets secrets = new Secrets(aws.secretsManager());
        for (Resource r : j.resourcesOfKind(Kinds.SECRET)) {
            if (r.deleted() || !Kinds.PURPOSE_CAPTURED.equals(r.attribute(Kinds.ATTR_PURPOSE))) continue;
            String id = r.attribute(Kinds.ATTR_ARN) != null ? r.attribute(Kinds.ATTR_ARN) : r.id();
            AwsErrors.guard(() -> secrets.read(id)); // not found or denied: exit 2 now rather than after the restore
            passed.add("captured secret readable");
        }

        passed.addAll(engine.checkBeforeCreate(ctx, t));
        j.putOutput(Step.PREFLIGHT, OUTPUT, String.join("; ", passed));
        ctx.progress().info("run checks passed: " + String.join("; ", passed));
    }

    /** Selected tables on the target that hold at least one row (a partitioned one in any partition). */
    static List<String> nonEmptyTables(ConnectionSpec spec, TableFilter filter) {
        List<String> out = new ArrayList<>();
        try (Connection c = Database.connect(spec, "target", null)) {
            for (TableId t : Catalog.select(c, filter).roots()) {
                if (Catalog.hasRows(c, t)) out.add(t.key());
            }
        } catch (SQLException e) {
            throw SqlErrors.of("target", "reading the tables", e, SQL_ADVICE);
        }
        return out;
    }
}
