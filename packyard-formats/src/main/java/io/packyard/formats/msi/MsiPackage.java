package io.packyard.formats.msi;

import io.packyard.bundle.Bundle;
import io.packyard.bundle.BundleEntry;
import io.packyard.bundle.BundleMetadata;
import io.packyard.bundle.Command;
import io.packyard.bundle.Target;
import io.packyard.bundle.WindowsOptions;
import io.packyard.msi.db.MsiDatabase;
import io.packyard.msi.db.MsiVersion;
import io.packyard.msi.db.StandardTables;
import io.packyard.msi.db.Table;
import io.packyard.python.PackyardException;
import io.packyard.python.util.Progress;
import io.packyard.python.wheel.WindowsLauncherWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/**
 * Everything of a Packyard MSI except its files and its dialogs: the product's identity, the
 * upgrade logic, the registry, PATH, shortcuts, Add/Remove Programs, the launch conditions, the
 * install hooks and the sequences that run them. {@link #plan} checks the bundle and its
 * {@code [tool.packyard.msi]} options and resolves every name first, so a bad input fails before
 * anything is compressed; {@link #addTo} writes the rows. Each rule is documented where it is
 * written; {@link MsiFormat} gives the overview.
 */
final class MsiPackage {
    /** The one feature. */
    static final String FEATURE = "Complete";
    /** The Directory key (a public property) of the installation folder. */
    static final String INSTALLDIR = "INSTALLDIR";
    /** The previously installed PEP 440 version (AppSearch; empty on a first install). */
    static final String PREVIOUSVERSION = "PREVIOUSVERSION";
    /** Set to 1 on the command line to skip the hooks. */
    static final String NO_CUSTOM_ACTIONS = "NO_CUSTOM_ACTIONS";
    /** Upgrade table action properties. */
    static final String UPGRADE_DETECTED = "PACKYARD_UPGRADE_DETECTED";
    static final String DOWNGRADE_DETECTED = "PACKYARD_DOWNGRADE_DETECTED";
    /** AppSearch results for the install directory. */
    static final String PREVIOUS_INSTALLDIR = "PACKYARD_PREVIOUS_INSTALLDIR";
    static final String EXISTING_INSTALLDIR = "PACKYARD_EXISTING_INSTALLDIR";
    static final String EXISTING_INSTALLDIR32 = "PACKYARD_EXISTING_INSTALLDIR32";
    /** Set on a real uninstall only: the folder of the hooks' log, which RemoveFile then deletes. */
    static final String LOG_DIR = "PACKYARD_LOGDIR";
    /** The components that are not directories of the bundle. */
    static final String REGISTRATION = "Registration";
    static final String SHORTCUTS = "Shortcuts";
    static final String MENU_FOLDER = "ProductMenuFolder";
    static final String ICON = "ProductIcon.ico";

    /** msidbComponentAttributesRegistryKeyPath | msidbComponentAttributes64bit. */
    static final int REGISTRY_KEY_PATH_64 = 4 | MsiFileTree.COMPONENT_64BIT;
    /** msidbLocatorTypeRawValue | msidbLocatorType64bit. */
    static final int LOCATOR_RAW_64 = 2 | 16;
    /** msidbLocatorTypeDirectory | msidbLocatorType64bit. */
    static final int LOCATOR_DIRECTORY_64 = 16;
    /** msidbLocatorTypeDirectory (32-bit registry view). */
    static final int LOCATOR_DIRECTORY_32 = 0;
    /** msidbCustomActionTypeTextData | msidbCustomActionTypeProperty: set a property, immediately. */
    static final int CA_SET_PROPERTY = 51;
    /** msidbCustomActionTypeExe | msidbCustomActionTypeSourceFile: run an installed .exe. */
    static final int CA_EXE_FROM_FILE = 2 | 16;
    /** msidbCustomActionTypeInScript: deferred, runs in the installation script. */
    static final int CA_IN_SCRIPT = 0x400;
    /** msidbCustomActionTypeNoImpersonate: runs as LocalSystem in a per-machine install. */
    static final int CA_NO_IMPERSONATE = 0x800;
    /** msidbCustomActionTypeContinue: the exit code is ignored. */
    static final int CA_CONTINUE = 0x40;

    /** Condition of the hooks: not when NO_CUSTOM_ACTIONS is 1. */
    static final String HOOKS_ALLOWED = "NOT (" + NO_CUSTOM_ACTIONS + "=\"1\")";

