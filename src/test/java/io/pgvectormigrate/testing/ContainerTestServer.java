package io.pgvectormigrate.testing;

import io.pgvectormigrate.pg.ConnectionSpec;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;

import java.util.Map;

/** pgvector's image under Testcontainers, for machines that have a Docker engine (PGVM_TEST_BACKEND=testcontainers). */
final class ContainerTestServer implements TestServer {
    static final DockerImageName IMAGE = DockerImageName.parse("pgvector/pgvector:pg15").asCompatibleSubstituteFor("postgres");
    private static final String PASSWORD = "test-only-password";

    private final PostgreSQLContainer<?> container;
    private final String alias;

    ContainerTestServer(String name, Network network) {
        this.alias = name;
        this.container = new PostgreSQLContainer<>(IMAGE)
                .withUsername("postgres").withPassword(PASSWORD).withDatabaseName("postgres")
                .withNetwork(network).withNetworkAliases(name)
                .withCommand("postgres", "-c", "wal_level=logical", "-c", "max_replication_slots=16",
                        "-c", "max_wal_senders=16", "-c", "fsync=off");
        container.start();
    }

    @Override
    public ConnectionSpec connection(String database) {
        return new ConnectionSpec(container.getHost(), container.getMappedPort(5432), database, "postgres", PASSWORD, Map.of());
    }

    @Override
    public ConnectionSpec connectionFromPeer(String database) {
        return new ConnectionSpec(alias, 5432, database, "postgres", PASSWORD, Map.of());
    }

    @Override
    public void close() {
        container.stop();
    }
}
