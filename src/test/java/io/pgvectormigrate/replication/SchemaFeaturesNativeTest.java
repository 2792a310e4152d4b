package io.pgvectormigrate.replication;

import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.testing.CliRun;
import io.pgvectormigrate.testing.PgServers;
import io.pgvectormigrate.testing.SchemaFeatures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every schema feature through the commands an operator runs with the native engine: prepare-target
 * --schema-from-source (indexes deferred), migrate, changes on the source while it streams, cutover, verify.
 */
@ExtendWith(PgServers.class)
class SchemaFeaturesNativeTest {

    static String url(ConnectionSpec s) {
        return "postgresql://" + s.user() + ":" + URLEncoder.encode(s.password(), StandardCharsets.UTF_8) + "@" + s.host()
                + ":" + s.port() + "/" + s.database();
    }

    static CliRun.Result cli(Path dir, String... args) {
        return CliRun.run(Map.of(), dir, args);
    }

    @ParameterizedTest
    @EnumSource(SchemaFeatures.class)
    void preparedMigratedCutOverAndVerified(SchemaFeatures feature, PgServers.DbPair db, @TempDir Path dir) throws Exception {
        carry(feature, db, dir, "snapshot");
    }

    @Test
    void partitionsWithTheSubscriptionsOwnInitialCopy(PgServers.DbPair db, @TempDir Path dir) throws Exception {
        carry(SchemaFeatures.LIST_PARTITIONS, db, dir, "subscription");
    }

    private static void carry(SchemaFeatures feature, PgServers.DbPair db, Path dir, String initialCopy) throws Exception {
        feature.createOnSource(db.source());
        String s = url(db.source());
        String t = url(db.target());
        CliRun.Result p = cli(dir, "prepare-target", "--target", t, "--source", s, "--schema-from-source", "--defer-indexes");
        assertEquals(0, p.exitCode(), p.toString());

        CliRun.Result m = cli(dir, "migrate", "--engine", "native", "--source", s, "--target", t, "--run-id", "features",
                "--initial-copy", initialCopy);
        assertEquals(0, m.exitCode(), m.toString());
        feature.change(db.source());
        CliRun.Result c = cli(dir, "cutover", "--source", s, "--target", t, "--run-id", "features");
        assertEquals(0, c.exitCode(), c.toString());

        CliRun.Result v = cli(dir, "verify", "--source", s, "--target", t);
        assertEquals(0, v.exitCode(), v.toString());
        assertTrue(v.out().contains("PASSED"), v.out());
        SchemaFeatures.assertCarried(db.source(), db.target());
        Fixture.assertNoReplicationLeft(db, "features");
    }
}