    /**
     * The resolved inputs.
     *
     * @param hookLog the hooks' log as a bundle path, if it lies in a bundle directory
     */
    record Plan(
            BundleMetadata metadata,
            WindowsOptions options,
            UUID upgradeCode,
            MsiVersion version,
            UUID productCode,
            MsiLocations.InstallDir installDir,
            int registryRoot,
            String registryKey,
            Optional<String> postInstallHook,
            Optional<String> preUninstallHook,
            Optional<String> hookLog,
            Map<String, String> startMenu,
            Map<String, String> desktop,
            List<String> pathDirectories) {

        boolean perUser() {
            return options.perUser();
        }
    }

    private MsiPackage() {}

    /** Checks and resolves the inputs; throws a one-line {@link PackyardException} on bad input. */
    static Plan plan(Bundle bundle, Progress warnings) {
        BundleMetadata m = bundle.metadata();
        if (m.target().os() != Target.Os.WINDOWS) {
            throw PackyardException.build("msi: the bundle is for " + m.target().id() + ", not a Windows target");
        }
        for (String[] field : new String[][] {{"company", m.company()}, {"product", m.product()}}) {
            if (field[1] == null || field[1].isBlank()) {
                throw PackyardException.config("[tool.packyard]." + field[0] + ": required for an .msi");
            }
            if (field[1].contains("\\") || field[1].chars().anyMatch(c -> c < 0x20)) {
                throw PackyardException.config("[tool.packyard]." + field[0] + ": '" + field[1]
                        + "' cannot name a registry key (no backslash or control characters)");
            }
        }
        WindowsOptions o = m.windows();
        UUID upgradeCode = o.upgradeCode(m.company(), m.product());
        MsiVersion version = MsiVersion.fromPep440(m.version());
        MsiLocations.InstallDir installDir = MsiLocations.InstallDir.parse(o.installDir(m.company(), m.product()),
                o.installDir().isPresent() ? "[tool.packyard.msi].install-dir"
                        : "[tool.packyard].company and product (the default install-dir)");
        if (!o.perUser() && (installDir.root().equals("LocalAppDataFolder") || installDir.root().equals("AppDataFolder"))) {
            warnings.warn("[tool.packyard.msi].install-dir: " + o.installDir(m.company(), m.product())
                    + " lies in the installing user's profile, but the package installs per machine");
        }
        o.existingInstallDir().ifPresent(r -> MsiLocations.RegistryValue.parse(r, "[tool.packyard.msi].existing-install-dir"));

        Optional<String> post = Optional.ofNullable(m.postInstallHook()).map(h -> exe(bundle, h, "post-install hook", true));
        Optional<String> pre = Optional.ofNullable(m.preUninstallHook()).map(h -> exe(bundle, h, "pre-uninstall hook", true));
        Optional<String> log = Optional.empty();
        for (Optional<String> hook : List.of(post, pre)) {
            if (hook.isPresent() && log.isEmpty()) {
                log = hookLog(bundle, hook.get(), warnings);
            }
        }

        Map<String, String> commands = new TreeMap<>();
        List<String> pathDirs = new ArrayList<>();
        for (Command c : m.commands()) {
            String exe = exe(bundle, c.launcher(), "command " + c.name(), false);
            commands.put(c.name(), exe);
            String dir = exe.contains("/") ? exe.substring(0, exe.lastIndexOf('/')) : "";
            if (!pathDirs.contains(dir)) {
                pathDirs.add(dir);
            }
        }
        pathDirs.sort(null);
        return new Plan(m, o, upgradeCode, version, MsiIds.productCode(upgradeCode, version.toString()), installDir,
                o.perUser() ? 1 : 2, "Software\\" + m.company() + "\\" + m.product(), post, pre, log,
                shortcuts(o.startMenuShortcuts(), commands, "shortcuts"),
                shortcuts(o.desktopShortcuts(), commands, "desktop-shortcuts"), List.copyOf(pathDirs));
    }

    /** Display name → bundle path of the command's .exe, sorted by display name. */
    private static Map<String, String> shortcuts(Map<String, String> configured, Map<String, String> commands, String key) {
        Map<String, String> out = new TreeMap<>();
        for (Map.Entry<String, String> e : new TreeMap<>(configured).entrySet()) {
            String exe = commands.get(e.getValue());
            if (exe == null) {
                throw PackyardException.config("[tool.packyard.msi]." + key + ": shortcut '" + e.getKey() + "' starts '"
                        + e.getValue() + "', which is not one of the commands (" + String.join(", ", commands.keySet()) + ")");
            }
            out.put(e.getKey(), exe);
        }
        return out;
    }

