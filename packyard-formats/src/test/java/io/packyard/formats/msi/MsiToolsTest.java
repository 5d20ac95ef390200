package io.packyard.formats.msi;

import static org.assertj.core.api.Assertions.assertThat;

import io.packyard.bundle.Bundle;
import io.packyard.bundle.BundleEntry;
import io.packyard.formats.testkit.Cmd;
import io.packyard.formats.testkit.Packages;
import io.packyard.formats.testkit.WindowsFixtureBundle;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The .msi as msitools (msiinfo, msidump, msiextract; Debian: msitools) read it. */
@Tag("system")
class MsiToolsTest {
    @TempDir
    static Path tmp;

    static WindowsFixtureBundle fixture;
    static Bundle bundle;
    static Path msi;

    @BeforeAll
    static void build() throws IOException {
        fixture = WindowsFixtureBundle.named("msi-tools").fakeInterpreter()
                .startMenu("Hello App", "msi-tools-hello").desktop("Hello GUI", "msi-tools-hello-gui")
                .windows(List.of("10", "11", "server-2022")).requireAdmin()
                .existingInstallDir("HKLM\\Software\\Old Packager\\Demo\\InstallDir");
        bundle = fixture.build(tmp.resolve("bundle"));
        msi = Packages.build(new MsiFormat(), bundle, tmp.resolve("out"));
    }

    /** {@code msiinfo export}: the rows of a table, each a list of column values (empty = null). */
    static List<List<String>> rows(Path msi, String table) {
        String out = Cmd.run("msiinfo", "export", msi.toString(), table).ok().stdout();
        List<List<String>> rows = new ArrayList<>();
        String[] lines = out.split("\r?\n");
        for (int i = 3; i < lines.length; i++) {
            if (!lines[i].isEmpty()) {
                rows.add(List.of(lines[i].split("\t", -1)));
            }
        }
        return rows;
    }

    static Map<String, String> properties(Path msi) {
        Map<String, String> p = new HashMap<>();
        for (List<String> r : rows(msi, "Property")) {
            p.put(r.get(0), r.get(1));
        }
        return p;
    }

    static Map<String, String> summary(Path msi) {
        Map<String, String> s = new HashMap<>();
        for (String line : Cmd.run("msiinfo", "suminfo", msi.toString()).ok().stdout().split("\n")) {
            int colon = line.indexOf(": ");
            if (colon > 0) {
                s.put(line.substring(0, colon), line.substring(colon + 2));
            }
        }
        return s;
    }

    @Test
    void listsTheTablesOfAnInstallerWithUi() {
        List<String> tables = List.of(Cmd.run("msiinfo", "tables", msi.toString()).ok().stdout().split("\n"));
        assertThat(tables).contains("Property", "Directory", "Component", "File", "Feature", "FeatureComponents", "Media",
                "InstallExecuteSequence", "InstallUISequence", "AdminExecuteSequence", "AdminUISequence", "Upgrade",
                "Registry", "Environment", "Shortcut", "RemoveFile", "CreateFolder", "CustomAction", "LaunchCondition",
                "AppSearch", "RegLocator", "Dialog", "Control", "_Validation");
    }

    @Test
    void msidumpWritesTheTablesAndTheEmbeddedCabinet() throws IOException {
        Path dump = Files.createDirectories(tmp.resolve("dump"));
        Cmd.run("msidump", "-d", dump.toString(), msi.toString()).ok();
        Cmd.run("msidump", "-s", "-d", dump.toString(), msi.toString()).ok();
        assertThat(Files.readString(dump.resolve("InstallExecuteSequence.idt")))
                .contains("RemoveExistingProducts\t\t1501");
        Path cab = dump.resolve("_Streams/packyard.cab");
        String listing = Cmd.run("cabextract", "-l", cab.toString()).ok().stdout();
        for (BundleEntry e : bundle.entries()) {
            if (e.isFile()) {
                assertThat(listing).contains(MsiIds.fileKey(e.path()));
            }
        }
    }

