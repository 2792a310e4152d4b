package io.pgvectormigrate.testing;

import io.pgvectormigrate.pg.ConnectionSpec;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.testcontainers.containers.Network;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * JUnit extension: one source and one target server per test run (started on first use, stopped when the
 * run ends, even on failure), and a fresh pair of databases per test method, injected as {@link DbPair}.
 *
 * <p>Backend: local binaries (default) or Testcontainers with PGVM_TEST_BACKEND=testcontainers. A missing
 * PostgreSQL or pgvector fails the test with what to install; nothing is skipped.
 */
public final class PgServers implements ParameterResolver {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(PgServers.class);
    private static final AtomicInteger COUNTER = new AtomicInteger();

    /** Both servers, closed by JUnit when the root context closes. */
    static final class Servers implements ExtensionContext.Store.CloseableResource, AutoCloseable {
        final TestServer source;
        final TestServer target;
        final Network network;

        Servers() {
            String backend = System.getenv().getOrDefault("PGVM_TEST_BACKEND", "local");
            if (backend.equals("testcontainers")) {
                network = Network.newNetwork();
                source = new ContainerTestServer("source", network);
                target = new ContainerTestServer("target", network);
            } else {
                network = null;
                TestServer s = new LocalTestServer("source");
                try {
                    target = new LocalTestServer("target");
                } catch (RuntimeException e) {
                    s.close();
                    throw e;
                }
                source = s;
            }
        }

        @Override
        public void close() {
            try {
                source.close();
            } finally {
                target.close();
                if (network != null) network.close();
            }
        }
    }

    public static Servers servers(ExtensionContext context) {
        return context.getRoot().getStore(NS).getOrComputeIfAbsent(Servers.class, k -> new Servers(), Servers.class);
    }

    @Override
    public boolean supportsParameter(ParameterContext pc, ExtensionContext ec) {
        return pc.getParameter().getType() == DbPair.class;
    }

    @Override
    public Object resolveParameter(ParameterContext pc, ExtensionContext ec) {
        Servers s = servers(ec);
        String db = "t" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet();
        createDatabase(s.source, db);
        createDatabase(s.target, db);
        return new DbPair(s.source, s.target, db);
    }

    static void createDatabase(TestServer server, String db) {
        try (Connection c = DriverManager.getConnection(server.connection("postgres").jdbcUrl(),
                server.connection("postgres").driverProperties());
             Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + db);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create test database " + db + ": " + e.getMessage(), e);
        }
    }

    /** A fresh database of the same name on the source and on the target server. */
    public record DbPair(TestServer sourceServer, TestServer targetServer, String name) {
        public ConnectionSpec source() {
            return sourceServer.connection(name);
        }

        public ConnectionSpec target() {
            return targetServer.connection(name);
        }

        /** The source as the target server reaches it (subscriptions). */
        public ConnectionSpec sourceFromTarget() {
            return sourceServer.connectionFromPeer(name);
        }

        public Connection openSource() throws SQLException {
            return DriverManager.getConnection(source().jdbcUrl(), source().driverProperties());
        }

        public Connection openTarget() throws SQLException {
            return DriverManager.getConnection(target().jdbcUrl(), target().driverProperties());
        }

        /** Runs SQL statements on both sides. */
        public void both(String... sql) throws SQLException {
            Sql.exec(source(), sql);
            Sql.exec(target(), sql);
        }
    }
}
