package io.pgvectormigrate.pg;

import io.pgvectormigrate.core.ExitCode;
import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pipeline.TargetRowCounter;
import io.pgvectormigrate.testing.PgServers;
import io.pgvectormigrate.testing.Sql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The one catalog's selection rules (tables, partitions, sequences) and sequence carrying, on real PostgreSQL. */
@ExtendWith(PgServers.class)
class CatalogTest {
    private static final String[] SCHEMA = {
            "CREATE EXTENSION IF NOT EXISTS vector",
            "CREATE SCHEMA app",
            "CREATE TABLE docs (id int, region text, PRIMARY KEY (region, id)) PARTITION BY LIST (region)",
            "CREATE TABLE docs_eu PARTITION OF docs FOR VALUES IN ('eu')",
            "CREATE TABLE docs_us PARTITION OF docs FOR VALUES IN ('us') PARTITION BY RANGE (id)",
            "CREATE TABLE docs_us_low PARTITION OF docs_us FOR VALUES FROM (MINVALUE) TO (100)",
            "CREATE TABLE docs_us_high PARTITION OF docs_us FOR VALUES FROM (100) TO (MAXVALUE)",
            "CREATE TABLE notes (id serial PRIMARY KEY, body text)",
            "CREATE SEQUENCE ticket_no",
            "CREATE TABLE tickets (id int PRIMARY KEY DEFAULT nextval('ticket_no'))",
            "CREATE SEQUENCE app.counter",
            "CREATE TABLE app.\"Orders\" (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY)",
            "CREATE TEMP TABLE scratch (id int)",
            "INSERT INTO docs SELECT g, (ARRAY['eu', 'us'])[1 + g % 2] FROM generate_series(1, 300) g",
    };

    private static Catalog.Selection select(Connection c, List<String> schemas, List<String> tables, List<String> excludes)
            throws Exception {
        return Catalog.select(c, new TableFilter(schemas, tables, excludes));
    }

    private static List<String> keys(List<TableId> ids) {
        return ids.stream().map(TableId::key).toList();
    }

    private static List<String> sequences(Catalog.Selection s) {
        return s.sequences().stream().map(q -> q.id().key()).toList();
    }

    /**
     * "Exactly these tables" (what after-load works on) selects the same roots again, whatever their names hold: a name
     * with a {@code *} is not a wildcard, a schema with a dot is not split, and no unowned sequence comes along.
     */
    @Test
    void anExactSelectionSelectsTheSameTablesWhateverTheirNames(PgServers.DbPair db) throws Exception {
        try (Connection c = db.openSource()) {
            for (String sql : new String[]{"CREATE TABLE \"doc*\" (id int PRIMARY KEY)", "CREATE TABLE docs (id int PRIMARY KEY)",
                    "CREATE SCHEMA \"x.y\"", "CREATE TABLE \"x.y\".t (id int PRIMARY KEY)", "CREATE TABLE \"a,b\" (id int PRIMARY KEY)",
                    "CREATE SEQUENCE loose"}) {
                c.createStatement().execute(sql);
            }
            Catalog.Selection chosen = select(c, List.of(), List.of(), List.of("public.docs"));
            assertEquals(List.of("public.a,b", "public.doc*", "x.y.t"), keys(chosen.roots()));
            Catalog.Selection again = Catalog.select(c, chosen.exactly());
            assertEquals(chosen.roots(), again.roots(), "the same tables, no more, no fewer");
            assertEquals(List.of(), sequences(again), "an exact selection takes no unowned sequence");
            assertTrue(chosen.exactly().describe().contains("public.\"doc*\""), chosen.exactly().describe());
        }
    }

