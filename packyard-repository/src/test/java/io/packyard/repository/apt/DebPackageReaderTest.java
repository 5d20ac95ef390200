package io.packyard.repository.apt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.packyard.repository.packages.Cmd;
import io.packyard.repository.packages.Digests;
import io.packyard.repository.packages.PackageRejectedException;
import io.packyard.repository.packages.TestPackages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DebPackageReaderTest {
    @TempDir
    Path work;

    @Test
    @Tag("system")
    void readsAPackyardDebLikeDpkgDeb() throws IOException {
        Path deb = TestPackages.packyardDeb(work, "reader-app", "1.2rc1");
        DebPackage p = DebPackageReader.read(deb);

        assertThat(p.name()).isEqualTo("reader-app");
        assertThat(p.version()).isEqualTo(dpkgField(deb, "Version")).isEqualTo("1.2~rc1-1");
        assertThat(p.architecture()).isEqualTo(dpkgField(deb, "Architecture"));
        assertThat(p.source()).isEqualTo("reader-app");
        assertThat(p.size()).isEqualTo(Files.size(deb));
        assertThat(p.sha256()).isEqualTo(Digests.sha256(deb));
        assertThat(p.md5()).isEqualTo(Cmd.run("md5sum", deb.toString()).ok().stdout().split(" ")[0]);
        assertThat(p.sha1()).isEqualTo(Cmd.run("sha1sum", deb.toString()).ok().stdout().split(" ")[0]);
        // every field dpkg-deb sees, with the same value (continuation lines included)
        List<String> names = p.control().fields().stream().map(ControlParagraph.Field::name).toList();
        assertThat(names).contains("Package", "Version", "Architecture", "Maintainer", "Installed-Size", "Description");
        for (ControlParagraph.Field f : p.control().fields()) {
            assertThat(p.control().get(f.name()).orElseThrow()).as(f.name()).isEqualTo(dpkgField(deb, f.name()));
        }
        assertThat(p.fileName()).isEqualTo(deb.getFileName().toString());
    }

    @Test
    @Tag("system")
    void keepsEpochsSourceVersionsAndMultiLineFields() throws IOException {
        Path deb = TestPackages.dpkgDeb(work, "libfoo-tools_1.0-2_all.deb", """
                Package: libfoo-tools
                Source: libfoo (1:1.0-2)
                Version: 1:1.0-2
                Architecture: all
                Maintainer: Packyard Tests <tests@packyard.example.org>
                Installed-Size: 12
                Depends: libc6 (>= 2.31), python3:any
                Pre-Depends: dpkg (>= 1.19)
                Multi-Arch: foreign
                Section: utils
                Priority: optional
                Homepage: https://example.org/libfoo
                Description: tools for libfoo
                 A longer description
                 .
                 with a paragraph break.
                """, Map.of("usr/share/doc/libfoo-tools/README", "readme\n"));
        DebPackage p = DebPackageReader.read(deb);
        assertThat(p.version()).isEqualTo("1:1.0-2");
        assertThat(p.source()).isEqualTo("libfoo");
        assertThat(p.fileName()).isEqualTo("libfoo-tools_1.0-2_all.deb");
        assertThat(p.poolDirectory("main")).isEqualTo("pool/main/libf/libfoo/");
        assertThat(p.control().get("Description").orElseThrow())
                .isEqualTo("tools for libfoo\n A longer description\n .\n with a paragraph break.");
        String stanza = p.stanza("pool/main/libf/libfoo/libfoo-tools_1.0-2_all.deb").format();
        assertThat(stanza).startsWith("Package: libfoo-tools\nSource: libfoo (1:1.0-2)\nVersion: 1:1.0-2\n");
        assertThat(stanza).endsWith("Filename: pool/main/libf/libfoo/libfoo-tools_1.0-2_all.deb\nSize: " + p.size()
                + "\nMD5sum: " + p.md5() + "\nSHA1: " + p.sha1() + "\nSHA256: " + p.sha256() + "\n");
        assertThat(ControlParagraph.parse(stanza).format()).isEqualTo(stanza);
    }

    @Test
    @Tag("system")
    void refusesTruncatedAndDamagedFiles() throws IOException {
        Path deb = TestPackages.packyardDeb(work, "broken-app", "1.0");
        byte[] bytes = Files.readAllBytes(deb);
        Path half = Files.write(work.resolve("half.deb"), java.util.Arrays.copyOf(bytes, bytes.length / 2));
        assertThatThrownBy(() -> DebPackageReader.read(half))
                .isInstanceOf(PackageRejectedException.class)
                .hasMessageStartingWith("half.deb: ")
                .hasMessageMatching("half\\.deb: truncated.*");

        byte[] flipped = bytes.clone();
        flipped[bytes.length - 100] ^= 0x55;
        Path damaged = Files.write(work.resolve("damaged.deb"), flipped);
        assertThatThrownBy(() -> DebPackageReader.read(damaged))
                .isInstanceOf(PackageRejectedException.class)
                .hasMessageContaining("data.tar.xz: damaged or truncated");

        Path text = Files.writeString(work.resolve("text.deb"), "hello\n");
        assertThatThrownBy(() -> DebPackageReader.read(text)).hasMessage("text.deb: not a .deb (no ar archive signature)");
    }

    @Test
    void refusesBadControlFiles() throws IOException {
        assertRefused("Package: ok\nArchitecture: amd64\nDescription: x\n", "control: missing Version field");
        assertRefused("Package: ok\nVersion: 1.0 beta\nArchitecture: amd64\n", "control: Version '1.0 beta': not a Debian version");
        assertRefused("Package: ok\nVersion: beta\nArchitecture: amd64\n", "control: Version 'beta': not a Debian version");
        assertRefused("Package: Bad_Name\nVersion: 1.0\nArchitecture: amd64\n", "control: Package 'Bad_Name'");
        assertRefused("Package: ok\nVersion: 1.0\nArchitecture: any\n", "control: Architecture 'any'");
        assertRefused("Package: ok\nVersion: 1.0\nArchitecture: amd64\nSHA256: 00\n", "control: field SHA256 belongs in a repository index");
        assertRefused("Package: ok\nVersion: 1.0\nVersion: 2.0\nArchitecture: amd64\n", "control: line 3: field Version appears twice");
        assertRefused("Package: ok\nVersion: 1.0\nArchitecture: amd64\n\nPackage: two\n", "control: line 4: a blank line inside the paragraph");
        assertRefused("Package: ok\nVersion: 1.0\nArchitecture: amd64\nInstalled-Size: lots\n", "control: Installed-Size 'lots'");
        assertThatThrownBy(() -> DebPackageReader.read(handMade("zstd.deb", "control.tar.zst", new byte[10], "data.tar.xz")))
                .hasMessageContaining("control.tar.zst: zstd-compressed .deb members are not supported yet");
        assertThatThrownBy(() -> DebPackageReader.read(handMade("order.deb", "data.tar.gz", controlTar("Package: ok\n"), "control.tar.gz")))
                .hasMessageContaining("second member is 'data.tar.gz', expected control.tar");
    }

    @Test
    void acceptsAHandMadeMinimalDeb() throws IOException {
        Path deb = handMade("min.deb", "control.tar.gz", controlTar("Package: min\nVersion: 0.1\nArchitecture: arm64\n"), "data.tar.gz");
        DebPackage p = DebPackageReader.read(deb);
        assertThat(p.name()).isEqualTo("min");
        assertThat(p.architecture()).isEqualTo("arm64");
        assertThat(p.sha256()).isEqualTo(Digests.sha256(deb));
    }

    private void assertRefused(String control, String message) throws IOException {
        Path deb = handMade("bad.deb", "control.tar.gz", controlTar(control), "data.tar.gz");
        assertThatThrownBy(() -> DebPackageReader.read(deb))
                .isInstanceOf(PackageRejectedException.class)
                .hasMessageStartingWith("bad.deb: " + message);
    }

    private static String dpkgField(Path deb, String field) {
        return Cmd.run("dpkg-deb", "-f", deb.toString(), field).ok().stdout().replaceAll("\n$", "");
    }

    static byte[] controlTar(String control) throws IOException {
        return DebFiles.tarGz(Map.of("./control", control));
    }

    /** debian-binary, {@code second} (with {@code secondContent}), {@code third} (a small tar.gz). */
    private Path handMade(String name, String second, byte[] secondContent, String third) throws IOException {
        return DebFiles.ar(work, name, second, secondContent, third, DebFiles.tarGz(Map.of("./usr/share/doc/x/README", "x\n")));
    }
}
