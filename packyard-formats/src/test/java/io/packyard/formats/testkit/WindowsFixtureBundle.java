package io.packyard.formats.testkit;

import io.packyard.bundle.Bundle;
import io.packyard.bundle.BundleMetadata;
import io.packyard.bundle.Command;
import io.packyard.bundle.Target;
import io.packyard.bundle.WindowsOptions;
import io.packyard.python.wheel.EntryPoint;
import io.packyard.python.wheel.LauncherWriter;
import io.packyard.python.wheel.WindowsLauncherWriter;
import io.packyard.testkit.FixturePython;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * A synthetic staged Windows application for format tests (the Windows twin of
 * {@link FixtureBundle}), target windows-x64 unless {@link #target} says otherwise.
 *
 * <pre>
 *   python/python.exe, pythonw.exe      TEST FIXTURE interpreter ({@link FixturePython}, built with
 *                                       mingw): logs each run to $FIXTURE_PYTHON_LOG, exits with
 *                                       $FIXTURE_EXIT; or, with {@link #fakeInterpreter()}, two
 *                                       placeholder files (for tests that never run anything)
 *   python/python312.dll                placeholder
 *   python/Lib/os.py, python/Lib/json/__init__.py, python/Lib/__pycache__/os.cpython-312.pyc
 *   python/Lib/site-packages/           the application's package
 *   Scripts/&lt;command&gt;.exe               console launcher (WindowsLauncherWriter) → fixture_app.cli:main
 *   Scripts/&lt;command&gt;-gui.exe           GUI launcher
 *   hooks/post-install.exe, hooks/pre-uninstall.exe
 *                                       hook launchers logging to install.log (at the install root)
 *   data/file with spaces.txt, data/café.txt, data/日本語.txt (only with {@link #unicodeBeyond1252()})
 *   data/version.txt                    the version; data/&lt;extra&gt; with {@link #extraFile}
 *   empty/                              an empty directory
 *   many/NNN/file-NNNNN.txt             with {@link #manyFiles(int)}: small distinct files
 * </pre>
 */
public final class WindowsFixtureBundle {
    private String name = "packyard-winfixture";
    private String version = "1.0";
    private String company = "Packyard Fixture";
    private String product = "Demo";
    private String command = "packyard-winfixture-hello";
    private boolean hooks = true;
    private boolean fakeInterpreter;
    private boolean unicodeBeyond1252;
    private long sourceDateEpoch = 1_700_000_000L;
    private String extraFile;
    private int manyFiles;
    private boolean perUser;
    private boolean requireAdmin;
    private boolean addToPath = true;
    private List<String> windows = List.of();
    private Map<String, String> startMenu = new LinkedHashMap<>();
    private Map<String, String> desktop = new LinkedHashMap<>();
    private Optional<Path> icon = Optional.empty();
    private Optional<String> installDir = Optional.empty();
    private Optional<String> existingInstallDir = Optional.empty();
    private Optional<UUID> upgradeCode = Optional.empty();
    private Optional<String> documentationUrl = Optional.of("https://example.org/packyard-winfixture/docs");
    private Target target = Target.WINDOWS_X64;

    public static WindowsFixtureBundle named(String name) {
        WindowsFixtureBundle f = new WindowsFixtureBundle();
        f.name = name;
        f.company = "Packyard " + name;
        f.command = name + "-hello";
        return f;
    }

    public WindowsFixtureBundle version(String v) {
        this.version = v;
        return this;
    }

    public WindowsFixtureBundle company(String c) {
        this.company = c;
        return this;
    }

    public WindowsFixtureBundle product(String p) {
        this.product = p;
        return this;
    }

    public WindowsFixtureBundle withoutHooks() {
        this.hooks = false;
        return this;
    }

    /** Placeholder bytes instead of the mingw-built fixture interpreter (no mingw needed). */
    public WindowsFixtureBundle fakeInterpreter() {
        this.fakeInterpreter = true;
        return this;
    }

    /** Adds a data file whose name is outside Windows-1252. */
    public WindowsFixtureBundle unicodeBeyond1252() {
        this.unicodeBeyond1252 = true;
        return this;
    }

    public WindowsFixtureBundle sourceDateEpoch(long s) {
        this.sourceDateEpoch = s;
        return this;
    }

    /** Adds a file {@code data/<name>} holding the version, so two versions differ in files too. */
    public WindowsFixtureBundle extraFile(String fileName) {
        this.extraFile = fileName;
        return this;
    }

    /** Adds {@code count} small files in directories of 100. */
    public WindowsFixtureBundle manyFiles(int count) {
        this.manyFiles = count;
        return this;
    }

    public WindowsFixtureBundle perUser() {
        this.perUser = true;
        return this;
    }

    public WindowsFixtureBundle requireAdmin() {
        this.requireAdmin = true;
        return this;
    }

    public WindowsFixtureBundle addToPath(boolean add) {
        this.addToPath = add;
        return this;
    }

    public WindowsFixtureBundle windows(List<String> versions) {
        this.windows = List.copyOf(versions);
        return this;
    }

    /** A Start-menu shortcut: display name → command name ({@link #command()} or {@link #guiCommand()}). */
    public WindowsFixtureBundle startMenu(String displayName, String commandName) {
        startMenu.put(displayName, commandName);
        return this;
    }

    public WindowsFixtureBundle desktop(String displayName, String commandName) {
        desktop.put(displayName, commandName);
        return this;
    }

    public WindowsFixtureBundle icon(Path ico) {
        this.icon = Optional.of(ico);
        return this;
    }

    public WindowsFixtureBundle installDir(String formatted) {
        this.installDir = Optional.of(formatted);
        return this;
    }

    public WindowsFixtureBundle existingInstallDir(String registryValue) {
        this.existingInstallDir = Optional.of(registryValue);
        return this;
    }

    public WindowsFixtureBundle upgradeCode(UUID code) {
        this.upgradeCode = Optional.of(code);
        return this;
    }

    /** The bundle's target (the launchers stay x64 ones: Packyard has no ARM64 launcher). */
    public WindowsFixtureBundle target(Target t) {
        this.target = t;
        return this;
    }

    public String command() {
        return command;
    }

    public String guiCommand() {
        return command + "-gui";
    }

    public String name() {
        return name;
    }

    public String company() {
        return company;
    }

    public String product() {
        return product;
    }

    /** Stages the tree under {@code root} (which must not exist yet or be empty) and scans it. */
    public Bundle build(Path root) throws IOException {
        Files.createDirectories(root);
        Path python = root.resolve("python");
        if (fakeInterpreter) {
            write(python.resolve("python.exe"), "placeholder python.exe (test fixture)\n");
            write(python.resolve("pythonw.exe"), "placeholder pythonw.exe (test fixture)\n");
        } else {
            FixturePython.build(python);
        }
        write(python.resolve("python312.dll"), "placeholder for python312.dll (Packyard test fixture)\n");
        write(python.resolve("Lib/os.py"), "# stand-in for the standard library's os module\n");
        write(python.resolve("Lib/json/__init__.py"), "# stand-in for json\n");
        Files.createDirectories(python.resolve("Lib/__pycache__"));
        Files.write(python.resolve("Lib/__pycache__/os.cpython-312.pyc"),
                new byte[] {(byte) 0xcb, 0x0d, 0x0d, 0x0a, 3, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8});
        write(python.resolve("Lib/site-packages/fixture_app/__init__.py"), "__version__ = '" + version + "'\n");
        write(python.resolve("Lib/site-packages/fixture_app/cli.py"), "def main():\n    print('hello')\n");

        WindowsLauncherWriter launchers = new WindowsLauncherWriter().withHookLog("install.log");
        LauncherWriter.Interpreter interpreter = LauncherWriter.Interpreter.bundled("python/python.exe");
        List<LauncherWriter.LauncherFile> files = new ArrayList<>();
        files.addAll(launchers.console(interpreter, "Scripts", command,
                EntryPoint.parse("console_scripts", command, "fixture_app.cli:main")));
        files.addAll(launchers.gui(interpreter, "Scripts", guiCommand(),
                EntryPoint.parse("gui_scripts", guiCommand(), "fixture_app.gui:main")));
        if (hooks) {
            files.addAll(launchers.hook(interpreter, "hooks", "post-install",
                    EntryPoint.parse("packyard.hooks", "post-install", "fixture_app.install:post_install")));
            files.addAll(launchers.hook(interpreter, "hooks", "pre-uninstall",
                    EntryPoint.parse("packyard.hooks", "pre-uninstall", "fixture_app.install:pre_uninstall")));
        }
        LauncherWriter.write(root, files);

        write(root.resolve("data/file with spaces.txt"), "spaces\n");
        write(root.resolve("data/café.txt"), "non-ASCII name\n");
        if (unicodeBeyond1252) {
            write(root.resolve("data/日本語.txt"), "a name outside Windows-1252\n");
        }
        write(root.resolve("data/version.txt"), version + "\n");
        if (extraFile != null) {
            write(root.resolve("data/" + extraFile), version + "\n");
        }
        Files.createDirectories(root.resolve("empty"));
        for (int i = 0; i < manyFiles; i++) {
            write(root.resolve(String.format("many/%03d/file-%05d.txt", i / 100, i)), "file " + i + " of " + version + "\n");
        }

        WindowsOptions options = new WindowsOptions(upgradeCode, startMenu, desktop, Optional.empty(), icon,
                Optional.empty(), Optional.empty(), installDir, existingInstallDir, perUser, requireAdmin, windows,
                documentationUrl, addToPath);
        BundleMetadata m = new BundleMetadata(
                name,
                version,
                "Fixture application for Packyard's Windows format tests",
                "A synthetic Windows bundle with a stand-in interpreter.",
                "https://example.org/packyard-winfixture",
                "MIT",
                "Packyard Tests <tests@packyard.example.org>",
                company,
                product,
                target,
                "3.12",
                true,
                List.of(new Command(command, "Scripts/" + command + ".exe", false),
                        new Command(guiCommand(), "Scripts/" + guiCommand(), true)),
                hooks ? "hooks/post-install" : null,
                hooks ? "hooks/pre-uninstall.exe" : null,
                List.of(),
                List.of(),
                options);
        return Bundle.builder().metadata(m).root(root).sourceDateEpoch(sourceDateEpoch).build();
    }

    private static void write(Path p, String text) throws IOException {
        Files.createDirectories(p.getParent());
        Files.writeString(p, text, StandardCharsets.UTF_8);
    }
}