    @Test
    void rootsLeavesAndSequencesUnderEachFilter(PgServers.DbPair db) throws Exception {
        try (Connection c = db.openSource()) {
            for (String sql : SCHEMA) c.createStatement().execute(sql);
            Catalog.Selection all = Catalog.select(c, TableFilter.ALL);
            assertEquals(List.of("app.Orders", "public.docs", "public.notes", "public.tickets"), keys(all.roots()),
                    "roots only; no temporary table");
            assertEquals(List.of("app.Orders", "public.docs_eu", "public.docs_us_high", "public.docs_us_low", "public.notes",
                    "public.tickets"), all.leaves().stream().map(r -> r.id().key()).sorted().toList(), "the tables that hold rows");
            Catalog.Table docs = all.table(new TableId("public", "docs")).orElseThrow();
            assertEquals(List.of("public.docs_eu", "public.docs_us", "public.docs_us_high", "public.docs_us_low"),
                    docs.partitions().stream().map(r -> r.id().key()).toList(), "parents before children");
            assertEquals("FOR VALUES IN ('eu')", docs.partitions().get(0).bound());
            assertEquals(new TableId("public", "docs_us"), docs.partitions().get(2).parent());
            assertEquals(List.of("app.Orders_id_seq", "app.counter", "public.notes_id_seq", "public.ticket_no"), sequences(all),
                    "identity, unowned, serial and default-called sequences");

            // a pattern matches roots: the partitioned root brings its partitions, a partition's own name selects nothing
            assertEquals(List.of("public.docs"), keys(select(c, List.of(), List.of("docs"), List.of()).roots()));
            assertEquals(3, select(c, List.of(), List.of("docs"), List.of()).leaves().size());
            assertTrue(select(c, List.of(), List.of("docs_eu"), List.of()).isEmpty());
            assertEquals(keys(all.roots()), keys(select(c, List.of(), List.of(), List.of("docs_us")).roots()),
                    "--exclude names roots too");

            // sequences: a --table pattern keeps the owned and default-called ones of its tables, no unowned one
            assertEquals(List.of("public.ticket_no"), sequences(select(c, List.of(), List.of("tickets"), List.of())));
            assertEquals(List.of(), sequences(select(c, List.of(), List.of("docs"), List.of())));
            // --schema keeps the unowned ones of that schema; --exclude leaves a table's own sequence out, not unowned ones
            assertEquals(List.of("app.Orders_id_seq", "app.counter"), sequences(select(c, List.of("app"), List.of(), List.of())));
            assertEquals(List.of("app.Orders_id_seq", "app.counter", "public.ticket_no"),
                    sequences(select(c, List.of(), List.of(), List.of("notes"))));
        }
        // counted through the root: the partitions are not listed on their own
        assertEquals(Map.of("app.Orders", 0L, "public.docs", 300L, "public.notes", 0L, "public.tickets", 0L),
                TargetRowCounter.count(db.source(), TableFilter.ALL, "source"));
    }

    @Test
    void theReplicaIdentityMessageNamesEachTableAndAFixThatWorksAsTyped() {
        TableId root = new TableId("Sales", "Region Data");
        Catalog.Relation parent = new Catalog.Relation(1, root, true, null, null, 'd', false, false);
        Catalog.Relation north = new Catalog.Relation(2, new TableId("Sales", "Region Data North"), false, root,
                "FOR VALUES IN ('North')", 'd', false, false);
        Catalog.Relation rest = new Catalog.Relation(3, new TableId("Sales", "Region Data Rest"), false, root, "DEFAULT",
                'f', false, false);
        Catalog.Selection s = new Catalog.Selection(List.of(new Catalog.Table(parent, List.of(north, rest))), List.of());
        String m = s.replicaIdentityProblem().orElseThrow();
        assertEquals("1 table has no primary key or replica identity, so logical replication cannot carry its updates and "
                + "deletes: \"Sales\".\"Region Data North\" (a partition of \"Sales\".\"Region Data\") (add a primary key, or "
                + "ALTER TABLE \"Sales\".\"Region Data North\" REPLICA IDENTITY FULL, or leave it out with --exclude "
                + "'Sales.Region Data')", m);
    }

    @Test
    void sequencesOnlyMoveForward(PgServers.DbPair db) throws Exception {
        db.both("CREATE SEQUENCE up START 10", "CREATE SEQUENCE down INCREMENT -1 START 100 MAXVALUE 100",
                "CREATE SEQUENCE ahead", "CREATE SEQUENCE untouched");
        Sql.exec(db.source(), "SELECT nextval('up') FROM generate_series(1, 5)", "SELECT nextval('down') FROM generate_series(1, 5)",
                "SELECT nextval('ahead') FROM generate_series(1, 5)");
        Sql.exec(db.target(), "SELECT setval('ahead', 900)");
        try (Connection s = db.openSource(); Connection t = db.openTarget()) {
            List<Sequences.Carried> carried = Sequences.carry(s, t, Catalog.select(s, TableFilter.ALL).sequences());
            assertEquals(List.of("public.ahead:false", "public.down:true", "public.untouched:false", "public.up:true"),
                    carried.stream().map(x -> x.sequence().key() + ":" + x.moved()).toList());
            // a second pass finds everything in step and moves nothing
            assertTrue(Sequences.carry(s, t, Catalog.select(s, TableFilter.ALL).sequences()).stream().noneMatch(Sequences.Carried::moved));
        }
        assertEquals("15", Sql.scalar(db.target(), "SELECT nextval('up')"));
        assertEquals("95", Sql.scalar(db.target(), "SELECT nextval('down')"));
        assertEquals("901", Sql.scalar(db.target(), "SELECT nextval('ahead')"), "never moved back");
        assertEquals("1", Sql.scalar(db.target(), "SELECT nextval('untouched')"), "never called: left unset");

        Sql.exec(db.source(), "CREATE SEQUENCE only_on_source");
        try (Connection s = db.openSource(); Connection t = db.openTarget()) {
            ToolException e = assertThrows(ToolException.class,
                    () -> Sequences.carry(s, t, Catalog.select(s, TableFilter.ALL).sequences()));
            assertEquals(ExitCode.USAGE, e.exitCode());
            assertTrue(e.getMessage().contains("sequence public.only_on_source missing on the target")
                    && e.getMessage().contains("prepare-target --schema-from-source"), e.getMessage());
        }
    }
}
