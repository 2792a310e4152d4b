package io.pgvectormigrate.local;

import io.pgvectormigrate.core.ToolException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The local PostgreSQL server binaries (initdb, pg_ctl, pg_dump, pg_restore) and whether pgvector is installed
 * for them. Looked up in PGVM_PG_BINDIR, then /usr/lib/postgresql/N/bin (15 preferred, newest otherwise).
 */
public record PgBinaries(Path binDir, int majorVersion) {

    public static final String SETUP_HINT = "run scripts/setup-postgres.sh (installs PostgreSQL 15 and pgvector on Debian/Ubuntu)";

    /** The server binaries when installed here, or null: client-only installs may still carry pg_dump (schema copies). */
    public static PgBinaries locateOrNull(Map<String, String> env) {
        try {
            return locate(env);
        } catch (ToolException e) {
            return null;
        }
    }

    public static PgBinaries locate(Map<String, String> env) {
        String explicit = env.get("PGVM_PG_BINDIR");
        if (explicit != null && !explicit.isBlank()) {
            Path dir = Path.of(explicit);
            if (!Files.isExecutable(dir.resolve("postgres"))) {
                throw ToolException.usage("PGVM_PG_BINDIR=" + explicit + " has no postgres binary; " + SETUP_HINT);
            }
            return new PgBinaries(dir, majorOf(dir));
        }
        Path root = Path.of("/usr/lib/postgresql");
        List<Path> candidates = new ArrayList<>();
        if (Files.isDirectory(root)) {
            try (var s = Files.list(root)) {
                s.filter(p -> Files.isExecutable(p.resolve("bin/postgres"))).forEach(candidates::add);
            } catch (java.io.IOException ignored) {
                // fall through to the error below
            }
        }
        if (candidates.isEmpty()) {
            throw ToolException.usage("PostgreSQL server binaries not found (looked in /usr/lib/postgresql/*/bin and PGVM_PG_BINDIR); " + SETUP_HINT);
        }
        Path chosen = candidates.stream()
                .filter(p -> p.getFileName().toString().equals("15")).findFirst()
                .orElseGet(() -> candidates.stream().max(Comparator.comparingInt(PgBinaries::majorOfName)).orElseThrow());
        return new PgBinaries(chosen.resolve("bin"), majorOfName(chosen));
    }

    /** The major version a {@code /usr/lib/postgresql/N} directory is named after; 0 when it is not a number. */
    public static int majorOfName(Path versionDir) {
        try {
            return Integer.parseInt(versionDir.getFileName().toString());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static int majorOf(Path binDir) {
        Path parent = binDir.getParent();
        return parent == null ? 0 : majorOfName(parent);
    }

    public Path tool(String name) {
        return binDir.resolve(name);
    }

    /** The extension directory of this installation (where vector.control must be). */
    public Path extensionDir() {
        String share = "/usr/share/postgresql/" + majorVersion + "/extension";
        Path p = Path.of(share);
        if (Files.isDirectory(p)) return p;
        // non-Debian layouts: <prefix>/share/extension or share/postgresql/extension
        Path prefix = binDir.getParent();
        for (Path c : List.of(prefix.resolve("share/extension"), prefix.resolve("share/postgresql/extension"))) {
            if (Files.isDirectory(c)) return c;
        }
        return p;
    }

    public boolean hasPgvector() {
        return Files.exists(extensionDir().resolve("vector.control"));
    }

    /** Fails with a clear message when pgvector is not installed for these binaries. */
    public PgBinaries requirePgvector() {
        if (!hasPgvector()) {
            throw ToolException.usage("pgvector is not installed for PostgreSQL " + majorVersion
                    + " (no vector.control in " + extensionDir() + "); " + SETUP_HINT);
        }
        return this;
    }
}
