package io.pgvectormigrate.aws;

import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pipeline.Journal;
import software.amazon.awssdk.services.rds.model.ApplyMethod;
import software.amazon.awssdk.services.rds.model.DBClusterParameterGroup;
import software.amazon.awssdk.services.rds.model.DbParameterGroupAlreadyExistsException;
import software.amazon.awssdk.services.rds.model.Parameter;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The temporary cluster's parameter group: the snapshot's family, logical replication on, and room for the
 * slots and senders of a DMS or native migration. The values are static parameters (pending-reboot); passing
 * the group at restore means the writer starts with them.
 */
public record ParameterGroupStep(RdsOps rds) {
    /** Parameters set on the group (at most 20 per ModifyDBClusterParameterGroup call). */
    public static final Map<String, String> PARAMETERS;

    static {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("rds.logical_replication", "1");
        p.put("max_replication_slots", "20");
        p.put("max_wal_senders", "20");
        p.put("max_logical_replication_workers", "8");
        p.put("max_worker_processes", "24");
        PARAMETERS = java.util.Collections.unmodifiableMap(p);
    }

    /** @return whether the group was created now (false: adopted from an earlier attempt of the run) */
    public boolean ensure(Journal journal, String region, String name, String family) {
        String runId = journal.runId();
        journal.recordResource(Kinds.RDS_PARAMETER_GROUP, name, Map.of(Kinds.ATTR_REGION, region, "family", family));
        boolean created;
        String arn;
        try {
            arn = rds.client().createDBClusterParameterGroup(b -> b
                    .dbClusterParameterGroupName(name).dbParameterGroupFamily(family)
                    .description("pgvector-migrate run " + runId + ": logical replication for the temporary source")
                    .tags(Tags.rds(Tags.of(runId, Tags.ROLE_PARAMETERS)))).dbClusterParameterGroup().dbClusterParameterGroupArn();
            created = true;
        } catch (DbParameterGroupAlreadyExistsException e) {
            DBClusterParameterGroup g = rds.parameterGroup(name).orElseThrow(() -> e);
            Tags.requireRun(rds.tags(g.dbClusterParameterGroupArn()), runId, "cluster parameter group " + name);
            if (!family.equals(g.dbParameterGroupFamily())) {
                throw ToolException.usage("cluster parameter group " + name + " of run " + runId + " has family "
                        + g.dbParameterGroupFamily() + ", the snapshot needs " + family + ": start a new run with another --run-id");
            }
            arn = g.dbClusterParameterGroupArn();
            created = false;
        }
        if (arn != null) journal.recordResource(Kinds.RDS_PARAMETER_GROUP, name, Map.of(Kinds.ATTR_ARN, arn));
        List<Parameter> params = PARAMETERS.entrySet().stream().map(e -> Parameter.builder().parameterName(e.getKey())
                .parameterValue(e.getValue()).applyMethod(ApplyMethod.PENDING_REBOOT).build()).toList();
        rds.client().modifyDBClusterParameterGroup(b -> b
                .dbClusterParameterGroupName(name).parameters(params));
        return created;
    }
}
