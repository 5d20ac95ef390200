package io.packyard.formats.msi;

import io.packyard.bundle.WindowsOptions;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.UUID;

/**
 * Every identifier and GUID of a Packyard MSI, derived, never random, so the same bundle gives
 * the same package and the codes that must stay stable across versions do.
 *
 * <ul>
 *   <li><b>UpgradeCode</b>: {@link WindowsOptions#upgradeCode(String, String)} (configured, or
 *       derived from company and product), the same for every version.
 *   <li><b>ProductCode</b>: a name-based UUID of the UpgradeCode and the PEP 440 version: one per
 *       version of the product, the same for every build of that version (so {@code msiexec /x
 *       {code}} scripts can be written once per version).
 *   <li><b>Component GUIDs</b>: a name-based UUID of the UpgradeCode and the component's key path
 *       (the bundle path of its key file, or of its directory for a folder-only component), so a
 *       component keeps its GUID while its key path stays and gets a new one when it moves, as
 *       the component rules ask.
 *   <li><b>PackageCode</b>: a name-based UUID of the UpgradeCode and the SHA-256 of the
 *       database's content (every row of every table, every stream, the cabinets): the same bytes
 *       give the same code, any difference gives another one.
 *   <li><b>Table keys</b> for bundle paths: a letter and the first 64 bits of the SHA-256 of the
 *       path ({@code f…} files, {@code d…} directories, {@code c…} components), which are valid
 *       identifiers of fixed length whatever the path; a collision is detected and refused.
 * </ul>
 */
final class MsiIds {
    private MsiIds() {}

    /** A GUID as Windows Installer writes it: upper case in braces. */
    static String guid(UUID u) {
        return "{" + u.toString().toUpperCase(Locale.ROOT) + "}";
    }

    static UUID productCode(UUID upgradeCode, String pep440Version) {
        return WindowsOptions.nameUuid(upgradeCode, "packyard:product-code:" + pep440Version);
    }

    static UUID componentGuid(UUID upgradeCode, String keyPath) {
        return WindowsOptions.nameUuid(upgradeCode, "component:" + keyPath);
    }

    static UUID packageCode(UUID upgradeCode, byte[] contentDigest) {
        return WindowsOptions.nameUuid(upgradeCode, "packyard:package-code:" + HexFormat.of().formatHex(contentDigest));
    }

    static String fileKey(String bundlePath) {
        return "f" + hash(bundlePath);
    }

    static String directoryKey(String bundlePath) {
        return "d" + hash(bundlePath);
    }

    static String componentKey(String bundlePath) {
        return "c" + hash(bundlePath);
    }

    private static String hash(String s) {
        return HexFormat.of().formatHex(sha256(s.getBytes(StandardCharsets.UTF_8)), 0, 8);
    }

    static byte[] sha256(byte[] data) {
        return sha256().digest(data);
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
