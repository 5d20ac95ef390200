package io.packyard.bundle.interpreter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.packyard.bundle.Target;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Relocates pyenv's CPython 3.12.1 into a bundle, moves the bundle, and runs it with an empty
 * environment; then packs the relocated tree as a FIXTURE standing in for a
 * python-build-standalone install_only archive and provisions it through the download path.
 */
@Tag("system")
class HostInterpreterSystemTest {

    static final Path PYENV_312 = ElfFileTest.PYENV_312;
    static final String RELEASE = "20990101";

    @TempDir
    static Path shared;

    /** The bundle root the relocated interpreter was provisioned into (a name with spaces). */
    static Path bundle;

    static Interpreter relocated;
    static Fixtures.RecordingProgress relocationProgress = new Fixtures.RecordingProgress();

    @TempDir
    Path tmp;

    @BeforeAll
    static void relocate() {
        assumeTrue(Files.isRegularFile(PYENV_312.resolve("bin/python3.12")), "needs pyenv CPython 3.12.1");
        assumeTrue(Target.host() == Target.LINUX_X86_64 && Target.host().runsOnHost(), "needs a linux-x86_64 machine");
        bundle = shared.resolve("bundle root with space");
        relocated = InterpreterProvisioner.builder()
                .cacheDir(shared.resolve("cache"))
                .progress(relocationProgress)
                .build()
                .provision(InterpreterSpec.parse("host:" + PYENV_312, "--python"), Target.LINUX_X86_64, bundle.resolve("python"));
    }

    @Test
    void relocatedInterpreterDescribesItself() {
        assertThat(relocated.version()).isEqualTo("3.12.1");
        assertThat(relocated.pythonXY()).isEqualTo("3.12");
        assertThat(relocated.bundled()).isTrue();
        assertThat(relocated.executable()).isEqualTo("python/bin/python3");
        assertThat(relocated.stdlibDir()).isEqualTo("python/lib/python3.12");
        assertThat(relocated.sitePackages()).isEqualTo("python/lib/python3.12/site-packages");
        assertThat(relocated.hostExecutable()).contains(bundle.resolve("python/bin/python3").toAbsolutePath());
        assertThat(relocationProgress.steps)
                .anyMatch(s -> s.startsWith("The relocated interpreter uses these libraries of the target system: ")
                        && s.contains("libc.so.6") && s.contains("libssl.so.3"));
    }

    @Test
    void relocatedTreeIsStripped() throws Exception {
        Path py = bundle.resolve("python");
        Path std = py.resolve("lib/python3.12");
        assertThat(std.resolve("os.py")).exists();
        assertThat(std.resolve("lib-dynload")).isDirectory();
        assertThat(std.resolve("test")).doesNotExist();
        assertThat(std.resolve("idlelib")).doesNotExist();
        assertThat(std.resolve("ensurepip")).doesNotExist();
        assertThat(std.resolve("unittest/test")).doesNotExist();
        assertThat(std.resolve("unittest/__init__.py")).exists();
        assertThat(Fixtures.listing(std.resolve("site-packages"))).containsExactly("README.txt");
        assertThat(py.resolve("include")).doesNotExist();
        List<String> all = Fixtures.listing(py);
        // nothing compiled, not even by the smoke test that ran it; no static library
        assertThat(all.stream().filter(p -> p.endsWith(".pyc") || p.endsWith("__pycache__") || p.endsWith(".a")
                || p.endsWith("/python.o")).toList()).isEmpty();
        assertThat(Fixtures.listing(py.resolve("bin"))).containsExactly("python", "python3", "python3.12");
        assertThat(Files.readSymbolicLink(py.resolve("bin/python3"))).isEqualTo(Path.of("python3.12"));
        assertThat(Files.readSymbolicLink(py.resolve("lib/libpython3.12.so"))).isEqualTo(Path.of("libpython3.12.so.1.0"));
    }

