package io.packyard.python.wheel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.packyard.python.PackyardException;
import io.packyard.python.util.Progress;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WheelInstallerTest {

    @TempDir
    Path tmp;

    private final List<String> warnings = new ArrayList<>();
    private final Progress progress = Progress.warningsTo(warnings::add);

    private Path root() {
        return tmp.resolve("bundle");
    }

    private WheelInstaller installer(InstallScheme scheme) {
        return WheelInstaller.builder().root(root()).scheme(scheme).launchers(LauncherWriter.posix()).progress(progress).build();
    }

    private WheelInstaller installer() {
        return installer(InstallScheme.posix("3.12", true));
    }

    private static final String SITE = "python/lib/python3.12/site-packages";

    private List<String> tree() throws IOException {
        if (!Files.exists(root())) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(root())) {
            return s.filter(Files::isRegularFile).map(p -> root().relativize(p).toString()).sorted().toList();
        }
    }

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    void installsPureWheelIntoPurelib() throws IOException {
        Path whl = TestWheel.of("foo", "1.0")
                .file("foo/__init__.py", "VALUE = 1\n")
                .file("foo/sub/mod.py", "X = 2\n")
                .write(tmp);

        InstalledDistribution d = installer().install(whl);

        assertThat(d.name()).isEqualTo("foo");
        assertThat(d.version()).isEqualTo("1.0");
        assertThat(d.distInfo()).isEqualTo(Path.of(SITE + "/foo-1.0.dist-info"));
        assertThat(d.files()).containsExactly(
                SITE + "/foo-1.0.dist-info/INSTALLER",
                SITE + "/foo-1.0.dist-info/METADATA",
                SITE + "/foo-1.0.dist-info/WHEEL",
                SITE + "/foo/__init__.py",
                SITE + "/foo/sub/mod.py");
        assertThat(tree()).containsExactlyElementsOf(d.files());
        assertThat(Files.readString(root().resolve(SITE + "/foo/__init__.py"))).isEqualTo("VALUE = 1\n");
        assertThat(Files.readString(root().resolve(SITE + "/foo-1.0.dist-info/INSTALLER"))).isEqualTo("packyard\n");
        assertThat(mode(root().resolve(SITE + "/foo/__init__.py"))).isEqualTo("rw-r--r--");
        assertThat(d.consoleScripts()).isEmpty();
    }

    @Test
    void rootGoesToPlatlibWhenNotPurelib() throws IOException {
        InstallScheme scheme = new InstallScheme("pure", "plat", "bin", "", "include/{dist}",
                LauncherWriter.Interpreter.bundled("python/bin/python3"));
        Path whl = TestWheel.of("fast", "2.0").tags("cp312-cp312-manylinux_2_17_x86_64").rootIsPurelib(false)
                .file("fast/__init__.py", "")
                .file("fast/_speed.so", new byte[] {0x7f, 'E', 'L', 'F'})
                .write(tmp);

        InstalledDistribution d = installer(scheme).install(whl);

        assertThat(d.distInfo()).isEqualTo(Path.of("plat/fast-2.0.dist-info"));
        assertThat(tree()).contains("plat/fast/_speed.so", "plat/fast/__init__.py").noneMatch(p -> p.startsWith("pure/"));
    }

    @Test
    void spreadsDataDirectoriesToTheScheme() throws IOException {
        InstallScheme scheme = new InstallScheme("pure", "plat", "bin", "", "include/site/python3.12/{dist}",
                LauncherWriter.Interpreter.bundled("python/bin/python3"));
        TestWheel w = TestWheel.of("Spread_Out", "1.0");
        Path whl = w.file("spread_out/__init__.py", "")
                .file(w.data() + "/purelib/extra_pure.py", "P = 1\n")
                .file(w.data() + "/platlib/extra_plat.py", "Q = 1\n")
                .file(w.data() + "/headers/spread.h", "#define X 1\n")
                .file(w.data() + "/data/share/doc/readme.txt", "hello\n")
                .file(w.data() + "/scripts/plain-tool", "#!/bin/sh\necho plain\n")
                .file(w.data() + "/scripts/py-tool", "#!python\nprint('hi')\n")
                .metadata("Metadata-Version: 2.1\nName: Spread.Out\nVersion: 1.0\n")
                .write(tmp);

        InstalledDistribution d = installer(scheme).install(whl);

        assertThat(tree()).containsExactlyInAnyOrder(
                "pure/spread_out/__init__.py",
                "pure/extra_pure.py",
                "plat/extra_plat.py",
                "include/site/python3.12/Spread.Out/spread.h",
                "share/doc/readme.txt",
                "bin/plain-tool",
                "bin/py-tool",
                "pure/Spread_Out-1.0.dist-info/METADATA",
                "pure/Spread_Out-1.0.dist-info/WHEEL",
                "pure/Spread_Out-1.0.dist-info/INSTALLER");
        assertThat(d.files()).containsAll(tree());
        assertThat(Files.readString(root().resolve("bin/plain-tool"))).isEqualTo("#!/bin/sh\necho plain\n");
        assertThat(mode(root().resolve("bin/plain-tool"))).isEqualTo("rwxr-xr-x");
        String rewritten = Files.readString(root().resolve("bin/py-tool"));
        assertThat(rewritten).startsWith("#!/bin/sh\n'''true'\n").endsWith("'''\nprint('hi')\n")
                .contains("\"$here\"/'../python/bin/python3' -I \"$0\" \"$@\"");
        assertThat(mode(root().resolve("bin/py-tool"))).isEqualTo("rwxr-xr-x");
    }

    @Test
    void unknownDataDirectoryIsRefused() throws IOException {
        TestWheel w = TestWheel.of("foo", "1.0");
        Path whl = w.file("foo/__init__.py", "").file(w.data() + "/etc/foo.conf", "x\n").write(tmp);

        assertThatThrownBy(() -> installer().install(whl))
                .isInstanceOf(PackyardException.class)
                .hasMessage("wheel foo-1.0-py3-none-any.whl: foo-1.0.data/etc/foo.conf: unknown .data directory etc"
                        + " (expected purelib, platlib, headers, scripts or data)");
        assertThat(tree()).isEmpty();
    }

    @Test
    void tamperedHashIsRefusedAndNothingIsWritten() throws IOException {
        Path whl = TestWheel.of("foo", "1.0")
                .file("foo/a.py", "A = 1\n")
                .file("foo/__init__.py", "good = True\n")
                .tamper("foo/__init__.py", "evil = True\n")
                .write(tmp);

        assertThatThrownBy(() -> installer().install(whl))
                .isInstanceOf(PackyardException.class)
                .hasMessage("wheel foo-1.0-py3-none-any.whl: RECORD: hash mismatch for foo/__init__.py");
        assertThat(tree()).isEmpty();
        assertThat(Files.exists(root())).isFalse();
    }

    @Test
    void sizeMismatchIsRefused() throws IOException {
        Path whl = TestWheel.of("foo", "1.0")
                .file("foo/__init__.py", "x = 1\n")
                .recordRow("foo/__init__.py", RecordFile.sha256("x = 1\n".getBytes(StandardCharsets.UTF_8)) + ",5")
                .write(tmp);

        assertThatThrownBy(() -> installer().install(whl))
                .hasMessageStartingWith("wheel foo-1.0-py3-none-any.whl: RECORD: size mismatch for foo/__init__.py");
        assertThat(tree()).isEmpty();
    }

    @Test
    void unlistedMemberIsRefused() throws IOException {
        Path whl = TestWheel.of("foo", "1.0").file("foo/__init__.py", "").unlisted("foo/sneaky.py", "import os\n").write(tmp);

        assertThatThrownBy(() -> installer().install(whl))
                .hasMessage("wheel foo-1.0-py3-none-any.whl: RECORD: foo/sneaky.py is not listed in RECORD");
        assertThat(tree()).isEmpty();
    }

    @Test
    void missingHashIsRefused() throws IOException {
        Path whl = TestWheel.of("foo", "1.0").file("foo/__init__.py", "").recordRow("foo/__init__.py", ",").write(tmp);

        assertThatThrownBy(() -> installer().install(whl))
                .hasMessage("wheel foo-1.0-py3-none-any.whl: RECORD: no hash for foo/__init__.py");
    }

    @Test
    void weakHashesAreRefusedAndStrongerOnesAccepted() throws IOException {
        Path md5 = TestWheel.of("foo", "1.0").file("foo/__init__.py", "")
                .recordRow("foo/__init__.py", "md5=1B2M2Y8AsgTpgAmY7PhCfg,0").write(tmp);
        assertThatThrownBy(() -> installer().install(md5))
                .hasMessage("wheel foo-1.0-py3-none-any.whl: RECORD: weak hash algorithm md5 for foo/__init__.py");

        byte[] content = "y = 2\n".getBytes(StandardCharsets.UTF_8);
        String sha512;
        try {
            sha512 = "sha512=" + RecordFile.encodeDigest(java.security.MessageDigest.getInstance("SHA-512").digest(content));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
        Path dir = Files.createDirectories(tmp.resolve("strong"));
        Path strong = TestWheel.of("bar", "1.0").file("bar/__init__.py", content)
                .recordRow("bar/__init__.py", sha512 + "," + content.length).write(dir);
        installer().install(strong);
        assertThat(root().resolve(SITE + "/bar/__init__.py")).hasContent("y = 2");
    }

    @Test
    void parentDirectoryEscapeIsRefused() throws IOException {
        Path whl = TestWheel.of("foo", "1.0").file("foo/__init__.py", "").file("foo/../../evil.py", "x").write(tmp);

        assertThatThrownBy(() -> installer().install(whl))
                .hasMessage("wheel foo-1.0-py3-none-any.whl: unsafe member path foo/../../evil.py: path escapes the installation (..)");
        assertThat(tree()).isEmpty();
        assertThat(Files.exists(tmp.resolve("evil.py"))).isFalse();
    }

    @Test
    void absoluteBackslashAndDrivePathsAreRefused() throws IOException {
        Path abs = TestWheel.of("foo", "1.0").file("foo/__init__.py", "").file("/etc/evil", "x").write(tmp);
        assertThatThrownBy(() -> installer().install(abs))
                .hasMessage("wheel foo-1.0-py3-none-any.whl: unsafe member path /etc/evil: absolute path");

        Path back = TestWheel.of("foo", "1.0").file("foo/__init__.py", "").file("foo\\..\\..\\evil", "x").write(tmp);
        assertThatThrownBy(() -> installer().install(back)).hasMessageContaining("backslash in path");

        Path drive = TestWheel.of("foo", "1.0").file("foo/__init__.py", "").file("C:/evil", "x").write(tmp);
        assertThatThrownBy(() -> installer().install(drive)).hasMessageContaining("C:/evil: drive letter in path");
        assertThat(tree()).isEmpty();
    }

    @Test
    void duplicateMembersAreRefused() throws IOException {
        Path whl = TestWheel.of("foo", "1.0").file("foo/x.py", "one\n").file("foo/y.py", "two\n")
                .duplicateOf("foo/y.py").write(tmp);

        assertThatThrownBy(() -> installer().install(whl))
                .hasMessage("wheel foo-1.0-py3-none-any.whl: duplicate archive member foo/x.py");
    }

    @Test
    void wheelVersionTwoIsRefusedAndNewerMinorWarns() throws IOException {
        Path two = TestWheel.of("foo", "1.0").file("foo/__init__.py", "")
                .wheelFile("Wheel-Version: 2.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n").write(tmp);
        assertThatThrownBy(() -> installer().install(two))
                .hasMessage("wheel foo-1.0-py3-none-any.whl: foo-1.0.dist-info/WHEEL: Wheel-Version 2.0 is not supported"
                        + " (this installer reads 1.x)");
        assertThat(tree()).isEmpty();

        Path newer = TestWheel.of("foo", "1.0").file("foo/__init__.py", "")
                .wheelFile("Wheel-Version: 1.9\nRoot-Is-Purelib: true\nTag: py3-none-any\n").write(tmp);
        installer().install(newer);
        assertThat(warnings).anyMatch(w -> w.contains("Wheel-Version 1.9 is newer than 1.0"));
        assertThat(tree()).contains(SITE + "/foo/__init__.py");
    }

    @Test
    void metadataMustMatchTheFileName() throws IOException {
        Path whl = TestWheel.of("foo", "1.0").file("foo/__init__.py", "")
                .metadata("Metadata-Version: 2.1\nName: foo\nVersion: 1.1\n").write(tmp);
        assertThatThrownBy(() -> installer().install(whl))
                .hasMessage("wheel foo-1.0-py3-none-any.whl: foo-1.0.dist-info/METADATA: Version 1.1 does not match the file name");
    }

    @Test
    void executableBitComesFromTheZip() throws IOException {
        Path whl = TestWheel.of("foo", "1.0").file("foo/__init__.py", "").executable("foo/tool.sh", "#!/bin/sh\n").write(tmp);

        installer().install(whl);

        assertThat(mode(root().resolve(SITE + "/foo/tool.sh"))).isEqualTo("rwxr-xr-x");
        assertThat(mode(root().resolve(SITE + "/foo/__init__.py"))).isEqualTo("rw-r--r--");
    }

    @Test
    void refusesToOverwriteAnotherDistributionsFile() throws IOException {
        WheelInstaller installer = installer();
        installer.install(TestWheel.of("alpha", "1.0").file("shared/mod.py", "A\n").file("ns/__init__.py", "ns\n").write(tmp));

        Path beta = TestWheel.of("beta", "2.0").file("beta/__init__.py", "").file("shared/mod.py", "B\n").write(tmp);
        assertThatThrownBy(() -> installer.install(beta))
                .hasMessage("wheel beta-2.0-py3-none-any.whl: shared/mod.py would overwrite " + SITE
                        + "/shared/mod.py, installed by alpha 1.0");
        assertThat(tree()).noneMatch(p -> p.contains("beta"));
        assertThat(root().resolve(SITE + "/shared/mod.py")).hasContent("A");

        // identical content (an old-style namespace __init__.py) is shared, with a warning
        InstalledDistribution gamma = installer.install(
                TestWheel.of("gamma", "1.0").file("ns/__init__.py", "ns\n").file("ns/gamma.py", "").write(tmp));
        assertThat(gamma.files()).contains(SITE + "/ns/__init__.py");
        assertThat(warnings).anyMatch(w -> w.contains(SITE + "/ns/__init__.py is already installed (installed by alpha 1.0)"));
    }

    @Test
    void ownersAreFoundInExistingRecords() throws IOException {
        WheelInstaller first = installer();
        InstalledDistribution alpha = first.install(TestWheel.of("alpha", "1.0").file("shared/mod.py", "A\n").write(tmp));
        alpha.writeRecord(root(), List.of());

        // a fresh installer only knows the tree
        Path beta = TestWheel.of("beta", "2.0").file("shared/mod.py", "B\n").write(tmp);
        assertThatThrownBy(() -> installer().install(beta))
                .hasMessageEndingWith("would overwrite " + SITE + "/shared/mod.py, installed by alpha 1.0");
    }

    @Test
    void refusesToInstallAProjectTwice() throws IOException {
        WheelInstaller installer = installer();
        installer.install(TestWheel.of("foo", "1.0").file("foo/__init__.py", "").write(tmp));
        Path other = Files.createDirectories(tmp.resolve("v2"));
        Path v2 = TestWheel.of("Foo", "2.0").file("foo2/__init__.py", "").write(other);
        assertThatThrownBy(() -> installer.install(v2))
                .hasMessage("wheel Foo-2.0-py3-none-any.whl: Foo is already installed (" + SITE + "/foo-1.0.dist-info)");
    }

    @Test
    void generatesLaunchersForEntryPoints() throws IOException {
        Path whl = TestWheel.of("notes", "1.0")
                .file("notes/__init__.py", "")
                .entryPoints("[console_scripts]\nnotes = notes.cli:main [extra]\n\n[gui_scripts]\nnotes-gui = notes.gui:App.run\n"
                        + "[other.plugins]\nbroken = !!!\n")
                .write(tmp);

        InstalledDistribution d = installer().install(whl);

        assertThat(d.consoleScripts()).isEqualTo(Map.of("notes", "notes.cli:main"));
        assertThat(d.guiScripts()).isEqualTo(Map.of("notes-gui", "notes.gui:App.run"));
        assertThat(d.files()).contains("bin/notes", "bin/notes-gui");
        String launcher = Files.readString(root().resolve("bin/notes"));
        assertThat(launcher).startsWith("#!/bin/sh\n")
                .contains("readlink -f -- \"$0\"")
                .contains("exec \"$here\"/'../python/bin/python3' -I -c ")
                .contains("importlib.import_module(\"notes.cli\")")
                .contains("sys.exit(_f())");
        assertThat(Files.readString(root().resolve("bin/notes-gui"))).contains("\"App.run\".split(\".\")");
        assertThat(mode(root().resolve("bin/notes"))).isEqualTo("rwxr-xr-x");
    }

    @Test
    void launcherNamesCannotEscapeTheScriptsDirectory() throws IOException {
        Path whl = TestWheel.of("foo", "1.0").file("foo/__init__.py", "")
                .entryPoints("[console_scripts]\n../evil = foo:main\n").write(tmp);
        assertThatThrownBy(() -> installer().install(whl))
                .hasMessage("wheel foo-1.0-py3-none-any.whl: foo-1.0.dist-info/entry_points.txt: [console_scripts] ../evil:"
                        + " invalid launcher name: ../evil");
        assertThat(tree()).isEmpty();
    }

    @Test
    void launcherCollidingWithAScriptIsRefused() throws IOException {
        TestWheel w = TestWheel.of("foo", "1.0");
        Path whl = w.file("foo/__init__.py", "").file(w.data() + "/scripts/foo", "#!/bin/sh\n")
                .entryPoints("[console_scripts]\nfoo = foo:main\n").write(tmp);
        assertThatThrownBy(() -> installer().install(whl))
                .hasMessage("wheel foo-1.0-py3-none-any.whl: [console_scripts] foo and foo-1.0.data/scripts/foo would both be"
                        + " installed as bin/foo");
        assertThat(tree()).isEmpty();
    }

    @Test
    void aFailedWriteRemovesWhatWasWritten() throws IOException {
        // a launcher writer whose second file cannot be created (name too long) fails after the wheel's files are written
        LauncherWriter failing = new LauncherWriter() {
            @Override
            public List<LauncherFile> launcher(Interpreter i, String dir, String name, EntryPoint t, Flavour f) {
                return List.of(new LauncherFile(dir + "/" + name, new byte[] {1}, 0755),
                        new LauncherFile(dir + "/" + "x".repeat(300), new byte[] {2}, 0755));
            }

            @Override
            public List<LauncherFile> rewriteScript(Interpreter i, String dir, String name, byte[] content) {
                return List.of(new LauncherFile(dir + "/" + name, content, 0755));
            }
        };
        Path whl = TestWheel.of("foo", "1.0").file("foo/__init__.py", "").file("foo/deep/er/mod.py", "")
                .entryPoints("[console_scripts]\nfoo = foo:main\n").write(tmp);
        Files.createDirectories(root().resolve(SITE));
        WheelInstaller installer = WheelInstaller.builder().root(root()).scheme(InstallScheme.posix("3.12", true))
                .launchers(failing).build();

        assertThatThrownBy(() -> installer.install(whl)).isInstanceOf(PackyardException.class)
                .hasMessageStartingWith("wheel foo-1.0-py3-none-any.whl: cannot install:");
        assertThat(tree()).isEmpty();
        try (Stream<Path> s = Files.walk(root())) {
            assertThat(s.map(p -> root().relativize(p).toString())).containsExactlyInAnyOrder("", "python", "python/lib",
                    "python/lib/python3.12", SITE);
        }
    }

    @Test
    void writesRecordWithEveryFileSortedAndRelativeToSitePackages() throws IOException {
        Path whl = TestWheel.of("notes", "1.0")
                .file("notes/__init__.py", "")
                .file("notes/a,b.txt", "comma")
                .entryPoints("[console_scripts]\nnotes = notes.cli:main\n")
                .write(tmp);
        InstalledDistribution d = installer().install(whl);
        Path pyc = root().resolve(SITE + "/notes/__pycache__/__init__.cpython-312.pyc");
        Files.createDirectories(pyc.getParent());
        Files.write(pyc, new byte[] {1, 2, 3});
        List<String> compiled = List.of(SITE + "/notes/__pycache__/__init__.cpython-312.pyc",
                "python/lib/python3.12/__pycache__/os.cpython-312.pyc");

        assertThat(d.bytecodeOf(compiled)).containsExactly(SITE + "/notes/__pycache__/__init__.cpython-312.pyc");
        String recordPath = d.writeRecord(root(), d.bytecodeOf(compiled));

        assertThat(recordPath).isEqualTo(SITE + "/notes-1.0.dist-info/RECORD");
        String record = Files.readString(root().resolve(recordPath));
        List<RecordFile.Entry> rows = RecordFile.parse(record);
        assertThat(rows).extracting(RecordFile.Entry::path).containsExactly(
                "../../../../bin/notes",
                "notes-1.0.dist-info/INSTALLER",
                "notes-1.0.dist-info/METADATA",
                "notes-1.0.dist-info/RECORD",
                "notes-1.0.dist-info/WHEEL",
                "notes-1.0.dist-info/entry_points.txt",
                "notes/__init__.py",
                "notes/__pycache__/__init__.cpython-312.pyc",
                "notes/a,b.txt");
        assertThat(record).contains("\"notes/a,b.txt\",sha256=").contains("\nnotes-1.0.dist-info/RECORD,,\n");
        for (RecordFile.Entry e : rows) {
            if (e.path().endsWith("/RECORD")) {
                assertThat(e.hash()).isEmpty();
                continue;
            }
            byte[] bytes = Files.readAllBytes(root().resolve(SITE).resolve(e.path()).normalize());
            assertThat(e.hash()).contains(RecordFile.sha256(bytes));
            assertThat(e.size().getAsLong()).isEqualTo(bytes.length);
        }
        // written twice: the same bytes
        byte[] first = Files.readAllBytes(root().resolve(recordPath));
        d.writeRecord(root(), d.bytecodeOf(compiled));
        assertThat(Files.readAllBytes(root().resolve(recordPath))).isEqualTo(first);
    }

    @Test
    void distInfoDirectoryIsMatchedLeniently() throws IOException {
        // the dist-info may use the unnormalized name; the .data directory follows it
        Path dir = Files.createDirectories(tmp.resolve("lenient"));
        TestWheel w = TestWheel.of("My.Pkg", "1.0.0");
        Path built = w.file("my_pkg/__init__.py", "").file(w.data() + "/scripts/hello", "#!/bin/sh\n").write(dir);
        Path renamed = Files.move(built, dir.resolve("my_pkg-1.0-py3-none-any.whl"));

        InstalledDistribution d = installer().install(renamed);
        assertThat(d.name()).isEqualTo("My.Pkg");
        assertThat(d.distInfo()).isEqualTo(Path.of(SITE + "/My.Pkg-1.0.0.dist-info"));
        assertThat(tree()).contains("bin/hello");
    }

    @Test
    void installsAWheelStoredUnderAnotherName() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("cache"));
        Path built = TestWheel.of("foo", "1.0").file("foo/__init__.py", "").write(dir);
        Path blob = Files.move(built, dir.resolve("3f2a9c.blob"));
        assertThatThrownBy(() -> installer().install(blob)).hasMessageContaining("invalid wheel file name");
        InstalledDistribution d = installer().install(blob, "foo-1.0-py3-none-any.whl");
        assertThat(d.name()).isEqualTo("foo");
    }

    @Test
    void otherProjectsDistInfoIsRefused() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("other"));
        Path built = TestWheel.of("foo", "1.0").file("foo/__init__.py", "").write(dir);
        Path renamed = Files.move(built, dir.resolve("bar-1.0-py3-none-any.whl"));
        assertThatThrownBy(() -> installer().install(renamed))
                .hasMessage("wheel bar-1.0-py3-none-any.whl: foo-1.0.dist-info does not match the file name's project bar");
    }
}
