package io.pgvectormigrate.aws.dms;

import io.pgvectormigrate.aws.AwsWaits;

import io.pgvectormigrate.pipeline.Endpoints;
import io.pgvectormigrate.pipeline.RunContext;
import software.amazon.awssdk.services.databasemigration.DatabaseMigrationClient;
import software.amazon.awssdk.services.databasemigration.model.DataMigration;

import java.time.Clock;

/**
 * The AWS changes of {@link DmsEngine}'s migrate and cutover in the order it makes them, without the database work
 * around them: {@code plan} runs before the temporary source exists. migrate ensures the run's objects
 * ({@link DmsObjects#ensureAll}), then starts the data migration as {@link LoadWatch#startType} chooses; cutover stops
 * a migration that still streams. Teardown needs no stand-in: its deletes touch no database. The plan tests compare
 * what this lists with the calls a run sends, so a change to the engine's order shows there.
 */
final class DmsPlan {
    private DmsPlan() {}

    static void migrate(DatabaseMigrationClient dms, DmsOptions options, RunContext ctx, Endpoints endpoints) {
        DmsObjects objects = objects(dms, options, ctx);
        // a resumed run keeps its migration's rules; a new one names the tables the filter selects on the restored cluster
        String rules = objects.runDataMigration()
                .map(dm -> dm.dataMigrationSettings() == null ? null : dm.dataMigrationSettings().selectionRules())
                .orElse("(one include rule per table that " + endpoints.tables().describe() + " selects on the restored cluster)");
        DataMigration dm = objects.ensureAll(endpoints, rules);
        String arn = dm.dataMigrationArn();
        LoadWatch.startType(DmsStatus.of(dm.dataMigrationStatus()), options.migrationType().cdc()).ifPresent(type ->
                DmsObjects.call("StartDataMigration",
                        () -> dms.startDataMigration(b -> b.dataMigrationIdentifier(arn).startType(type))));
    }

    static void cutover(DatabaseMigrationClient dms, DmsOptions options, RunContext ctx) {
        objects(dms, options, ctx).runDataMigration().filter(dm -> DmsStatus.of(dm.dataMigrationStatus()).active())
                .ifPresent(dm -> DmsObjects.call("StopDataMigration",
                        () -> dms.stopDataMigration(b -> b.dataMigrationIdentifier(dm.dataMigrationArn()))));
    }

    private static DmsObjects objects(DatabaseMigrationClient dms, DmsOptions options, RunContext ctx) {
        AwsWaits waits = new AwsWaits(options.pollInterval(), options.heartbeat(), Clock.systemUTC(), ctx.progress());
        return new DmsObjects(dms, options, ctx.journal(), ctx.progress(), waits);
    }
}
