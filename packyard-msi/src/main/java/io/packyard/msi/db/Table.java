package io.packyard.msi.db;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The rows of one table of an {@link MsiDatabase}, obtained from {@link MsiDatabase#table(TableSchema)}.
 *
 * <p>Rows are checked as they are added, so that a mistake points at the call that made it; every
 * problem is an {@link IllegalArgumentException} whose message names the table, the column and the
 * value: wrong number of values, wrong Java type, null (or the empty string, which is the same thing
 * in Windows Installer) in a non-nullable column, a string longer than the column allows or with a
 * character the database code page cannot store, an integer outside the column's range, a duplicate
 * primary key.
 *
 * <pre>{@code
 * db.table(StandardTables.FILE).add("f1", "MainComponent", "app.exe", 1024, null, null, 512, 1);
 * db.table(StandardTables.BINARY).add("Logo", Files.readAllBytes(png));   // stream "Binary.Logo"
 * }</pre>
 *
 * <p>The order of {@code add} calls does not matter for the written file: rows are sorted by
 * primary key when the database is written. Not thread-safe.
 */
public final class Table {

    private final MsiDatabase db;
    private final TableSchema schema;
    private final Map<List<Object>, Object[]> rows = new LinkedHashMap<>();

    Table(MsiDatabase db, TableSchema schema) {
        this.db = db;
        this.schema = schema;
    }

    /** The schema of this table. */
    public TableSchema schema() {
        return schema;
    }

    /** The table name. */
    public String name() {
        return schema.name();
    }

    /** The number of rows. */
    public int size() {
        return rows.size();
    }

    /**
     * Adds a row: one value per column, in column order (see {@link Column} for the accepted
     * types). Returns this table, for chaining.
     *
     * @throws IllegalArgumentException if the row is invalid or its primary key is already present
     */
    public Table add(Object... values) {
        if (values == null) {
            throw new IllegalArgumentException("table " + name() + ": null row");
        }
        if (values.length != schema.arity()) {
            throw new IllegalArgumentException("table " + name() + ": expected " + schema.arity()
                    + " values (" + columnNames() + "), got " + values.length + ": " + describe(values));
        }
        Object[] row = new Object[values.length];
        for (int i = 0; i < values.length; i++) {
            row[i] = normalize(schema.columns().get(i), values[i], values);
        }
        List<Object> key = keyOf(row);
        if (rows.containsKey(key)) {
            throw new IllegalArgumentException("table " + name() + ": duplicate primary key " + describeKey(key));
        }
        rows.put(key, row);
        return this;
    }

    /** Whether a row with this primary key (values of the key columns, in order) exists. */
    public boolean contains(Object... key) {
        return rows.containsKey(normalizeKey(key));
    }

    /** The row with this primary key, as its normalized values (strings, integers, binary values, nulls). */
    public Optional<List<Object>> get(Object... key) {
        Object[] row = rows.get(normalizeKey(key));
        return row == null ? Optional.empty() : Optional.of(Collections.unmodifiableList(Arrays.asList(row.clone())));
    }

    /** Removes the row with this primary key; returns whether there was one. */
    public boolean remove(Object... key) {
        return rows.remove(normalizeKey(key)) != null;
    }

    /**
     * The rows in insertion order, as normalized values: {@link String} (never empty) for strings,
     * {@link Integer} for integers, {@link BinaryValue} for binary columns, null for nulls.
     */
    public List<List<Object>> rows() {
        List<List<Object>> out = new ArrayList<>(rows.size());
        for (Object[] row : rows.values()) {
            out.add(Collections.unmodifiableList(Arrays.asList(row.clone())));
        }
        return Collections.unmodifiableList(out);
    }

    /** Rows as stored (not copied), for the writer. */
    Iterable<Object[]> rawRows() {
        return rows.values();
    }

    private List<Object> normalizeKey(Object[] key) {
        int n = schema.keyCount();
        if (key == null || key.length != n) {
            throw new IllegalArgumentException("table " + name() + ": expected " + n + " primary key values, got "
                    + (key == null ? 0 : key.length));
        }
        Object[] norm = new Object[n];
        for (int i = 0; i < n; i++) {
            norm[i] = normalize(schema.columns().get(i), key[i], key);
        }
        return Arrays.asList(norm);
    }

    private List<Object> keyOf(Object[] row) {
        return Arrays.asList(Arrays.copyOf(row, schema.keyCount()));
    }

    private Object normalize(Column c, Object v, Object[] row) {
        if (v instanceof CharSequence cs && cs.isEmpty() && c.kind() == Column.Kind.STRING) {
            v = null;
        }
        if (v == null) {
            if (!c.isNullable()) {
                throw new IllegalArgumentException(where(c) + ": null" + (c.kind() == Column.Kind.STRING ? " or empty" : "")
                        + " value in a non-nullable " + (c.isKey() ? "primary key " : "") + "column; row " + describe(row));
            }
            return null;
        }
        return switch (c.kind()) {
            case SHORT, LONG -> integer(c, v, row);
            case STRING -> string(c, v, row);
            case BINARY -> binary(c, v, row);
        };
    }

    private Integer integer(Column c, Object v, Object[] row) {
        if (!(v instanceof Integer || v instanceof Short || v instanceof Byte || v instanceof Long)) {
            throw new IllegalArgumentException(where(c) + ": expected an integer, got " + v.getClass().getSimpleName()
                    + " " + quote(v) + "; row " + describe(row));
        }
        long x = ((Number) v).longValue();
        if (x < c.minStorable() || x > c.maxStorable()) {
            throw new IllegalArgumentException(where(c) + ": value " + x + " outside the storable range "
                    + c.minStorable() + ".." + c.maxStorable() + " of an " + c.idtType() + " column; row " + describe(row));
        }
        if ((c.minValue() != null && x < c.minValue()) || (c.maxValue() != null && x > c.maxValue())) {
            throw new IllegalArgumentException(where(c) + ": value " + x + " outside the column's range "
                    + c.minValue() + ".." + c.maxValue() + "; row " + describe(row));
        }
        return (int) x;
    }

    private String string(Column c, Object v, Object[] row) {
        if (!(v instanceof CharSequence cs)) {
            throw new IllegalArgumentException(where(c) + ": expected a string, got " + v.getClass().getSimpleName()
                    + " " + quote(v) + "; row " + describe(row));
        }
        String s = cs.toString();
        if (c.maxLength() > 0 && s.length() > c.maxLength()) {
            throw new IllegalArgumentException(where(c) + ": value " + quote(s) + " is " + s.length()
                    + " characters long, at most " + c.maxLength() + " allowed; row " + describe(row));
        }
        int nul = s.indexOf('\0');
        if (nul >= 0) {
            throw new IllegalArgumentException(where(c) + ": value " + quote(s) + " contains a NUL character at index " + nul);
        }
        String problem = db.codepageProblem(s);
        if (problem != null) {
            throw new IllegalArgumentException(where(c) + ": value " + quote(s) + ": " + problem + "; row " + describe(row));
        }
        return s;
    }

    private BinaryValue binary(Column c, Object v, Object[] row) {
        if (v instanceof byte[] bytes) {
            return BinaryValue.of(bytes);
        }
        if (v instanceof Path p) {
            if (!Files.isRegularFile(p)) {
                throw new IllegalArgumentException(where(c) + ": " + p + " is not a regular file; row " + describe(row));
            }
            return BinaryValue.of(p);
        }
        if (v instanceof BinaryValue b) {
            return b;
        }
        throw new IllegalArgumentException(where(c) + ": expected byte[] or a Path, got " + v.getClass().getSimpleName()
                + "; row " + describe(row));
    }

    private String where(Column c) {
        return "table " + name() + ", column " + c.name();
    }

    private String columnNames() {
        StringBuilder sb = new StringBuilder();
        for (Column c : schema.columns()) {
            if (!sb.isEmpty()) {
                sb.append(", ");
            }
            sb.append(c.name());
        }
        return sb.toString();
    }

    private String describeKey(List<Object> key) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < key.size(); i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(schema.columns().get(i).name()).append('=').append(quote(key.get(i)));
        }
        return sb.append(')').toString();
    }

    private static String describe(Object[] values) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < values.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(quote(values[i]));
        }
        return sb.append(']').toString();
    }

    static String quote(Object v) {
        if (v == null) {
            return "null";
        }
        if (v instanceof byte[] b) {
            return "<" + b.length + " bytes>";
        }
        if (v instanceof CharSequence cs) {
            String s = cs.toString();
            if (s.length() > 80) {
                s = s.substring(0, 77) + "...";
            }
            return "'" + s + "'";
        }
        return String.valueOf(v);
    }
}
