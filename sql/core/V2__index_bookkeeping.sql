-- pgvector-migrate, core module: what the tool remembers about the target's indexes between the
-- preparation and the end of the load, kept on the target itself so a resumed run still knows it.

-- Secondary indexes dropped before the copy (definition from pg_get_indexdef, fully qualified) and
-- recreated after it. rebuilt_at is null until the index exists again.
CREATE TABLE pgvector_migrate.deferred_index (
    schema_name   text        NOT NULL,
    index_name    text        NOT NULL,
    table_name    text        NOT NULL,
    access_method text        NOT NULL,
    definition    text        NOT NULL,
    deferred_at   timestamptz NOT NULL DEFAULT now(),
    rebuilt_at    timestamptz,
    PRIMARY KEY (schema_name, index_name)
);

-- Vector indexes (ivfflat, hnsw) that stayed in place during the load and were rebuilt after it, so a
-- second after-load pass does not rebuild them again. A new preparation clears the rows of its tables.
CREATE TABLE pgvector_migrate.vector_reindex (
    schema_name  text        NOT NULL,
    index_name   text        NOT NULL,
    table_name   text        NOT NULL,
    reindexed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (schema_name, index_name)
);
