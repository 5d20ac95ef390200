package io.packyard.repository.packages;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.packyard.bundle.Target;
import io.packyard.repository.signing.RepositoryKeys;
import io.packyard.repository.signing.TestKeys;
import io.packyard.testkit.SettableClock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LinuxRepositoriesTest {
    @TempDir
    static Path work;

    static RepositoryKeys keys;
    static Path debV1;
    static Path debV2;
    static Path debV3;
    static Path rpmV1;

    @BeforeAll
    static void setUp() throws IOException {
        keys = TestKeys.keysIn(work.resolve("keys"));
        debV1 = TestPackages.packyardDeb(work.resolve("d1"), "notes", "1.0");
        debV2 = TestPackages.packyardDeb(work.resolve("d2"), "notes", "1.1");
        debV3 = TestPackages.packyardDeb(work.resolve("d3"), "notes", "2.0b1");
        rpmV1 = TestPackages.packyardRpm(work.resolve("r1"), "notes", "1.0");
    }

    @Test
    void publishesByContentAndComputesTheLatestDownloadPerPlatformFormatAndChannel() throws IOException {
        SettableClock clock = new SettableClock(Instant.parse("2026-03-01T12:00:00Z"));
        DirectoryPackageStore store = new DirectoryPackageStore(work.resolve("store-a"));
        LinuxRepositories repos = LinuxRepositories.builder().store(store).keys(keys).clock(clock).build();
        assertThat(store.read(LinuxRepositories.PUBLIC_KEY_ASC).orElseThrow()).isEqualTo(keys.exportPublicKeys());
        assertThat(store.read(LinuxRepositories.PUBLIC_KEY_GPG).orElseThrow()).isEqualTo(keys.exportPublicKeysBinary());

        assertThat(LinuxRepositories.detectFormat(debV1)).contains("deb");
        assertThat(LinuxRepositories.detectFormat(rpmV1)).contains("rpm");
        // upload order is not version order
        repos.publish(debV2, "acme", "stable");
        clock.advance(Duration.ofMinutes(1));
        LinuxRepositories.PublishResult first = repos.publish(debV1, "acme", "stable");
        assertThat(first.changed()).isTrue();
        assertThat(first.published().format()).isEqualTo("deb");
        repos.publish(rpmV1, "acme", "stable");
        repos.publish(debV3, "acme", "testing");
        assertThat(repos.publish(debV1, "acme", "stable").changed()).isFalse();

        Path text = Files.writeString(work.resolve("notes.exe"), "MZ not a package");
        assertThatThrownBy(() -> repos.publish(text, "acme", "stable"))
                .isInstanceOf(PackageRejectedException.class)
                .hasMessageStartingWith("notes.exe: neither a .deb nor an .rpm");

        String platform = switch (Target.host()) {
            case LINUX_AARCH64 -> "linux-aarch64";
            default -> "linux-x86_64";
        };
        List<Downloads.Download> latest = repos.latestDownloads("acme");
        assertThat(latest).extracting(d -> d.channel() + " " + d.platform() + " " + d.format() + " " + d.version())
                .containsExactly(
                        "stable " + platform + " deb 1.1-1",
                        "stable " + platform + " rpm 1.0-1",
                        "testing " + platform + " deb 2.0~b1-1");
        Downloads.Download deb = latest.get(0);
        assertThat(deb.project()).isEqualTo("notes");
        assertThat(deb.size()).isEqualTo(Files.size(debV2));
        assertThat(deb.sha256()).isEqualTo(Digests.sha256(debV2));
        assertThat(store.exists(deb.path())).isTrue();
        assertThat(PackageStore.isPublic(deb.path())).isTrue();
        // the rpm served is the signed one: its digest is the served file's
        Downloads.Download rpm = latest.get(1);
        assertThat(rpm.sha256()).isEqualTo(Digests.sha256(store.file(rpm.path()))).isNotEqualTo(Digests.sha256(rpmV1));
        assertThat(repos.aptRepositories()).containsExactly("acme");
        assertThat(repos.yumRepositories()).containsExactly("acme");
    }

    @Test
    void concurrentPublishesIntoOneRepositorySerialize() throws Exception {
        DirectoryPackageStore store = new DirectoryPackageStore(work.resolve("store-b"));
        LinuxRepositories repos = LinuxRepositories.builder().store(store).keys(keys).build();
        List<Path> debs = List.of(debV1, debV2, debV3);
        ExecutorService pool = Executors.newFixedThreadPool(3);
        CountDownLatch start = new CountDownLatch(1);
        AtomicInteger changed = new AtomicInteger();
        try {
            List<Future<?>> futures = new java.util.ArrayList<>();
            for (int i = 0; i < 6; i++) {
                Path deb = debs.get(i % 3);
                futures.add(pool.submit(() -> {
                    start.await();
                    if (repos.publish(deb, "acme", "stable").changed()) {
                        changed.incrementAndGet();
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(changed.get()).isEqualTo(3);
        assertThat(repos.apt("acme").packages("stable")).extracting(p -> p.version()).containsExactly("1.0-1", "1.1-1", "2.0~b1-1");
        String arch = repos.apt("acme").packages("stable").get(0).architecture();
        String packages = Files.readString(store.file("apt/acme/dists/stable/main/binary-" + arch + "/Packages"));
        assertThat(packages.split("\n\n")).hasSize(3);
    }

    @Test
    void storePathsAndPublicArea() throws IOException {
        assertThat(PackageStore.isPublic("apt/acme/dists/stable/InRelease")).isTrue();
        assertThat(PackageStore.isPublic("keys/repository.asc")).isTrue();
        assertThat(PackageStore.isPublic("state/apt/acme/ids/x")).isFalse();
        assertThat(PackageStore.isPublic("apt/../state/x")).isFalse();
        assertThat(PackageStore.isPublic("apt//x")).isFalse();
        DirectoryPackageStore store = new DirectoryPackageStore(work.resolve("store-c"));
        assertThatThrownBy(() -> store.put("../escape", new byte[0])).isInstanceOf(IllegalArgumentException.class);
        store.put("apt/a/b", new byte[] {1});
        store.put("apt/a/b", new byte[] {2});
        Files.writeString(store.file("apt/a/.c.123.tmp"), "left by a crash");
        assertThat(store.read("apt/a/b")).hasValueSatisfying(b -> assertThat(b).containsExactly(2));
        assertThat(store.list("apt")).containsExactly("apt/a/b");
        store.delete("apt/a/b");
        store.delete("apt/a/b");
        assertThat(store.exists("apt/a/b")).isFalse();
        assertThat(store.read("apt/a/b")).isEmpty();
    }
}
