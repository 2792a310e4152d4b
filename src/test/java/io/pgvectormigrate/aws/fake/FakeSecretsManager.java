package io.pgvectormigrate.aws.fake;

import io.pgvectormigrate.aws.dms.FakeDms;

import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.*;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A stateful Secrets Manager: names are unique (also while a secret waits for deletion), ARNs get a random
 * suffix, DeleteSecret with forceDeleteWithoutRecovery removes at once and without it schedules deletion.
 */
public final class FakeSecretsManager implements SecretsManagerClient {
    private final String region;
    private final Faults faults;
    public final Map<String, Secret> secrets = new LinkedHashMap<>();
    private int counter;

    public FakeSecretsManager(String region, Faults faults) {
        this.region = region;
        this.faults = faults;
    }

    public static final class Secret {
        public String name, arn, value, description, kmsKeyId;
        public Map<String, String> tags = new LinkedHashMap<>();
        public Instant deletedDate;
    }

    /** The secrets not scheduled for deletion, as DMS's role would find them (FakeDms's least-privilege check). */
    public synchronized List<FakeDms.AccountSecret> live() {
        return secrets.values().stream().filter(s -> s.deletedDate == null)
                .map(s -> new FakeDms.AccountSecret(s.arn, s.name, Map.copyOf(s.tags))).toList();
    }

    /** Adds a secret that exists before the test (e.g. the stack's database secret). */
    public Secret add(String name, String json) {
        Secret s = new Secret();
        s.name = name;
        s.arn = "arn:aws:secretsmanager:" + region + ":" + FakeRds.ACCOUNT + ":secret:" + name + "-" + suffix();
        s.value = json;
        secrets.put(name, s);
        return s;
    }

    private String suffix() {
        return String.format("Ab%04d", ++counter);
    }

    public synchronized List<String> taggedWith(String runId) {
        return secrets.values().stream().filter(s -> runId.equals(s.tags.get("pgvector-migrate:run-id"))).map(s -> "secret:" + s.name).toList();
    }

    @Override
    public String serviceName() {
        return "secretsmanager";
    }

    private static RuntimeException fault(AwsServiceException.Builder b, String code, String message, int status) {
        return (RuntimeException) b.message(message).awsErrorDetails(Faults.details("Secrets Manager", code, message, status)).statusCode(status).build();
    }

    private void enter(String op) {
        if (faults.before("secretsmanager", op)) {
            throw fault(SecretsManagerException.builder(), "ThrottlingException", "Rate exceeded", 400);
        }
    }

    private Secret find(String id) {
        for (Secret s : secrets.values()) if (s.name.equals(id) || s.arn.equals(id)) return s;
        return null;
    }

    private static RuntimeException notFound(String id) {
        return fault(ResourceNotFoundException.builder(), "ResourceNotFoundException", "Secrets Manager can't find the specified secret: " + id, 400);
    }

    @Override
    public synchronized CreateSecretResponse createSecret(CreateSecretRequest r) {
        enter("CreateSecret");
        Secret existing = secrets.get(r.name());
        if (existing != null) {
            if (existing.deletedDate != null) {
                throw fault(InvalidRequestException.builder(), "InvalidRequestException",
                        "You can't create this secret because a secret with this name is already scheduled for deletion.", 400);
            }
            throw fault(ResourceExistsException.builder(), "ResourceExistsException",
                    "The operation failed because the secret " + r.name() + " already exists.", 400);
        }
        Secret s = new Secret();
        s.name = r.name();
        s.arn = "arn:aws:secretsmanager:" + region + ":" + FakeRds.ACCOUNT + ":secret:" + r.name() + "-" + suffix();
        s.value = r.secretString();
        s.description = r.description();
        s.kmsKeyId = r.kmsKeyId();
        if (r.tags() != null) r.tags().forEach(t -> s.tags.put(t.key(), t.value()));
        secrets.put(s.name, s);
        faults.changed("CreateSecret");
        return CreateSecretResponse.builder().arn(s.arn).name(s.name).build();
    }

