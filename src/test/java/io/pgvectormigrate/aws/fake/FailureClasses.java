package io.pgvectormigrate.aws.fake;

import io.pgvectormigrate.aws.AwsErrors;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;

import java.util.function.Supplier;

/** A fault of each AWS failure class ({@link AwsErrors.Kind}) as AWS sends it, and the words of the tool's line for it. */
public record FailureClasses(Supplier<? extends SdkException> fault, String says) {

    /**
     * @param service   the service name AWS puts in the error details ("Rds", "DatabaseMigration"...)
     * @param quotaCode that service's quota fault ("DBClusterQuotaExceededFault", "ResourceQuotaExceededFault"...)
     */
    public static FailureClasses of(AwsErrors.Kind kind, String service, String quotaCode) {
        boolean dms = service.equals("DatabaseMigration");
        return switch (kind) {
            // DMS says AccessDeniedFault with HTTP 400; the others AccessDenied with 403
            case DENIED -> new FailureClasses(() -> aws(service, dms ? "AccessDeniedFault" : "AccessDenied",
                    "User: arn:aws:iam::123456789012:user/ops is not authorized to perform this operation", dms ? 400 : 403), "denied");
            case CREDENTIALS -> new FailureClasses(() -> aws(service, "ExpiredToken",
                    "The security token included in the request is expired", 400), "AWS rejected the credentials");
            case THROTTLED -> new FailureClasses(() -> aws(service, "Throttling", "Rate exceeded", 400), "kept throttling");
            case QUOTA -> new FailureClasses(() -> aws(service, quotaCode, "quota exceeded", 400), "quota reached");
            case UNREACHABLE -> new FailureClasses(() -> SdkClientException.create("Unable to execute HTTP request: Connect timed out"),
                    "cannot reach AWS");
            case FAILED -> new FailureClasses(() -> aws(service, "InternalFailure", "An internal error occurred", 500),
                    "failed (InternalFailure");
        };
    }

    private static AwsServiceException aws(String service, String code, String message, int status) {
        return AwsServiceException.builder().message(message).statusCode(status)
                .awsErrorDetails(Faults.details(service, code, message, status)).build();
    }

    /** Every attempt of {@code operation} fails with it from now on, so retryable classes outlast the retry strategy too. */
    public FailureClasses injectInto(Faults faults, String operation) {
        faults.fail(operation, Integer.MAX_VALUE, fault);
        return this;
    }
}
