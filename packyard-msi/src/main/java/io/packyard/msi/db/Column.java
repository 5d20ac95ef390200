package io.packyard.msi.db;

import java.util.Objects;

/**
 * One column of a {@link TableSchema}: its storage type (16- or 32-bit integer, string of a maximum
 * length, binary stream), its flags (primary key, nullable, localizable) and the {@code _Validation}
 * information written for it (category, value range, key table/column, set, description).
 *
 * <p>Columns are immutable; the {@code with...} style methods return a modified copy:
 * <pre>{@code
 * Column.string("Component_", 72).key().keyTable("Component", 1).category(Category.Identifier)
 * Column.shortInt("Attributes").nullable().range(0, 32767)
 * }</pre>
 *
 * <p>Values of the columns, as accepted by {@link Table#add(Object...)}: a {@link Number} (within
 * range) for integer columns, a {@link CharSequence} for string columns (the empty string is the
 * null string in Windows Installer), a {@code byte[]} or a {@link java.nio.file.Path} for binary
 * columns, and {@code null} for a nullable column.
 *
 * @param name the column name (an identifier of at most 32 characters)
 * @param kind the storage type
 * @param maxLength maximum length in characters for strings ({@code 0} = unlimited); 0 otherwise
 * @param isKey whether the column is part of the table's primary key
 * @param isNullable whether the column accepts null
 * @param isLocalizable whether the string column is localizable (a flag only)
 * @param category the {@code _Validation.Category}, or null
 * @param minValue the {@code _Validation.MinValue} for integer columns, or null
 * @param maxValue the {@code _Validation.MaxValue} for integer columns, or null
 * @param keyTable the {@code _Validation.KeyTable} (foreign key tables, {@code ;}-separated), or null
 * @param keyColumn the {@code _Validation.KeyColumn} (1-based column in the key table), or null
 * @param set the {@code _Validation.Set} ({@code ;}-separated allowed values), or null
 * @param description the {@code _Validation.Description}, or null
 */
