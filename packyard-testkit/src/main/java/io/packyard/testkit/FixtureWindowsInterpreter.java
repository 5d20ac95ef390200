package io.packyard.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A TEST FIXTURE standing in for python-build-standalone's Windows {@code install_only} archive,
 * which this machine cannot download (no network) and whose python.exe could not run the tests'
 * code anyway. The archive has the real layout ({@code python/python.exe}, {@code pythonw.exe},
 * {@code python3XY.dll}, {@code Lib/}, {@code Lib/site-packages/}, {@code DLLs/}), but:
 * <ul>
 *   <li>{@code python.exe}/{@code pythonw.exe} are {@link FixturePython} (a mingw-built program that
 *       reports how it was started), not CPython;
 *   <li>{@code python3XY.dll} is a placeholder file, not a DLL;
 *   <li>{@code Lib/} holds a few real standard-library modules copied from a host CPython of the same
 *       X.Y, enough for Packyard to recognise the tree and compile its bytecode.
 * </ul>
 * The archive's name carries the version the way python-build-standalone's names do, e.g.
 * {@code cpython-3.12.1+fixture-x86_64-pc-windows-msvc-install_only.tar.gz}.
 */
public final class FixtureWindowsInterpreter {
    /** Standard-library modules copied from the host Python (a small, real sample). */
    private static final List<String> STDLIB_SAMPLE = List.of("os.py", "stat.py", "ntpath.py", "genericpath.py",
            "abc.py", "codecs.py", "io.py", "site.py", "_collections_abc.py", "_sitebuiltins.py", "posixpath.py",
            "json/__init__.py", "json/decoder.py", "json/encoder.py", "json/scanner.py");

    private FixtureWindowsInterpreter() {}

    /**
     * Writes the fixture archive into {@code dir} and returns its path.
     *
     * @param hostPrefix a host CPython prefix whose {@code lib/pythonX.Y} provides the stdlib sample
     *     (e.g. /root/.pyenv/versions/3.12.1)
     * @param version the full version X.Y.Z of that host Python
     */
    public static Path archive(Path dir, Path hostPrefix, String version) throws IOException, InterruptedException {
        String[] v = version.split("\\.");
        String xy = v[0] + "." + v[1];
        Path work = Files.createTempDirectory(dir, "winpy-");
        Path python = work.resolve("python");
        Files.createDirectories(python.resolve("Lib/site-packages"));
        Files.createDirectories(python.resolve("DLLs"));
        FixturePython.build(python);
        Files.writeString(python.resolve("python" + v[0] + v[1] + ".dll"),
                "placeholder for python" + v[0] + v[1] + ".dll (Packyard test fixture)\n", StandardCharsets.UTF_8);
        Files.writeString(python.resolve("LICENSE.txt"), "fixture\n", StandardCharsets.UTF_8);
        Path stdlib = hostPrefix.resolve("lib/python" + xy);
        for (String m : STDLIB_SAMPLE) {
            Path src = stdlib.resolve(m);
            if (Files.isRegularFile(src)) {
                Path dst = python.resolve("Lib").resolve(m);
                Files.createDirectories(dst.getParent());
                Files.copy(src, dst);
            }
        }
        if (!Files.isRegularFile(python.resolve("Lib/os.py"))) {
            throw new IOException("no " + stdlib.resolve("os.py") + ": need a host CPython " + xy + " for the fixture");
        }
        Files.writeString(python.resolve("Lib/site-packages/README.txt"), "Third-party packages go here (fixture interpreter).\n",
                StandardCharsets.UTF_8);
        Path archive = dir.resolve("cpython-" + version + "+fixture-x86_64-pc-windows-msvc-install_only.tar.gz");
        List<String> cmd = new ArrayList<>(List.of("tar", "--sort=name", "--mtime=@1700000000", "--owner=0", "--group=0",
                "--numeric-owner", "-czf", archive.toString(), "-C", work.toString(), "python"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException("tar failed: " + out);
        }
        deleteTree(work);
        return archive;
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
