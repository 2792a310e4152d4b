package io.pgvectormigrate.pipeline;

import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pg.TableFilter;

/**
 * The two databases a migration works between, with passwords (in memory only), and the tables it moves.
 *
 * @param source          the temporary source, as the tool reaches it
 * @param target          the new cluster, as the tool reaches it
 * @param sourceFromTarget the source as the target server reaches it (subscriptions); usually equal to source
 */
public record Endpoints(ConnectionSpec source, ConnectionSpec target, ConnectionSpec sourceFromTarget, TableFilter tables) {
    public Endpoints(ConnectionSpec source, ConnectionSpec target, TableFilter tables) {
        this(source, target, source, tables);
    }
}
