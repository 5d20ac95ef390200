package io.packyard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.packyard.repository.Repository;
import io.packyard.repository.auth.Permission;
import io.packyard.repository.index.IndexSpec;
import io.packyard.server.PackyardServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 5 end to end: {@code packyard publish --repo} uploads a .deb and an .rpm to a real
 * {@link PackyardServer} on 127.0.0.1, then an isolated apt-get (signed-by the key the server
 * serves) updates without warnings and downloads the package, an isolated dnf with
 * repo_gpgcheck=1 makes its cache from the served repodata and downloads the rpm, a token for
 * another index is refused (403), and the downloads page lists the files with their SHA-256 and
 * its "latest" URLs redirect to them; .msi, .zip and .tar.gz downloads are checked, stored, listed
 * and redirected to the same way.
 */
@Tag("system")
class LinuxRepositoryPublishSystemTest {
    static final String DEB_NAME = "packyard-linuxrepo-test";
    static final String RPM_NAME = "packyard-linuxrepo-rpm";

    @TempDir
    static Path work;

    static PackyardServer server;
    static String token;
    static String otherToken;
    static Path deb;
    static Path rpm;
    static String arch;
    static final HttpClient HTTP = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    @BeforeAll
    static void setUp() throws Exception {
        Sh.require("dpkg-deb", "rpmbuild", "apt-get", "dnf");
        server = PackyardServer.builder().dataDir(work.resolve("data")).port(0).build().start();
        Repository repo = server.repository();
        repo.indexes().create(IndexSpec.hosted("acme"));
        repo.indexes().create(IndexSpec.hosted("other"));
        token = repo.tokens().create("ci", "acme", Optional.empty(), Permission.UPLOAD, Optional.empty(), Optional.empty()).secret();
        otherToken = repo.tokens().create("ci", "other", Optional.empty(), Permission.UPLOAD, Optional.empty(), Optional.empty()).secret();
        arch = Sh.run("dpkg", "--print-architecture").ok().output().strip();
        deb = dpkgDeb(work.resolve("deb"), DEB_NAME + "_1.0-1_" + arch + ".deb", """
                Package: %s
                Version: 1.0-1
                Architecture: %s
                Maintainer: Packyard Tests <tests@example.org>
                Description: test package for packyard serve's APT repository
                """.formatted(DEB_NAME, arch));
        rpm = rpmbuild(work.resolve("rpm"), """
                Name: %s
                Version: 1.0
                Release: 1
                Summary: test package for packyard serve's YUM repository
                License: MIT
                BuildArch: noarch

                %%description
                Installs one file.

                %%install
                mkdir -p %%{buildroot}/opt/%s
                echo hello > %%{buildroot}/opt/%s/hello.txt

                %%files
                /opt/%s
                """.formatted(RPM_NAME, RPM_NAME, RPM_NAME, RPM_NAME), RPM_NAME + "-1.0-1.noarch.rpm");
    }

    @AfterAll
    static void tearDown() {
        if (server != null) {
            server.close();
        }
    }

    record Run(int exit, String out, String err) {}

