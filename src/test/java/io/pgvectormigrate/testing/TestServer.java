package io.pgvectormigrate.testing;

import io.pgvectormigrate.pg.ConnectionSpec;

/** A PostgreSQL + pgvector server for tests: a local throwaway instance or a Testcontainers container. */
public interface TestServer extends AutoCloseable {
    /** Superuser connection to a database, as the test JVM reaches it. */
    ConnectionSpec connection(String database);

    /** Superuser connection to a database, as another test server reaches it (for subscriptions). */
    ConnectionSpec connectionFromPeer(String database);

    /** Stops the server and removes what it stored. */
    @Override
    void close();
}
