package io.pgvectormigrate.core;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one way durations are read, on the command line and in migration.yaml: {@code 90s}, {@code 30m}, {@code 2h},
 * {@code 1h30m}, {@code 1d}, {@code 500ms}, a plain number of seconds, or ISO-8601 ({@code PT30M}); and the one way
 * messages write them ({@link #human}).
 */
public final class Durations {
    private static final Pattern WHOLE = Pattern.compile("(\\d+(ms|d|h|m|s))+");
    private static final Pattern PART = Pattern.compile("(\\d+)(ms|d|h|m|s)");

    private Durations() {}

    /**
     * @param what the option ({@code --timeout}) or configuration key ({@code dms.timeout}) it came from, for the message
     * @throws ToolException bad input (exit 2) naming {@code what} when the text is not a duration longer than zero
     */
    public static Duration parse(String text, String what) {
        String problem = problem(text);
        if (problem != null) throw ToolException.usage((what.startsWith("--") ? "invalid " : "") + what + ": " + problem);
        return parseOrNull(text);
    }

    /**
     * Why the text is not a duration the tool accepts, or null when it is one. Every duration the tool reads is a wait
     * or an interval, so zero and negative ones are refused: a timeout of 0 would give up before the first look.
     */
    public static String problem(String text) {
        Duration d = parseOrNull(text);
        if (d == null) return "cannot read '" + text + "' as a duration: write it like 90s, 30m, 1h30m, 2h or 500ms";
        if (d.isZero() || d.isNegative()) return "'" + text + "' is no time at all: give a duration longer than 0, like 90s or 30m";
        return null;
    }

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

    /** "45 s", "3 min 20 s", "2.5 h": how long a wait took or may take. */
    public static String human(Duration d) {
        long s = d.toSeconds();
        if (s < 1 && !d.isZero()) return d.toMillis() + " ms";
        if (s < 60) return s + " s";
        if (s < 7200) return (s / 60) + " min" + (s % 60 == 0 ? "" : " " + (s % 60) + " s");
        return String.format(Locale.ROOT, "%.1f h", s / 3600.0);
    }
}
