package io.packyard.formats.msi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.packyard.msi.db.BinaryValue;
import io.packyard.msi.db.MsiDatabase;
import io.packyard.msi.db.StandardTables;
import io.packyard.msi.db.Table;
import io.packyard.python.PackyardException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dialog set as rows: every reference between the UI tables resolves, every tab chain is a
 * closed cycle, every dialog is reachable, the sequences place the dialogs where msiexec needs
 * them, and the inputs (EULA, bitmaps) are checked.
 */
class MsiUserInterfaceTest {

    @TempDir
    Path tmp;

    private MsiDatabase build(boolean withEula) throws IOException {
        MsiDatabase db = MsiUserInterfaceTestDatabase.withoutUi(tmp);
        Optional<Path> eula = Optional.empty();
        if (withEula) {
            Path rtf = tmp.resolve("eula.rtf");
            Files.writeString(rtf, MsiUserInterfaceTestDatabase.eulaRtf(), StandardCharsets.US_ASCII);
            eula = Optional.of(rtf);
        }
        MsiUserInterface.addTo(db, new MsiUserInterface.Options("Packyard UI Demo", eula, Optional.empty(), Optional.empty(),
                "INSTALLDIR"));
        return db;
    }

    @Test
    void referencesResolveWithLicense() throws IOException {
        MsiDatabase db = build(true);
        checkReferences(MsiUserInterfaceRows.of(db));
        assertThat(dialogs(db)).contains("LicenseAgreementDlg");
        assertThat(events(db, "WelcomeDlg", "Next")).containsExactly("NewDialog LicenseAgreementDlg [1]");
        assertThat(events(db, "InstallDirDlg", "Back")).containsExactly("NewDialog LicenseAgreementDlg [1]");
    }

    @Test
    void referencesResolveWithoutLicense() throws IOException {
        MsiDatabase db = build(false);
        checkReferences(MsiUserInterfaceRows.of(db));
        assertThat(dialogs(db)).doesNotContain("LicenseAgreementDlg");
        assertThat(events(db, "WelcomeDlg", "Next")).containsExactly("NewDialog InstallDirDlg [1]");
        assertThat(events(db, "InstallDirDlg", "Back")).containsExactly("NewDialog WelcomeDlg [1]");
        assertThat(table(db, "CheckBox").rows()).hasSize(1); // LicenseAccepted is declared but unused
    }

    @Test
    void licenseGatesNext() throws IOException {
        MsiDatabase db = build(true);
        assertThat(events(db, "LicenseAgreementDlg", "Next")).containsExactly("NewDialog InstallDirDlg [LicenseAccepted = \"1\"]");
        assertThat(conditions(db, "LicenseAgreementDlg", "Next"))
                .containsExactlyInAnyOrder("Disable LicenseAccepted <> \"1\"", "Enable LicenseAccepted = \"1\"");
        List<Object> text = table(db, "Control").get("LicenseAgreementDlg", "LicenseText").orElseThrow();
        assertThat(text.get(2)).isEqualTo("ScrollableText");
        assertThat((String) text.get(9)).startsWith("{\\rtf1").contains("PACKYARD UI DEMO LICENSE AGREEMENT");
        List<Object> box = table(db, "Control").get("LicenseAgreementDlg", "LicenseAcceptedCheckBox").orElseThrow();
        assertThat(box.get(2)).isEqualTo("CheckBox");
        assertThat(box.get(8)).isEqualTo("LicenseAccepted");
        assertThat(table(db, "CheckBox").get("LicenseAccepted").orElseThrow().get(1)).isEqualTo("1");
    }

    @Test
    void installDirectoryGoesThroughSetTargetPath() throws IOException {
        MsiDatabase db = build(true);
        Table property = table(db, "Property");
        assertThat(property.get("PackyardUI_InstallDir").orElseThrow().get(1)).isEqualTo("INSTALLDIR");
        assertThat(events(db, "InstallDirDlg", "Next"))
                .containsExactly("SetTargetPath [PackyardUI_InstallDir] [1]", "NewDialog VerifyReadyDlg [1]");
        assertThat(events(db, "InstallDirDlg", "ChangeFolder"))
                .containsExactly("[_BrowseProperty] [PackyardUI_InstallDir] [1]", "SpawnDialog BrowseDlg [1]");
        assertThat(events(db, "BrowseDlg", "OK")).containsExactly("SetTargetPath [_BrowseProperty] [1]", "EndDialog Return [1]");
        List<Object> pathEdit = table(db, "Control").get("InstallDirDlg", "Folder").orElseThrow();
        assertThat(pathEdit.get(2)).isEqualTo("PathEdit");
        assertThat(((Integer) pathEdit.get(7)) & MsiUiDialog.C_INDIRECT).isNotZero();
    }

