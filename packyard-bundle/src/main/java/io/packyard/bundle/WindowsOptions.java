package io.packyard.bundle;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * How a Windows installer presents and places the application: {@code [tool.packyard.msi]},
 * validated (files exist and have the right kind, GUIDs parse, versions are known). Every key is
 * documented once in docs/config.md.
 *
 * @param upgradeCode the MSI UpgradeCode that ties every version of the product together (major
 *     upgrades); when not configured, {@link #defaultUpgradeCode} derives a stable one from company
 *     and product
 * @param startMenuShortcuts Start-menu shortcuts: display name → command (a script or gui-script)
 * @param desktopShortcuts desktop shortcuts: display name → command
 * @param eula an RTF licence shown on the licence page, or empty for no licence page
 * @param icon an .ico for the shortcuts and the Add/Remove Programs entry
 * @param banner a 493×58 BMP shown at the top of the installer's inner pages
 * @param dialog a 493×312 BMP shown on the welcome and finish pages
 * @param installDir the install directory as an MSI formatted path such as
 *     {@code [ProgramFiles64Folder]Acme\Notes}; empty for the default ({@link #defaultInstallDir})
 * @param existingInstallDir a registry value ({@code HKLM\Software\Acme\Notes\InstallDir}) that,
 *     when present on the target, overrides the install directory (keeps a relocated install where it is)
 * @param perUser install for the current user only (no elevation, under %LOCALAPPDATA%\Programs)
 *     instead of for the machine
 * @param requireAdmin refuse to install without administrator rights
 * @param windowsVersions the Windows versions the installer accepts (e.g. "10", "server-2022"); empty accepts any
 * @param documentationUrl the help link in Add/Remove Programs
 * @param addToPath put the commands' directory on PATH (system PATH per machine, user PATH per user)
 */
public record WindowsOptions(
        Optional<UUID> upgradeCode,
        Map<String, String> startMenuShortcuts,
        Map<String, String> desktopShortcuts,
        Optional<Path> eula,
        Optional<Path> icon,
        Optional<Path> banner,
        Optional<Path> dialog,
        Optional<String> installDir,
        Optional<String> existingInstallDir,
        boolean perUser,
        boolean requireAdmin,
        List<String> windowsVersions,
        Optional<String> documentationUrl,
        boolean addToPath) {

    /** The Windows versions {@code windows = [...]} accepts, oldest first. */
    public static final List<String> KNOWN_WINDOWS = List.of(
            "10", "11", "server-2016", "server-2019", "server-2022", "server-2025");

    public WindowsOptions {
        Objects.requireNonNull(upgradeCode);
        startMenuShortcuts = Map.copyOf(startMenuShortcuts);
        desktopShortcuts = Map.copyOf(desktopShortcuts);
        windowsVersions = List.copyOf(windowsVersions);
    }

    /** No [tool.packyard.msi] table: every default. */
    public static WindowsOptions defaults() {
        return new WindowsOptions(Optional.empty(), Map.of(), Map.of(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), false, false, List.of(),
                Optional.empty(), true);
    }

    /** The configured UpgradeCode, or the one derived from company and product. */
    public UUID upgradeCode(String company, String product) {
        return upgradeCode.orElseGet(() -> defaultUpgradeCode(company, product));
    }

    /**
     * A stable UpgradeCode for a product that configures none: a name-based (version 5, SHA-1)
     * UUID of "packyard:upgrade-code:&lt;company&gt;/&lt;product&gt;", so every build of the same
     * product gets the same code and major upgrades work. Renaming the company or product changes
     * it; projects that may be renamed should set {@code upgrade-code} explicitly.
     */
    public static UUID defaultUpgradeCode(String company, String product) {
        return nameUuid(NAMESPACE, "packyard:upgrade-code:" + company + "/" + product);
    }

    /** The default install directory: Program Files (or the user's Programs folder) \ company \ product. */
    public String defaultInstallDir(String company, String product) {
        return (perUser ? "[LocalAppDataFolder]Programs\\" : "[ProgramFiles64Folder]") + company + "\\" + product;
    }

    /** The install directory, configured or default. */
    public String installDir(String company, String product) {
        return installDir.orElseGet(() -> defaultInstallDir(company, product));
    }

    /** Packyard's namespace for name-based UUIDs. */
    public static final UUID NAMESPACE = UUID.fromString("6f1d3c52-5b0e-4a57-9c1e-2a4f0f7e9b21");

    /** An RFC 4122 version-5 (SHA-1, name-based) UUID: stable for the same namespace and name. */
    public static UUID nameUuid(UUID namespace, String name) {
        try {
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            sha1.update(toBytes(namespace));
            sha1.update(name.getBytes(StandardCharsets.UTF_8));
            byte[] h = sha1.digest();
            h[6] = (byte) ((h[6] & 0x0f) | 0x50);
            h[8] = (byte) ((h[8] & 0x3f) | 0x80);
            long msb = 0;
            long lsb = 0;
            for (int i = 0; i < 8; i++) {
                msb = (msb << 8) | (h[i] & 0xff);
                lsb = (lsb << 8) | (h[i + 8] & 0xff);
            }
            return new UUID(msb, lsb);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] toBytes(UUID u) {
        byte[] b = new byte[16];
        long msb = u.getMostSignificantBits();
        long lsb = u.getLeastSignificantBits();
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (msb >>> (56 - 8 * i));
            b[i + 8] = (byte) (lsb >>> (56 - 8 * i));
        }
        return b;
    }
}
