package io.pgvectormigrate.local;

import io.pgvectormigrate.core.ExitCode;
import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.testing.Sql;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LocalPostgresTest {
    private final PgBinaries bins = PgBinaries.locate(System.getenv()).requirePgvector();

    @Test
    void restartsAnExistingInstanceOnItsRecordedPortWithItsPassword() throws Exception {
        Path dir = Files.createTempDirectory(LocalPostgres.defaultBaseDir(), "lp-");
        LocalPostgres pg = LocalPostgres.start(bins, dir, 0, LocalPostgres.throwawaySettings(), true);
        try {
            Sql.exec(pg.connection("postgres"), "CREATE TABLE kept(x int)", "INSERT INTO kept VALUES (7)");
            int port = pg.port();
            pg.stop();
            assertFalse(pg.isRunning());
            LocalPostgres again = LocalPostgres.start(bins, dir, 0, Map.of(), true);
            assertEquals(port, again.port());
            assertEquals("7", Sql.scalar(again.connection("postgres"), "SELECT x FROM kept"));
            assertEquals("127.0.0.1", Sql.scalar(again.connection("postgres"), "SHOW listen_addresses"));
        } finally {
            pg.destroy();
        }
        assertFalse(Files.exists(dir), "destroy removes the instance directory");
    }

    @Test
    void aPickedPortTakenBeforeTheServerBindsItIsPickedAgain() throws Exception {
        Path dir = Files.createTempDirectory(LocalPostgres.defaultBaseDir(), "lp-race-");
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Iterator<Integer> picks = List.of(taken.getLocalPort(), LocalPostgres.freePort()).iterator();
            LocalPostgres pg = LocalPostgres.start(bins, dir, 0, LocalPostgres.throwawaySettings(), true, picks::next);
            try {
                assertTrue(pg.port() != taken.getLocalPort(), "started on the second pick");
                assertEquals(String.valueOf(pg.port()), Sql.scalar(pg.connection("postgres"), "SHOW port"));
            } finally {
                pg.destroy();
            }
        } finally {
            LocalPostgres.deleteTree(dir);
        }
    }

    @Test
    void busyPortIsBadInput() throws Exception {
        Path dir = Files.createTempDirectory(LocalPostgres.defaultBaseDir(), "lp-busy-");
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            ToolException e = assertThrows(ToolException.class,
                    () -> LocalPostgres.start(bins, dir, taken.getLocalPort(), Map.of(), true));
            assertEquals(ExitCode.USAGE, e.exitCode());
            assertTrue(e.getMessage().contains("port " + taken.getLocalPort() + " is busy"), e.getMessage());
        } finally {
            LocalPostgres.deleteTree(dir);
        }
    }
}
