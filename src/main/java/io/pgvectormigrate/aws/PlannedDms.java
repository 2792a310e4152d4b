package io.pgvectormigrate.aws;

import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.services.databasemigration.model.CreateDataMigrationRequest;
import software.amazon.awssdk.services.databasemigration.model.CreateDataMigrationResponse;
import software.amazon.awssdk.services.databasemigration.model.CreateDataProviderRequest;
import software.amazon.awssdk.services.databasemigration.model.CreateDataProviderResponse;
import software.amazon.awssdk.services.databasemigration.model.CreateInstanceProfileRequest;
import software.amazon.awssdk.services.databasemigration.model.CreateInstanceProfileResponse;
import software.amazon.awssdk.services.databasemigration.model.CreateMigrationProjectRequest;
import software.amazon.awssdk.services.databasemigration.model.CreateMigrationProjectResponse;
import software.amazon.awssdk.services.databasemigration.model.CreateReplicationSubnetGroupRequest;
import software.amazon.awssdk.services.databasemigration.model.CreateReplicationSubnetGroupResponse;
import software.amazon.awssdk.services.databasemigration.model.DataMigration;
import software.amazon.awssdk.services.databasemigration.model.DataProvider;
import software.amazon.awssdk.services.databasemigration.model.DeleteDataMigrationRequest;
import software.amazon.awssdk.services.databasemigration.model.DeleteDataProviderRequest;
import software.amazon.awssdk.services.databasemigration.model.DeleteInstanceProfileRequest;
import software.amazon.awssdk.services.databasemigration.model.DeleteMigrationProjectRequest;
import software.amazon.awssdk.services.databasemigration.model.DeleteReplicationSubnetGroupRequest;
import software.amazon.awssdk.services.databasemigration.model.DescribeDataMigrationsRequest;
import software.amazon.awssdk.services.databasemigration.model.DescribeDataMigrationsResponse;
import software.amazon.awssdk.services.databasemigration.model.DescribeDataProvidersRequest;
import software.amazon.awssdk.services.databasemigration.model.DescribeDataProvidersResponse;
import software.amazon.awssdk.services.databasemigration.model.DescribeInstanceProfilesRequest;
import software.amazon.awssdk.services.databasemigration.model.DescribeInstanceProfilesResponse;
import software.amazon.awssdk.services.databasemigration.model.DescribeMigrationProjectsRequest;
import software.amazon.awssdk.services.databasemigration.model.DescribeMigrationProjectsResponse;
import software.amazon.awssdk.services.databasemigration.model.DescribeReplicationSubnetGroupsRequest;
import software.amazon.awssdk.services.databasemigration.model.DescribeReplicationSubnetGroupsResponse;
import software.amazon.awssdk.services.databasemigration.model.Filter;
import software.amazon.awssdk.services.databasemigration.model.InstanceProfile;
import software.amazon.awssdk.services.databasemigration.model.ListTagsForResourceRequest;
import software.amazon.awssdk.services.databasemigration.model.ListTagsForResourceResponse;
import software.amazon.awssdk.services.databasemigration.model.MigrationProject;
import software.amazon.awssdk.services.databasemigration.model.ReplicationSubnetGroup;
import software.amazon.awssdk.services.databasemigration.model.ResourceAlreadyExistsException;
import software.amazon.awssdk.services.databasemigration.model.StartDataMigrationRequest;
import software.amazon.awssdk.services.databasemigration.model.StartDataMigrationResponse;
import software.amazon.awssdk.services.databasemigration.model.StopDataMigrationRequest;
import software.amazon.awssdk.services.databasemigration.model.StopDataMigrationResponse;
import software.amazon.awssdk.services.databasemigration.model.Tag;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * {@link PlanningClients}' DMS overlay: what the plan "created" (answered at once, named and tagged as asked), what it
 * "deleted" (gone from later describes, the account's included) and the status a data migration would have after
 * the start or stop the plan recorded, so the engine's code after each change proceeds as it would in the run.
 * Objects are looked up by the identifiers the engine filters on (name or ARN).
 */
final class PlannedDms {
    private static final Object PASS = PlanningClients.PASS;

    private final AwsClients real;
    private final PlanningClients.Planned planned;
    /** Data migrations of the account whose status the plan changed (start, stop), by ARN. */
    private final Map<String, String> status = new HashMap<>();

    PlannedDms(AwsClients real) {
        this.real = real;
        this.planned = new PlanningClients.Planned(real.region());
    }

    private String arn(String kind, String name) {
        return planned.arn("dms", kind, name);
    }

    /** A create: DMS refuses a second object of a kind and name. */
    private void plan(String arn, String name, Object object, List<Tag> tagList) {
        planned.create(arn, name, object, tagList, () -> false,
                () -> PlanningClients.refusal(ResourceAlreadyExistsException.builder(), 400, name + " already exists"));
    }

    private static String filtered(List<Filter> filters) {
        return filters.stream().flatMap(f -> f.values().stream()).findFirst().orElse(null);
    }

    /** A describe: the planned object, nothing once deleted, else the account's answer without what the plan deleted. */
    private <T> Object describe(List<Filter> filters, Class<T> type, Function<List<T>, Object> response,
                                Supplier<List<T>> account, Function<T, String> name, Function<T, String> arn) {
        String id = filtered(filters);
        T found = planned.find(id, type);
        if (found != null) return response.apply(List.of(found));
        if (planned.isDeleted(type, id)) return response.apply(List.of());
        if (id != null && !planned.deletedAny() && status.isEmpty()) return PASS;
        List<T> out = new ArrayList<>(account.get().stream()
                .filter(t -> !planned.isDeleted(type, name.apply(t)) && !planned.isDeleted(type, arn.apply(t))).toList());
        if (id == null) out.addAll(planned.all(type));
        return response.apply(out);
    }

    synchronized Object overlay(String method, SdkRequest req) {
        return switch (method) {
            case "createReplicationSubnetGroup" -> {
                CreateReplicationSubnetGroupRequest r = (CreateReplicationSubnetGroupRequest) req;
                String id = r.replicationSubnetGroupIdentifier();
                ReplicationSubnetGroup g = ReplicationSubnetGroup.builder().replicationSubnetGroupIdentifier(id)
                        .replicationSubnetGroupDescription(r.replicationSubnetGroupDescription())
                        .subnetGroupStatus("Complete").build();
                plan(arn("subgrp", id), id, g, r.tags());
                yield CreateReplicationSubnetGroupResponse.builder().replicationSubnetGroup(g).build();
            }
            case "describeReplicationSubnetGroups" -> {
                DescribeReplicationSubnetGroupsRequest r = (DescribeReplicationSubnetGroupsRequest) req;
                yield describe(r.filters(), ReplicationSubnetGroup.class,
                        l -> DescribeReplicationSubnetGroupsResponse.builder().replicationSubnetGroups(l).build(),
                        () -> real.dms().describeReplicationSubnetGroups(r).replicationSubnetGroups(),
                        ReplicationSubnetGroup::replicationSubnetGroupIdentifier,
                        ReplicationSubnetGroup::replicationSubnetGroupIdentifier);
            }
            case "createInstanceProfile" -> {
                CreateInstanceProfileRequest r = (CreateInstanceProfileRequest) req;
                String arn = arn("instance-profile", r.instanceProfileName());
                InstanceProfile p = InstanceProfile.builder().instanceProfileName(r.instanceProfileName())
                        .instanceProfileArn(arn).subnetGroupIdentifier(r.subnetGroupIdentifier())
                        .vpcSecurityGroups(r.vpcSecurityGroups()).publiclyAccessible(r.publiclyAccessible()).build();
                plan(arn, r.instanceProfileName(), p, r.tags());
                yield CreateInstanceProfileResponse.builder().instanceProfile(p).build();
            }
            case "describeInstanceProfiles" -> {
                DescribeInstanceProfilesRequest r = (DescribeInstanceProfilesRequest) req;
                yield describe(r.filters(), InstanceProfile.class,
                        l -> DescribeInstanceProfilesResponse.builder().instanceProfiles(l).build(),
                        () -> real.dms().describeInstanceProfiles(r).instanceProfiles(),
                        InstanceProfile::instanceProfileName, InstanceProfile::instanceProfileArn);
            }
            case "createDataProvider" -> {
                CreateDataProviderRequest r = (CreateDataProviderRequest) req;
                String arn = arn("data-provider", r.dataProviderName());
                DataProvider p = DataProvider.builder().dataProviderName(r.dataProviderName()).dataProviderArn(arn)
                        .engine(r.engine()).settings(r.settings()).build();
                plan(arn, r.dataProviderName(), p, r.tags());
                yield CreateDataProviderResponse.builder().dataProvider(p).build();
            }
            case "describeDataProviders" -> {
                DescribeDataProvidersRequest r = (DescribeDataProvidersRequest) req;
                yield describe(r.filters(), DataProvider.class,
                        l -> DescribeDataProvidersResponse.builder().dataProviders(l).build(),
                        () -> real.dms().describeDataProviders(r).dataProviders(), DataProvider::dataProviderName,
                        DataProvider::dataProviderArn);
            }
            case "createMigrationProject" -> {
                CreateMigrationProjectRequest r = (CreateMigrationProjectRequest) req;
                String arn = arn("migration-project", r.migrationProjectName());
                MigrationProject p = MigrationProject.builder().migrationProjectName(r.migrationProjectName())
                        .migrationProjectArn(arn).instanceProfileArn(r.instanceProfileIdentifier()).build();
                plan(arn, r.migrationProjectName(), p, r.tags());
                yield CreateMigrationProjectResponse.builder().migrationProject(p).build();
            }
            case "describeMigrationProjects" -> {
                DescribeMigrationProjectsRequest r = (DescribeMigrationProjectsRequest) req;
                yield describe(r.filters(), MigrationProject.class,
                        l -> DescribeMigrationProjectsResponse.builder().migrationProjects(l).build(),
                        () -> real.dms().describeMigrationProjects(r).migrationProjects(),
                        MigrationProject::migrationProjectName, MigrationProject::migrationProjectArn);
            }
            case "createDataMigration" -> {
                CreateDataMigrationRequest r = (CreateDataMigrationRequest) req;
                String arn = arn("data-migration", r.dataMigrationName());
                // no settings echoed back: the plan's selection rules name tables only the restored cluster can list
                DataMigration dm = DataMigration.builder().dataMigrationName(r.dataMigrationName())
                        .dataMigrationArn(arn).migrationProjectArn(r.migrationProjectIdentifier())
                        .dataMigrationType(r.dataMigrationTypeAsString()).serviceAccessRoleArn(r.serviceAccessRoleArn())
                        .dataMigrationStatus("Ready").build();
                plan(arn, r.dataMigrationName(), dm, r.tags());
                yield CreateDataMigrationResponse.builder().dataMigration(dm).build();
            }
            case "describeDataMigrations" -> {
                DescribeDataMigrationsRequest r = (DescribeDataMigrationsRequest) req;
                Object out = describe(r.filters(), DataMigration.class,
                        l -> DescribeDataMigrationsResponse.builder().dataMigrations(l).build(),
                        () -> real.dms().describeDataMigrations(r).dataMigrations(), DataMigration::dataMigrationName,
                        DataMigration::dataMigrationArn);
                if (out == PASS || status.isEmpty()) yield out;
                DescribeDataMigrationsResponse d = (DescribeDataMigrationsResponse) out;
                yield d.toBuilder().dataMigrations(d.dataMigrations().stream().map(m -> status.containsKey(
                        m.dataMigrationArn()) ? m.toBuilder().dataMigrationStatus(status.get(m.dataMigrationArn()))
                        .build() : m).toList()).build();
            }
            case "startDataMigration" -> {
                // the plan does not wait for the load: a full load is shown as finished (DMS stops it), CDC as streaming
                String id = ((StartDataMigrationRequest) req).dataMigrationIdentifier();
                DataMigration dm = planned.find(id, DataMigration.class);
                String now = dm != null && "full-load".equals(dm.dataMigrationTypeAsString()) ? "Stopped"
                        : "Load complete, replication ongoing";
                yield StartDataMigrationResponse.builder().dataMigration(setStatus(id, dm, now)).build();
            }
            case "stopDataMigration" -> {
                String id = ((StopDataMigrationRequest) req).dataMigrationIdentifier();
                DataMigration dm = planned.find(id, DataMigration.class);
                yield StopDataMigrationResponse.builder().dataMigration(setStatus(id, dm, "Stopped")).build();
            }
            case "listTagsForResource" -> planned.<Tag>tagged(((ListTagsForResourceRequest) req).resourceArn(),
                    tags -> ListTagsForResourceResponse.builder().tagList(tags).build());
            case "deleteReplicationSubnetGroup" -> planned.delete(((DeleteReplicationSubnetGroupRequest) req)
                    .replicationSubnetGroupIdentifier(), ReplicationSubnetGroup.class);
            case "deleteInstanceProfile" -> planned.delete(
                    ((DeleteInstanceProfileRequest) req).instanceProfileIdentifier(), InstanceProfile.class);
            case "deleteDataProvider" -> planned.delete(
                    ((DeleteDataProviderRequest) req).dataProviderIdentifier(), DataProvider.class);
            case "deleteMigrationProject" -> planned.delete(
                    ((DeleteMigrationProjectRequest) req).migrationProjectIdentifier(), MigrationProject.class);
            case "deleteDataMigration" -> planned.delete(
                    ((DeleteDataMigrationRequest) req).dataMigrationIdentifier(), DataMigration.class);
            default -> PASS;
        };
    }

    /** The status after a planned start or stop: the planned migration's own, or an override on the account's. */
    private DataMigration setStatus(String id, DataMigration planned, String now) {
        if (planned == null) {
            status.put(id, now);
            return null;
        }
        DataMigration updated = planned.toBuilder().dataMigrationStatus(now).build();
        this.planned.update(planned.dataMigrationArn(), updated);
        return updated;
    }
}
