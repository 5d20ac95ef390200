package io.packyard.formats.msi;

import io.packyard.msi.db.MsiDatabase;
import io.packyard.msi.db.StandardTables;
import io.packyard.msi.db.Table;
import io.packyard.python.PackyardException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The user interface of a Packyard .msi: the dialogs of a classic installation wizard, written
 * into the database as Windows Installer tables.
 *
 * <h2>Flow</h2>
 * First installation: <b>WelcomeDlg</b> (the dialog bitmap) &rarr; <b>LicenseAgreementDlg</b> (the
 * EULA in a ScrollableText; Next stays disabled until "I accept" is ticked; left out without an
 * EULA) &rarr; <b>InstallDirDlg</b> (a PathEdit on the installation directory, "Change..." opens
 * <b>BrowseDlg</b>, "Disk Usage..." opens <b>DiskCostDlg</b>; Next applies the folder with the
 * SetTargetPath event, which refuses an invalid path) &rarr; <b>VerifyReadyDlg</b> ("Install",
 * with the UAC shield for per-machine installs; not enough space opens <b>OutOfDiskDlg</b> or
 * <b>OutOfRbDiskDlg</b>) &rarr; <b>ProgressDlg</b> (a ProgressBar subscribed to SetProgress and the
 * current ActionText) &rarr; <b>ExitDialog</b>.
 * <br>Already installed: <b>MaintenanceWelcomeDlg</b> &rarr; <b>MaintenanceTypeDlg</b> (Repair or
 * Remove) &rarr; <b>VerifyReadyDlg</b> ("Repair" or "Remove") &rarr; ProgressDlg &rarr; ExitDialog. A
 * suspended installation shows <b>ResumeDlg</b>.
 * <br>Always present: <b>PrepareDlg</b> (while the UI sequence starts), <b>CancelDlg</b> (Cancel on
 * every page asks first), <b>ErrorDlg</b> (the ErrorDialog property), <b>FilesInUse</b> and
 * <b>MsiRMFilesInUse</b> (files locked by running programs, with and without the Restart
 * Manager), <b>UserExit</b> (cancelled) and <b>FatalError</b> (failed).
 *
 * <p>Dialogs are the standard 370&times;270 dialog units, with Back/Next/Cancel at the bottom right;
 * texts name the product through {@code [ProductName]}. The layout and the control events follow the
 * conventions of the Windows Installer SDK that the WiX toolset's WixUI_InstallDir also follows
 * (SetTargetPath, SpawnDialog, NewDialog, EndDialog Return/Exit, an indirect {@code _BrowseProperty});
 * the dialog set and texts are Packyard's own. Nothing needs a custom action, so the package stays
 * free of DLLs.
 *
 * <h2>Tables written</h2>
 * Dialog, Control, ControlEvent, ControlCondition, EventMapping, TextStyle, UIText, RadioButton,
 * CheckBox, ActionText (progress texts of the standard actions), Binary (the bitmaps and icons),
 * Property (DefaultUIFont, ErrorDialog and the UI's own properties; ProductName only if missing),
 * InstallUISequence (the dialog rows), AdminUISequence (exit dialogs and a minimal sequence) and,
 * if the database has none yet, a minimal AdminExecuteSequence.
 *
 * <p>The caller (MsiFormat) must have written the Directory row of
 * {@link Options#installDirProperty()} and the InstallUISequence rows of the standard actions
 * (ExecuteAction at least, CostFinalize and the other costing actions before it); the dialog rows are
 * placed relative to them: ProgressDlg just before ExecuteAction, the welcome dialogs just before
 * it, PrepareDlg just before AppSearch (or CostInitialize), the exit dialogs at -1, -2, -3.
 */
public final class MsiUserInterface {

    // Text styles.
    static final String FONT_NORMAL = "PackyardUI_Normal";
    static final String FONT_TITLE = "PackyardUI_Title";
    static final String FONT_BIG = "PackyardUI_Big";

    // Binary rows.
    static final String BMP_DIALOG = "PackyardUI_Dialog";
    static final String BMP_BANNER = "PackyardUI_Banner";
    static final String ICO_EXCLAMATION = "PackyardUI_Exclamation";
    static final String ICO_INFO = "PackyardUI_Info";
    static final String ICO_UP = "PackyardUI_Up";
    static final String ICO_NEW = "PackyardUI_New";

    // Properties of the UI.
    /** The name of the installation directory's property (indirection for the PathEdit). */
    static final String P_INSTALLDIR = "PackyardUI_InstallDir";
    /** The directory property the browse dialog works on (indirect). */
    static final String P_BROWSE = "_BrowseProperty";
    /** "Repair" or "Remove" once chosen in the maintenance dialog. */
    static final String P_MODE = "PackyardUI_Mode";
    /** UseRM or DontUseRM, the choice in MsiRMFilesInUse. */
    static final String P_RM = "PackyardUI_RMOption";
    /** "1" once the licence is accepted. */
    static final String P_LICENSE = "LicenseAccepted";

    /** How messages name the EULA setting. */
    private static final String EULA_KEY = "[tool.packyard.msi].eula";

    private static final int W = 370;
    private static final int H = 270;
    private static final String TITLE = "[ProductName] Setup";

    // Button row.
    private static final int BY = 243;
    private static final int BW = 56;
    private static final int BH = 17;
    private static final int BACK_X = 180;
    private static final int NEXT_X = 236;
    private static final int CANCEL_X = 304;

    private static final String REMOVING = P_MODE + " = \"Remove\" OR REMOVE~=\"ALL\"";
    private static final String REPAIRING = P_MODE + " = \"Repair\" AND NOT (REMOVE~=\"ALL\")";
    private static final String INSTALLING = "NOT (" + P_MODE + " = \"Remove\" OR " + P_MODE + " = \"Repair\" OR REMOVE~=\"ALL\")";

    private MsiUserInterface() {
    }

    /**
     * What the user interface shows.
     *
     * @param productName the product's display name; used as the ProductName property when the
     *     database has none (the dialog texts say {@code [ProductName]})
     * @param eulaRtf the licence agreement; RTF, or plain text (converted to RTF); absent: no
     *     licence page
     * @param bannerBmp the banner of the inner pages (493&times;58 pixels, BMP); absent: a generated one
     * @param dialogBmp the bitmap of the welcome and finish pages (493&times;312 pixels, BMP); absent:
     *     a generated one
     * @param installDirProperty the Directory key (a property) of the installation folder, e.g.
     *     {@code INSTALLDIR}
     */
    public record Options(String productName, Optional<Path> eulaRtf, Optional<Path> bannerBmp, Optional<Path> dialogBmp,
            String installDirProperty) {

        public Options {
            Objects.requireNonNull(productName, "productName");
            Objects.requireNonNull(eulaRtf, "eulaRtf");
            Objects.requireNonNull(bannerBmp, "bannerBmp");
            Objects.requireNonNull(dialogBmp, "dialogBmp");
            Objects.requireNonNull(installDirProperty, "installDirProperty");
            if (productName.isBlank()) {
                throw new IllegalArgumentException("productName is blank");
            }
            if (!isIdentifier(installDirProperty) || installDirProperty.length() > 72) {
                throw new IllegalArgumentException("installDirProperty '" + installDirProperty + "' is not a property name");
            }
        }
    }

    /**
     * Adds the dialogs and everything they need to {@code db}.
     *
     * @throws PackyardException (config) if the EULA or a bitmap cannot be read or is not what it
     *     should be
     * @throws IllegalStateException if the database lacks what the caller must provide (the
     *     installation directory's Directory row, ExecuteAction in InstallUISequence) or already
     *     has rows this would add
     */
    public static void addTo(MsiDatabase db, Options options) {
        Objects.requireNonNull(db, "db");
        Objects.requireNonNull(options, "options");
        Charset ansi = db.codepage() == 0 || db.codepage() == 65001 ? Charset.forName("windows-1252") : db.charset();
        Optional<String> eula = options.eulaRtf().map(p -> readEula(p, ansi));
        byte[] dialogBmp = options.dialogBmp().map(p -> readBitmap(p, "[tool.packyard.msi].dialog")).orElseGet(MsiUiImages::dialogBitmap);
        byte[] bannerBmp = options.bannerBmp().map(p -> readBitmap(p, "[tool.packyard.msi].banner")).orElseGet(MsiUiImages::bannerBitmap);

        String installDir = options.installDirProperty();
        boolean hasDir = db.existingTable(StandardTables.DIRECTORY.name()).map(t -> t.contains(installDir)).orElse(false);
        if (!hasDir) {
            throw new IllegalStateException("MSI user interface: the Directory table has no row " + installDir
                    + " (the installation folder must exist before the UI is added)");
        }

        List<MsiUiDialog> dialogs = new ArrayList<>();
        dialogs.add(welcome(eula.isPresent()));
        eula.ifPresent(text -> dialogs.add(license(text)));
        dialogs.add(installDir(eula.isPresent()));
        dialogs.add(browse());
        dialogs.add(diskCost());
        dialogs.add(verifyReady());
        dialogs.add(outOfDisk());
        dialogs.add(outOfRollbackDisk());
        dialogs.add(progress());
        dialogs.add(exit());
        dialogs.add(userExit());
        dialogs.add(fatalError());
        dialogs.add(prepare());
        dialogs.add(cancel());
        dialogs.add(error());
        dialogs.add(filesInUse());
        dialogs.add(rmFilesInUse());
        dialogs.add(maintenanceWelcome());
        dialogs.add(maintenanceType());
        dialogs.add(resume());
        for (MsiUiDialog d : dialogs) {
            try {
                d.writeTo(db);
            } catch (IllegalArgumentException e) {
                if (eula.isPresent() && d.name().equals("LicenseAgreementDlg")) {
                    throw PackyardException.config(EULA_KEY + " " + options.eulaRtf().get() + ": " + e.getMessage());
                }
                throw e;
            }
        }

        db.table(StandardTables.TEXT_STYLE)
                .add(FONT_NORMAL, "Tahoma", 8, null, 0)
                .add(FONT_TITLE, "Tahoma", 9, null, 1)
                .add(FONT_BIG, "Tahoma", 12, null, 0);

        db.table(StandardTables.BINARY)
                .add(BMP_DIALOG, dialogBmp)
                .add(BMP_BANNER, bannerBmp)
                .add(ICO_EXCLAMATION, MsiUiImages.exclamationIcon())
                .add(ICO_INFO, MsiUiImages.informationIcon())
                .add(ICO_UP, MsiUiImages.upIcon())
                .add(ICO_NEW, MsiUiImages.newFolderIcon());

        db.table(StandardTables.CHECK_BOX).add(P_LICENSE, "1");
        db.table(StandardTables.RADIO_BUTTON)
                .add(P_RM, 1, "UseRM", 0, 0, 295, 16, "&Close the applications and attempt to restart them.", null)
                .add(P_RM, 2, "DontUseRM", 0, 20, 295, 16, "&Do not close the applications. A reboot will be required.", null);

        Table property = db.table(StandardTables.PROPERTY);
        putIfAbsent(property, "ProductName", options.productName());
        putIfAbsent(property, "DefaultUIFont", FONT_NORMAL);
        putIfAbsent(property, "ErrorDialog", "ErrorDlg");
        putIfAbsent(property, P_INSTALLDIR, installDir);
        putIfAbsent(property, P_BROWSE, installDir);
        putIfAbsent(property, P_RM, "UseRM");

        uiText(db.table(StandardTables.UI_TEXT));
        actionText(db.table(StandardTables.ACTION_TEXT));
        installUiSequence(db.table(StandardTables.INSTALL_UI_SEQUENCE));
        adminSequences(db);
    }

    // ---- first installation -------------------------------------------------------------------

    private static MsiUiDialog welcome(boolean withLicense) {
        MsiUiDialog d = new MsiUiDialog("WelcomeDlg", W, H, MsiUiDialog.WIZARD, TITLE);
        d.bitmap("Bitmap", 0, 0, W, 234, BMP_DIALOG);
        d.line("BottomLine", 0, 234, W);
        d.text("Title", 135, 20, 220, 60, "{\\" + FONT_BIG + "}Welcome to the [ProductName] Setup Wizard").label();
        d.text("Description", 135, 80, 220, 60,
                "The Setup Wizard will install [ProductName] on your computer. Click Next to continue or Cancel to exit the Setup Wizard.")
                .label();
        d.button("Back", BACK_X, BY, BW, BH, "< &Back").disabled();
        d.button("Next", NEXT_X, BY, BW, BH, "&Next >").isDefault()
                .publish("NewDialog", withLicense ? "LicenseAgreementDlg" : "InstallDirDlg");
        cancelButton(d);
        d.first("Next");
        return d;
    }

    private static MsiUiDialog license(String rtf) {
        MsiUiDialog d = new MsiUiDialog("LicenseAgreementDlg", W, H, MsiUiDialog.WIZARD, TITLE);
        banner(d, "End-User License Agreement", "Please read the following license agreement carefully.");
        d.add("LicenseText", "ScrollableText", 20, 60, 330, 140).attributes(MsiUiDialog.C_SUNKEN).text(rtf).tab();
        d.add("LicenseAcceptedCheckBox", "CheckBox", 20, 207, 330, 18).property(P_LICENSE)
                .text("I &accept the terms in the License Agreement").tab();
        d.button("Back", BACK_X, BY, BW, BH, "< &Back").publish("NewDialog", "WelcomeDlg");
        d.button("Next", NEXT_X, BY, BW, BH, "&Next >").isDefault()
                .publish("NewDialog", "InstallDirDlg", P_LICENSE + " = \"1\"")
                .when("Disable", P_LICENSE + " <> \"1\"")
                .when("Enable", P_LICENSE + " = \"1\"");
        cancelButton(d);
        d.first("LicenseAcceptedCheckBox");
        return d;
    }

    private static MsiUiDialog installDir(boolean withLicense) {
        MsiUiDialog d = new MsiUiDialog("InstallDirDlg", W, H, MsiUiDialog.WIZARD, TITLE);
        banner(d, "Destination Folder", "Click Next to install to the default folder or click Change to choose another.");
        d.text("FolderLabel", 20, 60, 320, 12, "Install [ProductName] to:").attributes(MsiUiDialog.C_NOPREFIX);
        d.add("Folder", "PathEdit", 20, 74, 330, 18).property(P_INSTALLDIR).attributes(MsiUiDialog.C_INDIRECT).tab();
        d.button("ChangeFolder", 20, 96, 56, 17, "&Change...")
                .setProperty(P_BROWSE, "[" + P_INSTALLDIR + "]", "1")
                .publish("SpawnDialog", "BrowseDlg");
        d.button("DiskCost", 82, 96, 70, 17, "&Disk Usage...").publish("SpawnDialog", "DiskCostDlg");
        d.button("Back", BACK_X, BY, BW, BH, "< &Back").publish("NewDialog", withLicense ? "LicenseAgreementDlg" : "WelcomeDlg");
        // SetTargetPath checks the folder (a failure stops the events after it) and makes it the
        // installation directory; only then does the wizard move on.
        d.button("Next", NEXT_X, BY, BW, BH, "&Next >").isDefault()
                .publish("SetTargetPath", "[" + P_INSTALLDIR + "]")
                .publish("NewDialog", "VerifyReadyDlg");
        cancelButton(d);
        d.first("Folder");
        return d;
    }

    private static MsiUiDialog browse() {
        MsiUiDialog d = new MsiUiDialog("BrowseDlg", W, H, MsiUiDialog.WIZARD, TITLE);
        banner(d, "Change Destination Folder", "Browse to the destination folder.");
        d.text("ComboLabel", 25, 58, 44, 10, "&Look in:").tab();
        d.add("DirectoryCombo", "DirectoryCombo", 70, 55, 220, 80).property(P_BROWSE)
                .attributes(MsiUiDialog.C_INDIRECT | MsiUiDialog.C_FIXED_VOLUME | MsiUiDialog.C_REMOTE_VOLUME)
                .subscribe("IgnoreChange", "IgnoreChange").tab();
        d.button("Up", 298, 55, 19, 19, ICO_UP).tooltip("Up one level")
                .attributes(MsiUiDialog.C_ICON | MsiUiDialog.C_FIXED_SIZE | MsiUiDialog.C_ICON_SIZE_16)
                .publish("DirectoryListUp", "0");
        d.button("NewFolder", 325, 55, 19, 19, ICO_NEW).tooltip("Create a new folder")
                .attributes(MsiUiDialog.C_ICON | MsiUiDialog.C_FIXED_SIZE | MsiUiDialog.C_ICON_SIZE_16)
                .publish("DirectoryListNew", "0");
        d.add("DirectoryList", "DirectoryList", 25, 83, 320, 98).property(P_BROWSE)
                .attributes(MsiUiDialog.C_INDIRECT | MsiUiDialog.C_SUNKEN).tab();
        d.text("PathLabel", 25, 190, 320, 10, "&Folder name:").tab();
        d.add("PathEdit", "PathEdit", 25, 202, 320, 18).property(P_BROWSE).attributes(MsiUiDialog.C_INDIRECT).tab();
        d.button("OK", 240, BY, BW, BH, "OK").isDefault()
                .publish("SetTargetPath", "[" + P_BROWSE + "]")
                .publish("EndDialog", "Return");
        d.button("Cancel", CANCEL_X, BY, BW, BH, "Cancel").isCancel()
                .publish("Reset", "0")
                .publish("EndDialog", "Return");
        d.first("DirectoryCombo");
        return d;
    }

    private static MsiUiDialog diskCost() {
        MsiUiDialog d = new MsiUiDialog("DiskCostDlg", W, H, MsiUiDialog.WIZARD, TITLE);
        banner(d, "Disk Space Requirements", "The disk space required for the installation of [ProductName].");
        d.text("Text", 20, 53, 330, 50,
                "The list below shows the disk space available and required on each volume. Highlighted volumes do not have "
                        + "enough free space: free some space on them, choose another destination folder, or cancel the installation.");
        volumeList(d, false);
        d.button("OK", CANCEL_X, BY, BW, BH, "OK").isDefault().isCancel().publish("EndDialog", "Return");
        return d;
    }

    private static MsiUiDialog verifyReady() {
        MsiUiDialog d = new MsiUiDialog("VerifyReadyDlg", W, H, MsiUiDialog.WIZARD | MsiUiDialog.TRACK_DISK_SPACE, TITLE);
        d.bitmap("BannerBitmap", 0, 0, W, 44, BMP_BANNER);
        d.line("BannerLine", 0, 44, W);
        d.line("BottomLine", 0, 234, W);
        modeText(d, "Install", "NOT Installed", "Ready to install [ProductName]",
                "Click Install to begin the installation. Click Back to review or change the destination folder. "
                        + "Click Cancel to exit the wizard.");
        modeText(d, "Repair", P_MODE + " = \"Repair\"", "Ready to repair [ProductName]",
                "Click Repair to repair the installation of [ProductName]: missing or damaged files, shortcuts and registry "
                        + "entries are put back. Click Back to choose another operation. Click Cancel to exit the wizard.");
        modeText(d, "Remove", P_MODE + " = \"Remove\"", "Ready to remove [ProductName]",
                "Click Remove to remove [ProductName] from your computer. Click Back to choose another operation. "
                        + "Click Cancel to exit the wizard.");

        // The action button: one per mode (and the UAC shield only where elevation happens).
        MsiUiDialog.Control install = d.button("Install", 212, BY, 80, BH, "&Install").hidden().disabled()
                .attributes(MsiUiDialog.C_ELEVATION_SHIELD)
                .when("Show", "NOT Installed AND ALLUSERS").when("Enable", "NOT Installed").when("Default", "NOT Installed");
        install.isDefault();
        endWithDiskCheck(install, "NOT Installed", List.of());
        MsiUiDialog.Control installNoShield = d.button("InstallNoShield", 212, BY, 80, BH, "&Install").hidden().disabled()
                .when("Show", "NOT Installed AND NOT ALLUSERS").when("Enable", "NOT Installed").when("Default", "NOT Installed");
        endWithDiskCheck(installNoShield, "NOT Installed", List.of());
        MsiUiDialog.Control repair = d.button("Repair", 212, BY, 80, BH, "&Repair").hidden().disabled()
                .when("Show", P_MODE + " = \"Repair\"").when("Enable", P_MODE + " = \"Repair\"")
                .when("Default", P_MODE + " = \"Repair\"");
        endWithDiskCheck(repair, P_MODE + " = \"Repair\"",
                List.<String[]>of(new String[] {"ReinstallMode", "ecmus"}, new String[] {"Reinstall", "ALL"}));
        MsiUiDialog.Control remove = d.button("Remove", 212, BY, 80, BH, "Re&move").hidden().disabled()
                .when("Show", P_MODE + " = \"Remove\"").when("Enable", P_MODE + " = \"Remove\"");
        // The Remove event sets the features' states; REMOVE=ALL says the same as a property, which
        // is what reaches the execute sequence when it computes the states again (Wine relies on it).
        endWithDiskCheck(remove, P_MODE + " = \"Remove\"",
                List.<String[]>of(new String[] {"[REMOVE]", "ALL"}, new String[] {"Remove", "ALL"}));

        d.button("Back", 156, BY, BW, BH, "< &Back")
                .publish("NewDialog", "InstallDirDlg", "NOT Installed")
                .publish("NewDialog", "MaintenanceTypeDlg", "Installed")
                .when("Default", P_MODE + " = \"Remove\"");
        cancelButton(d);
        d.first("Install");
        return d;
    }

    /** A title and a text shown only in one mode of VerifyReadyDlg. */
    private static void modeText(MsiUiDialog d, String mode, String condition, String title, String text) {
        d.text(mode + "Title", 15, 15, 300, 15, "{\\" + FONT_TITLE + "}" + title).label().hidden().when("Show", condition);
        d.text(mode + "Text", 25, 70, 320, 80, text).attributes(MsiUiDialog.C_NOPREFIX).hidden().when("Show", condition);
    }

    /**
     * The events of an action button of VerifyReadyDlg: run {@code before} and end the wizard when
     * there is enough disk space; otherwise offer to install without rollback (OutOfRbDiskDlg) or
     * say that the space is missing (OutOfDiskDlg), following PROMPTROLLBACKCOST (P: prompt, the
     * default; D: disable rollback silently; F: fail). Every event is also conditioned on
     * {@code guard} (the button's mode), so that a hidden button's events never run in the wrong
     * mode even where Enter reaches the dialog's Control_Default directly (Wine).
     */
    private static void endWithDiskCheck(MsiUiDialog.Control button, String guard, List<String[]> before) {
        String g = guard == null ? "" : "(" + guard + ") AND ";
        for (String[] e : before) {
            button.publish(e[0], e[1], g + "OutOfDiskSpace <> 1");
        }
        button.publish("EndDialog", "Return", g + "OutOfDiskSpace <> 1");
        button.publish("SpawnDialog", "OutOfRbDiskDlg",
                g + "OutOfDiskSpace = 1 AND OutOfNoRbDiskSpace = 0 AND (PROMPTROLLBACKCOST=\"P\" OR NOT PROMPTROLLBACKCOST)");
        button.publish("EnableRollback", "False", g + "OutOfDiskSpace = 1 AND OutOfNoRbDiskSpace = 0 AND PROMPTROLLBACKCOST=\"D\"");
        button.publish("EndDialog", "Return", g + "OutOfDiskSpace = 1 AND OutOfNoRbDiskSpace = 0 AND PROMPTROLLBACKCOST=\"D\"");
        button.publish("SpawnDialog", "OutOfDiskDlg",
                g + "((OutOfDiskSpace = 1 AND OutOfNoRbDiskSpace = 1) OR (OutOfDiskSpace = 1 AND PROMPTROLLBACKCOST=\"F\"))");
    }

    private static MsiUiDialog outOfDisk() {
        MsiUiDialog d = new MsiUiDialog("OutOfDiskDlg", W, H, MsiUiDialog.WIZARD, TITLE);
        banner(d, "Out of Disk Space", "The installation needs more disk space than is available.");
        d.text("Text", 20, 53, 330, 50,
                "The highlighted volumes do not have enough free space. Free some space on them, or go back and choose "
                        + "another destination folder.");
        volumeList(d, false);
        d.button("OK", CANCEL_X, BY, BW, BH, "OK").isDefault().isCancel().publish("EndDialog", "Return");
        return d;
    }

    private static MsiUiDialog outOfRollbackDisk() {
        MsiUiDialog d = new MsiUiDialog("OutOfRbDiskDlg", W, H, MsiUiDialog.WIZARD, TITLE);
        banner(d, "Out of Disk Space", "The installation needs more disk space than is available.");
        d.text("Text", 20, 53, 330, 50,
                "The highlighted volumes do not have enough free space to keep a backup of the files being replaced. "
                        + "Without it, a failed installation cannot be undone. Continue without this safety net?");
        volumeList(d, true);
        d.button("Yes", 240, BY, BW, BH, "&Yes")
                .publish("EnableRollback", "False")
                .publish("EndDialog", "Return");
        d.button("No", CANCEL_X, BY, BW, BH, "&No").isDefault().isCancel().publish("EndDialog", "Return");
        d.first("No");
        return d;
    }

    private static void volumeList(MsiUiDialog d, boolean rollback) {
        int attrs = MsiUiDialog.C_SUNKEN | MsiUiDialog.C_FIXED_VOLUME | MsiUiDialog.C_REMOTE_VOLUME
                | (rollback ? MsiUiDialog.C_SHOW_ROLLBACK_COST : 0);
        d.add("VolumeList", "VolumeCostList", 20, 105, 330, 120).attributes(attrs).text("{100}{55}{55}{55}{55}").tab();
    }

    private static MsiUiDialog progress() {
        MsiUiDialog d = new MsiUiDialog("ProgressDlg", W, H, MsiUiDialog.MODELESS, TITLE);
        d.bitmap("BannerBitmap", 0, 0, W, 44, BMP_BANNER);
        d.line("BannerLine", 0, 44, W);
        d.line("BottomLine", 0, 234, W);
        progressText(d, "Installing", INSTALLING, "Installing [ProductName]",
                "Please wait while the Setup Wizard installs [ProductName].");
        progressText(d, "Repairing", REPAIRING, "Repairing [ProductName]",
                "Please wait while the Setup Wizard repairs [ProductName].");
        progressText(d, "Removing", REMOVING, "Removing [ProductName]",
                "Please wait while the Setup Wizard removes [ProductName].");
        d.text("StatusLabel", 20, 100, 50, 10, "Status:");
        d.text("ActionText", 70, 100, 280, 10, null).attributes(MsiUiDialog.C_NOPREFIX).subscribe("ActionText", "Text");
        d.add("ProgressBar", "ProgressBar", 20, 115, 330, 10).attributes(MsiUiDialog.C_PROGRESS95).text("Progress done")
                .subscribe("SetProgress", "Progress");
        d.text("ActionData", 20, 130, 330, 30, null).attributes(MsiUiDialog.C_NOPREFIX).subscribe("ActionData", "Text");
        d.button("Back", BACK_X, BY, BW, BH, "< &Back").disabled();
        d.button("Next", NEXT_X, BY, BW, BH, "&Next >").disabled();
        d.button("Cancel", CANCEL_X, BY, BW, BH, "Cancel").isDefault().isCancel().publish("SpawnDialog", "CancelDlg");
        d.first("Cancel");
        return d;
    }

    private static void progressText(MsiUiDialog d, String mode, String condition, String title, String text) {
        d.text("Title" + mode, 20, 15, 330, 15, "{\\" + FONT_TITLE + "}" + title).label().hidden().when("Show", condition);
        d.text("Text" + mode, 20, 65, 330, 30, text).attributes(MsiUiDialog.C_NOPREFIX).hidden().when("Show", condition);
    }

    private static MsiUiDialog exit() {
        MsiUiDialog d = bitmapPage("ExitDialog", "Completed the [ProductName] Setup Wizard",
                "Click the Finish button to exit the Setup Wizard.");
        d.button("Back", BACK_X, BY, BW, BH, "< &Back").disabled();
        d.button("Finish", NEXT_X, BY, BW, BH, "&Finish").isDefault().isCancel().publish("EndDialog", "Return");
        d.button("Cancel", CANCEL_X, BY, BW, BH, "Cancel").disabled();
        d.first("Finish");
        return d;
    }

    private static MsiUiDialog userExit() {
        MsiUiDialog d = bitmapPage("UserExit", "[ProductName] Setup Wizard was interrupted",
                "The installation of [ProductName] was cancelled. Your system has not been modified. To install the "
                        + "program later, run the installation again.\r\n\r\nClick the Finish button to exit the Setup Wizard.");
        d.button("Back", BACK_X, BY, BW, BH, "< &Back").disabled();
        d.button("Finish", NEXT_X, BY, BW, BH, "&Finish").isDefault().isCancel().publish("EndDialog", "Exit");
        d.button("Cancel", CANCEL_X, BY, BW, BH, "Cancel").disabled();
        d.first("Finish");
        return d;
    }

    private static MsiUiDialog fatalError() {
        MsiUiDialog d = bitmapPage("FatalError", "[ProductName] Setup Wizard ended prematurely",
                "The Setup Wizard ended prematurely because of an error. Your system has not been modified. To install the "
                        + "program later, run the installation again.\r\n\r\nClick the Finish button to exit the Setup Wizard.");
        d.button("Back", BACK_X, BY, BW, BH, "< &Back").disabled();
        d.button("Finish", NEXT_X, BY, BW, BH, "&Finish").isDefault().isCancel().publish("EndDialog", "Exit");
        d.button("Cancel", CANCEL_X, BY, BW, BH, "Cancel").disabled();
        d.first("Finish");
        return d;
    }

    private static MsiUiDialog prepare() {
        MsiUiDialog d = new MsiUiDialog("PrepareDlg", W, H, MsiUiDialog.MODELESS, TITLE);
        d.bitmap("Bitmap", 0, 0, W, 234, BMP_DIALOG);
        d.line("BottomLine", 0, 234, W);
        d.text("Title", 135, 20, 220, 60, "{\\" + FONT_BIG + "}Welcome to the [ProductName] Setup Wizard").label();
        d.text("Description", 135, 70, 220, 30,
                "Please wait while the Setup Wizard prepares to guide you through the installation.").label();
        d.text("ActionText", 135, 110, 220, 20, null).label().subscribe("ActionText", "Text");
        d.text("ActionData", 135, 135, 220, 30, null).label().subscribe("ActionData", "Text");
        d.button("Back", BACK_X, BY, BW, BH, "< &Back").disabled();
        d.button("Next", NEXT_X, BY, BW, BH, "&Next >").disabled();
        d.button("Cancel", CANCEL_X, BY, BW, BH, "Cancel").isDefault().isCancel().publish("SpawnDialog", "CancelDlg");
        d.first("Cancel");
        return d;
    }

    private static MsiUiDialog cancel() {
        MsiUiDialog d = new MsiUiDialog("CancelDlg", 260, 85, MsiUiDialog.WIZARD, TITLE);
        d.add("Icon", "Icon", 15, 15, 24, 24).text(ICO_INFO)
                .attributes(MsiUiDialog.C_FIXED_SIZE | MsiUiDialog.C_ICON_SIZE_32).tooltip("Information icon");
        d.text("Text", 48, 15, 194, 30, "Are you sure you want to cancel the installation of [ProductName]?")
                .attributes(MsiUiDialog.C_NOPREFIX);
        d.button("Yes", 72, 57, BW, BH, "&Yes").publish("EndDialog", "Exit");
        d.button("No", 132, 57, BW, BH, "&No").isDefault().isCancel().publish("EndDialog", "Return");
        d.first("No");
        return d;
    }

    private static MsiUiDialog error() {
        MsiUiDialog d = new MsiUiDialog("ErrorDlg", 270, 105, MsiUiDialog.WIZARD | MsiUiDialog.ERROR, TITLE);
        // Windows Installer finds these controls by name: ErrorText gets the message, ErrorIcon the
        // icon, and it shows the buttons the message needs (A, C, I, N, O, R, Y) at the same place.
        d.text("ErrorText", 48, 15, 205, 60, null).attributes(MsiUiDialog.C_NOPREFIX).tab();
        d.add("ErrorIcon", "Icon", 15, 15, 24, 24).text(ICO_EXCLAMATION)
                .attributes(MsiUiDialog.C_FIXED_SIZE | MsiUiDialog.C_ICON_SIZE_32).tooltip("Information icon");
        String[][] buttons = {
            {"Y", "&Yes", "ErrorYes"}, {"A", "Cancel", "ErrorAbort"}, {"C", "Cancel", "ErrorCancel"},
            {"I", "&Ignore", "ErrorIgnore"}, {"N", "&No", "ErrorNo"}, {"O", "OK", "ErrorOk"}, {"R", "&Retry", "ErrorRetry"},
        };
        for (String[] b : buttons) {
            d.button(b[0], 100, 80, BW, BH, b[1]).publish("EndDialog", b[2]);
        }
        d.first("ErrorText");
        return d;
    }

    private static MsiUiDialog filesInUse() {
        MsiUiDialog d = new MsiUiDialog("FilesInUse", W, H, MsiUiDialog.WIZARD | MsiUiDialog.KEEP_MODELESS, TITLE);
        banner(d, "Files in Use", "Some files that need to be updated are in use.");
        d.text("Text", 20, 55, 330, 30,
                "The following applications use files that this setup needs to update. Close them and click Retry, "
                        + "or click Exit to stop the installation.");
        d.add("List", "ListBox", 20, 87, 330, 130).property("FileInUseProcess").attributes(MsiUiDialog.C_SUNKEN).tab();
        d.button("Exit", 166, BY, BW, BH, "E&xit").publish("EndDialog", "Exit");
        d.button("Ignore", 235, BY, BW, BH, "&Ignore").publish("EndDialog", "Ignore");
        d.button("Retry", CANCEL_X, BY, BW, BH, "&Retry").isDefault().isCancel().publish("EndDialog", "Retry");
        d.first("Retry");
        return d;
    }

    private static MsiUiDialog rmFilesInUse() {
        MsiUiDialog d = new MsiUiDialog("MsiRMFilesInUse", W, H, MsiUiDialog.WIZARD | MsiUiDialog.KEEP_MODELESS, TITLE);
        banner(d, "Files in Use", "Some files that need to be updated are in use.");
        d.text("Text", 20, 55, 330, 40,
                "The following applications use files that this setup needs to update. You can let Setup close them and "
                        + "restart them afterwards, or leave them open and restart the computer later.");
        d.add("List", "ListBox", 20, 100, 330, 80).property("FileInUseProcess").attributes(MsiUiDialog.C_SUNKEN).tab();
        d.add("ShutdownOption", "RadioButtonGroup", 26, 190, 305, 40).property(P_RM).tab();
        d.button("OK", 240, BY, BW, BH, "OK").isDefault()
                .publish("EndDialog", "Return")
                .publish("RMShutdownAndRestart", "0", P_RM + "~=\"UseRM\"");
        d.button("Cancel", CANCEL_X, BY, BW, BH, "Cancel").isCancel().publish("EndDialog", "Exit");
        d.first("ShutdownOption");
        return d;
    }

    // ---- maintenance --------------------------------------------------------------------------

    private static MsiUiDialog maintenanceWelcome() {
        MsiUiDialog d = bitmapPage("MaintenanceWelcomeDlg", "Welcome to the [ProductName] Setup Wizard",
                "[ProductName] is installed on this computer. The Setup Wizard can repair the installation or remove "
                        + "[ProductName]. Click Next to continue or Cancel to exit the Setup Wizard.");
        d.button("Back", BACK_X, BY, BW, BH, "< &Back").disabled();
        d.button("Next", NEXT_X, BY, BW, BH, "&Next >").isDefault().publish("NewDialog", "MaintenanceTypeDlg");
        cancelButton(d);
        d.first("Next");
        return d;
    }

    private static MsiUiDialog maintenanceType() {
        MsiUiDialog d = new MsiUiDialog("MaintenanceTypeDlg", W, H, MsiUiDialog.WIZARD, TITLE);
        banner(d, "Repair or Remove", "Select the operation you wish to perform.");
        d.button("RepairButton", 40, 65, 80, BH, "Re&pair").tooltip("Repair the installation")
                .setProperty(P_MODE, "Repair", "1")
                .publish("NewDialog", "VerifyReadyDlg")
                .when("Disable", "ARPNOREPAIR");
        d.text("RepairText", 60, 85, 280, 30,
                "Repairs errors in the installation: puts back missing or damaged files, shortcuts and registry entries.")
                .when("Hide", "ARPNOREPAIR");
        d.button("RemoveButton", 40, 125, 80, BH, "&Remove").tooltip("Remove the product")
                .setProperty(P_MODE, "Remove", "1")
                .publish("NewDialog", "VerifyReadyDlg")
                .when("Disable", "ARPNOREMOVE");
        d.text("RemoveText", 60, 145, 280, 20, "Removes [ProductName] from your computer.")
                .attributes(MsiUiDialog.C_NOPREFIX).when("Hide", "ARPNOREMOVE");
        d.button("Back", BACK_X, BY, BW, BH, "< &Back").publish("NewDialog", "MaintenanceWelcomeDlg");
        d.button("Next", NEXT_X, BY, BW, BH, "&Next >").disabled();
        cancelButton(d);
        d.first("RepairButton");
        return d;
    }

    private static MsiUiDialog resume() {
        MsiUiDialog d = bitmapPage("ResumeDlg", "Resuming the [ProductName] Setup Wizard",
                "The Setup Wizard will complete the installation of [ProductName] on your computer. Click Install to "
                        + "continue or Cancel to exit the Setup Wizard.");
        d.button("Back", BACK_X, BY, BW, BH, "< &Back").disabled();
        MsiUiDialog.Control install = d.button("Install", 212, BY, 80, BH, "&Install").isDefault()
                .attributes(MsiUiDialog.C_ELEVATION_SHIELD).hidden().when("Show", "ALLUSERS").when("Default", "ALLUSERS");
        endWithDiskCheck(install, null, List.of());
        MsiUiDialog.Control installNoShield = d.button("InstallNoShield", 212, BY, 80, BH, "&Install")
                .hidden().when("Show", "NOT ALLUSERS").when("Default", "NOT ALLUSERS");
        endWithDiskCheck(installNoShield, null, List.of());
        cancelButton(d);
        d.first("Install");
        return d;
    }

    // ---- building blocks ----------------------------------------------------------------------

    /** The banner, its rule, the bottom rule, and the title and description over the banner. */
    private static void banner(MsiUiDialog d, String title, String description) {
        d.bitmap("BannerBitmap", 0, 0, W, 44, BMP_BANNER);
        d.line("BannerLine", 0, 44, W);
        d.line("BottomLine", 0, 234, W);
        d.text("Title", 15, 6, 300, 15, "{\\" + FONT_TITLE + "}" + title).label();
        d.text("Description", 25, 22, 290, 20, description).label();
    }

    /** A page with the big bitmap on the left and a title and text on the white part. */
    private static MsiUiDialog bitmapPage(String name, String title, String text) {
        MsiUiDialog d = new MsiUiDialog(name, W, H, MsiUiDialog.WIZARD, TITLE);
        d.bitmap("Bitmap", 0, 0, W, 234, BMP_DIALOG);
        d.line("BottomLine", 0, 234, W);
        d.text("Title", 135, 20, 220, 60, "{\\" + FONT_BIG + "}" + title).label();
        d.text("Description", 135, 80, 220, 110, text).label();
        return d;
    }

    private static void cancelButton(MsiUiDialog d) {
        d.button("Cancel", CANCEL_X, BY, BW, BH, "Cancel").isCancel().publish("SpawnDialog", "CancelDlg");
    }

    private static void putIfAbsent(Table property, String name, String value) {
        if (!property.contains(name)) {
            property.add(name, value);
        }
    }

    // ---- texts --------------------------------------------------------------------------------

    private static void uiText(Table t) {
        String[][] rows = {
            {"AbsentPath", null},
            {"bytes", "bytes"},
            {"KB", "KB"},
            {"MB", "MB"},
            {"GB", "GB"},
            {"NewFolder", "Folder|New Folder"},
            {"ScriptInProgress", "Gathering required information..."},
            {"TimeRemaining", "Time remaining: {[1] minutes }{[2] seconds}"},
            {"VolumeCostAvailable", "Available"},
            {"VolumeCostDifference", "Difference"},
            {"VolumeCostRequired", "Required"},
            {"VolumeCostSize", "Disk Size"},
            {"VolumeCostVolume", "Volume"},
        };
        for (String[] r : rows) {
            if (!t.contains(r[0])) {
                t.add(r[0], r[1]);
            }
        }
    }

    /**
     * The progress texts of the standard actions (ActionText): a description and a template whose
     * [n] fields are the action's ActionData record (field numbers fixed by Windows Installer).
     */
    private static void actionText(Table t) {
        String[][] rows = {
            {"AppSearch", "Searching for installed applications", "Property: [1], Signature: [2]"},
            {"CostFinalize", "Computing space requirements", null},
            {"CostInitialize", "Computing space requirements", null},
            {"CreateFolders", "Creating folders", "Folder: [1]"},
            {"CreateShortcuts", "Creating shortcuts", "Shortcut: [1]"},
            {"DeleteServices", "Deleting services", "Service: [1]"},
            {"FileCost", "Computing space requirements", null},
            {"FindRelatedProducts", "Searching for related applications", "Found application: [1]"},
            {"GenerateScript", "Generating script operations for action:", "[1]"},
            {"InstallAdminPackage", "Copying network install files", "File: [1], Directory: [9], Size: [6]"},
            {"InstallFiles", "Copying new files", "File: [1], Directory: [9], Size: [6]"},
            {"InstallServices", "Installing new services", "Service: [2]"},
            {"InstallValidate", "Validating install", null},
            {"LaunchConditions", "Evaluating launch conditions", null},
            {"MigrateFeatureStates", "Migrating feature states from related applications", "Application: [1]"},
            {"ProcessComponents", "Updating component registration", null},
            {"PublishFeatures", "Publishing product features", "Feature: [1]"},
            {"PublishProduct", "Publishing product information", null},
            {"RegisterProduct", "Registering product", "[1]"},
            {"RegisterUser", "Registering user", "[1]"},
            {"RemoveExistingProducts", "Removing older versions", "Application: [1], Command line: [2]"},
            {"RemoveFiles", "Removing files", "File: [1], Directory: [9]"},
            {"RemoveFolders", "Removing folders", "Folder: [1]"},
            {"RemoveEnvironmentStrings", "Updating environment variables", "Name: [1], Value: [2], Action [3]"},
            {"RemoveRegistryValues", "Removing registry values", "Key: [1], Name: [2]"},
            {"RemoveShortcuts", "Removing shortcuts", "Shortcut: [1]"},
            {"Rollback", "Rolling back action:", "[1]"},
            {"RollbackCleanup", "Removing backup files", "File: [1]"},
            {"StartServices", "Starting services", "Service: [1]"},
            {"StopServices", "Stopping services", "Service: [1]"},
            {"UnpublishFeatures", "Unpublishing product features", "Feature: [1]"},
            {"UnpublishProduct", "Unpublishing product information", null},
            {"WriteEnvironmentStrings", "Updating environment variables", "Name: [1], Value: [2], Action [3]"},
            {"WriteRegistryValues", "Writing registry values", "Key: [1], Name: [2], Value: [3]"},
        };
        for (String[] r : rows) {
            if (!t.contains(r[0])) {
                t.add(r[0], r[1], r[2]);
            }
        }
    }

    // ---- sequences ----------------------------------------------------------------------------

    private static void installUiSequence(Table seq) {
        Map<String, Integer> bySeq = sequenceNumbers(seq);
        Integer execute = bySeq.get("ExecuteAction");
        if (execute == null) {
            throw new IllegalStateException("MSI user interface: InstallUISequence has no ExecuteAction"
                    + " (the standard actions must be sequenced before the UI is added)");
        }
        // The welcome dialogs and the progress dialog run right before ExecuteAction, after the
        // costing actions (so that directory paths are resolved when the wizard shows them).
        int below = 0;
        for (int n : bySeq.values()) {
            if (n > 0 && n < execute) {
                below = Math.max(below, n);
            }
        }
        if (execute - below < 5) {
            throw new IllegalStateException("MSI user interface: InstallUISequence leaves no room for the dialogs between "
                    + below + " and ExecuteAction (" + execute + ")");
        }
        String[][] rows = {
            {"WelcomeDlg", "NOT Installed", String.valueOf(execute - 4)},
            {"ResumeDlg", "Installed AND (RESUME OR Preselected) AND NOT (REMOVE~=\"ALL\")", String.valueOf(execute - 3)},
            {"MaintenanceWelcomeDlg", "Installed AND NOT RESUME AND NOT Preselected", String.valueOf(execute - 2)},
            {"ProgressDlg", null, String.valueOf(execute - 1)},
        };
        for (String[] r : rows) {
            seq.add(r[0], r[1], Integer.parseInt(r[2]));
        }
        // PrepareDlg shows while the first slow actions run.
        Integer anchor = bySeq.getOrDefault("AppSearch", bySeq.get("CostInitialize"));
        if (anchor != null) {
            int slot = freeSlotBefore(bySeq, anchor);
            seq.add("PrepareDlg", null, slot);
        }
        exitDialogs(seq, bySeq, "InstallUISequence");
    }

    private static void adminSequences(MsiDatabase db) {
        Table ui = db.table(StandardTables.ADMIN_UI_SEQUENCE);
        Map<String, Integer> bySeq = sequenceNumbers(ui);
        String[][] standard = {{"CostInitialize", "800"}, {"FileCost", "900"}, {"CostFinalize", "1000"}, {"ExecuteAction", "1300"}};
        for (String[] s : standard) {
            if (!ui.contains(s[0])) {
                ui.add(s[0], null, Integer.parseInt(s[1]));
                bySeq.put(s[0], Integer.parseInt(s[1]));
            }
        }
        ui.add("ProgressDlg", null, freeSlotBefore(bySeq, bySeq.get("ExecuteAction")));
        exitDialogs(ui, bySeq, "AdminUISequence");

        Table exec = db.table(StandardTables.ADMIN_EXECUTE_SEQUENCE);
        if (exec.size() == 0) {
            exec.add("CostInitialize", null, 800)
                    .add("FileCost", null, 900)
                    .add("CostFinalize", null, 1000)
                    .add("InstallValidate", null, 1400)
                    .add("InstallInitialize", null, 1500)
                    .add("InstallAdminPackage", null, 3900)
                    .add("InstallFiles", null, 4000)
                    .add("InstallFinalize", null, 6600);
        }
    }

    private static void exitDialogs(Table seq, Map<String, Integer> bySeq, String table) {
        for (Map.Entry<String, Integer> e : bySeq.entrySet()) {
            if (e.getValue() != null && e.getValue() < 0) {
                throw new IllegalStateException("MSI user interface: " + table + " already has " + e.getKey()
                        + " at " + e.getValue() + " (the exit dialogs need -1, -2 and -3)");
            }
        }
        seq.add("ExitDialog", null, -1);
        seq.add("UserExit", null, -2);
        seq.add("FatalError", null, -3);
    }

    /** Action name to sequence number (null for unsequenced rows). */
    private static Map<String, Integer> sequenceNumbers(Table seq) {
        Map<String, Integer> out = new TreeMap<>();
        for (List<Object> row : seq.rows()) {
            out.put((String) row.get(0), (Integer) row.get(2));
        }
        return out;
    }

    /** The highest sequence number below {@code anchor} that no action uses and is above all that are below it. */
    private static int freeSlotBefore(Map<String, Integer> bySeq, int anchor) {
        int below = 0;
        for (Integer n : bySeq.values()) {
            if (n != null && n > 0 && n < anchor) {
                below = Math.max(below, n);
            }
        }
        if (anchor - below < 2) {
            throw new IllegalStateException("MSI user interface: no free sequence number between " + below + " and " + anchor);
        }
        return anchor - 1;
    }

    // ---- inputs -------------------------------------------------------------------------------

    /**
     * The EULA as RTF text: an RTF file as is (stray 8-bit bytes decoded in {@code ansi}, the
     * database's ANSI code page), or UTF-8 plain text converted to RTF.
     */
    static String readEula(Path path, Charset ansi) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (IOException e) {
            throw PackyardException.config(EULA_KEY + " " + path + ": " + describe(e));
        }
        if (bytes.length == 0) {
            throw PackyardException.config(EULA_KEY + " " + path + ": the file is empty");
        }
        int start = bytes.length >= 3 && (bytes[0] & 0xFF) == 0xEF && (bytes[1] & 0xFF) == 0xBB && (bytes[2] & 0xFF) == 0xBF ? 3 : 0;
        String head = new String(bytes, start, Math.min(6, bytes.length - start), StandardCharsets.ISO_8859_1);
        if (head.startsWith("{\\rtf")) {
            // RTF is 7-bit text with escapes for everything else; stray 8-bit bytes are taken in the
            // ANSI code page, as RTF readers do.
            return new String(bytes, start, bytes.length - start, ansi);
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, start, bytes.length - start)).toString();
        } catch (CharacterCodingException e) {
            throw PackyardException.config(EULA_KEY + " " + path + ": neither RTF (starting with {\\rtf) nor UTF-8 text");
        }
        return plainTextToRtf(text);
    }

    /**
     * Plain text as RTF: paragraphs from line breaks, {@code \ { }} escaped, characters outside
     * ASCII as {@code \}{@code uN?} escapes (so the result is ASCII whatever the code page).
     */
    static String plainTextToRtf(String text) {
        StringBuilder sb = new StringBuilder("{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0\\fswiss Tahoma;}}"
                + "\\viewkind4\\uc1\\pard\\f0\\fs16 ");
        String normalized = text.replace("\r\n", "\n").replace('\r', '\n');
        for (int i = 0; i < normalized.length(); i++) {
            char c = normalized.charAt(i);
            switch (c) {
                case '\\', '{', '}' -> sb.append('\\').append(c);
                case '\n' -> sb.append("\\par\r\n");
                case '\t' -> sb.append("\\tab ");
                default -> {
                    if (c < 0x20) {
                        // other control characters carry nothing
                    } else if (c < 0x80) {
                        sb.append(c);
                    } else {
                        sb.append("\\u").append((int) (short) c).append('?');
                    }
                }
            }
        }
        return sb.append("\\par\r\n}").toString();
    }

    /** The bytes of a user-supplied bitmap, checked to be a BMP that Windows can load. */
    static byte[] readBitmap(Path path, String what) {
        byte[] bytes;
        try (InputStream in = Files.newInputStream(path)) {
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw PackyardException.config(what + " " + path + ": " + describe(e));
        }
        if (bytes.length < 54 || bytes[0] != 'B' || bytes[1] != 'M') {
            throw PackyardException.config(what + " " + path + ": not a BMP file (expected the \"BM\" signature)");
        }
        int headerSize = le32(bytes, 14);
        if (headerSize < 12) {
            throw PackyardException.config(what + " " + path + ": damaged BMP header");
        }
        return bytes;
    }

    private static String describe(IOException e) {
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        return "cannot read: " + e.getMessage();
    }

    private static int le32(byte[] b, int off) {
        return (b[off] & 0xFF) | (b[off + 1] & 0xFF) << 8 | (b[off + 2] & 0xFF) << 16 | (b[off + 3] & 0xFF) << 24;
    }

    private static boolean isIdentifier(String s) {
        if (s.isEmpty()) {
            return false;
        }
        char c0 = s.charAt(0);
        if (!(c0 == '_' || Character.isLetter(c0) && c0 < 0x80)) {
            return false;
        }
        for (int i = 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c == '_' || c == '.' || (c < 0x80 && Character.isLetterOrDigit(c)))) {
                return false;
            }
        }
        return true;
    }

}
