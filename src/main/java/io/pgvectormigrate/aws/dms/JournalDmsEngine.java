package io.pgvectormigrate.aws.dms;

import io.pgvectormigrate.aws.AwsWaits;
import io.pgvectormigrate.aws.RunNames;
import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pipeline.CopyEngine;
import io.pgvectormigrate.pipeline.Endpoints;
import io.pgvectormigrate.pipeline.Journal;
import io.pgvectormigrate.pipeline.RunContext;
import io.pgvectormigrate.pipeline.Step;
import software.amazon.awssdk.services.databasemigration.DatabaseMigrationClient;
import software.amazon.awssdk.services.databasemigration.model.DataMigration;
import software.amazon.awssdk.services.iam.IamClient;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * The DMS engine of an AWS run whose other parts are in the journal: at every call its options are built again
 * from what the AWS provider recorded (the target's private subnets and security group from the stack outputs,
 * the stack's secret, and the tool-owned secret of the temporary cluster once the credentials step made it),
 * then the operator's settings (migration.yaml's {@code dms:} section and flags) on top. So a resumed run, or
 * {@code migrate --engine dms --run-id} after {@code restore}, needs no identifiers copied by hand.
 */
public final class JournalDmsEngine implements CopyEngine {
    /** Journal keys the AWS provider writes (see docs/aws.md, "The run journal"). */
    static final String P_SUBNETS = "aws.target.subnets", P_STACK_SG = "aws.target.stackSecurityGroup",
            P_TARGET_SGS = "aws.target.securityGroups", P_TARGET_SECRET = "aws.target.secretArn";

    private final DatabaseMigrationClient dms;
    private final IamClient iam;
    private final String region;
    private final UnaryOperator<DmsOptions.Builder> settings;
    private final Supplier<Map<String, String>> regionSubnetZones;
    private Map<String, String> regionZones;

    /**
     * @param iam               checks the roles DMS assumes before anything is created
     * @param settings          the operator's settings, applied over the journal's defaults (config, then flags)
     * @param regionSubnetZones the zones of every subnet of the region's DB subnet groups (DescribeDBSubnetGroups), asked
     *                          only when a DMS subnet is not in the target's subnet group the journal recorded
     */
    public JournalDmsEngine(DatabaseMigrationClient dms, IamClient iam, String region, UnaryOperator<DmsOptions.Builder> settings,
                            Supplier<Map<String, String>> regionSubnetZones) {
        this.dms = dms;
        this.iam = iam;
        this.region = region;
        this.settings = settings == null ? b -> b : settings;
        this.regionSubnetZones = regionSubnetZones;
    }

    /**
     * The journal's defaults: network of the target, its secret, the temporary cluster's tool-owned secret, and the type
     * of the data migration the run created (so cutover and teardown judge the migration that exists, whatever flags
     * they are given).
     */
    private static DmsOptions.Builder defaults(Journal j, DmsOptions.Builder b) {
        recordedType(j).ifPresent(b::migrationType);
        b.subnetIds(DmsEngine.csv(j.parameter(P_SUBNETS).orElse(null)));
        b.subnetZones(io.pgvectormigrate.aws.SubnetZones.parse(j.parameter(io.pgvectormigrate.aws.TargetInfo.P_SUBNET_ZONES).orElse(null)));
        // the stack's database security group (both clusters use it); else the target cluster's own groups
        List<String> sgs = DmsEngine.csv(j.parameter(P_STACK_SG).orElse(null));
        b.securityGroupIds(sgs.isEmpty() ? DmsEngine.csv(j.parameter(P_TARGET_SGS).orElse(null)) : sgs);
        j.parameter(P_TARGET_SECRET).ifPresent(b::targetSecretId);
        j.output(Step.CREDENTIALS, "secretArn").ifPresent(b::sourceSecretId);
        return b;
    }

    /**
     * The options for this run now; a migration type other than the one the run's data migration has is bad input.
     *
     * @param sourceSecret the source secret when neither the journal nor the operator names one yet, or null
     */
    private DmsOptions options(Journal j, String sourceSecret) {
        DmsOptions.Builder b = settings.apply(defaults(j, DmsOptions.builder().region(region)
                .sourceSecretId(sourceSecret)));
        if (b.missingZones()) {
            // a DMS subnet outside the target's subnet group: the region's DB subnet groups place it
            if (regionZones == null) regionZones = regionSubnetZones.get();
            b.addSubnetZones(regionZones);
        }
        DmsOptions o = b.build();
        recordedType(j).filter(t -> t != o.migrationType()).ifPresent(t -> {
            throw ToolException.usage("run " + j.runId() + "'s DMS data migration is " + t.api() + ", not " + o.migrationType().api()
                    + ": drop --dms-migration-type (or dms.migrationType) to continue it, or start a new run with another --run-id");
        });
        return o;
    }

    /** The type of the data migration the run created (recorded with it before the create call), if any. */
    private static Optional<DmsOptions.MigrationType> recordedType(Journal j) {
        return j.resourcesOfKind(DmsObjects.KIND_DATA_MIGRATION).stream().map(r -> r.attribute("type"))
                .filter(java.util.Objects::nonNull).findFirst().map(DmsOptions.MigrationType::of);
    }

