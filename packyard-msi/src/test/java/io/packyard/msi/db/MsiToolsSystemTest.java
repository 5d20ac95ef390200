package io.packyard.msi.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.apache.poi.poifs.filesystem.DocumentInputStream;
import org.apache.poi.poifs.filesystem.POIFSFileSystem;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Databases written here are read back with msitools (msiinfo, msidump, msibuild): an independent implementation. */
@Tag("system")
class MsiToolsSystemTest {

    @TempDir
    static Path tmp;

    static Path msi;
    static byte[] logo;
    static byte[] icon;
    static byte[] cab;
    static final TableSchema NUMBERS = TableSchema.of("Numbers",
            Column.shortInt("Id").key(),
            Column.shortInt("Small").nullable(),
            Column.longInt("Large").nullable(),
            Column.string("Label", 0).nullable().localizable().category(Category.Text));
    static final TableSchema BLOBS = TableSchema.of("Blobs",
            Column.string("Name", 20).key().category(Category.Identifier),
            Column.shortInt("Part").key(),
            Column.binary("Data").nullable());
    static final TableSchema ESCAPES = TableSchema.of("Escapes",
            Column.string("Key", 10).key(),
            Column.string("Value", 0));

    @BeforeAll
    static void writeDatabase() throws IOException {
        Random r = new Random(11);
        logo = new byte[3000];
        icon = new byte[9000];
        cab = new byte[150_000];
        r.nextBytes(logo);
        r.nextBytes(icon);
        r.nextBytes(cab);
        msi = tmp.resolve("test.msi");
        sample(false).write(msi);
    }

    /** The sample database; {@code reversed} adds the same rows in another order. */
    static MsiDatabase sample(boolean reversed) throws IOException {
        MsiDatabase db = MsiDatabase.builder().build();
        db.summary().title("Installation Database").subject("Notes").author("Acme Café")
                .keywords("Installer,MSI").comments("Notes app").template("x64;1033")
                .packageCode(UUID.fromString("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"))
                .timestamp(Instant.ofEpochSecond(1_700_000_000L))
                .wordCount(SummaryInfo.WORDCOUNT_COMPRESSED | SummaryInfo.WORDCOUNT_NO_ELEVATION);
        List<Object[]> props = new ArrayList<>(List.of(
                new Object[] {"ProductName", "Notes"},
                new Object[] {"Manufacturer", "Acme Café – ü€"},
                new Object[] {"ProductVersion", "1.2.3"},
                new Object[] {"Long", "x".repeat(300)},
                new Object[] {"Shared", "Notes"}));
        if (reversed) {
            java.util.Collections.reverse(props);
        }
        for (Object[] p : props) {
            db.table(StandardTables.PROPERTY).add(p);
        }
        List<Object[]> numbers = new ArrayList<>(List.of(
                new Object[] {-32767, -32767, -2147483647, "min"},
                new Object[] {-1, -1, -1, null},
                new Object[] {0, 0, 0, "zero"},
                new Object[] {1, null, null, "nulls"},
                new Object[] {32767, 32767, 2147483647, "max"},
                new Object[] {300, 1000, 100_000, "Notes"}));
        if (reversed) {
            java.util.Collections.reverse(numbers);
        }
        for (Object[] n : numbers) {
            db.table(NUMBERS).add(n);
        }
        db.table(StandardTables.BINARY).add("Logo", logo);
        Path iconFile = tmp.resolve(reversed ? "icon2.ico" : "icon1.ico");
        Files.write(iconFile, icon);
        db.table(StandardTables.ICON).add("app.ico", iconFile);
        db.table(BLOBS).add("x", 1, new byte[] {9, 8, 7}).add("x", 2, null);
        db.table(ESCAPES).add("k", "a\tb\nc\\d");
        db.table(StandardTables.MEDIA).add(1, 42, null, "#cab1.cab", null, null);
        db.table(StandardTables.FEATURE); // an empty table is listed too
        db.addStream("cab1.cab", cab);
        return db;
    }

