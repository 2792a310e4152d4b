package io.pgvectormigrate.aws.dms;

import io.pgvectormigrate.aws.AwsWaits;
import io.pgvectormigrate.aws.AwsErrors;
import io.pgvectormigrate.core.Durations;
import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pipeline.Endpoints;
import io.pgvectormigrate.pipeline.Journal;
import io.pgvectormigrate.pipeline.Resource;
import io.pgvectormigrate.report.Progress;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.pagination.sync.SdkIterable;
import software.amazon.awssdk.services.databasemigration.DatabaseMigrationClient;
import software.amazon.awssdk.services.databasemigration.model.DataMigration;
import software.amazon.awssdk.services.databasemigration.model.DataProviderDescriptorDefinition;
import software.amazon.awssdk.services.databasemigration.model.DataProviderSettings;
import software.amazon.awssdk.services.databasemigration.model.Filter;
import software.amazon.awssdk.services.databasemigration.model.InvalidResourceStateException;
import software.amazon.awssdk.services.databasemigration.model.PostgreSqlDataProviderSettings;
import software.amazon.awssdk.services.databasemigration.model.ReplicationSubnetGroup;
import software.amazon.awssdk.services.databasemigration.model.ResourceAlreadyExistsException;
import software.amazon.awssdk.services.databasemigration.model.ResourceNotFoundException;
import software.amazon.awssdk.services.databasemigration.model.Tag;
import software.amazon.awssdk.services.databasemigration.model.TargetDataSetting;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Creates (or, on resume, finds) and deletes the DMS objects of one run, keeping the journal in step: each
 * object is recorded under its run-derived name before the create call and again with its ARN after, so a
 * crash at any point leaves either nothing or something the next run finds by name. Objects found by name
 * are adopted only when tagged with this run's id.
 */
final class DmsObjects {
    static final String KIND_SUBNET_GROUP = "dms.replication-subnet-group";
    static final String KIND_INSTANCE_PROFILE = "dms.instance-profile";
    static final String KIND_DATA_PROVIDER = "dms.data-provider";
    static final String KIND_PROJECT = "dms.migration-project";
    static final String KIND_DATA_MIGRATION = "dms.data-migration";

    /** The order teardown deletes in: each object only after everything that uses it. */
    static final List<String> DELETE_ORDER = List.of(KIND_DATA_MIGRATION, KIND_PROJECT, KIND_DATA_PROVIDER,
            KIND_INSTANCE_PROFILE, KIND_SUBNET_GROUP);

    static final String PROVIDER_ENGINE = "aurora-postgresql";

    private final DatabaseMigrationClient dms;
    private final DmsOptions options;
    private final Journal journal;
    private final Progress progress;
    private final DmsNames names;
    private final AwsWaits waits;

    DmsObjects(DatabaseMigrationClient dms, DmsOptions options, Journal journal, Progress progress, AwsWaits waits) {
        this(dms, options, journal.runId(), journal, progress, waits);
    }

    /** For cleanup, which may look before a journal exists: {@code journal} may then be null (finds and deletes only). */
    DmsObjects(DatabaseMigrationClient dms, DmsOptions options, String runId, Journal journal, Progress progress, AwsWaits waits) {
        this.dms = dms;
        this.options = options;
        this.journal = journal;
        this.progress = progress;
        this.names = new DmsNames(runId);
        this.waits = waits;
    }

    DmsNames names() {
        return names;
    }

    /**
     * One DMS call through {@link AwsErrors}, a denial naming the IAM action (DescribeDataProviders is
     * dms:ListDataProviders); not found, invalid state and already exists reach the caller unchanged.
     */
    static <T> T call(String operation, Supplier<T> call) {
        return AwsErrors.call(IamPolicies.iamActionFor("dms", operation), call, ResourceNotFoundException.class,
                InvalidResourceStateException.class, ResourceAlreadyExistsException.class);
    }