    @Test
    void identityAndSummaryInformation() {
        Map<String, String> p = properties(msi);
        assertThat(p).containsEntry("ProductName", "Demo").containsEntry("Manufacturer", fixture.company())
                .containsEntry("ProductVersion", "1.0.400").containsEntry("ProductLanguage", "1033")
                .containsEntry("ALLUSERS", "1").containsEntry("ARPNOMODIFY", "1")
                .containsEntry("ARPHELPLINK", "https://example.org/packyard-winfixture/docs")
                .containsEntry("ARPURLINFOABOUT", "https://example.org/packyard-winfixture");
        assertThat(p.get("ProductCode")).matches("\\{[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}}");
        assertThat(p.get("SecureCustomProperties").split(";"))
                .contains("INSTALLDIR", "NO_CUSTOM_ACTIONS", "PACKYARD_UPGRADE_DETECTED", "PACKYARD_DOWNGRADE_DETECTED");
        Map<String, String> s = summary(msi);
        assertThat(s).containsEntry("Template", "x64;1033").containsEntry("Subject", "Demo")
                .containsEntry("Author", fixture.company());
        assertThat(s.get("Source")).startsWith("2 "); // compressed, long names, elevation
        assertThat(s.get("Revision number (UUID)")).matches("\\{[0-9A-F-]{36}}");
    }

    @Test
    void theFileTableHoldsEveryBundleFileAndTheCabinetHoldsTheirBytes() throws IOException {
        List<BundleEntry> files = bundle.entries().stream().filter(BundleEntry::isFile).toList();
        List<List<String>> rows = rows(msi, "File");
        assertThat(rows).hasSize(files.size());
        List<String> longNames = rows.stream().map(r -> r.get(2).contains("|") ? r.get(2).split("\\|")[1] : r.get(2)).toList();
        assertThat(longNames).containsExactlyInAnyOrderElementsOf(files.stream().map(BundleEntry::fileName).toList());
        List<Integer> sequences = rows.stream().map(r -> Integer.parseInt(r.get(7))).sorted().toList();
        assertThat(sequences).isEqualTo(java.util.stream.IntStream.rangeClosed(1, files.size()).boxed().toList());
        assertThat(rows(msi, "Media")).containsExactly(List.of("1", String.valueOf(files.size()), "", "#packyard.cab", "", ""));

        Path out = Files.createDirectories(tmp.resolve("extracted"));
        Cmd.run(List.of("msiextract", "-C", out.toString(), msi.toString()), Map.of(), null).ok();
        Path root = out.resolve(fixture.company()).resolve(fixture.product());
        for (BundleEntry e : files) {
            Path got = root.resolve(e.path());
            assertThat(got).as(e.path()).exists();
            assertThat(Files.readAllBytes(got)).as(e.path()).isEqualTo(Files.readAllBytes(e.source()));
        }
        try (Stream<Path> all = Files.walk(root)) {
            assertThat(all.filter(Files::isRegularFile).count()).isEqualTo(files.size());
        }
    }

    @Test
    void upgradeLaunchConditionsAndHooks() {
        assertThat(rows(msi, "Upgrade")).extracting(r -> r.get(1) + "|" + r.get(2) + "|" + r.get(4) + "|" + r.get(6))
                .containsExactlyInAnyOrder("0.0.0|1.0.400|257|PACKYARD_UPGRADE_DETECTED",
                        "1.0.400||2|PACKYARD_DOWNGRADE_DETECTED");
        assertThat(rows(msi, "LaunchCondition")).extracting(r -> r.get(0)).containsExactlyInAnyOrder(
                "Installed OR NOT PACKYARD_DOWNGRADE_DETECTED", "Installed OR Privileged",
                "Installed OR (MsiNTProductType=1 AND PACKYARD_OSBUILD>=10240)"
                        + " OR (MsiNTProductType<>1 AND PACKYARD_OSBUILD>=20348 AND PACKYARD_OSBUILD<26100)");
        assertThat(rows(msi, "LaunchCondition")).extracting(r -> r.get(1)).containsExactlyInAnyOrder(
                "A newer version of [ProductName] is already installed; version 1.0 cannot replace it."
                        + " Uninstall the newer version first.",
                "[ProductName] must be installed by an administrator: run the installer as an administrator.",
                "[ProductName] 1.0 requires Windows 10, Windows 11 or Windows Server 2022.");
        Map<String, List<String>> ca = new HashMap<>();
        rows(msi, "CustomAction").forEach(r -> ca.put(r.get(0), r));
        assertThat(ca.get("PackyardPostInstall").subList(1, 4)).containsExactly("3090",
                fileKey("hooks/post-install.exe"), "install \"\"");
        assertThat(ca.get("PackyardPostUpgrade").get(3)).isEqualTo("upgrade [PREVIOUSVERSION]");
        assertThat(ca.get("PackyardPreUninstall").subList(1, 4)).containsExactly("3154",
                fileKey("hooks/pre-uninstall.exe"), "remove 1.0");
        Map<String, List<String>> seq = new HashMap<>();
        rows(msi, "InstallExecuteSequence").forEach(r -> seq.put(r.get(0), r));
        assertThat(seq.get("RemoveExistingProducts").get(2)).isEqualTo("1501");
        assertThat(seq.get("PackyardPreUninstall").get(1))
                .isEqualTo("REMOVE=\"ALL\" AND NOT UPGRADINGPRODUCTCODE AND NOT (NO_CUSTOM_ACTIONS=\"1\")");
        assertThat(Integer.parseInt(seq.get("PackyardPostInstall").get(2)))
                .isGreaterThan(Integer.parseInt(seq.get("WriteEnvironmentStrings").get(2)))
                .isLessThan(Integer.parseInt(seq.get("InstallFinalize").get(2)));
        assertThat(rows(msi, "RegLocator")).extracting(r -> r.get(0) + "|" + r.get(1) + "|" + r.get(2) + "|" + r.get(4))
                .contains("ExistingInstallDirSearch|2|Software\\Old Packager\\Demo|16",
                        "ExistingInstallDirSearch32|2|Software\\Old Packager\\Demo|0",
                        "WindowsBuildSearch|2|SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion|18");
    }

