package io.pgvectormigrate.aws.contract;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgvectormigrate.report.Json;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The AWS service models in {@code src/test/resources/aws-models} (botocore's service-2.json, the models the SDK is
 * generated from): operations, their input shapes, and every shape's constraints.
 */
public final class ServiceModels {
    /** SDK package (software.amazon.awssdk.services.X) -> model file and the IAM service prefix the tool's catalogue uses. */
    private static final Map<String, String[]> SERVICES = Map.of(
            "databasemigration", new String[]{"dms.json", "dms"},
            "rds", new String[]{"rds.json", "rds"},
            "secretsmanager", new String[]{"secretsmanager.json", "secretsmanager"},
            "cloudformation", new String[]{"cloudformation.json", "cloudformation"},
            "iam", new String[]{"iam.json", "iam"});

    private static final ServiceModels INSTANCE = new ServiceModels();

    private final Map<String, Service> byPackage = new LinkedHashMap<>();

    /** One service model. */
    public record Service(String prefix, JsonNode model) {
        public JsonNode shape(String name) {
            JsonNode s = model.path("shapes").path(name);
            if (s.isMissingNode()) throw new IllegalStateException("shape " + name + " missing from the " + prefix + " model");
            return s;
        }

        /** The model's spelling of an operation whose name matches case-insensitively (SDK: DescribeDbClusters). */
        public Optional<String> operation(String sdkName) {
            for (var it = model.path("operations").fieldNames(); it.hasNext(); ) {
                String op = it.next();
                if (op.equalsIgnoreCase(sdkName)) return Optional.of(op);
            }
            return Optional.empty();
        }

        public String inputShape(String operation) {
            return model.path("operations").path(operation).path("input").path("shape").asText(null);
        }
    }

    private ServiceModels() {
        SERVICES.forEach((pkg, v) -> {
            try (InputStream in = ServiceModels.class.getResourceAsStream("/aws-models/" + v[0])) {
                if (in == null) throw new IllegalStateException("aws-models/" + v[0] + " is not on the test classpath");
                byPackage.put(pkg, new Service(v[1], Json.mapper().readTree(in)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    public static ServiceModels get() {
        return INSTANCE;
    }

    /** The service of an SDK request class, by its package (software.amazon.awssdk.services.rds.model.X). */
    public Optional<Service> serviceOf(Class<?> requestClass) {
        String pkg = requestClass.getPackageName();
        String[] parts = pkg.split("\\.");
        for (int i = 0; i < parts.length - 1; i++) {
            if (parts[i].equals("services")) return Optional.ofNullable(byPackage.get(parts[i + 1].toLowerCase(Locale.ROOT)));
        }
        return Optional.empty();
    }
}
