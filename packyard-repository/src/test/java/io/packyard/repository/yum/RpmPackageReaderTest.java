package io.packyard.repository.yum;

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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("system")
class RpmPackageReaderTest {
    @TempDir
    static Path work;

    static Path packyardRpm;
    static Path richRpm;

    @BeforeAll
    static void build() throws IOException {
        packyardRpm = TestPackages.packyardRpm(work, "rpm-reader-app", "2.0.1");
        richRpm = RpmFixtures.richRpm(work);
    }

    @Test
    void readsAPackyardRpmLikeRpmDoes() throws IOException {
        assertMatchesRpm(packyardRpm);
        RpmPackage p = RpmPackageReader.read(packyardRpm);
        assertThat(p.name()).isEqualTo("rpm-reader-app");
        assertThat(p.version()).isEqualTo("2.0.1");
        assertThat(p.files()).extracting(RpmPackage.RpmFile::path).contains("/usr/bin/rpm-reader-app-hello");
        assertThat(p.fileName()).isEqualTo(packyardRpm.getFileName().toString());
        assertThat(p.sha256()).isEqualTo(Digests.sha256(packyardRpm));
        assertThat(p.size()).isEqualTo(Files.size(packyardRpm));
        assertThat(p.signatureKeyIds()).isEmpty();
    }

    @Test
    void readsEveryHeaderFieldOfAnRpmbuildPackage() throws IOException {
        assertMatchesRpm(richRpm);
        RpmPackage p = RpmPackageReader.read(richRpm);
        assertThat(p.epoch()).isEqualTo(2L);
        assertThat(p.evr()).isEqualTo("2:3.1-4");
        assertThat(p.nevra()).isEqualTo("richapp-2:3.1-4.noarch");
        assertThat(p.files()).filteredOn(f -> f.kind() == RpmPackage.RpmFile.Kind.GHOST)
                .extracting(RpmPackage.RpmFile::path).containsExactly("/var/log/richapp/richapp.log");
        assertThat(p.files()).filteredOn(f -> f.kind() == RpmPackage.RpmFile.Kind.DIR)
                .extracting(RpmPackage.RpmFile::path).contains("/etc/richapp", "/opt/richapp", "/opt/richapp/bin");
        assertThat(p.requires()).anySatisfy(d -> {
            assertThat(d.name()).isEqualTo("/bin/sh");
            assertThat(d.pre()).isTrue();
        });
        assertThat(p.recommends()).extracting(RpmPackage.RpmDependency::name).containsExactly("richapp-docs");
        assertThat(p.suggests()).extracting(RpmPackage.RpmDependency::name).containsExactly("richapp-extras");
        assertThat(p.supplements()).extracting(RpmPackage.RpmDependency::name).containsExactly("richapp-base");
        assertThat(p.enhances()).extracting(RpmPackage.RpmDependency::name).containsExactly("richapp-core");
        assertThat(p.obsoletes()).singleElement().satisfies(d -> {
            assertThat(d.comparison()).isEqualTo("LE");
            assertThat(d.version()).isEqualTo("1:2.0-1");
        });
        assertThat(p.changelogs()).hasSize(3);
        assertThat(p.changelogs().get(0).text()).isEqualTo("- Third entry");
    }

