package io.packyard.formats.rpm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.packyard.bundle.Bundle;
import io.packyard.bundle.Target;
import io.packyard.formats.linux.InstallTree;
import io.packyard.formats.testkit.Cmd;
import io.packyard.formats.testkit.FixtureBundle;
import io.packyard.formats.testkit.Packages;
import io.packyard.python.PackyardException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.eclipse.packager.rpm.deps.Dependency;
import org.eclipse.packager.rpm.deps.RpmDependencyFlags;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RpmFormatTest {
    private static final String NAME = "h5-rpmfmt";
    private static final String PREFIX = "/opt/packyard-" + NAME + "/demo";

    @TempDir
    Path tmp;

    private final RpmFormat format = new RpmFormat();

    @Test
    void fileNameUsesRpmVersionAndArchitecture() throws IOException {
        Bundle b = FixtureBundle.named(NAME).version("1!2.0.dev3").build(tmp.resolve("b"));
        String arch = Target.host() == Target.LINUX_AARCH64 ? "aarch64" : "x86_64";
        assertThat(format.fileName(b)).isEqualTo(NAME + "-2.0~~dev3-1." + arch + ".rpm");
        assertThat(format.supports(Target.LINUX_AARCH64)).isTrue();
        assertThat(format.supports(Target.WINDOWS_ARM64)).isFalse();
    }

    @Test
    void sameInputsGiveIdenticalBytes() throws IOException {
        Path a = Packages.build(format, FixtureBundle.named(NAME).build(tmp.resolve("one")), tmp.resolve("a"));
        Path b = Packages.build(format, FixtureBundle.named(NAME).build(tmp.resolve("two")), tmp.resolve("b"));
        assertThat(Files.readAllBytes(a)).isEqualTo(Files.readAllBytes(b));
        Path c = Packages.build(format, FixtureBundle.named(NAME).sourceDateEpoch(1_800_000_000L).build(tmp.resolve("three")),
                tmp.resolve("c"));
        assertThat(Files.readAllBytes(c)).isNotEqualTo(Files.readAllBytes(a));
    }

    @Test
    void requirementsFromConfigAndSystemInterpreter() throws IOException {
        Bundle b = FixtureBundle.named(NAME).systemInterpreter()
                .rpmRequires(List.of("libpq", "openssl-libs >= 1:3.0", "foo<2")).build(tmp.resolve("b"));
        List<Dependency> deps = RpmFormat.requirements(b.metadata());
        assertThat(deps).extracting(Dependency::getName)
                .containsExactly("/usr/bin/python3", "python(abi)", "libpq", "openssl-libs", "foo");
        assertThat(deps.get(1).getVersion()).isEqualTo("3.12");
        assertThat(deps.get(3).getFlags()).containsExactlyInAnyOrder(RpmDependencyFlags.GREATER, RpmDependencyFlags.EQUAL);
        assertThat(deps.get(4).getFlags()).containsExactly(RpmDependencyFlags.LESS);
        Bundle bad = FixtureBundle.named(NAME).rpmRequires(List.of("a >= ")).build(tmp.resolve("bad"));
        assertThatThrownBy(() -> RpmFormat.requirements(bad.metadata())).isInstanceOf(PackyardException.class)
                .hasMessageStartingWith("[tool.packyard.rpm].requires: 'a >= '");
    }

    @Test
    void usrBinLinksBecomeRelative() {
        InstallTree.Node link = InstallTree.Node.symlink("/usr/bin/notes", "/opt/acme/notes/bin/notes");
        assertThat(RpmFormat.relativeTarget(link)).isEqualTo("../../opt/acme/notes/bin/notes");
        assertThat(RpmFormat.relativeTarget(InstallTree.Node.symlink("/opt/a/b/python", "python3"))).isEqualTo("python3");
        assertThat(RpmFormat.relativeTarget(InstallTree.Node.symlink("/opt/a/b/c", "/opt/a/x/y"))).isEqualTo("../x/y");
    }

    @Test
    @Tag("system")
    void rpmReadsHeaderFilesAndScriptlets() throws IOException {
        assumeTrue(Cmd.available("rpm"), "rpm not installed");
        FixtureBundle f = FixtureBundle.named(NAME).version("1.0rc2");
        Bundle b = f.build(tmp.resolve("b"));
        Path rpm = Packages.build(format, b, tmp.resolve("out"));
        String p = rpm.toString();

        assertThat(Cmd.run("rpm", "-K", p).ok().stdout()).contains("digests OK");
        String info = Cmd.run("rpm", "-qpi", p).ok().stdout();
        assertThat(info).contains("Name        : " + NAME, "Version     : 1.0~rc2", "Release     : 1",
                "License     : MIT", "Vendor      : Packyard " + NAME, "Build Host  : packyard",
                "Packager    : Packyard Tests <tests@packyard.example.org>",
                "URL         : https://example.org/packyard-fixture",
                "Summary     : Fixture application for Packyard format tests",
                "Source RPM  : " + NAME + "-1.0~rc2-1.src.rpm");
        assertThat(Cmd.run("rpm", "-qp", "--qf", "%{BUILDTIME} %{PAYLOADCOMPRESSOR} %{PAYLOADFLAGS}", p).ok().stdout())
                .isEqualTo(b.sourceDateEpoch() + " zstd 9");

        // --dump: path size mtime digest mode owner group isconfig isdoc rdev symlink
        List<String> dump = Cmd.run("rpm", "-qpl", "--dump", p).ok().stdout().lines().toList();
        assertThat(dump).noneMatch(l -> l.startsWith("/opt ") || l.startsWith("/usr/bin "));
        assertThat(dump).anyMatch(l -> l.startsWith("/opt/packyard-" + NAME + " 0 "));
        for (String line : dump) {
            assertThat(line).contains(" " + b.sourceDateEpoch() + " ", " root root ");
        }
        assertThat(dump).anyMatch(l -> l.startsWith(PREFIX + "/python/bin/python3 ") && l.contains(" 0100755 "));
        assertThat(dump).anyMatch(l -> l.startsWith(PREFIX + "/data/file with spaces.txt ") && l.contains(" 0100644 "));
        assertThat(dump).anyMatch(l -> l.startsWith(PREFIX + "/" + FixtureBundle.LONG_PATH + " "));
        assertThat(dump).anyMatch(l -> l.startsWith(PREFIX + "/data/café.txt "));
        assertThat(dump).anyMatch(l -> l.startsWith(PREFIX + "/python/bin/python ") && l.endsWith(" python3"));
        assertThat(dump).anyMatch(l -> l.startsWith("/usr/bin/" + f.command() + " ") && l.contains(" 0120777 ")
                && l.endsWith(" ../../opt/packyard-" + NAME + "/demo/bin/" + f.command()));
        assertThat(dump).hasSize((int) b.entries().size() + 3); // + company dir, prefix, /usr/bin link

        String scripts = Cmd.run("rpm", "-qp", "--scripts", p).ok().stdout();
        assertThat(scripts).contains("postinstall scriptlet (using /bin/sh)", "preuninstall scriptlet (using /bin/sh)",
                "postuninstall scriptlet (using /bin/sh)", "packyard_post_install configure",
                "POST_INSTALL_HOOK='hooks/post-install'");
        assertThat(scripts).doesNotContain("preinstall scriptlet");

        String requires = Cmd.run("rpm", "-qpR", p).ok().stdout();
        assertThat(requires).contains("/bin/sh", "rpmlib(PayloadIsZstd) <= 5.4.18-1", "rpmlib(FileDigests) <= 4.6.0-1");
        assertThat(requires.lines()).allMatch(l -> !l.startsWith("PayloadIs"));
        assertThat(Cmd.run("rpm", "-qp", "--changelog", p).ok().stdout()).contains("Demo 1.0rc2, packaged by Packyard.");
    }

    /**
     * {@code [tool.packyard.rpm] compression = "xz"}: an xz payload (for rpm older than 4.14),
     * with the same files as the default zstd one, verified and unpacked by rpm's own tools,
     * reproducible.
     */
    @Test
    @Tag("system")
    void xzPayloadOnRequestHoldsTheSameFiles() throws IOException {
        Path root = tmp.resolve("b");
        Bundle zstd = FixtureBundle.named(NAME).modules(10, i -> 50_000, 3).build(root);
        Bundle xz = Bundle.builder().metadata(zstd.metadata().withRpm(new io.packyard.bundle.RpmOptions(
                io.packyard.bundle.Compression.XZ))).root(root).sourceDateEpoch(zstd.sourceDateEpoch()).build();
        Path z = Packages.build(format, zstd, tmp.resolve("zstd"));
        Path x = Packages.build(format, xz, tmp.resolve("xz"));
        assertThat(Files.mismatch(x, Packages.build(format, xz, tmp.resolve("xz-again")))).isEqualTo(-1L);
        assertThat(Cmd.run("rpm", "-qp", "--qf", "%{PAYLOADCOMPRESSOR} %{PAYLOADFLAGS}", x.toString()).ok().stdout())
                .isEqualTo("xz 6");
        assertThat(Cmd.run("rpm", "-qpR", x.toString()).ok().stdout()).contains("rpmlib(PayloadIsXz)")
                .doesNotContain("PayloadIsZstd");
        for (Path p : List.of(z, x)) {
            assertThat(Cmd.run("rpm", "-K", p.toString()).ok().stdout()).contains("digests OK");
        }
        assertThat(Cmd.run("rpm", "-qpl", "--dump", x.toString()).ok().stdout())
                .isEqualTo(Cmd.run("rpm", "-qpl", "--dump", z.toString()).ok().stdout());
        // rpm2cpio decompresses either payload; the module comes out as it went in
        for (Path p : List.of(z, x)) {
            Path dest = tmp.resolve("unpacked-" + p.getParent().getFileName());
            Files.createDirectories(dest);
            Cmd.run(List.of("sh", "-c", "rpm2cpio '" + p + "' | cpio -idm --quiet"), Map.of(), dest).ok();
            assertThat(dest.resolve(PREFIX.substring(1) + "/data/module_7.py")).hasSameBinaryContentAs(root.resolve("data/module_7.py"));
        }
        assertThat(Files.size(x)).isLessThan(Files.size(z));
    }

    @Test
    @Tag("system")
    void rpmlintFindsNoErrorsBeyondTheDocumentedOnes() throws IOException {
        assumeTrue(Cmd.available("rpmlint"), "rpmlint not installed");
        Path rpm = Packages.build(format, FixtureBundle.named(NAME).build(tmp.resolve("b")), tmp.resolve("out"));
        Path rc = tmp.resolve("packyard.rpmlintrc");
        Files.writeString(rc, """
                # /opt is where add-on software goes (FHS); distribution policy forbids it for its own packages
                addFilter("dir-or-file-in-opt")
                # signing is a separate, later step
                addFilter("no-signature")
                # the fixture's interpreter is a shell script, so the test package holds no ELF file
                addFilter("no-binary")
                """);
        Cmd.Result r = Cmd.run(List.of("rpmlint", "-r", rc.toString(), rpm.toString()), Map.of(), tmp);
        System.out.println("rpmlint " + rpm.getFileName() + ":\n" + r.output());
        assertThat(r.output().lines().filter(l -> l.contains(": E: ")).toList()).isEmpty();
        assertThat(r.output()).contains("0 errors");
    }
}
