package io.pgvectormigrate.aws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.report.Json;

/**
 * Database credentials in the RDS secret JSON format
 * ({@code engine, host, port, username, password, dbname, dbClusterIdentifier}). toString never shows the password.
 */
public record DbSecret(String engine, String host, Integer port, String username, String password, String dbname,
                       String dbClusterIdentifier) {

    public static DbSecret parse(String secretId, String json) {
        JsonNode n;
        try {
            n = Json.mapper().readTree(json);
        } catch (Exception e) {
            throw ToolException.usage("secret " + secretId + " is not JSON: it must hold RDS-style credentials "
                    + "({\"username\": ..., \"password\": ...})");
        }
        if (n == null || !n.hasNonNull("username") || !n.hasNonNull("password")) {
            throw ToolException.usage("secret " + secretId + " has no username and password fields: pass the database secret "
                    + "(RDS format) with --secret-id");
        }
        Integer port = null;
        if (n.hasNonNull("port")) {
            try {
                port = n.get("port").isNumber() ? n.get("port").asInt() : Integer.parseInt(n.get("port").asText().trim());
            } catch (NumberFormatException e) {
                port = null;
            }
        }
        return new DbSecret(text(n, "engine"), text(n, "host"), port, n.get("username").asText(), n.get("password").asText(),
                text(n, "dbname"), text(n, "dbClusterIdentifier"));
    }

    private static String text(JsonNode n, String f) {
        return n.hasNonNull(f) ? n.get(f).asText() : null;
    }

    /** The secret string to store. */
    public String toJson() {
        ObjectNode o = Json.mapper().createObjectNode();
        o.put("engine", engine == null ? "postgres" : engine);
        if (host != null) o.put("host", host);
        if (port != null) o.put("port", port);
        o.put("username", username);
        o.put("password", password);
        if (dbname != null) o.put("dbname", dbname);
        if (dbClusterIdentifier != null) o.put("dbClusterIdentifier", dbClusterIdentifier);
        try {
            return Json.mapper().writer().without(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT).writeValueAsString(o);
        } catch (Exception e) {
            throw new IllegalStateException("cannot write secret JSON", e);
        }
    }

    public DbSecret withPassword(String pw) {
        return new DbSecret(engine, host, port, username, pw, dbname, dbClusterIdentifier);
    }

    @Override
    public String toString() {
        return "DbSecret[" + username + "@" + host + ":" + port + "/" + dbname + ", password hidden]";
    }
}
