package io.pgvectormigrate.aws;

import io.pgvectormigrate.aws.fake.FakeRds;
import io.pgvectormigrate.local.LocalPostgres;
import io.pgvectormigrate.local.PgBinaries;
import io.pgvectormigrate.local.Proc;
import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pipeline.Journal;
import io.pgvectormigrate.pipeline.RunContext;
import io.pgvectormigrate.report.Progress;
import io.pgvectormigrate.testing.CliRun;
import io.pgvectormigrate.testing.PgServers;
import io.pgvectormigrate.testing.Sql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * restore -> credentials -> connect and count -> cleanup, on real data: the fake's snapshot carries a pg_dump
 * archive of a Bedrock Chat items table, and restoring it starts a local PostgreSQL loaded with it.
 */
@ExtendWith(PgServers.class)
class AwsEndToEndTest {
    @TempDir
    Path tmp;

    private static final int ROWS = 300;

    private World worldWithData(PgServers.DbPair db, String runId) throws Exception {
        db.both("CREATE EXTENSION IF NOT EXISTS vector");
        Sql.exec(db.source(),
                "CREATE TABLE items(id CHAR(26) primary key, botid CHAR(26), content text, source text, embedding vector(1024))",
                "INSERT INTO items SELECT lpad(g::text, 26, '0'), lpad((g % 7)::text, 26, 'B'), 'chunk ' || g, 's3://docs/' || g,"
                        + " (SELECT array_agg(random())::vector FROM generate_series(1, 1024) WHERE g > 0) FROM generate_series(1, " + ROWS + ") g");
        PgBinaries bins = PgBinaries.locate(System.getenv()).requirePgvector();
        Path archive = tmp.resolve("snapshot.dump");
        ConnectionSpec src = db.source();
        Proc.check("pg_dump", List.of(bins.tool("pg_dump").toString(), "-Fc", "-f", archive.toString(), "-d", src.database()),
                null, Map.of("PGHOST", src.host(), "PGPORT", String.valueOf(src.port()), "PGUSER", src.user(), "PGPASSWORD", src.password()),
                Duration.ofMinutes(2));
        World w = new World(tmp.resolve("world"));
        FakeRds.Snapshot s = w.aws.rds.snapshots.get(World.SNAPSHOT);
        s.dumpArchive = archive;
        s.binaries = bins;
        s.localBaseDir = Files.createTempDirectory(LocalPostgres.defaultBaseDir(), "fake-aurora-" + runId + "-");
        // the instance below it runs as the postgres OS user, who must be able to walk into it
        Files.setPosixFilePermissions(s.localBaseDir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        return w;
    }

    private static long rows(ConnectionSpec spec) throws SQLException {
        return Sql.count(spec, "SELECT count(*) FROM items WHERE vector_dims(embedding) = 1024");
    }

    @Test
    void restoreWithAGeneratedPasswordConnectCountAndCleanUp(PgServers.DbPair db) throws Exception {
        World w = worldWithData(db, "e1");
        try {
            CliRun.Result r = w.run("restore", "--snapshot", World.SNAPSHOT, "--run-id", "e1");
            assertEquals(0, r.exitCode(), r.toString());

            // the secret the tool stored (what DMS reads) logs in; the snapshot's old password no longer does
            DbSecret secret = DbSecret.parse("t", w.aws.secrets.secrets.get("pgvector-migrate/e1/temporary-source-credentials").value);
            ConnectionSpec viaSecret = new ConnectionSpec(secret.host(), secret.port(), secret.dbname(), secret.username(), secret.password(), Map.of());
            assertEquals(ROWS, rows(viaSecret));
            assertThrows(SQLException.class, () -> rows(viaSecret.withPassword(World.OLD_PASSWORD)));
            // the writer came up with the new parameter group pending-reboot (as RDS may): restore rebooted it, and logical
            // replication is in effect, over SQL
            assertEquals(1, w.aws.rds.instances.get("pgvm-e1-writer").reboots);
            assertEquals("in-sync", w.aws.rds.instances.get("pgvm-e1-writer").parameterStatus);
            assertEquals("logical", Sql.scalar(viaSecret, "SHOW wal_level"));
            assertEquals("1", w.journal("e1").output(io.pgvectormigrate.pipeline.Step.RESTORE, "writerReboots").orElseThrow());

            // the provider's credentials step, as the pipeline calls it on resume, gives the same working login
            Journal j = w.journal("e1");
            AwsProvider p = new AwsProvider(w.aws, AwsSourceOptions.of(World.SNAPSHOT, World.STACK, null));
            ConnectionSpec spec = p.credentials(new RunContext(j, Progress.SILENT, tmp, Clock.systemUTC()));
            assertEquals(ROWS, rows(spec));
            assertEquals(secret.password(), spec.password());
            assertFalse(spec.display().contains(spec.password()));
            assertEquals(Long.valueOf(7), Long.valueOf(Sql.count(spec, "SELECT count(DISTINCT botid) FROM items")));

            int port = spec.port();
            CliRun.Result c = w.run("cleanup", "--run-id", "e1", "--yes", "--no-final-snapshot");
            assertEquals(0, c.exitCode(), c.toString());
            assertEquals(List.of(), w.aws.taggedWith("e1"));
            assertThrows(SQLException.class, () -> DriverManager.getConnection(spec.jdbcUrl(), spec.driverProperties()).close(),
                    "the temporary database on port " + port + " is gone");
            w.assertNoLeak(r, secret.password(), World.OLD_PASSWORD);
            w.assertNoLeak(c, secret.password(), World.OLD_PASSWORD);
        } finally {
            w.aws.rds.destroyLocalInstances();
            Files.deleteIfExists(w.aws.rds.snapshots.get(World.SNAPSHOT).localBaseDir);
        }
    }

    @Test
    void restoreWithTheCapturedPasswordKeepsTheOldLogin(PgServers.DbPair db) throws Exception {
        World w = worldWithData(db, "e2");
        try {
            assertEquals(0, w.run("capture", "--cluster", World.OLD_CLUSTER, "--secret-id", w.oldSecretArn, "--run-id", "e2").exitCode());
            w.aws.rds.newWritersPendingReboot = false; // this time the group is in effect when the writer starts
            CliRun.Result r = w.run("restore", "--snapshot", World.SNAPSHOT, "--run-id", "e2");
            assertEquals(0, r.exitCode(), r.toString());
            DbSecret secret = DbSecret.parse("t", w.aws.secrets.secrets.get("pgvector-migrate/e2/temporary-source-credentials").value);
            assertEquals(World.OLD_PASSWORD, secret.password());
            ConnectionSpec login = new ConnectionSpec(secret.host(), secret.port(), secret.dbname(), secret.username(), secret.password(), Map.of());
            assertEquals(ROWS, rows(login));
            assertEquals("logical", Sql.scalar(login, "SHOW wal_level"));
            assertFalse(w.aws.faults.mutations().contains("RebootDBInstance"), "no reboot when the member is in-sync");
            assertEquals(0, w.run("cleanup", "--run-id", "e2", "--yes").exitCode());
            w.assertNoLeak(r, World.OLD_PASSWORD);
        } finally {
            w.aws.rds.destroyLocalInstances();
            Files.deleteIfExists(w.aws.rds.snapshots.get(World.SNAPSHOT).localBaseDir);
        }
    }
}
