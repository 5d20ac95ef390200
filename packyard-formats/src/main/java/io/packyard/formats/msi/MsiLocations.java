package io.packyard.formats.msi;

import io.packyard.python.PackyardException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The places the package names outside its own tree: the install directory as Directory rows,
 * and registry values ({@code existing-install-dir}) as RegLocator rows.
 */
final class MsiLocations {
    private MsiLocations() {}

    /** The standard folder properties an install directory may start from. */
    static final List<String> ROOT_FOLDERS = List.of("ProgramFiles64Folder", "ProgramFilesFolder",
            "LocalAppDataFolder", "AppDataFolder", "CommonAppDataFolder", "WindowsVolume");

    private static final Pattern INSTALL_DIR = Pattern.compile("^\\[([A-Za-z0-9_]+)\\](.*)$");

    /**
     * An install directory such as {@code [ProgramFiles64Folder]Acme\Notes}.
     *
     * @param root the standard folder property ({@code ProgramFiles64Folder})
     * @param segments the folders below it ({@code Acme}, {@code Notes}), at least one
     */
    record InstallDir(String root, List<String> segments) {
        static InstallDir parse(String formatted, String where) {
            Matcher m = INSTALL_DIR.matcher(formatted);
            if (!m.matches() || !ROOT_FOLDERS.contains(m.group(1))) {
                throw PackyardException.config(where + ": '" + formatted
                        + "' must start with one of " + ROOT_FOLDERS.stream().map(r -> "[" + r + "]").toList());
            }
            List<String> segments = new ArrayList<>();
            for (String s : m.group(2).split("\\\\")) {
                if (s.isEmpty()) {
                    continue;
                }
                if (s.equals(".") || s.equals("..") || s.endsWith(" ") || s.endsWith(".")
                        || s.matches(".*[<>:\"/|?*\\x00-\\x1f\\[\\]].*")) {
                    throw PackyardException.config(where + ": '" + formatted
                            + "': '" + s + "' is not a valid folder name");
                }
                segments.add(s);
            }
            if (segments.isEmpty()) {
                throw PackyardException.config(where + ": '" + formatted
                        + "' names no folder below [" + m.group(1) + "]; the application needs a folder of its own");
            }
            return new InstallDir(m.group(1), List.copyOf(segments));
        }
    }

    /**
     * A registry value, as RegLocator needs it.
     *
     * @param root RegLocator.Root: 0 HKCR, 1 HKCU, 2 HKLM, 3 HKU
     * @param key the key below the root
     * @param name the value name
     */
    record RegistryValue(int root, String key, String name) {
        static RegistryValue parse(String text, String where) {
            int first = text.indexOf('\\');
            int last = text.lastIndexOf('\\');
            if (first <= 0 || last <= first) {
                throw PackyardException.config(where + ": '" + text + "' is not a registry value such as"
                        + " HKLM\\Software\\Acme\\Notes\\InstallDir");
            }
            int root = switch (text.substring(0, first).toUpperCase(Locale.ROOT)) {
                case "HKCR", "HKEY_CLASSES_ROOT" -> 0;
                case "HKCU", "HKEY_CURRENT_USER" -> 1;
                case "HKLM", "HKEY_LOCAL_MACHINE" -> 2;
                case "HKU", "HKEY_USERS" -> 3;
                default -> throw PackyardException.config(where + ": '" + text
                        + "' does not start with HKLM, HKCU, HKCR or HKU");
            };
            String key = text.substring(first + 1, last);
            String name = text.substring(last + 1);
            if (key.isEmpty() || name.isEmpty() || key.length() > 255 || name.length() > 255) {
                throw PackyardException.config(where + ": '" + text + "' is not a registry value such as"
                        + " HKLM\\Software\\Acme\\Notes\\InstallDir");
            }
            return new RegistryValue(root, key, name);
        }
    }
}
