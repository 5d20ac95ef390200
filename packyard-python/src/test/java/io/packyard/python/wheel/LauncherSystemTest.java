package io.packyard.python.wheel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs generated launchers with a real CPython 3.12. */
@Tag("system")
class LauncherSystemTest {

    static final Path PYTHON312 = Path.of("/root/.pyenv/versions/3.12.1/bin/python3.12");
    static final Path PYTHON311 = Path.of("/root/.pyenv/versions/3.11.7/bin/python3.11");
    static final Path PIP_WHEEL = Path.of("/usr/share/python-wheels/pip-23.0.1-py3-none-any.whl");
    static final String SITE = "python/lib/python3.12/site-packages";

    @TempDir
    Path tmp;

    Path root;

    @BeforeEach
    void bundle() throws IOException {
        assumeTrue(Files.isExecutable(PYTHON312), "needs " + PYTHON312);
        root = tmp.resolve("my app dir");
        makeBundledInterpreter(root);
    }

    /**
     * A bundle-like tree: python/bin/python3 is a symlink to a real interpreter, and a pyvenv.cfg
     * makes python/ its prefix, so python/lib/python3.12/site-packages is its own site-packages.
     */
    static void makeBundledInterpreter(Path root) throws IOException {
        makeBundledInterpreter(root, PYTHON312, "3.12");
    }

    static void makeBundledInterpreter(Path root, Path python, String xy) throws IOException {
        Files.createDirectories(root.resolve("python/bin"));
        Files.createDirectories(root.resolve("python/lib/python" + xy + "/site-packages"));
        Files.createSymbolicLink(root.resolve("python/bin/python3"), python);
        Files.writeString(root.resolve("python/pyvenv.cfg"),
                "home = " + python.getParent() + "\ninclude-system-site-packages = false\n");
    }

    static Path notesWheel(Path dir) throws IOException {
        TestWheel w = TestWheel.of("notes", "1.0");
        return w.file("notes/__init__.py", "")
                .file("notes/cli.py", """
                        import json, sys
                        def main():
                            print(json.dumps({"argv": sys.argv, "isolated": sys.flags.isolated,
                                              "file": __file__, "path": sys.path}))
                            return 3
                        class App:
                            @staticmethod
                            def run():
                                print("gui " + " ".join(sys.argv[1:]))
                        """)
                .file("notes/hooks.py", """
                        def post_install(action, previous=None):
                            print("hook %s %s" % (action, previous))
                        def fails(*args):
                            return len(args) + 40
                        """)
                .file("notes_extra.pth", "notes_plugins\n")
                .file("notes_plugins/notes_plugin.py", "")
                .file(w.data() + "/scripts/notes-script", """
                        #!python
                        # -*- coding: utf-8 -*-
                        import json, sys
                        print(json.dumps({"argv": sys.argv, "name": __name__, "exe": sys.executable,
                                          "isolated": sys.flags.isolated, "path": sys.path}))
                        sys.exit(7)
                        """)
                .entryPoints("[console_scripts]\nnotes = notes.cli:main\n[gui_scripts]\nnotes-gui = notes.cli:App.run\n")
                .write(dir);
    }

    /** Removes links to the interpreter so JUnit does not warn about links leaving the temp dir. */
    @AfterEach
    void unlinkInterpreters() throws IOException {
        try (var s = Files.walk(tmp)) {
            for (Path p : s.filter(Files::isSymbolicLink).toList()) {
                Files.delete(p);
            }
        }
    }

    record Result(int exit, String out, String err) {}

