package io.pgvectormigrate.run;

import io.pgvectormigrate.core.ExitCode;
import io.pgvectormigrate.replication.NativeOptions;
import io.pgvectormigrate.pg.CredentialResolver;
import io.pgvectormigrate.pipeline.CopyEngine;
import io.pgvectormigrate.pipeline.ExistingDatabase;
import io.pgvectormigrate.pipeline.Journal;
import io.pgvectormigrate.pipeline.Pipeline;
import io.pgvectormigrate.pipeline.RunContext;
import io.pgvectormigrate.pipeline.Step;
import io.pgvectormigrate.report.Progress;
import io.pgvectormigrate.testing.PgServers;
import io.pgvectormigrate.testing.SchemaFeatures;
import io.pgvectormigrate.testing.Sql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A table logical replication cannot carry (no primary key, no replica identity) stops the pipeline with exit 2,
 * naming the table and the fixes, before anything is created: not the target's schema (prepare-target runs inside
 * the pipeline), not the tool's bookkeeping there, not a publication or slot on the source.
 */
@ExtendWith(PgServers.class)
class UncarriableTableTest {

    private static Pipeline.Outcome run(PgServers.DbPair db, Path dir, CopyEngine engine) {
        // the whole pipeline over the operator's databases, with the stages every real run uses
        Pipeline p = new Pipeline(new ExistingDatabase(db.source(), null, "source"),
                ExistingDatabase.target(db.target(), new CredentialResolver(Map.of(), dir.resolve("home"))), engine,
                Pipeline.Options.defaults(), StandardStages.standard(), List.of());
        RunContext ctx = new RunContext(Journal.open(dir, "no-key", "test", Clock.systemUTC()), Progress.SILENT, dir,
                Clock.systemUTC());
        return p.run(ctx);
    }

    private static void assertNothingCreated(PgServers.DbPair db) throws Exception {
        assertEquals(List.of(), SchemaFeatures.rows(db.target(), "SELECT relname FROM pg_class c JOIN pg_namespace n "
                + "ON n.oid = c.relnamespace WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') "
                + "AND n.nspname NOT LIKE 'pg\\_%' AND c.relkind IN ('r', 'p', 'S')"), "relations on the target");
        assertEquals(null, Sql.scalar(db.target(), "SELECT to_regnamespace('pgvector_migrate')"), "tool schema on the target");
        assertEquals(0, Sql.count(db.source(), "SELECT count(*) FROM pg_publication"));
        assertEquals(0, Sql.count(db.source(), "SELECT count(*) FROM pg_replication_slots WHERE database = current_database()"));
    }

    @Test
    void nativeEngineRefusesBeforeTheTargetIsPrepared(PgServers.DbPair db, @TempDir Path dir) throws Exception {
        Sql.exec(db.source(), "CREATE EXTENSION vector",
                "CREATE TABLE docs (id int PRIMARY KEY, emb vector(2))", "INSERT INTO docs VALUES (1, '[1,2]')",
                "CREATE TABLE chat_log (botid text, line text)",
                // the partitioned table has no key: its partitions have none either
                "CREATE TABLE events (at date, what text) PARTITION BY RANGE (at)",
                "CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
                // REPLICA IDENTITY FULL on this partition is enough for it
                "CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')",
                "ALTER TABLE events_2025 REPLICA IDENTITY FULL");
        Pipeline.Outcome o = run(db, dir, Engines.nativeEngine(NativeOptions.defaults()));
        assertEquals(Pipeline.Status.FAILED, o.status(), o.message());
        assertEquals(ExitCode.USAGE, o.exitCode(), o.message());
        assertEquals(Step.PREPARE_TARGET, o.failedStep());
        String m = o.message();
        assertTrue(m.contains("2 tables have no primary key or replica identity"), m);
        assertTrue(m.contains("public.chat_log, public.events_2024 (a partition of public.events)"), m);
        assertTrue(m.contains("add a primary key, or ALTER TABLE public.chat_log REPLICA IDENTITY FULL"), m);
        assertTrue(m.contains("--exclude public.chat_log,public.events"), m);
        assertTrue(!m.contains("events_2025"), m);
        assertNothingCreated(db);

        // the fix the message names is enough
        Sql.exec(db.source(), "ALTER TABLE chat_log REPLICA IDENTITY FULL", "ALTER TABLE events_2024 REPLICA IDENTITY FULL");
        Pipeline.Outcome fixed = run(db, dir.resolve("again"), Engines.nativeEngine(NativeOptions.defaults()));
        assertEquals(Pipeline.Status.COMPLETED, fixed.status(), fixed.message());
    }
}