    @Test
    void maintenanceOffersRepairAndRemove() throws IOException {
        MsiDatabase db = build(true);
        assertThat(events(db, "MaintenanceTypeDlg", "RepairButton"))
                .containsExactly("[PackyardUI_Mode] Repair [1]", "NewDialog VerifyReadyDlg [1]");
        assertThat(events(db, "MaintenanceTypeDlg", "RemoveButton"))
                .containsExactly("[PackyardUI_Mode] Remove [1]", "NewDialog VerifyReadyDlg [1]");
        assertThat(events(db, "VerifyReadyDlg", "Remove")).startsWith(
                "[REMOVE] ALL [(PackyardUI_Mode = \"Remove\") AND OutOfDiskSpace <> 1]",
                "Remove ALL [(PackyardUI_Mode = \"Remove\") AND OutOfDiskSpace <> 1]",
                "EndDialog Return [(PackyardUI_Mode = \"Remove\") AND OutOfDiskSpace <> 1]");
        assertThat(events(db, "VerifyReadyDlg", "Repair")).startsWith(
                "ReinstallMode ecmus [(PackyardUI_Mode = \"Repair\") AND OutOfDiskSpace <> 1]",
                "Reinstall ALL [(PackyardUI_Mode = \"Repair\") AND OutOfDiskSpace <> 1]");
    }

    @Test
    void progressDialogFollowsTheInstallation() throws IOException {
        MsiDatabase db = build(true);
        assertThat(table(db, "EventMapping").rows()).extracting(r -> r.get(0) + "/" + r.get(1) + "/" + r.get(2) + "/" + r.get(3))
                .contains("ProgressDlg/ProgressBar/SetProgress/Progress", "ProgressDlg/ActionText/ActionText/Text",
                        "ProgressDlg/ActionData/ActionData/Text");
        Table dialog = table(db, "Dialog");
        assertThat((Integer) dialog.get("ProgressDlg").orElseThrow().get(5) & MsiUiDialog.MODAL).isZero();
        assertThat((Integer) dialog.get("VerifyReadyDlg").orElseThrow().get(5) & MsiUiDialog.TRACK_DISK_SPACE).isNotZero();
        assertThat((Integer) dialog.get("ErrorDlg").orElseThrow().get(5) & MsiUiDialog.ERROR).isNotZero();
        assertThat(table(db, "ActionText").get("InstallFiles").orElseThrow().get(2)).isEqualTo("File: [1], Directory: [9], Size: [6]");
    }

    @Test
    void sequencesPlaceTheDialogs() throws IOException {
        MsiDatabase db = build(true);
        Map<String, Integer> ui = sequence(db, "InstallUISequence");
        assertThat(ui).containsEntry("ExitDialog", -1).containsEntry("UserExit", -2).containsEntry("FatalError", -3);
        assertThat(ui.get("PrepareDlg")).isLessThan(ui.get("AppSearch")).isGreaterThan(ui.get("FindRelatedProducts"));
        for (String d : List.of("WelcomeDlg", "ResumeDlg", "MaintenanceWelcomeDlg")) {
            assertThat(ui.get(d)).as(d).isGreaterThan(ui.get("MigrateFeatureStates")).isLessThan(ui.get("ProgressDlg"));
        }
        assertThat(ui.get("ProgressDlg")).isLessThan(ui.get("ExecuteAction"));
        Table seq = table(db, "InstallUISequence");
        assertThat(seq.get("WelcomeDlg").orElseThrow().get(1)).isEqualTo("NOT Installed");
        assertThat((String) seq.get("MaintenanceWelcomeDlg").orElseThrow().get(1)).startsWith("Installed AND NOT RESUME");
        Map<String, Integer> admin = sequence(db, "AdminUISequence");
        assertThat(admin).containsEntry("ExitDialog", -1).containsEntry("UserExit", -2).containsEntry("FatalError", -3)
                .containsEntry("ExecuteAction", 1300).containsKey("ProgressDlg");
        assertThat(sequence(db, "AdminExecuteSequence")).containsEntry("InstallAdminPackage", 3900).containsEntry("InstallFiles", 4000);
    }

    @Test
    void refusesADatabaseWithoutTheStandardActions() throws IOException {
        MsiDatabase db = MsiUserInterfaceTestDatabase.withoutUi(tmp);
        db.table(StandardTables.INSTALL_UI_SEQUENCE).remove("ExecuteAction");
        MsiUserInterface.Options options = new MsiUserInterface.Options("X", Optional.empty(), Optional.empty(), Optional.empty(),
                "INSTALLDIR");
        assertThatThrownBy(() -> MsiUserInterface.addTo(db, options))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("ExecuteAction");
        MsiDatabase db2 = MsiUserInterfaceTestDatabase.withoutUi(tmp.resolve("b"));
        MsiUserInterface.Options other = new MsiUserInterface.Options("X", Optional.empty(), Optional.empty(), Optional.empty(),
                "APPDIR");
        assertThatThrownBy(() -> MsiUserInterface.addTo(db2, other))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("APPDIR");
    }

