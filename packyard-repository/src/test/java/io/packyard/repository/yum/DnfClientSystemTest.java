package io.packyard.repository.yum;

import static org.assertj.core.api.Assertions.assertThat;

import io.packyard.repository.packages.Cmd;
import io.packyard.repository.packages.Digests;
import io.packyard.repository.packages.DirectoryPackageStore;
import io.packyard.repository.packages.LinuxRepositories;
import io.packyard.repository.packages.PublishedPackage;
import io.packyard.repository.packages.StoreHttpServer;
import io.packyard.repository.packages.TestPackages;
import io.packyard.repository.signing.RepositoryKeys;
import io.packyard.repository.signing.TestKeys;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * dnf against repositories published by {@link YumRepository}, served over HTTP on 127.0.0.1 by
 * {@link StoreHttpServer} (a stand-in for {@code packyard serve}). dnf runs with its own config,
 * repos directory and an empty --installroot, with repo_gpgcheck=1 and gpgcheck=1 and the key
 * fetched from the served key URL.
 */
@Tag("system")
class DnfClientSystemTest {
    static final String PLAIN_SPEC = """
            Name: packyard-dnf-plain
            Version: 1.0
            Release: 1
            Summary: A package without dependencies
            License: MIT
            BuildArch: noarch
            AutoReqProv: no

            %description
            Installs one file, so dnf can install it into an empty root.

            %install
            mkdir -p %{buildroot}/opt/packyard-dnf-plain
            echo hello > %{buildroot}/opt/packyard-dnf-plain/hello.txt

            %files
            /opt/packyard-dnf-plain
            """;

    @TempDir
    static Path work;

    static DirectoryPackageStore store;
    static LinuxRepositories repos;
    static StoreHttpServer server;
    static RepositoryKeys keys;
    static Path packyardRpm;
    static Path plainRpm;

    @BeforeAll
    static void setUp() throws IOException {
        store = new DirectoryPackageStore(work.resolve("data/packages"));
        keys = TestKeys.keysIn(work.resolve("data/keys"));
        repos = LinuxRepositories.builder().store(store).keys(keys)
                .yumOptions(name -> name.equals("unsigned") ? YumOptions.defaults().withSignPackages(false) : YumOptions.defaults())
                .build();
        server = new StoreHttpServer(store);
        packyardRpm = TestPackages.packyardRpm(work.resolve("p"), "packyard-dnf-app", "1.0");
        plainRpm = TestPackages.rpmbuild(work, "plain", PLAIN_SPEC, "packyard-dnf-plain-1.0-1.noarch.rpm");
    }

    @AfterAll
    static void tearDown() {
        if (server != null) {
            server.close();
        }
    }

    /** An isolated dnf: its own config, repos.d and installroot. */
    record Dnf(Path root) {
        static Dnf create(Path root, String repo) throws IOException {
            Files.createDirectories(root.resolve("repos.d"));
            Files.createDirectories(root.resolve("installroot"));
            Files.createDirectories(root.resolve("download"));
            Files.writeString(root.resolve("dnf.conf"), """
                    [main]
                    gpgcheck=1
                    repo_gpgcheck=1
                    installonly_limit=3
                    keepcache=0
                    install_weak_deps=0
                    """);
            Files.writeString(root.resolve("repos.d/packyard.repo"), """
                    [packyard]
                    name=Packyard test repository
                    baseurl=%s
                    enabled=1
                    gpgcheck=1
                    repo_gpgcheck=1
                    gpgkey=%s
                    metadata_expire=0
                    """.formatted(server.url("yum/" + repo + "/stable/"), server.url(LinuxRepositories.PUBLIC_KEY_ASC)));
            return new Dnf(root);
        }

        Cmd.Result run(String... args) {
            List<String> cmd = new ArrayList<>(List.of("dnf", "-y",
                    "--config=" + root.resolve("dnf.conf"),
                    "--setopt=reposdir=" + root.resolve("repos.d"),
                    "--installroot=" + root.resolve("installroot"),
                    "--releasever=1",
                    "--disablerepo=*", "--enablerepo=packyard"));
            cmd.addAll(List.of(args));
            return Cmd.run(cmd, Map.of(), root);
        }
    }