    /** The replication subnet group: the operator's, or one made from the target's subnets. Returns its identifier. */
    String ensureSubnetGroup() {
        if (options.subnetGroupId() != null) return options.subnetGroupId();
        String name = names.subnetGroup();
        if (findSubnetGroup(name).isPresent()) {
            journal.recordResource(KIND_SUBNET_GROUP, name, Map.of("state", "created", "region", region()));
            return name;
        }
        journal.recordResource(KIND_SUBNET_GROUP, name, Map.of("state", "creating", "region", region()));
        try {
            call("CreateReplicationSubnetGroup", () -> dms.createReplicationSubnetGroup(b -> b
                    .replicationSubnetGroupIdentifier(name)
                    .replicationSubnetGroupDescription("pgvector-migrate run " + names.runId() + ": DMS network in the target's subnets")
                    .subnetIds(options.subnetIds())
                    .tags(tags("dms-subnet-group"))));
        } catch (ResourceAlreadyExistsException e) {
            // created by a run that crashed before describing it: adopt below
        }
        journal.recordResource(KIND_SUBNET_GROUP, name, Map.of("state", "created"));
        progress.info("dms: created replication subnet group " + name + " (" + String.join(", ", options.subnetIds()) + ")");
        return name;
    }

    String ensureInstanceProfile(String subnetGroup) {
        String name = names.instanceProfile();
        return ensure(KIND_INSTANCE_PROFILE, name, Map.of(),
                () -> call("CreateInstanceProfile", () -> dms.createInstanceProfile(b -> b
                        .instanceProfileName(name)
                        .description("pgvector-migrate run " + names.runId())
                        .subnetGroupIdentifier(subnetGroup)
                        .vpcSecurityGroups(options.securityGroupIds())
                        // the API defaults to a public IP; DMS only needs to reach the two private clusters
                        .publiclyAccessible(false)
                        .tags(tags("dms-instance-profile")))).instanceProfile().instanceProfileArn(),
                "instance profile " + name + " (subnet group " + subnetGroup + ", security groups "
                        + String.join(", ", options.securityGroupIds()) + ", not publicly accessible)");
    }

    /** A data provider for one side; {@code tool} is how the tool reaches that database (the default location). */
    String ensureDataProvider(String side, DmsOptions.Location where, ConnectionSpec tool) {
        String name = side.equals("source") ? names.sourceProvider() : names.targetProvider();
        String server = where.serverName() != null ? where.serverName() : tool.host();
        int port = where.port() != null ? where.port() : tool.port();
        String database = where.databaseName() != null ? where.databaseName() : tool.database();
        PostgreSqlDataProviderSettings.Builder pg = PostgreSqlDataProviderSettings.builder()
                .serverName(server).port(port).databaseName(database).sslMode(options.sslMode().api());
        if (options.certificateArn() != null) pg.certificateArn(options.certificateArn());
        return ensure(KIND_DATA_PROVIDER, name, Map.of("side", side, "server", server + ":" + port + "/" + database),
                () -> call("CreateDataProvider", () -> dms.createDataProvider(b -> b
                        .dataProviderName(name)
                        .description("pgvector-migrate run " + names.runId() + " " + side)
                        .engine(PROVIDER_ENGINE)
                        .settings(DataProviderSettings.builder().postgreSqlSettings(pg.build()).build())
                        .tags(tags("dms-" + side + "-provider")))).dataProvider().dataProviderArn(),
                side + " data provider " + name + " (" + server + ":" + port + "/" + database + ", ssl " + options.sslMode().api() + ")");
    }

    String ensureProject(String profileArn, String sourceProviderArn, String targetProviderArn) {
        String name = names.project();
        return ensure(KIND_PROJECT, name, Map.of(),
                () -> call("CreateMigrationProject", () -> dms.createMigrationProject(b -> b
                        .migrationProjectName(name)
                        .description("pgvector-migrate run " + names.runId())
                        .instanceProfileIdentifier(profileArn)
                        .sourceDataProviderDescriptors(DataProviderDescriptorDefinition.builder()
                                .dataProviderIdentifier(sourceProviderArn)
                                .secretsManagerSecretId(options.sourceSecretId())
                                .secretsManagerAccessRoleArn(options.secretsAccessRoleArn()).build())
                        .targetDataProviderDescriptors(DataProviderDescriptorDefinition.builder()
                                .dataProviderIdentifier(targetProviderArn)
                                .secretsManagerSecretId(options.targetSecretId())
                                .secretsManagerAccessRoleArn(options.secretsAccessRoleArn()).build())
                        .tags(tags("dms-migration-project")))).migrationProject().migrationProjectArn(),
                "migration project " + name);
    }

