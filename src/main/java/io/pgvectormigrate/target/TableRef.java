package io.pgvectormigrate.target;

/** A table by schema and name, as the catalog stores them (case preserved). */
public record TableRef(String schema, String name) implements Comparable<TableRef> {

    /** Quoted for SQL: {@code "public"."Items"}. */
    public String sql() {
        return Sql.ident(schema) + "." + Sql.ident(name);
    }

    /** For messages: {@code public.items}, or {@code public."Mixed Case"} when quoting is needed. */
    public String display() {
        return Sql.displayName(schema) + "." + Sql.displayName(name);
    }

    @Override
    public int compareTo(TableRef o) {
        int c = schema.compareTo(o.schema);
        return c != 0 ? c : name.compareTo(o.name);
    }

    @Override
    public String toString() {
        return display();
    }
}
