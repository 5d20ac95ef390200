package io.packyard.repository.apt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.packyard.python.PackyardException;
import io.packyard.repository.packages.Compression;
import io.packyard.repository.packages.Digests;
import io.packyard.repository.packages.DirectoryPackageStore;
import io.packyard.repository.packages.PackageConflictException;
import io.packyard.repository.packages.RecordingStore;
import io.packyard.repository.signing.SigningKey;
import io.packyard.repository.signing.TestKeys;
import io.packyard.repository.signing.Verify;
import io.packyard.testkit.SettableClock;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AptRepositoryTest {
    static SigningKey key;

    @TempDir
    Path work;

    RecordingStore store;
    SettableClock clock;

    @BeforeAll
    static void key() {
        key = TestKeys.shared();
    }

    @BeforeEach
    void setUp() throws IOException {
        store = new RecordingStore(new DirectoryPackageStore(work.resolve("store")));
        clock = new SettableClock(Instant.parse("2026-03-01T12:00:00Z"));
    }

    private AptRepository repo(AptOptions options) {
        return new AptRepository(store, "acme", options, () -> key, clock);
    }

    private Path deb(String name, String version, String arch, String payload) throws IOException {
        return DebFiles.deb(work.resolve("in"), name + "_" + DebianVersions.withoutEpoch(version) + "_" + arch + "-" + payload.hashCode() + ".deb",
                DebFiles.control(name, version, arch), payload);
    }

    private String text(String path) throws IOException {
        return new String(store.read(path).orElseThrow(() -> new AssertionError("missing " + path)), StandardCharsets.UTF_8);
    }

    @Test
    void publishWritesPoolIndexesAndASignedReleaseThatListsEveryIndex() throws Exception {
        AptRepository apt = repo(AptOptions.defaults().withOrigin("Acme").withDescription("Acme packages"));
        Path deb = deb("notes", "1:1.0-1", "amd64", "one");
        AptRepository.Publication p = apt.publish(deb, "stable");

        assertThat(p.changed()).isTrue();
        assertThat(p.published().path()).isEqualTo("apt/acme/pool/main/n/notes/notes_1.0-1_amd64.deb");
        assertThat(store.read(p.published().path()).orElseThrow()).isEqualTo(java.nio.file.Files.readAllBytes(deb));
        assertThat(p.published().sha256()).isEqualTo(Digests.sha256(deb));

        String release = text("apt/acme/dists/stable/Release");
        Map<String, String> fields = fields(release);
        assertThat(fields).containsEntry("Origin", "Acme").containsEntry("Label", "acme").containsEntry("Suite", "stable")
                .containsEntry("Codename", "stable").containsEntry("Architectures", "amd64 arm64")
                .containsEntry("Components", "main").containsEntry("Description", "Acme packages")
                .containsEntry("Acquire-By-Hash", "yes").doesNotContainKey("Valid-Until");
        ZonedDateTime date = ZonedDateTime.parse(fields.get("Date"), DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss zzz", Locale.ENGLISH));
        assertThat(date.toInstant()).isEqualTo(clock.instant());

        // every index, plain and compressed, with its size, MD5 and SHA-256, and a by-hash copy
        List<String> expected = new ArrayList<>();
        for (String arch : List.of("amd64", "arm64")) {
            for (String f : List.of("Packages", "Packages.gz", "Packages.xz")) {
                expected.add("main/binary-" + arch + "/" + f);
            }
        }
        Map<String, String[]> md5 = section(release, "MD5Sum");
        Map<String, String[]> sha256 = section(release, "SHA256");
        assertThat(sha256.keySet()).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(md5.keySet()).containsExactlyInAnyOrderElementsOf(expected);
        for (String f : expected) {
            byte[] content = store.read("apt/acme/dists/stable/" + f).orElseThrow();
            assertThat(sha256.get(f)[0]).isEqualTo(Digests.sha256(content));
            assertThat(md5.get(f)[0]).isEqualTo(Digests.md5(content));
            assertThat(Long.parseLong(sha256.get(f)[1])).isEqualTo(content.length);
            String dir = f.substring(0, f.lastIndexOf('/') + 1);
            assertThat(store.read("apt/acme/dists/stable/" + dir + "by-hash/SHA256/" + Digests.sha256(content)).orElseThrow()).isEqualTo(content);
        }
        // the amd64 index holds the stanza; the compressed files decompress to it; arm64 is empty
        String packages = text("apt/acme/dists/stable/main/binary-amd64/Packages");
        assertThat(packages).isEqualTo(p.deb().stanza("pool/main/n/notes/notes_1.0-1_amd64.deb").format());
        assertThat(Compression.gzip(packages.getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(store.read("apt/acme/dists/stable/main/binary-amd64/Packages.gz").orElseThrow());
        assertThat(text("apt/acme/dists/stable/main/binary-arm64/Packages")).isEmpty();

        // signatures
        assertThat(Verify.detached(key.publicKeyBinary(), release.getBytes(StandardCharsets.UTF_8),
                store.read("apt/acme/dists/stable/Release.gpg").orElseThrow())).isTrue();
        assertThat(Verify.clearSigned(key.publicKeyBinary(), store.read("apt/acme/dists/stable/InRelease").orElseThrow())).isEqualTo(release);
    }

    @Test
    void architectureAllPackagesAppearInEveryArchitectureAndVersionsSortLikeDpkg() throws IOException {
        AptRepository apt = repo(AptOptions.defaults().withArchitectures(List.of("amd64")));
        apt.publish(deb("docs", "1.0", "all", "d"), "stable");
        apt.publish(deb("tool", "1.0~rc1", "amd64", "a"), "stable");
        apt.publish(deb("tool", "1.0", "amd64", "b"), "stable");
        apt.publish(deb("tool", "0.9", "riscv64", "c"), "stable");
        assertThat(fields(text("apt/acme/dists/stable/Release"))).containsEntry("Architectures", "amd64 riscv64");
        assertThat(packagesVersions("amd64")).containsExactly("docs 1.0 all", "tool 1.0~rc1 amd64", "tool 1.0 amd64");
        assertThat(packagesVersions("riscv64")).containsExactly("docs 1.0 all", "tool 0.9 riscv64");
        assertThat(apt.packages("stable")).extracting(x -> x.name() + " " + x.version() + " " + x.architecture())
                .containsExactly("docs 1.0 all", "tool 0.9 riscv64", "tool 1.0~rc1 amd64", "tool 1.0 amd64");
    }

    private List<String> packagesVersions(String arch) throws IOException {
        List<String> out = new ArrayList<>();
        for (String stanza : text("apt/acme/dists/stable/main/binary-" + arch + "/Packages").split("\n\n")) {
            ControlParagraph c = ControlParagraph.parse(stanza);
            out.add(c.get("Package").orElseThrow() + " " + c.get("Version").orElseThrow() + " " + c.get("Architecture").orElseThrow());
        }
        return out;
    }

    @Test
    void sameFileAgainIsANoOpAndOtherContentUnderTheSameVersionIsRefusedEverywhere() throws IOException {
        AptRepository apt = repo(AptOptions.defaults());
        Path first = deb("notes", "1.0", "amd64", "first");
        apt.publish(first, "stable");
        String release = text("apt/acme/dists/stable/InRelease");
        clock.advance(Duration.ofMinutes(5));

        store.clear();
        AptRepository.Publication again = apt.publish(first, "stable");
        assertThat(again.changed()).isFalse();
        assertThat(store.log()).isEmpty();
        assertThat(text("apt/acme/dists/stable/InRelease")).isEqualTo(release);

        Path other = deb("notes", "1.0", "amd64", "second");
        assertThatThrownBy(() -> apt.publish(other, "stable"))
                .isInstanceOf(PackageConflictException.class)
                .hasMessageStartingWith(other.getFileName() + ": File already exists: notes_1.0_amd64 was published before with other content");
        assertThatThrownBy(() -> apt.publish(other, "testing")).isInstanceOf(PackageConflictException.class);
        assertThat(store.log()).isEmpty();

        // the same file in a second suite shares the pool file
        AptRepository.Publication testing = apt.publish(first, "testing");
        assertThat(testing.changed()).isTrue();
        assertThat(testing.published().path()).isEqualTo(again.published().path());
        assertThat(apt.suites()).containsExactly("stable", "testing");
    }

    @Test
    void regenerationWritesByHashThenIndexesThenReleaseAndInReleaseLast() throws IOException {
        AptRepository apt = repo(AptOptions.defaults().withArchitectures(List.of("amd64")));
        apt.publish(deb("notes", "1.0", "amd64", "v1"), "stable");
        store.clear();
        apt.publish(deb("notes", "2.0", "amd64", "v2"), "stable");
        List<String> dists = store.log().stream().filter(l -> l.contains("/dists/")).toList();
        int lastByHash = lastIndex(dists, l -> l.startsWith("put ") && l.contains("/by-hash/"));
        int firstPlain = firstIndex(dists, l -> l.startsWith("put ") && l.matches(".*/binary-amd64/Packages(\\.gz|\\.xz)?"));
        int lastPlain = lastIndex(dists, l -> l.startsWith("put ") && l.matches(".*/binary-amd64/Packages(\\.gz|\\.xz)?"));
        int release = dists.indexOf("put apt/acme/dists/stable/Release");
        int releaseGpg = dists.indexOf("put apt/acme/dists/stable/Release.gpg");
        int inRelease = dists.indexOf("put apt/acme/dists/stable/InRelease");
        assertThat(lastByHash).isLessThan(firstPlain);
        assertThat(lastPlain).isLessThan(release);
        assertThat(release).isLessThan(releaseGpg);
        assertThat(releaseGpg).isLessThan(inRelease);
        assertThat(inRelease).isEqualTo(dists.size() - 1);
        // the pool file was written before any index names it
        assertThat(store.log().indexOf("put apt/acme/pool/main/n/notes/notes_2.0_amd64.deb")).isLessThan(store.log().indexOf(dists.get(0)));
    }

    private static int firstIndex(List<String> l, java.util.function.Predicate<String> p) {
        for (int i = 0; i < l.size(); i++) {
            if (p.test(l.get(i))) {
                return i;
            }
        }
        throw new AssertionError("no match in " + l);
    }

    private static int lastIndex(List<String> l, java.util.function.Predicate<String> p) {
        for (int i = l.size() - 1; i >= 0; i--) {
            if (p.test(l.get(i))) {
                return i;
            }
        }
        throw new AssertionError("no match in " + l);
    }

    @Test
    void supersededByHashFilesStayForTheConfiguredGenerationsAndTime() throws IOException {
        AptRepository apt = repo(AptOptions.defaults().withArchitectures(List.of("amd64")).withByHashRetention(2, Duration.ofHours(1)));
        apt.publish(deb("notes", "1.0", "amd64", "v1"), "stable");
        String v1 = byHashOfPackagesXz();
        clock.advance(Duration.ofMinutes(1));
        apt.publish(deb("notes", "2.0", "amd64", "v2"), "stable");
        String v2 = byHashOfPackagesXz();
        clock.advance(Duration.ofMinutes(1));
        apt.publish(deb("notes", "3.0", "amd64", "v3"), "stable");
        clock.advance(Duration.ofMinutes(1));
        apt.publish(deb("notes", "4.0", "amd64", "v4"), "stable");
        // four generations, but within the hour: everything is kept
        assertThat(store.exists(v1)).isTrue();
        assertThat(store.exists(v2)).isTrue();

        clock.advance(Duration.ofHours(2));
        apt.refresh("stable");
        // v1 was superseded 4 generations ago and more than an hour ago: gone; v4's index is current
        assertThat(store.exists(v1)).isFalse();
        assertThat(store.exists(v2)).isFalse();
        assertThat(store.exists(byHashOfPackagesXz())).isTrue();
        // the refresh superseded nothing (same indexes): only the current by-hash files and the two
        // generations kept (v3's) remain
        long byHash = store.list("apt/acme/dists/stable").stream().filter(p -> p.contains("/by-hash/")).count();
        assertThat(byHash).isEqualTo(3 + 3);
    }

    private String byHashOfPackagesXz() throws IOException {
        String release = text("apt/acme/dists/stable/Release");
        return "apt/acme/dists/stable/main/binary-amd64/by-hash/SHA256/" + section(release, "SHA256").get("main/binary-amd64/Packages.xz")[0];
    }

    @Test
    void releasesAreReSignedOnceHalfTheirValidityHasPassed() throws Exception {
        AptRepository apt = repo(AptOptions.defaults().withValidFor(Duration.ofDays(4)));
        apt.publish(deb("notes", "1.0", "amd64", "v1"), "stable");
        String first = text("apt/acme/dists/stable/InRelease");
        clock.advance(Duration.ofDays(2).minusMinutes(1));
        assertThat(apt.refreshIfDue("stable")).as("not yet half way").isFalse();
        assertThat(text("apt/acme/dists/stable/InRelease")).isEqualTo(first);
        clock.advance(Duration.ofMinutes(1));
        assertThat(apt.refreshIfDue("stable")).isTrue();
        assertThat(fields(text("apt/acme/dists/stable/Release"))).containsEntry("Date", "Tue, 03 Mar 2026 12:00:00 UTC")
                .containsEntry("Valid-Until", "Sat, 07 Mar 2026 12:00:00 UTC");
        assertThat(text("apt/acme/dists/stable/InRelease")).isNotEqualTo(first);
        assertThat(apt.refreshIfDue("stable")).as("just refreshed").isFalse();
        assertThat(repo(AptOptions.defaults()).refreshIfDue("stable")).as("no Valid-Until: never").isFalse();
    }

    @Test
    void validUntilRefreshRemoveAndUnsignedSuites() throws Exception {
        AptRepository apt = repo(AptOptions.defaults().withValidFor(Duration.ofDays(7)));
        apt.publish(deb("notes", "1.0", "amd64", "v1"), "stable");
        assertThat(fields(text("apt/acme/dists/stable/Release"))).containsEntry("Valid-Until", "Sun, 08 Mar 2026 12:00:00 UTC");
        clock.advance(Duration.ofDays(3));
        apt.refresh("stable");
        assertThat(fields(text("apt/acme/dists/stable/Release"))).containsEntry("Date", "Wed, 04 Mar 2026 12:00:00 UTC")
                .containsEntry("Valid-Until", "Wed, 11 Mar 2026 12:00:00 UTC");

        assertThat(apt.remove("stable", "main", "notes", "1.0", "amd64")).isTrue();
        assertThat(text("apt/acme/dists/stable/main/binary-amd64/Packages")).isEmpty();
        assertThat(apt.remove("stable", "main", "notes", "1.0", "amd64")).isFalse();
        assertThatThrownBy(() -> apt.publish(deb("notes", "1.0", "amd64", "changed"), "stable"))
                .isInstanceOf(PackageConflictException.class);

        AptRepository unsigned = new AptRepository(store, "open", AptOptions.defaults(), () -> null, clock);
        unsigned.publish(deb("notes", "1.0", "amd64", "v1"), "stable");
        assertThat(store.exists("apt/open/dists/stable/Release")).isTrue();
        assertThat(store.exists("apt/open/dists/stable/InRelease")).isFalse();
        assertThat(store.exists("apt/open/dists/stable/Release.gpg")).isFalse();
    }

    @Test
    void refusesBadNames() {
        assertThatThrownBy(() -> new AptRepository(store, "Acme Corp", AptOptions.defaults(), () -> key, clock))
                .isInstanceOf(PackyardException.class).hasMessageStartingWith("APT repository 'Acme Corp': expected");
        AptRepository apt = repo(AptOptions.defaults());
        assertThatThrownBy(() -> apt.publish(work.resolve("x.deb"), "../etc")).hasMessageStartingWith("suite '../etc'");
        assertThatThrownBy(() -> apt.publish(work.resolve("x.deb"), "stable", "Main")).hasMessageStartingWith("component 'Main'");
    }

    static Map<String, String> fields(String release) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : release.split("\n")) {
            if (!line.startsWith(" ") && line.contains(":")) {
                out.put(line.substring(0, line.indexOf(':')), line.substring(line.indexOf(':') + 1).strip());
            }
        }
        return out;
    }

    /** The lines of a Release hash section: path to {hash, size}. */
    static Map<String, String[]> section(String release, String name) {
        Map<String, String[]> out = new LinkedHashMap<>();
        boolean in = false;
        for (String line : release.split("\n")) {
            if (line.equals(name + ":")) {
                in = true;
            } else if (!line.startsWith(" ")) {
                in = false;
            } else if (in) {
                String[] f = line.strip().split("\\s+");
                out.put(f[2], new String[] {f[0], f[1]});
            }
        }
        return out;
    }
}
