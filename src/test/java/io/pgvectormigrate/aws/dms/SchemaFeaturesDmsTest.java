package io.pgvectormigrate.aws.dms;

import io.pgvectormigrate.core.ExitCode;
import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pg.TableFilter;
import io.pgvectormigrate.pipeline.Endpoints;
import io.pgvectormigrate.pipeline.RunContext;
import io.pgvectormigrate.report.Progress;
import io.pgvectormigrate.prepare.PrepareOptions;
import io.pgvectormigrate.prepare.TargetPreparer;
import io.pgvectormigrate.testing.CliRun;
import io.pgvectormigrate.testing.PgServers;
import io.pgvectormigrate.testing.SchemaFeatures;
import io.pgvectormigrate.testing.Sql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every schema feature through the DMS engine on the fake DMS (which moves rows as DMS's pg_dump and logical
 * replication would): the pipeline's prepare-target (indexes deferred), migrate, changes while CDC streams, cutover
 * (which carries sequences and rebuilds the deferred indexes), then verify.
 */
@ExtendWith(PgServers.class)
class SchemaFeaturesDmsTest {
    @TempDir
    Path work;

    @ParameterizedTest
    @EnumSource(SchemaFeatures.class)
    void fullLoadAndCdc(SchemaFeatures feature, PgServers.DbPair db) throws Exception {
        carry(feature, db, DmsOptions.MigrationType.FULL_LOAD_AND_CDC);
    }

    @Test
    void partitionsWithAFullLoad(PgServers.DbPair db) throws Exception {
        List<SelectionRules.Rule> rules = carry(SchemaFeatures.LIST_PARTITIONS, db, DmsOptions.MigrationType.FULL_LOAD);
        // each partition is named: pg_dump --table=<partitioned table> would dump none of their rows
        assertEquals(List.of(new SelectionRules.Rule("public", "docs_eu"), new SelectionRules.Rule("public", "docs_other"),
                new SelectionRules.Rule("public", "docs_us_high"), new SelectionRules.Rule("public", "docs_us_low")), rules);
    }

    @Test
    void aTableWithoutKeyIsRefusedWhenChangesStream(PgServers.DbPair db) throws Exception {
        Sql.exec(db.source(), "CREATE TABLE chat_log (botid text, line text)");
        DmsFixture f = new DmsFixture(db, work);
        Endpoints ep = new Endpoints(db.source(), db.target(), TableFilter.ALL);
        DmsEngine cdc = f.engine(f.options().migrationType(DmsOptions.MigrationType.FULL_LOAD_AND_CDC).build());
        ToolException e = assertThrows(ToolException.class, () -> cdc.checkSource(f.ctx("no-key"), ep));
        assertEquals(ExitCode.USAGE, e.exitCode());
        assertTrue(e.getMessage().contains("1 table has no primary key or replica identity") && e.getMessage().contains("public.chat_log")
                && e.getMessage().contains("REPLICA IDENTITY FULL") && e.getMessage().contains("--exclude public.chat_log")
                && e.getMessage().contains("--dms-migration-type full-load"), e.getMessage());
        assertThrows(ToolException.class, () -> cdc.preflight(f.ctx("no-key"), ep));
        // a full load carries no changes: nothing to refuse
        f.engine(f.options().migrationType(DmsOptions.MigrationType.FULL_LOAD).build()).checkSource(f.ctx("no-key"), ep);
        assertEquals(List.of(), f.fake.calls(), "no DMS call was made");
    }

    @Test
    void sequencesMoveForwardOnlyUnownedOnesIncluded(PgServers.DbPair db) throws Exception {
        DmsFixture f = new DmsFixture(db, work);
        f.bedrockChat(20, 2);
        db.both("CREATE TABLE notes (id serial PRIMARY KEY, body text)", "CREATE SEQUENCE invoice_no");
        Sql.exec(db.source(), "INSERT INTO notes (body) SELECT 'note ' || g FROM generate_series(1, 30) g",
                "SELECT nextval('invoice_no') FROM generate_series(1, 7)");
        // the target already handed out higher values: carrying must not move it back
        Sql.exec(db.target(), "SELECT setval('notes_id_seq', 500)");
        RunContext ctx = f.ctx("seq");
        DmsEngine engine = f.engine();
        engine.migrate(ctx, f.endpoints());
        engine.cutover(ctx, f.endpoints());
        assertEquals("501", Sql.scalar(db.target(), "SELECT nextval('notes_id_seq')"));
        assertEquals("8", Sql.scalar(db.target(), "SELECT nextval('invoice_no')"), "a sequence no column owns is carried");
    }

    /** Returns the selection rules the data migration was created with. */
    private List<SelectionRules.Rule> carry(SchemaFeatures feature, PgServers.DbPair db, DmsOptions.MigrationType type) throws Exception {
        feature.createOnSource(db.source());
        DmsFixture f = new DmsFixture(db, work);
        Endpoints ep = new Endpoints(db.source(), db.target(), TableFilter.ALL);
        TargetPreparer.PrepareResult prepared = TargetPreparer.prepare(
                PrepareOptions.forPipeline(db.target(), db.source(), TableFilter.ALL), Progress.SILENT);
        assertTrue(!prepared.tablesCreated().isEmpty(), prepared.summary());

        RunContext ctx = f.ctx("features");
        // the real finisher: deferred indexes are rebuilt from their recorded definitions
        DmsEngine engine = new DmsEngine(f.client, f.options().migrationType(type).build());
        engine.checkSource(ctx, ep);
        engine.preflight(ctx, ep);
        engine.migrate(ctx, ep);
        if (type.cdc()) feature.change(db.source());
        engine.cutover(ctx, ep);
        List<SelectionRules.Rule> rules = SelectionRules.parse(f.fake.migrationNamed("pgvm-features-dms").orElseThrow()
                .dataMigrationSettings().selectionRules());
        engine.teardown(ctx, ep);

        CliRun.Result v = CliRun.run(Map.of(), work, "verify", "--source", url(db.source()), "--target", url(db.target()));
        assertEquals(0, v.exitCode(), v.toString());
        SchemaFeatures.assertCarried(db.source(), db.target());
        return rules;
    }

    static String url(ConnectionSpec s) {
        return "postgresql://" + s.user() + ":" + URLEncoder.encode(s.password(), StandardCharsets.UTF_8) + "@" + s.host()
                + ":" + s.port() + "/" + s.database();
    }
}
