package io.packyard.msi.db;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.Charset;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.poi.hpsf.HPSFException;
import org.apache.poi.hpsf.PropertySet;
import org.apache.poi.hpsf.PropertySetFactory;
import org.apache.poi.hpsf.SummaryInformation;
import org.apache.poi.poifs.filesystem.DirectoryEntry;
import org.apache.poi.poifs.filesystem.DocumentEntry;
import org.apache.poi.poifs.filesystem.DocumentInputStream;
import org.apache.poi.poifs.filesystem.Entry;
import org.apache.poi.poifs.filesystem.POIFSFileSystem;

/**
 * Reads the identity of a Windows Installer package: its Property table and the summary
 * information's Template, from any conforming .msi (Packyard's {@link MsiWriter}, WiX, wixl, msi.dll).
 *
 * <p>The compound file is opened with Apache POI (POIFS, read-only). Inside it, the database is
 * read as msi.dll stores it (see {@link MsiWriter} for the same rules from the writing side):
 * stream names are compressed with {@link StreamNames}; {@code _StringPool} holds the code page
 * (bit 31: string references are 3 bytes instead of 2) and (length, refcount) pairs for string ids
 * 1.., a long string taking two pairs; {@code _StringData} holds the strings' bytes; {@code _Columns}
 * describes every table's columns (Table, Number, Name, Type); a table stream holds its columns
 * one after the other. The summary information ({@code \005SummaryInformation}) is an OLE
 * property set, read with POI's HPSF.
 *
 * <p>Only what is needed to identify a package is read; nothing is executed or extracted. Every
 * structural problem is reported as an {@link InvalidMsiException} whose one-line message names
 * the stream and the problem.
 */
public final class MsiReader {

    private static final int MSITYPE_STRING = 0x0800;
    private static final int MSITYPE_NOT_OBJECT = 0x0400;

    /** Larger string pools or tables than this are refused rather than read into memory. */
    static final int MAX_STREAM = 64 << 20;

    private MsiReader() {
    }

    /** A file that is not a readable Windows Installer database; the message is one line, without the file name. */
    public static final class InvalidMsiException extends IOException {
        private static final long serialVersionUID = 1L;

        public InvalidMsiException(String message) {
            super(message);
        }

        public InvalidMsiException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * What identifies a package.
     *
     * @param properties every row of the Property table, sorted by property name (a null value as "")
     * @param template the summary information's Template, e.g. {@code x64;1033}, or "" when absent
     * @param codepage the database code page its strings were decoded with
     */
    public record Info(Map<String, String> properties, String template, int codepage) {
        public Info {
            properties = Collections.unmodifiableMap(new TreeMap<>(properties));
            template = template == null ? "" : template;
        }

        /** A property's value, or null when the Property table has no such row. */
        public String property(String name) {
            return properties.get(name);
        }

        public String productName() {
            return property("ProductName");
        }

        public String productVersion() {
            return property("ProductVersion");
        }

        public String manufacturer() {
            return property("Manufacturer");
        }

        public String productCode() {
            return property("ProductCode");
        }

        public String upgradeCode() {
            return property("UpgradeCode");
        }

        /**
         * The platform the Template names ({@code x64}, {@code Intel}, {@code Arm64}, {@code Intel64},
         * {@code Arm}), the part before the semicolon; "" when the Template has none (which Windows
         * Installer reads as Intel).
         */
        public String platform() {
            int semi = template.indexOf(';');
            return (semi < 0 ? template : template.substring(0, semi)).trim();
        }

        /** The language ids the Template lists after the semicolon, e.g. {@code [1033]}. */
        public List<String> languages() {
            int semi = template.indexOf(';');
            if (semi < 0) {
                return List.of();
            }
            List<String> out = new ArrayList<>();
            for (String s : template.substring(semi + 1).split(",")) {
                if (!s.isBlank()) {
                    out.add(s.trim());
                }
            }
            return List.copyOf(out);
        }
    }