    /**
     * The bundle file a launcher path names: the path itself when it ends with {@code .exe}, else
     * the path with {@code .exe} appended (the bundle metadata may name launchers without the
     * Windows extension), else the path as it is. Hooks must be .exe files (custom action type 18
     * starts an executable); a command may also be another file Windows can start (a .bat kept
     * from a wheel's scripts).
     */
    static String exe(Bundle bundle, String path, String what, boolean mustBeExe) {
        boolean hasExe = path.toLowerCase(Locale.ROOT).endsWith(".exe");
        List<String> candidates = hasExe ? List.of(path) : List.of(path + ".exe", path);
        for (String candidate : candidates) {
            for (BundleEntry e : bundle.entries()) {
                if (e.isFile() && e.path().equals(candidate)) {
                    if (mustBeExe && !candidate.toLowerCase(Locale.ROOT).endsWith(".exe")) {
                        throw PackyardException.build("bundle: the " + what + " " + candidate
                                + " is not an .exe; Windows Installer can only start an executable");
                    }
                    return candidate;
                }
            }
        }
        throw PackyardException.build("bundle: the " + what + " " + path + (hasExe ? "" : "(.exe)")
                + " is not in the bundle");
    }

    /**
     * The log a hook launcher appends to (its payload's {@code log=}), as a bundle path, when it
     * lies in a directory of the bundle; such a log is deleted on uninstall. A log elsewhere (an
     * absolute path) is left alone, with a warning.
     */
    private static Optional<String> hookLog(Bundle bundle, String hookPath, Progress warnings) {
        String payload;
        try {
            payload = WindowsLauncherWriter.readPayload(Files.readAllBytes(bundle.root().resolve(hookPath)));
        } catch (IllegalArgumentException | IOException e) {
            return Optional.empty(); // not a Packyard launcher: nothing known about its log
        }
        for (String line : payload.split("\n")) {
            if (!line.startsWith("log=")) {
                continue;
            }
            String value = line.substring(4).replace('\\', '/');
            String dir = hookPath.contains("/") ? hookPath.substring(0, hookPath.lastIndexOf('/')) : "";
            Path resolved = Path.of(dir.isEmpty() ? "." : dir).resolve(value).normalize();
            String rel = resolved.toString().replace('\\', '/');
            boolean inBundle = !value.matches("^[A-Za-z]:/.*|^%.*") && !rel.startsWith("..") && !rel.isEmpty();
            String parent = rel.contains("/") ? rel.substring(0, rel.lastIndexOf('/')) : "";
            boolean dirInBundle = parent.isEmpty()
                    || bundle.entries().stream().anyMatch(e -> e.isDirectory() && e.path().equals(parent));
            if (inBundle && dirInBundle) {
                return Optional.of(rel);
            }
            warnings.warn("the hooks log to " + line.substring(4) + ", outside the installed tree; uninstalling"
                    + " leaves that file in place");
            return Optional.empty();
        }
        return Optional.empty();
    }

    /** Writes every table but the file tree's (already written) and the dialogs'. */
    static void addTo(MsiDatabase db, Plan p, MsiFileTree tree) {
        directories(db, p);
        properties(db, p);
        feature(db, p, tree);
        registration(db, p, tree);
        shortcuts(db, p, tree);
        search(db, p);
        upgrade(db, p);
        launchConditions(db, p);
        customActions(db, p, tree);
        sequences(db, p);
        db.table(StandardTables.MEDIA); // rows added with the cabinets
    }

    // ---- directories ------------------------------------------------------------------------

