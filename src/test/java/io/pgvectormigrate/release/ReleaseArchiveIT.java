package io.pgvectormigrate.release;

import io.pgvectormigrate.pg.ConnectionSpec;
import io.pgvectormigrate.testing.PgServers;
import io.pgvectormigrate.testing.Sql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The release archive as an operator uses it: unpacked into an empty directory and run with no Java on PATH and no
 * JAVA_HOME. Run by failsafe in the {@code release} profile, after the package phase built the archive
 * ({@code scripts/test} and CI use that profile), so a broken archive fails the build.
 */
@ExtendWith(PgServers.class)
class ReleaseArchiveIT {
    @TempDir
    Path dir;

    @Test
    void unpackedArchiveRunsWithoutJavaAndVerifiesTwoDatabases(PgServers.DbPair db) throws Exception {
        Path zip = archive();
        String sums = Files.readString(zip.resolveSibling("checksums_sha256.txt"));
        String sha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(zip)));
        assertTrue(sums.contains(sha + " *" + zip.getFileName()), "checksums_sha256.txt lists the archive's SHA-256: " + sums);
        Path launcher = unpack(zip, dir.resolve("unpacked")).resolve("bin/pgvector-migrate");
        Path path = pathWithoutJava(dir.resolve("path"));
        Map<String, String> env = new HashMap<>();
        env.put("PATH", path.toString());
        env.put("HOME", dir.toString());
        env.put("AWS_EC2_METADATA_DISABLED", "true");

        Run noJava = run(env, List.of("sh", "-c", "command -v java || echo none"));
        assertEquals("none", noJava.out.strip(), "the test's PATH must hold no java: " + noJava);

        Run version = run(env, List.of(launcher.toString(), "--version"));
        assertEquals(0, version.exit, version.toString());
        assertTrue(version.out.matches("(?s)pgvector-migrate \\S+ \\(commit [0-9a-f]{7,}.*\\)\\s*"), version.toString());

        db.both("CREATE EXTENSION IF NOT EXISTS vector",
                "CREATE TABLE items(id text primary key, botid text, content text, embedding vector(3))",
                "INSERT INTO items SELECT 'i' || g, 'bot' || (g % 3), 'chunk ' || g, "
                        + "ARRAY[g, g * 0.5, -g]::real[]::vector FROM generate_series(1, 500) g");
        Run verify = run(env, List.of(launcher.toString(), "verify", "--source", url(db.source()),
                "--target", url(db.target()), "--no-progress"));
        assertEquals(0, verify.exit, verify.toString());
        assertTrue(verify.out.contains("500"), verify.toString());
        for (String password : List.of(db.source().password(), db.target().password())) {
            assertTrue(!verify.out.contains(password) && !verify.err.contains(password), "a password was printed");
        }

        db.both("DELETE FROM items WHERE id = 'i7'");
        Run stillSame = run(env, List.of(launcher.toString(), "verify", "--source", url(db.source()),
                "--target", url(db.target()), "--no-progress"));
        assertEquals(0, stillSame.exit, stillSame.toString());
        Sql.exec(db.target(), "DELETE FROM items WHERE id = 'i8'");
        Run differs = run(env, List.of(launcher.toString(), "verify", "--source", url(db.source()),
                "--target", url(db.target()), "--no-progress"));
        assertEquals(3, differs.exit, differs.toString());
    }

    private static String url(ConnectionSpec s) {
        return "postgresql://" + s.user() + ":" + java.net.URLEncoder.encode(s.password(), java.nio.charset.StandardCharsets.UTF_8)
                + "@" + s.host() + ":" + s.port() + "/" + s.database();
    }

    /** The archive the package phase assembled (failsafe passes its folder). */
    private static Path archive() throws IOException {
        Path folder = Path.of(System.getProperty("release.archive.dir", "target/release"));
        try (Stream<Path> files = Files.list(folder)) {
            List<Path> zips = files.filter(p -> p.getFileName().toString().endsWith("-linux-x86_64.zip")).toList();
            assertEquals(1, zips.size(), "one linux-x86_64 archive in " + folder + ": " + zips);
            return zips.get(0);
        }
    }

    /** Unzips into an empty folder and returns the image's root; zip entries carry no POSIX modes, so bin/ and the runtime's helpers get them back. */
    private static Path unpack(Path zip, Path into) throws IOException {
        Files.createDirectories(into);
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                Path out = into.resolve(e.getName()).normalize();
                assertTrue(out.startsWith(into), "entry outside the folder: " + e.getName());
                if (e.isDirectory()) {
                    Files.createDirectories(out);
                } else {
                    Files.createDirectories(out.getParent());
                    Files.copy(in, out);
                }
            }
        }
        try (Stream<Path> roots = Files.list(into)) {
            Path root = roots.findFirst().orElseThrow();
            try (Stream<Path> all = Files.walk(root)) {
                for (Path p : all.toList()) {
                    String rel = root.relativize(p).toString();
                    if (Files.isRegularFile(p) && (rel.startsWith("bin/") || rel.equals("lib/jspawnhelper") || rel.equals("lib/jexec"))) {
                        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
                    }
                }
            }
            return root;
        }
    }

    /** A PATH folder with every command of /usr/bin and /bin but java and its tools. */
    private static Path pathWithoutJava(Path folder) throws IOException {
        Files.createDirectories(folder);
        for (String system : List.of("/usr/bin", "/bin")) {
            try (Stream<Path> cmds = Files.list(Path.of(system))) {
                for (Path cmd : cmds.toList()) {
                    String name = cmd.getFileName().toString();
                    Path link = folder.resolve(name);
                    boolean javaTool = name.startsWith("java") || name.startsWith("jar") || name.startsWith("jshell")
                            || name.equals("keytool") || name.startsWith("jlink") || name.startsWith("jpackage");
                    if (!javaTool && !Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                        Files.createSymbolicLink(link, cmd);
                    }
                }
            }
        }
        return folder;
    }

    private record Run(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
        }
    }

    private Run run(Map<String, String> env, List<String> command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(command)).directory(dir.toFile());
        pb.environment().clear();
        pb.environment().putAll(env);
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + command);
        }
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }
}
