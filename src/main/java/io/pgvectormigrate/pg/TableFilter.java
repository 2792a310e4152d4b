package io.pgvectormigrate.pg;

import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Which tables a command works on. Empty {@code schemas} means every non-system schema. Table and exclude
 * patterns are {@code name} or {@code schema.name}, with {@code *} as a wildcard; matching is exact-case
 * (PostgreSQL folds unquoted names to lower case, so write them as the catalog stores them).
 *
 * <p>{@code only}, when not empty, names the root tables exactly (no patterns, names as stored): how work that
 * must not pick up tables created since says "exactly these tables" ({@link #exactly}). A name holding {@code .},
 * {@code *} or {@code ,} is still that one table there, never a pattern.
 *
 * <p>The tool's own bookkeeping schema and DMS leftovers are always excluded.
 */
public record TableFilter(List<String> schemas, List<String> tables, List<String> excludes, List<TableId> only) {
    /** The schema the tool keeps its own tables in (Flyway history, markers). */
    public static final String TOOL_SCHEMA = "pgvector_migrate";

    public static final TableFilter ALL = new TableFilter(List.of(), List.of(), List.of());

    public TableFilter {
        schemas = schemas == null ? List.of() : List.copyOf(schemas);
        tables = tables == null ? List.of() : List.copyOf(tables);
        excludes = excludes == null ? List.of() : List.copyOf(excludes);
        only = only == null ? List.of() : List.copyOf(only);
    }

    /** The operator's filter: schemas, table patterns and exclude patterns. */
    public TableFilter(List<String> schemas, List<String> tables, List<String> excludes) {
        this(schemas, tables, excludes, List.of());
    }

    /** Exactly these root tables, whatever their names hold. */
    public static TableFilter exactly(List<TableId> roots) {
        if (roots.isEmpty()) throw new IllegalArgumentException("an exact selection names at least one table");
        return new TableFilter(List.of(), List.of(), List.of(), roots);
    }

    public static boolean isSystemSchema(String schema) {
        return schema.equals("pg_catalog") || schema.equals("information_schema") || schema.startsWith("pg_toast")
                || schema.startsWith("pg_temp") || schema.equals(TOOL_SCHEMA)
                // DMS homogeneous migrations may leave these behind
                || schema.equals("awsdms_control") || schema.startsWith("aws_");
    }

    /** Tables DMS and other replication tools create for their own bookkeeping. */
    public static boolean isToolTable(String table) {
        return table.startsWith("awsdms_") || table.equals("flyway_schema_history");
    }

    public boolean matches(String schema, String table) {
        if (isSystemSchema(schema) || isToolTable(table)) return false;
        if (!only.isEmpty() && !only.contains(new TableId(schema, table))) return false;
        if (!schemas.isEmpty() && !schemas.contains(schema)) return false;
        if (!tables.isEmpty() && tables.stream().noneMatch(p -> matchesPattern(p, schema, table))) return false;
        return excludes.stream().noneMatch(p -> matchesPattern(p, schema, table));
    }

    /** Whether the filter's schemas take in this one (not which tables in it: that is {@link #matches}). */
    public boolean selectsSchema(String schema) {
        return !isSystemSchema(schema) && (schemas.isEmpty() || schemas.contains(schema));
    }

    public boolean isEverything() {
        return schemas.isEmpty() && tables.isEmpty() && excludes.isEmpty() && only.isEmpty();
    }

    /** Names tables (patterns or exact names) rather than taking every table of the schemas. */
    public boolean namesTables() {
        return !tables.isEmpty() || !only.isEmpty();
    }

    private static boolean matchesPattern(String pattern, String schema, String table) {
        int dot = pattern.indexOf('.');
        if (dot >= 0) {
            return glob(pattern.substring(0, dot)).matcher(schema).matches()
                    && glob(pattern.substring(dot + 1)).matcher(table).matches();
        }
        return glob(pattern).matcher(table).matches();
    }

    private static Pattern glob(String g) {
        // Pattern.quote of empty parts leaves \Q\E, which is harmless
        return Pattern.compile(Arrays.stream(g.split("\\*", -1)).map(Pattern::quote).collect(Collectors.joining(".*")));
    }

    /** Human summary, e.g. for reports. */
    public String describe() {
        if (isEverything()) return "all user tables";
        StringBuilder sb = new StringBuilder();
        if (!only.isEmpty()) sb.append("exactly ").append(String.join(", ", only.stream().map(TableId::display).toList())).append("; ");
        if (!schemas.isEmpty()) sb.append("schemas ").append(String.join(",", schemas)).append("; ");
        if (!tables.isEmpty()) sb.append("tables ").append(String.join(",", tables)).append("; ");
        if (!excludes.isEmpty()) sb.append("excluding ").append(String.join(",", excludes)).append("; ");
        return sb.substring(0, sb.length() - 2);
    }
}
