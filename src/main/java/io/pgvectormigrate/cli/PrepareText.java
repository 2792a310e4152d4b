package io.pgvectormigrate.cli;

import io.pgvectormigrate.report.Json;
import io.pgvectormigrate.prepare.Indexes.DeferredIndex;
import io.pgvectormigrate.prepare.Indexes.IndexAction;
import io.pgvectormigrate.prepare.TargetPreparer.AfterLoadResult;
import io.pgvectormigrate.prepare.TargetPreparer.PrepareResult;

import java.io.PrintWriter;

/** What prepare-target prints: the preparation or the after-load pass, as text or JSON. */
final class PrepareText {
    private PrepareText() {}

    static void print(PrintWriter out, boolean json, PrepareResult r) {
        if (json) {
            out.println(Json.write(r));
            return;
        }
        out.println(r.summary());
        out.println("  PostgreSQL " + r.targetVersion() + (r.sourceVersion() != null ? " (source " + r.sourceVersion() + ")" : ""));
        String vectorDid = switch (r.vectorAction()) {
            case "keep" -> "already installed";
            case "update" -> "updated from " + r.vectorBefore();
            default -> "created";
        };
        out.println("  extensions: vector " + r.vectorVersion() + " (" + vectorDid + "), pgcrypto " + r.pgcryptoVersion());
        out.println("  migrations applied now: " + (r.applied().isEmpty() ? "none (all up to date)" : String.join(", ", r.applied())));
        out.println("  preset: " + r.preset());
        if (!r.tablesCreated().isEmpty()) out.println("  tables created: " + String.join(", ", r.tablesCreated()));
        if (!r.tablesPresent().isEmpty()) out.println("  tables already present (same definition): " + String.join(", ", r.tablesPresent()));
        if (!r.deferredIndexes().isEmpty()) {
            out.println("  indexes deferred until after the load (migrate builds them after its load; after another tool's load, "
                    + "prepare-target --after-load):");
            for (DeferredIndex d : r.deferredIndexes()) out.println("    " + d.schema() + "." + d.name() + " (" + d.accessMethod() + ")");
        }
        for (String w : r.warnings()) out.println("  note: " + w);
    }

    static void print(PrintWriter out, boolean json, AfterLoadResult r) {
        if (json) {
            out.println(Json.write(r));
            return;
        }
        out.println(r.summary());
        for (IndexAction a : r.indexes()) {
            out.println("  " + a.schema() + "." + a.index() + " (" + a.accessMethod() + "): "
                    + a.action().name().toLowerCase().replace('_', ' ')
                    + (a.seconds() > 0 ? String.format(java.util.Locale.ROOT, " in %.1f s", a.seconds()) : ""));
        }
        if (!r.analyzed().isEmpty()) out.println("  analyzed: " + String.join(", ", r.analyzed()));
    }
}
