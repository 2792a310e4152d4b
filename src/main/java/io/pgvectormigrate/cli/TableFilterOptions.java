package io.pgvectormigrate.cli;

import io.pgvectormigrate.pg.TableFilter;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;

/** --schema, --table and --exclude, the same on every command that selects tables. */
public class TableFilterOptions {
    @Option(names = "--schema", split = ",", paramLabel = "NAME",
            description = "Only tables in these schemas (repeat or comma-separate; default: every non-system schema).")
    public List<String> schemas = new ArrayList<>();

    @Option(names = "--table", split = ",", paramLabel = "PATTERN",
            description = "Only these tables: name or schema.name, * as wildcard (repeatable).")
    public List<String> tables = new ArrayList<>();

    @Option(names = "--exclude", split = ",", paramLabel = "PATTERN",
            description = "Leave out tables matching name or schema.name, * as wildcard (repeatable).")
    public List<String> excludes = new ArrayList<>();

    public TableFilter toFilter() {
        return new TableFilter(schemas, tables, excludes);
    }
}