    @Override
    public synchronized GetSecretValueResponse getSecretValue(GetSecretValueRequest r) {
        enter("GetSecretValue");
        Secret s = find(r.secretId());
        if (s == null) throw notFound(r.secretId());
        if (s.deletedDate != null) {
            throw fault(InvalidRequestException.builder(), "InvalidRequestException",
                    "You can't perform this operation on the secret because it was marked for deletion.", 400);
        }
        return GetSecretValueResponse.builder().arn(s.arn).name(s.name).secretString(s.value).build();
    }

    @Override
    public synchronized PutSecretValueResponse putSecretValue(PutSecretValueRequest r) {
        enter("PutSecretValue");
        Secret s = find(r.secretId());
        if (s == null) throw notFound(r.secretId());
        if (s.deletedDate != null) {
            // InvalidRequestException's documented causes: "The secret is scheduled for deletion."
            throw fault(InvalidRequestException.builder(), "InvalidRequestException",
                    "You can't perform this operation on the secret because it was marked for deletion.", 400);
        }
        s.value = r.secretString();
        faults.changed("PutSecretValue");
        return PutSecretValueResponse.builder().arn(s.arn).name(s.name).build();
    }

    @Override
    public synchronized DescribeSecretResponse describeSecret(DescribeSecretRequest r) {
        enter("DescribeSecret");
        Secret s = find(r.secretId());
        if (s == null) throw notFound(r.secretId());
        List<Tag> tags = new ArrayList<>();
        s.tags.forEach((k, v) -> tags.add(Tag.builder().key(k).value(v).build()));
        return DescribeSecretResponse.builder().arn(s.arn).name(s.name).description(s.description).tags(tags)
                .deletedDate(s.deletedDate).build();
    }

    @Override
    public synchronized ListSecretsResponse listSecrets(ListSecretsRequest r) {
        enter("ListSecrets");
        if (Pages.outOfRange(r.maxResults(), 1, 100)) {
            throw fault(InvalidParameterException.builder(), "InvalidParameterException",
                    "Invalid value " + r.maxResults() + " for MaxResults: must be between 1 and 100", 400);
        }
        List<Secret> matching = new ArrayList<>();
        for (Secret s : secrets.values()) {
            if (s.deletedDate != null && !Boolean.TRUE.equals(r.includePlannedDeletion())) continue;
            boolean match = true;
            for (Filter f : r.filters()) {
                if (f.key() == FilterNameStringType.TAG_KEY) match &= s.tags.keySet().stream().anyMatch(f.values()::contains);
                else if (f.key() == FilterNameStringType.TAG_VALUE) match &= s.tags.values().stream().anyMatch(f.values()::contains);
                else if (f.key() == FilterNameStringType.NAME) match &= f.values().stream().anyMatch(s.name::startsWith);
            }
            if (match) matching.add(s);
        }
        Pages.Page<Secret> page = Pages.of(matching, x -> x.name, r.nextToken(), r.maxResults());
        if (page == null) throw fault(InvalidNextTokenException.builder(), "InvalidNextTokenException", "The NextToken value is invalid.", 400);
        List<SecretListEntry> out = new ArrayList<>();
        for (Secret s : page.items()) {
            List<Tag> tags = new ArrayList<>();
            s.tags.forEach((k, v) -> tags.add(Tag.builder().key(k).value(v).build()));
            out.add(SecretListEntry.builder().arn(s.arn).name(s.name).tags(tags).deletedDate(s.deletedDate).build());
        }
        return ListSecretsResponse.builder().secretList(out).nextToken(page.next()).build();
    }

    @Override
    public synchronized DeleteSecretResponse deleteSecret(DeleteSecretRequest r) {
        enter("DeleteSecret");
        Secret s = find(r.secretId());
        if (s == null) throw notFound(r.secretId());
        if (Boolean.TRUE.equals(r.forceDeleteWithoutRecovery())) secrets.remove(s.name);
        else s.deletedDate = Instant.now();
        faults.changed("DeleteSecret");
        return DeleteSecretResponse.builder().arn(s.arn).name(s.name).deletionDate(Instant.now()).build();
    }

    @Override
    public void close() {
    }
}