    static Run cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(exit, out.toString(), err.toString());
    }

    static String base() {
        return server.url().toString();
    }

    static synchronized void publishOnce() {
        if (published) {
            return;
        }
        Run r = cli("publish", deb.toString(), rpm.toString(), "--to", base(), "--repo", "acme", "--channel", "stable",
                "--token", token);
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("published " + deb.getFileName()).contains("published " + rpm.getFileName());
        published = true;
    }

    static boolean published;

    @Test
    void publishIsIdempotentAndAWrongTokenIsRefused() throws Exception {
        publishOnce();
        Run again = cli("publish", deb.toString(), "--to", base(), "--repo", "acme", "--token", token);
        assertThat(again.exit()).as(again.err()).isZero();
        assertThat(again.out()).contains("unchanged " + deb.getFileName());

        Run wrong = cli("publish", deb.toString(), "--to", base(), "--repo", "acme", "--token", otherToken);
        assertThat(wrong.exit()).isEqualTo(1);
        assertThat(wrong.err()).contains("HTTP 403").contains("for index 'other', not 'acme'");

        HttpResponse<String> noToken = HTTP.send(HttpRequest.newBuilder(URI.create(base() + "repos/acme/upload?channel=stable"))
                .POST(HttpRequest.BodyPublishers.ofFile(deb)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(noToken.statusCode()).isEqualTo(401);

        Path whl = Files.writeString(work.resolve("notes-1.0-py3-none-any.whl"), "x");
        Run whlRun = cli("publish", whl.toString(), "--to", base(), "--repo", "acme", "--token", token);
        assertThat(whlRun.exit()).isEqualTo(2);
        assertThat(whlRun.err()).contains("wheels and sdists go to a Python index (without --repo)");
    }

    @Test
    void aptGetUpdatesWithoutWarningsAndDownloadsThePackage() throws Exception {
        publishOnce();
        Path key = work.resolve("acme.asc");
        HttpResponse<byte[]> k = get("repos/acme/keys/repository.asc");
        assertThat(k.statusCode()).isEqualTo(200);
        assertThat(new String(k.body(), StandardCharsets.US_ASCII)).startsWith("-----BEGIN PGP PUBLIC KEY BLOCK-----");
        Files.write(key, k.body());

        Path root = work.resolve("apt");
        for (String d : List.of("etc/sources.list.d", "etc/apt.conf.d", "etc/preferences.d", "etc/trusted.gpg.d",
                "state/lists/partial", "cache/archives/partial", "log", "download")) {
            Files.createDirectories(root.resolve(d));
        }
        Path sources = Files.writeString(root.resolve("etc/sources.list"),
                "deb [signed-by=" + key + "] " + base() + "repos/acme/apt stable main\n");
        Sh.Result update = apt(root, sources, "update");
        assertThat(update.exit()).as(update.output()).isZero();
        assertThat(update.output().lines().filter(l -> l.startsWith("W:") || l.startsWith("E:") || l.startsWith("N:")).toList())
                .as(update.output()).isEmpty();
        Sh.Result download = apt(root, sources, "download", DEB_NAME);
        assertThat(download.exit()).as(download.output()).isZero();
        Path got;
        try (Stream<Path> s = Files.list(root.resolve("download"))) {
            got = s.filter(p -> p.getFileName().toString().endsWith(".deb")).findFirst().orElseThrow();
        }
        assertThat(sha256(Files.readAllBytes(got))).isEqualTo(sha256(Files.readAllBytes(deb)));

        // caching: the signed index revalidates, pool files are immutable; ranges work
        HttpResponse<byte[]> inRelease = get("repos/acme/apt/dists/stable/InRelease");
        assertThat(inRelease.statusCode()).isEqualTo(200);
        assertThat(inRelease.headers().firstValue("Cache-Control")).hasValue("no-cache");
        String poolUrl = latestLocation("linux-" + debPlatform() + ".deb");
        HttpResponse<byte[]> range = HTTP.send(HttpRequest.newBuilder(URI.create(base() + poolUrl.substring(1)))
                .header("Range", "bytes=0-7").build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(range.statusCode()).isEqualTo(206);
        assertThat(new String(range.body(), StandardCharsets.US_ASCII)).isEqualTo("!<arch>\n");
        assertThat(range.headers().firstValue("Cache-Control").orElse("")).contains("immutable");
        assertThat(get("repos/acme/state/apt/acme").statusCode()).isEqualTo(404);
        assertThat(get("repos/acme/apt/../state/x").statusCode()).isEqualTo(404);
    }

    /**
     * Against the real server: apt-get installs v1 from it, v2 is published, apt-get upgrades to
     * it; then the Packages indexes are changed on the server's disk and apt-get update refuses
     * them (the InRelease hashes no longer match).
     */
    @Test
    @org.junit.jupiter.api.parallel.ResourceLock("dpkg")
    void aptUpgradesToV2AndRefusesATamperedIndex() throws Exception {
        String pkg = "packyard-linuxrepo-upgrade";
        Repository repo = server.repository();
        repo.indexes().create(IndexSpec.hosted("upgrade"));
        String t = repo.tokens().create("ci", "upgrade", Optional.empty(), Permission.UPLOAD, Optional.empty(),
                Optional.empty()).secret();
        String control = """
                Package: %s
                Version: %s
                Architecture: %s
                Maintainer: Packyard Tests <tests@example.org>
                Description: upgrade test package for packyard serve's APT repository
                """;
        Path v1 = dpkgDeb(work.resolve("upgrade-1"), pkg + "_1.0-1_" + arch + ".deb", control.formatted(pkg, "1.0-1", arch));
        Path v2 = dpkgDeb(work.resolve("upgrade-2"), pkg + "_2.0-1_" + arch + ".deb", control.formatted(pkg, "2.0-1", arch));
        assertThat(cli("publish", v1.toString(), "--to", base(), "--repo", "upgrade", "--token", t).exit()).isZero();

        Path key = work.resolve("upgrade.asc");
        Files.write(key, get("repos/upgrade/keys/repository.asc").body());
        Path root = work.resolve("apt-upgrade");
        for (String d : List.of("etc/sources.list.d", "etc/apt.conf.d", "etc/preferences.d", "etc/trusted.gpg.d",
                "state/lists/partial", "cache/archives/partial", "log", "download")) {
            Files.createDirectories(root.resolve(d));
        }
        Path sources = Files.writeString(root.resolve("etc/sources.list"),
                "deb [signed-by=" + key + "] " + base() + "repos/upgrade/apt stable main\n");
        try {
            assertThat(apt(root, sources, "update").exit()).isZero();
            Sh.Result install = apt(root, sources, "install", "-y", pkg);
            assertThat(install.exit()).as(install.output()).isZero();
            assertThat(Sh.run("dpkg-query", "-W", "-f", "${Version}", pkg).ok().output()).isEqualTo("1.0-1");

            assertThat(cli("publish", v2.toString(), "--to", base(), "--repo", "upgrade", "--token", t).exit()).isZero();
            Sh.Result update = apt(root, sources, "update");
            assertThat(update.exit()).as(update.output()).isZero();
            Sh.Result upgrade = apt(root, sources, "install", "--only-upgrade", "-y", pkg);
            assertThat(upgrade.exit()).as(upgrade.output()).isZero();
            assertThat(Sh.run("dpkg-query", "-W", "-f", "${Version}", pkg).ok().output()).isEqualTo("2.0-1");
        } finally {
            Sh.run("dpkg", "--purge", pkg);
        }

        // tamper with every Packages index on the server's disk, by-hash copies included
        Path binary = work.resolve("data/linux/apt/upgrade/dists/stable/main/binary-" + arch);
        assertThat(binary).isDirectory();
        try (Stream<Path> s = Files.walk(binary)) {
            for (Path f : s.filter(Files::isRegularFile).toList()) {
                Files.write(f, "Package: evil\n".getBytes(StandardCharsets.US_ASCII), java.nio.file.StandardOpenOption.APPEND);
            }
        }
        try (Stream<Path> s = Files.walk(root.resolve("state/lists"))) {
            for (Path f : s.filter(Files::isRegularFile).toList()) {
                Files.delete(f);
            }
        }
        Sh.Result refused = apt(root, sources, "update");
        assertThat(refused.output()).as(refused.output()).containsAnyOf("Hash Sum mismatch", "File has unexpected size");
        assertThat(refused.output().lines().anyMatch(l -> l.startsWith("E:") || l.startsWith("W:"))).isTrue();
    }

    @Test
    void dnfMakesItsCacheWithRepoGpgcheckAndDownloadsTheRpm() throws Exception {
        publishOnce();
        Path root = work.resolve("dnf");
        Files.createDirectories(root.resolve("repos.d"));
        Files.createDirectories(root.resolve("installroot"));
        Files.createDirectories(root.resolve("download"));
        Files.writeString(root.resolve("dnf.conf"), """
                [main]
                gpgcheck=1
                repo_gpgcheck=1
                keepcache=0
                install_weak_deps=0
                """);
        Files.writeString(root.resolve("repos.d/packyard.repo"), """
                [packyard]
                name=Packyard test repository
                baseurl=%srepos/acme/yum/stable/
                enabled=1
                gpgcheck=1
                repo_gpgcheck=1
                gpgkey=%srepos/acme/keys/repository.asc
                metadata_expire=0
                """.formatted(base(), base()));
        List<String> dnf = List.of("dnf", "-y", "--config=" + root.resolve("dnf.conf"),
                "--setopt=reposdir=" + root.resolve("repos.d"), "--installroot=" + root.resolve("installroot"),
                "--releasever=1", "--disablerepo=*", "--enablerepo=packyard");
        Sh.Result cache = Sh.run(Map.of(), root, concat(dnf, "makecache"));
        assertThat(cache.exit()).as(cache.output()).isZero();
        Sh.Result download = Sh.run(Map.of(), root, concat(dnf, "download", "--destdir=" + root.resolve("download"), RPM_NAME));
        assertThat(download.exit()).as(download.output()).isZero();
        assertThat(root.resolve("download/" + rpm.getFileName())).exists();
        HttpResponse<byte[]> repomd = get("repos/acme/yum/stable/repodata/repomd.xml");
        assertThat(repomd.statusCode()).isEqualTo(200);
        assertThat(repomd.headers().firstValue("Cache-Control")).hasValue("no-cache");

        // a repomd.xml changed on the server's disk no longer matches repomd.xml.asc: refused
        Path onDisk;
        try (Stream<Path> s = Files.walk(work.resolve("data/linux/yum"))) {
            onDisk = s.filter(f -> f.getFileName().toString().equals("repomd.xml") && f.toString().contains("acme"))
                    .findFirst().orElseThrow();
        }
        byte[] original = Files.readAllBytes(onDisk);
        try {
            Files.writeString(onDisk, new String(original, StandardCharsets.UTF_8).replace("</repomd>",
                    "<!-- tampered --></repomd>"));
            Sh.Result tampered = Sh.run(Map.of(), root, concat(dnf, "--setopt=cachedir=" + root.resolve("cache2"), "makecache"));
            assertThat(tampered.exit()).as(tampered.output()).isNotZero();
            assertThat(tampered.output()).containsIgnoringCase("signature");
        } finally {
            Files.write(onDisk, original);
        }
    }

    @Test
    void theDownloadsPageListsTheFilesAndLatestRedirects() throws Exception {
        publishOnce();
        HttpResponse<byte[]> page = get("repos/acme/downloads/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
        String html = new String(page.body(), StandardCharsets.UTF_8);
        String debSha = sha256(Files.readAllBytes(deb));
        assertThat(html).contains(DEB_NAME).contains(debSha).contains(RPM_NAME).contains(deb.getFileName().toString())
                .contains(Files.size(deb) + " bytes");

        String location = latestLocation("linux-" + debPlatform() + ".deb");
        assertThat(location).startsWith("/repos/acme/apt/pool/").endsWith("/" + deb.getFileName());
        assertThat(sha256(get(location.substring(1)).body())).isEqualTo(debSha);
        String rpmLocation = latestLocation("rpm");
        assertThat(rpmLocation).startsWith("/repos/acme/yum/stable/").endsWith(rpm.getFileName().toString());
        assertThat(get("repos/acme/downloads/latest/windows-arm64.msi").statusCode()).isEqualTo(404);
    }

    @Test
    void msiZipAndTarGzDownloadsArePublishedListedAndOneLinkAway() throws Exception {
        Path dist = Files.createDirectories(work.resolve("downloads-dist"));
        // a real Windows Installer database: the server reads its Property table and Template
        io.packyard.msi.db.MsiDatabase msiDb = io.packyard.msi.db.MsiDatabase.builder().build();
        msiDb.summary().template("x64;1033").packageCode(java.util.UUID.fromString("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"));
        msiDb.table(io.packyard.msi.db.StandardTables.PROPERTY).add("ProductName", "Acme Notes").add("Manufacturer", "Acme")
                .add("ProductVersion", io.packyard.msi.db.MsiVersion.fromPep440("2.1").toString());
        Path msi = dist.resolve("acme-notes-2.1-x64.msi");
        msiDb.write(msi);
        byte[] msiBytes = Files.readAllBytes(msi);
        Path zip = dist.resolve("acme-notes-2.1-windows-x64.zip");
        try (java.util.zip.ZipOutputStream z = new java.util.zip.ZipOutputStream(Files.newOutputStream(zip))) {
            for (String e : List.of("acme-notes-2.1/", "acme-notes-2.1/acme-notes.exe", "acme-notes-2.1/README.txt")) {
                z.putNextEntry(new java.util.zip.ZipEntry(e));
                z.write(e.endsWith("/") ? new byte[0] : e.getBytes(StandardCharsets.UTF_8));
                z.closeEntry();
            }
        }
        Path tgz = dist.resolve("acme-notes-2.1-linux-x86_64.tar.gz");
        try (var out = Files.newOutputStream(tgz);
                var gz = new org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream(out);
                var tar = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(gz)) {
            for (String e : List.of("acme-notes-2.1/", "acme-notes-2.1/bin/acme-notes")) {
                var t = new org.apache.commons.compress.archivers.tar.TarArchiveEntry(e);
                byte[] data = e.endsWith("/") ? new byte[0] : "#!/bin/sh\n".getBytes(StandardCharsets.UTF_8);
                t.setSize(data.length);
                tar.putArchiveEntry(t);
                tar.write(data);
                tar.closeArchiveEntry();
            }
        }
        Run r = cli("publish", msi.toString(), zip.toString(), tgz.toString(), "--to", base(), "--repo", "acme",
                "--channel", "stable", "--token", token);
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("published " + msi.getFileName()).contains("published " + zip.getFileName())
                .contains("published " + tgz.getFileName());
        Run again = cli("publish", msi.toString(), "--to", base(), "--repo", "acme", "--token", token);
        assertThat(again.exit()).as(again.err()).isZero();
        assertThat(again.out()).contains("unchanged " + msi.getFileName());

        String html = new String(get("repos/acme/downloads/").body(), StandardCharsets.UTF_8);
        for (Path p : List.of(msi, zip, tgz)) {
            assertThat(html).contains(p.getFileName().toString()).contains(sha256(Files.readAllBytes(p)))
                    .contains(Files.size(p) + " bytes");
        }
        assertThat(html).contains("windows-x64").contains("linux-x86_64");
        for (var e : Map.of("windows-x64.msi", msi, "windows-x64.zip", zip, "linux-x86_64.tar.gz", tgz).entrySet()) {
            String location = latestLocation(e.getKey() + "?project=acme-notes&channel=stable");
            assertThat(location).isEqualTo("/repos/acme/downloads/acme-notes/stable/" + e.getValue().getFileName());
            HttpResponse<byte[]> file = get(location.substring(1));
            assertThat(file.statusCode()).isEqualTo(200);
            assertThat(file.body()).isEqualTo(Files.readAllBytes(e.getValue()));
            assertThat(file.headers().firstValue("Cache-Control").orElse("")).contains("immutable");
        }
        assertThat(latestLocation("msi")).endsWith("/" + msi.getFileName());

        Path other = dist.resolve("other");
        Files.createDirectories(other);
        msiDb.summary().packageCode(java.util.UUID.fromString("00000000-4b5a-6978-8796-a5b4c3d2e1f0")); // other content, same identity
        Path conflicting = other.resolve(msi.getFileName().toString());
        msiDb.write(conflicting);
        assertThat(Files.readAllBytes(conflicting)).isNotEqualTo(msiBytes);
        Run conflict = cli("publish", conflicting.toString(), "--to", base(), "--repo", "acme", "--token", token);
        assertThat(conflict.exit()).isEqualTo(1);
        assertThat(conflict.err()).contains("HTTP 409").contains("File already exists");

        Path bad = Files.writeString(dist.resolve("acme-notes-2.2-x64.msi"), "MZ not an installer ".repeat(50));
        Run badRun = cli("publish", bad.toString(), "--to", base(), "--repo", "acme", "--token", token);
        assertThat(badRun.exit()).isEqualTo(1);
        assertThat(badRun.err()).contains("HTTP 400").contains("acme-notes-2.2-x64.msi: not a Windows Installer package"
                + " (no OLE compound file signature D0 CF 11 E0 A1 B1 1A E1)");
        Path badZip = zip.resolveSibling("acme-notes-2.2-windows-x64.zip");
        Files.copy(zip, badZip);
        Run badZipRun = cli("publish", badZip.toString(), "--to", base(), "--repo", "acme", "--token", token);
        assertThat(badZipRun.exit()).isEqualTo(1);
        assertThat(badZipRun.err()).contains("HTTP 400").contains("expected every entry inside the single top folder acme-notes-2.2/");
    }

    private static String debPlatform() {
        return switch (arch) {
            case "amd64" -> "x86_64";
            case "arm64" -> "aarch64";
            default -> arch;
        };
    }

    private static String latestLocation(String which) throws Exception {
        HttpResponse<byte[]> r = get("repos/acme/downloads/latest/" + which);
        assertThat(r.statusCode()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(302);
        return URI.create(r.headers().firstValue("Location").orElseThrow()).getPath();
    }

    private static HttpResponse<byte[]> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base() + path)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static List<String> concat(List<String> a, String... b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(List.of(b));
        return out;
    }

    private static Sh.Result apt(Path root, Path sources, String... args) {
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
        return Sh.run(Map.of(), root.resolve("download"), cmd);
    }

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    static Path dpkgDeb(Path dir, String fileName, String control) throws IOException {
        Path tree = dir.resolve("tree");
        Files.createDirectories(tree.resolve("DEBIAN"));
        Files.createDirectories(tree.resolve("opt/" + DEB_NAME));
        Files.writeString(tree.resolve("DEBIAN/control"), control, StandardCharsets.UTF_8);
        Files.writeString(tree.resolve("opt/" + DEB_NAME + "/hello.txt"), "hello\n", StandardCharsets.UTF_8);
        try (Stream<Path> s = Files.walk(tree)) {
            for (Path p : s.toList()) {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
        Path out = dir.resolve(fileName);
        Sh.run(Map.of("SOURCE_DATE_EPOCH", "1700000000"), null,
                List.of("dpkg-deb", "--root-owner-group", "-Zxz", "--build", tree.toString(), out.toString())).ok();
        return out;
    }

    static Path rpmbuild(Path dir, String spec, String fileName) throws IOException {
        Path top = dir.resolve("rpmbuild");
        for (String d : new String[] {"SPECS", "SOURCES", "BUILD", "RPMS", "SRPMS", "BUILDROOT"}) {
            Files.createDirectories(top.resolve(d));
        }
        Path specFile = Files.writeString(top.resolve("SPECS/t.spec"), spec, StandardCharsets.UTF_8);
        Sh.run(Map.of("SOURCE_DATE_EPOCH", "1700000000"), null, List.of("rpmbuild", "-bb", "--nodeps",
                "--define", "_topdir " + top, "--define", "_build_id_links none",
                "--define", "__os_install_post %{nil}", "--define", "_binary_payload w6.xzdio",
                specFile.toString())).ok();
        try (Stream<Path> s = Files.walk(top.resolve("RPMS"))) {
            return s.filter(p -> p.getFileName().toString().equals(fileName)).findFirst()
                    .orElseThrow(() -> new AssertionError("rpmbuild made no " + fileName));
        }
    }
}
