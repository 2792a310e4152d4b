package io.pgvectormigrate.aws.dms;

import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pg.TableFilter;
import io.pgvectormigrate.pipeline.Endpoints;
import io.pgvectormigrate.pipeline.Journal;
import io.pgvectormigrate.pipeline.RunContext;
import io.pgvectormigrate.report.Progress;
import io.pgvectormigrate.sample.BedrockChatSample;
import io.pgvectormigrate.testing.PgServers;
import io.pgvectormigrate.testing.Sql;

import java.nio.file.Path;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** A fake DMS wired to a real source and target database, and the journal and progress of a run. */
final class DmsFixture {
    static final String SOURCE_SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:pgvector-migrate/fixture/temporary-source-credentials-Ab12Cd";
    static final String TARGET_SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:DbConfigSecret-Xy34Zw";
    static final String ROLE = "arn:aws:iam::123456789012:role/pgvector-migrate-dms";

    final PgServers.DbPair db;
    final Path work;
    /** What the secrets hold; tests remove or change entries to simulate a role that may not read them. */
    final Map<String, ConnectionSpec> secrets = new ConcurrentHashMap<>();
    final FakeDms fake;
    /** What the engine sees: the fake behind the contract recorder. */
    final software.amazon.awssdk.services.databasemigration.DatabaseMigrationClient client;
    final List<String> progressLines = new CopyOnWriteArrayList<>();
    final List<ConnectionSpec> finished = new CopyOnWriteArrayList<>();
    /** The policies attached to the DMS role (by role ARN): what `iam-policy --document dms-permissions` prints. */
    final Map<String, List<String>> rolePolicies = new ConcurrentHashMap<>();
    /** The account's subnets and their zones. */
    final Map<String, String> subnetZones = new ConcurrentHashMap<>(Map.of("subnet-0aaa", "us-east-1a", "subnet-0bbb", "us-east-1b",
            "subnet-1", "us-east-1a", "subnet-2", "us-east-1b"));

    DmsFixture(PgServers.DbPair db, Path work) {
        this.db = db;
        this.work = work;
        secrets.put(SOURCE_SECRET, db.source());
        secrets.put(TARGET_SECRET, db.target());
        rolePolicies.put(ROLE, List.of(io.pgvectormigrate.aws.fake.PrintedPolicies.dmsPermissions(FakeDms.REGION)));
        this.fake = new FakeDms(secrets::get, rolePolicies::get);
        fake.subnetZones(subnetZones::get);
        // the account's secrets as IAM sees them: the two DMS reads, and two it must not be able to read
        fake.secretsOfAccount(() -> List.of(
                new FakeDms.AccountSecret(SOURCE_SECRET, "pgvector-migrate/fixture/temporary-source-credentials",
                        Map.of("pgvector-migrate:run-id", "fixture", "pgvector-migrate:role", "temporary-source-credentials")),
                new FakeDms.AccountSecret(TARGET_SECRET, "DbConfigSecret", Map.of("aws:cloudformation:stack-name", "BedrockChatStack")),
                new FakeDms.AccountSecret("arn:aws:secretsmanager:us-east-1:123456789012:secret:pgvector-migrate/fixture/captured-Qw12Er",
                        "pgvector-migrate/fixture/captured", Map.of("pgvector-migrate:run-id", "fixture", "pgvector-migrate:role", "captured-credentials")),
                new FakeDms.AccountSecret("arn:aws:secretsmanager:us-east-1:123456789012:secret:other-app-Zx98Cv", "other-app", Map.of())));
        this.client = io.pgvectormigrate.aws.contract.ContractRecorder.wrap(
                software.amazon.awssdk.services.databasemigration.DatabaseMigrationClient.class, fake);
    }

    DmsOptions.Builder options() {
        return DmsOptions.builder().region(FakeDms.REGION).subnetIds(List.of("subnet-0aaa", "subnet-0bbb")).subnetZones(subnetZones)
                .securityGroupIds(List.of("sg-0db")).sourceSecretId(SOURCE_SECRET).targetSecretId(TARGET_SECRET).roleArn(ROLE)
                .pollInterval(Duration.ofMillis(2)).heartbeat(Duration.ofHours(1)).timeout(Duration.ofSeconds(60));
    }

    DmsEngine engine(DmsOptions options) {
        return new DmsEngine(client, options, (target, tables, progress) -> finished.add(target));
    }

    DmsEngine engine() {
        return engine(options().build());
    }

    Progress progress() {
        return new Progress() {
            @Override
            public void info(String line) {
                progressLines.add(line);
            }

            @Override
            public Bar bar(String task, long total, String unit) {
                return NO_BAR;
            }
        };
    }

    /** Opens (or reopens, as a resumed process would) the run's journal from disk. */
    RunContext ctx(String runId) {
        return new RunContext(Journal.open(work, runId, "migrate", Clock.systemUTC()), progress(), work, Clock.systemUTC());
    }

    Endpoints endpoints() {
        return new Endpoints(db.source(), db.target(), TableFilter.ALL);
    }

    Endpoints endpoints(TableFilter filter) {
        return new Endpoints(db.source(), db.target(), filter);
    }

    /** Bedrock Chat's items table with rows on the source, and the same empty schema on the target. */
    void bedrockChat(int rows, int bots) throws Exception {
        try (Connection s = db.openSource(); Connection t = db.openTarget()) {
            BedrockChatSample.createSchema(s);
            BedrockChatSample.createSchema(t);
            BedrockChatSample.generate(s, rows, bots, 7, Progress.SILENT);
        }
    }

    /** Bedrock Chat's items (40 rows, 2 bots) and two small tables after it, so a full load has tables still to load. */
    void bedrockChatAndTwoMoreTables() throws Exception {
        bedrockChat(40, 2);
        db.both("CREATE TABLE notes(id int PRIMARY KEY)", "CREATE TABLE tags(id int PRIMARY KEY)");
        Sql.exec(db.source(), "INSERT INTO notes SELECT generate_series(1, 10)", "INSERT INTO tags SELECT generate_series(1, 10)");
    }

    /** Whole-table digest with the vectors in binary form, for comparing source and target. */
    static final String ITEMS_DIGEST = "SELECT count(*) || ':' || md5(string_agg(md5(id || '|' || botid || '|' || content || '|' || source || '|' "
            + "|| encode(vector_send(embedding), 'hex')), '' ORDER BY id)) FROM items";

    /** Whether a line shows the guide's status label, in whatever casing the fake sends it. */
    static boolean has(String line, String label) {
        return DmsStatus.normalize(line).contains(DmsStatus.normalize(label));
    }

    String digest(ConnectionSpec spec) throws Exception {
        return Sql.scalar(spec, ITEMS_DIGEST);
    }
}
