package io.packyard.bundle.project;

import static org.assertj.core.api.Assertions.assertThat;

import io.packyard.bundle.WindowsOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WindowsConfigTest {
    private static final String HEAD = """
            [project]
            name = "notes"
            version = "1.0"
            [tool.packyard]
            company = "Acme"
            product = "Notes"
            """;

    private final Path dir;
    private final PyprojectFixture pyproject;

    WindowsConfigTest(@TempDir Path dir) {
        this.dir = dir;
        this.pyproject = new PyprojectFixture(dir, HEAD);
    }

    static byte[] bmp(int w, int h) {
        ByteBuffer b = ByteBuffer.allocate(54).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 'B').put((byte) 'M').putInt(54).putInt(0).putInt(54).putInt(40).putInt(w).putInt(h);
        return b.array();
    }

    @Test
    void readsEveryKey() throws Exception {
        Files.write(dir.resolve("app.ico"), new byte[] {0, 0, 1, 0, 1, 0, 32, 32});
        Files.writeString(dir.resolve("eula.rtf"), "{\\rtf1\\ansi hello}");
        Files.write(dir.resolve("banner.bmp"), bmp(493, 58));
        Files.write(dir.resolve("dialog.bmp"), bmp(493, -312));
        Files.writeString(dir.resolve("pw.txt"), "secret\n");
        Files.write(dir.resolve("cert.pfx"), new byte[] {0x30});
        Project p = pyproject.load("""
                [tool.packyard.msi]
                upgrade-code = "{2F1C8A4E-0B7D-4C55-9A3E-6D2B1F0C9E71}"
                shortcuts = { "Notes" = "notes-gui" }
                desktop-shortcuts = { "Notes (desktop)" = "notes-gui" }
                eula = "eula.rtf"
                icon = "app.ico"
                banner = "banner.bmp"
                dialog = "dialog.bmp"
                install-dir = "[ProgramFiles64Folder]Acme\\\\Notes Pro"
                existing-install-dir = 'HKLM\\Software\\Acme\\Notes\\InstallDir'
                require-admin = true
                windows = ["10", "11", "server-2022"]
                documentation-url = "https://example.org/docs"
                add-to-path = false
                [tool.packyard.sign]
                pfx = "cert.pfx"
                pfx-password-file = "pw.txt"
                timestamp-url = "http://timestamp.example.org"
                """);
        WindowsOptions w = p.packyard().windows();
        assertThat(w.upgradeCode()).contains(UUID.fromString("2f1c8a4e-0b7d-4c55-9a3e-6d2b1f0c9e71"));
        assertThat(w.startMenuShortcuts()).isEqualTo(Map.of("Notes", "notes-gui"));
        assertThat(w.desktopShortcuts()).isEqualTo(Map.of("Notes (desktop)", "notes-gui"));
        assertThat(w.eula()).contains(dir.resolve("eula.rtf").toAbsolutePath());
        assertThat(w.icon()).contains(dir.resolve("app.ico").toAbsolutePath());
        assertThat(w.installDir("Acme", "Notes")).isEqualTo("[ProgramFiles64Folder]Acme\\Notes Pro");
        assertThat(w.existingInstallDir()).contains("HKLM\\Software\\Acme\\Notes\\InstallDir");
        assertThat(w.requireAdmin()).isTrue();
        assertThat(w.perUser()).isFalse();
        assertThat(w.windowsVersions()).isEqualTo(List.of("10", "11", "server-2022"));
        assertThat(w.documentationUrl()).contains("https://example.org/docs");
        assertThat(w.addToPath()).isFalse();
        SignSettings s = p.packyard().sign().orElseThrow();
        assertThat(s.pfx()).isEqualTo(dir.resolve("cert.pfx").toAbsolutePath());
        assertThat(s.passwordFile()).isEqualTo(dir.resolve("pw.txt").toAbsolutePath());
        assertThat(s.timestampUrl()).contains("http://timestamp.example.org");
    }

    @Test
    void defaultsAndStableUpgradeCode() throws Exception {
        Project p = pyproject.load("");
        WindowsOptions w = p.packyard().windows();
        assertThat(p.packyard().sign()).isEmpty();
        assertThat(w.installDir("Acme", "Notes")).isEqualTo("[ProgramFiles64Folder]Acme\\Notes");
        assertThat(w.addToPath()).isTrue();
        UUID a = w.upgradeCode("Acme", "Notes");
        assertThat(a).isEqualTo(WindowsOptions.defaultUpgradeCode("Acme", "Notes"));
        assertThat(a.version()).isEqualTo(5);
        assertThat(a).isNotEqualTo(w.upgradeCode("Acme", "Notes Pro"));
        // the RFC 4122 example: uuid5(NAMESPACE_DNS, "python.org") = 886313e1-3b8a-5372-9b90-0c9aee199e5d
        assertThat(WindowsOptions.nameUuid(UUID.fromString("6ba7b810-9dad-11d1-80b4-00c04fd430c8"), "python.org"))
                .isEqualTo(UUID.fromString("886313e1-3b8a-5372-9b90-0c9aee199e5d"));
        Project perUser = pyproject.load("[tool.packyard.msi]\nscope = \"per-user\"\n");
        assertThat(perUser.packyard().windows().installDir("Acme", "Notes"))
                .isEqualTo("[LocalAppDataFolder]Programs\\Acme\\Notes");
    }

    @Test
    void badValuesNameTheLineAndKey() throws Exception {
        pyproject.fails("[tool.packyard.msi]\nupgrade-code = \"not-a-guid\"\n",
                "pyproject.toml:8: [tool.packyard.msi].upgrade-code: 'not-a-guid' is not a GUID such as"
                        + " 2f1c8a4e-0b7d-4c55-9a3e-6d2b1f0c9e71");
        pyproject.fails("[tool.packyard.msi]\nicon = \"missing.ico\"\n",
                "pyproject.toml:8: [tool.packyard.msi].icon: missing.ico: no such file");
        pyproject.fails("[tool.packyard.msi]\neula = \"missing.rtf\"\n",
                "pyproject.toml:8: [tool.packyard.msi].eula: missing.rtf: no such file");
        Files.writeString(dir.resolve("eula.txt"), "plain text\n");
        pyproject.fails("[tool.packyard.msi]\neula = \"eula.txt\"\n",
                "pyproject.toml:8: [tool.packyard.msi].eula: eula.txt is not an RTF document");
        Files.write(dir.resolve("small.bmp"), bmp(100, 50));
        pyproject.fails("[tool.packyard.msi]\nbanner = \"small.bmp\"\n",
                "pyproject.toml:8: [tool.packyard.msi].banner: small.bmp is 100x50 pixels; the installer needs 493x58");
        pyproject.fails("[tool.packyard.msi]\nwindows = [\"xp\"]\n",
                "pyproject.toml:8: [tool.packyard.msi].windows: unknown Windows version 'xp' (known: 10, 11,"
                        + " server-2016, server-2019, server-2022, server-2025)");
        pyproject.fails("[tool.packyard.msi]\nscope = \"everyone\"\n",
                "pyproject.toml:8: [tool.packyard.msi].scope: 'everyone' is not per-machine or per-user");
        pyproject.fails("[tool.packyard.msi]\ninstall-dir = \"C:\\\\Apps\"\n",
                "pyproject.toml:8: [tool.packyard.msi].install-dir: 'C:\\Apps' is not of the form"
                        + " [ProgramFiles64Folder]Company\\Product (a standard folder property, then a relative path"
                        + " without <>\"|?*:)");
        pyproject.fails("[tool.packyard.msi]\nshortcuts = { \"a/b\" = \"notes\" }\n",
                "pyproject.toml:8: [tool.packyard.msi].shortcuts: shortcut name 'a/b' is not a valid Windows file name");
        pyproject.fails("[tool.packyard.msi]\ncolour = \"blue\"\n",
                "pyproject.toml:8: [tool.packyard.msi].colour: unknown key (known keys: add-to-path, banner,"
                        + " desktop-shortcuts, dialog, documentation-url, eula, existing-install-dir, icon, install-dir,"
                        + " require-admin, scope, shortcuts, upgrade-code, windows)");
        pyproject.fails("[tool.packyard.sign]\npfx-password-file = \"pw.txt\"\n",
                "pyproject.toml:7: [tool.packyard.sign].pfx: missing (the PKCS#12 file with the signing certificate)");
    }
}
