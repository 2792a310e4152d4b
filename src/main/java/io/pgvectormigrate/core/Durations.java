package io.pgvectormigrate.core;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one way durations are read, on the command line and in migration.yaml: {@code 90s}, {@code 30m}, {@code 2h},
 * {@code 1h30m}, {@code 1d}, {@code 500ms}, a plain number of seconds, or ISO-8601 ({@code PT30M}).
 */
public final class Durations {
    private static final Pattern WHOLE = Pattern.compile("(\\d+(ms|d|h|m|s))+");
    private static final Pattern PART = Pattern.compile("(\\d+)(ms|d|h|m|s)");

    private Durations() {}

    /**
     * @param what the option ({@code --timeout}) or configuration key ({@code dms.timeout}) it came from, for the message
     * @throws ToolException bad input (exit 2) naming {@code what} when the text is not a duration
     */
    public static Duration parse(String text, String what) {
        Duration d = parseOrNull(text);
        if (d == null) {
            throw ToolException.usage((what.startsWith("--") ? "invalid " : "") + what + ": cannot read '" + text
                    + "' as a duration: write it like 90s, 30m, 1h30m, 2h or 500ms");
        }
        return d;
    }

    /** The duration, or null when the text is not one. */
    public static Duration parseOrNull(String text) {
        if (text == null) return null;
        String s = text.trim().toLowerCase(Locale.ROOT).replace(" ", "");
        try {
            if (s.startsWith("p")) return Duration.parse(s.toUpperCase(Locale.ROOT));
            if (s.matches("\\d+")) return Duration.ofSeconds(Long.parseLong(s));
            if (!WHOLE.matcher(s).matches()) return null;
            Duration d = Duration.ZERO;
            Matcher m = PART.matcher(s);
            while (m.find()) {
                long n = Long.parseLong(m.group(1));
                d = d.plus(switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "d" -> Duration.ofDays(n);
                    case "h" -> Duration.ofHours(n);
                    case "m" -> Duration.ofMinutes(n);
                    default -> Duration.ofSeconds(n);
                });
            }
            return d;
        } catch (NumberFormatException | DateTimeParseException | ArithmeticException e) {
            return null;
        }
    }
}
