package io.packyard.formats.targz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.packyard.bundle.Bundle;
import io.packyard.bundle.BundleEntry;
import io.packyard.bundle.Target;
import io.packyard.formats.testkit.Cmd;
import io.packyard.formats.testkit.FixtureBundle;
import io.packyard.formats.testkit.Packages;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TarGzFormatTest {
    private static final String NAME = "h5-tgz";

    @TempDir
    Path tmp;

    private final TarGzFormat format = new TarGzFormat();

    @Test
    void fileNameHasNameVersionAndTarget() throws IOException {
        Bundle b = FixtureBundle.named(NAME).version("1.0rc1").build(tmp.resolve("b"));
        assertThat(format.fileName(b)).isEqualTo(NAME + "-1.0rc1-" + Target.host().id() + ".tar.gz");
        assertThat(format.id()).isEqualTo("tar.gz");
        assertThat(format.supports(Target.WINDOWS_X64)).isFalse();
    }

    @Test
    void oneTopDirectorySortedRootOwnedFixedTimes() throws IOException {
        Bundle b = FixtureBundle.named(NAME).build(tmp.resolve("b"));
        Path archive = Packages.build(format, b, tmp.resolve("out"));

        byte[] bytes = Files.readAllBytes(archive);
        assertThat(bytes[3]).as("FLG: no name, no comment").isZero();
        assertThat(new byte[] {bytes[4], bytes[5], bytes[6], bytes[7]}).as("MTIME").containsOnly(0);
        assertThat(bytes[9] & 0xff).as("OS").isEqualTo(255);

        List<TarArchiveEntry> entries = new ArrayList<>();
        try (InputStream in = new GZIPInputStream(Files.newInputStream(archive));
                TarArchiveInputStream tar = new TarArchiveInputStream(in, "UTF-8")) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                entries.add(e);
            }
        }
        String top = NAME + "-1.0/";
        List<String> names = entries.stream().map(TarArchiveEntry::getName).toList();
        List<String> expected = new ArrayList<>();
        expected.add(top);
        for (BundleEntry e : b.entries()) {
            expected.add(top + e.path() + (e.isDirectory() ? "/" : ""));
        }
        assertThat(names).containsExactlyElementsOf(expected);
        assertThat(names).contains(top + FixtureBundle.LONG_PATH, top + "data/café.txt");
        for (TarArchiveEntry e : entries) {
            assertThat(e.getLongUserId()).isZero();
            assertThat(e.getUserName()).isEqualTo("root");
            assertThat(e.getGroupName()).isEqualTo("root");
            assertThat(e.getLastModifiedTime().toMillis()).isEqualTo(b.sourceDateEpoch() * 1000);
        }
        TarArchiveEntry launcher = entries.stream().filter(e -> e.getName().equals(top + "bin/" + NAME + "-hello"))
                .findFirst().orElseThrow();
        assertThat(launcher.getMode() & 07777).isEqualTo(0755);
    }

    @Test
    void sameInputsGiveIdenticalBytes() throws IOException {
        Path a = Packages.build(format, FixtureBundle.named(NAME).build(tmp.resolve("one")), tmp.resolve("a"));
        Path b = Packages.build(format, FixtureBundle.named(NAME).build(tmp.resolve("two")), tmp.resolve("b"));
        assertThat(Files.readAllBytes(a)).isEqualTo(Files.readAllBytes(b));
        Path c = Packages.build(format, FixtureBundle.named(NAME).sourceDateEpoch(1_600_000_000L).build(tmp.resolve("three")),
                tmp.resolve("c"));
        assertThat(Files.readAllBytes(c)).isNotEqualTo(Files.readAllBytes(a));
    }

    /** A bundle of several MiB: the archive is deflated in several parallel blocks; gzip and tar read them back. */
    @Test
    @Tag("system")
    void aLargerBundleIsDeflatedInBlocksThatGzipReads() throws IOException {
        Path root = tmp.resolve("big");
        Bundle b = FixtureBundle.named(NAME).modules(40, i -> 100_000, 5).build(root);
        Path archive = Packages.build(format, b, tmp.resolve("out"));
        assertThat(Files.mismatch(archive, Packages.build(format, b, tmp.resolve("again")))).isEqualTo(-1L);
        Cmd.run("gzip", "--test", archive.toString()).ok();
        Path dest = tmp.resolve("x");
        Files.createDirectories(dest);
        Cmd.run(List.of("tar", "-xzf", archive.toString(), "-C", dest.toString()), Map.of(), null).ok();
        for (int i = 0; i < 40; i++) {
            String rel = "data/module_" + i + ".py";
            assertThat(dest.resolve(NAME + "-1.0/" + rel)).hasSameBinaryContentAs(root.resolve(rel));
        }
    }

    @Test
    @Tag("system")
    void gnuTarExtractsItIntoADirectoryWithASpaceAndTheCommandRuns() throws IOException {
        assumeTrue(Cmd.available("tar"), "tar not installed");
        Bundle b = FixtureBundle.named(NAME).build(tmp.resolve("b"));
        Path archive = Packages.build(format, b, tmp.resolve("out"));
        Path dest = tmp.resolve("unpacked here");
        Files.createDirectories(dest);
        Cmd.run(List.of("tar", "-xzf", archive.toString(), "-C", dest.toString()), Map.of(), null).ok();
        Path top = dest.resolve(NAME + "-1.0");
        for (BundleEntry e : b.entries()) {
            if (e.isFile()) {
                assertThat(Files.readAllBytes(top.resolve(e.path()))).as(e.path()).isEqualTo(Files.readAllBytes(e.source()));
            }
        }
        assertThat(Files.readSymbolicLink(top.resolve("python/bin/python")).toString()).isEqualTo("python3");
        Cmd.Result r = Cmd.run(List.of(top.resolve("bin/" + NAME + "-hello").toString(), "1", "two words"), Map.of(), null).ok();
        assertThat(r.stdout()).isEqualTo("fixture python: -m hello 1 two words\n");
        String listing = Cmd.run("tar", "-tvzf", archive.toString()).ok().stdout();
        assertThat(listing).contains("root/root", NAME + "-1.0/" + FixtureBundle.LONG_PATH);
    }

    @Test
    @Tag("system")
    void pythonTarfileReadsTheSameNames() throws IOException {
        assumeTrue(Cmd.available("python3"), "python3 not installed");
        Bundle b = FixtureBundle.named(NAME).build(tmp.resolve("b"));
        Path archive = Packages.build(format, b, tmp.resolve("out"));
        String names = Cmd.run("python3", "-c", "import sys, tarfile\n"
                + "with tarfile.open(sys.argv[1]) as t:\n"
                + "    for m in t.getmembers(): print(m.name, m.uname, m.gname, m.mtime, oct(m.mode))\n",
                archive.toString()).ok().stdout();
        assertThat(names).contains(NAME + "-1.0/" + FixtureBundle.LONG_PATH + " root root " + b.sourceDateEpoch() + " 0o644",
                NAME + "-1.0/data/café.txt root root");
    }
}
