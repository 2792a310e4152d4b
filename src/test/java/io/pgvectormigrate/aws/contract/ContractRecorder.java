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
 * never exercised. That file is the whole suite's only because the suite runs in one JVM: pom.xml fixes surefire's
 * forkCount to 1 with reused forks, and each writing JVM also appends itself to {@link #WRITERS_FILE}, so the coverage
 * check fails rather than read one JVM's counts as the suite's if that ever changes.
 */
public final class ContractRecorder {
    /** Written by this JVM at exit: operation TAB count. */
    public static final String FILE = "requests.tsv";
    /** Written with it: every request that broke a model, one per line (also when the tool caught the AssertionError). */
    public static final String VIOLATIONS_FILE = "violations.txt";
    /** Written with them: the build that wrote them ({@code contract.build}), so a later build never reads them as its own. */
    public static final String BUILD_FILE = "build.txt";
    /** Appended by every JVM that writes the files: build TAB pid. More than one line of a build: counts were lost. */
    public static final String WRITERS_FILE = "writers.tsv";

    private static final Map<String, Long> COUNTS = new TreeMap<>();
    private static final List<String> VIOLATIONS = new ArrayList<>();
    /** Set while a test provokes a violation on purpose (the recorder's own test): thrown, not recorded as the suite's. */
    private static final ThreadLocal<Boolean> EXPECTED = ThreadLocal.withInitial(() -> false);

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ContractRecorder::write, "aws-contract-recorder"));
    }

    private ContractRecorder() {}

    public static Path dir() {
        return Path.of(System.getProperty("contract.dir", "target/aws-contract"));
    }

    /** The build this JVM belongs to (surefire passes Maven's build timestamp); "" outside Maven. */
    public static String build() {
        return System.getProperty("contract.build", "");
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
            if (!EXPECTED.get()) violations.forEach(v -> VIOLATIONS.add(v.toString()));
        }
        if (!violations.isEmpty()) {
            throw new AssertionError("the tool sent a request the AWS service model refuses: " + violations);
        }
    }

    /**
     * Checks a request the tool did not send ({@code plan} records changes instead of sending them): it must meet the
     * model as a sent one must. Not counted: an operation only planned has not been exercised against a fake.
     */
    public static void checkUnsent(SdkRequest request) {
        List<ModelCheck.Violation> violations = ModelCheck.check(request);
        synchronized (ContractRecorder.class) {
            if (!EXPECTED.get()) violations.forEach(v -> VIOLATIONS.add(v.toString()));
        }
        if (!violations.isEmpty()) {
            throw new AssertionError("plan recorded a request the AWS service model refuses: " + violations);
        }
    }

    /** Runs code that sends a request breaking a model on purpose: the AssertionError is thrown, the suite is not failed. */
    public static void expectingViolation(Runnable sendsABadRequest) {
        EXPECTED.set(true);
        try {
            sendsABadRequest.run();
        } finally {
            EXPECTED.set(false);
        }
    }

    /** Requests per operation ("dms:CreateDataMigration") recorded so far in this JVM. */
    public static synchronized Map<String, Long> counts() {
        return new TreeMap<>(COUNTS);
    }

    private static synchronized void write() {
        // a JVM that sent nothing (the coverage execution itself) leaves the suite's files as they are
        if (COUNTS.isEmpty() && VIOLATIONS.isEmpty()) return;
        try {
            Files.createDirectories(dir());
            StringBuilder sb = new StringBuilder();
            COUNTS.forEach((op, n) -> sb.append(op).append('\t').append(n).append('\n'));
            Files.writeString(dir().resolve(FILE), sb.toString());
            Files.writeString(dir().resolve(VIOLATIONS_FILE), String.join("\n", VIOLATIONS) + (VIOLATIONS.isEmpty() ? "" : "\n"));
            Files.writeString(dir().resolve(BUILD_FILE), build());
            Files.writeString(dir().resolve(WRITERS_FILE), build() + "\t" + ProcessHandle.current().pid() + "\n",
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
