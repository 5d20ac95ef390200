package io.packyard.bundle.project;

import io.packyard.bundle.WindowsOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Reads {@code [tool.packyard.msi]} and {@code [tool.packyard.sign]}: every file they name must
 * exist and be of the right kind (an .ico, an RTF, BMPs of the sizes the installer's dialogs
 * use), so a bad value fails here with the key and line, not halfway through writing an MSI.
 */
final class WindowsConfig {
    private static final Set<String> MSI_KEYS = Set.of("upgrade-code", "shortcuts", "desktop-shortcuts", "eula",
            "icon", "banner", "dialog", "install-dir", "existing-install-dir", "scope", "require-admin", "windows",
            "documentation-url", "add-to-path");
    private static final Set<String> SIGN_KEYS = Set.of("pfx", "pfx-password-file", "timestamp-url");
    private static final Pattern GUID = Pattern.compile(
            "^\\{?[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}}?$");
    private static final Pattern REGISTRY_VALUE = Pattern.compile(
            "^(HKLM|HKCU|HKCR|HKU|HKEY_LOCAL_MACHINE|HKEY_CURRENT_USER|HKEY_CLASSES_ROOT|HKEY_USERS)\\\\[^\\\\].*\\\\[^\\\\]+$");
    private static final Pattern INSTALL_DIR = Pattern.compile(
            "^\\[(ProgramFiles64Folder|ProgramFilesFolder|LocalAppDataFolder|AppDataFolder|CommonAppDataFolder|WindowsVolume)\\][^<>\"|?*:]*$");
    /** Banner and dialog bitmaps: the sizes the standard 370×270-unit installer dialogs show at 96 dpi. */
    static final int BANNER_WIDTH = 493;
    static final int BANNER_HEIGHT = 58;
    static final int DIALOG_WIDTH = 493;
    static final int DIALOG_HEIGHT = 312;

    private WindowsConfig() {}

    static WindowsOptions msi(TomlFields t, Path dir) {
        t.onlyKeys(MSI_KEYS);
        Optional<UUID> upgradeCode = t.string("upgrade-code").map(g -> {
            if (!GUID.matcher(g).matches()) {
                throw t.error("upgrade-code", "'" + g + "' is not a GUID such as 2f1c8a4e-0b7d-4c55-9a3e-6d2b1f0c9e71");
            }
            return UUID.fromString(g.replace("{", "").replace("}", ""));
        });
        Map<String, String> shortcuts = shortcutMap(t, "shortcuts");
        Map<String, String> desktop = shortcutMap(t, "desktop-shortcuts");
        Optional<Path> eula = file(t, "eula", dir, "an RTF document", WindowsConfig::isRtf);
        Optional<Path> icon = file(t, "icon", dir, "a Windows .ico icon", WindowsConfig::isIco);
        Optional<Path> banner = bitmap(t, "banner", dir, BANNER_WIDTH, BANNER_HEIGHT);
        Optional<Path> dialog = bitmap(t, "dialog", dir, DIALOG_WIDTH, DIALOG_HEIGHT);
        Optional<String> installDir = t.string("install-dir").map(d -> {
            if (!INSTALL_DIR.matcher(d).matches()) {
                throw t.error("install-dir", "'" + d + "' is not of the form [ProgramFiles64Folder]Company\\Product"
                        + " (a standard folder property, then a relative path without <>\"|?*:)");
            }
            return d;
        });
        Optional<String> existing = t.string("existing-install-dir").map(r -> {
            if (!REGISTRY_VALUE.matcher(r).matches()) {
                throw t.error("existing-install-dir", "'" + r + "' is not a registry value such as"
                        + " HKLM\\Software\\Acme\\Notes\\InstallDir");
            }
            return r;
        });
        String scope = t.string("scope").orElse("per-machine");
        if (!scope.equals("per-machine") && !scope.equals("per-user")) {
            throw t.error("scope", "'" + scope + "' is not per-machine or per-user");
        }
        boolean perUser = scope.equals("per-user");
        boolean requireAdmin = t.bool("require-admin").orElse(false);
        if (perUser && requireAdmin) {
            throw t.error("require-admin", "a per-user install does not run as administrator; drop require-admin"
                    + " or use scope = \"per-machine\"");
        }
        List<String> windows = t.strings("windows");
        for (String w : windows) {
            if (!WindowsOptions.KNOWN_WINDOWS.contains(w)) {
                throw t.error("windows", "unknown Windows version '" + w + "' (known: "
                        + String.join(", ", WindowsOptions.KNOWN_WINDOWS) + ")");
            }
        }
        Optional<String> docs = t.string("documentation-url").map(u -> {
            if (!u.matches("^https?://\\S+$")) {
                throw t.error("documentation-url", "'" + u + "' is not an http(s) URL");
            }
            return u;
        });
        return new WindowsOptions(upgradeCode, shortcuts, desktop, eula, icon, banner, dialog, installDir, existing,
                perUser, requireAdmin, windows, docs, t.bool("add-to-path").orElse(true));
    }

