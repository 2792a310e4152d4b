package io.pgvectormigrate.pg;

import io.pgvectormigrate.core.ToolException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Fills what a connection string left out, the way libpq does: PGHOST, PGPORT, PGDATABASE, PGUSER,
 * PGPASSWORD, PGSSLMODE, then {@code ~/.pgpass} (or PGPASSFILE) for the password. A prompt is the last
 * resort and is used only when the server asks for a password we do not have.
 */
public final class CredentialResolver {
    private final Map<String, String> env;
    private final Path home;

    public CredentialResolver(Map<String, String> env, Path home) {
        this.env = env;
        this.home = home;
    }

    public ConnectionSpec resolve(ConnectionSpec spec) {
        ConnectionSpec s = spec;
        if (s.host() == null) s = s.withHost(env.getOrDefault("PGHOST", "localhost"));
        if (s.port() == 0) s = s.withPort(parsePort(env.get("PGPORT")));
        if (s.user() == null) s = s.withUser(env.getOrDefault("PGUSER", env.getOrDefault("USER", "postgres")));
        if (s.database() == null) s = s.withDatabase(env.getOrDefault("PGDATABASE", s.user()));
        if (!s.params().containsKey("sslmode") && env.containsKey("PGSSLMODE")) {
            s = s.withParam("sslmode", env.get("PGSSLMODE"));
        }
        if (!s.hasPassword()) {
            String pw = env.get("PGPASSWORD");
            if (pw == null) pw = fromPgpass(s);
            if (pw != null) s = s.withPassword(pw);
        }
        return s;
    }

    private static int parsePort(String p) {
        if (p == null || p.isBlank()) return 5432;
        try {
            return Integer.parseInt(p.trim());
        } catch (NumberFormatException e) {
            throw ToolException.usage("PGPORT='" + p + "' is not a port number");
        }
    }

    /** Looks the password up in the pgpass file: host:port:database:username:password, '*' matches all. */
    String fromPgpass(ConnectionSpec s) {
        Path file = env.containsKey("PGPASSFILE") ? Path.of(env.get("PGPASSFILE"))
                : home == null ? null : home.resolve(".pgpass");
        if (file == null || !Files.isReadable(file)) return null;
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            return null;
        }
        for (String line : lines) {
            if (line.isBlank() || line.startsWith("#")) continue;
            String[] f = splitPgpass(line);
            if (f.length < 5) continue;
            if (matches(f[0], s.host()) && matches(f[1], String.valueOf(s.port()))
                    && matches(f[2], s.database()) && matches(f[3], s.user())) {
                return f[4];
            }
        }
        return null;
    }

    private static boolean matches(String pattern, String value) {
        if ("*".equals(pattern)) return true;
        if (value == null) return false;
        if (pattern.equals(value)) return true;
        // libpq treats localhost and the loopback address alike for socket-less lookups
        return "localhost".equals(pattern) && ("127.0.0.1".equals(value) || "::1".equals(value));
    }

    private static String[] splitPgpass(String line) {
        java.util.List<String> out = new java.util.ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\\' && i + 1 < line.length()) {
                cur.append(line.charAt(++i));
            } else if (c == ':' && out.size() < 4) {
                out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        out.add(cur.toString());
        return out.toArray(new String[0]);
    }

    /** Asks for a password without echo; returns null when there is no terminal to ask on. */
    @FunctionalInterface
    public interface PasswordPrompt {
        char[] ask(String label);

        PasswordPrompt NONE = label -> null;

        static PasswordPrompt console() {
            return label -> System.console() == null ? null
                    : System.console().readPassword("Password for %s: ", label);
        }
    }
}
