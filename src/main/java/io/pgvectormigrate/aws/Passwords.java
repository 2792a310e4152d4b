package io.pgvectormigrate.aws;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Collectors;

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
        List<Character> c = new ArrayList<>();
        for (String alphabet : List.of(UPPER, LOWER, DIGITS, SYMBOLS)) c.add(pick(alphabet, random));
        while (c.size() < LENGTH) c.add(pick(ALL, random));
        Collections.shuffle(c, random);
        // a leading letter keeps tools that parse "-x" as an option away from it
        int letter = 0;
        while (!Character.isLetter(c.get(letter))) letter++;
        Collections.swap(c, 0, letter);
        return c.stream().map(String::valueOf).collect(Collectors.joining());
    }

    private static char pick(String alphabet, SecureRandom r) {
        return alphabet.charAt(r.nextInt(alphabet.length()));
    }

    public static boolean meetsRds(String pw) {
        return pw != null && pw.length() >= 8 && pw.length() <= 41
                && pw.chars().allMatch(ch -> ch >= 0x20 && ch <= 0x7e && ch != '/' && ch != '"' && ch != '@');
    }

    public static boolean meetsDms(String pw) {
        return pw != null && !pw.isEmpty() && pw.length() <= 128
                && pw.chars().noneMatch(ch -> ch == '\'' || ch == '"' || ch == ';' || ch == ' ');
    }
}
