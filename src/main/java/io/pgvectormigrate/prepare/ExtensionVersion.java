package io.pgvectormigrate.prepare;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.List;

/**
 * An extension version such as {@code 0.8.0} or {@code 1.3}, ordered the way humans read it: numeric parts as
 * numbers ({@code 0.10.0 > 0.9.1}), anything else as text.
 */
public record ExtensionVersion(String text) implements Comparable<ExtensionVersion> {

    public static ExtensionVersion of(String text) {
        return text == null ? null : new ExtensionVersion(text.trim());
    }

    @Override
    public int compareTo(ExtensionVersion o) {
        List<String> a = parts(text);
        List<String> b = parts(o.text);
        for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
            String x = i < a.size() ? a.get(i) : "0";
            String y = i < b.size() ? b.get(i) : "0";
            int c = isNumber(x) && isNumber(y) ? new BigInteger(x).compareTo(new BigInteger(y)) : x.compareTo(y);
            if (c != 0) return c;
        }
        return 0;
    }

    public boolean atLeast(ExtensionVersion floor) {
        return floor == null || compareTo(floor) >= 0;
    }

    private static List<String> parts(String v) {
        return Arrays.stream(v.split("[.\\-_]")).filter(p -> !p.isEmpty()).toList();
    }

    private static boolean isNumber(String s) {
        return !s.isEmpty() && s.chars().allMatch(Character::isDigit);
    }

    @Override
    public String toString() {
        return text;
    }
}