    DataMigration ensureDataMigration(String projectArn, String selectionRules) {
        String name = names.dataMigration();
        String arn = ensure(KIND_DATA_MIGRATION, name, Map.of("type", options.migrationType().api()),
                () -> call("CreateDataMigration", () -> dms.createDataMigration(b -> {
                    b.dataMigrationName(name)
                            .migrationProjectIdentifier(projectArn)
                            .dataMigrationType(options.migrationType().api())
                            .serviceAccessRoleArn(options.serviceAccessRoleArn())
                            .enableCloudwatchLogs(true)
                            .targetDataSettings(TargetDataSetting.builder()
                                    .tablePreparationMode(options.tablePreparation().api()).build())
                            .selectionRules(selectionRules)
                            .tags(tags("dms-data-migration"));
                    if (options.numberOfJobs() != null) b.numberOfJobs(options.numberOfJobs());
                })).dataMigration().dataMigrationArn(),
                options.migrationType().api() + " data migration " + name + " (tables " + options.tablePreparation().api()
                        + " first, CloudWatch logs on)");
        DataMigration dm = findDataMigration(arn).orElseThrow(() -> ToolException.runtime(
                "DMS data migration " + name + " vanished right after it was created: re-run the same command"));
        String existingRules = dm.dataMigrationSettings() == null ? null : dm.dataMigrationSettings().selectionRules();
        if (existingRules != null && !SelectionRules.parse(existingRules).equals(SelectionRules.parse(selectionRules))) {
            throw ToolException.usage("the DMS data migration of run " + names.runId() + " selects other tables than the filter given now: "
                    + "re-run with the same table filter, or clean the run up (pgvector-migrate cleanup --run-id " + names.runId() + ") first");
        }
        return dm;
    }

    /** The run's objects in the order each needs the one before (migrate makes them, plan lists them). */
    DataMigration ensureAll(Endpoints endpoints, String selectionRules) {
        String profile = ensureInstanceProfile(ensureSubnetGroup());
        String source = ensureDataProvider("source", options.source(), endpoints.source());
        String target = ensureDataProvider("target", options.target(), endpoints.target());
        return ensureDataMigration(ensureProject(profile, source, target), selectionRules);
    }

    private String ensure(String kind, String name, Map<String, String> attributes, Supplier<String> create,
                          String what) {
        Optional<Resource> recorded = journal.resource(kind, name);
        Optional<String> existing = find(kind, name).map(Found::arn);
        if (existing.isPresent()) {
            requireOurTag(existing.get(), kind, name);
            Map<String, String> attrs = new LinkedHashMap<>(attributes);
            attrs.put("arn", existing.get());
            attrs.put("state", "created");
            journal.recordResource(kind, name, attrs);
            if (recorded.isEmpty() || recorded.get().attribute("arn") == null) {
                progress.info("dms: found " + what + " from an earlier attempt of this run");
            }
            return existing.get();
        }
        Map<String, String> attrs = new LinkedHashMap<>(attributes);
        attrs.put("state", "creating");
        attrs.put("region", region());
        journal.recordResource(kind, name, attrs);
        String arn;
        try {
            arn = create.get();
        } catch (ResourceAlreadyExistsException e) {
            // another attempt of this run created it between our lookup and the create call
            arn = find(kind, name).map(Found::arn).orElseThrow(() -> e);
            requireOurTag(arn, kind, name);
        }
        journal.recordResource(kind, name, Map.of("arn", arn, "state", "created"));
        progress.info("dms: created " + what);
        return arn;
    }

    /** The run-id tag of a DMS object (null when it has none). */
    String runTag(String arn) {
        List<Tag> tags = call("ListTagsForResource", () -> dms.listTagsForResource(b -> b.resourceArn(arn))).tagList();
        return tags.stream().filter(t -> DmsNames.TAG_RUN_ID.equals(t.key())).map(Tag::value).findFirst().orElse(null);
    }

    private void requireOurTag(String arn, String kind, String name) {
        String owner = runTag(arn);
        if (!names.runId().equals(owner)) {
            throw ToolException.usage("a DMS " + kind.substring(4) + " named " + name + " already exists but "
                    + (owner == null ? "is not tagged by pgvector-migrate" : "belongs to run '" + owner + "'")
                    + ": delete it or pick another --run-id; nothing was created");
        }
    }

