package io.pgvectormigrate.aws.fake;

import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.SdkHttpResponse;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Shared by the fakes of one world: the log of every call, throttling to inject per operation, and a crash
 * after the n-th call that changes something (counted across services, in call order).
 */
public final class Faults {
    private final List<String> log = new ArrayList<>();
    private final List<String> mutations = new ArrayList<>();
    private final Map<String, Integer> throttle = new HashMap<>();
    private final Map<String, Integer> failLeft = new HashMap<>();
    private final Map<String, Supplier<? extends SdkException>> failWith = new HashMap<>();
    private int crashAfterMutation = -1;

    /** Every call so far, as "Service:Operation". */
    public synchronized List<String> log() {
        return List.copyOf(log);
    }

    /** The calls that changed something, as operation names, in order. */
    public synchronized List<String> mutations() {
        return List.copyOf(mutations);
    }

    public synchronized void clearLog() {
        log.clear();
        mutations.clear();
    }

    /** The next {@code times} calls of {@code operation} fail with a throttling fault. */
    public synchronized void throttle(String operation, int times) {
        throttle.put(operation, times);
    }

    /** Throttling faults of {@code operation} still to be served (0 once every injected one was met). */
    public synchronized int throttlesLeft(String operation) {
        return throttle.getOrDefault(operation, 0);
    }

    /** How many calls of "service:Operation" the log holds. */
    public synchronized long calls(String serviceOperation) {
        return log.stream().filter(serviceOperation::equals).count();
    }

    /**
     * The next {@code times} attempts of {@code operation} (any service) fail with {@code fault} before they reach the
     * fake, as a fault on the wire would: the clients' retry strategy sees each of them.
     */
    public synchronized void fail(String operation, int times, Supplier<? extends SdkException> fault) {
        failLeft.put(operation, times);
        failWith.put(operation, fault);
    }

    /** The injected fault for this attempt of {@code operation}, or null. */
    synchronized SdkException injected(String operation) {
        Integer left = failLeft.get(operation);
        if (left == null || left <= 0) return null;
        failLeft.put(operation, left - 1);
        return failWith.get(operation).get();
    }

    /** Dies right after the n-th changing call from now (1-based); 0 disarms. */
    public synchronized void crashAfterMutation(int n) {
        crashAfterMutation = n <= 0 ? -1 : mutations.size() + n;
    }

    /** Called at the start of each fake operation; returns true when it must be throttled. */
    synchronized boolean before(String service, String operation) {
        log.add(service + ":" + operation);
        Integer left = throttle.get(operation);
        if (left != null && left > 0) {
            throttle.put(operation, left - 1);
            return true;
        }
        return false;
    }

    /** Called once a changing call took effect. */
    synchronized void changed(String operation) {
        mutations.add(operation);
        if (crashAfterMutation > 0 && mutations.size() == crashAfterMutation) {
            crashAfterMutation = -1;
            throw new SimulatedCrash(operation);
        }
    }

    public static AwsErrorDetails details(String service, String code, String message, int status) {
        return AwsErrorDetails.builder().serviceName(service).errorCode(code).errorMessage(message)
                .sdkHttpResponse(SdkHttpResponse.builder().statusCode(status).build()).build();
    }
}
