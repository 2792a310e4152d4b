package io.pgvectormigrate.aws.dms;

import io.pgvectormigrate.aws.AwsWaits;

import io.pgvectormigrate.pipeline.Endpoints;
import io.pgvectormigrate.pipeline.RunContext;
import software.amazon.awssdk.services.databasemigration.DatabaseMigrationClient;
import software.amazon.awssdk.services.databasemigration.model.DataMigration;
import software.amazon.awssdk.services.databasemigration.model.StartReplicationMigrationTypeValue;

import java.util.Optional;

/**
 * The AWS changes of {@link DmsEngine}'s migrate and cutover in the order it makes them, without the database work
 * around them: {@code plan} runs before the temporary source exists. migrate ensures the network, the instance profile,
 * both data providers, the project and the data migration, then starts it (as {@code runUntilLoaded} chooses the start
 * type); cutover stops a migration that still streams. Teardown needs no stand-in: its deletes touch no database. The
 * plan tests compare what this lists with the calls a run sends, so a change to the engine's order shows there.
 */
final class DmsPlan {
    private DmsPlan() {}

    static void migrate(DatabaseMigrationClient dms, DmsOptions options, RunContext ctx, Endpoints endpoints) {
        DmsObjects objects = new DmsObjects(dms, options, ctx.journal(), ctx.progress(), new AwsWaits(options.pollInterval(), options.heartbeat(), java.time.Clock.systemUTC(), ctx.progress()));
        // a resumed run keeps its migration's rules; a new one names the tables the filter selects on the restored cluster
        Optional<DataMigration> earlier = objects.runDataMigration();
        String rules = earlier.map(dm -> dm.dataMigrationSettings() == null ? null : dm.dataMigrationSettings().selectionRules())
                .orElse("(one include rule per table that " + endpoints.tables().describe() + " selects on the restored cluster)");
        String subnetGroup = objects.ensureSubnetGroup();
        String profile = objects.ensureInstanceProfile(subnetGroup);
        String source = objects.ensureDataProvider("source", options.source(), endpoints.source());
        String target = objects.ensureDataProvider("target", options.target(), endpoints.target());
        String project = objects.ensureProject(profile, source, target);
        DataMigration dm = objects.ensureDataMigration(project, rules);
        DmsStatus status = DmsStatus.of(dm.dataMigrationStatus());
        boolean cdc = options.migrationType().cdc();
        if (!status.startable() || (!cdc && status == DmsStatus.STOPPED)) return; // running already, or a finished full load
        StartReplicationMigrationTypeValue type = switch (status) {
            case READY -> StartReplicationMigrationTypeValue.START_REPLICATION;
            case STOPPED -> StartReplicationMigrationTypeValue.RESUME_PROCESSING;
            default -> StartReplicationMigrationTypeValue.RELOAD_TARGET;
        };
        DmsCalls.call("StartDataMigration", () -> dms.startDataMigration(b -> b.dataMigrationIdentifier(dm.dataMigrationArn()).startType(type)));
    }

    static void cutover(DatabaseMigrationClient dms, DmsOptions options, RunContext ctx) {
        DmsObjects objects = new DmsObjects(dms, options, ctx.journal(), ctx.progress(), new AwsWaits(options.pollInterval(), options.heartbeat(), java.time.Clock.systemUTC(), ctx.progress()));
        objects.runDataMigration().filter(dm -> DmsStatus.of(dm.dataMigrationStatus()).active()).ifPresent(dm ->
                DmsCalls.call("StopDataMigration", () -> dms.stopDataMigration(b -> b.dataMigrationIdentifier(dm.dataMigrationArn()))));
    }
}