    private List<Tag> tags(String role) {
        List<Tag> tags = new ArrayList<>();
        tags.add(Tag.builder().key(DmsNames.TAG_RUN_ID).value(names.runId()).build());
        tags.add(Tag.builder().key(DmsNames.TAG_ROLE).value(role).build());
        options.extraTags().forEach((k, v) -> tags.add(Tag.builder().key(k).value(v).build()));
        return tags;
    }

    private String region() {
        return options.region() == null ? "" : options.region();
    }

    /**
     * Every item of a DMS Describe, through the SDK's paginator (MaxRecords, Marker); DMS answers a filter that matches
     * nothing with ResourceNotFoundFault, which is an empty list here.
     */
    static <R, T> List<T> all(String operation, Supplier<? extends SdkIterable<R>> pages, Function<R, List<T>> items) {
        try {
            return call(operation, () -> pages.get().stream().flatMap(r -> items.apply(r).stream()).toList());
        } catch (ResourceNotFoundException e) {
            return List.of();
        }
    }

    /** The largest page the DMS API references document for their Describe calls (Minimum 20, maximum 100). */
    static final int MAX_RECORDS = 100;

    /** Not a documented filter name: DescribeDataMigrations documents none. Tried once, then the engine pages and matches. */
    static final String DATA_MIGRATION_FILTER = "data-migration-identifier";

    private boolean dataMigrationFilterRefused;

    private static Filter filter(String name, String value) {
        return Filter.builder().name(name).values(value).build();
    }

    /** No filter for a null identifier (the SDK then sends none): every object of the account and region. */
    private static List<Filter> byIdentifier(String name, String identifier) {
        return identifier == null ? null : List.of(filter(name, identifier));
    }

    Optional<ReplicationSubnetGroup> findSubnetGroup(String id) {
        return all("DescribeReplicationSubnetGroups", () -> dms.describeReplicationSubnetGroupsPaginator(b -> b
                .filters(filter("replication-subnet-group-id", id)).maxRecords(MAX_RECORDS)), r -> r.replicationSubnetGroups())
                .stream().filter(g -> id.equalsIgnoreCase(g.replicationSubnetGroupIdentifier())).findFirst();
    }

    /** One DMS object that has an ARN, as its Describe call reports it; the status is a data migration's, else null. */
    record Found(String name, String arn, String status) {}

    /** The objects of a kind with an ARN (all but the subnet group) the identifier matches; null lists them all. */
    List<Found> describe(String kind, String identifier) {
        return switch (kind) {
            case KIND_INSTANCE_PROFILE -> all("DescribeInstanceProfiles", () -> dms.describeInstanceProfilesPaginator(
                    b -> b.filters(byIdentifier("instance-profile-identifier", identifier))), r -> r.instanceProfiles())
                    .stream().map(p -> new Found(p.instanceProfileName(), p.instanceProfileArn(), null)).toList();
            case KIND_DATA_PROVIDER -> all("DescribeDataProviders", () -> dms.describeDataProvidersPaginator(
                    b -> b.filters(byIdentifier("data-provider-identifier", identifier))), r -> r.dataProviders())
                    .stream().map(p -> new Found(p.dataProviderName(), p.dataProviderArn(), null)).toList();
            case KIND_PROJECT -> all("DescribeMigrationProjects", () -> dms.describeMigrationProjectsPaginator(
                    b -> b.filters(byIdentifier("migration-project-identifier", identifier))), r -> r.migrationProjects())
                    .stream().map(p -> new Found(p.migrationProjectName(), p.migrationProjectArn(), null)).toList();
            case KIND_DATA_MIGRATION -> (identifier == null ? allDataMigrations() : findDataMigration(identifier).stream()
                    .toList()).stream().map(d -> new Found(d.dataMigrationName(), d.dataMigrationArn(),
                            d.dataMigrationStatus())).toList();
            default -> throw new IllegalStateException("not a DMS kind with an ARN: " + kind);
        };
    }

    /** The one object of a kind that has an ARN, by name or ARN. */
    Optional<Found> find(String kind, String nameOrArn) {
        return single(describe(kind, nameOrArn), nameOrArn, Found::name, Found::arn);
    }