    @Test
    void registryPathAndShortcuts() {
        String key = "Software\\" + fixture.company() + "\\Demo";
        assertThat(rows(msi, "Registry")).extracting(r -> String.join("|", r)).contains(
                "RegInstallDir|2|" + key + "|InstallDir|[INSTALLDIR]|Registration",
                "RegVersion|2|" + key + "|Version|1.0|Registration");
        assertThat(rows(msi, "Environment")).containsExactly(
                List.of("PathEntry1", "=-*PATH", "[~];[INSTALLDIR]Scripts", "Registration"));
        assertThat(rows(msi, "Shortcut")).extracting(r -> r.get(1) + "|" + r.get(2) + "|" + r.get(4)).containsExactlyInAnyOrder(
                "ProductMenuFolder|HELLOA~1|Hello App|[#" + fileKey("Scripts/msi-tools-hello.exe") + "]",
                "DesktopFolder|HELLOG~1|Hello GUI|[#" + fileKey("Scripts/msi-tools-hello-gui.exe") + "]");
    }

    private static String fileKey(String path) {
        return MsiIds.fileKey(path);
    }

    @Test
    void perUserPackagesNeedNoElevation() throws IOException {
        Bundle b = WindowsFixtureBundle.named("msi-tools-user").fakeInterpreter().perUser().build(tmp.resolve("user"));
        Path user = Packages.build(new MsiFormat(), b, tmp.resolve("user-out"));
        assertThat(summary(user).get("Source")).startsWith("10 "); // compressed + no elevation
        Map<String, String> p = properties(user);
        assertThat(p).doesNotContainKey("ALLUSERS");
        assertThat(rows(user, "Directory")).extracting(r -> r.get(0) + "|" + r.get(1))
                .contains("LocalAppDataFolder|TARGETDIR", "PackyardFolder1|LocalAppDataFolder");
        assertThat(rows(user, "Registry")).allSatisfy(r -> assertThat(r.get(1)).isEqualTo("1")); // HKCU
        assertThat(rows(user, "Environment")).extracting(r -> r.get(1)).containsExactly("=-PATH");
        assertThat(rows(user, "CustomAction")).filteredOn(r -> r.get(0).equals("PackyardPostInstall"))
                .extracting(r -> r.get(1)).containsExactly("1042");
    }

    @Test
    void aPackageCodeFollowsTheContentAndTheProductCodeTheVersion() throws IOException {
        Path other = Packages.build(new MsiFormat(), WindowsFixtureBundle.named("msi-tools").fakeInterpreter()
                .startMenu("Hello App", "msi-tools-hello").desktop("Hello GUI", "msi-tools-hello-gui")
                .windows(List.of("10", "11", "server-2022")).requireAdmin()
                .existingInstallDir("HKLM\\Software\\Old Packager\\Demo\\InstallDir")
                .extraFile("one-more.txt").build(tmp.resolve("other")), tmp.resolve("other-out"));
        assertThat(summary(other).get("Revision number (UUID)")).isNotEqualTo(summary(msi).get("Revision number (UUID)"));
        assertThat(properties(other).get("ProductCode")).isEqualTo(properties(msi).get("ProductCode"));
        Path v2 = Packages.build(new MsiFormat(), WindowsFixtureBundle.named("msi-tools").fakeInterpreter().version("1.1")
                .build(tmp.resolve("v2")), tmp.resolve("v2-out"));
        assertThat(properties(v2).get("ProductCode")).isNotEqualTo(properties(msi).get("ProductCode"));
        assertThat(properties(v2).get("UpgradeCode")).isEqualTo(properties(msi).get("UpgradeCode"));
    }

