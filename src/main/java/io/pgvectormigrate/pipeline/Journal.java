package io.pgvectormigrate.pipeline;

import com.fasterxml.jackson.annotation.JsonIgnore;
import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.report.Json;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The run journal: run id, parameters, each step's status and timings, and every resource the run created.
 * Written atomically (temp file + rename) after every change, so a crash leaves the last good state and a
 * re-run with the same run id resumes; teardown and cleanup read it to delete exactly what the run made.
 *
 * <p>Never holds secrets: callers pass identifiers and endpoints only. Thread-safe (steps may overlap).
 */
public final class Journal {
    public static final String FILE_NAME = "journal.json";
    public static final int FORMAT_VERSION = 1;
    /** Where runs live unless --work-dir (or migration.yaml's workDir) says otherwise, relative to the working directory. */
    public static final String DEFAULT_WORK_DIR = ".pgvector-migrate";

    /** The persisted form. */
    public record Data(int formatVersion, String runId, String command, Instant createdAt, Instant updatedAt,
                       Map<String, String> parameters, List<StepRecord> steps, List<Resource> resources) {
        public boolean hasLive(String kind) {
            return resources != null && resources.stream().anyMatch(r -> r.kind().equals(kind) && !r.deleted());
        }

        public String parameter(String key) {
            return parameters == null ? null : parameters.get(key);
        }
    }

    private final Path file;
    private final Clock clock;
    private String runId;
    private String command;
    private Instant createdAt;
    private final Map<String, String> parameters = new LinkedHashMap<>();
    private final Map<Step, StepRecord> steps = new EnumMap<>(Step.class);
    private final List<Resource> resources = new ArrayList<>();

    private Journal(Path file, Clock clock) {
        this.file = file;
        this.clock = clock;
        for (Step s : Step.values()) steps.put(s, new StepRecord(s, StepStatus.PENDING, null, null, 0, null, Map.of()));
    }

    /** Directory of a run under a work directory: {@code <workDir>/runs/<runId>}. */
    public static Path runDir(Path workDir, String runId) {
        return workDir.resolve("runs").resolve(runId);
    }

    public static boolean exists(Path workDir, String runId) {
        return Files.exists(runDir(workDir, runId).resolve(FILE_NAME));
    }

    /**
     * The run under a work directory most recently updated whose journal matches (e.g. a migrate run between these two
     * databases with a native subscription left to cut over); empty when there is none.
     */
    public static Optional<String> latest(Path workDir, java.util.function.Predicate<Data> matching) {
        Path runs = workDir.resolve("runs");
        if (!Files.isDirectory(runs)) return Optional.empty();
        try (var dirs = Files.list(runs)) {
            Data best = null;
            for (Path d : (Iterable<Path>) dirs::iterator) {
                Path f = d.resolve(FILE_NAME);
                if (!Files.exists(f)) continue;
                Data data = Json.mapper().readValue(f.toFile(), Data.class);
                if (matching.test(data) && (best == null || data.updatedAt().isAfter(best.updatedAt()))) best = data;
            }
            return Optional.ofNullable(best).map(Data::runId);
        } catch (IOException e) {
            throw ToolException.runtime("cannot read the runs in " + runs + ": " + e.getMessage(), e);
        }
    }

    /** Opens the run's journal, creating it when new. */
    public static Journal open(Path workDir, String runId, String command, Clock clock) {
        validateRunId(runId);
        if (exists(workDir, runId)) return load(workDir, runId, clock);
        Journal j = new Journal(runDir(workDir, runId).resolve(FILE_NAME), clock);
        j.runId = runId;
        j.command = command;
        j.createdAt = clock.instant();
        j.save();
        return j;
    }

    /**
     * Opens the journal of a run this command may continue: a new one, or one begun by a command in {@code continues};
     * a journal of another kind of run is refused (exit 2) before anything touches it.
     */
    public static Journal open(Path workDir, String runId, String command, java.util.Set<String> continues, Clock clock) {
        if (exists(workDir, runId)) {
            String began = load(workDir, runId, clock).command;
            if (!continues.contains(began)) {
                throw ToolException.usage("run " + runId + " in " + workDir + " is a '" + began + "' run, which " + command
                        + " does not continue: pick another --run-id");
            }
        }
        return open(workDir, runId, command, clock);
    }

