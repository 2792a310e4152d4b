package io.pgvectormigrate.aws.dms;

import io.pgvectormigrate.aws.AwsWaits;
import io.pgvectormigrate.aws.AwsClients;
import io.pgvectormigrate.aws.AwsHandlers;
import io.pgvectormigrate.aws.RdsOps;
import io.pgvectormigrate.aws.ResourceHandler;
import io.pgvectormigrate.aws.RunNames;
import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pipeline.Resource;
import software.amazon.awssdk.services.databasemigration.model.ReplicationSubnetGroup;
import software.amazon.awssdk.services.databasemigration.model.ResourceNotFoundException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Cleanup's handlers for what the DMS engine makes, so {@code cleanup} lists, checks and deletes DMS objects with the
 * same rules as the temporary cluster (from the journal, or by the run-id tag with --discover; refused without the
 * tag) and before it: the data migration (stopped first), the migration project, the data providers, the instance
 * profile and the replication subnet group, in that order, as DMS refuses to delete what something still uses.
 * DMS's publication and slot on the temporary cluster go with the cluster.
 */
public final class DmsHandlers {
    private DmsHandlers() {}

    /**
     * Every kind of resource a run can make, the DMS objects and the temporary cluster's ({@link AwsHandlers#standard}):
     * what {@code cleanup} deletes, in each handler's order, and {@code status} shows.
     */
    public static List<ResourceHandler> everything(AwsClients aws, AwsWaits waits, String runId) {
        List<ResourceHandler> out = new ArrayList<>(forRun(aws, waits, runId));
        out.addAll(AwsHandlers.standard(aws, waits));
        return out;
    }

    /** The handlers of the DMS objects of one run; DMS is only called when the journal lists DMS objects or discover asks. */
    public static List<ResourceHandler> forRun(AwsClients aws, AwsWaits waits, String runId) {
        DmsObjects[] made = {null}; // one for every kind, made on first use
        Supplier<DmsObjects> objects = () -> {
            if (made[0] == null) {
                made[0] = new DmsObjects(aws.dms(), DmsOptions.builder().region(aws.region()).build(), runId, null,
                        waits.progress(), waits);
            }
            return made[0];
        };
        List<ResourceHandler> out = new ArrayList<>();
        // in teardown's order: each object before what it uses
        for (String kind : DmsObjects.DELETE_ORDER) out.add(new Kind(kind, out.size() + 1, objects, runId));
        RdsOps rds = new RdsOps(aws.rds());
        out.add(new SourceLeftover(DmsEngine.KIND_PUBLICATION, rds, runId));
        out.add(new SourceLeftover(DmsEngine.KIND_SLOT, rds, runId));
        return out;
    }

    private record Kind(String kind, int order, Supplier<DmsObjects> objects, String runId) implements ResourceHandler {
        @Override
        public Optional<Live> inspect(String id, Map<String, String> attrs) {
            if (kind.equals(DmsObjects.KIND_SUBNET_GROUP)) {
                return objects.get().findSubnetGroup(id).map(this::subnetGroup);
            }
            return objects.get().find(kind, attrs.get("arn") != null ? attrs.get("arn") : id).map(this::live);
        }

        private Live live(DmsObjects.Found found) {
            String owner;
            try {
                owner = objects.get().runTag(found.arn());
            } catch (ResourceNotFoundException e) {
                owner = null; // deleted since it was listed
            }
            Map<String, String> tags = owner == null ? Map.of() : Map.of(DmsNames.TAG_RUN_ID, owner);
            String status = found.status() == null ? "exists" : found.status();
            return new Live(found.name(), status, tags, Map.of("arn", found.arn()));
        }

        /** Subnet groups carry no ARN in their description: the run-derived name is the guard (as DmsObjects does). */
        private Live subnetGroup(ReplicationSubnetGroup g) {
            String name = g.replicationSubnetGroupIdentifier();
            Map<String, String> tags = name.equalsIgnoreCase(new DmsNames(runId).subnetGroup())
                    ? Map.of(DmsNames.TAG_RUN_ID, runId) : Map.of();
            return new Live(name, g.subnetGroupStatus() == null ? "exists" : g.subnetGroupStatus(), tags, Map.of());
        }

        @Override
        public List<Live> discover(String runId) {
            if (kind.equals(DmsObjects.KIND_SUBNET_GROUP)) {
                return objects.get().findSubnetGroup(new DmsNames(runId).subnetGroup()).map(this::subnetGroup).stream()
                        .toList();
            }
            // DMS lists every object of the account and region: the run's are the ones tagged with its id
            return objects.get().describe(kind, null).stream().map(this::live)
                    .filter(l -> this.runId.equals(l.tags().get(DmsNames.TAG_RUN_ID))).toList();
        }

        @Override
        public void delete(Live live, DeleteContext ctx) {
            objects.get().delete(new Resource(kind, live.id(), live.attributes(), null, null), ctx.timeout());
        }
    }

    /**
     * The publication and replication slot DMS leaves on the source, journaled by the engine before it drops them.
     * They live in the temporary cluster: cleanup cannot log in there, and they go away with it, so they are listed
     * while the cluster exists and counted gone once it does not.
     */
    private record SourceLeftover(String kind, RdsOps rds, String runId) implements ResourceHandler {
        @Override
        public int order() {
            return 25;
        }

        @Override
        public Optional<Live> inspect(String id, Map<String, String> attrs) {
            String cluster = new RunNames(runId).cluster();
            if (rds.cluster(cluster).isEmpty()) return Optional.empty();
            return Optional.of(new Live(id, "on the temporary cluster " + cluster, Map.of(DmsNames.TAG_RUN_ID, runId), attrs));
        }

        @Override
        public List<Live> discover(String runId) {
            return List.of(); // only the journal knows their names; they go with the cluster anyway
        }

        @Override
        public void delete(Live live, DeleteContext ctx) {
            throw ToolException.usage(kind.substring(3) + " " + live.id() + " is still on the temporary cluster "
                    + new RunNames(runId).cluster() + ", which was not deleted: delete the cluster too, or drop it there by hand");
        }
    }
}
