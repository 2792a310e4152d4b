package io.pgvectormigrate.prepare;

import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.prepare.SchemaInfo.ExtensionState;

/**
 * What to do about pgvector on the target, decided from what the target offers and the source's installed version
 * (the floor). Pure: the decision is testable without a server that lacks pgvector.
 *
 * @param action  KEEP (installed and new enough), CREATE (Flyway's core migration creates the default version),
 *                CREATE_VERSION (the default is below the floor: create {@code version} explicitly),
 *                UPDATE (installed below the floor: ALTER EXTENSION ... UPDATE TO {@code version})
 * @param version the version the target ends with
 */
record ExtensionPlan(Action action, ExtensionVersion from, ExtensionVersion version) {
    enum Action { KEEP, CREATE, CREATE_VERSION, UPDATE }

    static ExtensionPlan forVector(ExtensionState target, ExtensionVersion floor) {
        String need = floor == null ? "" : " " + floor + " or newer (the source's version)";
        if (!target.available() && !target.installed()) {
            throw ToolException.usage("pgvector is not installable on the target (no 'vector' in pg_available_extensions): "
                    + "install pgvector" + need + " there (Aurora/RDS PostgreSQL: an engine version that ships it) and retry");
        }
        if (target.installed()) {
            ExtensionVersion installed = target.installedVersion();
            if (installed.atLeast(floor)) return new ExtensionPlan(Action.KEEP, installed, installed);
            return new ExtensionPlan(Action.UPDATE, installed, pick(target, floor, installed));
        }
        ExtensionVersion version = pick(target, floor, null);
        Action action = version.equals(target.defaultVersion()) ? Action.CREATE : Action.CREATE_VERSION;
        return new ExtensionPlan(action, null, version);
    }

    /** The default version when it reaches the floor, otherwise the lowest available one that does. */
    private static ExtensionVersion pick(ExtensionState target, ExtensionVersion floor, ExtensionVersion installed) {
        if (target.defaultVersion() != null && target.defaultVersion().atLeast(floor)) return target.defaultVersion();
        return target.availableVersions().stream().filter(v -> v.atLeast(floor)).sorted().findFirst()
                .orElseThrow(() -> {
                    ExtensionVersion best = target.availableVersions().stream().max(ExtensionVersion::compareTo)
                            .orElse(installed);
                    return ToolException.usage("the target cannot reach pgvector " + floor + " (the source's version): it "
                            + (installed != null ? "has " + installed + " installed and " : "")
                            + (best == null ? "no version available" : "offers at most " + best)
                            + "; upgrade the target's pgvector (on Aurora/RDS: a newer engine minor version) and retry");
                });
    }

    String describe() {
        return switch (action) {
            case KEEP -> "vector " + version + " already installed";
            case CREATE -> "vector " + version + " to create";
            case CREATE_VERSION -> "vector " + version + " to create (the default version is below the source's)";
            case UPDATE -> "vector " + from + " to update to " + version;
        };
    }
}
