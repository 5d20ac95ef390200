package io.packyard.msi.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.apache.poi.poifs.filesystem.POIFSFileSystem;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link MsiReader} on databases written by Packyard's own writer, on other OLE files and on damaged ones. */
class MsiReaderTest {

    @TempDir
    Path dir;

    static MsiDatabase identity(MsiDatabase db, String version, String template) {
        db.summary().template(template).packageCode(UUID.fromString("11111111-2222-3333-4444-555555555555"));
        db.table(StandardTables.PROPERTY)
                .add("ProductName", "Acme Notes")
                .add("ProductVersion", version)
                .add("Manufacturer", "Acme Café")
                .add("ProductCode", "{0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0}")
                .add("UpgradeCode", "{AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE}")
                .add("ProductLanguage", "1033");
        return db;
    }

    @Test
    void readsThePropertyTableAndTemplateOfPackyardsOwnDatabase() throws IOException {
        Path msi = dir.resolve("a.msi");
        MsiDatabase db = identity(MsiDatabase.builder().build(), "1.2.3400", "x64;1033");
        // other tables before and after Property in _Columns, with integer, nullable and binary columns
        db.table(StandardTables.BINARY).add("Logo", new byte[] {1, 2, 3});
        db.table(StandardTables.MEDIA).add(1, 42, null, "#cab1.cab", null, null);
        db.write(msi);

        MsiReader.Info info = MsiReader.read(msi);
        assertThat(info.productName()).isEqualTo("Acme Notes");
        assertThat(info.productVersion()).isEqualTo("1.2.3400");
        assertThat(info.manufacturer()).isEqualTo("Acme Café");
        assertThat(info.productCode()).isEqualTo("{0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0}");
        assertThat(info.upgradeCode()).isEqualTo("{AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE}");
        assertThat(info.properties()).containsOnlyKeys("ProductName", "ProductVersion", "Manufacturer", "ProductCode",
                "UpgradeCode", "ProductLanguage");
        assertThat(info.template()).isEqualTo("x64;1033");
        assertThat(info.platform()).isEqualTo("x64");
        assertThat(info.languages()).containsExactly("1033");
        assertThat(info.codepage()).isEqualTo(1252);
    }

    @Test
    void readsUtf8DatabasesLongStringsAndThreeByteStringReferences() throws IOException {
        Path msi = dir.resolve("big.msi");
        MsiDatabase db = identity(MsiDatabase.builder().codepage(65001).build(), "2.0.400", "Arm64;1033,1031");
        String huge = "ü".repeat(40_000); // 80,000 bytes in UTF-8: a pool entry of two pairs
        db.table(StandardTables.PROPERTY).add("Huge", huge).add("Greek", "Ελληνικά");
        // 70,000 distinct strings: the pool flags 3-byte references
        Table t = db.table(TableSchema.of("Filler", Column.string("Key", 16).key(), Column.shortInt("N").nullable()));
        for (int i = 0; i < 70_000; i++) {
            t.add("k" + i, i % 3 == 0 ? null : i % 30000);
        }
        db.write(msi);
        byte[] pool = streamBytes(msi, StreamNames.encode("_StringPool", true));
        assertThat(pool[3] & 0x80).as("long string references flagged").isNotZero();

        MsiReader.Info info = MsiReader.read(msi);
        assertThat(info.property("Huge")).isEqualTo(huge);
        assertThat(info.property("Greek")).isEqualTo("Ελληνικά");
        assertThat(info.productVersion()).isEqualTo("2.0.400");
        assertThat(info.platform()).isEqualTo("Arm64");
        assertThat(info.languages()).containsExactly("1033", "1031");
        assertThat(info.codepage()).isEqualTo(65001);
    }

    static byte[] streamBytes(Path msi, String name) throws IOException {
        try (POIFSFileSystem fs = new POIFSFileSystem(msi.toFile(), true);
                var in = fs.createDocumentInputStream(name)) {
            return in.readAllBytes();
        }
    }

    @Test
    void anOleFileThatIsNoInstallerDatabaseIsRefusedWithAClearMessage() throws IOException {
        Path doc = dir.resolve("letter.doc");
        try (POIFSFileSystem fs = new POIFSFileSystem()) {
            fs.createDocument(new ByteArrayInputStream("Dear reader".getBytes(StandardCharsets.UTF_8)), "WordDocument");
            fs.createDocument(new ByteArrayInputStream(new byte[600]), "1Table");
            try (OutputStream out = Files.newOutputStream(doc)) {
                fs.writeFilesystem(out);
            }
        }
        assertThatThrownBy(() -> MsiReader.read(doc)).isInstanceOf(MsiReader.InvalidMsiException.class)
                .hasMessage("an OLE compound file but not a Windows Installer database"
                        + " (no _StringPool, _StringData or _Columns stream)");
    }

