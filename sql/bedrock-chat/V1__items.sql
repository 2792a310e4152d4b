-- pgvector-migrate, bedrock-chat preset: the vector store exactly as Bedrock Chat's setup creates it
-- (Custom::SetupVectorStore, identical in v0 and v1), without its DROP TABLE.
-- IF NOT EXISTS everywhere: on a v1 target whose stack already created the table and its indexes nothing
-- is changed and no row is touched. The table is named with its schema because Flyway puts its own schema
-- first on the search_path while migrating; the type and operator class resolve through the rest of it.
CREATE TABLE IF NOT EXISTS public.items(
  id CHAR(26) primary key, botid CHAR(26), content text, source text, embedding vector(1024));
CREATE INDEX IF NOT EXISTS idx_items_embedding ON public.items USING ivfflat (embedding vector_l2_ops) WITH (lists = 100);
CREATE INDEX IF NOT EXISTS idx_items_botid ON public.items (botid);