    @Test
    void msiinfoListsExactlyTheTablesWritten() throws Exception {
        List<String> tables = Arrays.asList(Proc.text("msiinfo", "tables", msi.toString()).split("\n"));
        assertThat(tables).containsExactlyInAnyOrder("_SummaryInformation", "_ForceCodepage", // msitools' virtual tables
                "Binary", "Blobs", "Escapes", "Feature", "Icon", "Media", "Numbers", "Property", "_Validation");
    }

    @Test
    void exportRoundTripsTheRows() throws Exception {
        assertThat(export("Property")).containsExactlyInAnyOrder(
                "ProductName\tNotes", "Manufacturer\tAcme Café – ü€", "ProductVersion\t1.2.3", "Long\t" + "x".repeat(300),
                "Shared\tNotes");
        assertThat(export("Numbers")).containsExactlyInAnyOrder(
                "-32767\t-32767\t-2147483647\tmin", "-1\t-1\t-1\t", "0\t0\t0\tzero", "1\t\t\tnulls",
                "32767\t32767\t2147483647\tmax", "300\t1000\t100000\tNotes");
        assertThat(export("Media")).containsExactly("1\t42\t\t#cab1.cab\t\t");
        assertThat(export("Blobs")).containsExactlyInAnyOrder("x\t1\tBlobs.x.1", "x\t2\t");
        assertThat(export("Feature")).isEmpty();
        assertThat(Proc.text("msiinfo", "export", msi.toString(), "Escapes"))
                .isEqualTo("Key\tValue\ns10\ts0\nEscapes\tKey\nk\ta\tb\nc\\d\n");
    }

    @Test
    void rowsAreStoredInPrimaryKeyOrderOfStoredValues() throws Exception {
        // msitools prints rows in stored order: integer keys ascending (signed)
        List<String> ids = export("Numbers").stream().map(l -> l.substring(0, l.indexOf('\t'))).toList();
        assertThat(ids).containsExactly("-32767", "-1", "0", "1", "300", "32767");
    }

    @Test
    void columnTypesAndValidationRowsAreWrittenForEveryColumn() throws Exception {
        String numbers = Proc.text("msiinfo", "export", msi.toString(), "Numbers");
        assertThat(numbers).startsWith(NUMBERS.idtHeader());
        List<String> validation = export("_Validation");
        List<String> expected = new ArrayList<>();
        for (TableSchema t : List.of(StandardTables.BINARY, BLOBS, ESCAPES, StandardTables.FEATURE, StandardTables.ICON,
                StandardTables.MEDIA, NUMBERS, StandardTables.PROPERTY, StandardTables.VALIDATION)) {
            for (Column c : t.columns()) {
                expected.add(String.join("\t", t.name(), c.name(), c.isNullable() ? "Y" : "N", str(c.minValue()),
                        str(c.maxValue()), str(c.keyTable()), str(c.keyColumn()),
                        c.category() == null ? "" : c.category().name(), str(c.set()), str(c.description())));
            }
        }
        assertThat(validation).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(validation).contains("Media\tDiskId\tN\t1\t32767\t\t\t\t\t",
                "Feature\tFeature_Parent\tY\t\t\tFeature\t1\tIdentifier\t\t");
    }

    @Test
    void everyStandardTableSchemaReadsBackWithTheSameColumnTypes() throws Exception {
        MsiDatabase db = MsiDatabase.builder().build();
        db.summary().template("Intel;1033").packageCode(UUID.randomUUID());
        for (TableSchema t : StandardTables.all()) {
            if (t != StandardTables.VALIDATION) {
                db.table(t);
            }
        }
        Path file = tmp.resolve("all-tables.msi");
        db.write(file);
        Path dump = tmp.resolve("all-tables");
        Files.createDirectories(dump);
        Proc.runIn(dump, "msidump", "-t", "-d", dump.toString(), file.toString());
        for (TableSchema t : StandardTables.all()) {
            assertThat(Files.readString(dump.resolve(t.name() + ".idt"), StandardCharsets.UTF_8).replace("\r\n", "\n"))
                    .as(t.name()).startsWith(t.idtHeader());
        }
    }

