-- pgvector-migrate, core module: the extensions every pgvector target needs.
-- Flyway runs this with search_path = pgvector_migrate, <original path>: name the schema explicitly so the
-- extensions land in public, as Bedrock Chat's setup creates them. IF NOT EXISTS: a target the application
-- already set up (Bedrock Chat v1) keeps its extensions untouched. The tool checks and, when a source is
-- given, raises the vector version before this runs.
CREATE EXTENSION IF NOT EXISTS pgcrypto SCHEMA public;
CREATE EXTENSION IF NOT EXISTS vector SCHEMA public;
