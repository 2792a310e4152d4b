package io.pgvectormigrate.pg;

import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Identifier and literal quoting, written once for every package. SQL text always quotes identifiers (any name the
 * catalog returns is then safe, mixed case and spaces included); messages show names the way psql does.
 */
public final class Sql {
    private static final Pattern PLAIN = Pattern.compile("[a-z_][a-z0-9_$]*");
    // reserved words that need quoting even when lower case (enough for display; SQL text always quotes)
    private static final Set<String> RESERVED = Set.of("all", "analyse", "analyze", "and", "any", "array", "as", "asc",
            "asymmetric", "both", "case", "cast", "check", "collate", "column", "constraint", "create", "current_date",
            "current_role", "current_time", "current_timestamp", "current_user", "default", "deferrable", "desc",
            "distinct", "do", "else", "end", "except", "false", "fetch", "for", "foreign", "from", "grant", "group",
            "having", "in", "initially", "intersect", "into", "lateral", "leading", "limit", "localtime",
            "localtimestamp", "not", "null", "offset", "on", "only", "or", "order", "placing", "primary", "references",
            "returning", "select", "session_user", "some", "symmetric", "table", "then", "to", "trailing", "true",
            "union", "unique", "user", "using", "variadic", "when", "where", "window", "with");

    private Sql() {}

    /** Always-quoted identifier for SQL text. */
    public static String ident(String name) {
        return '"' + name.replace("\"", "\"\"") + '"';
    }

    public static String qualified(String schema, String name) {
        return ident(schema) + "." + ident(name);
    }

    /** Quoted identifiers, comma separated. */
    public static String identList(List<String> names) {
        return names.stream().map(Sql::ident).collect(Collectors.joining(", "));
    }

    /** A standard-conforming string literal (standard_conforming_strings is on by default since 9.1). */
    public static String literal(String value) {
        return "'" + value.replace("'", "''") + "'";
    }

    /** For humans: bare when PostgreSQL would read the bare name as itself, quoted otherwise. */
    public static String display(String name) {
        return PLAIN.matcher(name).matches() && !RESERVED.contains(name) ? name : ident(name);
    }

    public static String display(String schema, String name) {
        return display(schema) + "." + display(name);
    }
}