    @Test
    void optionsAreChecked() {
        assertThatThrownBy(() -> new MsiUserInterface.Options(" ", Optional.empty(), Optional.empty(), Optional.empty(), "INSTALLDIR"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new MsiUserInterface.Options("X", Optional.empty(), Optional.empty(), Optional.empty(), "1DIR"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void productNameIsAddedOnlyWhenMissing() throws IOException {
        MsiDatabase db = MsiUserInterfaceTestDatabase.withoutUi(tmp);
        db.table(StandardTables.PROPERTY).remove("ProductName");
        MsiUserInterface.addTo(db, new MsiUserInterface.Options("Name From Options", Optional.empty(), Optional.empty(),
                Optional.empty(), "INSTALLDIR"));
        assertThat(table(db, "Property").get("ProductName").orElseThrow().get(1)).isEqualTo("Name From Options");
        MsiDatabase db2 = build(false);
        assertThat(table(db2, "Property").get("ProductName").orElseThrow().get(1)).isEqualTo(MsiUserInterfaceTestDatabase.PRODUCT_NAME);
    }

    @Test
    void theChecksCatchBrokenTables() throws IOException {
        MsiDatabase db = build(true);
        Table control = db.table(StandardTables.CONTROL);
        Object[] cancel = control.get("WelcomeDlg", "Cancel").orElseThrow().toArray();
        control.remove("WelcomeDlg", "Cancel");
        cancel[10] = null;
        control.add(cancel);
        db.table(StandardTables.DIALOG).remove("BrowseDlg");
        db.table(StandardTables.BINARY).remove("PackyardUI_Info");
        db.table(StandardTables.PROPERTY).remove("_BrowseProperty");
        assertThatThrownBy(() -> checkReferences(MsiUserInterfaceRows.of(db)))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("Dialog WelcomeDlg: the tab chain stops at Cancel")
                .hasMessageContaining("Control WelcomeDlg/Cancel: a PushButton outside the tab chain")
                .hasMessageContaining("Control BrowseDlg/OK: no such dialog")
                .hasMessageContaining("ControlEvent InstallDirDlg/ChangeFolder SpawnDialog BrowseDlg: no such dialog")
                .hasMessageContaining("Control CancelDlg/Icon: image PackyardUI_Info is not in the Binary table")
                .hasMessageContaining("ControlEvent BrowseDlg/OK SetTargetPath [_BrowseProperty]: does not resolve to a directory (null)");
    }

    // ---- inputs -----------------------------------------------------------------------------

    @Test
    void plainTextEulaBecomesRtf() throws IOException {
        Path txt = tmp.resolve("LICENSE.txt");
        Files.writeString(txt, "Copyright \u00a9 2024 Acme {Inc}\nLine two\\end\r\n\u00fcber", StandardCharsets.UTF_8);
        String rtf = MsiUserInterface.readEula(txt, java.nio.charset.Charset.forName("windows-1252"));
        assertThat(rtf).startsWith("{\\rtf1").endsWith("}")
                .contains("Copyright \\u169? 2024 Acme \\{Inc\\}\\par", "Line two\\\\end\\par", "\\u252?ber");
        assertThat(rtf.chars().allMatch(c -> c < 0x80)).isTrue();
    }

    @Test
    void rtfEulaIsKeptAsIs() throws IOException {
        Path rtfFile = tmp.resolve("eula.rtf");
        String rtf = "{\\rtf1\\ansi Hello \\b world\\b0 caf\u00e9}";
        Files.write(rtfFile, rtf.getBytes(java.nio.charset.Charset.forName("windows-1252")));
        assertThat(MsiUserInterface.readEula(rtfFile, java.nio.charset.Charset.forName("windows-1252"))).isEqualTo(rtf);
    }

    @Test
    void badInputsAreConfigErrors() throws IOException {
        Path missing = tmp.resolve("nope.rtf");
        assertThatThrownBy(() -> MsiUserInterface.readEula(missing, StandardCharsets.ISO_8859_1))
                .isInstanceOf(PackyardException.class).hasMessage("[tool.packyard.msi].eula " + missing + ": no such file");
        Path empty = Files.createFile(tmp.resolve("empty.rtf"));
        assertThatThrownBy(() -> MsiUserInterface.readEula(empty, StandardCharsets.ISO_8859_1))
                .isInstanceOf(PackyardException.class).hasMessageContaining("empty");
        Path binary = tmp.resolve("eula.bin");
        Files.write(binary, new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1, 2});
        assertThatThrownBy(() -> MsiUserInterface.readEula(binary, StandardCharsets.ISO_8859_1))
                .isInstanceOf(PackyardException.class).hasMessageContaining("neither RTF");
        Path png = tmp.resolve("banner.png");
        Files.write(png, new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10});
        assertThatThrownBy(() -> MsiUserInterface.readBitmap(png, "[tool.packyard.msi].banner"))
                .isInstanceOf(PackyardException.class).hasMessage("[tool.packyard.msi].banner " + png + ": not a BMP file (expected the \"BM\" signature)");
        assertThat(((PackyardException) org.assertj.core.api.Assertions.catchThrowable(
                () -> MsiUserInterface.readBitmap(png, "[tool.packyard.msi].banner"))).kind()).isEqualTo(PackyardException.Kind.CONFIG);
    }

    @Test
    void rtfStrayBytesAreReadInTheAnsiCodePage() throws IOException {
        Path rtf = tmp.resolve("eula.rtf");
        Files.write(rtf, new byte[] {'{', '\\', 'r', 't', 'f', '1', ' ', (byte) 0x8a, '}'});
        assertThat(MsiUserInterface.readEula(rtf, java.nio.charset.Charset.forName("windows-1250"))).isEqualTo("{\\rtf1 \u0160}");
        assertThat(MsiUserInterface.readEula(rtf, java.nio.charset.Charset.forName("windows-1251"))).isEqualTo("{\\rtf1 \u0409}");
    }

    @Test
    void eulaThatCannotBeStoredIsAConfigError() throws IOException {
        Path rtf = tmp.resolve("eula.rtf");
        Files.write(rtf, new byte[] {'{', '\\', 'r', 't', 'f', '1', ' ', 'a', 0, 'b', '}'});
        MsiDatabase db = MsiUserInterfaceTestDatabase.withoutUi(tmp);
        MsiUserInterface.Options options = new MsiUserInterface.Options("X", Optional.of(rtf), Optional.empty(), Optional.empty(),
                "INSTALLDIR");
        assertThatThrownBy(() -> MsiUserInterface.addTo(db, options))
                .isInstanceOf(PackyardException.class).hasMessageStartingWith("[tool.packyard.msi].eula " + rtf + ": ").hasMessageContaining("NUL");
    }

    @Test
    void customBitmapsReplaceTheGeneratedOnes() throws IOException {
        Path banner = tmp.resolve("banner.bmp");
        byte[] bannerBytes = MsiUiImages.bmp(2, 2, new int[] {0xFF0000, 0x00FF00, 0x0000FF, 0xFFFFFF});
        Files.write(banner, bannerBytes);
        MsiDatabase db = MsiUserInterfaceTestDatabase.withoutUi(tmp);
        MsiUserInterface.addTo(db, new MsiUserInterface.Options("X", Optional.empty(), Optional.of(banner), Optional.empty(),
                "INSTALLDIR"));
        assertThat(bytes(table(db, "Binary").get("PackyardUI_Banner").orElseThrow().get(1))).isEqualTo(bannerBytes);
        assertThat(bytes(table(db, "Binary").get("PackyardUI_Dialog").orElseThrow().get(1))).isEqualTo(MsiUiImages.dialogBitmap());
    }

    // ---- images -----------------------------------------------------------------------------

    @Test
    void generatedBitmapsAreValidAndDeterministic() {
        for (byte[] bmp : List.of(MsiUiImages.dialogBitmap(), MsiUiImages.bannerBitmap())) {
            ByteBuffer b = ByteBuffer.wrap(bmp).order(ByteOrder.LITTLE_ENDIAN);
            assertThat(bmp[0]).isEqualTo((byte) 'B');
            assertThat(bmp[1]).isEqualTo((byte) 'M');
            assertThat(b.getInt(2)).isEqualTo(bmp.length);
            int w = b.getInt(18);
            int h = b.getInt(22);
            int bpp = b.getShort(28);
            int rowBytes = ((w * bpp / 8) + 3) & ~3;
            assertThat(b.getInt(10) + rowBytes * h).isEqualTo(bmp.length);
            assertThat(bpp).isEqualTo(8); // few colours: palettized, a third of 24-bit
        }
        ByteBuffer d = ByteBuffer.wrap(MsiUiImages.dialogBitmap()).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(d.getInt(18)).isEqualTo(493);
        assertThat(d.getInt(22)).isEqualTo(312);
        ByteBuffer banner = ByteBuffer.wrap(MsiUiImages.bannerBitmap()).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(banner.getInt(18)).isEqualTo(493);
        assertThat(banner.getInt(22)).isEqualTo(58);
        assertThat(MsiUiImages.dialogBitmap()).isEqualTo(MsiUiImages.dialogBitmap());
        // the panel is dark at the top left, the text area white
        assertThat(pixel(MsiUiImages.dialogBitmap(), 5, 0)).isEqualTo(0x16324F);
        assertThat(pixel(MsiUiImages.dialogBitmap(), 300, 150)).isEqualTo(0xFFFFFF);
        assertThat(pixel(MsiUiImages.bannerBitmap(), 20, 20)).isEqualTo(0xFFFFFF);
    }

    @Test
    void manyColoursFallBackTo24Bit() {
        int[] rgb = new int[300];
        for (int i = 0; i < rgb.length; i++) {
            rgb[i] = i * 0x010203;
        }
        byte[] bmp = MsiUiImages.bmp(300, 1, rgb);
        assertThat(ByteBuffer.wrap(bmp).order(ByteOrder.LITTLE_ENDIAN).getShort(28)).isEqualTo((short) 24);
        assertThat(pixel(bmp, 7, 0)).isEqualTo(rgb[7]);
    }

    @Test
    void generatedIconsAreValid() {
        Map<String, Integer> sizes = Map.of("exclamation", 32, "information", 32, "up", 16, "newFolder", 16);
        Map<String, byte[]> icons = Map.of("exclamation", MsiUiImages.exclamationIcon(), "information", MsiUiImages.informationIcon(),
                "up", MsiUiImages.upIcon(), "newFolder", MsiUiImages.newFolderIcon());
        icons.forEach((name, ico) -> {
            int n = sizes.get(name);
            ByteBuffer b = ByteBuffer.wrap(ico).order(ByteOrder.LITTLE_ENDIAN);
            assertThat(b.getShort(0)).as(name).isZero();
            assertThat(b.getShort(2)).as(name).isEqualTo((short) 1);
            assertThat(b.getShort(4)).as(name).isEqualTo((short) 1);
            assertThat(ico[6] & 0xFF).as(name).isEqualTo(n);
            assertThat(b.getInt(14)).as(name).isEqualTo(ico.length - 22);
            assertThat(b.getInt(18)).as(name).isEqualTo(22);
            assertThat(b.getInt(22 + 4)).as(name).isEqualTo(n);
            assertThat(b.getInt(22 + 8)).as(name).isEqualTo(2 * n);
            assertThat(ico.length).as(name).isEqualTo(22 + 40 + n * n * 4 + ((n + 31) / 32) * 4 * n);
            // some pixels opaque, some transparent (the corners)
            int opaque = 0;
            for (int i = 0; i < n * n; i++) {
                if ((ico[62 + i * 4 + 3] & 0xFF) == 255) {
                    opaque++;
                }
            }
            assertThat(opaque).as(name).isBetween(n * n / 8, n * n - 1);
        });
    }

    @Test
    void databaseIsReproducible() throws IOException {
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        Files.createDirectories(a);
        Files.createDirectories(b);
        Path eula = tmp.resolve("eula.rtf");
        Files.writeString(eula, MsiUserInterfaceTestDatabase.eulaRtf());
        MsiUserInterface.Options options = new MsiUserInterface.Options("Packyard UI Demo", Optional.of(eula), Optional.empty(),
                Optional.empty(), "INSTALLDIR");
        Path first = MsiUserInterfaceTestDatabase.write(a, a.resolve("ui.msi"), options);
        Path second = MsiUserInterfaceTestDatabase.write(b, b.resolve("ui.msi"), options);
        assertThat(Files.readAllBytes(first)).isEqualTo(Files.readAllBytes(second));
    }

    // ---- the referential checks -----------------------------------------------------------

    private static final Pattern STYLE = Pattern.compile("^\\{[\\\\&]([^}]*)}");
    private static final Pattern PROPERTY_REF = Pattern.compile("\\[([A-Za-z_][A-Za-z0-9_.]*)]");
    private static final Set<String> END_DIALOG = Set.of("Exit", "Return", "Retry", "Ignore", "ErrorOk", "ErrorCancel",
            "ErrorAbort", "ErrorRetry", "ErrorIgnore", "ErrorYes", "ErrorNo");
    /** Properties msiexec sets itself, or that the UI sets before anything reads them. */
    private static final Set<String> RUNTIME = Set.of("ProductName", "FileInUseProcess", "LicenseAccepted");
    /** Dialogs msiexec opens by name. */
    private static final Set<String> BY_NAME = Set.of("FilesInUse", "MsiRMFilesInUse");
    private static final Set<String> FOCUSABLE = Set.of("PushButton", "CheckBox", "RadioButtonGroup", "PathEdit", "Edit",
            "ScrollableText", "DirectoryCombo", "DirectoryList", "ListBox", "VolumeCostList", "ComboBox", "SelectionTree",
            "MaskedEdit", "ListView", "VolumeSelectCombo");

    private static final List<String> DIALOG_COLUMNS = List.of("Dialog", "HCentering", "VCentering", "Width", "Height",
            "Attributes", "Title", "Control_First", "Control_Default", "Control_Cancel");

    /** Every check of the UI tables' internal consistency; fails with all problems listed. */
    static void checkReferences(MsiUserInterfaceRows t) {
        List<String> problems = new ArrayList<>();
        Set<String> dialogs = new HashSet<>();
        Map<String, Map<String, List<Object>>> controls = new TreeMap<>();
        for (List<Object> d : t.rows("Dialog")) {
            dialogs.add((String) d.get(0));
        }
        for (List<Object> c : t.rows("Control")) {
            String dialog = (String) c.get(0);
            if (!dialogs.contains(dialog)) {
                problems.add("Control " + dialog + "/" + c.get(1) + ": no such dialog");
            }
            controls.computeIfAbsent(dialog, k -> new TreeMap<>()).put((String) c.get(1), c);
        }
        Set<String> properties = new HashSet<>(RUNTIME);
        t.rows("Property").forEach(r -> properties.add((String) r.get(0)));
        Set<String> directories = new HashSet<>();
        t.rows("Directory").forEach(r -> directories.add((String) r.get(0)));
        Set<String> binaries = new HashSet<>();
        t.rows("Binary").forEach(r -> binaries.add((String) r.get(0)));
        Set<String> styles = new HashSet<>();
        t.rows("TextStyle").forEach(r -> styles.add((String) r.get(0)));
        Set<String> radioProperties = new HashSet<>();
        t.rows("RadioButton").forEach(r -> radioProperties.add((String) r.get(0)));
        Set<String> checkBoxProperties = new HashSet<>();
        t.rows("CheckBox").forEach(r -> checkBoxProperties.add((String) r.get(0)));
        // properties the UI sets through [Property] events also exist
        t.rows("ControlEvent").forEach(r -> {
            String e = (String) r.get(2);
            if (e.startsWith("[")) {
                properties.add(e.substring(1, e.length() - 1));
            }
        });

        if (!styles.contains(t.value("Property", "DefaultUIFont"))) {
            problems.add("DefaultUIFont names no TextStyle");
        }
        String errorDialog = t.value("Property", "ErrorDialog");
        if (!dialogs.contains(errorDialog)) {
            problems.add("ErrorDialog " + errorDialog + ": no such dialog");
        } else {
            int attrs = (Integer) t.get("Dialog", errorDialog).orElseThrow().get(5);
            if ((attrs & MsiUiDialog.ERROR) == 0) {
                problems.add("ErrorDialog " + errorDialog + " lacks the Error attribute");
            }
            for (String c : List.of("ErrorText", "ErrorIcon", "A", "C", "I", "N", "O", "R", "Y")) {
                if (!controls.getOrDefault(errorDialog, Map.of()).containsKey(c)) {
                    problems.add("ErrorDialog " + errorDialog + " lacks control " + c);
                }
            }
        }

        for (List<Object> d : t.rows("Dialog")) {
            String name = (String) d.get(0);
            Map<String, List<Object>> own = controls.getOrDefault(name, Map.of());
            if (own.isEmpty()) {
                problems.add("Dialog " + name + ": no controls");
                continue;
            }
            for (int col : new int[] {7, 8, 9}) {
                Object ref = d.get(col);
                if (ref != null && !own.containsKey(ref)) {
                    problems.add("Dialog " + name + ": " + DIALOG_COLUMNS.get(col) + " " + ref + " is not a control");
                }
            }
            checkTitleRefs(problems, "Dialog " + name + " Title", (String) d.get(6), properties);
            checkTabChain(problems, name, (String) d.get(7), own);
            for (List<Object> c : own.values()) {
                String where = "Control " + name + "/" + c.get(1);
                String type = (String) c.get(2);
                int x = (Integer) c.get(3);
                int y = (Integer) c.get(4);
                if (x + (Integer) c.get(5) > (Integer) d.get(3) || y + (Integer) c.get(6) > (Integer) d.get(4)) {
                    problems.add(where + ": outside the dialog");
                }
                int attributes = c.get(7) == null ? 0 : (Integer) c.get(7);
                String property = (String) c.get(8);
                String text = (String) c.get(9);
                if (property != null) {
                    if (!properties.contains(property)) {
                        problems.add(where + ": property " + property + " is never set");
                    } else if ((attributes & MsiUiDialog.C_INDIRECT) != 0) {
                        String target = t.value("Property", property);
                        if (target == null || !directories.contains(target)) {
                            problems.add(where + ": indirect property " + property + " = " + target + " is not a directory");
                        }
                    }
                }
                if (type.equals("RadioButtonGroup") && !radioProperties.contains(property)) {
                    problems.add(where + ": no RadioButton rows for " + property);
                }
                if (type.equals("CheckBox") && !checkBoxProperties.contains(property)) {
                    problems.add(where + ": no CheckBox row for " + property);
                }
                boolean image = type.equals("Bitmap") || type.equals("Icon")
                        || type.equals("PushButton") && (attributes & (MsiUiDialog.C_ICON | 0x40000)) != 0;
                if (image) {
                    if (!binaries.contains(text)) {
                        problems.add(where + ": image " + text + " is not in the Binary table");
                    }
                } else if (text != null && !type.equals("ScrollableText")) {
                    Matcher m = STYLE.matcher(text);
                    if (m.find() && !styles.contains(m.group(1))) {
                        problems.add(where + ": text style " + m.group(1) + " is not in TextStyle");
                    }
                    checkTitleRefs(problems, where, text, properties);
                }
            }
        }

        Set<String> reachable = new LinkedHashSet<>();
        Deque<String> todo = new ArrayDeque<>();
        for (String seq : List.of("InstallUISequence", "AdminUISequence")) {
            for (List<Object> r : t.rows(seq)) {
                if (dialogs.contains(r.get(0))) {
                    todo.add((String) r.get(0));
                } else if (((String) r.get(0)).endsWith("Dlg") || ((String) r.get(0)).endsWith("Dialog")) {
                    problems.add(seq + ": " + r.get(0) + " is not a dialog");
                }
            }
        }
        todo.add(errorDialog);
        todo.addAll(BY_NAME);
        Map<String, List<String>> targets = new HashMap<>();
        for (List<Object> e : t.rows("ControlEvent")) {
            String dialog = (String) e.get(0);
            String control = (String) e.get(1);
            String event = (String) e.get(2);
            String argument = (String) e.get(3);
            String where = "ControlEvent " + dialog + "/" + control + " " + event + " " + argument;
            if (!controls.getOrDefault(dialog, Map.of()).containsKey(control)) {
                problems.add(where + ": no such control");
                continue;
            }
            String type = (String) controls.get(dialog).get(control).get(2);
            if (!type.equals("PushButton") && !type.equals("CheckBox") && !type.equals("SelectionTree")) {
                problems.add(where + ": a " + type + " publishes no events");
            }
            checkTitleRefs(problems, where, (String) e.get(4), properties);
            switch (event) {
                case "NewDialog", "SpawnDialog", "SpawnWaitDialog" -> {
                    if (!dialogs.contains(argument)) {
                        problems.add(where + ": no such dialog");
                    }
                    targets.computeIfAbsent(dialog, k -> new ArrayList<>()).add(argument);
                }
                case "EndDialog" -> {
                    if (!END_DIALOG.contains(argument)) {
                        problems.add(where + ": unknown EndDialog argument");
                    }
                }
                case "SetTargetPath" -> {
                    Matcher m = PROPERTY_REF.matcher(argument);
                    String prop = m.matches() ? t.value("Property", m.group(1)) : argument;
                    if (prop == null || !directories.contains(prop)) {
                        problems.add(where + ": does not resolve to a directory (" + prop + ")");
                    }
                }
                case "Remove", "Reinstall", "AddLocal" -> {
                    if (!argument.equals("ALL") && t.get("Feature", argument).isEmpty()) {
                        problems.add(where + ": no such feature");
                    }
                }
                case "ReinstallMode", "Reset", "DirectoryListUp", "DirectoryListNew", "EnableRollback", "RMShutdownAndRestart",
                        "DoAction", "ValidateProductID" -> {
                    // arguments are free-form or ignored
                }
                default -> {
                    if (!event.startsWith("[") || !event.endsWith("]")) {
                        problems.add(where + ": unknown event");
                    } else {
                        checkTitleRefs(problems, where, argument, properties);
                    }
                }
            }
        }
        while (!todo.isEmpty()) {
            String d = todo.poll();
            if (reachable.add(d)) {
                todo.addAll(targets.getOrDefault(d, List.of()));
            }
        }
        for (String d : dialogs) {
            if (!reachable.contains(d)) {
                problems.add("Dialog " + d + ": never shown (not in a sequence nor opened by an event)");
            }
        }
        for (String name : List.of("ControlCondition", "EventMapping")) {
            for (List<Object> r : t.rows(name)) {
                if (!controls.getOrDefault((String) r.get(0), Map.of()).containsKey(r.get(1))) {
                    problems.add(name + " " + r.get(0) + "/" + r.get(1) + ": no such control");
                }
                if (name.equals("ControlCondition")) {
                    if (!Set.of("Default", "Disable", "Enable", "Hide", "Show").contains(r.get(2))) {
                        problems.add(name + " " + r.get(0) + "/" + r.get(1) + ": unknown action " + r.get(2));
                    }
                    checkTitleRefs(problems, name + " " + r.get(0) + "/" + r.get(1), (String) r.get(3), properties);
                }
            }
        }
        assertThat(problems).as("problems in the UI tables").isEmpty();
    }

    /** Every chain is one closed cycle through Control_First, and the controls outside it are static. */
    private static void checkTabChain(List<String> problems, String dialog, String first, Map<String, List<Object>> own) {
        Set<String> inChain = new HashSet<>();
        for (List<Object> c : own.values()) {
            if (c.get(10) != null) {
                inChain.add((String) c.get(1));
                if (!own.containsKey(c.get(10))) {
                    problems.add("Control " + dialog + "/" + c.get(1) + ": Control_Next " + c.get(10) + " is not a control of the dialog");
                    return;
                }
            } else if (FOCUSABLE.contains(c.get(2))) {
                problems.add("Control " + dialog + "/" + c.get(1) + ": a " + c.get(2) + " outside the tab chain");
            }
        }
        if (!inChain.contains(first)) {
            problems.add("Dialog " + dialog + ": Control_First " + first + " is not in the tab chain");
            return;
        }
        Set<String> seen = new LinkedHashSet<>();
        String at = first;
        while (seen.add(at)) {
            Object next = own.get(at).get(10);
            if (next == null) {
                problems.add("Dialog " + dialog + ": the tab chain stops at " + at);
                return;
            }
            at = (String) next;
        }
        if (!at.equals(first)) {
            problems.add("Dialog " + dialog + ": the tab chain loops back to " + at + ", not to " + first);
        }
        if (!seen.equals(inChain)) {
            Set<String> outside = new HashSet<>(inChain);
            outside.removeAll(seen);
            problems.add("Dialog " + dialog + ": controls with a Control_Next outside the cycle: " + outside);
        }
    }

    /** Properties referenced as [Name] in a formatted text or condition exist (or are set at run time). */
    private static void checkTitleRefs(List<String> problems, String where, String text, Set<String> properties) {
        if (text == null) {
            return;
        }
        Matcher m = PROPERTY_REF.matcher(text);
        while (m.find()) {
            String p = m.group(1);
            if (!properties.contains(p) && !p.matches("\\d+")) {
                problems.add(where + ": [" + p + "] is never set");
            }
        }
    }

    // ---- helpers ----------------------------------------------------------------------------

    private static Table table(MsiDatabase db, String name) {
        return db.existingTable(name).orElseThrow(() -> new AssertionError("no table " + name));
    }

    private static String value(MsiDatabase db, String table, String key) {
        return table(db, table).get(key).map(r -> (String) r.get(1)).orElse(null);
    }

    private static Set<String> dialogs(MsiDatabase db) {
        Set<String> out = new HashSet<>();
        table(db, "Dialog").rows().forEach(r -> out.add((String) r.get(0)));
        return out;
    }

    /** The events of one control as "Event Argument [Condition]", in their Ordering. */
    private static List<String> events(MsiDatabase db, String dialog, String control) {
        return table(db, "ControlEvent").rows().stream()
                .filter(r -> r.get(0).equals(dialog) && r.get(1).equals(control))
                .sorted(java.util.Comparator.comparing(r -> (Integer) r.get(5)))
                .map(r -> r.get(2) + " " + r.get(3) + " [" + r.get(4) + "]")
                .toList();
    }

    private static List<String> conditions(MsiDatabase db, String dialog, String control) {
        return table(db, "ControlCondition").rows().stream()
                .filter(r -> r.get(0).equals(dialog) && r.get(1).equals(control))
                .map(r -> r.get(2) + " " + r.get(3))
                .toList();
    }

    private static Map<String, Integer> sequence(MsiDatabase db, String name) {
        Map<String, Integer> out = new TreeMap<>();
        table(db, name).rows().forEach(r -> out.put((String) r.get(0), (Integer) r.get(2)));
        return out;
    }

    private static byte[] bytes(Object binary) {
        try (InputStream in = ((BinaryValue) binary).open()) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** The RGB of pixel (x, y) (top row 0) of an 8- or 24-bit BMP. */
    private static int pixel(byte[] bmp, int x, int y) {
        ByteBuffer b = ByteBuffer.wrap(bmp).order(ByteOrder.LITTLE_ENDIAN);
        int w = b.getInt(18);
        int h = b.getInt(22);
        int bpp = b.getShort(28);
        int rowBytes = ((w * bpp / 8) + 3) & ~3;
        int row = b.getInt(10) + (h - 1 - y) * rowBytes;
        if (bpp == 8) {
            int index = bmp[row + x] & 0xFF;
            int p = 54 + index * 4;
            return (bmp[p] & 0xFF) | (bmp[p + 1] & 0xFF) << 8 | (bmp[p + 2] & 0xFF) << 16;
        }
        int p = row + x * 3;
        return (bmp[p] & 0xFF) | (bmp[p + 1] & 0xFF) << 8 | (bmp[p + 2] & 0xFF) << 16;
    }
}
