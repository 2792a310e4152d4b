package io.pgvectormigrate.verify;

import io.pgvectormigrate.core.ToolException;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The checks verify runs, by the id users pass to {@code --skip}. */
public enum Check {
    SCHEMA("schema", "Schema parity: tables, columns, types, primary keys, constraints"),
    INDEXES("indexes", "Indexes: method, operator class, WITH parameters, validity"),
    EXTENSIONS("extensions", "Extension versions"),
    ROWS("rows", "Exact row counts"),
    VECTORS("vectors", "Vector NULLs and dimensions"),
    GROUPS("groups", "Row counts per group"),
    CONTENT("content", "Content hashes of every row"),
    SEQUENCES("sequences", "Sequences ahead of source and of their column"),
    ANN("ann", "ANN parity: exact top-k and index recall");

    private final String id;
    private final String title;

    Check(String id, String title) {
        this.id = id;
        this.title = title;
    }

    public String id() {
        return id;
    }

    public String title() {
        return title;
    }

    public static String ids() {
        return Arrays.stream(values()).map(Check::id).collect(Collectors.joining(", "));
    }

    /** Parses a check id as users type it; unknown ids are bad input (exit 2). */
    public static Check parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        for (Check c : values()) {
            if (c.id.equals(t)) return c;
        }
        throw ToolException.usage("unknown check '" + text + "' in --skip: pick from " + ids());
    }
}
