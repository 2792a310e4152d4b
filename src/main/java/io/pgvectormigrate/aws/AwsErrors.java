package io.pgvectormigrate.aws;

import io.pgvectormigrate.core.ExitCode;
import io.pgvectormigrate.core.ToolException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;

import java.util.Set;
import java.util.function.Supplier;

/**
 * The one translation of AWS faults nobody handled (RDS, Secrets Manager, CloudFormation, IAM and DMS alike) into the
 * tool's failure classes, each with its exit code and what to do (docs/architecture.md, "AWS failures"). Faults a
 * caller handles (not found, invalid state, already exists) never get here. AWS error messages carry identifiers,
 * never secret values.
 */
public final class AwsErrors {
    /** The failure classes; a test drives each through each command that calls AWS. */
    public enum Kind {
        /** The credentials lack a permission: the operator grants it (exit 2). */
        DENIED(ExitCode.USAGE),
        /** The credentials were refused (expired, unknown key, bad signature): the operator renews them (exit 2). */
        CREDENTIALS(ExitCode.USAGE),
        /** Still throttled once the SDK's retry strategy gave up: wait and re-run (exit 1). */
        THROTTLED(ExitCode.RUNTIME_FAILURE),
        /** An account quota is reached: free some or ask AWS for more, then re-run (exit 1). */
        QUOTA(ExitCode.RUNTIME_FAILURE),
        /** No answer from AWS (network, DNS, endpoint, timeouts): re-run when it is reachable (exit 1). */
        UNREACHABLE(ExitCode.RUNTIME_FAILURE),
        /** Anything else AWS or the SDK reports: exit 1 with AWS's own message. */
        FAILED(ExitCode.RUNTIME_FAILURE);

        public final int exitCode;

        Kind(int exitCode) {
            this.exitCode = exitCode;
        }
    }

    private static final Set<String> DENIED = Set.of("AccessDenied", "AccessDeniedException", "AccessDeniedFault",
            "UnauthorizedOperation", "AuthorizationError", "NotAuthorized", "UnauthorizedException");
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

    /**
     * One call whose IAM action is known ({@code dms:ListDataProviders}): the faults of {@code handled} reach the caller
     * as they are, any other is translated, a denial naming the action.
     */
    @SafeVarargs
    public static <T> T call(String action, Supplier<T> call, Class<? extends SdkException>... handled) {
        try {
            return call.get();
        } catch (SdkException e) {
            for (Class<? extends SdkException> c : handled) {
                if (c.isInstance(e)) throw e;
            }
            throw translate(e, action);
        }
    }

    public static ToolException translate(SdkException e) {
        return translate(e, null);
    }

    /** @param action the IAM action of the call that failed, when the caller knows it (else null) */
    public static ToolException translate(SdkException e, String action) {
        Kind kind = kind(e);
        if (!(e instanceof AwsServiceException a)) {
            return kind == Kind.UNREACHABLE
                    ? new ToolException(kind.exitCode, "cannot reach AWS" + (action == null ? "" : " for " + action) + ": "
                            + oneLine(e.getMessage()) + " (check the network, --region and --endpoint-url, then re-run)", e)
                    : new ToolException(kind.exitCode, "AWS SDK error: " + oneLine(e.getMessage()), e);
        }
        String service = a.awsErrorDetails() == null || a.awsErrorDetails().serviceName() == null ? "AWS" : a.awsErrorDetails().serviceName();
        String call = action == null ? "" : " " + action;
        String msg = codeAndMessage(a);
        return new ToolException(kind.exitCode, switch (kind) {
            case DENIED -> "AWS " + service + " denied " + (action == null ? "the call" : action) + " (" + msg + "): grant it to the "
                    + "credentials in use (`pgvector-migrate iam-policy` prints the policy the tool needs; docs/iam.md)";
            case CREDENTIALS -> "AWS rejected the credentials (" + msg + "): refresh them (aws sso login, new keys) or pass another --profile";
            case THROTTLED -> "AWS " + service + " kept throttling" + call + " (" + msg + ") through the SDK's "
                    + SdkAwsClients.SDK_MAX_ATTEMPTS + " attempts: wait a minute and re-run the same command";
            case QUOTA -> "AWS " + service + " quota reached" + call + " (" + msg + "): delete unused resources or ask AWS for a "
                    + "higher quota, then re-run the same command";
            default -> "AWS " + service + call + " failed (" + msg + ")";
        }, e);
    }

    public static Kind kind(SdkException e) {
        if (e instanceof AwsServiceException a) {
            String code = code(a);
            if (BAD_CREDENTIALS.contains(code)) return Kind.CREDENTIALS;
            if (DENIED.contains(code) || a.statusCode() == 403) return Kind.DENIED;
            if (a.isThrottlingException()) return Kind.THROTTLED;
            if (code.contains("QuotaExceeded") || code.startsWith("LimitExceeded")) return Kind.QUOTA;
            return Kind.FAILED;
        }
        return e instanceof SdkClientException ? Kind.UNREACHABLE : Kind.FAILED;
    }

    /** The AWS error code, or the class name when there is none. */
    public static String code(SdkException e) {
        if (e instanceof AwsServiceException a && a.awsErrorDetails() != null && a.awsErrorDetails().errorCode() != null) {
            return a.awsErrorDetails().errorCode();
        }
        return e.getClass().getSimpleName();
    }

    /** "Code: message", for lines that quote AWS's refusal. */
    public static String codeAndMessage(AwsServiceException a) {
        return code(a) + ": " + message(a);
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
