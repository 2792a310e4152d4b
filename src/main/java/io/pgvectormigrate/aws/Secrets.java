package io.pgvectormigrate.aws;

import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pipeline.Journal;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.DescribeSecretResponse;
import software.amazon.awssdk.services.secretsmanager.model.InvalidRequestException;
import software.amazon.awssdk.services.secretsmanager.model.ResourceExistsException;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;

import java.util.Map;
import java.util.Optional;

/** Tool-owned secrets: create (recorded in the journal first), adopt on resume, read, delete. */
public record Secrets(SecretsManagerClient sm) {
    /** Whether {@link #ensure} made the secret now or found it from an earlier attempt of the run. */
    public record Ensured(String arn, boolean created) {}

    public Optional<DescribeSecretResponse> describe(String id) {
        try {
            return Optional.of(sm.describeSecret(b -> b.secretId(id)));
        } catch (ResourceNotFoundException e) {
            return Optional.empty();
        }
    }

    /** Reads RDS-style credentials; a missing secret is bad input. */
    public DbSecret read(String id) {
        String json;
        try {
            json = sm.getSecretValue(b -> b.secretId(id)).secretString();
        } catch (ResourceNotFoundException e) {
            throw ToolException.usage("secret " + id + " not found: check the secret id or ARN and --region");
        }
        if (json == null) throw ToolException.usage("secret " + id + " holds binary data, not RDS-style JSON credentials");
        return DbSecret.parse(id, json);
    }

    /**
     * Creates the secret {@code name} with the run's tags, or adopts it when an earlier attempt of the same run
     * made it. Recorded in the journal before the call, so a crash right after it cannot orphan the secret.
     */
    public Ensured ensure(Journal journal, String region, String name, String purpose, String role, String description,
                          DbSecret value) {
        String runId = journal.runId();
        journal.recordResource(Kinds.SECRET, name, Map.of(Kinds.ATTR_REGION, region, Kinds.ATTR_PURPOSE, purpose));
        try {
            String arn = sm.createSecret(b -> b.name(name).description(description)
                    .secretString(value.toJson()).tags(Tags.secrets(Tags.of(runId, role)))).arn();
            journal.recordResource(Kinds.SECRET, name, Map.of(Kinds.ATTR_ARN, arn));
            return new Ensured(arn, true);
        } catch (InvalidRequestException e) {
            // Secrets Manager refuses a name whose secret is scheduled for deletion
            throw describe(name).filter(d -> d.deletedDate() != null).map(d -> scheduledForDeletion(name, runId)).orElseThrow(() -> e);
        } catch (ResourceExistsException e) {
            DescribeSecretResponse d = describe(name).orElseThrow(() -> e);
            Tags.requireRun(Tags.fromSecrets(d.tags()), runId, "secret " + name);
            if (d.deletedDate() != null) throw scheduledForDeletion(name, runId);
            journal.recordResource(Kinds.SECRET, name, Map.of(Kinds.ATTR_ARN, d.arn()));
            return new Ensured(d.arn(), false);
        }
    }

    /** Writes a new value; a secret scheduled for deletion (since it was read) refuses writes, and is refused here as such. */
    public void put(String arn, DbSecret value, String runId) {
        try {
            sm.putSecretValue(b -> b.secretId(arn).secretString(value.toJson()));
        } catch (InvalidRequestException e) {
            DescribeSecretResponse d = describe(arn).orElseThrow(() -> e);
            if (d.deletedDate() == null) throw e;
            throw scheduledForDeletion(d.name(), runId);
        }
    }

    private static ToolException scheduledForDeletion(String name, String runId) {
        return ToolException.usage("secret " + name + " of run " + runId + " is scheduled for deletion: "
                + "restore it (aws secretsmanager restore-secret --secret-id " + name + ") or pick another --run-id");
    }
}
