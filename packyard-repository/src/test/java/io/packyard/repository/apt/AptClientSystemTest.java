package io.packyard.repository.apt;

import static org.assertj.core.api.Assertions.assertThat;

import io.packyard.repository.packages.Cmd;
import io.packyard.repository.packages.Compression;
import io.packyard.repository.packages.Digests;
import io.packyard.repository.packages.DirectoryPackageStore;
import io.packyard.repository.packages.LinuxRepositories;
import io.packyard.repository.packages.PublishedPackage;
import io.packyard.repository.packages.StoreHttpServer;
import io.packyard.repository.packages.TestPackages;
import io.packyard.repository.signing.RepositoryKeys;
import io.packyard.repository.signing.TestKeys;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * apt-get against a repository published by {@link AptRepository}, served over HTTP on
 * 127.0.0.1 by {@link StoreHttpServer} (a stand-in for {@code packyard serve}). apt runs with its
 * own configuration, lists, cache and trusted keys (only the repository's key, via signed-by),
 * so the machine's apt state is not touched; the package is then installed with dpkg and purged.
 */
@Tag("system")
@org.junit.jupiter.api.parallel.ResourceLock("dpkg")
class AptClientSystemTest {
    static final String PKG = "packyard-apt-client-test";

    @TempDir
    static Path work;

    static DirectoryPackageStore store;
    static LinuxRepositories repos;
    static StoreHttpServer server;
    static String arch;

    @BeforeAll
    static void setUp() throws IOException {
        store = new DirectoryPackageStore(work.resolve("data/packages"));
        RepositoryKeys keys = TestKeys.keysIn(work.resolve("data/keys"));
        repos = LinuxRepositories.builder().store(store).keys(keys).build();
        server = new StoreHttpServer(store);
        arch = Cmd.run("dpkg", "--print-architecture").ok().stdout().strip();
    }

    @AfterAll
    static void tearDown() {
        if (server != null) {
            server.close();
        }
        Cmd.run("dpkg", "--purge", PKG);
    }

    /** An isolated apt: its own sources, lists, cache; the only trusted key is signed-by's. */
    record Apt(Path root, Path sources) {
        static Apt create(Path root, String sourcesLine) throws IOException {
            for (String d : List.of("etc/sources.list.d", "etc/apt.conf.d", "etc/preferences.d", "etc/trusted.gpg.d",
                    "state/lists/partial", "cache/archives/partial", "log", "download")) {
                Files.createDirectories(root.resolve(d));
            }
            Path sources = Files.writeString(root.resolve("etc/sources.list"), sourcesLine + "\n");
            return new Apt(root, sources);
        }

        Cmd.Result run(String... args) {
            List<String> cmd = new ArrayList<>(List.of("apt-get", "-q",
                    "-o", "Dir::Etc::SourceList=" + sources,
                    "-o", "Dir::Etc::SourceParts=" + root.resolve("etc/sources.list.d"),
                    "-o", "Dir::Etc::Parts=" + root.resolve("etc/apt.conf.d"),
                    "-o", "Dir::Etc::Preferences=" + root.resolve("etc/preferences"),
                    "-o", "Dir::Etc::PreferencesParts=" + root.resolve("etc/preferences.d"),
                    "-o", "Dir::Etc::Trusted=" + root.resolve("etc/trusted.gpg"),
                    "-o", "Dir::Etc::TrustedParts=" + root.resolve("etc/trusted.gpg.d"),
                    "-o", "Dir::State=" + root.resolve("state"),
                    "-o", "Dir::State::status=/var/lib/dpkg/status",
                    "-o", "Dir::Cache=" + root.resolve("cache"),
                    "-o", "Dir::Log=" + root.resolve("log"),
                    "-o", "Debug::NoLocking=1",
                    "-o", "APT::Architecture=" + arch,
                    "-o", "APT::Architectures=" + arch,
                    "-o", "Acquire::Languages=none",
                    "-o", "Acquire::http::Proxy=false",
                    "-o", "Acquire::Retries=0",
                    "-o", "APT::Sandbox::User=root"));
            cmd.addAll(List.of(args));
            return Cmd.run(cmd, Map.of(), root.resolve("download"));
        }
    }

    private static Path publicKey(String name) throws IOException {
        Path p = work.resolve(name);
        Files.write(p, store.read(LinuxRepositories.PUBLIC_KEY_ASC).orElseThrow());
        return p;
    }

    private static String sourcesLine(Path key, String repo) {
        return "deb [signed-by=" + key + "] " + server.url("apt/" + repo) + " stable main";
    }

    private static void assertCleanUpdate(Cmd.Result r) {
        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(r.output().lines().filter(l -> l.startsWith("W:") || l.startsWith("E:") || l.startsWith("N:")).toList())
                .as(r.output()).isEmpty();
    }

    @Test
    void aptGetUpdatesVerifiesInstallsAndUpgradesFromThePublishedRepository() throws IOException {
        Path v1 = TestPackages.packyardDeb(work.resolve("v1"), PKG, "1.0");
        Path v2 = TestPackages.packyardDeb(work.resolve("v2"), PKG, "2.0");
        PublishedPackage p1 = repos.publish(v1, "acme", "stable").published();
        Apt apt = Apt.create(work.resolve("apt-main"), sourcesLine(publicKey("acme.asc"), "acme"));

        server.clearRequests();
        Cmd.Result update = apt.run("update");
        assertCleanUpdate(update);
        List<String> requests = server.requests();
        String indexDir = "apt/acme/dists/stable/main/binary-" + arch + "/";
        String xzHash = Digests.sha256(store.read(indexDir + "Packages.xz").orElseThrow());
        assertThat(requests).as("apt uses InRelease and by-hash").contains("apt/acme/dists/stable/InRelease", indexDir + "by-hash/SHA256/" + xzHash)
                .doesNotContain(indexDir + "Packages.xz", indexDir + "Packages", "apt/acme/dists/stable/Release");

        Cmd.Result policy = apt.run("policy", PKG);
        assertThat(apt.run("-s", "install", PKG).ok().stdout())
                .contains("Inst " + PKG + " (1.0-1 acme:stable [" + arch + "])");
        Cmd.Result download = apt.run("download", PKG);
        assertThat(download.exitCode()).as(download.output() + policy.output()).isZero();
        Path downloaded = apt.root().resolve("download/" + p1.fileName());
        assertThat(Digests.sha256(downloaded)).isEqualTo(p1.sha256()).isEqualTo(Digests.sha256(v1));

        dpkg("-i", downloaded.toString());
        try {
            assertThat(Cmd.run("dpkg-query", "-W", "-f", "${Version}", PKG).ok().stdout()).isEqualTo("1.0-1");

            // v2 published: after an update apt offers the upgrade and downloads v2
            String oldByHash = indexDir + "by-hash/SHA256/" + xzHash;
            PublishedPackage p2 = repos.publish(v2, "acme", "stable").published();
            assertThat(store.exists(oldByHash)).as("the superseded index stays fetchable by hash").isTrue();
            assertThat(fetch(oldByHash)).isEqualTo(200);
            assertCleanUpdate(apt.run("update"));
            assertThat(apt.run("-s", "install", "--only-upgrade", PKG).ok().stdout())
                    .contains("Inst " + PKG + " [1.0-1] (2.0-1 acme:stable [" + arch + "])");
            assertThat(apt.run("download", PKG).ok().exitCode()).isZero();
            assertThat(Digests.sha256(apt.root().resolve("download/" + p2.fileName()))).isEqualTo(p2.sha256());
            dpkg("-i", apt.root().resolve("download/" + p2.fileName()).toString());
            assertThat(Cmd.run("dpkg-query", "-W", "-f", "${Version}", PKG).ok().stdout()).isEqualTo("2.0-1");
        } finally {
            dpkg("--purge", PKG);
        }
    }

    @Test
    void aptRefusesAForeignKeyATamperedReleaseAndATamperedIndex() throws IOException {
        Path deb = TestPackages.packyardDeb(work.resolve("t"), PKG + "-tamper", "1.0");
        repos.publish(deb, "tamper", "stable");
        Path key = publicKey("tamper.asc");
        assertCleanUpdate(Apt.create(work.resolve("apt-rightkey"), sourcesLine(key, "tamper")).run("update"));

        // 1. a key that did not sign the repository
        Path foreign = work.resolve("foreign.asc");
        Files.write(foreign, TestKeys.other().publicKeyArmored());
        Cmd.Result nokey = Apt.create(work.resolve("apt-wrongkey"), sourcesLine(foreign, "tamper")).run("update");
        assertThat(nokey.exitCode()).as(nokey.output()).isNotZero();
        assertThat(nokey.output()).contains("NO_PUBKEY " + repos.keys().orElseThrow().current().keyId());

        // 2. Release text changed inside InRelease: the signature is bad
        String inRelease = new String(store.read("apt/tamper/dists/stable/InRelease").orElseThrow(), StandardCharsets.UTF_8);
        overwrite("apt/tamper/dists/stable/InRelease", inRelease.replace("Origin: Packyard", "Origin: Evil").getBytes(StandardCharsets.UTF_8));
        Cmd.Result bad = Apt.create(work.resolve("apt-badsig"), sourcesLine(key, "tamper")).run("update");
        assertThat(bad.exitCode()).as(bad.output()).isNotZero();
        assertThat(bad.output()).contains("BADSIG");
        repos.apt("tamper").refresh("stable");

        // 3. Packages changed on disk (every copy, by-hash included): the hash in Release no longer matches
        String dir = "apt/tamper/dists/stable/main/binary-" + arch + "/";
        byte[] original = store.read(dir + "Packages").orElseThrow();
        String evil = new String(original, StandardCharsets.UTF_8).replace("Version: 1.0-1", "Version: 9.9-1");
        byte[] plain = evil.getBytes(StandardCharsets.UTF_8);
        for (String p : store.list(dir + "by-hash")) {
            byte[] old = store.read(p).orElseThrow();
            overwrite(p, Arrays.equals(old, original) ? plain
                    : Arrays.equals(old, Compression.gzip(original)) ? Compression.gzip(plain) : Compression.xz(plain));
        }
        overwrite(dir + "Packages", plain);
        overwrite(dir + "Packages.gz", Compression.gzip(plain));
        overwrite(dir + "Packages.xz", Compression.xz(plain));
        Cmd.Result r = Apt.create(work.resolve("apt-tamper"), sourcesLine(key, "tamper")).run("update");
        assertThat(r.exitCode()).as(r.output()).isNotZero();
        assertThat(r.output()).contains("Hash Sum mismatch");
        // without by-hash too
        Cmd.Result noByHash = Apt.create(work.resolve("apt-tamper-plain"), sourcesLine(key, "tamper"))
                .run("-o", "Acquire::By-Hash=no", "update");
        assertThat(noByHash.exitCode()).as(noByHash.output()).isNotZero();
        assertThat(noByHash.output()).contains("Hash Sum mismatch");
    }

    private static void overwrite(String path, byte[] content) throws IOException {
        Files.write(store.file(path), content);
    }

    private static int fetch(String path) {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(server.url(path))).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** dpkg, waiting while another test holds the dpkg lock. */
    private static Cmd.Result dpkg(String... args) {
        List<String> cmd = new ArrayList<>(List.of("dpkg"));
        cmd.addAll(List.of(args));
        Cmd.Result r = null;
        for (int i = 0; i < 120; i++) {
            r = Cmd.run(cmd, Map.of(), null);
            if (r.exitCode() == 0 || !r.output().contains("lock")) {
                break;
            }
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return r.ok();
    }

}