    /**
     * Reads a package's Property table and summary information.
     *
     * @throws InvalidMsiException when the file is not an OLE compound file or holds no readable
     *     Windows Installer database
     * @throws IOException when the file cannot be read at all
     */
    public static Info read(Path msi) throws IOException {
        POIFSFileSystem fs;
        try {
            fs = new POIFSFileSystem(msi.toFile(), true);
        } catch (FileNotFoundException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new InvalidMsiException("not a readable OLE compound file (" + oneLine(e) + ")", e);
        }
        try (fs) {
            DirectoryEntry root = fs.getRoot();
            byte[] poolBytes = stream(root, "_StringPool", true);
            byte[] dataBytes = stream(root, "_StringData", true);
            byte[] columnsBytes = stream(root, "_Columns", true);
            if (poolBytes == null || dataBytes == null || columnsBytes == null) {
                throw new InvalidMsiException("an OLE compound file but not a Windows Installer database"
                        + " (no _StringPool, _StringData or _Columns stream)");
            }
            StringPool pool = StringPool.parse(poolBytes, dataBytes);
            Map<String, String> properties = new TreeMap<>();
            for (Object[] row : readTable(root, "Property", columnsBytes, pool)) {
                if (row.length < 2 || !(row[0] instanceof String key)) {
                    throw new InvalidMsiException("Property table: expected string columns (Property, Value)");
                }
                Object value = row[1];
                if (value != null && !(value instanceof String)) {
                    throw new InvalidMsiException("Property table: column Value is not a string column");
                }
                properties.put(key, value == null ? "" : (String) value);
            }
            return new Info(properties, template(root), pool.codepage);
        } catch (InvalidMsiException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new InvalidMsiException("damaged Windows Installer database (" + oneLine(e) + ")", e);
        }
    }

    private static String oneLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.replaceAll("\\s+", " ").trim();
    }

    /** The bytes of a stream by its decoded name, or null when there is none. */
    private static byte[] stream(DirectoryEntry root, String name, boolean table) throws IOException {
        String encoded = StreamNames.encode(name, table);
        if (!root.hasEntry(encoded)) {
            return null;
        }
        Entry e = root.getEntry(encoded);
        if (!(e instanceof DocumentEntry d)) {
            throw new InvalidMsiException("stream " + name + ": a storage, not a stream");
        }
        if (d.getSize() > MAX_STREAM) {
            throw new InvalidMsiException("stream " + name + ": " + d.getSize() + " bytes, more than this reader accepts ("
                    + MAX_STREAM + ")");
        }
        try (InputStream in = new DocumentInputStream(d)) {
            return in.readAllBytes();
        }
    }

    private static String template(DirectoryEntry root) throws IOException {
        if (!root.hasEntry(SummaryInformation.DEFAULT_STREAM_NAME)) {
            throw new InvalidMsiException("no summary information stream (\\005SummaryInformation)");
        }
        try (InputStream in = new DocumentInputStream((DocumentEntry) root.getEntry(SummaryInformation.DEFAULT_STREAM_NAME))) {
            PropertySet ps = PropertySetFactory.create(in);
            if (!(ps instanceof SummaryInformation si)) {
                throw new InvalidMsiException("summary information stream: not a SummaryInformation property set");
            }
            return si.getTemplate();
        } catch (HPSFException | RuntimeException e) {
            throw new InvalidMsiException("summary information stream: " + oneLine(e), e);
        }
    }

