package io.pgvectormigrate.run;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgvectormigrate.aws.AwsSourceOptions;
import io.pgvectormigrate.aws.dms.CostEstimate;
import io.pgvectormigrate.aws.dms.DmsConfig;
import io.pgvectormigrate.aws.dms.DmsOptions;
import io.pgvectormigrate.core.Durations;
import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.pg.TableFilter;
import io.pgvectormigrate.replication.NativeOptions;
import io.pgvectormigrate.pipeline.Journal;
import io.pgvectormigrate.report.Json;
import io.pgvectormigrate.report.ReportFile;
import io.pgvectormigrate.pipeline.Step;
import io.pgvectormigrate.verify.VerifyOptions;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Everything {@code run} needs, resolved once from migration.yaml and the flags (flags win), checked before anything
 * exists: a bad value here is exit 2 and no journal, no AWS call.
 *
 * @param dms          migration.yaml's {@code dms:} section with the DMS flags applied over it
 * @param cost         prices for the estimate (null: no {@code cost:} section)
 * @param tunnelSource where this machine reaches the temporary cluster (null: its endpoint)
 * @param tunnelTarget where this machine reaches the target (null: its endpoint)
 */
public record RunSettings(String runId, Path workDir, String region, String profile, Engine engine, AwsSourceOptions source,
                          String targetSecretArn, TableFilter tables, DmsConfig dms, NativeOptions nativeOptions,
                          MigrationConfig.Verify verify, boolean keepTemporary, Path report, CostEstimate.Prices cost, Step stopAfter,
                          HostPort tunnelSource, HostPort tunnelTarget, Path configFile) {

    public enum Engine {
        DMS, NATIVE;

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The one reading of an engine name (--engine, migration.yaml's engine). */
        public static Engine of(String s) {
            for (Engine e : values()) if (e.id().equalsIgnoreCase(s.trim())) return e;
            throw ToolException.usage("unknown engine '" + s + "': use dms or native");
        }
    }

    /** The one reading of an initial copy's name (--initial-copy, migration.yaml's native.initialCopy). */
    public static Optional<NativeOptions.InitialCopy> initialCopy(String name) {
        return Arrays.stream(NativeOptions.InitialCopy.values()).filter(c -> c.id().equalsIgnoreCase(name)).findFirst();
    }

    /** The flags of the run command; null means "not given". */
    public record Flags(Path config, String snapshot, String stack, String targetCluster, String targetSecretArn, String engine,
                        String runId, Path workDir, String region, String profile, Boolean keepTemporary, Path report,
                        List<String> schemas, List<String> tables, List<String> excludes, Step stopAfter,
                        DmsConfig dms, String sourceVia, String targetVia) {}

    /** Merges the flags over the file (read here when --config is given); every problem is bad input. */
    public static RunSettings resolve(Flags f, Path cwd) {
        Path configFile = f.config() == null ? null : cwd.resolve(f.config()).normalize();
        MigrationConfig c = configFile == null ? MigrationConfig.EMPTY : MigrationConfig.read(configFile);

        String runId = first(f.runId(), c.runId());
        if (runId == null) runId = Journal.newRunId(CloudRun.COMMAND, Clock.systemUTC());
        Journal.validateRunId(runId);
        Path workDir = f.workDir() != null ? cwd.resolve(f.workDir())
                : c.workDir() != null ? base(cwd, configFile).resolve(c.workDir()) : cwd.resolve(Journal.DEFAULT_WORK_DIR);
        workDir = workDir.toAbsolutePath().normalize();

        String snapshot = first(f.snapshot(), c.snapshot());
        if (snapshot == null || snapshot.isBlank()) {
            throw ToolException.usage("missing --snapshot (or 'snapshot:' in migration.yaml): the name or ARN of the old cluster's snapshot");
        }
        String stack = first(f.stack(), c.stack());
        String targetCluster = first(f.targetCluster(), c.targetCluster());
        if (f.stack() != null && targetCluster != null && f.targetCluster() == null) targetCluster = null; // a flag beats the file
        if (f.targetCluster() != null && stack != null && f.stack() == null) stack = null;
        String targetSecret = first(f.targetSecretArn(), c.targetSecretArn());
        if (targetCluster != null && stack == null && targetSecret == null) {
            throw ToolException.usage("--target-cluster needs --target-secret-arn (the secret with the target's credentials; "
                    + "with --stack the stack's DbConfigSecretArn is used)");
        }
        Engine engine = Engine.of(first(f.engine(), c.engine(), "dms"));

        MigrationConfig.TemporaryCluster tc = c.temporaryCluster() != null ? c.temporaryCluster()
                : new MigrationConfig.TemporaryCluster(null, null, null, null, null, null, null, null, null);
        AwsSourceOptions source = new AwsSourceOptions(snapshot, stack, targetCluster, tc.subnetGroup(), tc.securityGroupIds(),
                first(tc.minAcu(), AwsSourceOptions.DEFAULT_MIN_ACU),
                first(tc.maxAcu(), AwsSourceOptions.DEFAULT_MAX_ACU),
                tc.waitTimeout() == null ? AwsSourceOptions.DEFAULT_WAIT
                        : Durations.parse(tc.waitTimeout(), "temporaryCluster.waitTimeout"),
                Boolean.TRUE.equals(tc.resetPassword()),
                // the snapshot restored from stays untouched, so by default no second copy of it is kept
                Boolean.TRUE.equals(tc.finalSnapshot()), tc.database(), tc.engineVersion());

        boolean tableFlags = !f.schemas().isEmpty() || !f.tables().isEmpty() || !f.excludes().isEmpty();
        TableFilter tables = tableFlags || c.tables() == null ? new TableFilter(f.schemas(), f.tables(), f.excludes())
                : c.tables().filter();

        DmsConfig dms = merge(c.dms(), f.dms());
        if (engine == Engine.DMS) {
            // what can be checked without AWS: names and values (roles, network and secrets come with the journal)
            dms.applyTo(DmsOptions.builder());
        }

        NativeOptions nativeOptions = NativeOptions.defaults();
        if (c.nativeEngine() != null) {
            MigrationConfig.Native n = c.nativeEngine();
            if (n.jobs() != null) nativeOptions = nativeOptions.withJobs(n.jobs());
            if (n.initialCopy() != null) {
                String problem = "native.initialCopy: '" + n.initialCopy() + "' is not snapshot or subscription";
                nativeOptions = nativeOptions.withInitialCopy(
                        initialCopy(n.initialCopy()).orElseThrow(() -> ToolException.usage(problem)));
            }
            if (n.timeout() != null) nativeOptions = nativeOptions.withMaxLag(0, Durations.parse(n.timeout(), "native.timeout"));
        }

        MigrationConfig.Verify verify = c.verify() != null ? c.verify()
                : new MigrationConfig.Verify(null, null, null, null, null, null);
        // VerifyOptions checks the values (unknown check ids, negative counts) as bad input
        verify.apply(VerifyOptions.defaults(new ConnectionSpec("x", 1, "x", "x", null, Map.of()),
                new ConnectionSpec("y", 1, "y", "y", null, Map.of()), tables));

        boolean keep = f.keepTemporary() != null ? f.keepTemporary() : Boolean.TRUE.equals(c.keepTemporary());
        Path report = f.report() != null ? cwd.resolve(f.report()) : c.report() != null ? base(cwd, configFile).resolve(c.report()) : null;
        if (report != null) {
            report = report.toAbsolutePath().normalize();
            ReportFile.checkWritable(report, "report");
        }
        CostEstimate.Prices cost = c.cost() == null ? null : c.cost().toPrices();

        HostPort tunnelSource = HostPort.parse(first(f.sourceVia(), c.tunnel() == null ? null : c.tunnel().source()), "tunnel.source");
        HostPort tunnelTarget = HostPort.parse(first(f.targetVia(), c.tunnel() == null ? null : c.tunnel().target()), "tunnel.target");
        if (engine == Engine.NATIVE && tunnelSource != null) {
            throw ToolException.usage("--engine native with a tunnel to the temporary cluster: the target server subscribes to the "
                    + "temporary cluster itself, so this machine must reach it at its own endpoint too; drop tunnel.source or use --engine dms");
        }
        return new RunSettings(runId, workDir, first(f.region(), c.region()), first(f.profile(), c.profile()), engine, source,
                targetSecret, tables, dms, nativeOptions, verify, keep, report, cost, f.stopAfter(), tunnelSource, tunnelTarget, configFile);
    }

    /** Relative paths in the file are relative to the file. */
    private static Path base(Path cwd, Path configFile) {
        return configFile == null || configFile.getParent() == null ? cwd : configFile.getParent();
    }

    @SafeVarargs
    private static <T> T first(T... values) {
        for (T v : values) if (v != null) return v;
        return null;
    }

    /** Each flag given replaces the file's key; a --dms-role-arn also replaces the file's two separate roles. */
    static DmsConfig merge(DmsConfig file, DmsConfig flags) {
        ObjectNode merged = file == null ? Json.mapper().createObjectNode() : Json.mapper().valueToTree(file);
        if (flags != null) {
            if (flags.roleArn() != null) merged.remove(List.of("secretsAccessRoleArn", "serviceAccessRoleArn"));
            Json.mapper().<ObjectNode>valueToTree(flags).properties().stream().filter(e -> !e.getValue().isNull())
                    .forEach(e -> merged.set(e.getKey(), e.getValue()));
        }
        return Json.mapper().convertValue(merged, DmsConfig.class);
    }
}
