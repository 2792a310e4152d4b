package io.pgvectormigrate.aws;

import io.pgvectormigrate.core.ToolException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;

import java.util.Set;
import java.util.function.Supplier;

/**
 * Turns SDK faults nobody handled into one-line messages with the exit code the house rules give them:
 * denied permissions and rejected credentials are the operator's to fix (exit 2); the rest is a runtime
 * failure (exit 1). AWS error messages carry identifiers, never secret values.
 */
public final class AwsErrors {
    private static final Set<String> DENIED = Set.of("AccessDenied", "AccessDeniedException", "UnauthorizedOperation",
            "AuthorizationError", "NotAuthorized", "UnauthorizedException");
    private static final Set<String> BAD_CREDENTIALS = Set.of("ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId",
            "UnrecognizedClientException", "SignatureDoesNotMatch", "InvalidSignatureException", "IncompleteSignature",
            "MissingAuthenticationToken", "InvalidAccessKeyId", "RequestExpired");

    private AwsErrors() {}

    /** Runs {@code body}; SDK faults that escape it become {@link ToolException}s. */
    public static <T> T guard(Supplier<T> body) {
        try {
            return body.get();
        } catch (SdkException e) {
            throw translate(e);
        }
    }

    public static void guard(Runnable body) {
        guard(() -> {
            body.run();
            return null;
        });
    }

    public static ToolException translate(SdkException e) {
        if (e instanceof AwsServiceException a) {
            String code = code(a);
            String service = a.awsErrorDetails() == null ? "AWS" : a.awsErrorDetails().serviceName();
            String msg = message(a);
            if (DENIED.contains(code) || a.statusCode() == 403 && !BAD_CREDENTIALS.contains(code)) {
                return ToolException.usage("AWS " + service + " denied the call (" + code + "): " + msg
                        + ": grant the permission to the credentials in use (docs/aws.md lists what the tool needs)", e);
            }
            if (BAD_CREDENTIALS.contains(code)) {
                return ToolException.usage("AWS rejected the credentials (" + code + "): " + msg
                        + ": refresh them (aws sso login, new keys) or pass another --profile", e);
            }
            return ToolException.runtime("AWS " + service + " failed (" + code + "): " + msg, e);
        }
        if (e instanceof SdkClientException) {
            return ToolException.runtime("cannot reach AWS: " + oneLine(e.getMessage())
                    + " (check the network, --region and --endpoint-url)", e);
        }
        return ToolException.runtime("AWS SDK error: " + oneLine(e.getMessage()), e);
    }

    /** The AWS error code, or the class name when there is none. */
    public static String code(SdkException e) {
        if (e instanceof AwsServiceException a && a.awsErrorDetails() != null && a.awsErrorDetails().errorCode() != null) {
            return a.awsErrorDetails().errorCode();
        }
        return e.getClass().getSimpleName();
    }

    /** The AWS message without the SDK's request-id suffix. */
    public static String message(AwsServiceException a) {
        if (a.awsErrorDetails() != null && a.awsErrorDetails().errorMessage() != null) return oneLine(a.awsErrorDetails().errorMessage());
        return oneLine(a.getMessage());
    }

    static String oneLine(String s) {
        if (s == null) return "";
        String line = s.lines().findFirst().orElse("");
        return line.length() > 400 ? line.substring(0, 400) + "..." : line;
    }
}
