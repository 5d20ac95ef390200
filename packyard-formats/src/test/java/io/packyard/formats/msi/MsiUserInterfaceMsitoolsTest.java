package io.packyard.formats.msi;

import static org.assertj.core.api.Assertions.assertThat;

import io.packyard.formats.testkit.Cmd;
import io.packyard.msi.db.MsiDatabase;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The user interface read back from written packages by msitools: every UI table exports with
 * {@code msiinfo export}, holds the rows that were written, and passes the referential checks of
 * {@link MsiUserInterfaceTest} as read from the file, both in the small test database and in a
 * package MsiFormat made of the Windows fixture application.
 */
@Tag("system")
class MsiUserInterfaceMsitoolsTest {

    static final List<String> UI_TABLES = List.of("ActionText", "AdminExecuteSequence", "AdminUISequence", "Binary",
            "CheckBox", "Control", "ControlCondition", "ControlEvent", "Dialog", "Directory", "EventMapping", "Feature",
            "InstallUISequence", "Property", "RadioButton", "TextStyle", "UIText");

    @TempDir
    Path tmp;

    @Test
    void testDatabaseReadsBackAsWritten() throws IOException {
        Path eula = tmp.resolve("eula.rtf");
        Files.writeString(eula, MsiUserInterfaceTestDatabase.eulaRtf(), StandardCharsets.US_ASCII);
        MsiDatabase db = MsiUserInterfaceTestDatabase.withoutUi(tmp);
        MsiUserInterface.addTo(db, new MsiUserInterface.Options(MsiUserInterfaceTestDatabase.PRODUCT_NAME, Optional.of(eula),
                Optional.empty(), Optional.empty(), "INSTALLDIR"));
        Path msi = tmp.resolve("ui.msi");
        db.write(msi);

        assertThat(Cmd.run("msiinfo", "tables", msi.toString()).ok().stdout().lines().toList()).containsAll(UI_TABLES);
        MsiUserInterfaceRows written = MsiUserInterfaceRows.of(db);
        MsiUserInterfaceRows read = MsiUserInterfaceRows.fromMsiinfo(msi, UI_TABLES);
        for (String table : UI_TABLES) {
            if (table.equals("Binary")) {
                assertThat(keys(read, table)).as(table).isEqualTo(keys(written, table));
                continue;
            }
            assertThat(sorted(read.rows(table))).as(table).isEqualTo(sorted(written.rows(table)));
        }
        MsiUserInterfaceTest.checkReferences(read);
        // the bitmaps come back byte for byte
        assertThat(extract(msi, "Binary.PackyardUI_Dialog")).isEqualTo(MsiUiImages.dialogBitmap());
        assertThat(extract(msi, "Binary.PackyardUI_Exclamation")).isEqualTo(MsiUiImages.exclamationIcon());
    }

    @Test
    void msiFormatPackageCarriesACompleteInterface() throws IOException {
        Path eula = tmp.resolve("LICENSE.txt");
        Files.writeString(eula, "Fixture licence.\nUse it well.\n", StandardCharsets.UTF_8);
        Path msi = MsiUserInterfaceTestDatabase.formatPackage(tmp.resolve("pkg"), eula);
        MsiUserInterfaceRows read = MsiUserInterfaceRows.fromMsiinfo(msi, UI_TABLES);
        MsiUserInterfaceTest.checkReferences(read);

        Map<String, Integer> ui = new TreeMap<>();
        read.rows("InstallUISequence").forEach(r -> ui.put((String) r.get(0), (Integer) r.get(2)));
        assertThat(ui.get("WelcomeDlg")).isGreaterThan(ui.get("MigrateFeatureStates")).isLessThan(ui.get("ProgressDlg"));
        assertThat(ui.get("ProgressDlg")).isLessThan(ui.get("ExecuteAction"));
        assertThat(ui.get("PrepareDlg")).isLessThan(ui.get("AppSearch")).isGreaterThan(ui.get("FindRelatedProducts"));
        String licence = (String) read.get("Control", "LicenseAgreementDlg", "LicenseText").orElseThrow().get(9);
        assertThat(licence).startsWith("{\\rtf1").contains("Fixture licence.\\par", "Use it well.\\par");
        assertThat(read.value("Property", "ErrorDialog")).isEqualTo("ErrorDlg");
        assertThat(read.value("Property", "PackyardUI_InstallDir")).isEqualTo("INSTALLDIR");
    }

    /** A stream of the package, as {@code msiinfo extract} writes it. */
    private byte[] extract(Path msi, String stream) throws IOException {
        Path out = tmp.resolve(stream + ".bin");
        Process p = new ProcessBuilder("msiinfo", "extract", msi.toString(), stream)
                .redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            assertThat(p.waitFor()).as("msiinfo extract " + stream).isZero();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        return Files.readAllBytes(out);
    }

    private static List<String> keys(MsiUserInterfaceRows rows, String table) {
        return rows.rows(table).stream().map(r -> (String) r.get(0)).sorted().toList();
    }

    /** Rows as comparable strings, sorted (the file stores them by primary key). */
    private static List<String> sorted(List<List<Object>> rows) {
        return rows.stream().map(Object::toString).sorted().toList();
    }
}
