package io.pgvectormigrate.aws.contract;

import software.amazon.awssdk.core.SdkRequest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The clients' seam: {@link #wrap} puts a recorder in front of a fake SDK client (the fakes implement the SDK client
 * interfaces). Every request object the tool sends is counted per operation and checked against the service model
 * ({@link ModelCheck}); a request that breaks the model never reaches the fake: the call fails with an
 * {@link AssertionError}, so the test that made it fails. The SDK's {@code Consumer<Builder>} and no-argument
 * overloads are default methods that build the request and call the request-object overload on the same client, so
 * they run on the proxy ({@link InvocationHandler#invokeDefault}) and land here once, with the built request.
 *
 * <p>At JVM exit the counts go to {@code <contract.dir>/requests.tsv} (one line per operation); the second surefire
 * execution ({@code AwsContractCoverage}) reads it and fails the build when an operation of the IAM catalogue was
 * never exercised.
 */
public final class ContractRecorder {
    /** Written by this JVM at exit: operation TAB count. */
    public static final String FILE = "requests.tsv";

    private static final Map<String, Long> COUNTS = new TreeMap<>();
    private static final List<String> VIOLATIONS = new ArrayList<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ContractRecorder::write, "aws-contract-recorder"));
    }

    private ContractRecorder() {}

    public static Path dir() {
        return Path.of(System.getProperty("contract.dir", "target/aws-contract"));
    }

    /** A proxy of {@code client} that records and checks every request. */
    public static <T> T wrap(Class<T> iface, T client) {
        InvocationHandler h = (proxy, m, args) -> {
            if (m.getDeclaringClass() == Object.class) return invoke(client, m, args);
            boolean request = args != null && args.length == 1 && args[0] instanceof SdkRequest;
            if (m.isDefault() && (!request || m.getName().endsWith("Paginator"))) {
                // builds the request (or a paginator over this proxy) and comes back through the request overload
                return InvocationHandler.invokeDefault(proxy, m, args);
            }
            if (request) record((SdkRequest) args[0]);
            return invoke(client, m, args);
        };
        return iface.cast(Proxy.newProxyInstance(iface.getClassLoader(), new Class<?>[]{iface}, h));
    }

    private static Object invoke(Object target, Method m, Object[] args) throws Throwable {
        try {
            return m.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /** Counts and checks one request; throws when it breaks the model (the fake never sees it). */
    static void record(SdkRequest request) {
        String op = ModelCheck.operationOf(request);
        List<ModelCheck.Violation> violations = ModelCheck.check(request);
        synchronized (ContractRecorder.class) {
            COUNTS.merge(op, 1L, Long::sum);
            violations.forEach(v -> VIOLATIONS.add(v.toString()));
        }
        if (!violations.isEmpty()) {
            throw new AssertionError("the tool sent a request the AWS service model refuses: " + violations);
        }
    }

    /** Requests per operation ("dms:CreateDataMigration") recorded so far in this JVM. */
    public static synchronized Map<String, Long> counts() {
        return new TreeMap<>(COUNTS);
    }

    private static synchronized void write() {
        try {
            Files.createDirectories(dir());
            StringBuilder sb = new StringBuilder();
            COUNTS.forEach((op, n) -> sb.append(op).append('\t').append(n).append('\n'));
            Files.writeString(dir().resolve(FILE), sb.toString());
            Files.writeString(dir().resolve("violations.txt"), String.join("\n", VIOLATIONS) + (VIOLATIONS.isEmpty() ? "" : "\n"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
