package io.packyard.python.wheel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.packyard.python.PackyardException;
import io.packyard.python.util.Progress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("system")
class BytecodeCompilerTest {

    static final Path PYTHON312 = LauncherSystemTest.PYTHON312;
    static final Path PYTHON311 = Path.of("/root/.pyenv/versions/3.11.7/bin/python3.11");
    static final String SITE = "lib/python3.12/site-packages";
    static final String PREFIX = "/opt/acme/my notes";

    @TempDir
    Path tmp;

    final List<String> warnings = new ArrayList<>();
    final Progress progress = Progress.warningsTo(warnings::add);

    private static void sources(Path root) throws IOException {
        Path pkg = Files.createDirectories(root.resolve(SITE + "/notes/sub"));
        Files.writeString(pkg.getParent().resolve("__init__.py"), "from .sub import mod\n");
        Files.writeString(pkg.resolve("__init__.py"), "");
        Files.writeString(pkg.resolve("mod.py"), """
                KEYWORDS = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"}
                def check(x):
                    return x in {"one", "two", "three", "four", "five", "six", "seven"}
                def boom():
                    raise ValueError("boom")
                """);
        Files.writeString(pkg.resolve("py2only.py"), "print 'hello'\n");
        Files.writeString(root.resolve(SITE + "/notes/data.txt"), "not python\n");
    }