    static Result run(Path cwd, Map<String, String> env, String... command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(cwd.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        int rc = p.waitFor();
        return new Result(rc, new String(out, StandardCharsets.UTF_8).strip(), new String(err, StandardCharsets.UTF_8));
    }

    @Test
    void consoleLauncherRunsThroughASymlinkFromElsewhere() throws Exception {
        WheelInstaller installer = WheelInstaller.builder().root(root).scheme(InstallScheme.posix("3.12", true)).build();
        installer.install(notesWheel(tmp));
        Path usrBin = Files.createDirectories(tmp.resolve("usr bin"));
        Path link = Files.createSymbolicLink(usrBin.resolve("notes"), root.resolve("bin/notes"));
        Path cwd = Files.createDirectories(tmp.resolve("some where"));

        Result r = run(cwd, Map.of("PYTHONPATH", "/nonexistent", "PYTHONHOME", "/nonexistent"),
                link.toString(), "a b", "it's", "\"quoted\"", "", "$HOME", "*");

        assertThat(r.exit()).as(r.err()).isEqualTo(3);
        assertThat(r.out()).contains("\"argv\": [\"" + link + "\", \"a b\", \"it's\", \"\\\"quoted\\\"\", \"\", \"$HOME\", \"*\"]");
        assertThat(r.out()).contains("\"isolated\": 1");
        assertThat(r.out()).contains("\"file\": \"" + root.toRealPath().resolve(SITE + "/notes/cli.py") + "\"");
        // the .pth file of the interpreter's own site-packages is processed
        assertThat(r.out()).contains(root.toRealPath().resolve(SITE + "/notes_plugins").toString());

        // through PATH, by command name
        Result viaPath = run(cwd, Map.of("PATH", usrBin + ":/usr/bin:/bin"), "/bin/sh", "-c", "notes 'x y'");
        assertThat(viaPath.exit()).as(viaPath.err()).isEqualTo(3);
        assertThat(viaPath.out()).contains("\"argv\": [\"" + link + "\", \"x y\"]");

        // GUI launcher
        Result gui = run(cwd, Map.of(), root.resolve("bin/notes-gui").toString(), "one", "two");
        assertThat(gui.exit()).as(gui.err()).isZero();
        assertThat(gui.out()).isEqualTo("gui one two");
    }

    @Test
    void symlinksAreResolvedWithoutReadlinkDashF() throws Exception {
        WheelInstaller.builder().root(root).scheme(InstallScheme.posix("3.12", true)).build().install(notesWheel(tmp));
        // a readlink without -f (older BSDs, some minimal systems): the launcher follows links itself
        Path fakeBin = Files.createDirectories(tmp.resolve("fake bin"));
        Path readlink = fakeBin.resolve("readlink");
        Files.writeString(readlink, "#!/bin/sh\n[ \"$1\" = -f ] && exit 1\nexec /usr/bin/readlink \"$@\"\n");
        readlink.toFile().setExecutable(true);
        // a chain of relative links: links/a -> ../chain/b -> ../my app dir/bin/notes
        Path chain = Files.createDirectories(tmp.resolve("chain"));
        Files.createSymbolicLink(chain.resolve("b"), Path.of("../my app dir/bin/notes"));
        Path links = Files.createDirectories(tmp.resolve("links"));
        Path a = Files.createSymbolicLink(links.resolve("a"), Path.of("../chain/b"));

        Result r = run(tmp, Map.of("PATH", fakeBin + ":/usr/bin:/bin"), a.toString(), "z");
        assertThat(r.exit()).as(r.err()).isEqualTo(3);
        assertThat(r.out()).contains("\"argv\": [\"" + a + "\", \"z\"]");
    }

    @Test
    void launcherKeepsWorkingWhenTheBundleMoves() throws Exception {
        WheelInstaller.builder().root(root).scheme(InstallScheme.posix("3.12", true)).build().install(notesWheel(tmp));
        Path moved = tmp.resolve("moved 'here'");
        Files.move(root, moved);

        Result r = run(tmp, Map.of(), moved.resolve("bin/notes").toString());
        assertThat(r.exit()).as(r.err()).isEqualTo(3);
        assertThat(r.out()).contains(moved.toRealPath().resolve(SITE + "/notes/cli.py").toString().replace("\\", "\\\\"));
    }

    @Test
    void pythonScriptTrampolineRuns() throws Exception {
        WheelInstaller.builder().root(root).scheme(InstallScheme.posix("3.12", true)).build().install(notesWheel(tmp));
        Path elsewhere = Files.createDirectories(tmp.resolve("else where"));
        Path link = Files.createSymbolicLink(elsewhere.resolve("ns"), root.resolve("bin/notes-script"));

        Result r = run(elsewhere, Map.of(), link.toString(), "x y", "'z'");

        assertThat(r.exit()).as(r.err()).isEqualTo(7);
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).contains("\"argv\": [\"" + link + "\", \"x y\", \"'z'\"]")
                .contains("\"name\": \"__main__\"")
                .contains("\"isolated\": 1")
                .contains("\"exe\": \"" + root.toRealPath().resolve("python/bin/python3") + "\"");
    }