    private DmsEngine engine(RunContext ctx) {
        return new DmsEngine(dms, options(ctx.journal(), null));
    }

    @Override
    public String name() {
        return "dms";
    }

    /** The network and the target's data provider, while the restore runs (see {@link DmsEngine#headStart}). */
    @Override
    public Optional<HeadStart> headStart() {
        return Optional.of(new HeadStart() {
            @Override
            public String name() {
                return "dms instance profile and target data provider";
            }

            @Override
            public void run(RunContext ctx, ConnectionSpec target) {
                engine(ctx).headStart(ctx, target);
            }
        });
    }

    /**
     * Before an AWS run creates anything: the temporary cluster's master user and the target's login against DMS's
     * rules, the options (the source secret the credentials step will make is named for the run), and the roles.
     */
    @Override
    public List<String> checkBeforeCreate(RunContext ctx, ConnectionSpec target) {
        Journal j = ctx.journal();
        String user = j.parameter("aws.masterUsername").orElse(null);
        if (user != null && !user.matches("[A-Za-z][A-Za-z0-9_]{1,63}")) {
            throw ToolException.usage("DMS cannot log in to the temporary cluster as its master user '" + user
                    + "': DMS user names are 2-64 letters, digits or underscores starting with a letter; use --engine native");
        }
        // the credentials step makes the source secret later; its name is the run's
        DmsOptions o = options(j, new RunNames(j.runId()).sourceSecret());
        o.validate();
        new DmsNames(j.runId()).require();
        if (!o.subnetZones().isEmpty()) {
            // what the region's subnet groups told, kept for the rest of the run
            j.putParameter(io.pgvectormigrate.aws.TargetInfo.P_SUBNET_ZONES, io.pgvectormigrate.aws.SubnetZones.format(o.subnetZones()));
        }
        DmsPreflight.checkDmsCredentialRules(target, "target");
        List<String> roles = DmsRole.check(iam, o);
        return List.of("DMS options; roles " + String.join(", ", roles));
    }

    @Override
    public void checkSource(RunContext ctx, Endpoints endpoints) {
        engine(ctx).checkSource(ctx, endpoints);
    }

    @Override
    public void preflight(RunContext ctx, Endpoints endpoints) {
        engine(ctx).preflight(ctx, endpoints);
    }

    @Override
    public Migrated migrate(RunContext ctx, Endpoints endpoints) {
        return engine(ctx).migrate(ctx, endpoints);
    }

    @Override
    public CutOver cutover(RunContext ctx, Endpoints endpoints) {
        return engine(ctx).cutover(ctx, endpoints);
    }

    @Override
    public void teardown(RunContext ctx, Endpoints endpoints) {
        engine(ctx).teardown(ctx, endpoints);
    }

    /**
     * plan's DMS changes, in the order the engine makes them but without the database work around them ({@code plan}
     * runs before the temporary source exists): migrate ensures the run's objects ({@link DmsObjects#ensureAll}), then
     * starts the data migration as {@link LoadWatch#startType} chooses; cutover stops a migration that still streams;
     * teardown's deletes touch no database. The plan tests compare this with the calls a run sends, so a change of
     * order shows there.
     */
    @Override
    public void planAws(Step step, RunContext ctx, Endpoints endpoints) {
        if (step == Step.TEARDOWN) teardown(ctx, null);
        if (step != Step.MIGRATE && step != Step.CUTOVER) return;
        DmsOptions options = options(ctx.journal(), null);
        AwsWaits waits = new AwsWaits(options.pollInterval(), options.heartbeat(), Clock.systemUTC(), ctx.progress());
        DmsObjects objects = new DmsObjects(dms, options, ctx.journal(), ctx.progress(), waits);
        if (step == Step.CUTOVER) {
            objects.runDataMigration().filter(dm -> DmsStatus.of(dm.dataMigrationStatus()).active())
                    .ifPresent(dm -> DmsObjects.call("StopDataMigration",
                            () -> dms.stopDataMigration(b -> b.dataMigrationIdentifier(dm.dataMigrationArn()))));
            return;
        }
        // a resumed run keeps its migration's rules; a new one names the tables the filter selects on the restored
        // cluster
        String rules = objects.runDataMigration()
                .map(dm -> dm.dataMigrationSettings() == null ? null : dm.dataMigrationSettings().selectionRules())
                .orElse("(one include rule per table that " + endpoints.tables().describe()
                        + " selects on the restored cluster)");
        DataMigration dm = objects.ensureAll(endpoints, rules);
        LoadWatch.startType(DmsStatus.of(dm.dataMigrationStatus()), options.migrationType().cdc()).ifPresent(type ->
                DmsObjects.call("StartDataMigration",
                        () -> dms.startDataMigration(b -> b.dataMigrationIdentifier(dm.dataMigrationArn())
                                .startType(type))));
    }
}
