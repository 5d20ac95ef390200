package io.packyard.msi.db;

import static org.assertj.core.api.Assertions.assertThat;

import io.packyard.testkit.Wine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * A minimal installation database (no files: one component writing a registry value) is installed
 * and removed with Wine's msiexec, which reads the database with Wine's own msi.dll.
 */
@Tag("system")
class MsiexecWineSystemTest {

    @TempDir
    static Path tmp;

    static Wine wine;

    @BeforeAll
    static void prefix() throws Exception {
        wine = Wine.create(tmp.resolve("prefix"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (wine != null) {
            wine.close();
        }
    }

    @ParameterizedTest
    @CsvSource({"1252, Café – ü€, 1", "65001, Привет ☃ café, 2"})
    void installsWritesTheRegistryValueAndUninstalls(int codepage, String value, int n) throws Exception {
        String productCode = guid(new UUID(0x5041434B59415244L, n));
        String key = "Software\\PackyardDbTest" + n;
        MsiDatabase db = MsiDatabase.builder().codepage(codepage).build();
        db.summary().title("Installation Database").subject("Packyard DB test").author("Packyard")
                .template("x64;1033").packageCode(new UUID(0x1111L, n)).timestamp(Instant.ofEpochSecond(1_700_000_000L));
        db.table(StandardTables.PROPERTY)
                .add("ProductCode", productCode)
                .add("ProductName", "Packyard DB test " + n)
                .add("ProductVersion", "1.0." + n)
                .add("Manufacturer", "Packyard")
                .add("ProductLanguage", "1033")
                .add("UpgradeCode", guid(new UUID(0x2222L, n)))
                .add("ALLUSERS", "1");
        db.table(StandardTables.DIRECTORY).add("TARGETDIR", null, "SourceDir");
        // 4 = registry key path, 256 = 64-bit component
        db.table(StandardTables.COMPONENT).add("RegComp", guid(new UUID(0x3333L, n)), "TARGETDIR", 4 | 256, null, "RegVal");
        db.table(StandardTables.REGISTRY).add("RegVal", 2, key, "Value", value, "RegComp");
        db.table(StandardTables.FEATURE).add("Complete", null, "Complete", null, 1, 1, null, 0);
        db.table(StandardTables.FEATURE_COMPONENTS).add("Complete", "RegComp");
        Table seq = db.table(StandardTables.INSTALL_EXECUTE_SEQUENCE);
        Object[][] actions = {
            {"CostInitialize", 800}, {"FileCost", 900}, {"CostFinalize", 1000}, {"InstallValidate", 1400},
            {"InstallInitialize", 1500}, {"ProcessComponents", 1600}, {"UnpublishFeatures", 1800},
            {"RemoveRegistryValues", 2600}, {"WriteRegistryValues", 5000}, {"RegisterUser", 6000},
            {"RegisterProduct", 6100}, {"PublishFeatures", 6300}, {"PublishProduct", 6400}, {"InstallFinalize", 6600}};
        for (Object[] a : actions) {
            seq.add(a[0], null, a[1]);
        }
        Path msi = tmp.resolve("test" + n + ".msi");
        db.write(msi);

        Path log = tmp.resolve("install" + n + ".log");
        Wine.Result install = wine.run("msiexec", List.of("/i", wine.toWindows(msi), "/qn", "/l*v", wine.toWindows(log)),
                Map.of(), Duration.ofMinutes(3));
        assertThat(install.exitCode()).as("msiexec /i\n%s\n%s", install, logText(log)).isZero();
        assertThat(wine.registryValue("HKLM\\" + key, "Value")).as(logText(log))
                .hasValueSatisfying(v -> assertThat(v.string()).isEqualTo(value));

        Wine.Result remove = wine.run("msiexec", List.of("/x", productCode, "/qn"), Map.of(), Duration.ofMinutes(3));
        assertThat(remove.exitCode()).as("msiexec /x\n%s", remove).isZero();
        assertThat(wine.registryValue("HKLM\\" + key, "Value")).isEmpty();
    }

    private static String guid(UUID u) {
        return "{" + u.toString().toUpperCase() + "}";
    }

    private static String logText(Path log) {
        try {
            if (!Files.exists(log)) {
                return "(no log)";
            }
            byte[] b = Files.readAllBytes(log);
            boolean utf16 = b.length > 1 && b[0] == (byte) 0xFF && b[1] == (byte) 0xFE;
            String s = new String(b, utf16 ? java.nio.charset.StandardCharsets.UTF_16LE : java.nio.charset.StandardCharsets.UTF_8);
            return s.length() > 20_000 ? s.substring(s.length() - 20_000) : s;
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }
}