    @Test
    void hookLauncherPassesArgumentsPositionally() throws Exception {
        WheelInstaller.builder().root(root).scheme(InstallScheme.posix("3.12", true)).build().install(notesWheel(tmp));
        LauncherWriter w = LauncherWriter.posix();
        LauncherWriter.Interpreter py = LauncherWriter.Interpreter.bundled("python/bin/python3");
        assertThat(w.writeHook(root, py, "hooks", "post-install", "notes.hooks:post_install")).containsExactly("hooks/post-install");
        w.writeHook(root, py, "hooks", "fails", "notes.hooks:fails");

        Result ok = run(tmp, Map.of(), root.resolve("hooks/post-install").toString(), "upgrade", "1.0 beta");
        assertThat(ok.exit()).as(ok.err()).isZero();
        assertThat(ok.out()).isEqualTo("hook upgrade 1.0 beta");

        Result oneArg = run(tmp, Map.of(), root.resolve("hooks/post-install").toString(), "install");
        assertThat(oneArg.out()).isEqualTo("hook install None");

        Result fails = run(tmp, Map.of(), root.resolve("hooks/fails").toString(), "a", "b");
        assertThat(fails.exit()).isEqualTo(42);
    }

    @Test
    void systemInterpreterLaunchersPutTheBundleSitePackagesFirst() throws Exception {
        Path sysRoot = tmp.resolve("system based");
        InstallScheme scheme = InstallScheme.posix("3.12", false)
                .withInterpreter(LauncherWriter.Interpreter.system(PYTHON312.toString(), "lib/python3.12/site-packages"));
        WheelInstaller.builder().root(sysRoot).scheme(scheme).build().install(notesWheel(tmp));
        Path link = Files.createSymbolicLink(tmp.resolve("notes-link"), sysRoot.resolve("bin/notes"));

        Result r = run(tmp, Map.of("PYTHONPATH", "/nonexistent"), link.toString(), "arg");
        assertThat(r.exit()).as(r.err()).isEqualTo(3);
        String site = sysRoot.toRealPath().resolve("lib/python3.12/site-packages").toString();
        assertThat(r.out()).contains("\"file\": \"" + site + "/notes/cli.py\"")
                .contains("\"path\": [\"" + site + "\", \"" + site + "/notes_plugins\"")
                .doesNotContain("/nonexistent");

        Result script = run(tmp, Map.of(), sysRoot.resolve("bin/notes-script").toString(), "s");
        assertThat(script.exit()).as(script.err()).isEqualTo(7);
        assertThat(script.out()).contains("\"name\": \"__main__\"").contains("\"path\": [\"" + site + "\"");
    }

    /** pip 23.0.1 (Debian 12's) predates Python 3.12 support ("pip show" fails there), so 3.11 runs it. */
    @Test
    void installsTheRealPipWheelAndPipRuns() throws Exception {
        assumeTrue(Files.isRegularFile(PIP_WHEEL), "needs " + PIP_WHEEL);
        assumeTrue(Files.isExecutable(PYTHON311), "needs " + PYTHON311);
        Path root = tmp.resolve("pip bundle");
        makeBundledInterpreter(root, PYTHON311, "3.11");
        WheelInstaller installer = WheelInstaller.builder().root(root).scheme(InstallScheme.posix("3.11", true)).build();

        InstalledDistribution pip = installer.install(PIP_WHEEL);
        pip.writeRecord(root, List.of());

        assertThat(pip.name()).isEqualTo("pip");
        assertThat(pip.version()).isEqualTo("23.0.1");
        assertThat(pip.consoleScripts()).containsKeys("pip", "pip3");
        String site = root.toRealPath().resolve("python/lib/python3.11/site-packages").toString();

        Result module = run(tmp, Map.of("PIP_DISABLE_PIP_VERSION_CHECK", "1"),
                root.resolve("python/bin/python3").toString(), "-m", "pip", "--version");
        assertThat(module.exit()).as(module.err()).isZero();
        assertThat(module.out()).startsWith("pip 23.0.1 from " + site + "/pip (python 3.11)");

        Result launcher = run(tmp, Map.of("PIP_DISABLE_PIP_VERSION_CHECK", "1"), root.resolve("bin/pip").toString(), "--version");
        assertThat(launcher.exit()).as(launcher.err()).isZero();
        assertThat(launcher.out()).startsWith("pip 23.0.1 from " + site + "/pip");

        // pip itself accepts the installed RECORD: it lists the distribution and its files
        Result show = run(tmp, Map.of("PIP_DISABLE_PIP_VERSION_CHECK", "1"),
                root.resolve("python/bin/python3").toString(), "-m", "pip", "show", "-f", "pip");
        assertThat(show.exit()).as(show.err()).isZero();
        assertThat(show.out()).contains("Version: 23.0.1").contains("../../../../bin/pip").contains("pip/__init__.py");
        List<String> lines = new ArrayList<>(List.of(show.out().split("\n")));
        assertThat(lines).anyMatch(l -> l.strip().equals("pip-23.0.1.dist-info/INSTALLER"));
    }
}
