package io.packyard.msi.db;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A Windows Installer database (.msi) built in memory and written in one go, in pure Java.
 *
 * <pre>{@code
 * MsiDatabase db = MsiDatabase.builder().codepage(1252).build();
 * db.summary().title("Installation Database").subject("Notes").author("Acme")
 *         .template("x64;1033").packageCode(packageCode).timestamp(sourceDateEpoch)
 *         .wordCount(SummaryInfo.WORDCOUNT_COMPRESSED);
 * db.table(StandardTables.PROPERTY).add("ProductName", "Notes").add("ProductVersion", "1.2.0");
 * db.table(StandardTables.MEDIA).add(1, 42, null, "#cab1.cab", null, null);
 * db.addStream("cab1.cab", cabinetFile);      // embedded cabinet, referenced as "#cab1.cab"
 * db.write(out);
 * }</pre>
 *
 * <h2>What is written</h2>
 * A compound file (512-byte sectors, root CLSID {000C1084-0000-0000-C000-000000000046}) holding:
 * the string pool ({@code _StringPool}, {@code _StringData}), the table catalog ({@code _Tables},
 * {@code _Columns}), one stream per non-empty table (column-wise, rows sorted by primary key), the
 * {@code _Validation} table (generated from the {@link TableSchema}s of every table written, itself
 * included), one stream per binary cell (named {@code Table.key}), the named streams added with
 * {@link #addStream}, and the summary information. Every table created with {@link #table} is listed,
 * even when it has no rows. Identical input gives byte-identical output.
 *
 * <h2>Code page</h2>
 * Strings are stored in the database code page. The default is 1252 (Windows Latin 1), the code
 * page Windows Installer's own tools and the SDK samples use; a string with a character outside it
 * is refused when the row is added. Other single- and double-byte Windows code pages (874, 932,
 * 936, 949, 950, 1250-1258) and 0 (neutral: ASCII only) are accepted, as is 65001 (UTF-8), which
 * stores any character but which Windows Installer supports only partly ("not officially
 * supported because of user interface issues", WiX): msiexec converts the strings correctly, but
 * dialogs pick their fonts' character set from the code page and may show some text wrongly, so
 * 65001 is opt-in. msitools reads all of them; Wine's msiexec installs both a 1252 and a 65001
 * database with their non-ASCII registry values intact (MsiexecWineSystemTest). The summary
 * information has its own code page ({@link SummaryInfo#codepage(int)}), 1252 by default.
 *
 * <h2>Limits</h2>
 * Up to 2^24-1 distinct strings (3-byte string references are used once there are 65,535 or more),
 * strings of any length (over 65,535 bytes they use the pool's long-entry form), stream names of at
 * most 62 characters of {@code [0-9A-Za-z._]} (each other character counts twice), which is the
 * compound file's 31-character name limit after Windows Installer's name compression.
 *
 * <p>Not thread-safe: build a database from one thread.
 */
public final class MsiDatabase {

    private final int codepage;
    private final Charset charset;
    private final CharsetEncoder encoder;
    private final Map<String, Table> tables = new TreeMap<>();
    private final Map<String, BinaryValue> streams = new TreeMap<>();
    private final SummaryInfo summary;

    private MsiDatabase(Builder b) {
        this.codepage = b.codepage;
        this.charset = charsetFor(b.codepage);
        this.encoder = charset.newEncoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        this.summary = new SummaryInfo(b.summaryCodepage);
    }

    /** A builder; defaults: code page 1252, summary code page 1252. */
    public static Builder builder() {
        return new Builder();
    }

    /** Options of a new database. */
    public static final class Builder {
        private int codepage = 1252;
        private int summaryCodepage = 1252;
        private boolean summarySet;

        private Builder() {
        }

        /**
         * The database code page: 1252 (default), 0 (neutral, ASCII only), 874, 932, 936, 949, 950,
         * 1250-1258, or 65001 (UTF-8; see the class documentation). The summary information uses
         * the same code page unless {@link #summaryCodepage} is set, except that 0 and 65001 keep
         * 1252 there.
         */
        public Builder codepage(int codepage) {
            charsetFor(codepage);
            this.codepage = codepage;
            if (!summarySet) {
                this.summaryCodepage = codepage == 0 || codepage == 65001 ? 1252 : codepage;
            }
            return this;
        }

        /** The code page of the summary information strings (default: see {@link #codepage}). */
        public Builder summaryCodepage(int codepage) {
            charsetFor(codepage);
            this.summaryCodepage = codepage;
            this.summarySet = true;
            return this;
        }

        public MsiDatabase build() {
            return new MsiDatabase(this);
        }
    }

    /** The Java charset of a Windows code page accepted here. */
    static Charset charsetFor(int codepage) {
        String name = switch (codepage) {
            case 0 -> "US-ASCII";
            case 65001 -> "UTF-8";
            case 874 -> "x-windows-874";
            case 932 -> "windows-31j";
            case 936 -> "GBK";
            case 949 -> "x-windows-949";
            case 950 -> "x-windows-950";
            case 1250, 1251, 1252, 1253, 1254, 1255, 1256, 1257, 1258 -> "windows-" + codepage;
            default -> throw new IllegalArgumentException("code page " + codepage
                    + " not supported: use 1252, 0 (neutral), 874, 932, 936, 949, 950, 1250-1258 or 65001");
        };
        if (!Charset.isSupported(name)) {
            throw new IllegalArgumentException("code page " + codepage + ": charset " + name + " not available in this JVM");
        }
        return codepage == 65001 ? StandardCharsets.UTF_8 : Charset.forName(name);
    }

    /** The database code page. */
    public int codepage() {
        return codepage;
    }

    /** The Java charset the strings are stored in. */
    public Charset charset() {
        return charset;
    }

    /** The summary information, to fill in before {@link #write}. */
    public SummaryInfo summary() {
        return summary;
    }

    /**
     * The table with this schema, created (empty) on first use. Every table obtained here is
     * written, even without rows.
     *
     * @throws IllegalArgumentException if a table of that name exists with another schema, or for
     *     {@code _Validation}, which is generated on {@link #write}
     */
    public Table table(TableSchema schema) {
        if (schema.name().equals(StandardTables.VALIDATION.name())) {
            throw new IllegalArgumentException("table _Validation is generated from the table schemas when the database is written");
        }
        if (isReservedName(schema.name())) {
            throw new IllegalArgumentException("table name " + schema.name() + " is reserved by Windows Installer");
        }
        Table t = tables.get(schema.name());
        if (t == null) {
            t = new Table(this, schema);
            tables.put(schema.name(), t);
        } else if (!t.schema().equals(schema)) {
            throw new IllegalArgumentException("table " + schema.name() + " already exists with another schema");
        }
        return t;
    }

    private static boolean isReservedName(String name) {
        return switch (name) {
            case "_Tables", "_Columns", "_StringPool", "_StringData", "_Streams", "_Storages", "_TransformView" -> true;
            default -> false;
        };
    }

    /** The table of that name, if created. */
    public Optional<Table> existingTable(String name) {
        return Optional.ofNullable(tables.get(name));
    }

    /** The tables created so far, by name. */
    public List<Table> tables() {
        return Collections.unmodifiableList(new ArrayList<>(tables.values()));
    }

    /**
     * Adds a named stream, e.g. an embedded cabinet {@code "cab1.cab"} (referenced from
     * Media.Cabinet as {@code "#cab1.cab"}).
     *
     * @throws IllegalArgumentException if the name is taken, too long once encoded, or reserved
     */
    public void addStream(String name, byte[] data) {
        putStream(name, BinaryValue.of(data));
    }

    /** Adds a named stream whose content is read from {@code file} when the database is written. */
    public void addStream(String name, Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("stream " + name + ": " + file + " is not a regular file");
        }
        putStream(name, BinaryValue.of(file));
    }

    private void putStream(String name, BinaryValue value) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("stream name is empty");
        }
        if (name.startsWith("\u0005") || name.startsWith("_")) {
            throw new IllegalArgumentException("stream name " + name + " is reserved");
        }
        if (name.indexOf('\0') >= 0 || name.indexOf('/') >= 0 || name.indexOf('\\') >= 0 || name.indexOf(':') >= 0
                || name.indexOf('!') >= 0) {
            throw new IllegalArgumentException("stream name " + name + ": contains a character not allowed in a compound file name");
        }
        if (StreamNames.encode(name, false).length() > StreamNames.MAX_ENCODED_LENGTH) {
            throw new IllegalArgumentException("stream name " + name + " is too long: at most 62 characters of [0-9A-Za-z._] fit");
        }
        if (streams.containsKey(name)) {
            throw new IllegalArgumentException("stream " + name + " already added");
        }
        streams.put(name, value);
    }

    /** The named streams, by name. */
    public Map<String, BinaryValue> streams() {
        return Collections.unmodifiableMap(streams);
    }

    /**
     * Writes the database to {@code path} (created or replaced). On failure the partially written
     * file is deleted. The caller is responsible for writing to a temporary name and renaming.
     *
     * @throws IllegalStateException if the summary information lacks a required property or a
     *     binary cell's stream name would collide or not fit
     * @throws IOException if writing fails or a stream's source file cannot be read
     */
    public void write(Path path) throws IOException {
        summary.checkComplete();
        MsiWriter.write(this, path);
    }

    /**
     * Dangling foreign keys, from the {@code _Validation} key table/column of every column: a
     * non-null value that no row of any of its key tables holds in the key column. Columns of
     * category {@link Category#Version} are skipped (File.Version names a companion file only when
     * it is not a version). Nothing is checked on {@link #write}; callers that build a complete
     * installer call this and fail on a non-empty result.
     *
     * @return one line per problem, e.g.
     *     {@code File.Component_ = 'c9' (row f9): no such key in Component.Component}; empty if none
     */
    public List<String> checkReferences() {
        List<String> problems = new ArrayList<>();
        Map<String, java.util.Set<Object>> keyValues = new java.util.HashMap<>();
        for (Table t : tables.values()) {
            List<Column> cols = t.schema().columns();
            for (int j = 0; j < cols.size(); j++) {
                Column c = cols.get(j);
                if (c.keyTable() == null || c.keyColumn() == null || c.category() == Category.Version) {
                    continue;
                }
                String[] targets = c.keyTable().split(";");
                for (Object[] row : t.rawRows()) {
                    Object v = row[j];
                    if (v == null) {
                        continue;
                    }
                    boolean found = false;
                    List<String> where = new ArrayList<>();
                    for (String target : targets) {
                        Table kt = tables.get(target);
                        if (kt == null || c.keyColumn() > kt.schema().arity()) {
                            continue;
                        }
                        String k = target + "\u0000" + c.keyColumn();
                        java.util.Set<Object> values = keyValues.computeIfAbsent(k, x -> {
                            java.util.Set<Object> s = new java.util.HashSet<>();
                            for (Object[] r : kt.rawRows()) {
                                if (r[c.keyColumn() - 1] != null) {
                                    s.add(r[c.keyColumn() - 1]);
                                }
                            }
                            return s;
                        });
                        where.add(target + "." + kt.schema().columns().get(c.keyColumn() - 1).name());
                        if (values.contains(v)) {
                            found = true;
                            break;
                        }
                    }
                    if (!found) {
                        problems.add(t.name() + "." + c.name() + " = " + Table.quote(v) + " (row "
                                + MsiWriter.binaryStreamName(t, row).substring(t.name().length() + 1) + "): no such key in "
                                + (where.isEmpty() ? "table " + c.keyTable() + " (not in the database)" : String.join(" or ", where)));
                    }
                }
            }
        }
        return problems;
    }

    /** A description of why {@code s} cannot be stored in the database code page, or null if it can. */
    String codepageProblem(String s) {
        if (codepage == 65001) {
            for (int i = 0; i < s.length(); i++) {
                char ch = s.charAt(i);
                if (Character.isSurrogate(ch)) {
                    if (Character.isHighSurrogate(ch) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                        i++;
                        continue;
                    }
                    return "unpaired surrogate at index " + i;
                }
            }
            return null;
        }
        boolean ascii = true;
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                ascii = false;
                break;
            }
        }
        if (ascii) {
            return null;
        }
        try {
            encoder.reset().encode(java.nio.CharBuffer.wrap(s));
            return null;
        } catch (CharacterCodingException e) {
            for (int i = 0; i < s.length(); i = s.offsetByCodePoints(i, 1)) {
                int cp = s.codePointAt(i);
                if (!encoder.reset().canEncode(new String(Character.toChars(cp)))) {
                    return String.format("character U+%04X at index %d cannot be stored in code page %d%s", cp, i, codepage,
                            codepage == 65001 ? "" : " (choose another code page, e.g. 65001)");
                }
            }
            return "cannot be stored in code page " + codepage;
        }
    }

    /** Table objects by name, for the writer. */
    Map<String, Table> tableMap() {
        return tables;
    }
}
