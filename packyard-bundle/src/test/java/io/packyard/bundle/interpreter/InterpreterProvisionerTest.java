package io.packyard.bundle.interpreter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.packyard.bundle.Target;
import io.packyard.bundle.interpreter.Fixtures.Entry;
import io.packyard.python.PackyardException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Provisioning from FIXTURE archives: small synthetic trees shaped like python-build-standalone
 * install_only archives (see {@link Fixtures}), served by a local HTTP server or read from disk.
 * The targets are chosen so that nothing here is ever executed.
 */
class InterpreterProvisionerTest {

    private static final String RELEASE = "20990101";

    @TempDir
    Path tmp;

    private final Target target = Fixtures.foreignLinuxTarget();
    private final Fixtures.RecordingProgress progress = new Fixtures.RecordingProgress();

    private InterpreterProvisioner.Builder builder(Fixtures.Server server) {
        return InterpreterProvisioner.builder()
                .cacheDir(tmp.resolve("cache"))
                .environment(Map.of("PATH", "", "HOME", tmp.toString()))
                .urlTemplate(server == null ? "http://127.0.0.1:9/{release}/cpython-{version}+{release}-{triple}-{flavor}.tar.gz"
                        : server.base() + "/rel/{release}/cpython-{version}+{release}-{triple}-{flavor}.tar.gz")
                .flavor("install_only")
                .progress(progress);
    }

    private String fileName(String version) {
        return "cpython-" + version + "+" + RELEASE + "-" + target.triple() + "-install_only.tar.gz";
    }

    /** Publishes a fixture archive and a SHA256SUMS that lists {@code listedSha} for it. */
    private Path publish(Fixtures.Server server, String version, String listedSha) throws Exception {
        Path archive = Fixtures.tarGz(tmp.resolve(fileName(version)), Fixtures.linuxTree(version, Fixtures.elfMachine(target)));
        server.put("/rel/" + RELEASE + "/" + fileName(version), archive);
        String sha = listedSha != null ? listedSha : Fixtures.sha256(archive);
        String sums = "0000000000000000000000000000000000000000000000000000000000000000  cpython-other.tar.gz\n"
                + sha + "  " + fileName(version) + "\n";
        server.put("/rel/" + RELEASE + "/SHA256SUMS", sums.getBytes(StandardCharsets.UTF_8));
        return archive;
    }

    @Test
    void downloadsVerifiesCachesAndStrips() throws Exception {
        Path dest = tmp.resolve("bundle/python");
        Interpreter py;
        Path archive;
        try (Fixtures.Server server = new Fixtures.Server()) {
            archive = publish(server, "3.12.12", null);
            py = builder(server).build().provision(InterpreterSpec.parse("3.12.12+" + RELEASE, "--python"), target, dest);
            assertThat(server.requests).containsExactly("/rel/" + RELEASE + "/SHA256SUMS", "/rel/" + RELEASE + "/" + fileName("3.12.12"));
        }
        assertThat(py).isEqualTo(new Interpreter("3.12.12", "3.12", target, true, "python/bin/python3",
                "python/lib/python3.12", "python/lib/python3.12/site-packages", py.hostExecutable(), py.buildExecutable()));
        // the target does not run here: a host CPython 3.12 may stand in, if this machine has one
        py.hostExecutable().ifPresent(h -> assertThat(h.getFileName().toString()).startsWith("python"));
        assertThat(py.pythonTag()).isEqualTo("cp312");
        assertThat(Fixtures.listing(dest)).containsExactly(
                "bin", "bin/pydoc3", "bin/python3", "bin/python3.12",
                "include", "include/python3.12", "include/python3.12/patchlevel.h",
                "lib", "lib/libpython3.12.so", "lib/libpython3.12.so.1.0",
                "lib/python3.12", "lib/python3.12/config-3.12-x86_64-linux-gnu",
                "lib/python3.12/config-3.12-x86_64-linux-gnu/Makefile",
                "lib/python3.12/json", "lib/python3.12/json/__init__.py",
                "lib/python3.12/lib-dynload", "lib/python3.12/lib-dynload/_json.cpython-312-x86_64-linux-gnu.so",
                "lib/python3.12/os.py",
                "lib/python3.12/site-packages", "lib/python3.12/site-packages/README.txt",
                "lib/python3.12/unittest", "lib/python3.12/unittest/__init__.py");
        assertThat(Files.readSymbolicLink(dest.resolve("bin/python3"))).isEqualTo(Path.of("python3.12"));
        assertThat(Files.isExecutable(dest.resolve("bin/python3.12"))).isTrue();
        assertThat(FileOps.mode(dest.resolve("lib/python3.12/os.py"))).isEqualTo(0644);
        assertThat(FileOps.mode(dest.resolve("bin/python3.12"))).isEqualTo(0755);
        Path cached = tmp.resolve("cache/python/" + fileName("3.12.12"));
        assertThat(cached).hasSameBinaryContentAs(archive);
        assertThat(Files.readString(tmp.resolve("cache/python/" + fileName("3.12.12") + ".sha256")))
                .startsWith(Fixtures.sha256(archive) + "  ");
        assertThat(progress.steps).anyMatch(s -> s.startsWith("Downloading " + fileName("3.12.12")));
        assertThat(progress.lastDone).isEqualTo(Files.size(archive));
        assertThat(progress.lastTotal).isEqualTo(Files.size(archive));

        // second build: the server is gone, the cache serves (and is verified)
        Path dest2 = tmp.resolve("bundle2/python");
        Interpreter again = builder(null).build().provision(InterpreterSpec.parse("3.12.12+" + RELEASE, "--python"), target, dest2);
        assertThat(again).isEqualTo(py);
        assertThat(Fixtures.listing(dest2)).isEqualTo(Fixtures.listing(dest));
        assertThat(progress.steps).contains("Using cached " + fileName("3.12.12"));
    }