    /** Loads an existing journal; bad input (exit 2) when there is none. */
    public static Journal load(Path workDir, String runId, Clock clock) {
        validateRunId(runId);
        Path file = runDir(workDir, runId).resolve(FILE_NAME);
        if (!Files.exists(file)) {
            throw ToolException.usage("no run '" + runId + "' in " + workDir.resolve("runs")
                    + ": check --run-id and --work-dir (list runs with: ls " + workDir.resolve("runs") + ")");
        }
        Journal j = new Journal(file, clock);
        j.load();
        return j;
    }

    /**
     * A new run id, {@code <prefix>-yyyyMMdd-HHmmss-xxxx} in UTC (lower case, valid as an AWS name too); the random
     * part keeps two runs started in the same second apart, since AWS resources and journals are named after it.
     */
    public static String newRunId(String prefix, Clock clock) {
        byte[] r = new byte[2];
        new java.security.SecureRandom().nextBytes(r);
        return timestampRunId(prefix, clock) + "-" + java.util.HexFormat.of().formatHex(r);
    }

    /** A new run id without the random part, {@code <prefix>-yyyyMMdd-HHmmss} (migrate's documented default). */
    public static String timestampRunId(String prefix, Clock clock) {
        String id = prefix + "-" + DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(clock.instant());
        validateRunId(id);
        return id;
    }

    public static void validateRunId(String runId) {
        if (runId == null || !runId.matches("[a-z][a-z0-9-]{0,40}[a-z0-9]")) {
            throw ToolException.usage("invalid run id '" + runId
                    + "': use 2-42 lower-case letters, digits and hyphens, starting with a letter (it names AWS resources too)");
        }
    }

    private void load() {
        try {
            Data d = Json.mapper().readValue(file.toFile(), Data.class);
            runId = d.runId();
            command = d.command();
            createdAt = d.createdAt();
            parameters.putAll(d.parameters() == null ? Map.of() : d.parameters());
            if (d.steps() != null) d.steps().forEach(r -> steps.put(r.step(), r));
            if (d.resources() != null) resources.addAll(d.resources());
        } catch (IOException e) {
            throw ToolException.runtime("cannot read run journal " + file + ": " + e.getMessage(), e);
        }
    }

    private void save() {
        Data d = snapshot();
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(FILE_NAME + ".tmp");
            Json.mapper().writeValue(tmp.toFile(), d);
            try {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw ToolException.runtime("cannot write run journal " + file + ": " + e.getMessage(), e);
        }
    }

    public synchronized Data snapshot() {
        return new Data(FORMAT_VERSION, runId, command, createdAt, clock.instant(), Map.copyOf(parameters),
                List.copyOf(steps.values()), List.copyOf(resources));
    }

    public String runId() { return runId; }
    public Path file() { return file; }
    public Path runDir() { return file.getParent(); }

    // ---- parameters (no secrets)

    public synchronized Optional<String> parameter(String key) {
        return Optional.ofNullable(parameters.get(key));
    }

    public synchronized void putParameter(String key, String value) {
        parameters.put(key, value);
        save();
    }

    /**
     * A choice that shapes the run (an option or a setting): with none given now, what the journal recorded stays (else
     * {@code dflt}); a different one is bad input once the step using it began (before that the operator may correct
     * it). Returns the value in force, journaled.
     *
     * @param option how the operator gives it, for the message ("--rows", "the table filter")
     */
    public synchronized String settle(String key, String given, String dflt, boolean started, String option) {
        String value = choice(key, given, dflt, started, option);
        if (value != null && !value.equals(parameter(key).orElse(null))) putParameter(key, value);
        return value;
    }

