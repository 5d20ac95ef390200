package io.packyard.msi.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.apache.poi.poifs.filesystem.DocumentInputStream;
import org.apache.poi.poifs.filesystem.POIFSFileSystem;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Large databases: 3-byte string references, strings over 64 KiB, tens of thousands of rows. */
@Tag("system")
class MsiScaleSystemTest {

    @TempDir
    Path tmp;

    private static MsiDatabase newDatabase() {
        MsiDatabase db = MsiDatabase.builder().build();
        db.summary().template("x64;1033").packageCode(UUID.fromString("00000000-0000-0000-0000-000000000001"));
        return db;
    }

    @Test
    void seventyThousandDistinctStringsUseThreeByteReferences() throws Exception {
        MsiDatabase db = newDatabase();
        TableSchema big = TableSchema.of("Big", Column.string("Id", 72).key(), Column.string("Value", 0),
                Column.shortInt("N"));
        Table t = db.table(big);
        for (int i = 0; i < 70_000; i++) {
            t.add("id" + i, "value-" + i + "-é", i % 30_000);
        }
        Path msi = tmp.resolve("big.msi");
        db.write(msi);

        try (POIFSFileSystem fs = new POIFSFileSystem(msi.toFile(), true);
                DocumentInputStream in = fs.createDocumentInputStream(StreamNames.encode("_StringPool", true))) {
            int header = ByteBuffer.wrap(in.readNBytes(4)).order(ByteOrder.LITTLE_ENDIAN).getInt();
            assertThat(header).isEqualTo(0x80000000 | 1252);
        }
        String[] lines = Proc.text("msiinfo", "export", msi.toString(), "Big").split("\n");
        assertThat(lines[1]).isEqualTo("s72\ts0\ti2");
        Set<String> rows = new HashSet<>(List.of(lines).subList(3, lines.length));
        assertThat(rows).hasSize(70_000);
        for (int i = 0; i < 70_000; i++) {
            assertThat(rows.contains("id" + i + "\tvalue-" + i + "-é\t" + (i % 30_000))).as("row %d", i).isTrue();
        }
        assertThat(Proc.text("msiinfo", "tables", msi.toString())).contains("Big\n", "_Validation\n");
        assertThat(MsiToolsSystemTest.readPool(msi)).containsEntry("value-69999-é", 1);
    }

    @Test
    void stringsLongerThan64KiBUseTheLongPoolEntry() throws Exception {
        MsiDatabase db = newDatabase();
        String huge = "0123456789abcdef".repeat(5_000); // 80,000 bytes
        db.table(StandardTables.PROPERTY).add("Huge", huge).add("After", "still readable");
        Path msi = tmp.resolve("huge.msi");
        db.write(msi);
        List<String> rows = MsiToolsSystemTest.export(msi, "Property");
        assertThat(rows).containsExactlyInAnyOrder("Huge\t" + huge, "After\tstill readable");
        assertThat(MsiToolsSystemTest.readPool(msi)).containsEntry(huge, 1).containsEntry("still readable", 1);
    }

    @Test
    void tenThousandFilesAreWrittenFastAndReadBackWhole() throws Exception {
        MsiDatabase db = newDatabase();
        int n = 12_000;
        Table dirs = db.table(StandardTables.DIRECTORY);
        dirs.add("TARGETDIR", null, "SourceDir").add("INSTALLDIR", "TARGETDIR", "App");
        Table comps = db.table(StandardTables.COMPONENT);
        Table files = db.table(StandardTables.FILE);
        Table fc = db.table(StandardTables.FEATURE_COMPONENTS);
        db.table(StandardTables.FEATURE).add("Complete", null, "App", null, 1, 1, "INSTALLDIR", 0);
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            String c = "c" + i;
            String f = "f" + i;
            comps.add(c, "{" + new UUID(0x1234L, i).toString().toUpperCase() + "}", "INSTALLDIR", 0, null, f);
            files.add(f, c, "file" + i + ".py|module_" + i + ".py", 1000 + i, null, null, 512, i + 1);
            fc.add("Complete", c);
        }
        Path msi = tmp.resolve("files.msi");
        db.write(msi);
        double seconds = (System.nanoTime() - start) / 1e9;
        assertThat(seconds).as("seconds to add and write %d files", n).isLessThan(10);

        List<String> fileRows = MsiToolsSystemTest.export(msi, "File");
        assertThat(fileRows).hasSize(n);
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            expected.add("f" + i + "\tc" + i + "\tfile" + i + ".py|module_" + i + ".py\t" + (1000 + i) + "\t\t\t512\t" + (i + 1));
        }
        assertThat(fileRows).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(MsiToolsSystemTest.export(msi, "FeatureComponents")).hasSize(n);
        // "Complete" is referenced by 12,001 cells: the refcount is exact below 65,536
        assertThat(MsiToolsSystemTest.readPool(msi)).containsEntry("Complete", n + 1);
        assertThat(Files.size(msi)).isLessThan(2_000_000);
    }
}
