package io.pgvectormigrate.aws.dms;

import io.pgvectormigrate.core.ToolException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.databasemigration.model.AccessDeniedException;
import software.amazon.awssdk.services.databasemigration.model.InvalidResourceStateException;
import software.amazon.awssdk.services.databasemigration.model.ResourceAlreadyExistsException;
import software.amazon.awssdk.services.databasemigration.model.ResourceNotFoundException;
import software.amazon.awssdk.services.databasemigration.model.ResourceQuotaExceededException;

import java.util.function.Supplier;

/**
 * Maps what the DMS client throws to the tool's exit codes: missing permissions, credentials or region are
 * bad input (exit 2, with what to fix); anything else from AWS is a runtime failure (exit 1) carrying AWS's
 * own message. Faults the engine handles itself (not found, invalid state) are caught before they get here.
 */
final class DmsErrors {
    private DmsErrors() {}

    static <T> T call(String operation, Supplier<T> call) {
        try {
            return call.get();
        } catch (ResourceNotFoundException | InvalidResourceStateException | ResourceAlreadyExistsException e) {
            throw e; // the caller decides what these mean
        } catch (SdkException e) {
            throw translate(operation, e);
        }
    }

    /** The tool's one-line error for an SDK failure of {@code operation}. */
    static ToolException translate(String operation, SdkException e) {
        if (e instanceof AccessDeniedException a) {
            return ToolException.usage("AWS denied " + IamPolicies.iamActionFor("dms", operation) + " (" + message(a)
                    + "): give the operator the policy `pgvector-migrate iam-policy` prints", e);
        }
        if (e instanceof ResourceQuotaExceededException q) {
            return ToolException.runtime("DMS quota reached on " + operation + " (" + message(q)
                    + "): delete unused DMS objects or ask AWS for a higher quota, then re-run", e);
        }
        if (e instanceof AwsServiceException a) {
            if (a.isThrottlingException()) {
                return ToolException.runtime("DMS kept throttling " + operation + " after the SDK's retries: wait a minute and re-run", e);
            }
            if ("AccessDeniedFault".equals(code(a)) || a.statusCode() == 403) {
                return ToolException.usage("AWS denied " + IamPolicies.iamActionFor("dms", operation) + " (" + message(a)
                        + "): give the operator the policy `pgvector-migrate iam-policy` prints", e);
            }
            return ToolException.runtime("DMS " + operation + " failed: " + message(a), e);
        }
        if (e instanceof SdkClientException) {
            return ToolException.usage("cannot call DMS " + operation + ": " + e.getMessage()
                    + " (check AWS credentials, --profile, --region and the network path to the DMS endpoint)", e);
        }
        return ToolException.runtime("DMS " + operation + " failed: " + e.getMessage(), e);
    }

    static String code(AwsServiceException e) {
        return e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
    }

    static String message(AwsServiceException e) {
        if (e.awsErrorDetails() != null && e.awsErrorDetails().errorMessage() != null) {
            String code = e.awsErrorDetails().errorCode();
            return (code == null ? "" : code + ": ") + e.awsErrorDetails().errorMessage();
        }
        return e.getMessage();
    }
}