    @Test
    void minorVersionWithAReleaseResolvesThroughSha256SumsThenTheCache() throws Exception {
        try (Fixtures.Server server = new Fixtures.Server()) {
            publish(server, "3.13.4", null);
            Interpreter py = builder(server).release(RELEASE).build()
                    .provision(InterpreterSpec.parse("3.13", "--python"), target, tmp.resolve("a/python"));
            assertThat(py.version()).isEqualTo("3.13.4");
            assertThat(py.stdlibDir()).isEqualTo("python/lib/python3.13");
        }
        // offline: the patch version comes from the cache
        Interpreter py = builder(null).release(RELEASE).offline(true).build()
                .provision(InterpreterSpec.parse("3.13", "--python"), target, tmp.resolve("b/python"));
        assertThat(py.version()).isEqualTo("3.13.4");
    }

    @Test
    void wrongChecksumIsRefusedAndLeavesNothing() throws Exception {
        String wrong = "1111111111111111111111111111111111111111111111111111111111111111";
        Path dest = tmp.resolve("bundle/python");
        try (Fixtures.Server server = new Fixtures.Server()) {
            Path archive = publish(server, "3.12.12", wrong);
            String actual = Fixtures.sha256(archive);
            assertThatThrownBy(() -> builder(server).build()
                    .provision(InterpreterSpec.parse("3.12.12+" + RELEASE, "--python"), target, dest))
                    .isInstanceOfSatisfying(PackyardException.class, e -> {
                        assertThat(e.kind()).isEqualTo(PackyardException.Kind.BUILD);
                        assertThat(e.getMessage()).isEqualTo(fileName("3.12.12") + ": sha256 mismatch: expected " + wrong
                                + ", downloaded " + actual + " from " + server.base() + "/rel/" + RELEASE + "/" + fileName("3.12.12"));
                    });
        }
        assertThat(Fixtures.listing(tmp.resolve("cache/python"))).isEmpty();
        assertThat(dest).doesNotExist();
        assertThat(Fixtures.listing(tmp.resolve("bundle"))).isEmpty();
    }

    @Test
    void damagedCacheIsDownloadedAgainOrRefusedOffline() throws Exception {
        Path cached = tmp.resolve("cache/python/" + fileName("3.12.12"));
        try (Fixtures.Server server = new Fixtures.Server()) {
            publish(server, "3.12.12", null);
            builder(server).build().provision(InterpreterSpec.parse("3.12.12+" + RELEASE, "--python"), target, tmp.resolve("a/python"));
            Files.write(cached, "corrupted".getBytes(StandardCharsets.UTF_8));
            builder(server).build().provision(InterpreterSpec.parse("3.12.12+" + RELEASE, "--python"), target, tmp.resolve("b/python"));
            assertThat(progress.warnings).anyMatch(w -> w.startsWith(fileName("3.12.12") + ": cached copy was damaged"));
            assertThat(Fixtures.sha256(cached)).isEqualTo(Fixtures.sha256(tmp.resolve(fileName("3.12.12"))));
        }
        Files.write(cached, "corrupted again".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> builder(null).offline(true).build()
                .provision(InterpreterSpec.parse("3.12.12+" + RELEASE, "--python"), target, tmp.resolve("c/python")))
                .hasMessageContaining("cached copy was damaged")
                .hasMessageContaining("offline mode cannot download it again");
        assertThat(cached).doesNotExist();
        assertThat(tmp.resolve("c/python")).doesNotExist();
    }

