package io.packyard.repository.packages;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import io.packyard.msi.db.MsiDatabase;
import io.packyard.msi.db.MsiVersion;
import io.packyard.msi.db.StandardTables;
import io.packyard.msi.db.Table;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DownloadArtifactsTest {
    @TempDir
    Path dir;

    /** A real (small) Windows Installer database by Packyard's writer, for PEP 440 {@code version}; {@code seed} varies the bytes. */
    static Path msi(Path file, String version, int seed) throws IOException {
        return msi(file, MsiVersion.fromPep440(version).toString(), "x64;1033", "Acme Notes", "Acme", seed);
    }

    static Path msi(Path file, String productVersion, String template, String productName, String manufacturer, int seed)
            throws IOException {
        MsiDatabase db = MsiDatabase.builder().build();
        db.summary().template(template).packageCode(new UUID(seed, 42));
        Table props = db.table(StandardTables.PROPERTY)
                .add("ProductVersion", productVersion)
                .add("ProductCode", "{0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0}")
                .add("UpgradeCode", "{AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE}")
                .add("Seed", Integer.toString(seed));
        if (productName != null) {
            props.add("ProductName", productName);
        }
        if (manufacturer != null) {
            props.add("Manufacturer", manufacturer);
        }
        db.write(file);
        return file;
    }

    static Path zip(Path file, String... entries) throws IOException {
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(file))) {
            for (String e : entries) {
                z.putNextEntry(new ZipEntry(e));
                if (!e.endsWith("/")) {
                    z.write(("content of " + e).getBytes(StandardCharsets.UTF_8));
                }
                z.closeEntry();
            }
        }
        return file;
    }

    static Path tarGz(Path file, String... entries) throws IOException {
        try (OutputStream out = Files.newOutputStream(file);
                GzipCompressorOutputStream gz = new GzipCompressorOutputStream(out);
                TarArchiveOutputStream tar = new TarArchiveOutputStream(gz)) {
            for (String e : entries) {
                TarArchiveEntry t = new TarArchiveEntry(e);
                byte[] data = e.endsWith("/") ? new byte[0] : ("content of " + e).getBytes(StandardCharsets.UTF_8);
                t.setSize(data.length);
                tar.putArchiveEntry(t);
                tar.write(data);
                tar.closeArchiveEntry();
            }
        }
        return file;
    }

    @Test
    void namesFollowPackyardsConventionStrictly() {
        assertThat(DownloadArtifacts.parseName("acme-notes-2.1-x64.msi"))
                .isEqualTo(new DownloadArtifacts.Artifact("msi", "acme-notes", "2.1", "windows-x64"));
        assertThat(DownloadArtifacts.parseName("acme-notes-2.1-arm64.msi").platform()).isEqualTo("windows-arm64");
        assertThat(DownloadArtifacts.parseName("Acme_Notes-2.1rc1-linux-x86_64.tar.gz"))
                .isEqualTo(new DownloadArtifacts.Artifact("tar.gz", "Acme_Notes", "2.1rc1", "linux-x86_64"));
        assertThat(DownloadArtifacts.parseName("acme-notes-2.1-windows-x64.zip").project()).isEqualTo("acme-notes");
        assertThatThrownBy(() -> DownloadArtifacts.parseName("notes.msi")).isInstanceOf(PackageRejectedException.class)
                .hasMessage("notes.msi: expected Packyard's installer name <name>-<version>-<arch>.msi (arch x64 or arm64)");
        assertThatThrownBy(() -> DownloadArtifacts.parseName("notes-1.0-x86_64.msi")).isInstanceOf(PackageRejectedException.class);
        assertThatThrownBy(() -> DownloadArtifacts.parseName("notes-1.0.zip")).isInstanceOf(PackageRejectedException.class)
                .hasMessageContaining("<name>-<version>-<target>.zip");
        assertThatThrownBy(() -> DownloadArtifacts.parseName("notes-one.two-linux-x86_64.zip"))
                .hasMessage("notes-one.two-linux-x86_64.zip: version 'one.two': not a valid PEP 440 version");
        assertThat(DownloadArtifacts.formatOf("a.TAR.GZ")).hasValue("tar.gz");
        assertThat(DownloadArtifacts.formatOf("a.deb")).isEmpty();
    }

    @Test
    void anMsiMustBeAnOleCompoundFile() throws IOException {
        Path bad = Files.writeString(dir.resolve("bad"), "MZ this is not an installer".repeat(40));
        assertThatThrownBy(() -> DownloadArtifacts.inspect(bad, "notes-1.0-x64.msi")).isInstanceOf(PackageRejectedException.class)
                .hasMessage("notes-1.0-x64.msi: not a Windows Installer package (no OLE compound file signature"
                        + " D0 CF 11 E0 A1 B1 1A E1)");
    }

    @Test
    void anMsiIsAcceptedAfterItsOwnMetadataIsReadAndChecked() throws IOException {
        Path good = msi(dir.resolve("good"), "1.0", 1);
        DownloadArtifacts.Artifact a = DownloadArtifacts.inspect(good, "notes-1.0-x64.msi");
        assertThat(a).extracting(DownloadArtifacts.Artifact::format, DownloadArtifacts.Artifact::name,
                DownloadArtifacts.Artifact::version, DownloadArtifacts.Artifact::platform)
                .containsExactly("msi", "notes", "1.0", "windows-x64");
        assertThat(a.metadata()).isEqualTo(Map.of("ProductName", "Acme Notes", "ProductVersion", "1.0.400",
                "Manufacturer", "Acme", "ProductCode", "{0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0}",
                "UpgradeCode", "{AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE}", "Template", "x64;1033"));

        Path arm = msi(dir.resolve("arm"), "2.1.3302", "Arm64;1033", "Acme Notes", "Acme", 2);
        assertThat(DownloadArtifacts.inspect(arm, "notes-2.1.3rc2-arm64.msi").platform()).isEqualTo("windows-arm64");
        // an installer by another tool whose ProductVersion is the name's version itself
        Path literal = msi(dir.resolve("lit"), "2.1.3", "x64;1033", "Acme Notes", "Acme", 3);
        assertThat(DownloadArtifacts.inspect(literal, "notes-2.1.3-x64.msi").version()).isEqualTo("2.1.3");
        assertThat(DownloadArtifacts.versionMatches("1.2.3400.0", "1.2.3")).isTrue();
        assertThat(DownloadArtifacts.versionMatches("1.2.3401", "1.2.3")).isFalse();
        assertThat(DownloadArtifacts.versionMatches("1.2.3-beta", "1.2.3")).isFalse();
    }

    @Test
    void anMsiWhoseMetadataContradictsItsNameIsRefused() throws IOException {
        Path v10 = msi(dir.resolve("v10"), "1.0", 1);
        assertThatThrownBy(() -> DownloadArtifacts.inspect(v10, "notes-1.1-x64.msi")).isInstanceOf(PackageRejectedException.class)
                .hasMessage("notes-1.1-x64.msi: Property table: ProductVersion 1.0.400 does not match version 1.1 in the"
                        + " file name (expected 1.1.400, Packyard's MSI form of it, or 1.1)");
        assertThatThrownBy(() -> DownloadArtifacts.inspect(v10, "notes-1.0-arm64.msi"))
                .hasMessage("notes-1.0-arm64.msi: summary information: Template 'x64;1033' names platform x64, but the file"
                        + " name says arm64 (expected Template Arm64;<languages>)");
        Path intel = msi(dir.resolve("intel"), "1.0.400", "Intel;1033", "Acme Notes", "Acme", 1);
        assertThatThrownBy(() -> DownloadArtifacts.inspect(intel, "notes-1.0-x64.msi"))
                .hasMessageContaining("Template 'Intel;1033' names platform Intel, but the file name says x64");
        Path none = msi(dir.resolve("none"), "1.0.400", ";1033", "Acme Notes", "Acme", 1);
        assertThatThrownBy(() -> DownloadArtifacts.inspect(none, "notes-1.0-x64.msi"))
                .hasMessageContaining("names no platform (Intel, 32-bit)");
        Path noName = msi(dir.resolve("nn"), "1.0.400", "x64;1033", null, "Acme", 1);
        assertThatThrownBy(() -> DownloadArtifacts.inspect(noName, "notes-1.0-x64.msi"))
                .hasMessage("notes-1.0-x64.msi: Property table: ProductName is missing");
        Path noMaker = msi(dir.resolve("nm"), "1.0.400", "x64;1033", "Acme Notes", " ", 1);
        assertThatThrownBy(() -> DownloadArtifacts.inspect(noMaker, "notes-1.0-x64.msi"))
                .hasMessage("notes-1.0-x64.msi: Property table: Manufacturer is missing");

        // tampered after the build: the ProductVersion string in _StringData changed in place (same length)
        byte[] bytes = Files.readAllBytes(v10);
        int at = indexOf(bytes, "1.0.400".getBytes(StandardCharsets.US_ASCII));
        assertThat(at).isPositive();
        bytes[at + 2] = '9';
        Path tampered = Files.write(dir.resolve("tampered"), bytes);
        assertThatThrownBy(() -> DownloadArtifacts.inspect(tampered, "notes-1.0-x64.msi"))
                .hasMessageStartingWith("notes-1.0-x64.msi: Property table: ProductVersion 1.9.400 does not match version 1.0");
    }

    static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Test
    void anOleFileThatIsNoInstallerIsRefused() throws IOException {
        Path doc = dir.resolve("letter.doc");
        try (org.apache.poi.poifs.filesystem.POIFSFileSystem fs = new org.apache.poi.poifs.filesystem.POIFSFileSystem()) {
            fs.createDocument(new java.io.ByteArrayInputStream(new byte[5000]), "WordDocument");
            try (OutputStream out = Files.newOutputStream(doc)) {
                fs.writeFilesystem(out);
            }
        }
        assertThatThrownBy(() -> DownloadArtifacts.inspect(doc, "notes-1.0-x64.msi")).isInstanceOf(PackageRejectedException.class)
                .hasMessage("notes-1.0-x64.msi: not a Windows Installer package: an OLE compound file but not a Windows"
                        + " Installer database (no _StringPool, _StringData or _Columns stream)");
    }

    /** An installer written by wixl (msitools), not by Packyard: accepted on its own metadata, refused under another version. */
    @Test
    @org.junit.jupiter.api.Tag("system")
    void anMsiWrittenByWixlIsCheckedTheSameWay() throws Exception {
        Files.writeString(dir.resolve("readme.txt"), "hello\n");
        Path wxs = Files.writeString(dir.resolve("tiny.wxs"), """
                <?xml version="1.0" encoding="utf-8"?>
                <Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">
                  <Product Id="*" Name="Tiny Tool" Language="1033" Version="3.4.5400" Manufacturer="Tiny Corp"
                           UpgradeCode="{ABCDEF01-2345-6789-ABCD-EF0123456789}">
                    <Package InstallerVersion="200" Compressed="yes" Platform="x64"/>
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
        Path msi = dir.resolve("tiny.msi");
        Process p = new ProcessBuilder("wixl", "-a", "x64", "-o", msi.toString(), wxs.toString())
                .directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("wixl: " + out).isZero();
        DownloadArtifacts.Artifact a = DownloadArtifacts.inspect(msi, "tiny-tool-3.4.5-x64.msi");
        assertThat(a.platform()).isEqualTo("windows-x64");
        assertThat(a.metadata()).containsEntry("ProductName", "Tiny Tool").containsEntry("Manufacturer", "Tiny Corp")
                .containsEntry("ProductVersion", "3.4.5400").containsEntry("Template", "x64;1033")
                .containsEntry("UpgradeCode", "{ABCDEF01-2345-6789-ABCD-EF0123456789}").containsKey("ProductCode");
        assertThatThrownBy(() -> DownloadArtifacts.inspect(msi, "tiny-tool-3.4.6-x64.msi"))
                .hasMessageStartingWith("tiny-tool-3.4.6-x64.msi: Property table: ProductVersion 3.4.5400 does not match");
        assertThatThrownBy(() -> DownloadArtifacts.inspect(msi, "tiny-tool-3.4.5-arm64.msi"))
                .hasMessageContaining("Template 'x64;1033' names platform x64, but the file name says arm64");
    }

    @Test
    void archivesMustHoldOneTopFolderNamedAfterNameAndVersion() throws IOException {
        Path z = zip(dir.resolve("z"), "notes-1.0/", "notes-1.0/bin/notes.exe", "notes-1.0/README.txt");
        assertThat(DownloadArtifacts.inspect(z, "notes-1.0-windows-x64.zip").format()).isEqualTo("zip");
        assertThatThrownBy(() -> DownloadArtifacts.inspect(z, "notes-1.1-windows-x64.zip"))
                .hasMessage("notes-1.1-windows-x64.zip: entry 'notes-1.0/': expected every entry inside the single top folder notes-1.1/");
        Path twoTops = zip(dir.resolve("z2"), "notes-1.0/a", "other/b");
        assertThatThrownBy(() -> DownloadArtifacts.inspect(twoTops, "notes-1.0-windows-x64.zip")).hasMessageContaining("entry 'other/b'");
        Path notZip = Files.writeString(dir.resolve("nz"), "not a zip");
        assertThatThrownBy(() -> DownloadArtifacts.inspect(notZip, "notes-1.0-windows-x64.zip"))
                .isInstanceOf(PackageRejectedException.class).hasMessageStartingWith("notes-1.0-windows-x64.zip: not a readable zip");

        Path t = tarGz(dir.resolve("t"), "notes-1.0/", "notes-1.0/bin/notes", "./notes-1.0/share/x");
        assertThat(DownloadArtifacts.inspect(t, "notes-1.0-linux-x86_64.tar.gz").platform()).isEqualTo("linux-x86_64");
        Path escape = tarGz(dir.resolve("t2"), "notes-1.0/../../etc/passwd");
        assertThatThrownBy(() -> DownloadArtifacts.inspect(escape, "notes-1.0-linux-x86_64.tar.gz"))
                .hasMessageContaining("entry 'notes-1.0/../../etc/passwd'");
        byte[] whole = Files.readAllBytes(t);
        Path truncated = Files.write(dir.resolve("t3"), Arrays.copyOf(whole, whole.length - 12));
        assertThatThrownBy(() -> DownloadArtifacts.inspect(truncated, "notes-1.0-linux-x86_64.tar.gz"))
                .isInstanceOf(PackageRejectedException.class).hasMessageContaining("not a readable gzip-compressed tar archive");
        Path empty = tarGz(dir.resolve("t4"));
        assertThatThrownBy(() -> DownloadArtifacts.inspect(empty, "notes-1.0-linux-x86_64.tar.gz")).hasMessageEndingWith("the archive is empty");
    }

    @Test
    void publishingStoresDownloadsRefusesOtherContentAndListsTheNewest() throws IOException {
        DirectoryPackageStore store = new DirectoryPackageStore(dir.resolve("store"));
        LinuxRepositories repos = LinuxRepositories.builder().store(store)
                .clock(Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC)).build();
        Path m19 = msi(dir.resolve("a"), "1.9", 1);
        LinuxRepositories.PublishResult r = repos.publish(m19, "notes-1.9-x64.msi", "acme", "stable");
        assertThat(r.changed()).isTrue();
        assertThat(r.published().path()).isEqualTo("downloads/acme/notes/stable/notes-1.9-x64.msi");
        assertThat(PackageStore.isPublic(r.published().path())).isTrue();
        assertThat(store.read(r.published().path()).orElseThrow()).isEqualTo(Files.readAllBytes(m19));
        assertThat(r.published().sha256()).isEqualTo(Digests.sha256(m19));
        assertThat(repos.publish(m19, "notes-1.9-x64.msi", "acme", "stable").changed()).isFalse();
        Path other = msi(dir.resolve("b"), "1.9", 2);
        assertThatThrownBy(() -> repos.publish(other, "notes-1.9-x64.msi", "acme", "stable"))
                .isInstanceOf(PackageConflictException.class).hasMessageContaining("File already exists");

        repos.publish(msi(dir.resolve("c"), "1.10", 3), "notes-1.10-x64.msi", "acme", "stable");
        repos.publish(zip(dir.resolve("z"), "notes-1.10/x"), "notes-1.10-windows-x64.zip", "acme", "stable");
        repos.publish(tarGz(dir.resolve("t"), "notes-1.2/x"), "notes-1.2-linux-x86_64.tar.gz", "acme", "beta");

        List<Downloads.Download> latest = repos.latestDownloads("acme");
        assertThat(latest).extracting(d -> d.channel() + " " + d.platform() + "." + d.format() + " " + d.version())
                .containsExactly("beta linux-x86_64.tar.gz 1.2", "stable windows-x64.msi 1.10", "stable windows-x64.zip 1.10");
        assertThat(repos.latestDownloads("other")).isEmpty();
        assertThat(repos.downloads("acme")).hasSize(4);
        assertThatThrownBy(() -> repos.publish(Files.writeString(dir.resolve("x"), "x"), "notes.txt", "acme", "stable"))
                .isInstanceOf(PackageRejectedException.class).hasMessageContaining("neither a .deb nor an .rpm");
    }
}