    /** The rows of a table (an empty table has no stream), cells as String, Integer or null. */
    static List<Object[]> readTable(DirectoryEntry root, String table, byte[] columnsBytes, StringPool pool) throws IOException {
        int ref = pool.refWidth;
        int columnsRow = 2 * ref + 4;
        if (columnsBytes.length % columnsRow != 0) {
            throw new InvalidMsiException("_Columns: " + columnsBytes.length + " bytes is not a whole number of "
                    + columnsRow + "-byte rows");
        }
        int n = columnsBytes.length / columnsRow;
        ByteBuffer c = ByteBuffer.wrap(columnsBytes).order(ByteOrder.LITTLE_ENDIAN);
        int[] types = new int[n];
        int[] numbers = new int[n];
        boolean[] mine = new boolean[n];
        int count = 0;
        for (int i = 0; i < n; i++) {
            mine[i] = table.equals(pool.get(readRef(c, i * ref, ref)));
            numbers[i] = (c.getShort(n * ref + 2 * i) & 0xFFFF) - 0x8000;
            types[i] = (c.getShort(n * (2 * ref + 2) + 2 * i) & 0xFFFF) - 0x8000;
            count += mine[i] ? 1 : 0;
        }
        if (count == 0) {
            throw new InvalidMsiException("no " + table + " table");
        }
        int[] colTypes = new int[count];
        boolean[] seen = new boolean[count];
        for (int i = 0; i < n; i++) {
            if (mine[i]) {
                int k = numbers[i] - 1;
                if (k < 0 || k >= count || seen[k]) {
                    throw new InvalidMsiException("_Columns: " + table + " has a column numbered " + numbers[i]
                            + " among " + count + " columns");
                }
                seen[k] = true;
                colTypes[k] = types[i];
            }
        }
        int[] widths = new int[count];
        int rowSize = 0;
        for (int j = 0; j < count; j++) {
            int t = colTypes[j];
            widths[j] = (t & MSITYPE_STRING) != 0 ? ((t & MSITYPE_NOT_OBJECT) != 0 ? ref : 2) : ((t & 0xFF) <= 2 ? 2 : 4);
            rowSize += widths[j];
        }
        byte[] data = stream(root, table, true);
        if (data == null) {
            return List.of();
        }
        if (data.length % rowSize != 0) {
            throw new InvalidMsiException(table + " table: " + data.length + " bytes is not a whole number of "
                    + rowSize + "-byte rows");
        }
        int rows = data.length / rowSize;
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        Object[][] out = new Object[rows][count];
        int offset = 0;
        for (int j = 0; j < count; j++) {
            int w = widths[j];
            boolean string = (colTypes[j] & MSITYPE_STRING) != 0 && (colTypes[j] & MSITYPE_NOT_OBJECT) != 0;
            boolean binary = (colTypes[j] & MSITYPE_STRING) != 0 && !string;
            for (int r = 0; r < rows; r++) {
                int at = offset + r * w;
                if (string) {
                    out[r][j] = pool.get(readRef(b, at, w));
                } else if (binary) {
                    out[r][j] = (b.getShort(at) & 0xFFFF) == 0 ? null : Integer.valueOf(1);
                } else if (w == 2) {
                    int v = b.getShort(at) & 0xFFFF;
                    out[r][j] = v == 0 ? null : Integer.valueOf(v - 0x8000);
                } else {
                    int v = b.getInt(at);
                    out[r][j] = v == 0 ? null : Integer.valueOf(v ^ 0x80000000);
                }
            }
            offset += rows * w;
        }
        return Arrays.asList(out);
    }

    private static int readRef(ByteBuffer b, int at, int width) {
        int v = b.getShort(at) & 0xFFFF;
        return width == 3 ? v | (b.get(at + 2) & 0xFF) << 16 : v;
    }

    /** The string pool: ids from 1, id 0 is null. */
    static final class StringPool {
        final int codepage;
        final int refWidth;
        private final String[] strings;

        private StringPool(int codepage, int refWidth, String[] strings) {
            this.codepage = codepage;
            this.refWidth = refWidth;
            this.strings = strings;
        }

        static StringPool parse(byte[] pool, byte[] data) throws InvalidMsiException {
            if (pool.length < 4 || pool.length % 4 != 0) {
                throw new InvalidMsiException("_StringPool: " + pool.length + " bytes, expected a 4-byte header and 4-byte entries");
            }
            ByteBuffer p = ByteBuffer.wrap(pool).order(ByteOrder.LITTLE_ENDIAN);
            int header = p.getInt(0);
            int codepage = header & 0x7FFFFFFF;
            Charset charset;
            try {
                charset = MsiDatabase.charsetFor(codepage == 0 ? 1252 : codepage);
            } catch (IllegalArgumentException e) {
                throw new InvalidMsiException("_StringPool: " + oneLine(e), e);
            }
            int entries = pool.length / 4 - 1;
            List<String> out = new ArrayList<>(entries + 1);
            out.add(null); // id 0
            int offset = 0;
            for (int i = 1; i <= entries; i++) {
                int len = p.getShort(4 * i) & 0xFFFF;
                int refs = p.getShort(4 * i + 2) & 0xFFFF;
                if (len == 0 && refs == 0) {
                    out.add(null); // an unused id
                    continue;
                }
                if (len == 0) { // a long string: the next pair holds the low and high halves of its length
                    if (i == entries) {
                        throw new InvalidMsiException("_StringPool: a long string entry without its length");
                    }
                    i++;
                    len = (p.getShort(4 * i) & 0xFFFF) | (p.getShort(4 * i + 2) & 0xFFFF) << 16;
                }
                if (len < 0 || offset + (long) len > data.length) {
                    throw new InvalidMsiException("_StringData: " + data.length + " bytes, shorter than the lengths"
                            + " _StringPool lists");
                }
                out.add(new String(data, offset, len, charset));
                offset += len;
            }
            return new StringPool(codepage, (header & 0x80000000) != 0 ? 3 : 2, out.toArray(new String[0]));
        }

        String get(int id) throws InvalidMsiException {
            if (id < 0 || id >= strings.length) {
                throw new InvalidMsiException("string id " + id + " is outside the string pool (" + (strings.length - 1)
                        + " strings)");
            }
            return strings[id];
        }
    }
}
