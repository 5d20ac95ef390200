package io.packyard.bundle;

import io.packyard.python.PackyardException;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The rules a Windows file system puts on a bundle's paths, checked once for every Windows
 * bundle before any format writes it (the .msi and the .zip rely on them):
 * <ul>
 *   <li>no two paths that differ only in case (NTFS is case-insensitive: one would overwrite the other);
 *   <li>no reserved device names (CON, PRN, AUX, NUL, COM1-9, LPT1-9, also with an extension);
 *   <li>no characters Windows refuses in names ({@code <>:"|?*\}, control characters), no name
 *       ending in a space or a dot;
 *   <li>no symbolic links (neither an MSI nor a portable zip carries them to Windows);
 *   <li>every full installed path within MAX_PATH (259 characters plus the terminating NUL), since
 *       Windows programs without long-path support cannot open longer ones.
 * </ul>
 */
public final class WindowsPaths {
    /** MAX_PATH is 260 including the terminating NUL. */
    public static final int MAX_PATH = 259;
    private static final Set<String> RESERVED = Set.of("CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
            "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
            "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9");

    private WindowsPaths() {}

    /**
     * The install directory as it looks on a typical machine, used to measure full paths:
     * {@code [ProgramFiles64Folder]} becomes {@code C:\Program Files\}, the per-user folders a
     * profile with a 20-character user name.
     */
    public static String typicalInstallDir(WindowsOptions options, String company, String product) {
        String dir = options.installDir(company, product);
        String user = "C:\\Users\\" + "u".repeat(20) + "\\";
        return dir.replace("[ProgramFiles64Folder]", "C:\\Program Files\\")
                .replace("[ProgramFilesFolder]", "C:\\Program Files (x86)\\")
                .replace("[LocalAppDataFolder]", user + "AppData\\Local\\")
                .replace("[AppDataFolder]", user + "AppData\\Roaming\\")
                .replace("[CommonAppDataFolder]", "C:\\ProgramData\\")
                .replace("[WindowsVolume]", "C:\\");
    }

    /** Checks every entry of a Windows bundle; throws a one-line error naming the first bad path. */
    public static void check(List<BundleEntry> entries, String installDir) {
        Map<String, String> folded = new HashMap<>();
        for (BundleEntry e : entries) {
            String path = e.path();
            if (e.kind() == BundleEntry.Kind.SYMLINK) {
                throw PackyardException.build("bundle path " + path + ": a symbolic link; Windows packages cannot hold"
                        + " symbolic links (exclude it or replace it by a copy)");
            }
            for (String segment : path.split("/")) {
                checkName(path, segment);
            }
            String key = path.toLowerCase(Locale.ROOT);
            String other = folded.putIfAbsent(key, path);
            if (other != null) {
                throw PackyardException.build("bundle paths " + other + " and " + path + " differ only in case;"
                        + " on Windows one would overwrite the other");
            }
            int length = installDir.length() + 1 + path.length();
            if (length > MAX_PATH) {
                throw PackyardException.build("bundle path " + path + ": " + length + " characters once installed under "
                        + installDir + "; Windows allows " + MAX_PATH + " (shorten the path, or choose a shorter"
                        + " [tool.packyard.msi].install-dir, company or product)");
            }
        }
    }

    private static void checkName(String path, String name) {
        for (char c : name.toCharArray()) {
            if (c < 0x20 || "<>:\"|?*\\".indexOf(c) >= 0) {
                throw PackyardException.build("bundle path " + path + ": the character "
                        + (c < 0x20 ? String.format("U+%04X", (int) c) : "'" + c + "'") + " is not allowed in Windows file names");
            }
        }
        if (name.endsWith(" ") || name.endsWith(".")) {
            throw PackyardException.build("bundle path " + path + ": Windows file names cannot end with a space or a dot");
        }
        int dot = name.indexOf('.');
        String base = (dot < 0 ? name : name.substring(0, dot)).toUpperCase(Locale.ROOT).stripTrailing();
        if (RESERVED.contains(base)) {
            throw PackyardException.build("bundle path " + path + ": '" + name + "' is a reserved device name on Windows");
        }
    }
}
