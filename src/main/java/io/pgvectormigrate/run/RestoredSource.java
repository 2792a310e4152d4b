package io.pgvectormigrate.run;

import io.pgvectormigrate.aws.AwsClients;
import io.pgvectormigrate.aws.AwsErrors;
import io.pgvectormigrate.aws.AwsProvider;
import io.pgvectormigrate.aws.DbSecret;
import io.pgvectormigrate.aws.Secrets;
import io.pgvectormigrate.aws.TemporarySource;
import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pipeline.Journal;
import io.pgvectormigrate.pipeline.RunContext;
import io.pgvectormigrate.pipeline.SourceProvider;

import java.util.Map;

/**
 * The temporary cluster an earlier {@code restore} made, as the step commands after it see it: found in the run's
 * journal, logged in to with its tool-owned secret. It restores nothing and removes nothing (cleanup deletes it).
 */
record RestoredSource(AwsClients aws) implements SourceProvider {
    @Override
    public String name() {
        return "aws";
    }

    private static TemporarySource restored(Journal j) {
        return AwsProvider.temporarySource(j).orElseThrow(() -> ToolException.usage("no --source, and run " + j.runId()
                + " has no restored cluster with credentials: pass --source, or run `pgvector-migrate restore --run-id " + j.runId()
                + "` first"));
    }

    @Override
    public void preflight(RunContext ctx) {
        restored(ctx.journal());
    }

    @Override
    public void restore(RunContext ctx) {
        restored(ctx.journal());
    }

    @Override
    public ConnectionSpec credentials(RunContext ctx) {
        TemporarySource ts = restored(ctx.journal());
        DbSecret s = AwsErrors.guard(() -> new Secrets(aws.secretsManager()).read(ts.secretArn()));
        return new ConnectionSpec(ts.endpoint(), ts.port(), ts.database(), s.username(), s.password(), Map.of());
    }

    @Override
    public void teardown(RunContext ctx) {
        // `pgvector-migrate cleanup --run-id` deletes the cluster and everything else the run made
    }
}
