package io.pgvectormigrate.pipeline;

import io.pgvectormigrate.pg.ConnectionSpec;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How rows move from the temporary source to the target: the tool's own native logical replication, or an
 * AWS DMS homogeneous data migration. Idempotent like the provider: on resume it reuses what it recorded.
 * Commands and checks reach engines only through this interface (they are made by the run assembly's factory).
 */
public interface CopyEngine {
    /** "native" or "dms". */
    String name();

    /**
     * The checks that need only the source, run before prepare-target changes the target (e.g. a table logical
     * replication cannot carry), so such a refusal leaves both ends as they were.
     */
    default void checkSource(RunContext ctx, Endpoints endpoints) {}

    /** Checks both ends before anything is created (logical replication on, slots free, keys present). */
    void preflight(RunContext ctx, Endpoints endpoints);

    /** Starts the copy and returns once the initial load is complete (and changes stream, for CDC modes). */
    Migrated migrate(RunContext ctx, Endpoints endpoints);

    /** Waits for the target to catch up, stops replication, carries sequences, rebuilds indexes, removes leftovers. */
    CutOver cutover(RunContext ctx, Endpoints endpoints);

    /** Removes anything the engine left (subscriptions, publications, slots, DMS objects); idempotent. */
    void teardown(RunContext ctx, Endpoints endpoints);

    /**
     * Engine work that needs only the target, so it may start while the source is still being restored (the DMS
     * network and target data provider); the migrate step does it again, idempotently. Empty when there is none.
     */
    default Optional<HeadStart> headStart() {
        return Optional.empty();
    }

    /**
     * Checks a cloud run adds to its preflight for this engine, before anything is created (DMS: its options, its
     * rules for the target's login, the roles it assumes); every failure is bad input. Returns what passed.
     */
    default List<String> checkBeforeCreate(RunContext ctx, ConnectionSpec target) {
        return List.of();
    }

    /**
     * What {@code plan} runs in place of a step's engine work: the AWS changes the step would make, sent to clients that
     * record changes instead of making them ({@code PlanningClients}), touching no database (the temporary source does
     * not exist yet, so {@code endpoints} may name one that is only planned). Engines that change nothing on AWS (native)
     * have nothing to do.
     */
    default void planAws(Step step, RunContext ctx, Endpoints endpoints) {}

    interface HeadStart {
        String name();

        void run(RunContext ctx, ConnectionSpec target);
    }

    /**
     * What a step reports: a one-line summary, typed figures (the records below) for code to read, and the same
     * figures as text for the journal and the reports (no secrets). Nothing reads a number back out of that text.
     */
    sealed interface Result permits Done, Migrated, CutOver {
        String summary();

        Map<String, String> figures();

        static Result of(String summary, Map<String, String> figures) {
            return new Done(summary, figures);
        }
    }

    /** A step without engine-specific detail (and what a resumed run reads back from the journal). */
    record Done(String summary, Map<String, String> figures) implements Result {
        public Done {
            figures = copy(figures);
        }

        /** Figures keep their order (reports list them as the engine gave them); null is none. */
        static Map<String, String> copy(Map<String, String> figures) {
            return figures == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(figures));
        }
    }

    /** One table of a copy; {@code rows} and {@code bytes} are -1 when the engine does not measure them (DMS). */
    record TableCopy(String table, long rows, long bytes) {}

    /**
     * How the initial copy ran.
     *
     * @param mode       how the rows were copied, for people ("snapshot copy, 2 stream(s), binary", "subscription table
     *                   sync", "reused subscription", DMS's migration type)
     * @param streams    parallel COPY streams the engine ran itself; 0 when it ran none (the subscription's table sync, DMS)
     * @param streamsWhy why that many streams (what limited them); empty when {@code streams} is 0
     * @param seconds    how long the copy took; -1 when the engine does not measure it
     * @param resumed    the copy of an earlier attempt was reused
     */
    record Copy(String mode, int streams, String streamsWhy, double seconds, boolean resumed) {
        public Copy {
            streamsWhy = streamsWhy == null ? "" : streamsWhy;
        }

        public Copy withSeconds(double s) {
            return new Copy(mode, streams, streamsWhy, s, resumed);
        }
    }

    /**
     * What migrate did.
     *
     * @param sequences sequences carried to the target (names; empty when the engine only counts them)
     * @param lagBytes  how far the target is behind the source once changes stream; -1 unknown or not streaming
     * @param copy      how the initial copy ran
     * @param figures   all of it as text, with what only this engine reports (see {@link Result#figures()})
     */
    record Migrated(String engine, String summary, List<TableCopy> tables, List<String> sequences, long lagBytes,
                    Copy copy, Map<String, String> figures) implements Result {
        public Migrated {
            tables = List.copyOf(tables);
            sequences = List.copyOf(sequences);
            figures = Done.copy(figures);
        }

        /** Rows copied, over every table; -1 when the engine does not measure them. */
        public long rows() {
            return sum(TableCopy::rows);
        }

        /** Bytes copied, over every table; -1 when the engine does not measure them. */
        public long bytes() {
            return sum(TableCopy::bytes);
        }

        private long sum(java.util.function.ToLongFunction<TableCopy> f) {
            return tables.stream().anyMatch(t -> f.applyAsLong(t) < 0) ? -1 : tables.stream().mapToLong(f).sum();
        }
    }

    /**
     * What cutover did.
     *
     * @param removed        replication objects removed ("subscription pgvm_x", "publication ...", "replication slot ...")
     * @param lagBytes       how far behind the target was when the engine stopped waiting
     * @param catchUpSeconds how long the engine waited for the target to catch up; -1 when it does not measure it
     * @param figures        all of it as text, with what only this engine reports (see {@link Result#figures()})
     */
    record CutOver(String engine, String summary, List<String> sequences, List<String> removed, long lagBytes,
                   double catchUpSeconds, Map<String, String> figures) implements Result {
        public CutOver {
            removed = List.copyOf(removed);
            sequences = List.copyOf(sequences);
            figures = Done.copy(figures);
        }
    }
}
