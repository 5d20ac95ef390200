package io.packyard.repository.apt;

import static org.assertj.core.api.Assertions.assertThat;

import io.packyard.repository.packages.Cmd;
import io.packyard.repository.packages.DirectoryPackageStore;
import io.packyard.repository.packages.TestPackages;
import io.packyard.repository.signing.SigningKey;
import io.packyard.repository.signing.TestKeys;
import io.packyard.testkit.SettableClock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The APT metadata {@link AptRepository} writes, compared field by field with what reprepro
 * writes for the same .deb files: every Packages stanza must have the same fields with the same
 * values; the Release files may differ only in the ways docs/repositories.md lists.
 */
@Tag("system")
class RepreproComparisonSystemTest {
    @TempDir
    static Path work;

    static DirectoryPackageStore store;
    static Path reprepro;
    static String arch;

    @BeforeAll
    static void publishBoth() throws IOException {
        arch = Cmd.run("dpkg", "--print-architecture").ok().stdout().strip();
        List<Path> debs = List.of(
                TestPackages.packyardDeb(work.resolve("p"), "compare-app", "2.1.post1"),
                TestPackages.dpkgDeb(work, "libfoo-tools_1.0-2_all.deb", """
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
                        """, Map.of("usr/share/doc/libfoo-tools/README", "readme\n")));

        SigningKey key = TestKeys.shared();
        store = new DirectoryPackageStore(work.resolve("store"));
        AptRepository apt = new AptRepository(store, "compare", AptOptions.defaults().withArchitectures(List.of(arch))
                .withDescription("compared with reprepro"), () -> key, new SettableClock(Instant.parse("2026-03-01T12:00:00Z")));
        for (Path deb : debs) {
            apt.publish(deb, "stable");
        }

        reprepro = work.resolve("reprepro");
        Files.createDirectories(reprepro.resolve("conf"));
        Files.writeString(reprepro.resolve("conf/distributions"), """
                Origin: Packyard
                Label: compare
                Suite: stable
                Codename: stable
                Architectures: %s
                Components: main
                Description: compared with reprepro
                """.formatted(arch));
        for (Path deb : debs) {
            Cmd.run("reprepro", "-b", reprepro.toString(), "includedeb", "stable", deb.toString()).ok();
        }
    }

    @Test
    void everyPackagesStanzaHasTheFieldsAndValuesRepreproWrites() throws IOException {
        Map<String, ControlParagraph> ours = stanzas(Files.readString(store.file("apt/compare/dists/stable/main/binary-" + arch + "/Packages")));
        Map<String, ControlParagraph> theirs = stanzas(Files.readString(reprepro.resolve("dists/stable/main/binary-" + arch + "/Packages")));
        assertThat(ours.keySet()).containsExactlyElementsOf(theirs.keySet()).containsExactly("compare-app", "libfoo-tools");
        List<String> differences = new ArrayList<>();
        for (String name : ours.keySet()) {
            differences.addAll(differences(name, ours.get(name), theirs.get(name)));
        }
        // no field missing, none extra, no value different (field order aside)
        assertThat(differences).isEmpty();
    }

    @Test
    void releaseDiffersOnlyInTheDocumentedWays() throws IOException {
        ControlParagraph ours = release(Files.readString(store.file("apt/compare/dists/stable/Release")));
        ControlParagraph theirs = release(Files.readString(reprepro.resolve("dists/stable/Release")));
        TreeSet<String> ourFields = names(ours);
        TreeSet<String> theirFields = names(theirs);
        TreeSet<String> onlyOurs = new TreeSet<>(ourFields);
        onlyOurs.removeAll(theirFields);
        TreeSet<String> onlyTheirs = new TreeSet<>(theirFields);
        onlyTheirs.removeAll(ourFields);
        // documented: Packyard adds Acquire-By-Hash and leaves out the SHA1 section (apt ignores SHA1 for
        // security since 1.x; the strongest listed hash is used); reprepro writes no Acquire-By-Hash
        assertThat(onlyOurs).containsExactly("Acquire-By-Hash");
        assertThat(onlyTheirs).containsExactly("SHA1");
        for (String f : List.of("Origin", "Label", "Suite", "Codename", "Architectures", "Components", "Description")) {
            assertThat(ours.get(f)).as(f).isEqualTo(theirs.get(f));
        }
        // every index reprepro lists, Packyard lists too, except reprepro's per-architecture Release file;
        // Packyard adds Packages.xz (reprepro writes only what conf/distributions' DebIndices asks for)
        TreeSet<String> ourIndexes = indexPaths(ours.get("SHA256").orElseThrow());
        TreeSet<String> theirIndexes = indexPaths(theirs.get("SHA256").orElseThrow());
        TreeSet<String> missing = new TreeSet<>(theirIndexes);
        missing.removeAll(ourIndexes);
        assertThat(missing).containsExactly("main/binary-" + arch + "/Release");
        TreeSet<String> extra = new TreeSet<>(ourIndexes);
        extra.removeAll(theirIndexes);
        assertThat(extra).containsExactly("main/binary-" + arch + "/Packages.xz");
    }

    static List<String> differences(String pkg, ControlParagraph ours, ControlParagraph theirs) {
        List<String> out = new ArrayList<>();
        TreeMap<String, String> a = map(ours);
        TreeMap<String, String> b = map(theirs);
        for (String f : b.keySet()) {
            if (!a.containsKey(f)) {
                out.add(pkg + ": field " + f + " missing (reprepro: " + b.get(f) + ")");
            } else if (!a.get(f).equals(b.get(f))) {
                out.add(pkg + ": field " + f + " is '" + a.get(f) + "', reprepro '" + b.get(f) + "'");
            }
        }
        for (String f : a.keySet()) {
            if (!b.containsKey(f)) {
                out.add(pkg + ": field " + f + " extra (" + a.get(f) + ")");
            }
        }
        return out;
    }

    private static TreeMap<String, String> map(ControlParagraph p) {
        TreeMap<String, String> m = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        p.fields().forEach(f -> m.put(f.name(), f.value()));
        return m;
    }

    private static TreeSet<String> names(ControlParagraph p) {
        TreeSet<String> s = new TreeSet<>();
        p.fields().forEach(f -> s.add(f.name()));
        return s;
    }

    private static ControlParagraph release(String text) {
        return ControlParagraph.parse(text);
    }

    private static TreeSet<String> indexPaths(String section) {
        TreeSet<String> out = new TreeSet<>();
        for (String line : section.split("\n")) {
            String[] f = line.strip().split("\\s+");
            if (f.length == 3) {
                out.add(f[2]);
            }
        }
        return out;
    }

    static Map<String, ControlParagraph> stanzas(String packages) {
        Map<String, ControlParagraph> out = new TreeMap<>();
        for (String s : packages.split("\n\n")) {
            if (!s.isBlank()) {
                ControlParagraph p = ControlParagraph.parse(s);
                out.put(p.get("Package").orElseThrow(), p);
            }
        }
        return out;
    }
}