    /** Compares what the reader found with what {@code rpm -qp --queryformat} prints. */
    private static void assertMatchesRpm(Path rpm) throws IOException {
        RpmPackage p = RpmPackageReader.read(rpm);
        List<String> scalars = query(rpm, "%{NAME}\\n%{EPOCHNUM}\\n%{VERSION}\\n%{RELEASE}\\n%{ARCH}\\n%{SUMMARY}\\n%{LICENSE}\\n"
                + "%{URL}\\n%{VENDOR}\\n%{PACKAGER}\\n%{GROUP}\\n%{BUILDHOST}\\n%{SOURCERPM}\\n%{BUILDTIME}\\n%{LONGSIZE}\\n%{LONGARCHIVESIZE}\\n");
        assertThat(List.of(p.name(), Long.toString(p.epoch() == null ? 0 : p.epoch()), p.version(), p.release(), p.arch(), p.summary(),
                p.license(), p.url(), p.vendor(), p.packager(), p.group(), p.buildHost(), p.sourceRpm(),
                Long.toString(p.buildTime()), Long.toString(p.installedSize()), Long.toString(p.archiveSize())))
                .map(s -> s.isEmpty() ? "(none)" : s)
                .containsExactlyElementsOf(scalars);
        assertThat(String.join("\n", query(rpm, "%{DESCRIPTION}"))).isEqualTo(p.description());
        assertThat(deps(p.provides())).containsExactlyElementsOf(query(rpm, "[%{PROVIDENAME} %{PROVIDEFLAGS} %{PROVIDEVERSION}\\n]"));
        assertThat(deps(p.requires())).containsExactlyElementsOf(query(rpm, "[%{REQUIRENAME} %{REQUIREFLAGS} %{REQUIREVERSION}\\n]"));
        assertThat(deps(p.conflicts())).containsExactlyElementsOf(query(rpm, "[%{CONFLICTNAME} %{CONFLICTFLAGS} %{CONFLICTVERSION}\\n]"));
        assertThat(p.files()).extracting(RpmPackage.RpmFile::path).containsExactlyElementsOf(query(rpm, "[%{FILENAMES}\\n]"));
        assertThat(p.files()).extracting(RpmPackage.RpmFile::digest).containsExactlyElementsOf(
                query(rpm, "[%{FILEDIGESTS}|\\n]").stream().map(s -> s.substring(0, s.length() - 1)).toList());
        assertThat(p.changelogs()).extracting(c -> c.time() + " " + c.author())
                .containsExactlyElementsOf(query(rpm, "[%{CHANGELOGTIME} %{CHANGELOGNAME}\\n]"));
    }

    private static List<String> deps(List<RpmPackage.RpmDependency> deps) {
        return deps.stream().map(d -> d.name() + " " + d.flags() + " " + d.version()).map(String::strip).toList();
    }

    private static List<String> query(Path rpm, String format) {
        return Cmd.run("rpm", "-qp", "--nosignature", "--nodigest", "--queryformat", format, rpm.toString()).ok()
                .stdout().lines().map(String::strip).toList();
    }

    @Test
    void refusesDamagedTruncatedAndSourcePackages() throws IOException {
        byte[] bytes = Files.readAllBytes(packyardRpm);
        byte[] flipped = bytes.clone();
        flipped[bytes.length - 200] ^= 0x01;
        Path damaged = Files.write(work.resolve("damaged.rpm"), flipped);
        assertThatThrownBy(() -> RpmPackageReader.read(damaged))
                .isInstanceOf(PackageRejectedException.class)
                .hasMessageStartingWith("damaged.rpm: damaged or truncated");

        Path half = Files.write(work.resolve("half.rpm"), java.util.Arrays.copyOf(bytes, bytes.length - 16));
        assertThatThrownBy(() -> RpmPackageReader.read(half)).hasMessageStartingWith("half.rpm: damaged or truncated");
        Path headerOnly = Files.write(work.resolve("cut.rpm"), java.util.Arrays.copyOf(bytes, 300));
        assertThatThrownBy(() -> RpmPackageReader.read(headerOnly)).hasMessage("cut.rpm: truncated in the lead or headers");

        byte[] header = bytes.clone();
        RpmPackage p = RpmPackageReader.read(packyardRpm);
        header[(int) p.headerStart() + 200] ^= 0x01;
        Path badHeader = Files.write(work.resolve("header.rpm"), header);
        assertThatThrownBy(() -> RpmPackageReader.read(badHeader)).isInstanceOf(PackageRejectedException.class)
                .hasMessageStartingWith("header.rpm: ");

        Path deb = Files.writeString(work.resolve("not.rpm"), "!<arch>\n");
        assertThatThrownBy(() -> RpmPackageReader.read(deb)).hasMessage("not.rpm: not an .rpm (no lead signature)");

        Path top = work.resolve("rpmbuild-richapp");
        Cmd.run(List.of("rpmbuild", "-bs", "--define", "_topdir " + top, top.resolve("SPECS/richapp.spec").toString()),
                java.util.Map.of(), null).ok();
        Path srpm;
        try (var s = Files.walk(top.resolve("SRPMS"))) {
            srpm = s.filter(f -> f.toString().endsWith(".src.rpm")).findFirst().orElseThrow();
        }
        assertThatThrownBy(() -> RpmPackageReader.read(srpm)).hasMessageEndingWith("a source package; only binary packages are published");
    }
}
