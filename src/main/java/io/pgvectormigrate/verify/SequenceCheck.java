package io.pgvectormigrate.verify;

import io.pgvectormigrate.pg.Queries;
import io.pgvectormigrate.pg.Sql;
import io.pgvectormigrate.verify.SideSchema.Sequence;
import io.pgvectormigrate.verify.VerifyReport.SequenceResult;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Check 6: every selected sequence exists on the target, would hand out a value at least as high as the
 * source's next one, and one beyond every value already in the column it feeds (logical replication and most
 * copy tools do not move sequence values, and a sequence behind its data makes the next insert collide).
 * Values are read with {@code SELECT last_value, is_called}, which does not advance them.
 */
final class SequenceCheck {
    private SequenceCheck() {}

    static List<SequenceResult> run(Connection sc, Connection tc, SideSchema s, SideSchema t) throws SQLException {
        Map<String, Sequence> onTarget = t.sequences().stream().collect(Collectors.toMap(Sequence::key, Function.identity()));
        List<SequenceResult> out = new ArrayList<>();
        for (Sequence seq : s.sequences()) {
            Sequence ts = onTarget.get(seq.key());
            if (ts == null) {
                out.add(new SequenceResult(seq.display(), seq.ownerDisplay(), next(sc, seq), null, null, false,
                        "missing on target"));
                continue;
            }
            Long sNext = next(sc, seq);
            Long tNext = next(tc, ts);
            String problem = null;
            String colMax = null;
            if (sNext != null && tNext != null && (ts.increment() > 0 ? tNext < sNext : tNext > sNext)) {
                problem = "behind the source: next value " + tNext + " on target, " + sNext + " on source";
            }
            if (ts.ownerTable() != null && t.tables().containsKey(ts.ownerSchema() + "." + ts.ownerTable())) {
                BigDecimal extreme = extreme(tc, ts);
                if (extreme != null) {
                    colMax = extreme.toPlainString();
                    boolean behind = ts.increment() > 0 ? BigDecimal.valueOf(tNext).compareTo(extreme) <= 0
                            : BigDecimal.valueOf(tNext).compareTo(extreme) >= 0;
                    if (behind) {
                        String p = "next value " + tNext + " is not beyond " + (ts.increment() > 0 ? "max" : "min") + "("
                                + Sql.display(ts.ownerColumn()) + ") = " + colMax + " on target: the next insert collides"
                                + " (SELECT setval(" + Sql.literal(Sql.qualified(ts.schema(), ts.name())) + ", " + colMax + "))";
                        problem = problem == null ? p : problem + "; " + p;
                    }
                }
            }
            out.add(new SequenceResult(seq.display(), seq.ownerDisplay(), sNext, tNext, colMax, problem == null, problem));
        }
        return out;
    }

    /** The value nextval() would return next. */
    private static Long next(Connection c, Sequence s) throws SQLException {
        return Queries.first(c, "SELECT last_value, is_called FROM " + Sql.qualified(s.schema(), s.name()),
                rs -> rs.getBoolean(2) ? rs.getLong(1) + s.increment() : rs.getLong(1)).orElseThrow();
    }

    /** max (or, counting down, min) of the column the sequence feeds; null when it is empty. */
    private static BigDecimal extreme(Connection c, Sequence s) throws SQLException {
        String fn = s.increment() > 0 ? "max" : "min";
        return Queries.string(c, "SELECT " + fn + "(" + Sql.ident(s.ownerColumn()) + ")::numeric FROM "
                + Sql.qualified(s.ownerSchema(), s.ownerTable())).map(BigDecimal::new).orElse(null);
    }
}
