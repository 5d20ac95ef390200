package io.packyard.formats.msi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.packyard.bundle.Bundle;
import io.packyard.bundle.Target;
import io.packyard.formats.PackageFormat;
import io.packyard.formats.PackageFormats;
import io.packyard.formats.testkit.FixtureBundle;
import io.packyard.formats.testkit.Packages;
import io.packyard.formats.testkit.WindowsFixtureBundle;
import io.packyard.python.PackyardException;
import io.packyard.python.util.Progress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The .msi writer without external tools (those are in MsiToolsTest and MsiInstallTest). */
class MsiFormatTest {
    @TempDir
    Path tmp;

    private static WindowsFixtureBundle fixture() {
        return WindowsFixtureBundle.named("msi-unit").fakeInterpreter().startMenu("Hello", "msi-unit-hello");
    }

    @Test
    void isRegisteredForWindowsTargetsOnly() {
        List<PackageFormat> formats = PackageFormats.parse("msi");
        assertThat(formats).singleElement().isInstanceOf(MsiFormat.class);
        MsiFormat msi = new MsiFormat();
        assertThat(msi.supports(Target.WINDOWS_X64)).isTrue();
        assertThat(msi.supports(Target.WINDOWS_ARM64)).isTrue();
        assertThat(msi.supports(Target.LINUX_X86_64)).isFalse();
        assertThat(PackageFormats.defaultsFor(Target.WINDOWS_X64)).extracting(PackageFormat::id).contains("msi");
        assertThat(PackageFormats.defaultsFor(Target.LINUX_X86_64)).extracting(PackageFormat::id).doesNotContain("msi");
    }

    @Test
    void fileNameHasNameVersionAndArchitecture() throws IOException {
        Bundle b = fixture().version("1.2rc1").build(tmp.resolve("b"));
        assertThat(new MsiFormat().fileName(b)).isEqualTo("msi-unit-1.2rc1-x64.msi");
    }

    @Test
    void sameBundleAndSourceDateEpochGiveTheSameBytes() throws IOException {
        Path a = Packages.build(new MsiFormat(), fixture().build(tmp.resolve("one/bundle")), tmp.resolve("one/out"));
        Path b = Packages.build(new MsiFormat(), fixture().build(tmp.resolve("two/staged elsewhere")), tmp.resolve("two/out"));
        assertThat(Files.readAllBytes(a)).isEqualTo(Files.readAllBytes(b));
        // nothing but the package in the output directory
        try (var files = Files.list(tmp.resolve("one/out"))) {
            assertThat(files.map(p -> p.getFileName().toString()).toList()).containsExactly("msi-unit-1.0-x64.msi");
        }
    }

    @Test
    void otherContentOrTimestampGivesOtherBytes() throws IOException {
        byte[] base = Files.readAllBytes(Packages.build(new MsiFormat(), fixture().build(tmp.resolve("a")), tmp.resolve("oa")));
        byte[] extra = Files.readAllBytes(Packages.build(new MsiFormat(), fixture().extraFile("more.txt")
                .build(tmp.resolve("b")), tmp.resolve("ob")));
        byte[] later = Files.readAllBytes(Packages.build(new MsiFormat(), fixture().sourceDateEpoch(1_800_000_000L)
                .build(tmp.resolve("c")), tmp.resolve("oc")));
        assertThat(extra).isNotEqualTo(base);
        assertThat(later).isNotEqualTo(base);
    }

    @Test
    void codesAreDerivedAndStable() {
        UUID upgrade = UUID.fromString("2f1c8a4e-0b7d-4c55-9a3e-6d2b1f0c9e71");
        assertThat(MsiIds.productCode(upgrade, "1.0.400")).isEqualTo(MsiIds.productCode(upgrade, "1.0.400"));
        assertThat(MsiIds.productCode(upgrade, "1.0.400")).isNotEqualTo(MsiIds.productCode(upgrade, "1.0.401"));
        assertThat(MsiIds.productCode(upgrade, "1.0.400"))
                .isNotEqualTo(MsiIds.productCode(UUID.fromString("2f1c8a4e-0b7d-4c55-9a3e-6d2b1f0c9e72"), "1.0.400"));
        assertThat(MsiIds.productCode(upgrade, "1.0.400").version()).isEqualTo(5);
        assertThat(MsiIds.guid(upgrade)).isEqualTo("{2F1C8A4E-0B7D-4C55-9A3E-6D2B1F0C9E71}");
        assertThat(MsiIds.fileKey("python/python.exe")).matches("f[0-9a-f]{16}");
    }