    static SignSettings sign(TomlFields t, Path dir) {
        t.onlyKeys(SIGN_KEYS);
        Path pfx = t.string("pfx").map(p -> existing(t, "pfx", dir, p))
                .orElseThrow(() -> t.error("pfx", "missing (the PKCS#12 file with the signing certificate)"));
        Path password = t.string("pfx-password-file").map(p -> existing(t, "pfx-password-file", dir, p))
                .orElseThrow(() -> t.error("pfx-password-file", "missing (a file holding the PFX password)"));
        Optional<String> ts = t.string("timestamp-url").map(u -> {
            if (!u.matches("^https?://\\S+$")) {
                throw t.error("timestamp-url", "'" + u + "' is not an http(s) URL");
            }
            return u;
        });
        return new SignSettings(pfx, password, ts, t.whereTable());
    }

    private static Map<String, String> shortcutMap(TomlFields t, String key) {
        Map<String, String> m = t.stringMap(key);
        for (Map.Entry<String, String> e : m.entrySet()) {
            if (e.getKey().isBlank() || e.getKey().matches(".*[<>:\"/\\\\|?*\\x00-\\x1f].*")) {
                throw t.error(key, "shortcut name '" + e.getKey() + "' is not a valid Windows file name");
            }
            if (e.getValue().isBlank()) {
                throw t.error(key, "shortcut '" + e.getKey() + "' names no command");
            }
        }
        return m;
    }

    private interface Check {
        boolean ok(Path p) throws IOException;
    }

    private static Optional<Path> file(TomlFields t, String key, Path dir, String kind, Check check) {
        return t.string(key).map(v -> {
            Path p = existing(t, key, dir, v);
            try {
                if (!check.ok(p)) {
                    throw t.error(key, v + " is not " + kind);
                }
            } catch (IOException e) {
                throw t.error(key, v + ": cannot read: " + e.getMessage());
            }
            return p;
        });
    }

    private static Path existing(TomlFields t, String key, Path dir, String value) {
        Path p = value.startsWith("~/") ? Path.of(System.getProperty("user.home")).resolve(value.substring(2))
                : dir.resolve(value);
        if (!Files.isRegularFile(p)) {
            throw t.error(key, value + ": no such file");
        }
        return p.toAbsolutePath().normalize();
    }

    private static boolean isRtf(Path p) throws IOException {
        return new String(head(p, 5), java.nio.charset.StandardCharsets.ISO_8859_1).equals("{\\rtf");
    }

    private static boolean isIco(Path p) throws IOException {
        byte[] h = head(p, 6);
        return h.length == 6 && h[0] == 0 && h[1] == 0 && h[2] == 1 && h[3] == 0 && (h[4] != 0 || h[5] != 0);
    }

    private static Optional<Path> bitmap(TomlFields t, String key, Path dir, int width, int height) {
        return t.string(key).map(v -> {
            Path p = existing(t, key, dir, v);
            byte[] h;
            try {
                h = head(p, 26);
            } catch (IOException e) {
                throw t.error(key, v + ": cannot read: " + e.getMessage());
            }
            if (h.length < 26 || h[0] != 'B' || h[1] != 'M') {
                throw t.error(key, v + " is not a BMP image");
            }
            int w = le32(h, 18);
            int hgt = Math.abs(le32(h, 22));
            if (w != width || hgt != height) {
                throw t.error(key, v + " is " + w + "x" + hgt + " pixels; the installer needs " + width + "x" + height);
            }
            return p;
        });
    }

    private static int le32(byte[] b, int off) {
        return (b[off] & 0xff) | (b[off + 1] & 0xff) << 8 | (b[off + 2] & 0xff) << 16 | (b[off + 3] & 0xff) << 24;
    }

    private static byte[] head(Path p, int n) throws IOException {
        try (InputStream in = Files.newInputStream(p)) {
            return in.readNBytes(n);
        }
    }
}
