package io.pgvectormigrate.pg;

import io.pgvectormigrate.core.ExitCode;
import io.pgvectormigrate.core.ToolException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConnectionSpecTest {
    @Test
    void parsesLibpqUriWithEncodedPassword() {
        ConnectionSpec s = ConnectionSpec.parse("postgresql://app:p%40ss%2Fw0rd@db.example:6543/vectors?sslmode=require");
        assertEquals("db.example", s.host());
        assertEquals(6543, s.port());
        assertEquals("vectors", s.database());
        assertEquals("app", s.user());
        assertEquals("p@ss/w0rd", s.password());
        assertEquals("require", s.params().get("sslmode"));
        assertEquals("jdbc:postgresql://db.example:6543/vectors?sslmode=require", s.jdbcUrl());
    }

    @Test
    void parsesJdbcUrlWithCredentialsInQuery() {
        ConnectionSpec s = ConnectionSpec.parse("jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres&password=Secret123&ssl=false");
        assertEquals("postgres", s.user());
        assertEquals("Secret123", s.password());
        assertEquals(Map.of("ssl", "false"), s.params());
        assertFalse(s.jdbcUrl().contains("Secret123"), "the JDBC URL carries no password");
    }

    @Test
    void displayAndToStringNeverShowThePassword() {
        ConnectionSpec s = ConnectionSpec.parse("postgresql://u:TopSecret!@h:5432/d");
        assertFalse(s.display().contains("TopSecret"));
        assertFalse(s.toString().contains("TopSecret"));
        assertEquals("postgresql://u@h:5432/d", s.display());
        assertFalse(ConnectionSpec.redactRaw("postgresql://u:TopSecret@h/d").contains("TopSecret"));
        assertFalse(ConnectionSpec.redactRaw("jdbc:postgresql://h/d?password=TopSecret&x=1").contains("TopSecret"));
    }

    @Test
    void libpqConninfoQuotesValues() {
        ConnectionSpec s = new ConnectionSpec("h", 5432, "d", "u", "it's", Map.of());
        assertEquals("host='h' port='5432' dbname='d' user='u' password='it\\'s'", s.libpqConninfo());
    }

    @Test
    void rejectsGarbageAsBadInput() {
        ToolException e = assertThrows(ToolException.class, () -> ConnectionSpec.parse("mysql://h/d"));
        assertEquals(ExitCode.USAGE, e.exitCode());
        ToolException p = assertThrows(ToolException.class, () -> ConnectionSpec.parse("postgresql://h:99999/d"));
        assertTrue(p.getMessage().contains("invalid port"));
    }

    @Test
    void sameDatabaseTreatsLoopbackNamesAlike() {
        ConnectionSpec a = ConnectionSpec.parse("postgresql://localhost:5432/db");
        ConnectionSpec b = ConnectionSpec.parse("jdbc:postgresql://127.0.0.1:5432/db");
        assertTrue(a.sameDatabaseAs(b));
        assertFalse(a.sameDatabaseAs(b.withDatabase("other")));
    }

    @Test
    void resolverFillsFromEnvironmentThenPgpass(@TempDir Path home) throws Exception {
        Files.writeString(home.resolve(".pgpass"), """
                # comment
                otherhost:*:*:*:nope
                localhost:5433:vectors:app:from\\:pgpass
                """);
        CredentialResolver r = new CredentialResolver(Map.of("PGPORT", "5433", "PGUSER", "app"), home);
        ConnectionSpec s = r.resolve(ConnectionSpec.parse("postgresql://127.0.0.1/vectors"));
        assertEquals(5433, s.port());
        assertEquals("app", s.user());
        assertEquals("from:pgpass", s.password());

        CredentialResolver env = new CredentialResolver(Map.of("PGPASSWORD", "from-env"), home);
        assertEquals("from-env", env.resolve(ConnectionSpec.parse("postgresql://app@localhost:5433/vectors")).password());
        assertEquals("in-url", env.resolve(ConnectionSpec.parse("postgresql://app:in-url@localhost:5433/vectors")).password());

        CredentialResolver none = new CredentialResolver(Map.of(), home);
        assertNull(none.resolve(ConnectionSpec.parse("postgresql://x@elsewhere:5432/db")).password());
    }
}
