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
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DownloadArtifactsTest {
    @TempDir
    Path dir;

    static final byte[] OLE = {(byte) 0xD0, (byte) 0xCF, 0x11, (byte) 0xE0, (byte) 0xA1, (byte) 0xB1, 0x1A, (byte) 0xE1};

    static Path msi(Path file, int seed) throws IOException {
        byte[] b = new byte[4096];
        System.arraycopy(OLE, 0, b, 0, OLE.length);
        Arrays.fill(b, 8, b.length, (byte) seed);
        return Files.write(file, b);
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
        Path good = msi(dir.resolve("good"), 1);
        assertThat(DownloadArtifacts.inspect(good, "notes-1.0-x64.msi").version()).isEqualTo("1.0");
        Path bad = Files.writeString(dir.resolve("bad"), "MZ this is not an installer".repeat(40));
        assertThatThrownBy(() -> DownloadArtifacts.inspect(bad, "notes-1.0-x64.msi")).isInstanceOf(PackageRejectedException.class)
                .hasMessage("notes-1.0-x64.msi: not a Windows Installer package (no OLE compound file signature"
                        + " D0 CF 11 E0 A1 B1 1A E1)");
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
        Path m19 = msi(dir.resolve("a"), 1);
        LinuxRepositories.PublishResult r = repos.publish(m19, "notes-1.9-x64.msi", "acme", "stable");
        assertThat(r.changed()).isTrue();
        assertThat(r.published().path()).isEqualTo("downloads/acme/notes/stable/notes-1.9-x64.msi");
        assertThat(PackageStore.isPublic(r.published().path())).isTrue();
        assertThat(store.read(r.published().path()).orElseThrow()).isEqualTo(Files.readAllBytes(m19));
        assertThat(r.published().sha256()).isEqualTo(Digests.sha256(m19));
        assertThat(repos.publish(m19, "notes-1.9-x64.msi", "acme", "stable").changed()).isFalse();
        Path other = msi(dir.resolve("b"), 2);
        assertThatThrownBy(() -> repos.publish(other, "notes-1.9-x64.msi", "acme", "stable"))
                .isInstanceOf(PackageConflictException.class).hasMessageContaining("File already exists");

        repos.publish(msi(dir.resolve("c"), 3), "notes-1.10-x64.msi", "acme", "stable");
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
