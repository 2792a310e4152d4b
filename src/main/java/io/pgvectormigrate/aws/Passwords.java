package io.pgvectormigrate.aws;

import java.security.SecureRandom;

/**
 * Master passwords for the temporary cluster. A generated one must pass both rule sets it meets:
 * RDS (8-41 printable ASCII, no '/', '"', '@') and DMS (no quote, double quote, ';' or space). Letters, digits
 * and "-_." only, so it also survives URLs, libpq conninfo strings and shells without quoting.
 */
public final class Passwords {
    private static final String UPPER = "ABCDEFGHJKLMNPQRSTUVWXYZ";
    private static final String LOWER = "abcdefghijkmnopqrstuvwxyz";
    private static final String DIGITS = "23456789";
    private static final String SYMBOLS = "-_.";
    private static final String ALL = UPPER + LOWER + DIGITS + SYMBOLS;
    static final int LENGTH = 32;

    private Passwords() {}

    public static String generate(SecureRandom random) {
        char[] c = new char[LENGTH];
        // one of each class at fixed random positions, the rest from the whole alphabet
        c[0] = pick(UPPER, random);
        c[1] = pick(LOWER, random);
        c[2] = pick(DIGITS, random);
        c[3] = pick(SYMBOLS, random);
        for (int i = 4; i < LENGTH; i++) c[i] = pick(ALL, random);
        for (int i = LENGTH - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            char t = c[i];
            c[i] = c[j];
            c[j] = t;
        }
        // a leading letter keeps tools that parse "-x" as an option away from it
        if (!Character.isLetter(c[0])) {
            for (int i = 1; i < LENGTH; i++) {
                if (Character.isLetter(c[i])) {
                    char t = c[0];
                    c[0] = c[i];
                    c[i] = t;
                    break;
                }
            }
        }
        return new String(c);
    }

    private static char pick(String alphabet, SecureRandom r) {
        return alphabet.charAt(r.nextInt(alphabet.length()));
    }

    /** RDS master password rules. */
    public static boolean meetsRds(String pw) {
        if (pw == null || pw.length() < 8 || pw.length() > 41) return false;
        for (char ch : pw.toCharArray()) {
            if (ch < 0x20 || ch > 0x7e || ch == '/' || ch == '"' || ch == '@') return false;
        }
        return true;
    }

    /** DMS endpoint and secret password rules. */
    public static boolean meetsDms(String pw) {
        if (pw == null || pw.isEmpty() || pw.length() > 128) return false;
        for (char ch : pw.toCharArray()) {
            if (ch == '\'' || ch == '"' || ch == ';' || ch == ' ') return false;
        }
        return true;
    }
}
