package io.pgvectormigrate.testing;

import io.pgvectormigrate.local.LocalPostgres;
import io.pgvectormigrate.local.PgBinaries;
import io.pgvectormigrate.pg.ConnectionSpec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** A throwaway instance from the local binaries, with logical replication on. */
final class LocalTestServer implements TestServer {
    private final LocalPostgres pg;

    LocalTestServer(String name) {
        PgBinaries bins = PgBinaries.locate(System.getenv()).requirePgvector();
        Map<String, String> settings = new LinkedHashMap<>(LocalPostgres.replicationSettings());
        settings.putAll(LocalPostgres.throwawaySettings());
        try {
            Path dir = Files.createTempDirectory(LocalPostgres.defaultBaseDir(), "test-" + name + "-");
            this.pg = LocalPostgres.start(bins, dir, 0, settings, true);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    LocalPostgres instance() {
        return pg;
    }

    @Override
    public ConnectionSpec connection(String database) {
        return pg.connection(database);
    }

    @Override
    public ConnectionSpec connectionFromPeer(String database) {
        return pg.connection(database);
    }

    @Override
    public void close() {
        pg.destroy();
    }
}
