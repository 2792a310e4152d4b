package io.pgvectormigrate.aws;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.pgvectormigrate.core.ToolException;
import io.pgvectormigrate.report.Json;

/**
 * Database credentials in the RDS secret JSON format
 * ({@code engine, host, port, username, password, dbname, dbClusterIdentifier}). toString never shows the password.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
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

    /** The secret string to store: the fields that have a value, the engine postgres unless it is set. */
    public String toJson() {
        DbSecret out = engine != null ? this
                : new DbSecret("postgres", host, port, username, password, dbname, dbClusterIdentifier);
        try {
            return Json.mapper().writer().without(SerializationFeature.INDENT_OUTPUT).writeValueAsString(out);
        } catch (JsonProcessingException e) {
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