public record Column(
        String name,
        Kind kind,
        int maxLength,
        boolean isKey,
        boolean isNullable,
        boolean isLocalizable,
        Category category,
        Integer minValue,
        Integer maxValue,
        String keyTable,
        Integer keyColumn,
        String set,
        String description) {

    /** Bits of the {@code _Columns.Type} value (msipriv.h). */
    public static final int MSITYPE_VALID = 0x0100;
    /** Localizable string column. */
    public static final int MSITYPE_LOCALIZABLE = 0x0200;
    /** Set on every string and 16-bit integer column created by the SDK's SQL (CHAR, SHORT, INT). */
    public static final int MSITYPE_NOT_OBJECT = 0x0400;
    /** String column (a binary column is {@code STRING|VALID} with length 0 and no other bit). */
    public static final int MSITYPE_STRING = 0x0800;
    /** Nullable column. */
    public static final int MSITYPE_NULLABLE = 0x1000;
    /** Primary key column. */
    public static final int MSITYPE_KEY = 0x2000;

    /** The storage type of a column. */
    public enum Kind {
        /** 16-bit signed integer ({@code i2}); -32767..32767 (-32768 is the null marker). */
        SHORT,
        /** 32-bit signed integer ({@code i4}); -2147483647..2147483647. */
        LONG,
        /** String ({@code s}/{@code l}); stored as a reference into the string pool. */
        STRING,
        /** Binary stream ({@code v0}); stored as a stream named {@code Table.key[.key...]}. */
        BINARY
    }

    public Column {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        if (!isIdentifier(name) || name.length() > 32) {
            throw new IllegalArgumentException("column name '" + name + "': expected an identifier of at most 32 characters");
        }
        if (kind == Kind.STRING && (maxLength < 0 || maxLength > 255)) {
            throw new IllegalArgumentException("column " + name + ": string length " + maxLength + " outside 0..255");
        }
        if (kind != Kind.STRING && maxLength != 0) {
            throw new IllegalArgumentException("column " + name + ": only string columns have a length");
        }
        if (isLocalizable && kind != Kind.STRING) {
            throw new IllegalArgumentException("column " + name + ": only string columns are localizable");
        }
        if (isKey && kind == Kind.BINARY) {
            throw new IllegalArgumentException("column " + name + ": a binary column cannot be a key");
        }
        if ((minValue != null || maxValue != null) && !isInteger(kind)) {
            throw new IllegalArgumentException("column " + name + ": only integer columns have a value range");
        }
        if (keyColumn != null && (keyColumn < 1 || keyColumn > 32)) {
            throw new IllegalArgumentException("column " + name + ": key column " + keyColumn + " outside 1..32");
        }
    }

    private static boolean isInteger(Kind kind) {
        return kind == Kind.SHORT || kind == Kind.LONG;
    }

    /** Letters, digits, underscores and periods, starting with a letter or underscore. */
    static boolean isIdentifier(String s) {
        if (s.isEmpty()) {
            return false;
        }
        char c0 = s.charAt(0);
        if (!(c0 == '_' || (c0 >= 'A' && c0 <= 'Z') || (c0 >= 'a' && c0 <= 'z'))) {
            return false;
        }
        for (int i = 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c == '_' || c == '.' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
                return false;
            }
        }
        return true;
    }

    /** A non-nullable 16-bit integer column ({@code i2}). */
    public static Column shortInt(String name) {
        return new Column(name, Kind.SHORT, 0, false, false, false, null, null, null, null, null, null, null);
    }

    /** A non-nullable 32-bit integer column ({@code i4}). */
    public static Column longInt(String name) {
        return new Column(name, Kind.LONG, 0, false, false, false, null, null, null, null, null, null, null);
    }

    /** A non-nullable string column of at most {@code maxLength} characters ({@code s72}; 0 = unlimited). */
    public static Column string(String name, int maxLength) {
        return new Column(name, Kind.STRING, maxLength, false, false, false, null, null, null, null, null, null, null);
    }

    /** A non-nullable binary stream column ({@code v0}), category {@link Category#Binary}. */
    public static Column binary(String name) {
        return new Column(name, Kind.BINARY, 0, false, false, false, Category.Binary, null, null, null, null, null, null);
    }

    /** This column as part of the primary key (key columns come first in a table). */
    public Column key() {
        return new Column(name, kind, maxLength, true, isNullable, isLocalizable, category, minValue, maxValue, keyTable, keyColumn, set, description);
    }

    /** This column, accepting null. */
    public Column nullable() {
        return new Column(name, kind, maxLength, isKey, true, isLocalizable, category, minValue, maxValue, keyTable, keyColumn, set, description);
    }

    /** This string column, flagged localizable. */
    public Column localizable() {
        return new Column(name, kind, maxLength, isKey, isNullable, true, category, minValue, maxValue, keyTable, keyColumn, set, description);
    }

    /** This column with the given {@code _Validation.Category}. */
    public Column category(Category c) {
        return new Column(name, kind, maxLength, isKey, isNullable, isLocalizable, c, minValue, maxValue, keyTable, keyColumn, set, description);
    }

    /**
     * This integer column with the given {@code _Validation} MinValue/MaxValue. The range is also
     * enforced by {@link Table#add(Object...)}.
     */
    public Column range(int min, int max) {
        if (min > max) {
            throw new IllegalArgumentException("column " + name + ": empty range " + min + ".." + max);
        }
        return new Column(name, kind, maxLength, isKey, isNullable, isLocalizable, category, min, max, keyTable, keyColumn, set, description);
    }

    /** This column as a foreign key into {@code table} (several tables: {@code ;}-separated), column {@code column} (1-based). */
    public Column keyTable(String table, int column) {
        return new Column(name, kind, maxLength, isKey, isNullable, isLocalizable, category, minValue, maxValue, table, column, set, description);
    }

    /** This column with the {@code _Validation.Set} of allowed values ({@code ;}-separated). Not enforced on insertion. */
    public Column set(String values) {
        return new Column(name, kind, maxLength, isKey, isNullable, isLocalizable, category, minValue, maxValue, keyTable, keyColumn, values, description);
    }

    /** This column with a {@code _Validation.Description}. */
    public Column description(String text) {
        return new Column(name, kind, maxLength, isKey, isNullable, isLocalizable, category, minValue, maxValue, keyTable, keyColumn, set, text);
    }

    /**
     * The {@code _Columns.Type} value: the storage size in the low byte (2 or 4 for integers, the
     * maximum length for strings) and the MSITYPE_* bits, as the SDK writes them: {@code s72} is
     * 0x0D48, {@code S255} 0x1DFF, {@code i2} 0x0502, {@code I4} 0x1104, {@code v0} 0x0900; keys
     * add 0x2000.
     */
    public int typeBits() {
        int bits = switch (kind) {
            case SHORT -> MSITYPE_VALID | MSITYPE_NOT_OBJECT | 2;
            case LONG -> MSITYPE_VALID | 4;
            case STRING -> MSITYPE_VALID | MSITYPE_NOT_OBJECT | MSITYPE_STRING | maxLength;
            case BINARY -> MSITYPE_VALID | MSITYPE_STRING;
        };
        if (isLocalizable) {
            bits |= MSITYPE_LOCALIZABLE;
        }
        if (isNullable) {
            bits |= MSITYPE_NULLABLE;
        }
        if (isKey) {
            bits |= MSITYPE_KEY;
        }
        return bits;
    }

    /**
     * The column definition in the SDK's text (IDT) notation: {@code s72}, {@code S255}, {@code L0},
     * {@code i2}, {@code I4}, {@code v0} (upper case = nullable, {@code l}/{@code L} = localizable).
     */
    public String idtType() {
        String t = switch (kind) {
            case SHORT -> "i2";
            case LONG -> "i4";
            case STRING -> (isLocalizable ? "l" : "s") + maxLength;
            case BINARY -> "v0";
        };
        return isNullable ? Character.toUpperCase(t.charAt(0)) + t.substring(1) : t;
    }

    /** Smallest value the column can store (the -32768/-2^31 patterns mean null). */
    long minStorable() {
        return kind == Kind.SHORT ? -32767 : -2147483647L;
    }

    /** Largest value the column can store. */
    long maxStorable() {
        return kind == Kind.SHORT ? 32767 : 2147483647L;
    }
}
