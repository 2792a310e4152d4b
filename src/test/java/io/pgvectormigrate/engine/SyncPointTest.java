package io.pgvectormigrate.engine;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Cutover's sync point: the end of the source's last record, which a slot's consumer can confirm. */
class SyncPointTest {
    private static final long BLOCK = 8192;
    private static final long SEGMENT = 16L << 20;

    @Test
    void lsnTextRoundTrips() {
        assertEquals(0x16B374D848L, Replication.lsn("16/B374D848"));
        assertEquals("16/B374D848", Replication.lsnText(0x16B374D848L));
        assertEquals("0/0", Replication.lsnText(0));
    }

    @Test
    void aPositionJustPastAPageHeaderMovesBackToThePageBoundary() {
        long page = 5 * SEGMENT + 3 * BLOCK;
        assertEquals(page, Replication.endOfLastRecord(page + 24, BLOCK, SEGMENT), "short header");
        assertEquals(5 * SEGMENT, Replication.endOfLastRecord(5 * SEGMENT + 40, BLOCK, SEGMENT), "long header, first page of a segment");
        assertEquals(page + 48, Replication.endOfLastRecord(page + 48, BLOCK, SEGMENT), "inside a page: unchanged");
        assertEquals(page, Replication.endOfLastRecord(page, BLOCK, SEGMENT), "on the boundary: unchanged");
    }
}