    /**
     * TARGETDIR, the standard folder the install directory starts from, the folders below it
     * (INSTALLDIR the last), and the Start-menu and desktop folders when shortcuts go there.
     * Standard folders have DefaultDir "." (their path is the property Windows Installer sets).
     */
    private static void directories(MsiDatabase db, Plan p) {
        Table d = db.table(StandardTables.DIRECTORY);
        d.add("TARGETDIR", null, "SourceDir");
        d.add(p.installDir().root(), "TARGETDIR", ".");
        String parent = p.installDir().root();
        List<String> segments = p.installDir().segments();
        for (int i = 0; i < segments.size(); i++) {
            String key = i == segments.size() - 1 ? INSTALLDIR : "PackyardFolder" + (i + 1);
            d.add(key, parent, MsiShortNames.single(segments.get(i)));
            parent = key;
        }
        if (!p.startMenu().isEmpty()) {
            d.add("ProgramMenuFolder", "TARGETDIR", ".");
            d.add(MENU_FOLDER, "ProgramMenuFolder", MsiShortNames.single(p.metadata().product()));
        }
        if (!p.desktop().isEmpty()) {
            d.add("DesktopFolder", "TARGETDIR", ".");
        }
    }

    // ---- properties -------------------------------------------------------------------------

    private static void properties(MsiDatabase db, Plan p) {
        BundleMetadata m = p.metadata();
        Table t = db.table(StandardTables.PROPERTY);
        t.add("ProductCode", MsiIds.guid(p.productCode()));
        t.add("ProductName", m.product());
        t.add("ProductVersion", p.version().toString());
        t.add("ProductLanguage", "1033");
        t.add("Manufacturer", m.company());
        t.add("UpgradeCode", MsiIds.guid(p.upgradeCode()));
        if (!p.perUser()) {
            // per machine: ALLUSERS=1 (elevation); per user ALLUSERS stays undefined
            t.add("ALLUSERS", "1");
        }
        // Add/Remove Programs
        t.add("ARPNOMODIFY", "1");
        if (!m.summary().isBlank()) {
            t.add("ARPCOMMENTS", truncate(m.summary(), 255));
        }
        t.add("ARPCONTACT", m.maintainer());
        if (!m.homepage().isBlank()) {
            t.add("ARPURLINFOABOUT", m.homepage());
        }
        p.options().documentationUrl().ifPresent(u -> t.add("ARPHELPLINK", u));
        if (p.options().icon().isPresent()) {
            t.add("ARPPRODUCTICON", ICON);
        }
        // no System Restore checkpoint: it costs more than the whole install of an application
        t.add("MSIFASTINSTALL", "1");
        // public properties the client passes to the elevated server side
        TreeSet<String> secure = new TreeSet<>(List.of(INSTALLDIR, NO_CUSTOM_ACTIONS, PREVIOUSVERSION, UPGRADE_DETECTED,
                DOWNGRADE_DETECTED));
        t.add("SecureCustomProperties", String.join(";", secure));
    }

    // ---- feature ----------------------------------------------------------------------------

    /** One feature, level 1, that cannot be deselected (msidbFeatureAttributesUIDisallowAbsent). */
    private static void feature(MsiDatabase db, Plan p, MsiFileTree tree) {
        db.table(StandardTables.FEATURE).add(FEATURE, null, truncate(p.metadata().product(), 64),
                p.metadata().summary().isBlank() ? null : truncate(p.metadata().summary(), 255), 1, 1, INSTALLDIR, 16);
        Table fc = db.table(StandardTables.FEATURE_COMPONENTS);
        for (MsiFileTree.Component c : tree.components()) {
            fc.add(FEATURE, c.key());
        }
        fc.add(FEATURE, REGISTRATION);
        if (!p.startMenu().isEmpty() || !p.desktop().isEmpty()) {
            fc.add(FEATURE, SHORTCUTS);
        }
    }

    // ---- registry, PATH, install log ----------------------------------------------------------

