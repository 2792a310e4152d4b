package io.pgvectormigrate.aws;

import org.junit.jupiter.api.Test;

import java.security.SecureRandom;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PasswordsTest {
    @Test
    void generatedPasswordsMeetTheRdsAndDmsRules() {
        SecureRandom r = new SecureRandom();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 2000; i++) {
            String pw = Passwords.generate(r);
            assertEquals(32, pw.length());
            assertTrue(Passwords.meetsRds(pw) && Passwords.meetsDms(pw), pw);
            assertTrue(Character.isLetter(pw.charAt(0)));
            assertTrue(pw.chars().anyMatch(Character::isUpperCase) && pw.chars().anyMatch(Character::isLowerCase)
                    && pw.chars().anyMatch(Character::isDigit));
            assertTrue(pw.matches("[A-Za-z0-9._-]+"), "safe in URLs, conninfo and shells: " + pw);
            seen.add(pw);
        }
        assertEquals(2000, seen.size());
    }

    @Test
    void rules() {
        assertFalse(Passwords.meetsRds("short"));
        assertFalse(Passwords.meetsRds("has/slash-in-it"));
        assertFalse(Passwords.meetsRds("has\"quote-in-it"));
        assertFalse(Passwords.meetsRds("has@at-sign-in-it"));
        assertFalse(Passwords.meetsRds("x".repeat(42)));
        assertTrue(Passwords.meetsRds("x".repeat(41)));
        assertFalse(Passwords.meetsDms("has space"));
        assertFalse(Passwords.meetsDms("semi;colon"));
        assertFalse(Passwords.meetsDms("single'quote"));
        assertFalse(Passwords.meetsDms("double\"quote"));
        assertTrue(Passwords.meetsDms("Old-Passw0rd@with/at"));
    }
}
