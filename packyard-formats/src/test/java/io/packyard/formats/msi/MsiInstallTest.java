package io.packyard.formats.msi;

import static org.assertj.core.api.Assertions.assertThat;

import io.packyard.bundle.Bundle;
import io.packyard.bundle.BundleEntry;
import io.packyard.formats.testkit.Packages;
import io.packyard.formats.testkit.WindowsFixtureBundle;
import io.packyard.testkit.FixturePython;
import io.packyard.testkit.Wine;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real installs with Wine's msiexec (Debian: wine, wine64; mingw-w64 for the fixture interpreter),
 * headless, in one prefix made for this class and set to Windows 10. The fixture's python.exe is
 * {@link FixturePython}: the hooks and launchers really run, and it logs how it was started.
 *
 * <p>Two Wine 8 limitations shape what is checked (Windows behaves as the package intends):
 * Wine's RemoveExistingProducts runs the old version's uninstall without UPGRADINGPRODUCTCODE (it
 * runs {@code msiexec /qn /i {code} REMOVE=ALL}), so the condition that keeps the pre-uninstall
 * hook and the log out of an upgrade is shown with the property Windows sets
 * ({@link #theUninstallThatAnUpgradeRunsKeepsThePreUninstallHookAndTheLogOut}); and Wine removes
 * empty folders only below a component's directory, so the empty company folder above INSTALLDIR
 * may stay behind, as may INSTALLDIR itself when the pre-uninstall hook's log was still held open
 * by the just-exited hook processes when RemoveFolders ran (Windows closes a process's handles
 * before its exit is seen, and removes the folders it created). So after an uninstall no file
 * may remain, and only empty folders.
 */
@Tag("system")
class MsiInstallTest {
    @TempDir
    static Path tmp;

    static Wine wine;
    static Path hookLog;
    static Path v1;
    static Path v2;
    static WindowsFixtureBundle fixture;
    static Bundle bundle1;
    static Bundle bundle2;

    private static final String COMPANY = "Packyard msi-wine";
    private static final String OVERRIDES = "mscoree,mshtml=;winemenubuilder.exe=d";

    @BeforeAll
    static void prefixAndPackages() throws IOException {
        wine = Wine.create(tmp.resolve("prefix"));
        // The prefix links Desktop, Documents, ... to $HOME: make them real folders so shortcuts stay inside.
        try (Stream<Path> users = Files.list(wine.driveC().resolve("users"))) {
            for (Path user : users.toList()) {
                try (Stream<Path> children = Files.list(user)) {
                    for (Path c : children.toList()) {
                        if (Files.isSymbolicLink(c)) {
                            Files.delete(c);
                            Files.createDirectory(c);
                        }
                    }
                }
            }
        }
        wine.run("winecfg", List.of("-v", "win10"), Map.of(), Duration.ofMinutes(1)).assertSuccess();
        wine.waitForShutdown();
        hookLog = tmp.resolve("fixture-python.log");

        fixture = WindowsFixtureBundle.named("msi-wine").startMenu("Hello App", "msi-wine-hello")
                .desktop("Hello GUI", "msi-wine-hello-gui").windows(List.of("10", "11"));
        bundle1 = fixture.version("1.0").extraFile("only-in-1.txt").build(tmp.resolve("b1"));
        v1 = Packages.build(new MsiFormat(), bundle1, tmp.resolve("out1"));
        bundle2 = WindowsFixtureBundle.named("msi-wine").startMenu("Hello App", "msi-wine-hello")
                .desktop("Hello GUI", "msi-wine-hello-gui").windows(List.of("10", "11")).version("2.0")
                .build(tmp.resolve("b2"));
        v2 = Packages.build(new MsiFormat(), bundle2, tmp.resolve("out2"));
    }

    @AfterAll
    static void stopWine() throws IOException {
        if (wine != null) {
            wine.close();
        }
    }

    /** msiexec with a verbose log; returns the result and the log's text. */
    record Msiexec(Wine.Result result, String log) {
        boolean succeeded() {
            return result.exitCode() == 0;
        }
    }

    static Msiexec msiexec(Map<String, String> env, String... args) throws IOException {
        Path log = Files.createTempFile(tmp, "msiexec-", ".log");
        List<String> all = new ArrayList<>(Arrays.asList(args));
        all.addAll(List.of("/qn", "/l*v", wine.toWindows(log)));
        Map<String, String> e = new HashMap<>(env);
        e.put("WINEDLLOVERRIDES", OVERRIDES);
        e.put(FixturePython.LOG_VARIABLE, wine.toWindows(hookLog));
        Wine.Result r = wine.run("msiexec", all, e, Duration.ofMinutes(3));
        return new Msiexec(r, finishedLog(log));
    }

    private static final Pattern LOG_END = Pattern.compile("(?s).*Property\\(S\\): .*\\nAction ended [0-9:]+: INSTALL\\."
            + " Return value -?[0-9]+\\.\\s*$");

    /**
     * The verbose log once the installation has finished: Wine's msiexec sometimes returns while
     * its installation script still runs, so wait until the log ends with the final property dump
     * and the end of the INSTALL action, and stays so for half a second. A log that stops
     * otherwise (a rolled-back installation ends elsewhere) is read once every process of the
     * prefix has exited.
     */
    private static String finishedLog(Path log) throws IOException {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        String last = null;
        int unchanged = 0;
        while (System.nanoTime() < deadline) {
            String text = Files.exists(log) ? new String(Files.readAllBytes(log), StandardCharsets.ISO_8859_1) : "";
            boolean same = text.equals(last);
            if (LOG_END.matcher(text).matches() && same) {
                return text;
            }
            unchanged = same ? unchanged + 1 : 0;
            if (unchanged >= 4) {
                wine.waitForShutdown();
                return new String(Files.readAllBytes(log), StandardCharsets.ISO_8859_1);
            }
            last = text;
            try {
                Thread.sleep(500);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new IOException(ex);
            }
        }
        throw new AssertionError("msiexec did not finish its log " + log + ":\n" + last);
    }

    static Msiexec msiexec(String... args) throws IOException {
        return msiexec(Map.of(), args);
    }

    /** The hooks' and launchers' runs the fixture interpreter logged since the last call, as argument lists. */
    static List<List<String>> runs() throws IOException {
        List<List<String>> out = new ArrayList<>();
        for (FixturePython.LogEntry e : FixturePython.readLog(hookLog)) {
            List<String> argv = e.sysArgv();
            String program = argv.get(1);
            List<String> args = new ArrayList<>();
            args.add(program.substring(program.lastIndexOf('\\') + 1));
            args.addAll(argv.subList(2, argv.size()));
            out.add(args);
        }
        Files.deleteIfExists(hookLog);
        return out;
    }

    static Path programFiles() {
        return wine.driveC().resolve("Program Files");
    }

    static Path installDir(String company) {
        return programFiles().resolve(company).resolve("Demo");
    }

    static TreeSet<String> tree(Path root) throws IOException {
        TreeSet<String> out = new TreeSet<>();
        if (!Files.exists(root)) {
            return out;
        }
        try (Stream<Path> all = Files.walk(root)) {
            all.filter(p -> !p.equals(root)).forEach(p -> out.add(root.relativize(p) + (Files.isDirectory(p) ? "/" : "")));
        }
        return out;
    }

    static String productCode(Path msi) {
        return MsiToolsTest.properties(msi).get("ProductCode");
    }

    static Optional<Map<String, Wine.RegistryValue>> key(String key) throws IOException {
        return wine.registryValues(key);
    }

    static List<String> path(String environmentKey) throws IOException {
        return key(environmentKey).map(v -> v.get("PATH")).map(Wine.RegistryValue::string)
                .map(s -> Arrays.stream(s.split(";")).filter(x -> !x.isEmpty()).toList()).orElse(List.of());
    }

    static final String MACHINE_ENV = "HKLM\\System\\CurrentControlSet\\Control\\Session Manager\\Environment";
    static final String UNINSTALL = "HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall";

    /** Where msiexec put the Start menu (Wine resolves it per user even for per-machine packages). */
    static Path folderProperty(String log, String property) {
        for (String line : log.split("\r?\n")) {
            String prefix = "Property(S): " + property + " = ";
            if (line.startsWith(prefix)) {
                return wine.toUnix(line.substring(prefix.length()).strip());
            }
        }
        throw new AssertionError("no " + property + " in the log");
    }

    static void assertInstalledTreeIs(Path dir, Bundle bundle) throws IOException {
        for (BundleEntry e : bundle.entries()) {
            Path got = dir.resolve(e.path());
            if (e.isDirectory()) {
                assertThat(got).as(e.path()).isDirectory();
            } else {
                assertThat(Files.readAllBytes(got)).as(e.path()).isEqualTo(Files.readAllBytes(e.source()));
            }
        }
    }

    @Test
    void installRunUpgradeReinstallAndRemovePerMachine() throws IOException {
        TreeSet<String> programFilesBefore = tree(programFiles());
        List<String> pathBefore = path(MACHINE_ENV);
        Map<String, Map<String, Wine.RegistryValue>> uninstallBefore = wine.registryTree(UNINSTALL);
        runs();

        // install 1.0
        Msiexec install = msiexec("/i", wine.toWindows(v1));
        assertThat(install.succeeded()).as(install.log()).isTrue();
        Path dir = installDir(COMPANY);
        assertInstalledTreeIs(dir, bundle1);
        assertThat(runs()).containsExactly(List.of("post-install.exe", "install", ""));
        assertThat(Files.readString(dir.resolve("install.log"))).contains("post-install.exe install \"\"");
        String code1 = productCode(v1);
        Map<String, Wine.RegistryValue> arp = key(UNINSTALL + "\\" + code1).orElseThrow();
        assertThat(arp.get("DisplayName").string()).isEqualTo("Demo");
        assertThat(arp.get("DisplayVersion").string()).isEqualTo("1.0.400");
        assertThat(arp.get("Publisher").string()).isEqualTo(COMPANY);
        assertThat(arp.get("InstallLocation").string()).isEqualTo("C:\\Program Files\\" + COMPANY + "\\Demo\\");
        Map<String, Wine.RegistryValue> values = key("HKLM\\Software\\" + COMPANY + "\\Demo").orElseThrow();
        assertThat(values.get("Version").string()).isEqualTo("1.0");
        assertThat(values.get("InstallDir").string()).isEqualTo("C:\\Program Files\\" + COMPANY + "\\Demo\\");
        assertThat(path(MACHINE_ENV)).contains("C:\\Program Files\\" + COMPANY + "\\Demo\\Scripts");
        Path menu = folderProperty(install.log(), "ProgramMenuFolder").resolve("Demo");
        Path desktop = folderProperty(install.log(), "DesktopFolder");
        assertThat(menu.resolve("Hello App.lnk")).isRegularFile();
        assertThat(desktop.resolve("Hello GUI.lnk")).isRegularFile();

        // a launcher on PATH reaches the bundled interpreter
        Wine.Result hello = wine.run(dir.resolve("Scripts/msi-wine-hello.exe"), List.of("one", "two words"),
                Map.of(FixturePython.LOG_VARIABLE, wine.toWindows(hookLog), "WINEDLLOVERRIDES", OVERRIDES),
                Duration.ofMinutes(1));
        assertThat(hello.exitCode()).as(hello.toString()).isZero();
        FixturePython.Report report = FixturePython.parseReport(hello.stdout());
        assertThat(report.executable()).isEqualTo("C:\\Program Files\\" + COMPANY + "\\Demo\\python\\python.exe");
        assertThat(report.code().orElseThrow()).contains("fixture_app.cli");
        assertThat(runs()).containsExactly(List.of("msi-wine-hello.exe", "one", "two words"));

        // upgrade to 2.0: in place, one product left, 1.0-only files gone
        Msiexec upgrade = msiexec("/i", wine.toWindows(v2));
        assertThat(upgrade.succeeded()).as(upgrade.log()).isTrue();
        assertInstalledTreeIs(dir, bundle2);
        assertThat(dir.resolve("data/only-in-1.txt")).doesNotExist();
        assertThat(runs()).filteredOn(r -> r.getFirst().equals("post-install.exe"))
                .containsExactly(List.of("post-install.exe", "upgrade", "1.0"));
        String code2 = productCode(v2);
        assertThat(code2).isNotEqualTo(code1);
        Map<String, Map<String, Wine.RegistryValue>> uninstallNow = wine.registryTree(UNINSTALL);
        assertThat(uninstallNow.keySet()).anyMatch(k -> k.endsWith(code2)).noneMatch(k -> k.endsWith(code1));
        assertThat(uninstallNow.size()).isEqualTo(uninstallBefore.size() + 1);
        assertThat(key("HKLM\\Software\\" + COMPANY + "\\Demo").orElseThrow().get("Version").string()).isEqualTo("2.0");
        assertThat(path(MACHINE_ENV)).containsOnlyOnce("C:\\Program Files\\" + COMPANY + "\\Demo\\Scripts");

        // the same package again: a maintenance install, not an error, no hook
        Msiexec again = msiexec("/i", wine.toWindows(v2));
        assertThat(again.succeeded()).as(again.log()).isTrue();
        assertThat(runs()).isEmpty();
        assertThat(wine.registryTree(UNINSTALL).size()).isEqualTo(uninstallBefore.size() + 1);

        // installing 1.0 over 2.0 is refused: a downgrade
        Msiexec downgrade = msiexec("/i", wine.toWindows(v1));
        assertThat(downgrade.succeeded()).isFalse();
        // Wine does not log the launch condition's text (MsiToolsTest checks it); the property it tests:
        assertThat(downgrade.log()).contains("Property(S): PACKYARD_DOWNGRADE_DETECTED = " + productCode(v2))
                .doesNotContainPattern("Action start [0-9:]+: InstallFiles");
        assertThat(runs()).isEmpty();
        assertThat(dir.resolve("data/version.txt")).hasContent("2.0");

        // remove: the pre-uninstall hook runs, then every file, key, PATH entry and shortcut goes
        Msiexec remove = msiexec("/x", wine.toWindows(v2));
        assertThat(remove.succeeded()).as(remove.log()).isTrue();
        assertThat(runs()).containsExactly(List.of("pre-uninstall.exe", "remove", "2.0"));
        TreeSet<String> after = tree(programFiles());
        after.removeAll(programFilesBefore);
        // no file is left; Wine may leave empty folders (see the class comment)
        assertThat(after).as("left behind").allSatisfy(p -> assertThat(p).endsWith("/"))
                .allSatisfy(p -> assertThat(p).startsWith(COMPANY + "/"));
        assertThat(key("HKLM\\Software\\" + COMPANY)).isEmpty();
        assertThat(wine.registryTree(UNINSTALL).keySet()).isEqualTo(uninstallBefore.keySet());
        assertThat(path(MACHINE_ENV)).isEqualTo(pathBefore);
        assertThat(menu).doesNotExist();
        assertThat(desktop.resolve("Hello GUI.lnk")).doesNotExist();
        deleteTree(programFiles().resolve(COMPANY));
    }

    @Test
    void noCustomActionsSkipsTheHooks() throws IOException {
        Path msi = Packages.build(new MsiFormat(), WindowsFixtureBundle.named("msi-nca").build(tmp.resolve("nca")),
                tmp.resolve("nca-out"));
        runs();
        Msiexec install = msiexec(Map.of(), "/i", wine.toWindows(msi), "NO_CUSTOM_ACTIONS=1");
        assertThat(install.succeeded()).as(install.log()).isTrue();
        assertThat(installDir("Packyard msi-nca").resolve("python/python.exe")).isRegularFile();
        assertThat(install.log()).contains("Action start").doesNotContainPattern("Action start [0-9:]+: PackyardPost");
        Msiexec remove = msiexec(Map.of(), "/x", wine.toWindows(msi), "NO_CUSTOM_ACTIONS=1");
        assertThat(remove.succeeded()).as(remove.log()).isTrue();
        assertThat(runs()).isEmpty();
        assertThat(installDir("Packyard msi-nca")).doesNotExist();
        deleteTree(programFiles().resolve("Packyard msi-nca"));
    }

    @Test
    void theUninstallThatAnUpgradeRunsKeepsThePreUninstallHookAndTheLogOut() throws IOException {
        Path msi = Packages.build(new MsiFormat(), WindowsFixtureBundle.named("msi-rep").build(tmp.resolve("rep")),
                tmp.resolve("rep-out"));
        Msiexec install = msiexec("/i", wine.toWindows(msi));
        assertThat(install.succeeded()).as(install.log()).isTrue();
        runs();
        Path dir = installDir("Packyard msi-rep");
        // what Windows' RemoveExistingProducts passes to the old version's uninstall
        Msiexec removed = msiexec("/x", wine.toWindows(msi), "UPGRADINGPRODUCTCODE=" + MsiIds.guid(UUID.randomUUID()));
        assertThat(removed.succeeded()).as(removed.log()).isTrue();
        assertThat(runs()).isEmpty();
        assertThat(tree(dir)).containsExactly("install.log");
        deleteTree(programFiles().resolve("Packyard msi-rep"));
    }

    @Test
    void aFailingPostInstallHookRollsTheInstallationBack() throws IOException {
        Path msi = Packages.build(new MsiFormat(), WindowsFixtureBundle.named("msi-fail").build(tmp.resolve("fail")),
                tmp.resolve("fail-out"));
        Map<String, Map<String, Wine.RegistryValue>> uninstallBefore = wine.registryTree(UNINSTALL);
        Msiexec install = msiexec(Map.of(FixturePython.EXIT_VARIABLE, "3"), "/i", wine.toWindows(msi));
        assertThat(install.succeeded()).isFalse();
        assertThat(runs()).containsExactly(List.of("post-install.exe", "install", ""));
        Path dir = installDir("Packyard msi-fail");
        // the log of the failed hook stays for reading; everything installed is rolled back
        assertThat(tree(dir)).containsExactly("install.log");
        assertThat(Files.readString(dir.resolve("install.log"))).contains("exited with 3");
        assertThat(key("HKLM\\Software\\Packyard msi-fail")).isEmpty();
        assertThat(wine.registryTree(UNINSTALL).keySet()).isEqualTo(uninstallBefore.keySet());
        deleteTree(programFiles().resolve("Packyard msi-fail"));
    }

    @Test
    void perUserInstallsGoToTheProfileAndTheUserRegistry() throws IOException {
        Bundle b = WindowsFixtureBundle.named("msi-user").perUser().startMenu("User App", "msi-user-hello")
                .build(tmp.resolve("user"));
        Path msi = Packages.build(new MsiFormat(), b, tmp.resolve("user-out"));
        List<String> userPathBefore = path("HKCU\\Environment");
        runs();
        Msiexec install = msiexec("/i", wine.toWindows(msi));
        assertThat(install.succeeded()).as(install.log()).isTrue();
        Path local = folderProperty(install.log(), "LocalAppDataFolder");
        Path dir = local.resolve("Programs/Packyard msi-user/Demo");
        assertInstalledTreeIs(dir, b);
        assertThat(installDir("Packyard msi-user")).doesNotExist();
        assertThat(key("HKCU\\Software\\Packyard msi-user\\Demo").orElseThrow().get("Version").string()).isEqualTo("1.0");
        assertThat(key("HKLM\\Software\\Packyard msi-user")).isEmpty();
        assertThat(path("HKCU\\Environment")).contains(wine.toWindows(dir.resolve("Scripts")));
        assertThat(path(MACHINE_ENV)).noneMatch(p -> p.contains("msi-user"));
        assertThat(runs()).containsExactly(List.of("post-install.exe", "install", ""));

        Msiexec remove = msiexec("/x", wine.toWindows(msi));
        assertThat(remove.succeeded()).as(remove.log()).isTrue();
        assertThat(tree(dir)).as("left behind").allSatisfy(p -> assertThat(p).endsWith("/"));
        assertThat(key("HKCU\\Software\\Packyard msi-user")).isEmpty();
        assertThat(path("HKCU\\Environment")).isEqualTo(userPathBefore);
        deleteTree(local.resolve("Programs/Packyard msi-user"));
    }

    @Test
    void aWindowsVersionTheMachineIsNotIsRefused() throws IOException {
        Path msi = Packages.build(new MsiFormat(), WindowsFixtureBundle.named("msi-server").fakeInterpreter()
                .windows(List.of("server-2022", "server-2025")).build(tmp.resolve("server")), tmp.resolve("server-out"));
        Msiexec install = msiexec("/i", wine.toWindows(msi));
        assertThat(install.succeeded()).isFalse();
        // Wine does not log the launch condition's text (MsiToolsTest checks it); what it tested:
        assertThat(install.log()).containsPattern("Property\\(S\\): PACKYARD_OSBUILD = 1[0-9]{4}\\b")
                .contains("Property(S): MsiNTProductType = 1")
                .doesNotContainPattern("Action start [0-9:]+: InstallFiles");
        assertThat(installDir("Packyard msi-server")).doesNotExist();
    }

    @Test
    void theExistingInstallDirOfAnOlderInstallerAndTheCommandLineChooseTheFolder() throws IOException {
        Path legacy = wine.driveC().resolve("Legacy Apps/Demo");
        Files.createDirectories(legacy);
        wine.run("reg", List.of("add", "HKLM\\Software\\Old Packager\\Demo", "/v", "InstallDir", "/d",
                "C:\\Legacy Apps\\Demo", "/f"), Map.of(), Duration.ofMinutes(1)).assertSuccess();
        Path msi = Packages.build(new MsiFormat(), WindowsFixtureBundle.named("msi-legacy").fakeInterpreter().withoutHooks()
                .existingInstallDir("HKLM\\Software\\Old Packager\\Demo\\InstallDir").build(tmp.resolve("legacy")),
                tmp.resolve("legacy-out"));
        Msiexec install = msiexec("/i", wine.toWindows(msi));
        assertThat(install.succeeded()).as(install.log()).isTrue();
        assertThat(legacy.resolve("data/version.txt")).isRegularFile();
        assertThat(installDir("Packyard msi-legacy")).doesNotExist();
        assertThat(key("HKLM\\Software\\Packyard msi-legacy\\Demo").orElseThrow().get("InstallDir").string())
                .isEqualTo("C:\\Legacy Apps\\Demo\\");
        assertThat(msiexec("/x", wine.toWindows(msi)).succeeded()).isTrue();
        assertThat(legacy.resolve("data")).doesNotExist();

        // INSTALLDIR on the command line wins over the registry
        Files.createDirectories(legacy);
        Msiexec chosen = msiexec("/i", wine.toWindows(msi), "INSTALLDIR=C:\\Chosen\\Demo");
        assertThat(chosen.succeeded()).as(chosen.log()).isTrue();
        assertThat(wine.driveC().resolve("Chosen/Demo/data/version.txt")).isRegularFile();
        assertThat(legacy.resolve("data")).doesNotExist();
        assertThat(msiexec("/x", wine.toWindows(msi)).succeeded()).isTrue();
        assertThat(wine.driveC().resolve("Chosen/Demo")).doesNotExist();
        wine.run("reg", List.of("delete", "HKLM\\Software\\Old Packager", "/f"), Map.of(), Duration.ofMinutes(1));
    }

    @Test
    void anUpgradeStaysInTheFolderThePreviousVersionWasInstalledTo() throws IOException {
        WindowsFixtureBundle f = WindowsFixtureBundle.named("msi-moved").fakeInterpreter().withoutHooks();
        Path one = Packages.build(new MsiFormat(), f.build(tmp.resolve("moved1")), tmp.resolve("moved1-out"));
        Path two = Packages.build(new MsiFormat(), WindowsFixtureBundle.named("msi-moved").fakeInterpreter().withoutHooks()
                .version("1.1").build(tmp.resolve("moved2")), tmp.resolve("moved2-out"));
        Msiexec install = msiexec("/i", wine.toWindows(one), "INSTALLDIR=C:\\Moved Here\\Demo");
        assertThat(install.succeeded()).as(install.log()).isTrue();
        Path moved = wine.driveC().resolve("Moved Here/Demo");
        assertThat(moved.resolve("data/version.txt")).hasContent("1.0");
        Msiexec upgrade = msiexec("/i", wine.toWindows(two));
        assertThat(upgrade.succeeded()).as(upgrade.log()).isTrue();
        assertThat(moved.resolve("data/version.txt")).hasContent("1.1");
        assertThat(installDir("Packyard msi-moved")).doesNotExist();
        assertThat(msiexec("/x", wine.toWindows(two)).succeeded()).isTrue();
        assertThat(moved).doesNotExist();
        deleteTree(wine.driveC().resolve("Moved Here"));
        deleteTree(programFiles().resolve("Packyard msi-moved"));
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.delete(p);
            }
        }
    }
}