    @Test
    void otherFilesAndDamagedDatabasesAreRefused() throws IOException {
        Path text = Files.writeString(dir.resolve("x.msi"), "MZ not an installer at all".repeat(100));
        assertThatThrownBy(() -> MsiReader.read(text)).isInstanceOf(MsiReader.InvalidMsiException.class)
                .hasMessageStartingWith("not a readable OLE compound file (");

        Path msi = dir.resolve("ok.msi");
        identity(MsiDatabase.builder().build(), "1.0.400", "x64;1033").write(msi);
        byte[] good = Files.readAllBytes(msi);
        Path truncated = Files.write(dir.resolve("cut.msi"), java.util.Arrays.copyOf(good, 1536));
        assertThatThrownBy(() -> MsiReader.read(truncated)).isInstanceOf(MsiReader.InvalidMsiException.class)
                .hasMessageNotContaining("\n");

        // a database without a Property table
        Path noProps = dir.resolve("noprops.msi");
        MsiDatabase db = MsiDatabase.builder().build();
        db.summary().template("x64;1033").packageCode(UUID.fromString("11111111-2222-3333-4444-555555555555"));
        db.table(StandardTables.MEDIA).add(1, 42, null, "#cab1.cab", null, null);
        db.write(noProps);
        assertThatThrownBy(() -> MsiReader.read(noProps)).hasMessage("no Property table");
    }

    @Test
    void aStringPoolPointingBeyondItsDataIsRefused() {
        byte[] pool = {(byte) 0xE4, 0x04, 0, 0, /* id 1: 10 bytes */ 10, 0, 1, 0};
        assertThatThrownBy(() -> MsiReader.StringPool.parse(pool, new byte[4]))
                .isInstanceOf(MsiReader.InvalidMsiException.class)
                .hasMessage("_StringData: 4 bytes, shorter than the lengths _StringPool lists");
    }

    /** wixl (msitools) writes a package independently of Packyard; the reader must read it too. */
    @Test
    @Tag("system")
    void readsAPackageWrittenByWixl() throws Exception {
        Path wxs = Files.writeString(dir.resolve("tiny.wxs"), """
                <?xml version="1.0" encoding="utf-8"?>
                <Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">
                  <Product Id="{12345678-1234-1234-1234-123456789ABC}" Name="Tiny Tool" Language="1033"
                           Version="3.4.5400" Manufacturer="Tiny Corp" UpgradeCode="{ABCDEF01-2345-6789-ABCD-EF0123456789}">
                    <Package InstallerVersion="200" Compressed="yes" Comments="made by wixl" Platform="x64"/>
                    <Media Id="1" Cabinet="tiny.cab" EmbedCab="yes"/>
                    <Directory Id="TARGETDIR" Name="SourceDir">
                      <Directory Id="ProgramFiles64Folder">
                        <Directory Id="INSTALLDIR" Name="Tiny">
                          <Component Id="Readme" Guid="{87654321-4321-4321-4321-CBA987654321}" Win64="yes">
                            <File Id="ReadmeTxt" Name="readme.txt" Source="readme.txt" KeyPath="yes"/>
                          </Component>
                        </Directory>
                      </Directory>
                    </Directory>
                    <Feature Id="Main" Level="1"><ComponentRef Id="Readme"/></Feature>
                  </Product>
                </Wix>
                """);
        Files.writeString(dir.resolve("readme.txt"), "hello\n");
        Path msi = dir.resolve("tiny.msi");
        Process p = new ProcessBuilder("wixl", "-a", "x64", "-o", msi.toString(), wxs.toString())
                .directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("wixl: " + out).isZero();

        MsiReader.Info info = MsiReader.read(msi);
        assertThat(info.productName()).isEqualTo("Tiny Tool");
        assertThat(info.productVersion()).isEqualTo("3.4.5400");
        assertThat(info.manufacturer()).isEqualTo("Tiny Corp");
        assertThat(info.productCode()).isEqualTo("{12345678-1234-1234-1234-123456789ABC}");
        assertThat(info.upgradeCode()).isEqualTo("{ABCDEF01-2345-6789-ABCD-EF0123456789}");
        assertThat(info.platform()).isEqualTo("x64");
        assertThat(info.languages()).containsExactly("1033");
        // the same properties msiinfo (an independent reader) exports
        Process e = new ProcessBuilder("msiinfo", "export", msi.toString(), "Property").redirectErrorStream(true).start();
        String idt = new String(e.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(e.waitFor()).as(idt).isZero();
        long rows = idt.lines().skip(3).filter(l -> !l.isBlank()).count();
        assertThat(info.properties()).hasSize((int) rows);
        idt.lines().skip(3).filter(l -> !l.isBlank()).forEach(l -> {
            String[] kv = l.split("\t", 2);
            assertThat(info.property(kv[0])).as(kv[0]).isEqualTo(kv.length > 1 ? kv[1] : "");
        });
    }
}