    @Test
    void aVersionMsiCannotExpressFailsBeforeWritingAnything() throws IOException {
        Bundle b = fixture().version("1.0+local.build.7").build(tmp.resolve("b"));
        Path outDir = Files.createDirectories(tmp.resolve("out"));
        Path out = outDir.resolve(".tmp-x.msi");
        assertThatThrownBy(() -> new MsiFormat().write(b, out, Progress.NONE))
                .isInstanceOf(PackyardException.class)
                .hasMessage("version 1.0+local.build.7: a local version label (+local.build.7) cannot be expressed in an"
                        + " MSI ProductVersion; two builds would share one (the .msi needs a version of the form"
                        + " X.Y.Z[aN|bN|rcN|.postN|.devN], X and Y at most 255, Z at most 64)");
        try (var files = Files.list(outDir)) {
            assertThat(files.toList()).isEmpty();
        }
    }

    @Test
    void aShortcutToAnUnknownCommandIsAConfigError() throws IOException {
        Bundle b = fixture().startMenu("Broken", "no-such-command").build(tmp.resolve("b"));
        assertThatThrownBy(() -> new MsiFormat().write(b, tmp.resolve("x.msi"), Progress.NONE))
                .isInstanceOf(PackyardException.class)
                .satisfies(e -> assertThat(((PackyardException) e).kind()).isEqualTo(PackyardException.Kind.CONFIG))
                .hasMessageContaining("shortcut 'Broken' starts 'no-such-command', which is not one of the commands");
        assertThat(tmp.resolve("x.msi")).doesNotExist();
    }

    @Test
    void anInstallDirectoryThatCannotBeMadeIsAConfigError() throws IOException {
        Bundle badCompany = fixture().company("Acme: Inc").build(tmp.resolve("a"));
        assertThatThrownBy(() -> new MsiFormat().write(badCompany, tmp.resolve("a.msi"), Progress.NONE))
                .isInstanceOf(PackyardException.class)
                .hasMessage("[tool.packyard].company and product (the default install-dir):"
                        + " '[ProgramFiles64Folder]Acme: Inc\\Demo': 'Acme: Inc' is not a valid folder name");
        Bundle noFolder = fixture().installDir("[ProgramFiles64Folder]").build(tmp.resolve("b"));
        assertThatThrownBy(() -> new MsiFormat().write(noFolder, tmp.resolve("b.msi"), Progress.NONE))
                .hasMessage("[tool.packyard.msi].install-dir: '[ProgramFiles64Folder]' names no folder below"
                        + " [ProgramFiles64Folder]; the application needs a folder of its own");
        assertThat(tmp.resolve("a.msi")).doesNotExist();
        assertThat(tmp.resolve("b.msi")).doesNotExist();
    }

    @Test
    void aLinuxBundleIsRefused() throws IOException {
        Bundle b = FixtureBundle.named("msi-linux").build(tmp.resolve("b"));
        assertThatThrownBy(() -> new MsiFormat().write(b, tmp.resolve("x.msi"), Progress.NONE))
                .isInstanceOf(PackyardException.class)
                .hasMessageContaining("not a Windows target");
    }

    @Test
    void reportsProgressWhileCompressing() throws IOException {
        Bundle b = fixture().manyFiles(300).build(tmp.resolve("b"));
        List<String> steps = new ArrayList<>();
        List<long[]> advances = new ArrayList<>();
        new MsiFormat().write(b, tmp.resolve("x.msi"), new Progress() {
            @Override
            public void step(String message) {
                steps.add(message);
            }

            @Override
            public void advance(long done, long total) {
                advances.add(new long[] {done, total});
            }
        });
        assertThat(steps).anyMatch(s -> s.startsWith("Compressing " + (b.entries().stream().filter(e -> e.isFile()).count())
                + " files"));
        assertThat(advances).isNotEmpty();
        long[] last = advances.getLast();
        assertThat(last[0]).isEqualTo(last[1]).isEqualTo(b.installedSize());
    }
}
