package io.pgvectormigrate.pg;

import io.pgvectormigrate.core.ToolException;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Carries sequence values, which logical replication (the native engine's and DMS's CDC alike) does not: every
 * sequence of the {@linkplain Catalog selection}, owned, identity or unowned. Values only move forward on the
 * target, so a re-run, a cutover after migrate, or a target that already handed out higher values never goes back.
 */
public final class Sequences {
    private Sequences() {}

    /** One sequence's position: the next value it hands out is {@code lastValue + increment} when {@code called}. */
    public record Position(long lastValue, boolean called, long increment) {
        /** The value nextval() returns next. */
        public long next() {
            return called ? lastValue + increment : lastValue;
        }

        /** Whether this position is behind {@code other} in the sequence's direction. */
        boolean behind(Position other) {
            return increment > 0 ? next() < other.next() : next() > other.next();
        }
    }

    /** What carrying did to one sequence: its next value on the source, and on the target before. */
    public record Carried(TableId sequence, long sourceNext, long targetNextBefore, boolean moved) {}

    /** Reads a sequence's position without advancing it. */
    public static Position position(Connection c, Catalog.Sequence s) throws SQLException {
        return Queries.first(c, "SELECT last_value, is_called FROM " + s.id().sql(),
                rs -> new Position(rs.getLong(1), rs.getBoolean(2), s.increment())).orElseThrow();
    }

    /** The selected sequences the target lacks. */
    public static List<TableId> missingOnTarget(Connection target, List<Catalog.Sequence> sequences) throws SQLException {
        List<TableId> missing = new ArrayList<>();
        for (Catalog.Sequence s : sequences) {
            if (!Catalog.exists(target, s.id())) missing.add(s.id());
        }
        return missing;
    }

    /** Refuses (exit 2) when the target lacks any of the sequences: prepare-target creates them with the schema. */
    public static void requireOnTarget(Connection target, List<Catalog.Sequence> sequences) throws SQLException {
        List<TableId> missing = missingOnTarget(target, sequences);
        if (!missing.isEmpty()) throw missing(missing);
    }

    public static ToolException missing(List<TableId> missing) {
        return ToolException.usage("sequence" + (missing.size() > 1 ? "s " : " ")
                + String.join(", ", missing.stream().map(TableId::display).toList())
                + " missing on the target: create the schema with prepare-target --schema-from-source (or pg_dump --schema-only) first");
    }

    /** Moves each target sequence up to the source's position, never back. */
    public static List<Carried> carry(Connection source, Connection target, List<Catalog.Sequence> sequences)
            throws SQLException {
        requireOnTarget(target, sequences);
        List<Carried> out = new ArrayList<>();
        for (Catalog.Sequence s : sequences) {
            Position src = position(source, s);
            Position tgt = position(target, s);
            boolean behind = tgt.behind(src);
            if (behind) {
                Queries.number(target, "SELECT setval(?::regclass, ?, ?)", s.id().sql(), src.lastValue(), src.called());
            }
            out.add(new Carried(s.id(), src.next(), tgt.next(), behind));
        }
        return out;
    }
}
