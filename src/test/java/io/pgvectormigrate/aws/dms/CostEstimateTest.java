package io.pgvectormigrate.aws.dms;

import io.pgvectormigrate.pg.Catalog;
import io.pgvectormigrate.pg.TableFilter;
import io.pgvectormigrate.pg.TableId;
import io.pgvectormigrate.testing.PgServers;
import io.pgvectormigrate.testing.Sql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The cost formula on sizes measured from a real Bedrock Chat-shaped table, with prices as inputs. */
@ExtendWith(PgServers.class)
class CostEstimateTest {
    @TempDir
    Path work;

    @Test
    void measuresTheSourceAndAppliesTheDocumentedFormula(PgServers.DbPair db) throws Exception {
        DmsFixture f = new DmsFixture(db, work);
        f.bedrockChat(200, 4);
        TableId items = new TableId("public", "items");
        CostEstimate.Measured m;
        try (Connection c = db.openSource()) {
            m = CostEstimate.measure(c, Catalog.select(c, TableFilter.ALL), items, "botid", "content");
        }
        assertEquals(200, m.rows());
        assertEquals(4, m.groups());
        assertEquals(Long.parseLong(Sql.scalar(db.source(), "SELECT sum(length(content)) FROM items")), m.textChars());
        assertEquals(Long.parseLong(Sql.scalar(db.source(), "SELECT pg_total_relation_size('items')")), m.bytes());

        // made-up prices: the formula is what is under test, not AWS's price list
        CostEstimate.Prices p = new CostEstimate.Prices(2.0, Duration.ofMinutes(15), 1_000_000, 0.1, 4.0, 0.04, 0.005, 1.0, 2.0, 0.5, 0.1, 2.0, 0.74);
        CostEstimate.Estimate e = CostEstimate.estimate(new CostEstimate.Measured(1000, 36_000_000, 10, 4_000_000), p);
        assertEquals(0.25 + 0.01, e.dmsHours(), 1e-9);
        assertEquals(0.52, e.dmsCost(), 1e-9);
        assertEquals(1.0, e.clusterHours(), 1e-9);
        assertEquals(0.2, e.clusterCost(), 1e-9);
        assertEquals(0.72, e.toolPathCost(), 1e-9);
        assertEquals(1_000_000, e.tokens(), 1e-9);
        assertEquals(100.0, e.embeddingCost(), 1e-9);
        assertEquals(5.0, e.ecsTaskHours(), 1e-9);
        assertEquals(5.0 * (0.04 + 2 * 0.005), e.ecsCost(), 1e-9);
        assertEquals(100.25, e.reembeddingCost(), 1e-9);
        assertTrue(e.formula().get(0).startsWith("DMS hours = 0.25 h startup + 34.3 MiB"), e.formula().get(0));

        CostEstimate.Estimate unknown = CostEstimate.estimate(m, new CostEstimate.Prices(null, null, 1_000_000, null, 4.0, null, null, 1, 2, 0.5, null, 1, 1));
        assertNull(unknown.dmsCost());
        assertNull(unknown.reembeddingCost());
        assertTrue(unknown.formula().stream().anyMatch(l -> l.contains("unknown (no DMS hourly price given)")));
    }
}