    /**
     * The Registration component (key path: the Version value): {@code Software\<Company>\<Product>}
     * values InstallDir and Version under HKLM (HKCU per user), the PATH entry, and the removal of
     * the hooks' log on a real uninstall.
     *
     * <p>PATH: the commands' directories ({@code [INSTALLDIR]Scripts}) are appended to the system
     * PATH (the user's per user): appended, not prepended, so the application never shadows a
     * system command; removed on uninstall (the {@code -} flag; {@code [~]} keeps the rest of PATH).
     */
    private static void registration(MsiDatabase db, Plan p, MsiFileTree tree) {
        db.table(StandardTables.COMPONENT).add(REGISTRATION,
                MsiIds.guid(MsiIds.componentGuid(p.upgradeCode(), "registration:" + p.registryKey())), INSTALLDIR,
                REGISTRY_KEY_PATH_64, null, "RegVersion");
        // INSTALLDIR as a CreateFolder of its own: RemoveFolders then removes it, once empty, after
        // the folders below it (Wine removes a folder that has an empty CreateFolder child only this way)
        db.table(StandardTables.CREATE_FOLDER).add(INSTALLDIR, REGISTRATION);
        db.table(StandardTables.REGISTRY)
                .add("RegInstallDir", p.registryRoot(), p.registryKey(), "InstallDir", "[" + INSTALLDIR + "]", REGISTRATION)
                .add("RegVersion", p.registryRoot(), p.registryKey(), "Version", p.metadata().version(), REGISTRATION);
        if (p.options().addToPath() && !p.pathDirectories().isEmpty()) {
            Table env = db.table(StandardTables.ENVIRONMENT);
            int i = 1;
            for (String dir : p.pathDirectories()) {
                String value = "[~];[" + INSTALLDIR + "]" + dir.replace('/', '\\');
                env.add("PathEntry" + i++, (p.perUser() ? "=-" : "=-*") + "PATH", value, REGISTRATION);
            }
        }
        p.hookLog().ifPresent(log -> {
            String name = log.contains("/") ? log.substring(log.lastIndexOf('/') + 1) : log;
            db.table(StandardTables.REMOVE_FILE).add("RemoveHookLog", REGISTRATION, MsiShortNames.single(name), LOG_DIR, 2);
        });
    }

    // ---- shortcuts --------------------------------------------------------------------------

    /**
     * Start-menu shortcuts in {@code ProgramMenuFolder\<Product>} and desktop shortcuts, to the
     * commands' .exe files (non-advertised, working directory INSTALLDIR, the configured icon).
     * Their component's key path is a registry value (HKCU per user, as ICE38/ICE43 ask; HKLM per
     * machine, where the folders are the all-users ones), and it removes the Start-menu folder on
     * uninstall.
     */
    private static void shortcuts(MsiDatabase db, Plan p, MsiFileTree tree) {
        if (p.startMenu().isEmpty() && p.desktop().isEmpty()) {
            return;
        }
        String dir = p.startMenu().isEmpty() ? "DesktopFolder" : MENU_FOLDER;
        db.table(StandardTables.COMPONENT).add(SHORTCUTS,
                MsiIds.guid(MsiIds.componentGuid(p.upgradeCode(), "shortcuts:" + p.registryKey())), dir,
                REGISTRY_KEY_PATH_64, null, "RegShortcuts");
        db.table(StandardTables.REGISTRY).add("RegShortcuts", p.registryRoot(), p.registryKey(), "Shortcuts", "1", SHORTCUTS);
        Optional<Path> icon = p.options().icon();
        icon.ifPresent(i -> db.table(StandardTables.ICON).add(ICON, i));
        Table s = db.table(StandardTables.SHORTCUT);
        String description = p.metadata().summary().isBlank() ? null : truncate(p.metadata().summary(), 255);
        addShortcuts(s, "StartMenu", MENU_FOLDER, p.startMenu(), tree, description, icon.isPresent());
        addShortcuts(s, "Desktop", "DesktopFolder", p.desktop(), tree, description, icon.isPresent());
        if (!p.startMenu().isEmpty()) {
            db.table(StandardTables.REMOVE_FILE).add("RemoveMenuFolder", SHORTCUTS, null, MENU_FOLDER, 2);
        }
    }

    private static void addShortcuts(Table s, String prefix, String dir, Map<String, String> shortcuts, MsiFileTree tree,
            String description, boolean icon) {
        List<String> names = new ArrayList<>(shortcuts.keySet());
        List<String> fileNames = MsiShortNames.of(names, "shortcuts");
        for (int i = 0; i < names.size(); i++) {
            String fileKey = tree.fileKey(shortcuts.get(names.get(i))).orElseThrow();
            if (fileNames.get(i).length() > 128) {
                throw PackyardException.config("[tool.packyard.msi]: shortcut name '" + names.get(i) + "' is too long");
            }
            s.add(prefix + (i + 1), dir, fileNames.get(i), SHORTCUTS, "[#" + fileKey + "]", null, description, null,
                    icon ? ICON : null, icon ? 0 : null, null, INSTALLDIR, null, null, null, null);
        }
    }

    // ---- AppSearch --------------------------------------------------------------------------