    @Test
    void httpAndListingErrorsAreOneLine() throws Exception {
        try (Fixtures.Server server = new Fixtures.Server()) {
            // no SHA256SUMS at all
            assertThatThrownBy(() -> builder(server).build()
                    .provision(InterpreterSpec.parse("3.12.12+" + RELEASE, "--python"), target, tmp.resolve("a/python")))
                    .hasMessage("GET " + server.base() + "/rel/" + RELEASE + "/SHA256SUMS: HTTP 404");
            // listed, but the archive is missing
            Path archive = publish(server, "3.12.12", null);
            server.files.remove("/rel/" + RELEASE + "/" + fileName("3.12.12"));
            assertThatThrownBy(() -> builder(server).build()
                    .provision(InterpreterSpec.parse("3.12.12+" + RELEASE, "--python"), target, tmp.resolve("b/python")))
                    .hasMessage("GET " + server.base() + "/rel/" + RELEASE + "/" + fileName("3.12.12") + ": HTTP 404");
            // not listed
            assertThat(archive).exists();
            assertThatThrownBy(() -> builder(server).build()
                    .provision(InterpreterSpec.parse("3.11.9+" + RELEASE, "--python"), target, tmp.resolve("c/python")))
                    .hasMessageStartingWith(fileName("3.11.9") + ": not listed in " + server.base() + "/rel/" + RELEASE + "/SHA256SUMS");
        }
        assertThat(Fixtures.listing(tmp.resolve("cache/python"))).isEmpty();
    }

