package io.packyard.msi.db;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The definition of one table: its name and its columns, primary key columns first (as in every
 * table of the Windows Installer SDK). The standard tables are in {@link StandardTables}; a custom
 * table is made with {@link #of(String, Column...)}.
 *
 * @param name the table name (an identifier of at most 31 characters, so that its encoded stream
 *     name fits a compound-file directory entry)
 * @param columns the columns, key columns first; 1 to 32 columns
 */
public record TableSchema(String name, List<Column> columns) {

    public TableSchema {
        Objects.requireNonNull(name, "name");
        columns = List.copyOf(columns);
        if (!Column.isIdentifier(name) || name.length() > 31) {
            throw new IllegalArgumentException("table name '" + name + "': expected an identifier of at most 31 characters");
        }
        if (columns.isEmpty() || columns.size() > 32) {
            throw new IllegalArgumentException("table " + name + ": expected 1 to 32 columns, got " + columns.size());
        }
        Set<String> seen = new HashSet<>();
        boolean keysDone = false;
        for (Column c : columns) {
            if (!seen.add(c.name())) {
                throw new IllegalArgumentException("table " + name + ": duplicate column " + c.name());
            }
            if (c.isKey() && keysDone) {
                throw new IllegalArgumentException("table " + name + ": key column " + c.name() + " must come before the non-key columns");
            }
            keysDone |= !c.isKey();
        }
        if (!columns.get(0).isKey()) {
            throw new IllegalArgumentException("table " + name + ": no primary key column");
        }
    }

    /** A schema from the name and columns. */
    public static TableSchema of(String name, Column... columns) {
        return new TableSchema(name, List.of(columns));
    }

    /** The number of columns. */
    public int arity() {
        return columns.size();
    }

    /** The primary key columns (the leading columns flagged {@link Column#key()}). */
    public List<Column> keyColumns() {
        List<Column> keys = new ArrayList<>();
        for (Column c : columns) {
            if (c.isKey()) {
                keys.add(c);
            }
        }
        return keys;
    }

    /** The number of primary key columns. */
    public int keyCount() {
        int n = 0;
        while (n < columns.size() && columns.get(n).isKey()) {
            n++;
        }
        return n;
    }

    /** The 0-based index of the named column. */
    public int indexOf(String column) {
        for (int i = 0; i < columns.size(); i++) {
            if (columns.get(i).name().equals(column)) {
                return i;
            }
        }
        throw new IllegalArgumentException("table " + name + ": no column " + column);
    }

    /** The named column. */
    public Column column(String column) {
        return columns.get(indexOf(column));
    }

    /** Whether the table has a binary (stream) column. */
    public boolean hasBinaryColumn() {
        return columns.stream().anyMatch(c -> c.kind() == Column.Kind.BINARY);
    }

    /** The schema in the SDK's IDT header notation (three tab-separated lines), for messages and docs. */
    public String idtHeader() {
        StringBuilder names = new StringBuilder();
        StringBuilder types = new StringBuilder();
        StringBuilder keys = new StringBuilder(name);
        for (Column c : columns) {
            if (!names.isEmpty()) {
                names.append('\t');
                types.append('\t');
            }
            names.append(c.name());
            types.append(c.idtType());
            if (c.isKey()) {
                keys.append('\t').append(c.name());
            }
        }
        return names + "\n" + types + "\n" + keys + "\n";
    }
}