    private static Map<String, byte[]> read(Path root, List<String> files) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        for (String f : files) {
            out.put(f, Files.readAllBytes(root.resolve(f)));
        }
        return out;
    }

    @Test
    void aCachedChunkGivesTheSameBytesWithoutRunningPythonAndAChangedFileIsCompiledAgain() throws Exception {
        assumeTrue(Files.isExecutable(PYTHON312));
        // a wrapper that counts the interpreter's runs (one per chunk of up to CHUNK files)
        Path runs = tmp.resolve("runs.log");
        Path wrapper = Files.createDirectories(tmp.resolve("py/bin")).resolve("python3.12");
        Files.writeString(wrapper, "#!/bin/sh\necho run >> '" + runs + "'\nexec '" + PYTHON312 + "' \"$@\"\n");
        wrapper.toFile().setExecutable(true);
        Path cache = tmp.resolve("cache");
        BytecodeCompiler compiler = new BytecodeCompiler(wrapper, "3.12", 1700000000L, progress).withCache(cache);

        Path one = tmp.resolve("one");
        sources(one);
        List<String> pycs = compiler.compile(one, PREFIX, List.of(SITE));
        assertThat(Files.readAllLines(runs)).hasSize(1);
        assertThat(warnings).hasSize(1);
        try (Stream<Path> entries = Files.list(cache)) {
            assertThat(entries.map(p -> p.getFileName().toString())).singleElement().asString().endsWith(".chunk");
        }

        // the same sources in another stage: from the cache, the same bytes and the same warning
        Path two = tmp.resolve("two");
        sources(two);
        assertThat(compiler.compile(two, PREFIX, List.of(SITE))).isEqualTo(pycs);
        assertThat(Files.readAllLines(runs)).hasSize(1);
        assertThat(warnings).hasSize(2).allSatisfy(w -> assertThat(w).contains("py2only.py: SyntaxError"));
        Map<String, byte[]> first = read(one, pycs);
        Map<String, byte[]> second = read(two, pycs);
        for (String p : pycs) {
            assertThat(second.get(p)).as(p).isEqualTo(first.get(p));
        }

        // another install prefix, or one changed source: compiled again
        Path three = tmp.resolve("three");
        sources(three);
        compiler.compile(three, "/opt/other", List.of(SITE));
        assertThat(Files.readAllLines(runs)).hasSize(2);
        Path four = tmp.resolve("four");
        sources(four);
        Files.writeString(four.resolve(SITE + "/notes/sub/mod.py"), "CHANGED = True\n");
        compiler.compile(four, PREFIX, List.of(SITE));
        assertThat(Files.readAllLines(runs)).hasSize(3);
        String mod = SITE + "/notes/sub/__pycache__/mod.cpython-312.pyc";
        assertThat(Files.readAllBytes(four.resolve(mod))).isNotEqualTo(first.get(mod));

        // a damaged entry is not used: compiled again, right
        try (Stream<Path> entries = Files.list(cache)) {
            for (Path e : entries.toList()) {
                byte[] b = Files.readAllBytes(e);
                b[b.length / 2] ^= 1;
                Files.write(e, b);
            }
        }
        Path five = tmp.resolve("five");
        sources(five);
        compiler.compile(five, PREFIX, List.of(SITE));
        assertThat(Files.readAllLines(runs)).hasSize(4);
        Map<String, byte[]> fifth = read(five, pycs);
        for (String p : pycs) {
            assertThat(fifth.get(p)).as(p).isEqualTo(first.get(p));
        }
    }

    @Test
    void skippedDirectoriesAreNeitherCompiledNorCleared() throws Exception {
        assumeTrue(Files.isExecutable(PYTHON312));
        Path stage = tmp.resolve("stage");
        sources(stage);
        Path std = Files.createDirectories(stage.resolve("lib/python3.12/json"));
        Files.writeString(std.resolve("__init__.py"), "X = 1\n");
        Files.createDirectories(std.resolve("__pycache__"));
        Files.writeString(std.resolve("__pycache__/stale.cpython-312.pyc"), "stale");
        Path sitePycache = Files.createDirectories(stage.resolve(SITE + "/notes/__pycache__"));
        Files.writeString(sitePycache.resolve("keep.cpython-312.pyc"), "not mine");

        assertThat(BytecodeCompiler.deletePycache(stage, List.of("lib/python3.12"), List.of(SITE)))
                .containsExactly("lib/python3.12/json/__pycache__");
        assertThat(sitePycache.resolve("keep.cpython-312.pyc")).exists();
        List<String> pycs = new BytecodeCompiler(PYTHON312, "3.12", 0, progress)
                .compile(stage, PREFIX, List.of("lib/python3.12"), List.of(SITE));

        assertThat(pycs).containsExactly("lib/python3.12/json/__pycache__/__init__.cpython-312.pyc");
        assertThat(warnings).isEmpty(); // py2only.py, under the skipped directory, was never read
        assertThat(stage.resolve(SITE + "/notes/sub/__pycache__")).doesNotExist();
    }

    @Test
    void compilesReproduciblyWithTheInstalledPathAsCoFilename() throws Exception {
        assumeTrue(Files.isExecutable(PYTHON312));
        Path stage = tmp.resolve("stage one");
        sources(stage);
        BytecodeCompiler compiler = new BytecodeCompiler(PYTHON312, "3.12", 1700000000L, progress);

        List<String> pycs = compiler.compile(stage, PREFIX, List.of(SITE));

        assertThat(pycs).containsExactly(
                SITE + "/notes/__pycache__/__init__.cpython-312.pyc",
                SITE + "/notes/sub/__pycache__/__init__.cpython-312.pyc",
                SITE + "/notes/sub/__pycache__/mod.cpython-312.pyc");
        assertThat(warnings).singleElement().asString().startsWith("bytecode: " + SITE + "/notes/sub/py2only.py: SyntaxError");
        Map<String, byte[]> first = read(stage, pycs);

        // again in place, after deleting the caches
        assertThat(BytecodeCompiler.deletePycache(stage, List.of(SITE)))
                .containsExactly(SITE + "/notes/__pycache__", SITE + "/notes/sub/__pycache__");
        assertThat(pycs).allSatisfy(p -> assertThat(stage.resolve(p)).doesNotExist());
        List<String> again = new BytecodeCompiler(PYTHON312, "3.12", 1800000000L, 1, progress).compile(stage, PREFIX, List.of(SITE));
        assertThat(again).isEqualTo(pycs);
        Map<String, byte[]> second = read(stage, again);
        for (String p : pycs) {
            assertThat(second.get(p)).as(p).isEqualTo(first.get(p));
        }

        // and in another staging directory: the bytes do not depend on where the tree is staged
        Path other = tmp.resolve("stage-two");
        sources(other);
        compiler.compile(other, PREFIX, List.of(SITE));
        for (String p : pycs) {
            assertThat(Files.readAllBytes(other.resolve(p))).as(p).isEqualTo(first.get(p));
        }

        // header: PEP 552 flags 0b01 (hash-based, unchecked); co_filename is the installed path
        String probe = """
                import marshal, sys
                data = open(sys.argv[1], "rb").read()
                print(int.from_bytes(data[4:8], "little"))
                print(marshal.loads(data[16:]).co_filename)
                """;
        LauncherSystemTest.Result r = LauncherSystemTest.run(tmp, Map.of(), PYTHON312.toString(), "-c", probe,
                stage.resolve(SITE + "/notes/sub/__pycache__/mod.cpython-312.pyc").toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("1\n" + PREFIX + "/" + SITE + "/notes/sub/mod.py");

        // the interpreter uses the unchecked pycs as they are, even when the source changed
        Files.writeString(stage.resolve(SITE + "/notes/sub/mod.py"), "CHANGED = True\n");
        String use = "import sys; sys.path.insert(0, sys.argv[1]); from notes.sub import mod; print(hasattr(mod, 'KEYWORDS'));"
                + " print(mod.check('two'))";
        LauncherSystemTest.Result run = LauncherSystemTest.run(tmp, Map.of(), PYTHON312.toString(), "-B", "-c", use,
                stage.resolve(SITE).toString());
        assertThat(run.err()).isEmpty();
        assertThat(run.out()).isEqualTo("True\nTrue");
    }

    @Test
    void refusesAnInterpreterOfAnotherVersion() throws IOException {
        assumeTrue(Files.isExecutable(PYTHON311));
        Path stage = tmp.resolve("stage");
        sources(stage);
        assertThatThrownBy(() -> new BytecodeCompiler(PYTHON311, "3.12", 0, progress).compile(stage, PREFIX, List.of(SITE)))
                .isInstanceOf(PackyardException.class)
                .hasMessageContaining("the host interpreter is Python 3.11, the target is Python 3.12");
        try (Stream<Path> s = Files.walk(stage)) {
            assertThat(s.filter(p -> p.toString().endsWith(".pyc"))).isEmpty();
        }
    }

    @Test
    void compilesAnInstalledWheelForItsRecord() throws Exception {
        assumeTrue(Files.isExecutable(PYTHON312));
        Path root = tmp.resolve("bundle");
        InstallScheme scheme = InstallScheme.posix("3.12", false);
        WheelInstaller installer = WheelInstaller.builder().root(root).scheme(scheme).build();
        InstalledDistribution d = installer.install(TestWheel.of("notes", "1.0")
                .file("notes/__init__.py", "X = 1\n")
                .file("notes/__pycache__/__init__.cpython-312.pyc", "stale bytecode shipped in the wheel")
                .write(tmp));

        assertThat(BytecodeCompiler.deletePycache(root, List.of(scheme.purelib()))).containsExactly(SITE + "/notes/__pycache__");
        List<String> pycs = new BytecodeCompiler(PYTHON312, "3.12", 0, progress).compile(root, PREFIX, List.of(scheme.purelib()));
        d.writeRecord(root, d.bytecodeOf(pycs));

        String record = Files.readString(root.resolve(d.recordPath()));
        assertThat(record).contains("notes/__pycache__/__init__.cpython-312.pyc,sha256=");
        assertThat(RecordFile.parse(record)).filteredOn(e -> e.path().endsWith(".pyc")).singleElement()
                .satisfies(e -> assertThat(e.hash()).contains(RecordFile.sha256(Files.readAllBytes(root.resolve(pycs.get(0))))));
    }
}
