package io.packyard.formats.zip;

import static org.assertj.core.api.Assertions.assertThat;

import io.packyard.bundle.Bundle;
import io.packyard.bundle.BundleEntry;
import io.packyard.bundle.Target;
import io.packyard.formats.PackageFormats;
import io.packyard.formats.testkit.Cmd;
import io.packyard.formats.testkit.Packages;
import io.packyard.formats.testkit.WindowsFixtureBundle;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ZipFormatTest {
    private static final String NAME = "h7-zip";

    @TempDir
    Path tmp;

    private final ZipFormat format = new ZipFormat();

    private Bundle fixture(Path root) throws IOException {
        return WindowsFixtureBundle.named(NAME).fakeInterpreter().unicodeBeyond1252().build(root);
    }

    @Test
    void idFileNameAndTargets() throws IOException {
        Bundle b = WindowsFixtureBundle.named(NAME).fakeInterpreter().version("1.0rc1").build(tmp.resolve("b"));
        assertThat(format.id()).isEqualTo("zip");
        assertThat(format.fileName(b)).isEqualTo(NAME + "-1.0rc1-windows-x64.zip");
        assertThat(format.supports(Target.WINDOWS_X64)).isTrue();
        assertThat(format.supports(Target.WINDOWS_ARM64)).isTrue();
        assertThat(format.supports(Target.LINUX_X86_64)).isFalse();
        assertThat(PackageFormats.parse("zip")).singleElement().isInstanceOf(ZipFormat.class);
    }

    @Test
    void oneTopFolderHoldingTheSortedBundleAndAReadme() throws IOException {
        Bundle b = fixture(tmp.resolve("b"));
        Path archive = Packages.build(format, b, tmp.resolve("out"));
        String top = NAME + "-1.0/";

        List<String> expected = new ArrayList<>();
        expected.add(top);
        for (BundleEntry e : b.entries()) {
            expected.add(top + e.path() + (e.isDirectory() ? "/" : ""));
        }
        expected.add(top + "README.txt");
        List<String> names = new ArrayList<>();
        try (ZipFile z = new ZipFile(archive.toFile(), StandardCharsets.UTF_8)) {
            for (ZipEntry e : Collections.list(z.entries())) {
                names.add(e.getName());
                if (!e.isDirectory() && !e.getName().endsWith("README.txt")) {
                    Path source = b.root().resolve(e.getName().substring(top.length()));
                    try (InputStream in = z.getInputStream(e)) {
                        assertThat(in.readAllBytes()).as(e.getName()).isEqualTo(Files.readAllBytes(source));
                    }
                }
            }
            String readme = new String(z.getInputStream(z.getEntry(top + "README.txt")).readAllBytes(),
                    StandardCharsets.UTF_8);
            assertThat(readme)
                    .startsWith("Packyard " + NAME + " Demo 1.0 (windows-x64)\r\n")
                    .contains("\r\n    Scripts\\" + NAME + "-hello.exe\r\n")
                    .contains("Scripts\\" + NAME + "-hello-gui")
                    .contains("(no console window)")
                    .contains("add the folder's Scripts directory to PATH")
                    .endsWith("https://example.org/packyard-winfixture\r\n")
                    .doesNotContain("\n\n");
        }
        assertThat(names).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(names.get(0)).isEqualTo(top);
        assertThat(names).contains(top + "data/café.txt", top + "data/日本語.txt", top + "empty/");
        // sorted by UTF-8 bytes, a directory's contents right after it; README.txt among the top entries
        // (upper case sorts before lower case: README.txt, Scripts/, data/, empty/, hooks/, python/)
        assertThat(names.get(1)).isEqualTo(top + "README.txt");
        assertThat(names.get(2)).isEqualTo(top + "Scripts/");
        ZipStructure.Archive a = ZipStructure.read(archive);
        for (ZipStructure.Entry e : a.entries()) {
            assertThat(e.centralExtra()).isEmpty();
            assertThat(e.flags()).isEqualTo(0x0800);
        }
    }

    @Test
    void aBundleWithItsOwnReadmeKeepsIt() throws IOException {
        Path root = tmp.resolve("b");
        Bundle staged = fixture(root);
        Files.writeString(root.resolve("readme.TXT"), "the project's own\n");
        Bundle b = Bundle.builder().metadata(staged.metadata()).root(root).sourceDateEpoch(staged.sourceDateEpoch()).build();
        Path archive = Packages.build(format, b, tmp.resolve("out"));
        try (ZipFile z = new ZipFile(archive.toFile(), StandardCharsets.UTF_8)) {
            assertThat(z.getEntry(NAME + "-1.0/README.txt")).isNull();
            assertThat(z.getInputStream(z.getEntry(NAME + "-1.0/readme.TXT")).readAllBytes())
                    .isEqualTo("the project's own\n".getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void sameInputsGiveIdenticalBytes() throws IOException {
        Path a = Packages.build(format, fixture(tmp.resolve("one")), tmp.resolve("a"));
        Path b = Packages.build(format, fixture(tmp.resolve("two")), tmp.resolve("b"));
        assertThat(Files.readAllBytes(a)).isEqualTo(Files.readAllBytes(b));
        Path c = Packages.build(format, WindowsFixtureBundle.named(NAME).fakeInterpreter().unicodeBeyond1252()
                .sourceDateEpoch(1_600_000_000L).build(tmp.resolve("three")), tmp.resolve("c"));
        assertThat(Files.readAllBytes(c)).isNotEqualTo(Files.readAllBytes(a));
    }

    @Test
    @Tag("system")
    void unzipTestsItAndZipinfoShowsTheSourceDateEpoch() throws IOException {
        Bundle b = fixture(tmp.resolve("b"));
        Path archive = Packages.build(format, b, tmp.resolve("out"));
        String test = Cmd.run("unzip", "-t", archive.toString()).ok().stdout();
        assertThat(test).contains("No errors detected in compressed data");
        // 1_700_000_000 is 2023-11-14 22:13:20 UTC; DOS time holds the UTC fields
        String info = Cmd.run(List.of("zipinfo", "-T", archive.toString()), Map.of("LC_ALL", "C.UTF-8"), null)
                .ok().stdout();
        List<String> lines = info.lines().filter(l -> l.contains(NAME + "-1.0/")).toList();
        assertThat(lines).hasSize(b.entries().size() + 2);
        Map<String, Boolean> executable = new java.util.HashMap<>();
        b.entries().forEach(e -> executable.put(NAME + "-1.0/" + e.path(), e.isExecutable()));
        assertThat(lines).allSatisfy(l -> assertThat(l).contains(" 20231114.221320 ", " unx ")
                .startsWith(l.endsWith("/") ? "drwxr-xr-x "
                        : executable.getOrDefault(l.substring(l.indexOf(NAME + "-1.0/")), false) ? "-rwxr-xr-x "
                        : "-rw-r--r-- "));
        assertThat(executable.get(NAME + "-1.0/Scripts/" + NAME + "-hello.exe")).isTrue();
        assertThat(info).contains(NAME + "-1.0/data/日本語.txt");

        Path dest = Files.createDirectories(tmp.resolve("unpacked here"));
        Cmd.run(List.of("unzip", "-q", archive.toString(), "-d", dest.toString()), Map.of("LC_ALL", "C.UTF-8"), null).ok();
        for (BundleEntry e : b.entries()) {
            Path p = dest.resolve(NAME + "-1.0").resolve(e.path());
            if (e.isFile()) {
                assertThat(Files.readAllBytes(p)).as(e.path()).isEqualTo(Files.readAllBytes(e.source()));
                assertThat(Files.isExecutable(p)).as(e.path()).isEqualTo(e.isExecutable());
            } else {
                assertThat(p).isDirectory();
            }
        }
    }

    @Test
    @Tag("system")
    void pythonsZipfileReadsNamesFlagsAndTimes() throws IOException {
        Bundle b = fixture(tmp.resolve("b"));
        Path archive = Packages.build(format, b, tmp.resolve("out"));
        String out = Cmd.run("python3", "-c", """
                import sys, zipfile
                with zipfile.ZipFile(sys.argv[1]) as z:
                    assert z.testzip() is None
                    for i in z.infolist():
                        print(i.filename, i.date_time, hex(i.flag_bits), i.extra, i.create_system, i.compress_type, sep='|')
                """, archive.toString()).ok().stdout();
        List<String> lines = out.lines().toList();
        assertThat(lines).hasSize(b.entries().size() + 2);
        assertThat(lines).allSatisfy(l -> assertThat(l).contains("|(2023, 11, 14, 22, 13, 20)|0x800|b''|3|"));
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith(NAME + "-1.0/data/café.txt|"));
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith(NAME + "-1.0/python/Lib/os.py|").endsWith("|8"));
    }
}
