package io.packyard.msi.db;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Serializes an {@link MsiDatabase}: string pool, table catalog, table streams, {@code _Validation},
 * binary and named streams, summary information, into a compound file.
 *
 * <p>Storage rules (as msi.dll, Wine's msi and msitools read them):
 * <ul>
 * <li>a table is one stream, named with the 0x4840 marker, holding its columns one after the other
 *     (column-major); rows sorted by the stored values of their columns (string ids, offset
 *     integers), which is the order msiexec expects;
 * <li>a string cell is its id in the pool (0 = null), 2 bytes, or 3 when the pool flags long
 *     references; an {@code i2} cell is {@code value + 0x8000} (0 = null), an {@code i4} cell
 *     {@code value ^ 0x80000000} (0 = null), a binary cell is 1 (0 = null) and its data is the
 *     stream {@code Table.key1[.key2...]};
 * <li>{@code _Tables} lists every table but the system ones ({@code _Tables}, {@code _Columns},
 *     {@code _StringPool}, {@code _StringData}, {@code _Streams}, {@code _Storages});
 *     {@code _Columns} has (Table, Number, Name, Type) for every column;
 * <li>{@code _StringPool}: a 32-bit header (the code page, bit 31 set for 3-byte references), then
 *     (byte length, reference count) 16-bit pairs for ids 1.., a string of 64 KiB or more taking
 *     two pairs: (0, refcount) then (low, high) halves of its length; {@code _StringData}: the
 *     strings' bytes in the code page, concatenated. Reference counts count every cell that refers
 *     to the string, in every table including {@code _Tables} and {@code _Columns}; they saturate
 *     at 65535 (the field's width), which only matters to tools that later delete rows.
 * </ul>
 *
 * <p>String ids are assigned in a fixed order: table names ({@code _Tables}), then table and column
 * names ({@code _Columns}), then each table in name order with its rows in primary-key order
 * (strings by {@link String#compareTo}, integers numerically, null first), cells in column order.
 * So the output depends only on the set of rows, not on the order of {@code add} calls.
 */
final class MsiWriter {

    /** {000C1084-0000-0000-C000-000000000046}, the CLSID of an installation package, in on-disk order. */
    static final byte[] MSI_PACKAGE_CLSID = {
        (byte) 0x84, 0x10, 0x0C, 0x00, 0x00, 0x00, 0x00, 0x00,
        (byte) 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46};

    private MsiWriter() {
    }

    static void write(MsiDatabase db, Path path) throws IOException {
        CompoundFileWriter cfw = plan(db);
        boolean done = false;
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16);
            cfw.write(out);
            out.flush();
            ch.force(true);
            done = true;
        } finally {
            if (!done) {
                Files.deleteIfExists(path);
            }
        }
    }

    /** Builds every stream in memory (except file-backed binary content) and returns the compound file plan. */
    static CompoundFileWriter plan(MsiDatabase db) throws IOException {
        Map<String, Table> tables = new TreeMap<>(db.tableMap());
        Table validation = new Table(db, StandardTables.VALIDATION);
        tables.put(validation.name(), validation);
        for (Table t : tables.values()) {
            for (Column c : t.schema().columns()) {
                validation.add(t.name(), c.name(), c.isNullable() ? "Y" : "N", c.minValue(), c.maxValue(), c.keyTable(),
                        c.keyColumn(), c.category() == null ? null : c.category().name(), c.set(), c.description());
            }
        }

        // rows in natural primary-key order: fixes the string id order
        Map<String, List<Object[]>> sortedRows = new LinkedHashMap<>();
        for (Table t : tables.values()) {
            List<Object[]> rows = new ArrayList<>();
            for (Object[] r : t.rawRows()) {
                rows.add(r);
            }
            int keys = t.schema().keyCount();
            rows.sort((a, b) -> compareNatural(a, b, keys));
            sortedRows.put(t.name(), rows);
        }

        StringPool pool = new StringPool(db);
        for (Table t : tables.values()) {
            pool.intern(t.name());
        }
        for (Table t : tables.values()) {
            for (Column c : t.schema().columns()) {
                pool.intern(t.name());
                pool.intern(c.name());
            }
        }
        Map<String, int[][]> raw = new LinkedHashMap<>();
        for (Table t : tables.values()) {
            List<Column> cols = t.schema().columns();
            List<Object[]> rows = sortedRows.get(t.name());
            int[][] cells = new int[rows.size()][];
            for (int i = 0; i < rows.size(); i++) {
                Object[] r = rows.get(i);
                int[] cell = new int[cols.size()];
                for (int j = 0; j < cols.size(); j++) {
                    cell[j] = stored(cols.get(j), r[j], pool);
                }
                cells[i] = cell;
            }
            raw.put(t.name(), cells);
        }
        int refWidth = pool.longRefs() ? 3 : 2;

        CompoundFileWriter cfw = new CompoundFileWriter(MSI_PACKAGE_CLSID);
        cfw.add(StreamNames.encode("_StringPool", true), BinaryValue.of(pool.poolBytes()));
        cfw.add(StreamNames.encode("_StringData", true), BinaryValue.of(pool.dataBytes()));

        // _Tables
        int[][] tablesRows = new int[tables.size()][];
        int k = 0;
        for (Table t : tables.values()) {
            tablesRows[k++] = new int[] {pool.id(t.name())};
        }
        cfw.add(StreamNames.encode("_Tables", true),
                BinaryValue.of(encodeTable(tablesRows, new int[] {refWidth}, new boolean[] {false})));

        // _Columns
        List<int[]> columnsRows = new ArrayList<>();
        for (Table t : tables.values()) {
            List<Column> cols = t.schema().columns();
            for (int j = 0; j < cols.size(); j++) {
                columnsRows.add(new int[] {pool.id(t.name()), (j + 1) + 0x8000, pool.id(cols.get(j).name()),
                    cols.get(j).typeBits() + 0x8000});
            }
        }
        cfw.add(StreamNames.encode("_Columns", true), BinaryValue.of(encodeTable(columnsRows.toArray(new int[0][]),
                new int[] {refWidth, 2, refWidth, 2}, new boolean[4])));

        // the tables, and the streams of their binary cells
        Map<String, String> streamOwners = new HashMap<>();
        for (Table t : tables.values()) {
            List<Column> cols = t.schema().columns();
            int[][] cells = raw.get(t.name());
            if (cells.length > 0) {
                int[] widths = new int[cols.size()];
                boolean[] binary = new boolean[cols.size()];
                for (int j = 0; j < cols.size(); j++) {
                    Column c = cols.get(j);
                    binary[j] = c.kind() == Column.Kind.BINARY;
                    widths[j] = switch (c.kind()) {
                        case SHORT, BINARY -> 2;
                        case LONG -> 4;
                        case STRING -> refWidth;
                    };
                }
                cfw.add(StreamNames.encode(t.name(), true), BinaryValue.of(encodeTable(cells, widths, binary)));
            }
            if (t.schema().hasBinaryColumn()) {
                for (Object[] r : sortedRows.get(t.name())) {
                    for (int j = 0; j < cols.size(); j++) {
                        if (cols.get(j).kind() == Column.Kind.BINARY && r[j] != null) {
                            String name = binaryStreamName(t, r);
                            String encoded = StreamNames.encode(name, false);
                            if (encoded.length() > StreamNames.MAX_ENCODED_LENGTH) {
                                throw new IllegalStateException("table " + t.name() + ", column " + cols.get(j).name()
                                        + ": stream name '" + name + "' is too long: at most 62 characters of [0-9A-Za-z._]"
                                        + " fit (shorten the key)");
                            }
                            checkStreamName(name);
                            claim(streamOwners, encoded, "table " + t.name() + " row " + name);
                            cfw.add(encoded, (BinaryValue) r[j]);
                        }
                    }
                }
            }
        }
        for (Map.Entry<String, BinaryValue> e : db.streams().entrySet()) {
            String encoded = StreamNames.encode(e.getKey(), false);
            claim(streamOwners, encoded, "stream " + e.getKey());
            cfw.add(encoded, e.getValue());
        }
        cfw.add(SummaryWriter.STREAM_NAME, BinaryValue.of(SummaryWriter.write(db.summary())));
        return cfw;
    }

    private static void claim(Map<String, String> owners, String encoded, String owner) {
        String key = encoded.toUpperCase(java.util.Locale.ROOT);
        String previous = owners.putIfAbsent(key, owner);
        if (previous != null) {
            throw new IllegalStateException("stream name clash: " + owner + " and " + previous + " are both stored as '"
                    + StreamNames.decode(encoded) + "'");
        }
    }

    private static void checkStreamName(String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 0x20 || c >= 0x7F || c == '/' || c == '\\' || c == ':' || c == '!') {
                throw new IllegalStateException("stream name '" + name + "': character U+"
                        + String.format("%04X", (int) c) + " not allowed (printable ASCII only, no / \\ : !)");
            }
        }
    }

    /** {@code Table.key1.key2...}: the stream of a binary cell, as Windows Installer names it. */
    static String binaryStreamName(Table t, Object[] row) {
        StringBuilder sb = new StringBuilder(t.name());
        int keys = t.schema().keyCount();
        for (int i = 0; i < keys; i++) {
            sb.append('.');
            Object v = row[i];
            sb.append(v == null ? "" : v.toString());
        }
        return sb.toString();
    }

    private static int stored(Column c, Object v, StringPool pool) {
        if (v == null) {
            return 0;
        }
        return switch (c.kind()) {
            case SHORT -> ((Integer) v + 0x8000) & 0xFFFF;
            case LONG -> (Integer) v ^ 0x80000000;
            case STRING -> pool.intern((String) v);
            case BINARY -> 1;
        };
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static int compareNatural(Object[] a, Object[] b, int keys) {
        for (int i = 0; i < keys; i++) {
            Object x = a[i];
            Object y = b[i];
            if (x == y) {
                continue;
            }
            if (x == null) {
                return -1;
            }
            if (y == null) {
                return 1;
            }
            int c = ((Comparable) x).compareTo(y);
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }

    /** Sorts rows by stored values (unsigned, binary columns skipped) and lays them out column by column. */
    static byte[] encodeTable(int[][] rows, int[] widths, boolean[] binary) {
        int[][] sorted = rows.clone();
        Arrays.sort(sorted, (Comparator<int[]>) (a, b) -> {
            for (int j = 0; j < a.length; j++) {
                if (binary[j]) {
                    continue;
                }
                int c = Integer.compareUnsigned(a[j], b[j]);
                if (c != 0) {
                    return c;
                }
            }
            return 0;
        });
        int rowSize = 0;
        for (int w : widths) {
            rowSize += w;
        }
        ByteBuffer out = ByteBuffer.allocate(Math.multiplyExact(rowSize, sorted.length)).order(ByteOrder.LITTLE_ENDIAN);
        for (int j = 0; j < widths.length; j++) {
            int w = widths[j];
            for (int[] row : sorted) {
                int v = row[j];
                switch (w) {
                    case 2 -> out.putShort((short) v);
                    case 3 -> {
                        out.putShort((short) v);
                        out.put((byte) (v >>> 16));
                    }
                    default -> out.putInt(v);
                }
            }
        }
        return out.array();
    }

    /** The string pool being built: ids from 1 in first-use order, with reference counts. */
    static final class StringPool {
        private final MsiDatabase db;
        private final Map<String, Integer> ids = new HashMap<>();
        private final List<String> strings = new ArrayList<>();
        private int[] refs = new int[1024];

        StringPool(MsiDatabase db) {
            this.db = db;
        }

        /** The id of {@code s} (added if new), counting one more reference. */
        int intern(String s) {
            Integer id = ids.get(s);
            if (id == null) {
                strings.add(s);
                id = strings.size();
                if (id > 0xFFFFFF) {
                    throw new IllegalStateException("more than 16,777,215 distinct strings: too many for a Windows Installer database");
                }
                ids.put(s, id);
                if (id >= refs.length) {
                    refs = Arrays.copyOf(refs, refs.length * 2);
                }
            }
            refs[id]++;
            return id;
        }

        int id(String s) {
            return ids.get(s);
        }

        int size() {
            return strings.size();
        }

        /** 3-byte string references once there are 65,535 strings or more (as msi.dll and rust-msi do). */
        boolean longRefs() {
            return strings.size() >= 0xFFFF;
        }

        private byte[][] encoded() {
            byte[][] out = new byte[strings.size()][];
            for (int i = 0; i < out.length; i++) {
                String s = strings.get(i);
                // ASCII is the same bytes in every supported code page; ISO-8859-1 encodes it fastest
                out[i] = isAscii(s) ? s.getBytes(StandardCharsets.ISO_8859_1) : s.getBytes(db.charset());
            }
            return out;
        }

        private byte[][] cache;

        private static boolean isAscii(String s) {
            for (int i = 0; i < s.length(); i++) {
                if (s.charAt(i) >= 0x80) {
                    return false;
                }
            }
            return true;
        }

        private byte[][] bytes() {
            if (cache == null) {
                cache = encoded();
            }
            return cache;
        }

        byte[] poolBytes() {
            byte[][] enc = bytes();
            int entries = 0;
            for (byte[] b : enc) {
                entries += b.length > 0xFFFF ? 2 : 1;
            }
            ByteBuffer out = ByteBuffer.allocate(4 + 4 * entries).order(ByteOrder.LITTLE_ENDIAN);
            out.putInt(db.codepage() | (longRefs() ? 0x80000000 : 0));
            for (int i = 0; i < enc.length; i++) {
                int len = enc[i].length;
                int rc = Math.min(refs[i + 1], 0xFFFF);
                if (len > 0xFFFF) {
                    out.putShort((short) 0);
                    out.putShort((short) rc);
                    out.putShort((short) len);
                    out.putShort((short) (len >>> 16));
                } else {
                    out.putShort((short) len);
                    out.putShort((short) rc);
                }
            }
            return out.array();
        }

        byte[] dataBytes() {
            byte[][] enc = bytes();
            int total = 0;
            for (byte[] b : enc) {
                total = Math.addExact(total, b.length);
            }
            ByteBuffer out = ByteBuffer.allocate(total);
            for (byte[] b : enc) {
                out.put(b);
            }
            return out.array();
        }
    }
}