    private static String shortKeyId() {
        return keys.current().keyId().substring(8).toLowerCase(Locale.ROOT);
    }

    @Test
    void dnfVerifiesTheMetadataResolvesDownloadsAndInstallsSignedPackages() throws IOException {
        PublishedPackage app = repos.publish(packyardRpm, "acme", "stable").published();
        PublishedPackage plain = repos.publish(plainRpm, "acme", "stable").published();
        Dnf dnf = Dnf.create(work.resolve("dnf-main"), "acme");

        Cmd.Result cache = dnf.run("makecache");
        assertThat(cache.exitCode()).as(cache.output()).isZero();
        assertThat(cache.output()).containsIgnoringCase("Importing GPG key 0x" + shortKeyId().toUpperCase(Locale.ROOT))
                .contains("Metadata cache created");

        Cmd.Result query = dnf.run("repoquery", "--location", "packyard-dnf-app");
        assertThat(query.exitCode()).as(query.output()).isZero();
        assertThat(query.stdout()).contains(server.url(app.path()));
        // dnf resolves the command path through primary.xml's /usr/bin entry
        Cmd.Result whatProvides = dnf.run("repoquery", "--whatprovides", "/usr/bin/packyard-dnf-app-hello");
        assertThat(whatProvides.stdout()).as(whatProvides.output()).contains("packyard-dnf-app-0:1.0-1.x86_64");

        Cmd.Result download = dnf.run("download", "--destdir=" + dnf.root().resolve("download"), "packyard-dnf-app");
        assertThat(download.exitCode()).as(download.output()).isZero();
        assertThat(Digests.sha256(dnf.root().resolve("download/" + app.fileName()))).isEqualTo(app.sha256());

        // gpgcheck=1: dnf checks the package signature against the imported key, then installs
        Cmd.Result install = dnf.run("install", "packyard-dnf-plain");
        assertThat(install.exitCode()).as(install.output()).isZero();
        assertThat(Cmd.run("rpm", "--root", dnf.root().resolve("installroot").toString(), "-q", "--qf", "%{NAME}-%{VERSION} %{SIGPGP:pgpsig}%{RSAHEADER:pgpsig}", "packyard-dnf-plain")
                .ok().stdout()).startsWith("packyard-dnf-plain-1.0").contains("RSA/SHA256").contains("Key ID " + keys.current().keyId().toLowerCase(Locale.ROOT));
        assertThat(dnf.root().resolve("installroot/opt/packyard-dnf-plain/hello.txt")).hasContent("hello");
        assertThat(plain.sha256()).isNotEqualTo(Digests.sha256(plainRpm));
    }

    @Test
    void dnfRefusesATamperedRepomdAndAnUnsignedPackage() throws IOException {
        repos.publish(plainRpm, "tamper", "stable");
        String repomd = "yum/tamper/stable/repodata/repomd.xml";
        String original = new String(store.read(repomd).orElseThrow(), StandardCharsets.UTF_8);
        assertThat(Dnf.create(work.resolve("dnf-ok"), "tamper").run("makecache").exitCode()).isZero();

        Files.writeString(store.file(repomd), original.replaceFirst("<revision>[0-9]+</revision>", "<revision>1</revision>"));
        Cmd.Result tampered = Dnf.create(work.resolve("dnf-tampered"), "tamper").run("makecache");
        assertThat(tampered.exitCode()).as(tampered.output()).isNotZero();
        assertThat(tampered.output()).containsIgnoringCase("GPG signature verification error");

        // gpgcheck=1 and a package the repository did not sign: dnf refuses to install it
        repos.publish(plainRpm, "unsigned", "stable");
        Dnf dnf = Dnf.create(work.resolve("dnf-unsigned"), "unsigned");
        assertThat(dnf.run("makecache").exitCode()).isZero();
        Cmd.Result install = dnf.run("install", "packyard-dnf-plain");
        assertThat(install.exitCode()).as(install.output()).isNotZero();
        assertThat(install.output()).contains("is not signed");
    }
}