    @Test
    void everyElfFileHasAnOriginRelativeRunpath() throws Exception {
        Path py = bundle.resolve("python");
        List<String> checked = new ArrayList<>();
        try (Stream<Path> s = Files.walk(py)) {
            for (Path f : s.filter(Files::isRegularFile).filter(p -> !Files.isSymbolicLink(p)).sorted().toList()) {
                if (!ElfFile.isElf(f)) {
                    continue;
                }
                String rp = ElfFileTest.readelfRunpath(f);
                String rel = FileOps.rel(py, f);
                String expected = rel.startsWith("bin/") ? "RUNPATH $ORIGIN/../lib"
                        : rel.startsWith("lib/python3.12/lib-dynload/") ? "RUNPATH $ORIGIN/../.."
                        : rel.startsWith("lib/libpython") ? "RUNPATH $ORIGIN" : "?";
                assertThat(rp).as(rel).isEqualTo(expected);
                checked.add(rel);
            }
        }
        assertThat(checked).contains("bin/python3.12", "lib/libpython3.12.so.1.0",
                "lib/python3.12/lib-dynload/_ssl.cpython-312-x86_64-linux-gnu.so",
                "lib/python3.12/lib-dynload/_sqlite3.cpython-312-x86_64-linux-gnu.so");
        assertThat(checked.size()).isGreaterThan(50);
    }

    @Test
    void movedBundleRunsWithAnEmptyEnvironment() throws Exception {
        // copy (not move: other tests use the tree) preserving links and modes, to a new place
        Path moved = tmp.resolve("moved elsewhere/app dir");
        Files.createDirectories(moved.getParent());
        ElfFileTest.run("cp", "-a", bundle.toString(), moved.toString());
        Path exe = moved.resolve("python/bin/python3");
        String out = ElfFileTest.run("env", "-i", exe.toString(), "-c",
                "import sys, sqlite3, ssl, json; print(sys.version); print(sys.prefix); print(ssl.OPENSSL_VERSION);"
                        + " print(json.dumps(sqlite3.sqlite_version)); print(open('/proc/self/maps').read())");
        List<String> lines = out.lines().toList();
        assertThat(lines.get(0)).startsWith("3.12.1 ");
        assertThat(Path.of(lines.get(1)).toRealPath()).isEqualTo(moved.resolve("python").toRealPath());
        assertThat(lines.get(2)).startsWith("OpenSSL");
        // the loader took libpython from the moved copy, nothing from the pyenv prefix
        String maps = out.substring(out.indexOf(lines.get(4)));
        assertThat(maps).contains(moved.resolve("python/lib/libpython3.12.so.1.0").toRealPath().toString());
        assertThat(maps).doesNotContain(PYENV_312.toString());
        assertThat(maps).doesNotContain(bundle.toString());
    }

    @Test
    void hostVersionSearchFindsARelocatablePrefix() {
        HostPythons finder = new HostPythons(System.getenv());
        Optional<HostPythons.HostPython> hp = finder.find("3.12.1", true);
        assertThat(hp).isPresent();
        assertThat(hp.get().version()).isEqualTo("3.12.1");
        assertThat(hp.get().relocatable()).isTrue();
        assertThat(hp.get().prefix().resolve("lib/python3.12/os.py")).exists();
        assertThat(finder.find("3.12", true)).get().satisfies(h -> assertThat(h.version()).startsWith("3.12."));
        assertThat(finder.find("3.99", false)).isEmpty();
    }

    @Test
    void executableOfAVirtualEnvironmentLeadsToItsBaseInstallation() throws Exception {
        Path venv = tmp.resolve("venv");
        ElfFileTest.run(PYENV_312.resolve("bin/python3.12").toString(), "-m", "venv", "--without-pip", venv.toString());
        InterpreterProvisioner p = InterpreterProvisioner.builder().cacheDir(tmp.resolve("cache")).build();
        // the venv directory itself is no installation prefix
        assertThatThrownBy(() -> p.provision(InterpreterSpec.parse("host:" + venv, "--python"), Target.LINUX_X86_64,
                tmp.resolve("a/python")))
                .hasMessageContaining("not a CPython installation prefix")
                .hasMessageContaining("for a virtual environment give its base interpreter");
        // its interpreter is: it reports the base installation, which is what gets copied
        Interpreter py = p.provision(InterpreterSpec.parse("host:" + venv.resolve("bin/python"), "--python"),
                Target.LINUX_X86_64, tmp.resolve("b/python"));
        assertThat(py.version()).isEqualTo("3.12.1");
        assertThat(tmp.resolve("b/python/lib/python3.12/os.py")).exists();
        assertThat(tmp.resolve("b/python/pyvenv.cfg")).doesNotExist();
    }