    @Test
    void summaryInformation() throws Exception {
        // msiinfo prints the summary strings' bytes as stored: code page 1252
        String suminfo = new String(Proc.run("msiinfo", "suminfo", msi.toString()), java.nio.charset.Charset.forName("windows-1252"));
        assertThat(suminfo).isEqualTo("""
                Title: Installation Database
                Subject: Notes
                Author: Acme Café
                Keywords: Installer,MSI
                Comments: Notes app
                Template: x64;1033
                Revision number (UUID): {0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0}
                Created: Tue Nov 14 22:13:20 2023
                Last saved: Tue Nov 14 22:13:20 2023
                Version: 500 (1f4)
                Source: 10 (a)
                Application: Packyard
                Security: 2 (2)
                """);
    }

    @Test
    void streamsAreListedAndExtractExactly() throws Exception {
        List<String> streams = Arrays.asList(Proc.text("msiinfo", "streams", msi.toString()).split("\n"));
        assertThat(streams).containsExactlyInAnyOrder("Binary.Logo", "Icon.app.ico", "Blobs.x.1", "cab1.cab",
                "\u0005SummaryInformation");
        assertThat(Proc.run("msiinfo", "extract", msi.toString(), "Binary.Logo")).isEqualTo(logo);
        assertThat(Proc.run("msiinfo", "extract", msi.toString(), "Icon.app.ico")).isEqualTo(icon);
        assertThat(Proc.run("msiinfo", "extract", msi.toString(), "cab1.cab")).isEqualTo(cab);
        assertThat(Proc.run("msiinfo", "extract", msi.toString(), "Blobs.x.1")).containsExactly(9, 8, 7);
    }

    @Test
    void msidumpDumpsTablesAndStreams() throws Exception {
        Path dir = tmp.resolve("dump");
        Files.createDirectories(dir);
        // msidump writes binary cells to <cwd>/<Table>/<stream> whatever -d says: run it in dir
        Proc.runIn(dir, "msidump", "-t", "-s", "-d", dir.toString(), msi.toString());
        assertThat(Files.readString(dir.resolve("Property.idt")).replace("\r\n", "\n")).startsWith("Property\tValue\ns72\tl0\nProperty\tProperty\n");
        assertThat(Files.readString(dir.resolve("Numbers.idt"))).contains("32767\t32767\t2147483647\tmax");
        assertThat(dir.resolve("_SummaryInformation.idt")).exists();
        assertThat(Files.readAllBytes(dir.resolve("_Streams").resolve("cab1.cab"))).isEqualTo(cab);
        assertThat(Files.readAllBytes(dir.resolve("Binary").resolve("Binary.Logo"))).isEqualTo(logo);
    }

    @Test
    void sameRowsGiveIdenticalBytesWhateverTheInsertionOrder() throws Exception {
        Path a = tmp.resolve("a.msi");
        Path b = tmp.resolve("b.msi");
        sample(false).write(a);
        sample(true).write(b);
        assertThat(Files.readAllBytes(a)).isEqualTo(Files.readAllBytes(b)).isEqualTo(Files.readAllBytes(msi));
    }

    @Test
    void referenceCountsSurviveRowDeletionByMsitools() throws Exception {
        // "Notes" is referenced by three rows; msitools rewrites the pool from the stored refcounts,
        // so an undercount would lose the string for the remaining rows.
        Path copy = tmp.resolve("delete.msi");
        Files.copy(msi, copy);
        Proc.run("msibuild", copy.toString(), "-q", "DELETE FROM `Property` WHERE `Property` = 'Shared'");
        assertThat(export(copy, "Property")).contains("ProductName\tNotes").doesNotContain("Shared\tNotes");
        assertThat(export(copy, "Numbers")).contains("300\t1000\t100000\tNotes");
    }

