package io.pgvectormigrate.aws;

import io.pgvectormigrate.core.ToolException;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.databasemigration.DatabaseMigrationClient;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.rds.RdsClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * The one seam between the tool and AWS: the service clients of one region, and the pacing of polls.
 * Production builds SDK clients ({@link SdkAwsClients}); tests hand in stateful fakes that implement
 * the same SDK interfaces; {@code plan} wraps either in a recorder that changes nothing ({@link PlanningClients}).
 *
 * <p>To add a service: add an accessor here with a default that throws, build it in {@link SdkAwsClients} and
 * pass it through in {@link PlanningClients} (DMS and IAM were added that way).
 */
public interface AwsClients extends AutoCloseable {
    String region();

    RdsClient rds();

    SecretsManagerClient secretsManager();

    CloudFormationClient cloudFormation();

    /** DMS (homogeneous data migrations). Clients that cannot reach DMS say so when asked. */
    default DatabaseMigrationClient dms() {
        throw ToolException.runtime("no DMS client in this setup (" + getClass().getSimpleName() + ")");
    }

    /** IAM (global): run's preflight reads the DMS role. Clients that cannot reach IAM say so when asked. */
    default IamClient iam() {
        throw ToolException.runtime("no IAM client in this setup (" + getClass().getSimpleName() + ")");
    }

    default Pacing pacing() {
        return Pacing.DEFAULT;
    }

    @Override
    default void close() {
    }

    /**
     * A change {@code plan} recorded instead of sending ({@link PlanningClients}). Clients that check what they are sent
     * (the tests' contract recorder) check this request too, so a plan's requests meet the service models like a run's.
     */
    default void notSent(SdkRequest request) {
    }

    /**
     * Builds clients for a command's --region/--profile/--endpoint-url. Fails fast (exit 2, before any AWS
     * call) when the region or the credentials cannot be found, saying how to provide them.
     */
    @FunctionalInterface
    interface Factory {
        AwsClients create(AwsSettings settings);

        Factory SDK = SdkAwsClients::create;
    }
}