    /**
     * The relocated tree, packed as {@code cpython-3.12.1+20990101-x86_64-unknown-linux-gnu-install_only.tar.gz}
     * with pyenv's patchlevel.h: a FIXTURE standing in for a python-build-standalone archive.
     */
    @Test
    void fixtureArchiveThroughTheDownloadPath() throws Exception {
        Path tree = tmp.resolve("fixture-tree");
        ElfFileTest.run("cp", "-a", bundle.resolve("python").toString(), tree.toString());
        Files.createDirectories(tree.resolve("include/python3.12"));
        Files.copy(PYENV_312.resolve("include/python3.12/patchlevel.h"), tree.resolve("include/python3.12/patchlevel.h"));
        // what python-build-standalone ships and Packyard strips
        Files.createDirectories(tree.resolve("lib/python3.12/test"));
        Files.writeString(tree.resolve("lib/python3.12/test/test_fixture.py"), "# test\n");
        String name = "cpython-3.12.1+" + RELEASE + "-x86_64-unknown-linux-gnu-install_only.tar.gz";
        Path archive = Fixtures.tarGzTree(tree, "python", tmp.resolve(name));
        Path cache = tmp.resolve("cache");
        Fixtures.RecordingProgress progress = new Fixtures.RecordingProgress();
        String template;
        Interpreter first;
        try (Fixtures.Server server = new Fixtures.Server()) {
            server.put("/pbs/" + RELEASE + "/" + name, archive);
            server.put("/pbs/" + RELEASE + "/SHA256SUMS", (Fixtures.sha256(archive) + "  " + name + "\n").getBytes(StandardCharsets.UTF_8));
            template = server.base() + "/pbs/{release}/cpython-{version}+{release}-{triple}-{flavor}.tar.gz";
            first = InterpreterProvisioner.builder()
                    .cacheDir(cache)
                    .environment(Map.of("PACKYARD_PYTHON_URL_TEMPLATE", template, "PACKYARD_PYTHON_FLAVOR", "install_only"))
                    .progress(progress)
                    .build()
                    .provision(InterpreterSpec.parse("3.12+" + RELEASE, "--python"), Target.LINUX_X86_64, tmp.resolve("b1/python"));
            assertThat(server.requests).containsExactly("/pbs/" + RELEASE + "/SHA256SUMS", "/pbs/" + RELEASE + "/" + name);
        }
        assertThat(first.version()).isEqualTo("3.12.1");
        assertThat(first.hostExecutable()).contains(tmp.resolve("b1/python/bin/python3"));
        assertThat(tmp.resolve("b1/python/lib/python3.12/test")).doesNotExist();
        assertThat(progress.steps).anyMatch(s -> s.startsWith("Downloading " + name));

        // second build with the server stopped: from the verified cache, no network
        Interpreter second = InterpreterProvisioner.builder()
                .cacheDir(cache)
                .urlTemplate(template)
                .flavor("install_only")
                .progress(progress)
                .build()
                .provision(InterpreterSpec.parse("3.12.1+" + RELEASE, "--python"), Target.LINUX_X86_64, tmp.resolve("b2/python"));
        assertThat(second.version()).isEqualTo("3.12.1");
        assertThat(progress.steps).contains("Using cached " + name);
        String out = ElfFileTest.run("env", "-i", tmp.resolve("b2/python/bin/python3").toString(), "-c",
                "import sys, ssl, sqlite3; print(sys.prefix)");
        assertThat(Path.of(out.strip()).toRealPath()).isEqualTo(tmp.resolve("b2/python").toRealPath());
    }
}
