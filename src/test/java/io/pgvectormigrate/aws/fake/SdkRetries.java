package io.pgvectormigrate.aws.fake;

import io.pgvectormigrate.aws.Pacing;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.retries.api.AcquireInitialTokenRequest;
import software.amazon.awssdk.retries.api.RecordSuccessRequest;
import software.amazon.awssdk.retries.api.RefreshRetryTokenRequest;
import software.amazon.awssdk.retries.api.RefreshRetryTokenResponse;
import software.amazon.awssdk.retries.api.RetryStrategy;
import software.amazon.awssdk.retries.api.RetryToken;
import software.amazon.awssdk.retries.api.TokenAcquisitionFailedException;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.function.Supplier;

/**
 * What the SDK's client does around each call, for the fakes (which implement the client interfaces, so the SDK's
 * pipeline never runs): the production {@link RetryStrategy} decides whether and after what delay a failed call is
 * sent again, exactly as inside a real client (token per call, refresh per failure, success recorded). The delay
 * goes to the world's {@link Pacing.Sleeper}, which in tests does not sleep. Faults injected with
 * {@link Faults#fail} are thrown here, per attempt, before the request reaches the fake.
 */
public final class SdkRetries {
    private SdkRetries() {}

    public static <T> T wrap(Class<T> iface, String scope, T client, RetryStrategy strategy, Supplier<Pacing> pacing, Faults faults) {
        InvocationHandler h = (proxy, m, args) -> {
            if (m.getDeclaringClass() == Object.class) return invoke(client, m, args);
            boolean request = args != null && args.length == 1 && args[0] instanceof SdkRequest;
            if (m.isDefault() && (!request || m.getName().endsWith("Paginator"))) {
                // builds the request (or pages) and comes back through the request overload, one retried call each
                return InvocationHandler.invokeDefault(proxy, m, args);
            }
            if (!request) return invoke(client, m, args);
            RetryToken token = strategy.acquireInitialToken(AcquireInitialTokenRequest.create(scope)).token();
            while (true) {
                try {
                    SdkException onTheWire = faults.injected(operation((SdkRequest) args[0]));
                    if (onTheWire != null) throw onTheWire;
                    Object response = invoke(client, m, args);
                    strategy.recordSuccess(RecordSuccessRequest.create(token));
                    return response;
                } catch (SdkException e) {
                    RefreshRetryTokenResponse next;
                    try {
                        next = strategy.refreshRetryToken(RefreshRetryTokenRequest.builder().token(token).failure(e).build());
                    } catch (TokenAcquisitionFailedException noMore) {
                        throw e;
                    }
                    token = next.token();
                    pacing.get().sleeper().sleep(next.delay());
                }
            }
        };
        return iface.cast(Proxy.newProxyInstance(iface.getClassLoader(), new Class<?>[]{iface}, h));
    }

    /** The API name: DescribeDbClustersRequest -> DescribeDBClusters. */
    static String operation(SdkRequest req) {
        String n = req.getClass().getSimpleName();
        return n.substring(0, n.length() - "Request".length()).replace("Db", "DB");
    }

    private static Object invoke(Object target, Method m, Object[] args) throws Throwable {
        try {
            return m.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
