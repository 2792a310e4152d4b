package io.pgvectormigrate.testing;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** The harness gives two separate servers with pgvector and logical replication on. */
@ExtendWith(PgServers.class)
class HarnessTest {
    @Test
    void serversHavePgvectorAndLogicalReplication(PgServers.DbPair db) throws Exception {
        db.both("CREATE EXTENSION vector", "CREATE TABLE t(id int primary key, e vector(3))",
                "INSERT INTO t VALUES (1, '[1,2,3]')");
        assertEquals("3", Sql.scalar(db.source(), "SELECT vector_dims(e) FROM t"));
        assertEquals("logical", Sql.scalar(db.source(), "SHOW wal_level"));
        assertNotEquals(db.source().port(), db.target().port());
    }
}
