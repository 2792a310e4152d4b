package io.pgvectormigrate.bench;

import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.local.LocalPostgres;
import io.pgvectormigrate.pg.ConnectionSpec;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The servers' durability during a series of timed rounds. {@link #DURABLE} is what an operator migrates between
 * (Aurora, or any server with PostgreSQL's defaults), so it gives the headline figures; {@link #REHEARSAL} is what
 * {@code rehearse} and the tests run with ({@link LocalPostgres#throwawaySettings()}), shown beside them, labelled.
 * All three settings take effect on a reload, so one pair of instances serves both.
 */
public enum Durability {
    DURABLE,
    REHEARSAL;

    public String label() {
        return switch (this) {
            case DURABLE -> "durable servers";
            case REHEARSAL -> "rehearsal settings";
        };
    }

    /** The settings this durability gives both servers: the rehearsal's, or the same keys at PostgreSQL's defaults (on). */
    Map<String, String> settings() {
        Map<String, String> s = new LinkedHashMap<>(LocalPostgres.throwawaySettings());
        if (this == DURABLE) s.replaceAll((k, v) -> "on");
        return s;
    }

    /**
     * Sets both servers to this durability (ALTER SYSTEM and a reload, then a CHECKPOINT so what was written before is
     * on disk), and returns the settings as both servers then report them, e.g. "fsync on, full_page_writes on, ...".
     */
    String apply(Bench.Pair pair) throws SQLException {
        Set<String> shown = new LinkedHashSet<>(); // one line when both servers report the same
        for (LocalPostgres pg : List.of(pair.source(), pair.target())) {
            ConnectionSpec c = pg.connection("postgres");
            for (Map.Entry<String, String> e : settings().entrySet()) {
                Bench.exec(c, "ALTER SYSTEM SET " + e.getKey() + " = '" + e.getValue() + "'");
            }
            Bench.exec(c, "SELECT pg_reload_conf()");
        }
        for (LocalPostgres pg : List.of(pair.source(), pair.target())) {
            ConnectionSpec c = pg.connection("postgres");
            List<String> now = new ArrayList<>();
            for (Map.Entry<String, String> e : settings().entrySet()) {
                now.add(e.getKey() + " " + waitForSetting(c, e.getKey(), e.getValue()));
            }
            Bench.exec(c, "CHECKPOINT");
            shown.add(String.join(", ", now));
        }
        return String.join("; ", shown);
    }

    /** A reload is asynchronous: a new session sees the new value once the postmaster has read the file. */
    private static String waitForSetting(ConnectionSpec c, String key, String want) throws SQLException {
        String got = null;
        for (int i = 0; i < 100; i++) {
            got = Bench.scalar(c, "SELECT current_setting('" + key + "')");
            if (want.equalsIgnoreCase(got)) return got;
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw ToolException.runtime(String.format(Locale.ROOT, "%s stayed %s after a reload (wanted %s)", key, got, want));
    }
}
