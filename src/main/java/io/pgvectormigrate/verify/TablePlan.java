package io.pgvectormigrate.verify;

import io.pgvectormigrate.pg.Sql;
import io.pgvectormigrate.verify.SideSchema.Column;
import io.pgvectormigrate.verify.SideSchema.Table;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * How one table present on both sides is scanned: which columns are hashed, the primary key whose hash picks a
 * row's bucket, and the SQL for each side (the same shape on both; only function names and key types come from each
 * side's catalog). The row hash and why its outer hash makes summing safe: docs/verification.md, "The row hash".
 */
final class TablePlan {
    final Table src;
    final Table tgt;
    /** The primary key both sides share, or empty (whole-table hash). */
    final List<String> pk;
    final List<String> hashed = new ArrayList<>();
    final List<String> notCompared = new ArrayList<>();
    final List<String> vectorColumns = new ArrayList<>();
    /** Columns whose groups are counted in the content pass (check 4), set before the scan. */
    final List<String> groupColumns = new ArrayList<>();
    final boolean recordHash;
    final long seed1;
    final long seed2;

    TablePlan(Table src, Table tgt, boolean recordHash, long seed1, long seed2) {
        this.src = src;
        this.tgt = tgt;
        this.recordHash = recordHash;
        this.seed1 = seed1;
        this.seed2 = seed2;
        this.pk = !src.primaryKey().isEmpty() && src.primaryKey().equals(tgt.primaryKey()) && samePkTypes()
                ? src.primaryKey() : List.of();
        for (Column c : src.columns()) {
            Column t = tgt.column(c.name());
            if (t == null) {
                notCompared.add(Sql.display(c.name()) + " (missing on target)");
            } else if (!t.type().equals(c.type())) {
                notCompared.add(Sql.display(c.name()) + " (type " + c.type() + " on source, " + t.type() + " on target)");
            } else {
                hashed.add(c.name());
                if (c.vectorKind() != null) vectorColumns.add(c.name());
            }
        }
        for (Column t : tgt.columns()) {
            if (src.column(t.name()) == null) notCompared.add(Sql.display(t.name()) + " (only on target)");
        }
    }

    private boolean samePkTypes() {
        for (String k : src.primaryKey()) {
            Column a = src.column(k);
            Column b = tgt.column(k);
            if (a == null || b == null || !a.type().equals(b.type())) return false;
        }
        return true;
    }

    String display() {
        return src.display();
    }

    boolean hasPk() {
        return !pk.isEmpty();
    }

    Table table(boolean source) {
        return source ? src : tgt;
    }

    static String hashInput(Column c) {
        String q = Sql.ident(c.name());
        return switch (c.hashKind()) {
            case DIRECT -> c.collatable() ? q + " COLLATE \"C\"" : q;
            case SEND -> c.sendFunction() + "(" + q + ")";
            case TEXT -> q + "::text";
        };
    }

    /** Dimension of a vector, read from its send form (header: int16 dim for vector/halfvec, int32 for sparsevec). */
    static String dimsOf(Column c, String bytes) {
        if (c.vectorKind() == SideSchema.VectorKind.SPARSEVEC) {
            return "((get_byte(" + bytes + ", 0)::bigint << 24) | (get_byte(" + bytes + ", 1) << 16) | (get_byte("
                    + bytes + ", 2) << 8) | get_byte(" + bytes + ", 3))::int";
        }
        return "(get_byte(" + bytes + ", 0) * 256 + get_byte(" + bytes + ", 1))";
    }

    /** A 64-bit hash of a ROW(...) with {@code seed}: of the record, or of its text before PostgreSQL 14. */
    private String hashRecord(String row, long seed) {
        return recordHash ? "hash_record_extended(" + row + ", " + seed + ")"
                : "hashtextextended((" + row + ")::text, " + seed + ")";
    }

    private String rowHash(String rowExpr) {
        return "hashint8extended(" + hashRecord(rowExpr, seed1) + ", " + seed2 + ")";
    }

    /** The row hash over a side's own column references (for narrowing queries). */
    String rowHashExpr(boolean source) {
        Table t = table(source);
        return rowHash("ROW(" + hashed.stream().map(n -> hashInput(t.column(n))).collect(Collectors.joining(", ")) + ")");
    }

    /** Per-column hashes of the row with the given key ({@code ?} per key column): which columns of it differ. */
    String columnHashesSql(boolean source) {
        Table t = table(source);
        String hashes = hashed.stream().map(n -> rowHash("ROW(" + hashInput(t.column(n)) + ")"))
                .collect(Collectors.joining(", "));
        String params = pk.stream().map(k -> "?::" + t.column(k).type()).collect(Collectors.joining(", "));
        return "SELECT " + hashes + " FROM " + t.sql() + " WHERE (" + Sql.identList(pk) + ") = (" + params + ")";
    }

    String keyTexts() {
        return pk.stream().map(k -> Sql.ident(k) + "::text").collect(Collectors.joining(", "));
    }

    String orderByKey() {
        return " ORDER BY " + Sql.identList(pk);
    }