    /**
     * A data migration by name or ARN: {@link #DATA_MIGRATION_FILTER} first, paging through every data migration when
     * DMS refuses that filter or it finds nothing.
     */
    Optional<DataMigration> findDataMigration(String nameOrArn) {
        if (!dataMigrationFilterRefused) {
            try {
                List<DataMigration> r = dms.describeDataMigrationsPaginator(b -> b.filters(filter(DATA_MIGRATION_FILTER, nameOrArn))
                        .maxRecords(MAX_RECORDS)).dataMigrations().stream().toList();
                Optional<DataMigration> found = single(r, nameOrArn, DataMigration::dataMigrationName, DataMigration::dataMigrationArn);
                if (found.isPresent()) return found;
            } catch (ResourceNotFoundException e) {
                // nothing matched the filter: page through below
            } catch (AwsServiceException e) {
                if (!refusedFilter(e)) throw AwsErrors.translate(e, IamPolicies.iamActionFor("dms", "DescribeDataMigrations"));
                dataMigrationFilterRefused = true;
            }
        }
        return single(allDataMigrations(), nameOrArn, DataMigration::dataMigrationName, DataMigration::dataMigrationArn);
    }

    List<DataMigration> allDataMigrations() {
        return all("DescribeDataMigrations", () -> dms.describeDataMigrationsPaginator(b -> b.maxRecords(MAX_RECORDS)), r -> r.dataMigrations());
    }

    /** A client error about the request itself (an unknown filter name), not about access, throttling or the service. */
    private static boolean refusedFilter(AwsServiceException e) {
        String code = AwsErrors.code(e);
        return e.statusCode() == 400 && !e.isThrottlingException() && !(e instanceof InvalidResourceStateException)
                && !(code != null && code.startsWith("AccessDenied"));
    }

    /** The one object the identifier names; a name shared by several objects is refused rather than guessed. */
    private static <T> Optional<T> single(List<T> found, String nameOrArn, Function<T, String> name, Function<T, String> arn) {
        List<T> matching = found.stream().filter(o -> nameOrArn.equals(name.apply(o)) || nameOrArn.equals(arn.apply(o))).toList();
        if (matching.size() > 1) {
            throw ToolException.runtime("several DMS objects are named " + nameOrArn + ": delete the extra ones by ARN ("
                    + String.join(", ", matching.stream().map(arn).toList()) + ") and re-run");
        }
        return matching.stream().findFirst();
    }

    /** The run's data migration, by the ARN the journal holds or by name. */
    Optional<DataMigration> runDataMigration() {
        Optional<Resource> r = journal.resource(KIND_DATA_MIGRATION, names.dataMigration());
        if (r.isEmpty() || r.get().deleted()) return Optional.empty();
        String id = r.get().attribute("arn") != null ? r.get().attribute("arn") : names.dataMigration();
        return findDataMigration(id);
    }

    /** Deletes every live DMS object of the run in dependency order; tolerant of objects already gone. */
    List<String> deleteAll(Duration timeout) {
        List<String> deleted = new ArrayList<>();
        for (String kind : DELETE_ORDER) {
            for (Resource r : journal.resourcesOfKind(kind)) {
                if (r.deleted()) continue;
                if (delete(r, timeout)) deleted.add(kind.substring(4) + " " + r.id());
                journal.markDeleted(kind, r.id());
            }
        }
        return deleted;
    }

