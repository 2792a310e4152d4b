package io.pgvectormigrate.verify;

import io.pgvectormigrate.core.ToolException;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The checks verify runs, by the id users pass to {@code --skip}: the name in lower case. */
public enum Check {
    SCHEMA("Schema parity: tables, columns, types, primary keys, constraints"),
    INDEXES("Indexes: method, operator class, WITH parameters, validity"),
    EXTENSIONS("Extension versions"),
    ROWS("Exact row counts"),
    VECTORS("Vector NULLs and dimensions"),
    GROUPS("Row counts per group"),
    CONTENT("Content hashes of every row"),
    SEQUENCES("Sequences ahead of source and of their column"),
    ANN("ANN parity: exact top-k and index recall");

    private final String title;

    Check(String title) {
        this.title = title;
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
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
        return Arrays.stream(values()).filter(c -> c.id().equals(t)).findFirst()
                .orElseThrow(() -> ToolException.usage("unknown check '" + text + "' in --skip: pick from " + ids()));
    }
}