    /**
     * The bucket a row's primary key falls in, {@code 0 <= b < buckets}: a hash of the key alone, so a row lands in
     * the same bucket on both sides whatever its other columns hold and wherever it is stored.
     */
    String bucketExpr(boolean source, int buckets) {
        if (buckets <= 1 || !hasPk()) return "0";
        Table t = table(source);
        String key = "ROW(" + pk.stream().map(k -> hashInput(t.column(k))).collect(Collectors.joining(", ")) + ")";
        return "abs(" + hashRecord(key, seed2) + " % " + buckets + ")::int";
    }

    /**
     * One aggregate query per range of a side's heap (see ScanRanges), group counts included (grouping sets). The
     * subquery computes each column's hash input once (the send form of a vector: OFFSET 0 keeps the planner from
     * inlining it into every aggregate that reads it).
     *
     * <p>Columns: bucket, count, [hash sum as text], then per vector column when {@code vectors} its NULLs, vectors off
     * the declared dimension, min and max dimension, then with group columns: which grouping set the row is (GROUPING
     * bits, 0 for the group's own column), each group's value as text and the non-NULL vectors of the first vector
     * column.
     */
    String aggregateSql(boolean source, boolean hash, boolean vectors, int buckets, String range) {
        Table t = table(source);
        List<String> inner = new ArrayList<>();
        List<String> outer = new ArrayList<>();
        boolean grouped = buckets > 1 && hasPk();
        inner.add(bucketExpr(source, buckets) + " AS pgvm_b");
        outer.add(grouped ? "pgvm_b" : "0");
        outer.add("count(*)");
        if (hash) {
            for (int i = 0; i < hashed.size(); i++) inner.add(hashInput(t.column(hashed.get(i))) + " AS x" + i);
            outer.add("sum(" + rowHash("ROW(" + range("x", hashed.size()) + ")") + ")::text");
        }
        if (vectors) {
            for (String v : vectorColumns) {
                Column c = t.column(v);
                String x = "x" + hashed.indexOf(v);
                String dims;
                if (hash) {
                    dims = dimsOf(c, x); // from the send form the hash reads anyway
                } else if (c.vectorKind() != SideSchema.VectorKind.SPARSEVEC) {
                    // no hash to share the read with: vector_dims reads the vector once, without converting it
                    String schema = c.sendFunction().substring(0, c.sendFunction().lastIndexOf('.'));
                    inner.add(schema + ".vector_dims(" + Sql.ident(c.name()) + ") AS " + x);
                    dims = x;
                } else {
                    inner.add(hashInput(c) + " AS " + x);
                    dims = dimsOf(c, x);
                }
                outer.add("count(*) FILTER (WHERE " + x + " IS NULL)");
                outer.add(c.declaredDims() > 0 ? "count(*) FILTER (WHERE " + dims + " <> " + c.declaredDims() + ")" : "0");
                outer.add("min(" + dims + ")");
                outer.add("max(" + dims + ")");
            }
        }
        String groupBy = grouped ? " GROUP BY pgvm_b" : "";
        if (!groupColumns.isEmpty()) {
            List<String> sets = new ArrayList<>(List.of(grouped ? "(pgvm_b)" : "()"));
            for (int i = 0; i < groupColumns.size(); i++) {
                inner.add(Sql.ident(groupColumns.get(i)) + " AS g" + i);
                outer.add("g" + i + "::text");
                sets.add("(g" + i + ")");
            }
            outer.add(outer.size() - groupColumns.size(), "GROUPING(" + range("g", groupColumns.size()) + ")");
            inner.add((vectorColumns.isEmpty() ? "NULL" : Sql.ident(vectorColumns.get(0))) + " IS NOT NULL AS pgvm_v");
            outer.add("count(*) FILTER (WHERE pgvm_v)");
            groupBy = " GROUP BY GROUPING SETS (" + String.join(", ", sets) + ")";
        }
        return "SELECT " + String.join(", ", outer) + " FROM (SELECT " + String.join(", ", inner) + " FROM " + t.sql()
                + (range.isEmpty() ? "" : " WHERE " + range) + " OFFSET 0) s" + groupBy;
    }

    /**
     * The rows of some buckets ({@code ?}: an int array), in bucket and key order: bucket, the key as text and (with
     * {@code hash}) the row hash. The bucket is computed from the key alone, so only the rows of those buckets are
     * hashed (their vectors read); the others cost a read of their key.
     */
    String narrowSql(boolean source, boolean hash, int buckets) {
        String b = bucketExpr(source, buckets);
        return "SELECT " + b + ", " + keyTexts() + (hash ? ", " + rowHashExpr(source) : "") + " FROM " + table(source).sql()
                + " WHERE " + b + " = ANY (?) ORDER BY 1, " + Sql.identList(pk);
    }

    private static String range(String prefix, int n) {
        return IntStream.range(0, n).mapToObj(i -> prefix + i).collect(Collectors.joining(", "));
    }

    /** Renders a key for humans: {@code id='abc'} or {@code (a=1, "B"='x')}. */
    String renderKey(String[] values) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < pk.size(); i++) {
            Column c = src.column(pk.get(i));
            String v = values[i];
            boolean numeric = c != null && (c.typeOid() == 20 || c.typeOid() == 21 || c.typeOid() == 23);
            parts.add(Sql.display(pk.get(i)) + "=" + (numeric ? v : Sql.literal(v)));
        }
        return parts.size() == 1 ? parts.get(0) : "(" + String.join(", ", parts) + ")";
    }
}
