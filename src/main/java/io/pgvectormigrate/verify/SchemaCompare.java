package io.pgvectormigrate.verify;

import io.pgvectormigrate.pg.Sql;
import io.pgvectormigrate.pg.TableDefinitions.IndexShape;
import io.pgvectormigrate.verify.SideSchema.Column;
import io.pgvectormigrate.verify.SideSchema.Table;
import io.pgvectormigrate.verify.VerifyReport.Difference;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Check 1: schema, index and extension parity, from the two catalogs. */
final class SchemaCompare {
    final List<Difference> differences = new ArrayList<>();
    final List<String> notes = new ArrayList<>();
    int tablesCompared;
    int columnsCompared;
    int indexesCompared;

    void compare(SideSchema s, SideSchema t, boolean schema, boolean indexes, boolean extensions) {
        if (schema) {
            if (!s.encoding().equals(t.encoding())) {
                diff(Check.SCHEMA, "database", "encoding " + s.encoding() + " on source, " + t.encoding()
                        + " on target: text may not survive the copy byte for byte");
            }
            if (!s.collate().equals(t.collate()) || !s.ctype().equals(t.ctype())) {
                notes.add("database collation differs: source " + s.collate() + "/" + s.ctype() + ", target "
                        + t.collate() + "/" + t.ctype() + " (text sorts and compares differently: indexes, ORDER BY and unique keys may behave differently on the target)");
            }
        }
        if (extensions) compareExtensions(s, t);
        for (Table st : s.tables().values()) {
            Table tt = t.tables().get(st.key());
            if (tt == null) {
                if (schema) diff(Check.SCHEMA, st.display(), "table missing on target");
                continue;
            }
            tablesCompared++;
            if (schema) compareTable(st, tt);
            if (indexes) compareIndexes(st, tt);
        }
        for (Table tt : t.tables().values()) {
            if (!s.tables().containsKey(tt.key()) && schema) {
                diff(Check.SCHEMA, tt.display(), "table only on target (not on source)");
            }
        }
    }

    private void compareExtensions(SideSchema s, SideSchema t) {
        for (Map.Entry<String, String> e : s.extensions().entrySet()) {
            String tv = t.extensions().get(e.getKey());
            if (tv == null) {
                diff(Check.EXTENSIONS, "extension " + e.getKey(), "installed on source (" + e.getValue() + "), missing on target");
            } else if (!tv.equals(e.getValue())) {
                diff(Check.EXTENSIONS, "extension " + e.getKey(), "version " + e.getValue() + " on source, " + tv
                        + " on target (ALTER EXTENSION " + e.getKey() + " UPDATE, or --skip extensions if intended)");
            }
        }
        for (Map.Entry<String, String> e : t.extensions().entrySet()) {
            if (!s.extensions().containsKey(e.getKey())) {
                notes.add("extension " + e.getKey() + " " + e.getValue() + " is installed on the target only");
            }
        }
    }

    private void compareTable(Table s, Table t) {
        String name = s.display();
        for (Column c : s.columns()) {
            Column o = t.column(c.name());
            if (o == null) {
                diff(Check.SCHEMA, name, "column " + Sql.display(c.name()) + " " + c.type() + " missing on target");
                continue;
            }
            columnsCompared++;
            if (!c.signature().equals(o.signature())) {
                diff(Check.SCHEMA, name, "column " + Sql.display(c.name()) + " is " + c.signature() + " on source, "
                        + o.signature() + " on target");
            }
        }
        for (Column c : t.columns()) {
            if (s.column(c.name()) == null) {
                diff(Check.SCHEMA, name, "column " + Sql.display(c.name()) + " " + c.type() + " only on target");
            }
        }
        if (!commonColumns(s, t).equals(commonColumns(t, s))) {
            notes.add(name + ": columns are in another order on the target (SELECT * returns them differently)");
        }
        if (!s.primaryKey().equals(t.primaryKey())) {
            diff(Check.SCHEMA, name, "primary key " + pk(s) + " on source, " + pk(t) + " on target");
        }
        Map<String, String> sc = s.constraints();
        Map<String, String> tc = t.constraints();
        List<String> tDefs = new ArrayList<>(tc.values());
        for (Map.Entry<String, String> e : sc.entrySet()) {
            if (!tDefs.remove(e.getValue())) {
                diff(Check.SCHEMA, name, "constraint " + Sql.display(e.getKey()) + " missing on target: " + e.getValue());
            }
        }
        for (String d : tDefs) diff(Check.SCHEMA, name, "constraint only on target: " + d);
    }

    /** The columns of {@code a} that {@code b} has too, in {@code a}'s order. */
    private static List<String> commonColumns(Table a, Table b) {
        return a.columns().stream().map(Column::name).filter(n -> b.column(n) != null).toList();
    }

    private static String pk(Table t) {
        return t.primaryKey().isEmpty() ? "(none)" : "(" + String.join(", ", t.primaryKey().stream().map(Sql::display).toList()) + ")";
    }

    /** Indexes match by definition (method, columns, operator classes, WITH parameters, predicate), not by name. */
    private void compareIndexes(Table s, Table t) {
        String name = s.display();
        List<IndexShape> unmatched = new ArrayList<>(t.indexes());
        List<IndexShape> missing = new ArrayList<>();
        for (IndexShape si : s.indexes()) {
            indexesCompared++;
            IndexShape match = unmatched.stream().filter(ti -> ti.key().equals(si.key())).findFirst().orElse(null);
            if (match == null) {
                missing.add(si);
                continue;
            }
            unmatched.remove(match);
            if (!match.name().equals(si.name())) {
                notes.add(name + ": index " + Sql.display(si.name()) + " is named " + Sql.display(match.name()) + " on the target");
            }
            if (si.valid() && !match.valid()) {
                diff(Check.INDEXES, name, "index " + Sql.display(match.name()) + " is INVALID on target "
                        + "(a failed CREATE INDEX CONCURRENTLY?): REINDEX INDEX it");
            }
        }
        Map<String, IndexShape> extraByName = new LinkedHashMap<>();
        for (IndexShape ti : unmatched) extraByName.put(ti.name(), ti);
        for (IndexShape si : missing) {
            IndexShape same = extraByName.remove(si.name());
            if (same != null) {
                diff(Check.INDEXES, name, "index " + Sql.display(si.name()) + " differs: source " + describe(si)
                        + ", target " + describe(same));
            } else {
                diff(Check.INDEXES, name, "index " + Sql.display(si.name()) + " missing on target: " + describe(si));
            }
        }
        for (IndexShape ti : extraByName.values()) {
            diff(Check.INDEXES, name, "index " + Sql.display(ti.name()) + " only on target: " + describe(ti));
        }
    }

    static String describe(IndexShape i) {
        return i.key() + (i.operatorClasses() == null ? "" : " (operator class " + i.operatorClasses() + ")");
    }

    private void diff(Check c, String object, String message) {
        differences.add(new Difference(c.id(), object, message));
    }
}