    /**
     * What AppSearch reads before anything is decided: the installed version (PREVIOUSVERSION),
     * where it was installed, the configured {@code existing-install-dir} (64-bit and 32-bit
     * registry views: an older 32-bit installer wrote to the 32-bit view), and the Windows build
     * number for the version condition. Directory searches return a value only when the directory
     * exists.
     */
    private static void search(MsiDatabase db, Plan p) {
        Table as = db.table(StandardTables.APP_SEARCH);
        Table rl = db.table(StandardTables.REG_LOCATOR);
        as.add(PREVIOUSVERSION, "PreviousVersionSearch");
        rl.add("PreviousVersionSearch", p.registryRoot(), p.registryKey(), "Version", LOCATOR_RAW_64);
        as.add(PREVIOUS_INSTALLDIR, "PreviousInstallDirSearch");
        rl.add("PreviousInstallDirSearch", p.registryRoot(), p.registryKey(), "InstallDir", LOCATOR_DIRECTORY_64);
        p.options().existingInstallDir().ifPresent(text -> {
            MsiLocations.RegistryValue r = MsiLocations.RegistryValue.parse(text, "[tool.packyard.msi].existing-install-dir");
            as.add(EXISTING_INSTALLDIR, "ExistingInstallDirSearch");
            rl.add("ExistingInstallDirSearch", r.root(), r.key(), r.name(), LOCATOR_DIRECTORY_64);
            as.add(EXISTING_INSTALLDIR32, "ExistingInstallDirSearch32");
            rl.add("ExistingInstallDirSearch32", r.root(), r.key(), r.name(), LOCATOR_DIRECTORY_32);
        });
        if (!p.options().windowsVersions().isEmpty()) {
            as.add(MsiWindowsVersions.BUILD_PROPERTY, "WindowsBuildSearch");
            rl.add("WindowsBuildSearch", 2, "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion", "CurrentBuildNumber",
                    LOCATOR_RAW_64);
        }
    }

    // ---- major upgrades ---------------------------------------------------------------------

    /**
     * Every version is a major upgrade of the previous ones: FindRelatedProducts finds installed
     * products with the same UpgradeCode; an older one (0.0.0 up to, not including, this version)
     * sets PACKYARD_UPGRADE_DETECTED and RemoveExistingProducts, right after InstallInitialize,
     * uninstalls it inside this transaction (a failure rolls back to it), so the whole previous
     * environment is replaced, not patched. A newer one only sets PACKYARD_DOWNGRADE_DETECTED,
     * which a launch condition turns into a clear refusal. The same version (same ProductCode) is
     * neither: msiexec treats it as a maintenance install of the installed product.
     */
    private static void upgrade(MsiDatabase db, Plan p) {
        String code = MsiIds.guid(p.upgradeCode());
        String v = p.version().toString();
        db.table(StandardTables.UPGRADE)
                // msidbUpgradeAttributesMigrateFeatures | msidbUpgradeAttributesVersionMinInclusive
                .add(code, "0.0.0", v, null, 1 | 256, null, UPGRADE_DETECTED)
                // msidbUpgradeAttributesOnlyDetect
                .add(code, v, null, null, 2, null, DOWNGRADE_DETECTED);
    }

    // ---- launch conditions ------------------------------------------------------------------

    private static void launchConditions(MsiDatabase db, Plan p) {
        Table lc = db.table(StandardTables.LAUNCH_CONDITION);
        lc.add("Installed OR NOT " + DOWNGRADE_DETECTED, "A newer version of [ProductName] is already installed;"
                + " version " + p.metadata().version() + " cannot replace it. Uninstall the newer version first.");
        if (p.options().requireAdmin()) {
            lc.add("Installed OR Privileged", "[ProductName] must be installed by an administrator:"
                    + " run the installer as an administrator.");
        }
        if (!p.options().windowsVersions().isEmpty()) {
            List<String> versions = p.options().windowsVersions();
            lc.add(MsiWindowsVersions.condition(versions), "[ProductName] " + p.metadata().version() + " requires "
                    + MsiWindowsVersions.describe(versions) + ".");
        }
    }

    // ---- custom actions ---------------------------------------------------------------------

