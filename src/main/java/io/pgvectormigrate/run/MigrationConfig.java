package io.pgvectormigrate.run;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.pgvectormigrate.aws.dms.CostEstimate;
import io.pgvectormigrate.aws.dms.DmsConfig;
import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.pg.Database;
import io.pgvectormigrate.pg.TableFilter;
import io.pgvectormigrate.report.Json;
import io.pgvectormigrate.verify.VerifyOptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.stream.Collectors;

import static java.util.Objects.requireNonNullElse;

/**
 * migration.yaml: the settings of {@code run} (docs/migration.example.yaml is the bound example and says which keys
 * have a flag). Read strictly: an unknown key or a value of the wrong type is bad input (exit 2) naming the key, so a
 * typo never silently falls back to a default. Every field is optional; flags override the file.
 *
 * @param tunnel where this machine reaches the clusters when it goes through port forwarding
 */
public record MigrationConfig(String region, String profile, String runId, String workDir, String snapshot, String stack,
                              String targetCluster, String targetSecretArn, String engine, Tables tables,
                              TemporaryCluster temporaryCluster, Tunnel tunnel, DmsConfig dms,
                              @JsonProperty("native") Native nativeEngine,
                              Verify verify, Boolean keepTemporary, String report, CostEstimate.Config cost) {

    public static final MigrationConfig EMPTY = new MigrationConfig(null, null, null, null, null, null, null, null, null,
            null, null, null, null, null, null, null, null, null);

    /** Which tables move and are verified; empty means every user table. */
    public record Tables(List<String> schemas, List<String> tables, List<String> exclude) {
        public TableFilter filter() {
            return new TableFilter(schemas, tables, exclude);
        }
    }

    /** The temporary cluster the snapshot is restored to. */
    public record TemporaryCluster(Double minAcu, Double maxAcu, String waitTimeout, String engineVersion, Boolean resetPassword,
                                   Boolean finalSnapshot, String database, String subnetGroup, List<String> securityGroupIds) {}

    /** host:port this machine uses for each cluster (port forwarding); DMS keeps using the real endpoints. */
    public record Tunnel(String source, String target) {}

    /** The native engine ({@code engine: native}). */
    public record Native(Integer jobs, String initialCopy, String timeout) {}

    /** migration.yaml's {@code verify:}; a key not given keeps verify's default. */
    public record Verify(List<String> groupBy, Integer annQueries, Integer annK, Integer maxDiffs, List<String> skip, Integer jobs) {
        public VerifyOptions apply(VerifyOptions o) {
            return new VerifyOptions(o.source(), o.target(), o.tables(), skip == null ? o.skip() : new LinkedHashSet<>(skip),
                    requireNonNullElse(groupBy, o.groupBy()), requireNonNullElse(maxDiffs, o.maxDiffs()),
                    requireNonNullElse(annQueries, o.annQueries()), requireNonNullElse(annK, o.annK()),
                    requireNonNullElse(jobs, o.jobs()), o.chunkRows(), o.prompt());
        }
    }

    /** Reads and binds the file; every problem is exit 2 with the file and the key. */
    public static MigrationConfig read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw ToolException.usage("--config " + file + ": no such file");
        } catch (IOException e) {
            throw ToolException.usage("--config " + file + ": cannot read it (" + e.getMessage() + ")");
        }
        return parse(text, file.toString());
    }

    public static MigrationConfig parse(String yaml, String name) {
        if (yaml.isBlank()) return EMPTY;
        try {
            MigrationConfig c = Json.yaml().readerFor(MigrationConfig.class)
                    .with(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                    .with(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                    .readValue(yaml);
            return c == null ? EMPTY : c;
        } catch (UnrecognizedPropertyException e) {
            String at = path(e);
            List<String> known = e.getKnownPropertyIds() == null ? List.of()
                    : e.getKnownPropertyIds().stream().map(String::valueOf).sorted().toList();
            throw ToolException.usage(name + ": unknown key '" + at + "'"
                    + (known.isEmpty() ? "" : " (known here: " + String.join(", ", known) + ")")
                    + "; see docs/migration.example.yaml");
        } catch (JsonMappingException e) {
            throw ToolException.usage(name + ": cannot read '" + path(e) + "': "
                    + Database.firstLine(e.getOriginalMessage()) + "; see docs/migration.example.yaml");
        } catch (JsonProcessingException e) {
            throw ToolException.usage(name + " is not valid YAML: " + Database.firstLine(e.getOriginalMessage())
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")"));
        }
    }

    /** "dms.rolArn": the path of the failing key, with the YAML names. */
    private static String path(JsonMappingException e) {
        return e.getPath().stream().map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining(".")).replace(".[", "[");
    }
}