    @Test
    void referenceCountsEqualTheNumberOfCellsReferringToEachString() throws Exception {
        // expected counts from msitools' view of the database: _Tables (one per table), _Columns
        // (table name and column name per column) and every string cell of every table
        Map<String, Integer> expected = new LinkedHashMap<>();
        List<String> tables = new ArrayList<>(Arrays.asList(Proc.text("msiinfo", "tables", msi.toString()).split("\n")));
        tables.removeAll(List.of("_SummaryInformation", "_ForceCodepage"));
        for (String table : tables) {
            String[] lines = Proc.text("msiinfo", "export", msi.toString(), table).split("\n");
            String[] names = lines[0].split("\t");
            String[] types = lines[1].split("\t");
            expected.merge(table, 1 + names.length, Integer::sum);
            for (String n : names) {
                expected.merge(n, 1, Integer::sum);
            }
            if (table.equals("Escapes")) { // msiinfo does not escape the tab and line feed in its value
                expected.merge("k", 1, Integer::sum);
                expected.merge("a\tb\nc\\d", 1, Integer::sum);
                continue;
            }
            for (int i = 3; i < lines.length; i++) {
                String[] cells = lines[i].split("\t", -1);
                for (int j = 0; j < types.length; j++) {
                    char t = Character.toLowerCase(types[j].charAt(0));
                    if ((t == 's' || t == 'l') && !cells[j].isEmpty()) {
                        expected.merge(cells[j], 1, Integer::sum);
                    }
                }
            }
        }
        assertThat(readPool(msi)).isEqualTo(expected);
        assertThat(expected.get("Notes")).isEqualTo(3);
    }

    static Map<String, Integer> readPool(Path file) throws IOException {
        byte[] pool;
        byte[] data;
        try (POIFSFileSystem fs = new POIFSFileSystem(file.toFile(), true)) {
            try (DocumentInputStream in = fs.createDocumentInputStream(StreamNames.encode("_StringPool", true))) {
                pool = in.readAllBytes();
            }
            try (DocumentInputStream in = fs.createDocumentInputStream(StreamNames.encode("_StringData", true))) {
                data = in.readAllBytes();
            }
        }
        ByteBuffer p = ByteBuffer.wrap(pool).order(ByteOrder.LITTLE_ENDIAN);
        int codepage = p.getInt() & 0x7FFFFFFF;
        Map<String, Integer> refs = new LinkedHashMap<>();
        int offset = 0;
        while (p.hasRemaining()) {
            int len = Short.toUnsignedInt(p.getShort());
            int rc = Short.toUnsignedInt(p.getShort());
            if (len == 0 && rc != 0) {
                len = Short.toUnsignedInt(p.getShort()) | Short.toUnsignedInt(p.getShort()) << 16;
            }
            String s = new String(data, offset, len, MsiDatabase.charsetFor(codepage));
            offset += len;
            assertThat(refs.put(s, rc)).as("string %s stored twice", s).isNull();
        }
        assertThat(offset).isEqualTo(data.length);
        return refs;
    }

    private static String str(Object o) {
        return o == null ? "" : o.toString();
    }

    static List<String> export(String table) throws Exception {
        return export(msi, table);
    }

    /** The data rows of msiinfo's export (after the three header lines). */
    static List<String> export(Path file, String table) throws Exception {
        String[] lines = Proc.text("msiinfo", "export", file.toString(), table).split("\n", -1);
        List<String> rows = new ArrayList<>(Arrays.asList(lines).subList(3, lines.length));
        if (!rows.isEmpty() && rows.get(rows.size() - 1).isEmpty()) {
            rows.remove(rows.size() - 1);
        }
        return rows;
    }
}