    /**
     * The custom actions, all of them data-only (no DLL, no script):
     * <ul>
     *   <li>INSTALLDIR from the registry (type 51, before CostFinalize, UI and execute sequences):
     *       the previous install location, else the configured existing-install-dir (64-bit view,
     *       then 32-bit), each only when the directory exists and INSTALLDIR was not given on the
     *       command line or in the dialog. An upgrade so stays where the previous version was.
     *   <li>ARPINSTALLLOCATION = [INSTALLDIR] (type 51).
     *   <li>PACKYARD_LOGDIR = the hooks' log folder (type 51), only on a real uninstall
     *       ({@code REMOVE="ALL" AND NOT UPGRADINGPRODUCTCODE}): RemoveFile deletes the log only
     *       when its folder property is set, so the uninstall of the previous version during an
     *       upgrade keeps the log and the log keeps the history of every version.
     *   <li>The hooks: type 18 (an .exe installed by this package, started with its File key)
     *       + msidbCustomActionTypeInScript (deferred: it runs in the installation script, with
     *       the files in place) + msidbCustomActionTypeNoImpersonate for per-machine packages (as
     *       LocalSystem, like root for the Linux packages; per-user packages run them as the
     *       user) = 3090 (per user 1042). Their command lines are formatted when the script is
     *       generated, so {@code [PREVIOUSVERSION]} is available to them.
     *       <ul>
     *         <li>post-install {@code install ""} on a first install, {@code upgrade <previous>}
     *             when a previous version was found (a major upgrade, or a repair/reinstall of the
     *             same version, which the Linux packages also call an upgrade), scheduled after
     *             every file, registry value, environment variable and shortcut is written. A
     *             failing post-install hook (non-zero exit) fails the installation, which rolls
     *             back, an upgrade to the previous version: the same rule as the .deb and .rpm.
     *         <li>pre-uninstall {@code remove <version>} on a real uninstall only (not when an
     *             upgrade removes this version), before anything is removed; its exit code is
     *             ignored (msidbCustomActionTypeContinue, 3154 / per user 1106): a product that
     *             cannot be removed is worse than a skipped clean-up, as on Linux.
     *       </ul>
     *       Both are skipped when the property NO_CUSTOM_ACTIONS is "1"
     *       ({@code msiexec /i app.msi NO_CUSTOM_ACTIONS=1}); the verbose log then shows
     *       "Skipping action: ... (condition is false)". The hook launcher appends its output to
     *       its log (install.log).
     * </ul>
     */
    private static void customActions(MsiDatabase db, Plan p, MsiFileTree tree) {
        Table ca = db.table(StandardTables.CUSTOM_ACTION);
        ca.add("PackyardInstallDirPrevious", CA_SET_PROPERTY, INSTALLDIR, "[" + PREVIOUS_INSTALLDIR + "]", null);
        if (p.options().existingInstallDir().isPresent()) {
            ca.add("PackyardInstallDirExisting", CA_SET_PROPERTY, INSTALLDIR, "[" + EXISTING_INSTALLDIR + "]", null);
            ca.add("PackyardInstallDirExisting32", CA_SET_PROPERTY, INSTALLDIR, "[" + EXISTING_INSTALLDIR32 + "]", null);
        }
        ca.add("PackyardSetArpInstallLocation", CA_SET_PROPERTY, "ARPINSTALLLOCATION", "[" + INSTALLDIR + "]", null);
        p.hookLog().ifPresent(log -> {
            String dir = log.contains("/") ? log.substring(0, log.lastIndexOf('/')) : "";
            String dirKey = dir.isEmpty() ? INSTALLDIR : MsiIds.directoryKey(dir);
            ca.add("PackyardSetLogDir", CA_SET_PROPERTY, LOG_DIR, "[" + dirKey + "]", null);
        });
        int exe = CA_EXE_FROM_FILE | CA_IN_SCRIPT | (p.perUser() ? 0 : CA_NO_IMPERSONATE);
        p.postInstallHook().ifPresent(h -> {
            String key = tree.fileKey(h).orElseThrow();
            ca.add("PackyardPostInstall", exe, key, "install \"\"", null);
            ca.add("PackyardPostUpgrade", exe, key, "upgrade [" + PREVIOUSVERSION + "]", null);
        });
        p.preUninstallHook().ifPresent(h -> ca.add("PackyardPreUninstall", exe | CA_CONTINUE,
                tree.fileKey(h).orElseThrow(), "remove " + p.metadata().version(), null));
    }

    // ---- sequences --------------------------------------------------------------------------

    /** Condition of the INSTALLDIR custom actions: the search found it, nobody chose another. */
    private static String installDirFrom(String property) {
        return property + " AND NOT " + INSTALLDIR;
    }

