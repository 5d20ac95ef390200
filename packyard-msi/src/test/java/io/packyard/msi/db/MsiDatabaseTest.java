package io.packyard.msi.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.UUID;
import org.apache.poi.hpsf.PropertySetFactory;
import org.apache.poi.hpsf.SummaryInformation;
import org.apache.poi.poifs.filesystem.DocumentInputStream;
import org.apache.poi.poifs.filesystem.POIFSFileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MsiDatabaseTest {

    @TempDir
    Path tmp;

    private static MsiDatabase newDatabase() {
        MsiDatabase db = MsiDatabase.builder().build();
        db.summary().template("x64;1033").packageCode(UUID.fromString("00000000-0000-0000-0000-00000000000a"));
        return db;
    }

    @Test
    void summaryInformationReadsBackWithPoiHpsf() throws Exception {
        MsiDatabase db = newDatabase();
        db.summary().title("Installation Database").subject("Notes").author("Acme").keywords("a,b").comments("c")
                .timestamp(Instant.parse("2024-01-02T03:04:05Z")).pageCount(200).wordCount(10).security(4)
                .creatingApplication("Packyard 0.1");
        Path msi = tmp.resolve("s.msi");
        db.write(msi);
        try (POIFSFileSystem fs = new POIFSFileSystem(msi.toFile(), true);
                DocumentInputStream in = fs.createDocumentInputStream(SummaryInformation.DEFAULT_STREAM_NAME)) {
            SummaryInformation si = (SummaryInformation) PropertySetFactory.create(in);
            assertThat(si.getTitle()).isEqualTo("Installation Database");
            assertThat(si.getSubject()).isEqualTo("Notes");
            assertThat(si.getAuthor()).isEqualTo("Acme");
            assertThat(si.getKeywords()).isEqualTo("a,b");
            assertThat(si.getComments()).isEqualTo("c");
            assertThat(si.getTemplate()).isEqualTo("x64;1033");
            assertThat(si.getRevNumber()).isEqualTo("{00000000-0000-0000-0000-00000000000A}");
            assertThat(si.getCreateDateTime().toInstant()).isEqualTo(Instant.parse("2024-01-02T03:04:05Z"));
            assertThat(si.getLastSaveDateTime().toInstant()).isEqualTo(Instant.parse("2024-01-02T03:04:05Z"));
            assertThat(si.getPageCount()).isEqualTo(200);
            assertThat(si.getWordCount()).isEqualTo(10);
            assertThat(si.getSecurity()).isEqualTo(4);
            assertThat(si.getApplicationName()).isEqualTo("Packyard 0.1");
            assertThat(si.getFirstSection().getCodepage()).isEqualTo(1252);
        }
    }

    @Test
    void requiredSummaryPropertiesAreChecked() {
        MsiDatabase db = MsiDatabase.builder().build();
        assertThatThrownBy(() -> db.write(tmp.resolve("x.msi")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Template (property 7) not set");
        db.summary().template("x64;1033");
        assertThatThrownBy(() -> db.write(tmp.resolve("x.msi")))
                .hasMessageContaining("Revision Number (the package code, property 9) not set");
        assertThat(tmp.resolve("x.msi")).doesNotExist();
    }

    @Test
    void aFailedWriteLeavesNoFile() throws IOException {
        MsiDatabase db = newDatabase();
        Path data = tmp.resolve("data.bin");
        Files.write(data, new byte[10_000]);
        db.table(StandardTables.BINARY).add("Data", data);
        Files.delete(data);
        Path msi = tmp.resolve("fail.msi");
        assertThatThrownBy(() -> db.write(msi)).isInstanceOf(IOException.class);
        assertThat(msi).doesNotExist();
    }

    @Test
    void streamNameProblemsAreReportedClearly() {
        MsiDatabase db = newDatabase();
        assertThatThrownBy(() -> db.addStream("x".repeat(63), new byte[1]))
                .hasMessageStartingWith("stream name " + "x".repeat(63) + " is too long");
        db.addStream("cab1.cab", new byte[1]);
        assertThatThrownBy(() -> db.addStream("cab1.cab", new byte[1])).hasMessage("stream cab1.cab already added");
        assertThatThrownBy(() -> db.addStream("\u0005Foo", new byte[1])).hasMessageContaining("is reserved");

        db.table(StandardTables.BINARY).add("Logo", new byte[] {1});
        db.addStream("Binary.Logo", new byte[] {2});
        assertThatThrownBy(() -> db.write(tmp.resolve("clash.msi")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("stream name clash")
                .hasMessageContaining("Binary.Logo");

        MsiDatabase db2 = newDatabase();
        db2.table(StandardTables.BINARY).add("A".repeat(56), new byte[] {1});
        assertThatThrownBy(() -> db2.write(tmp.resolve("long.msi")))
                .hasMessageStartingWith("table Binary, column Data: stream name 'Binary." + "A".repeat(56) + "' is too long");
    }

    @Test
    void referenceCountsSaturateAtTheFieldWidth() throws Exception {
        MsiDatabase db = newDatabase();
        Table t = db.table(TableSchema.of("Many", Column.longInt("Id").key(), Column.string("Kind", 10)));
        for (int i = 0; i < 70_000; i++) {
            t.add(i, "same");
        }
        Path msi = tmp.resolve("many.msi");
        db.write(msi);
        try (POIFSFileSystem fs = new POIFSFileSystem(msi.toFile(), true);
                DocumentInputStream in = fs.createDocumentInputStream(StreamNames.encode("_StringPool", true))) {
            ByteBuffer pool = ByteBuffer.wrap(in.readAllBytes()).order(ByteOrder.LITTLE_ENDIAN);
            assertThat(pool.getInt(0)).isEqualTo(1252); // few distinct strings: 2-byte references
            boolean found = false;
            for (int off = 4; off < pool.limit(); off += 4) {
                if (Short.toUnsignedInt(pool.getShort(off)) == 4 && Short.toUnsignedInt(pool.getShort(off + 2)) == 0xFFFF) {
                    found = true;
                }
            }
            assertThat(found).as("'same' (4 bytes) with refcount 65535").isTrue();
        }
    }

    @Test
    void writingTwiceGivesIdenticalBytes() throws IOException {
        MsiDatabase db = newDatabase();
        db.table(StandardTables.PROPERTY).add("A", "1").add("B", "2");
        db.table(StandardTables.BINARY).add("X", new byte[5000]);
        db.summary().timestamp(Instant.ofEpochSecond(1));
        Path a = tmp.resolve("a.msi");
        Path b = tmp.resolve("b.msi");
        db.write(a);
        db.write(b);
        assertThat(Files.readAllBytes(a)).isEqualTo(Files.readAllBytes(b));
        assertThat(Files.size(a) % 512).isZero();
    }

    @Test
    void checkReferencesReportsDanglingForeignKeys() {
        MsiDatabase db = newDatabase();
        db.table(StandardTables.DIRECTORY).add("TARGETDIR", null, "SourceDir").add("INSTALLDIR", "TARGETDIR", "App");
        db.table(StandardTables.COMPONENT).add("c1", null, "INSTALLDIR", 0, null, "f1").add("c2", null, "NOWHERE", 0, null, null);
        db.table(StandardTables.FILE).add("f1", "c1", "a.txt", 1, "1.0.0.0", null, null, 1).add("f9", "c9", "b.txt", 1, null, null, null, 2);
        db.table(StandardTables.FEATURE_COMPONENTS).add("Complete", "c1");
        assertThat(db.checkReferences()).containsExactlyInAnyOrder(
                "Component.Directory_ = 'NOWHERE' (row c2): no such key in Directory.Directory",
                "File.Component_ = 'c9' (row f9): no such key in Component.Component",
                "FeatureComponents.Feature_ = 'Complete' (row Complete.c1): no such key in table Feature (not in the database)");
        db.table(StandardTables.FEATURE).add("Complete", null, null, null, 1, 1, null, 0);
        db.table(StandardTables.DIRECTORY).add("NOWHERE", "TARGETDIR", "n");
        db.table(StandardTables.FILE).remove("f9");
        assertThat(db.checkReferences()).isEmpty();
    }
}