    @Test
    void theIconGoesToTheShortcutsAndAddRemovePrograms() throws IOException {
        Path ico = tmp.resolve("notes.ico");
        Files.write(ico, MsiUiImages.informationIcon());
        Path withIcon = Packages.build(new MsiFormat(), WindowsFixtureBundle.named("msi-tools-icon").fakeInterpreter()
                .startMenu("Hello", "msi-tools-icon-hello").icon(ico).build(tmp.resolve("icon")), tmp.resolve("icon-out"));
        assertThat(properties(withIcon)).containsEntry("ARPPRODUCTICON", "ProductIcon.ico");
        assertThat(rows(withIcon, "Icon")).extracting(r -> r.get(0)).containsExactly("ProductIcon.ico");
        assertThat(rows(withIcon, "Shortcut")).singleElement().satisfies(r -> {
            assertThat(r.get(8)).isEqualTo("ProductIcon.ico");
            assertThat(r.get(9)).isEqualTo("0");
            assertThat(r.get(11)).isEqualTo("INSTALLDIR");
        });
        Path dump = Files.createDirectories(tmp.resolve("icon-dump"));
        Cmd.run("msidump", "-s", "-d", dump.toString(), withIcon.toString()).ok();
        assertThat(Files.readAllBytes(dump.resolve("_Streams/Icon.ProductIcon.ico"))).isEqualTo(Files.readAllBytes(ico));
    }

    @Test
    void arm64PackagesSayArm64() throws IOException {
        Bundle arm = WindowsFixtureBundle.named("msi-tools-arm").fakeInterpreter().target(io.packyard.bundle.Target.WINDOWS_ARM64)
                .build(tmp.resolve("arm"));
        assertThat(new MsiFormat().fileName(arm)).isEqualTo("msi-tools-arm-1.0-arm64.msi");
        Path armMsi = Packages.build(new MsiFormat(), arm, tmp.resolve("arm-out"));
        assertThat(summary(armMsi)).containsEntry("Template", "Arm64;1033");
        assertThat(summary(armMsi).get("Version")).startsWith("500 ");
    }

    @Test
    void namesOutsideWindows1252AreKept() throws IOException {
        Bundle b = WindowsFixtureBundle.named("msi-tools-utf8").fakeInterpreter().unicodeBeyond1252()
                .build(tmp.resolve("utf8"));
        Path utf8 = Packages.build(new MsiFormat(), b, tmp.resolve("utf8-out"));
        Path out = Files.createDirectories(tmp.resolve("utf8-extracted"));
        Cmd.run(List.of("msiextract", "-C", out.toString(), utf8.toString()), Map.of(), null).ok();
        Path root = out.resolve("Packyard msi-tools-utf8/Demo");
        assertThat(Files.readString(root.resolve("data/日本語.txt"))).isEqualTo("a name outside Windows-1252\n");
        assertThat(Files.readString(root.resolve("data/café.txt"))).isEqualTo("non-ASCII name\n");
    }

    @Test
    void fiveThousandFilesBuildQuicklyAndAreAllListed() throws IOException {
        Bundle big = WindowsFixtureBundle.named("msi-tools-big").fakeInterpreter().manyFiles(5000)
                .build(tmp.resolve("big"));
        long files = big.entries().stream().filter(BundleEntry::isFile).count();
        long start = System.nanoTime();
        Path bigMsi = Packages.build(new MsiFormat(), big, tmp.resolve("big-out"));
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertThat(millis).as("build time of %d files", files).isLessThan(60_000);
        assertThat(rows(bigMsi, "File")).hasSize((int) files);
        // one component per directory, not per file
        assertThat(rows(bigMsi, "Component").size()).isLessThan(100);
        Path out = Files.createDirectories(tmp.resolve("big-extracted"));
        Cmd.run(List.of("msiextract", "-C", out.toString(), bigMsi.toString()), Map.of(), null).ok();
        Path root = out.resolve("Packyard msi-tools-big/Demo");
        assertThat(Files.readString(root.resolve("many/049/file-04999.txt"))).isEqualTo("file 4999 of 1.0\n");
        try (Stream<Path> all = Files.walk(root)) {
            assertThat(all.filter(Files::isRegularFile).count()).isEqualTo(files);
        }
    }
}