    /** What {@link #settle} would return, refusing the same way, without writing anything. */
    public synchronized String choice(String key, String given, String dflt, boolean started, String option) {
        Optional<String> recorded = parameter(key);
        if (recorded.isPresent() && given != null && !recorded.get().equals(given) && started) {
            throw ToolException.usage("run " + runId + " was started with " + option + " '" + recorded.get()
                    + "': resume it with the same (or without " + option + "), or start a new run with another --run-id");
        }
        return given != null ? given : recorded.orElse(dflt);
    }

    @JsonIgnore
    public synchronized Map<String, String> parameters() {
        return Map.copyOf(parameters);
    }

    // ---- steps

    public synchronized StepRecord step(Step step) {
        return steps.get(step);
    }

    public synchronized boolean isDone(Step step) {
        return steps.get(step).status() == StepStatus.DONE;
    }

    public synchronized void started(Step step) {
        StepRecord r = steps.get(step);
        put(new StepRecord(step, StepStatus.RUNNING, clock.instant(), null, r.attempts() + 1, null, r.outputs()));
    }

    public synchronized void done(Step step, String message, Map<String, String> outputs) {
        StepRecord r = steps.get(step);
        put(new StepRecord(step, StepStatus.DONE, r.startedAt() == null ? clock.instant() : r.startedAt(),
                clock.instant(), r.attempts(), message, merged(r.outputs(), outputs)));
    }

    public synchronized void failed(Step step, String message) {
        StepRecord r = steps.get(step);
        put(new StepRecord(step, StepStatus.FAILED, r.startedAt(), clock.instant(), r.attempts(), message,
                r.outputs()));
    }

    /** Records an output of a step while it runs (e.g. an identifier needed to resume). */
    public synchronized void putOutput(Step step, String key, String value) {
        StepRecord r = steps.get(step);
        put(new StepRecord(step, r.status(), r.startedAt(), r.finishedAt(), r.attempts(), r.message(),
                merged(r.outputs(), Map.of(key, value))));
    }

    private void put(StepRecord r) {
        steps.put(r.step(), r);
        save();
    }

    /** {@code old} with {@code added} over it, in order; null adds nothing. */
    private static Map<String, String> merged(Map<String, String> old, Map<String, String> added) {
        Map<String, String> merged = new LinkedHashMap<>(old);
        if (added != null) merged.putAll(added);
        return merged;
    }

    public synchronized Optional<String> output(Step step, String key) {
        return Optional.ofNullable(steps.get(step).outputs().get(key));
    }

    // ---- resources

    /**
     * Records a resource before or right after it is created (record first where the id is chosen by us, so
     * a crash between create and record cannot orphan it). Recording the same kind+id again updates attributes.
     */
    public synchronized Resource recordResource(String kind, String id, Map<String, String> attributes) {
        Optional<Resource> known = resource(kind, id);
        Resource r = known.map(k -> new Resource(kind, id, merged(k.attributes(), attributes), k.createdAt(), null))
                .orElseGet(() -> new Resource(kind, id, attributes, clock.instant(), null));
        known.ifPresentOrElse(k -> resources.set(resources.indexOf(k), r), () -> resources.add(r));
        save();
        return r;
    }

    public synchronized void markDeleted(String kind, String id) {
        resource(kind, id).filter(r -> !r.deleted()).ifPresent(r -> {
            resources.set(resources.indexOf(r), new Resource(kind, id, r.attributes(), r.createdAt(), clock.instant()));
            save();
        });
    }

    public synchronized List<Resource> resources() {
        return List.copyOf(resources);
    }

    /** Resources still alive, newest first: the order to delete them in. */
    public synchronized List<Resource> liveResourcesNewestFirst() {
        List<Resource> live = new ArrayList<>();
        for (int i = resources.size() - 1; i >= 0; i--) if (!resources.get(i).deleted()) live.add(resources.get(i));
        return live;
    }

    public synchronized Optional<Resource> resource(String kind, String id) {
        return resources.stream().filter(r -> r.kind().equals(kind) && r.id().equals(id)).findFirst();
    }

    public synchronized List<Resource> resourcesOfKind(String kind) {
        return resources.stream().filter(r -> r.kind().equals(kind)).toList();
    }
}
