package io.pgvectormigrate.verify;

import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** SQL identifier quoting and the display names reports use. */
final class Idents {
    private static final Pattern PLAIN = Pattern.compile("[a-z_][a-z0-9_$]*");
    // reserved words that would need quoting even when lower case (enough for display; SQL always quotes)
    private static final Set<String> RESERVED = Set.of("all", "analyse", "analyze", "and", "any", "array", "as", "asc",
            "asymmetric", "both", "case", "cast", "check", "collate", "column", "constraint", "create", "current_date",
            "current_role", "current_time", "current_timestamp", "current_user", "default", "deferrable", "desc",
            "distinct", "do", "else", "end", "except", "false", "fetch", "for", "foreign", "from", "grant", "group",
            "having", "in", "initially", "intersect", "into", "lateral", "leading", "limit", "localtime",
            "localtimestamp", "not", "null", "offset", "on", "only", "or", "order", "placing", "primary", "references",
            "returning", "select", "session_user", "some", "symmetric", "table", "then", "to", "trailing", "true",
            "union", "unique", "user", "using", "variadic", "when", "where", "window", "with");

    private Idents() {}

    /** Always-quoted identifier for SQL text. */
    static String quote(String ident) {
        return '"' + ident.replace("\"", "\"\"") + '"';
    }

    static String qualified(String schema, String name) {
        return quote(schema) + "." + quote(name);
    }

    /** Quoted only when PostgreSQL would need it, for humans. */
    static String display(String ident) {
        return PLAIN.matcher(ident).matches() && !RESERVED.contains(ident) ? ident : quote(ident);
    }

    static String display(String schema, String name) {
        return display(schema) + "." + display(name);
    }

    static String quoteAll(List<String> idents) {
        return idents.stream().map(Idents::quote).collect(Collectors.joining(", "));
    }

    /** A SQL string literal. */
    static String literal(String s) {
        return "'" + s.replace("'", "''") + "'";
    }
}
