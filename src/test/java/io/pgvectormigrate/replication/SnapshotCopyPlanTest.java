package io.pgvectormigrate.replication;

import io.pgvectormigrate.pg.Catalog;
import io.pgvectormigrate.pg.TableId;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The block ranges a snapshot copy reads cover every block exactly once. */
class SnapshotCopyPlanTest {
    private static TableInfo table(String name, long bytes, long blocks) {
        return new TableInfo(new Catalog.Relation(1, new TableId("public", name), false, null, null, 'd', true, false),
                true, bytes, blocks, 1000, List.of(new TableInfo.Column("id", "integer", true)));
    }

    @Test
    void rangesCoverEveryBlockOnceAndTheLastIsOpen() {
        TableInfo big = table("big", 1L << 30, 1001);
        List<SnapshotCopy.Chunk> chunks = SnapshotCopy.plan(List.of(big), Map.of("public.big", true), 4, 64L << 20, true);
        assertEquals(8, chunks.size(), "at most 2 x jobs ranges");
        long expectFrom = 0;
        for (SnapshotCopy.Chunk c : chunks) {
            assertEquals(expectFrom, c.fromBlock(), "contiguous");
            expectFrom = c.toBlock();
        }
        assertEquals(-1, chunks.get(chunks.size() - 1).toBlock(), "the last range is open-ended");
        assertEquals(" WHERE ctid < '(125,0)'::tid", chunks.get(0).where());
        assertEquals(" WHERE ctid >= '(125,0)'::tid AND ctid < '(250,0)'::tid", chunks.get(1).where());
        assertEquals(" WHERE ctid >= '(875,0)'::tid", chunks.get(7).where());
        assertTrue(chunks.stream().allMatch(SnapshotCopy.Chunk::binary));
    }

    @Test
    void smallTablesAndOldServersCopyWhole() {
        TableInfo small = table("small", 1L << 20, 10);
        TableInfo big = table("big", 1L << 30, 1000);
        List<SnapshotCopy.Chunk> chunks = SnapshotCopy.plan(List.of(small, big), Map.of(), 4, 64L << 20, false);
        assertEquals(2, chunks.size());
        assertEquals("big", chunks.get(0).table().id().name(), "largest first");
        assertEquals("", chunks.get(0).where());
        assertTrue(chunks.stream().noneMatch(SnapshotCopy.Chunk::binary), "text when types were not checked");
        List<SnapshotCopy.Chunk> tiny = SnapshotCopy.plan(List.of(small), Map.of(), 4, 64L << 20, true);
        assertEquals(1, tiny.size(), "a table under one range's worth is not split");
    }
}