    /**
     * InstallExecuteSequence and the standard actions of InstallUISequence (the UI adds its
     * dialogs around them; see {@link MsiFormat}). Numbers are those of the Windows Installer
     * SDK's suggested sequences (WiX uses the same), with FindRelatedProducts at 25 and AppSearch
     * at 50 so that LaunchConditions (100) sees their results.
     */
    private static void sequences(MsiDatabase db, Plan p) {
        Table ui = db.table(StandardTables.INSTALL_UI_SEQUENCE);
        Table ex = db.table(StandardTables.INSTALL_EXECUTE_SEQUENCE);
        for (Table t : List.of(ui, ex)) {
            t.add("FindRelatedProducts", null, 25);
            t.add("AppSearch", null, 50);
            t.add("PackyardInstallDirPrevious", installDirFrom(PREVIOUS_INSTALLDIR), 51);
            if (p.options().existingInstallDir().isPresent()) {
                t.add("PackyardInstallDirExisting", installDirFrom(EXISTING_INSTALLDIR), 52);
                t.add("PackyardInstallDirExisting32", installDirFrom(EXISTING_INSTALLDIR32), 53);
            }
            t.add("LaunchConditions", null, 100);
            t.add("ValidateProductID", null, 700);
            t.add("CostInitialize", null, 800);
            t.add("FileCost", null, 900);
            t.add("CostFinalize", null, 1000);
            t.add("MigrateFeatureStates", null, 1200);
        }
        ui.add("ExecuteAction", null, 1300);

        ex.add("InstallValidate", null, 1400);
        ex.add("PackyardSetArpInstallLocation", null, 1401);
        if (p.hookLog().isPresent()) {
            ex.add("PackyardSetLogDir", "REMOVE=\"ALL\" AND NOT UPGRADINGPRODUCTCODE", 1402);
        }
        ex.add("InstallInitialize", null, 1500);
        ex.add("RemoveExistingProducts", null, 1501);
        ex.add("ProcessComponents", null, 1600);
        if (p.preUninstallHook().isPresent()) {
            ex.add("PackyardPreUninstall", "REMOVE=\"ALL\" AND NOT UPGRADINGPRODUCTCODE AND " + HOOKS_ALLOWED, 1750);
        }
        ex.add("UnpublishFeatures", null, 1800);
        ex.add("RemoveRegistryValues", null, 2600);
        ex.add("RemoveShortcuts", null, 3200);
        ex.add("RemoveEnvironmentStrings", null, 3300);
        ex.add("RemoveFiles", null, 3500);
        ex.add("RemoveFolders", null, 3600);
        ex.add("CreateFolders", null, 3700);
        ex.add("InstallFiles", null, 4000);
        ex.add("CreateShortcuts", null, 4500);
        ex.add("WriteRegistryValues", null, 5000);
        ex.add("WriteEnvironmentStrings", null, 5200);
        ex.add("RegisterUser", null, 6000);
        ex.add("RegisterProduct", null, 6100);
        ex.add("PublishFeatures", null, 6300);
        ex.add("PublishProduct", null, 6400);
        if (p.postInstallHook().isPresent()) {
            ex.add("PackyardPostInstall", "NOT Installed AND NOT " + PREVIOUSVERSION + " AND " + HOOKS_ALLOWED, 6500);
            ex.add("PackyardPostUpgrade", PREVIOUSVERSION + " AND (NOT Installed OR (REINSTALL AND NOT REMOVE=\"ALL\")) AND "
                    + HOOKS_ALLOWED, 6501);
        }
        ex.add("InstallFinalize", null, 6600);

        // advertising (msiexec /j) publishes the product without files; the files come with the first use
        db.table(StandardTables.ADVT_EXECUTE_SEQUENCE)
                .add("CostInitialize", null, 800)
                .add("CostFinalize", null, 1000)
                .add("InstallValidate", null, 1400)
                .add("InstallInitialize", null, 1500)
                .add("CreateShortcuts", null, 4500)
                .add("PublishFeatures", null, 6300)
                .add("PublishProduct", null, 6400)
                .add("InstallFinalize", null, 6600);
    }

    static String truncate(String s, int max) {
        String one = s.replaceAll("\\s+", " ").strip();
        return one.length() <= max ? one : one.substring(0, max - 1) + "\u2026";
    }
}
