package io.pgvectormigrate.aws.fake;

import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

/**
 * How the fakes page their listings, as the AWS models describe it: at most MaxRecords/MaxResults items, and a marker
 * or token while more follow. The pages are small ({@link #SIZE}, which the services may do: "up to MaxRecords"), so
 * every caller's paginator sees several. The marker is opaque to callers; here it names the last item returned, in
 * key order, so an item created or deleted between two pages never shifts the next one.
 */
public final class Pages {
    /** Items per page, whatever the caller's maximum. */
    public static final int SIZE = 2;
    private static final String PREFIX = "fake-page-after:";

    private Pages() {}

    /** One page and the marker of the next (null on the last page). */
    public record Page<T>(List<T> items, String next) {}

    /** @return null when {@code marker} is not one these fakes handed out (the caller throws the service's fault) */
    public static <T> Page<T> of(List<T> all, Function<T, String> key, String marker, Integer max) {
        if (marker != null && !marker.startsWith(PREFIX)) return null;
        String after = marker == null ? null : marker.substring(PREFIX.length());
        List<T> rest = all.stream().sorted(Comparator.comparing(key))
                .filter(t -> after == null || key.apply(t).compareTo(after) > 0).toList();
        int n = Math.min(SIZE, max == null ? SIZE : max);
        List<T> page = rest.subList(0, Math.min(n, rest.size()));
        return new Page<>(page, rest.size() > n ? PREFIX + key.apply(page.get(page.size() - 1)) : null);
    }

    /** The range a model gives MaxRecords/MaxResults (RDS 20-100, Secrets Manager 1-100); null (the default) passes. */
    public static boolean outOfRange(Integer max, int min, int maxAllowed) {
        return max != null && (max < min || max > maxAllowed);
    }
}