    /** Returns true when something was deleted, false when it was already gone. */
    boolean delete(Resource r, Duration timeout) {
        String id = r.attribute("arn") != null ? r.attribute("arn") : r.id();
        switch (r.kind()) {
            case KIND_DATA_MIGRATION -> {
                Optional<DataMigration> dm = findDataMigration(id);
                if (dm.isEmpty()) return false;
                requireOurTag(dm.get().dataMigrationArn(), r.kind(), r.id());
                String arn = dm.get().dataMigrationArn();
                if (DmsStatus.of(dm.get().dataMigrationStatus()).active()) {
                    progress.info("dms: stopping data migration " + r.id() + " (" + dm.get().dataMigrationStatus() + ") before deleting it");
                    stopAndWait(dm.get(), timeout);
                }
                retryWhileInUse("DeleteDataMigration", r, timeout, () -> dms.deleteDataMigration(b -> b.dataMigrationIdentifier(arn)));
                until("data migration " + r.id() + " to be deleted", timeout, () -> findDataMigration(arn).isEmpty());
            }
            case KIND_SUBNET_GROUP -> {
                // subnet groups have no ARN in their description; the run-derived name is the guard
                if (findSubnetGroup(r.id()).isEmpty()) return false;
                retryWhileInUse("DeleteReplicationSubnetGroup", r, timeout,
                        () -> dms.deleteReplicationSubnetGroup(b -> b.replicationSubnetGroupIdentifier(r.id())));
            }
            default -> {
                Optional<Found> found = find(r.kind(), id);
                if (found.isEmpty()) return false;
                String arn = found.get().arn();
                requireOurTag(arn, r.kind(), r.id());
                switch (r.kind()) {
                    case KIND_PROJECT -> retryWhileInUse("DeleteMigrationProject", r, timeout,
                            () -> dms.deleteMigrationProject(b -> b.migrationProjectIdentifier(arn)));
                    case KIND_DATA_PROVIDER -> retryWhileInUse("DeleteDataProvider", r, timeout,
                            () -> dms.deleteDataProvider(b -> b.dataProviderIdentifier(arn)));
                    default -> retryWhileInUse("DeleteInstanceProfile", r, timeout,
                            () -> dms.deleteInstanceProfile(b -> b.instanceProfileIdentifier(arn)));
                }
            }
        }
        progress.info("dms: deleted " + r.kind().substring(4) + " " + r.id());
        return true;
    }

    /**
     * Stops a data migration and waits until it is no longer active; returns its last description (empty once gone).
     * DMS refuses StopDataMigration while the migration is Starting (it provisions its serverless environment, up to
     * 15 minutes): the stop is sent again on each poll until DMS accepts it, so a migration caught in Starting stops as
     * soon as it can instead of running on until the timeout.
     */
    Optional<DataMigration> stopAndWait(DataMigration dm, Duration timeout) {
        String arn = dm.dataMigrationArn();
        int[] refused = {0};
        String[] refusal = {null};
        DataMigration[] seen = {null};
        return waits.poll(timeout, waited -> {
            Optional<DataMigration> now = seen[0] == null ? Optional.of(dm) : findDataMigration(arn);
            if (now.isEmpty() || !DmsStatus.of(now.get().dataMigrationStatus()).active()) return Optional.of(now);
            seen[0] = now.get();
            if (DmsStatus.of(now.get().dataMigrationStatus()) != DmsStatus.STOPPING) {
                try {
                    call("StopDataMigration", () -> dms.stopDataMigration(b -> b.dataMigrationIdentifier(arn)));
                } catch (InvalidResourceStateException e) {
                    refused[0]++;
                    refusal[0] = AwsErrors.codeAndMessage(e);
                    if (refused[0] == 1) {
                        progress.info("dms: DMS does not take the stop of " + dm.dataMigrationName() + " yet (" + now.get().dataMigrationStatus()
                                + "): sending it again on each poll");
                    }
                }
            }
            return Optional.empty();
        }, () -> ToolException.runtime("data migration " + dm.dataMigrationName() + " is still '" + seen[0].dataMigrationStatus()
                + "' after " + Durations.human(timeout) + (refused[0] > 0 ? " (DMS refused StopDataMigration " + refused[0] + " time(s): "
                + refusal[0] + ")" : "") + ": stop it in the DMS console, then re-run the same command"));
    }

    /** DMS refuses to delete an object still in use for a while after its user went away: retry until the timeout. */
    private void retryWhileInUse(String operation, Resource r, Duration timeout, Supplier<?> delete) {
        until(r.kind().substring(4) + " " + r.id() + " to be deletable", timeout, () -> {
            try {
                call(operation, delete);
                return true;
            } catch (ResourceNotFoundException e) {
                return true;
            } catch (InvalidResourceStateException e) {
                progress.info("dms: " + r.kind().substring(4) + " " + r.id() + " still in use (" + AwsErrors.codeAndMessage(e) + "), retrying");
                return false;
            }
        });
    }

    /** Looks until {@code condition} holds (DMS has no waiter for these objects). */
    private void until(String what, Duration timeout, java.util.function.BooleanSupplier condition) {
        waits.poll(timeout, waited -> condition.getAsBoolean() ? Optional.of(true) : Optional.empty(),
                () -> ToolException.runtime("gave up waiting for " + what + " after " + Durations.human(timeout)
                        + ": check it in the DMS console and re-run the same command to continue"));
    }
}
