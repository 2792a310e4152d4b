package io.pgvectormigrate.pg;

/** A table (or partition, or sequence) by schema and name, as the catalog stores them (case preserved). */
public record TableId(String schema, String name) implements Comparable<TableId> {

    /** Quoted for SQL: {@code "public"."Items"}. */
    public String sql() {
        return Sql.qualified(schema, name);
    }

    /** For messages: {@code public.items}, or {@code public."Mixed Case"} when quoting is needed. */
    public String display() {
        return Sql.display(schema, name);
    }

    /** {@code schema.name} unquoted: how pg_publication_tables, journals and reports key a table. */
    public String key() {
        return schema + "." + name;
    }

    @Override
    public int compareTo(TableId o) {
        int c = schema.compareTo(o.schema);
        return c != 0 ? c : name.compareTo(o.name);
    }

    @Override
    public String toString() {
        return display();
    }
}