    @Test
    void connectionFailureNamesTheUrl() {
        assertThatThrownBy(() -> builder(null).build()
                .provision(InterpreterSpec.parse("3.12.12+" + RELEASE, "--python"), target, tmp.resolve("a/python")))
                .isInstanceOf(PackyardException.class)
                .hasMessageStartingWith("GET http://127.0.0.1:9/" + RELEASE + "/SHA256SUMS: ")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void offlineWithoutCacheNeverTouchesTheNetwork() throws Exception {
        try (Fixtures.Server server = new Fixtures.Server()) {
            publish(server, "3.12.12", null);
            assertThatThrownBy(() -> builder(server).offline(true).build()
                    .provision(InterpreterSpec.parse("3.12.12+" + RELEASE, "--python"), target, tmp.resolve("a/python")))
                    .hasMessageStartingWith(fileName("3.12.12") + ": not in the cache (")
                    .hasMessageContaining("offline mode forbids downloading");
            assertThat(server.requests).isEmpty();
        }
    }

    @Test
    void builtInTableMapsMinorVersionsToTheDefaultRelease() throws Exception {
        assertThat(StandaloneReleases.resolve("3.12")).contains(new StandaloneReleases.Resolved("3.12.12", "20251014"));
        assertThat(StandaloneReleases.resolve("3.14")).contains(new StandaloneReleases.Resolved("3.14.0", "20251014"));
        assertThat(StandaloneReleases.resolve("3.12.7")).contains(new StandaloneReleases.Resolved("3.12.7", "20241016"));
        assertThat(StandaloneReleases.resolve("3.8")).isEmpty();
        // the default template names the real release assets
        try (Fixtures.Server server = new Fixtures.Server()) {
            String expected = "/download/20251014/cpython-3.11.14%2B20251014-" + target.triple() + "-install_only_stripped.tar.gz";
            InterpreterProvisioner p = InterpreterProvisioner.builder()
                    .cacheDir(tmp.resolve("cache"))
                    .environment(Map.of("PATH", ""))
                    .urlTemplate(server.base() + "/download/{release}/cpython-{version}%2B{release}-{triple}-{flavor}.tar.gz")
                    .build();
            server.put("/download/20251014/SHA256SUMS", ("2222222222222222222222222222222222222222222222222222222222222222  "
                    + "cpython-3.11.14+20251014-" + target.triple() + "-install_only_stripped.tar.gz\n").getBytes(StandardCharsets.UTF_8));
            assertThatThrownBy(() -> p.provision(InterpreterSpec.parse("3.11", "--python"), target, tmp.resolve("x/python")))
                    .hasMessage("GET " + server.base() + expected + ": HTTP 404");
            assertThat(server.requests).containsExactly("/download/20251014/SHA256SUMS", expected);
        }
        assertThatThrownBy(() -> builder(null).build().provision(InterpreterSpec.parse("3.8", "--python"), target, tmp.resolve("y/python")))
                .isInstanceOfSatisfying(PackyardException.class, e -> assertThat(e.kind()).isEqualTo(PackyardException.Kind.CONFIG))
                .hasMessageContaining("no built-in python-build-standalone release for CPython 3.8");
    }

    @Test
    void remoteArchiveIsCachedByItsHash() throws Exception {
        Path archive = Fixtures.tarGz(tmp.resolve("my-python.tar.gz"), Fixtures.linuxTree("3.12.3", Fixtures.elfMachine(target)));
        String sha = Fixtures.sha256(archive);
        try (Fixtures.Server server = new Fixtures.Server()) {
            server.put("/files/my-python.tar.gz", archive);
            InterpreterSpec spec = InterpreterSpec.fromToml(Map.of("archive", server.base() + "/files/my-python.tar.gz", "sha256", sha),
                    "[tool.packyard].python", tmp);
            Interpreter py = builder(server).build().provision(spec, target, tmp.resolve("a/python"));
            assertThat(py.version()).isEqualTo("3.12.3");
            assertThat(tmp.resolve("cache/python/sha256/" + sha + "/my-python.tar.gz")).hasSameBinaryContentAs(archive);
        }
    }

    @Test
    void localArchiveWithKeepAndHash() throws Exception {
        Path archive = Fixtures.tarGz(tmp.resolve("py.tar.gz"), Fixtures.linuxTree("3.12.3", Fixtures.elfMachine(target)));
        InterpreterProvisioner p = builder(null).keep(Set.of("test", "site-packages")).build();
        Interpreter py = p.provision(InterpreterSpec.parse("archive:" + archive + "#sha256=" + Fixtures.sha256(archive), "--python"),
                target, tmp.resolve("a/python"));
        assertThat(py.version()).isEqualTo("3.12.3");
        List<String> files = Fixtures.listing(tmp.resolve("a/python"));
        assertThat(files).contains("lib/python3.12/test/test_os.py", "lib/python3.12/unittest/test/test_case.py",
                "lib/python3.12/site-packages/pip/__init__.py", "bin/pip3");
        assertThat(files).doesNotContain("lib/python3.12/idlelib", "bin/idle3", "lib/python3.12/stale.pyc");

        String wrong = "3".repeat(64);
        assertThatThrownBy(() -> p.provision(InterpreterSpec.parse("archive:" + archive + "#sha256=" + wrong, "--python"),
                target, tmp.resolve("b/python")))
                .hasMessage("archive " + archive + ": sha256 mismatch: expected " + wrong + ", file has " + Fixtures.sha256(archive));
        assertThatThrownBy(() -> p.provision(InterpreterSpec.parse("archive:" + tmp.resolve("missing.tar.gz"), "--python"),
                target, tmp.resolve("c/python")))
                .hasMessageContaining("no such file");
        assertThatThrownBy(() -> InterpreterProvisioner.builder().keep(Set.of("tests")).build())
                .hasMessageContaining("unknown group tests");
    }

    @Test
    void windowsArchive() throws Exception {
        Path archive = Fixtures.tarGz(tmp.resolve("cpython-3.12.12+20251014-x86_64-pc-windows-msvc-install_only.tar.gz"),
                Fixtures.windowsTree("3.12.12", 0x8664));
        Interpreter py = builder(null).build().provision(InterpreterSpec.parse("archive:" + archive, "--python"),
                Target.WINDOWS_X64, tmp.resolve("win/python"));
        assertThat(py.executable()).isEqualTo("python/python.exe");
        assertThat(py.stdlibDir()).isEqualTo("python/Lib");
        assertThat(py.sitePackages()).isEqualTo("python/Lib/site-packages");
        assertThat(py.version()).isEqualTo("3.12.12");
        assertThat(py.pythonXY()).isEqualTo("3.12");
        assertThat(py.bundled()).isTrue();
        assertThat(Fixtures.listing(tmp.resolve("win/python"))).containsExactly(
                "DLLs", "DLLs/_ssl.pyd", "Lib", "Lib/os.py", "Lib/site-packages", "Lib/site-packages/README.txt",
                "Scripts", "include", "include/patchlevel.h", "libs", "libs/python312.lib",
                "python.exe", "python3.dll", "python312.dll", "pythonw.exe");

        // the wrong architecture or operating system is refused
        Path arm = Fixtures.tarGz(tmp.resolve("arm.tar.gz"), Fixtures.windowsTree("3.12.12", 0xAA64));
        assertThatThrownBy(() -> builder(null).build().provision(InterpreterSpec.parse("archive:" + arm, "--python"),
                Target.WINDOWS_X64, tmp.resolve("arm/python")))
                .hasMessage("archive " + arm + ": is built for ARM64; target windows-x64 needs AMD64");
        assertThat(tmp.resolve("arm/python")).doesNotExist();
        assertThatThrownBy(() -> builder(null).build().provision(InterpreterSpec.parse("archive:" + archive, "--python"),
                target, tmp.resolve("lin/python")))
                .hasMessageContaining("is a Windows interpreter; target " + target.id() + " needs a Linux one");
    }

    @Test
    void windowsVersionFromTheNameWhenThereIsNoPatchlevel() throws Exception {
        List<Entry> entries = new ArrayList<>(Fixtures.windowsTree("3.13.9", 0xAA64));
        entries.removeIf(e -> e.name().endsWith("patchlevel.h"));
        Path archive = Fixtures.tarGz(tmp.resolve("cpython-3.13.9+20251014-aarch64-pc-windows-msvc-install_only.tar.gz"), entries);
        Interpreter py = builder(null).build().provision(InterpreterSpec.parse("archive:" + archive, "--python"),
                Target.WINDOWS_ARM64, tmp.resolve("w/python"));
        assertThat(py.version()).isEqualTo("3.13.9");
        assertThat(py.pythonXY()).isEqualTo("3.13");
    }

    @Test
    void traversalAndEscapingLinksAreRefused() throws Exception {
        List<List<Entry>> hostile = List.of(
                List.of(Entry.dir("python/"), Entry.file("python/../../evil.txt", "x")),
                List.of(Entry.file("/tmp/evil.txt", "x")),
                List.of(Entry.dir("python/"), Entry.symlink("python/etc", "../../../../etc")),
                List.of(Entry.dir("python/"), Entry.symlink("python/passwd", "/etc/passwd")),
                // each link stays inside lexically, together they leave the tree
                List.of(Entry.dir("python/"), Entry.dir("python/a/"), Entry.symlink("python/a/b", "../.."),
                        Entry.symlink("python/c", "a/b/..")));
        List<String> expected = List.of("escapes the destination (path traversal)", "escapes the destination (path traversal)",
                "points outside the interpreter tree", "is not relative", "resolves outside the interpreter tree");
        for (int i = 0; i < hostile.size(); i++) {
            Path archive = Fixtures.tarGz(tmp.resolve("hostile" + i + ".tar.gz"), hostile.get(i));
            Path dest = tmp.resolve("h" + i + "/python");
            assertThatThrownBy(() -> builder(null).build().provision(InterpreterSpec.parse("archive:" + archive, "--python"), target, dest))
                    .as("case %d", i)
                    .isInstanceOf(PackyardException.class)
                    .hasMessageContaining(expected.get(i));
            assertThat(dest).doesNotExist();
            assertThat(Fixtures.listing(dest.getParent())).isEmpty();
        }
        assertThat(tmp.resolve("evil.txt")).doesNotExist();
        assertThat(tmp.getParent().resolve("evil.txt")).doesNotExist();
    }

    @Test
    void notATarArchive() throws Exception {
        Path zst = tmp.resolve("py.tar.zst");
        Files.write(zst, new byte[] {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd, 0, 0, 0, 0});
        assertThatThrownBy(() -> builder(null).build().provision(InterpreterSpec.parse("archive:" + zst, "--python"), target,
                tmp.resolve("a/python")))
                .hasMessageContaining("zstd-compressed archives (.tar.zst) are not supported; use the install_only .tar.gz");
        Path zip = tmp.resolve("py.zip");
        Files.write(zip, new byte[] {'P', 'K', 3, 4, 0, 0, 0, 0});
        assertThatThrownBy(() -> builder(null).build().provision(InterpreterSpec.parse("archive:" + zip, "--python"), target,
                tmp.resolve("b/python")))
                .hasMessageContaining("not a tar archive");
    }

    @Test
    void destinationMustBeEmpty() throws Exception {
        Path dest = tmp.resolve("full/python");
        Files.createDirectories(dest);
        Files.writeString(dest.resolve("keep.txt"), "mine");
        Path archive = Fixtures.tarGz(tmp.resolve("py.tar.gz"), Fixtures.linuxTree("3.12.3", Fixtures.elfMachine(target)));
        assertThatThrownBy(() -> builder(null).build().provision(InterpreterSpec.parse("archive:" + archive, "--python"), target, dest))
                .hasMessageContaining("is not empty");
        assertThat(dest.resolve("keep.txt")).hasContent("mine");
    }

    @Test
    void systemInterpreter() {
        Interpreter py = builder(null).build().provision(InterpreterSpec.parse("system:3.11", "--python"), target, tmp.resolve("unused"));
        assertThat(py.bundled()).isFalse();
        assertThat(py.version()).isEqualTo("3.11");
        assertThat(py.executable()).isEqualTo("/usr/bin/python3.11");
        assertThat(py.stdlibDir()).isEqualTo("/usr/lib/python3.11");
        assertThat(py.sitePackages()).isEqualTo("lib/python3.11/site-packages");
        assertThat(tmp.resolve("unused")).doesNotExist();
        assertThatThrownBy(() -> builder(null).build().provision(InterpreterSpec.parse("system", "--python"), Target.WINDOWS_X64,
                tmp.resolve("unused")))
                .isInstanceOfSatisfying(PackyardException.class, e -> assertThat(e.kind()).isEqualTo(PackyardException.Kind.CONFIG))
                .hasMessageContaining("only available for Linux targets");
    }

    @Test
    void hostInterpreterOnlyForThisMachine() {
        assertThatThrownBy(() -> builder(null).build().provision(InterpreterSpec.parse("host:3.12", "--python"), Target.WINDOWS_X64,
                tmp.resolve("x/python")))
                .isInstanceOfSatisfying(PackyardException.class, e -> assertThat(e.kind()).isEqualTo(PackyardException.Kind.CONFIG))
                .hasMessageContaining("a host interpreter only serves this machine's platform");
    }

    @Test
    void configurationDefaults() {
        assertThat(InterpreterProvisioner.defaultCacheDir(Map.of("PACKYARD_CACHE_DIR", "/c", "XDG_CACHE_HOME", "/x", "HOME", "/h")))
                .isEqualTo(Path.of("/c"));
        assertThat(InterpreterProvisioner.defaultCacheDir(Map.of("XDG_CACHE_HOME", "/x", "HOME", "/h")))
                .isEqualTo(Path.of("/x/packyard"));
        assertThat(InterpreterProvisioner.defaultCacheDir(Map.of("XDG_CACHE_HOME", "relative", "HOME", "/h")))
                .isEqualTo(Path.of("/h/.cache/packyard"));
        assertThat(InterpreterProvisioner.builder().environment(Map.of("PACKYARD_CACHE_DIR", "/c")).build().cacheDir())
                .isEqualTo(Path.of("/c"));
        assertThat(InterpreterProvisioner.builder().environment(Map.of("PACKYARD_CACHE_DIR", "/c")).cacheDir(Path.of("/d")).build()
                .cacheDir()).isEqualTo(Path.of("/d"));
        assertThatThrownBy(() -> InterpreterProvisioner.builder().urlTemplate("https://mirror.example.org/{version}/{arch}.tar.gz").build())
                .hasMessageContaining("unknown placeholder {arch}");
        assertThatThrownBy(() -> InterpreterProvisioner.builder()
                .environment(Map.of("PACKYARD_PYTHON_URL_TEMPLATE", "https://mirror.example.org/python.tar.gz")).build())
                .hasMessageContaining("must contain {version} and {triple}");
        assertThatThrownBy(() -> InterpreterProvisioner.builder().environment(Map.of("PACKYARD_PYTHON_RELEASE", "latest")).build())
                .hasMessageContaining("'latest' is not a python-build-standalone release tag");
        assertThat(InterpreterProvisioner.fileName(java.net.URI.create("https://mirror.example.org/d/cpython-3.12.12%2B20251014-x.tar.gz")))
                .isEqualTo("cpython-3.12.12+20251014-x.tar.gz");
    }
}
