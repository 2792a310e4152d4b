package io.pgvectormigrate.pg;

import io.pgvectormigrate.core.ToolException;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Where a database is and how to log in. Parsed from a JDBC URL ({@code jdbc:postgresql://h:p/db?user=..})
 * or a libpq URI ({@code postgresql://user:pass@h:p/db?sslmode=..}); gaps are filled from the PG* environment
 * by {@link CredentialResolver}.
 *
 * <p>The password is held but never rendered: {@link #toString()} and {@link #display()} leave it out. A class,
 * not a record, so that no serializer finds the password as a component.
 */
public final class ConnectionSpec {
    private final String host;
    private final int port;
    private final String database;
    private final String user;
    private final String password; // nullable; never printed
    private final Map<String, String> params; // driver parameters other than user/password

    public ConnectionSpec(String host, int port, String database, String user, String password,
                          Map<String, String> params) {
        this.host = host;
        this.port = port;
        this.database = database;
        this.user = user;
        this.password = password;
        this.params = Collections.unmodifiableMap(new LinkedHashMap<>(params == null ? Map.of() : params));
    }

    /** Parses a JDBC URL or postgresql:// URI. Missing parts stay null (port 0) for the resolver to fill. */
    public static ConnectionSpec parse(String text) {
        if (text == null || text.isBlank()) {
            throw ToolException.usage("empty connection string: pass a JDBC URL (jdbc:postgresql://host:5432/db) "
                    + "or a URI (postgresql://user@host:5432/db)");
        }
        String s = text.trim();
        String rest = Stream.of("jdbc:postgresql://", "postgresql://", "postgres://").filter(s::startsWith).findFirst()
                .map(scheme -> s.substring(scheme.length()))
                .orElseThrow(() -> ToolException.usage("cannot read connection '" + redactRaw(s)
                        + "': expected jdbc:postgresql://host:port/db or postgresql://user@host:port/db"));
        String query = null;
        int q = rest.indexOf('?');
        if (q >= 0) {
            query = rest.substring(q + 1);
            rest = rest.substring(0, q);
        }
        String authority = rest;
        String db = null;
        int slash = rest.indexOf('/');
        if (slash >= 0) {
            authority = rest.substring(0, slash);
            db = decode(rest.substring(slash + 1));
            if (db.isEmpty()) db = null;
        }
        String user = null;
        String password = null;
        int at = authority.lastIndexOf('@');
        if (at >= 0) {
            String userInfo = authority.substring(0, at);
            authority = authority.substring(at + 1);
            int colon = userInfo.indexOf(':');
            if (colon >= 0) {
                user = decode(userInfo.substring(0, colon));
                password = decode(userInfo.substring(colon + 1));
            } else {
                user = decode(userInfo);
            }
            if (user != null && user.isEmpty()) user = null;
        }
        String host = null;
        int port = 0;
        if (!authority.isEmpty()) {
            String hostPart = authority;
            if (hostPart.startsWith("[")) { // IPv6 literal
                int close = hostPart.indexOf(']');
                host = hostPart.substring(1, close);
                hostPart = hostPart.substring(close + 1);
                if (hostPart.startsWith(":")) port = parsePort(hostPart.substring(1), s);
            } else {
                int colon = hostPart.lastIndexOf(':');
                if (colon >= 0) {
                    host = hostPart.substring(0, colon);
                    port = parsePort(hostPart.substring(colon + 1), s);
                } else {
                    host = hostPart;
                }
            }
            if (host != null && host.isEmpty()) host = null;
        }
        Map<String, String> params = new LinkedHashMap<>();
        if (query != null && !query.isEmpty()) {
            for (String pair : query.split("&")) {
                if (pair.isEmpty()) continue;
                int eq = pair.indexOf('=');
                String k = decode(eq >= 0 ? pair.substring(0, eq) : pair);
                String v = eq >= 0 ? decode(pair.substring(eq + 1)) : "";
                switch (k) {
                    case "user" -> user = v;
                    case "password" -> password = v;
                    case "dbname" -> db = v;
                    case "host" -> host = v;
                    case "port" -> port = parsePort(v, s);
                    default -> params.put(k, v);
                }
            }
        }
        return new ConnectionSpec(host, port, db, user, password, params);
    }

    private static int parsePort(String p, String whole) {
        try {
            int port = Integer.parseInt(p);
            if (port < 1 || port > 65535) throw new NumberFormatException();
            return port;
        } catch (NumberFormatException e) {
            throw ToolException.usage("invalid port '" + p + "' in connection '" + redactRaw(whole) + "'");
        }
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** Removes anything that looks like a password from a raw connection string, for error messages. */
    public static String redactRaw(String raw) {
        return raw.replaceAll("(?i)(password=)[^&]*", "$1***")
                .replaceAll("(://[^/@:]*):[^@/]*@", "$1:***@");
    }

    public String host() { return host; }
    public int port() { return port; }
    public String database() { return database; }
    public String user() { return user; }
    public Map<String, String> params() { return params; }
    public boolean hasPassword() { return password != null; }

    /** The password, for the driver only. Never log or print it. */
    public String password() { return password; }

    public ConnectionSpec withHost(String h) { return new ConnectionSpec(h, port, database, user, password, params); }
    public ConnectionSpec withPort(int p) { return new ConnectionSpec(host, p, database, user, password, params); }
    public ConnectionSpec withDatabase(String d) { return new ConnectionSpec(host, port, d, user, password, params); }
    public ConnectionSpec withUser(String u) { return new ConnectionSpec(host, port, database, u, password, params); }
    public ConnectionSpec withPassword(String pw) { return new ConnectionSpec(host, port, database, user, pw, params); }

    public ConnectionSpec withParam(String key, String value) {
        Map<String, String> p = new LinkedHashMap<>(params);
        p.put(key, value);
        return new ConnectionSpec(host, port, database, user, password, p);
    }

    /** JDBC URL without credentials. */
    public String jdbcUrl() {
        String query = params.entrySet().stream().map(e -> encode(e.getKey()) + "=" + encode(e.getValue()))
                .collect(Collectors.joining("&"));
        return "jdbc:postgresql://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port + "/" + encode(database)
                + (query.isEmpty() ? "" : "?" + query);
    }

    /** Driver properties, including the password. */
    public Properties driverProperties() {
        Properties p = new Properties();
        if (user != null) p.setProperty("user", user);
        if (password != null) p.setProperty("password", password);
        return p;
    }

    /** libpq keyword/value string for a subscription CONNECTION clause. Contains the password. */
    public String libpqConninfo() {
        Map<String, String> more = new LinkedHashMap<>();
        more.put("password", password);
        more.put("sslmode", params.get("sslmode"));
        return libpqConninfo(more);
    }

    /** libpq keyword/value string: host, port, dbname and user, then {@code more} in order; null values are left out. */
    public String libpqConninfo(Map<String, String> more) {
        Map<String, String> kv = new LinkedHashMap<>();
        kv.put("host", host);
        kv.put("port", String.valueOf(port));
        kv.put("dbname", database);
        kv.put("user", user);
        kv.putAll(more);
        return kv.entrySet().stream().filter(e -> e.getValue() != null)
                .map(e -> e.getKey() + "='" + e.getValue().replace("\\", "\\\\").replace("'", "\\'") + "'")
                .collect(Collectors.joining(" "));
    }

    /** What humans, logs and reports see: {@code postgresql://user@host:port/db}. */
    public String display() {
        return "postgresql://" + (user != null ? user + "@" : "") + (host == null ? "?" : host)
                + (port > 0 ? ":" + port : "") + "/" + (database == null ? "?" : database);
    }

    /** Same server and database (used to refuse verifying a database against itself). */
    public boolean sameDatabaseAs(ConnectionSpec other) {
        return Objects.equals(normalizeHost(host), normalizeHost(other.host)) && port == other.port
                && Objects.equals(database, other.database);
    }

    private static String normalizeHost(String h) {
        if (h == null) return null;
        return switch (h) {
            case "localhost", "127.0.0.1", "::1" -> "localhost";
            default -> h.toLowerCase();
        };
    }

    @Override
    public String toString() {
        return display();
    }
}
