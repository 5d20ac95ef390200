package io.packyard.formats.msi;

import io.packyard.bundle.Bundle;
import io.packyard.bundle.BundleMetadata;
import io.packyard.bundle.WindowsOptions;
import io.packyard.formats.testkit.Packages;
import io.packyard.formats.testkit.WindowsFixtureBundle;
import io.packyard.msi.cab.CabAttributes;
import io.packyard.msi.cab.CabinetResult;
import io.packyard.msi.cab.CabinetWriter;
import io.packyard.msi.db.MsiDatabase;
import io.packyard.msi.db.StandardTables;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * A small but complete installation database for the user interface tests: one feature, one
 * component with a few files in {@code [ProgramFiles64Folder]Packyard UI Demo}, an embedded
 * cabinet, the standard execute sequence and the standard non-dialog actions of the UI sequence
 * (what MsiFormat writes around {@link MsiUserInterface#addTo}).
 */
final class MsiUserInterfaceTestDatabase {

    static final String PRODUCT_NAME = "Packyard UI Demo";
    static final String FOLDER = "Packyard UI Demo";
    static final String PRODUCT_CODE = "{6F1C2A9E-3B1D-4C55-9A7E-2D0B5C1E8F11}";
    static final String UPGRADE_CODE = "{0B5D7E3A-91C4-4F2B-8E6A-7C3D2B1A0F99}";
    static final long EPOCH = 1_700_000_000L;

    /** File key to (long name, content) of the payload. */
    static final Map<String, String[]> FILES = new LinkedHashMap<>();

    static {
        FILES.put("f_readme", new String[] {"README.TXT|readme.txt", "Packyard UI demo\r\n"});
        FILES.put("f_hello", new String[] {"HELLOW~1.TXT|hello world.txt", "hello, world\r\n"});
        FILES.put("f_data", new String[] {"data.bin", "0123456789".repeat(1000)});
    }

    private MsiUserInterfaceTestDatabase() {
    }

    /** The database without its UI, ready for {@link MsiUserInterface#addTo}. */
    static MsiDatabase withoutUi(Path work) throws IOException {
        MsiDatabase db = MsiDatabase.builder().codepage(1252).build();
        db.summary().title("Installation Database").subject(PRODUCT_NAME).author("Packyard tests")
                .comments("User interface test package").template("x64;1033")
                .packageCode(UUID.nameUUIDFromBytes("packyard-ui-demo".getBytes(StandardCharsets.UTF_8)))
                .timestamp(Instant.ofEpochSecond(EPOCH));

        db.table(StandardTables.PROPERTY)
                .add("ProductCode", PRODUCT_CODE)
                .add("ProductName", PRODUCT_NAME)
                .add("ProductVersion", "1.0.0")
                .add("ProductLanguage", "1033")
                .add("Manufacturer", "Packyard")
                .add("UpgradeCode", UPGRADE_CODE)
                .add("ALLUSERS", "1")
                .add("ARPNOMODIFY", "1");

        db.table(StandardTables.DIRECTORY)
                .add("TARGETDIR", null, "SourceDir")
                .add("ProgramFiles64Folder", "TARGETDIR", ".")
                .add("INSTALLDIR", "ProgramFiles64Folder", "PYUIDEMO|" + FOLDER);
        db.table(StandardTables.COMPONENT)
                .add("c_main", "{3C2D1E0F-5A6B-4C7D-8E9F-0A1B2C3D4E5F}", "INSTALLDIR", 256, null, "f_readme");
        db.table(StandardTables.FEATURE).add("Main", null, PRODUCT_NAME, null, 1, 1, "INSTALLDIR", 0);
        db.table(StandardTables.FEATURE_COMPONENTS).add("Main", "c_main");

        CabinetWriter cab = CabinetWriter.builder().threads(1).build();
        int sequence = 1;
        for (Map.Entry<String, String[]> f : FILES.entrySet()) {
            byte[] content = f.getValue()[1].getBytes(StandardCharsets.US_ASCII);
            db.table(StandardTables.FILE).add(f.getKey(), "c_main", f.getValue()[0], content.length, null, null, 512, sequence++);
            cab.add(f.getKey(), content, EPOCH, CabAttributes.ARCHIVE);
        }
        Path cabFile = work.resolve("payload.cab");
        CabinetResult result = cab.write(cabFile);
        db.table(StandardTables.MEDIA).add(1, result.lastSequence(), null, "#payload.cab", null, null);
        db.addStream("payload.cab", Files.readAllBytes(cabFile));

        String[][] execute = {
            {"FindRelatedProducts", "25"}, {"AppSearch", "50"}, {"LaunchConditions", "100"}, {"ValidateProductID", "700"},
            {"CostInitialize", "800"}, {"FileCost", "900"}, {"CostFinalize", "1000"}, {"MigrateFeatureStates", "1200"},
            {"InstallValidate", "1400"}, {"InstallInitialize", "1500"}, {"ProcessComponents", "1600"},
            {"UnpublishFeatures", "1800"}, {"RemoveFiles", "3500"}, {"RemoveFolders", "3600"}, {"CreateFolders", "3700"},
            {"InstallFiles", "4000"}, {"RegisterUser", "6000"}, {"RegisterProduct", "6100"}, {"PublishFeatures", "6300"},
            {"PublishProduct", "6400"}, {"InstallFinalize", "6600"},
        };
        for (String[] a : execute) {
            db.table(StandardTables.INSTALL_EXECUTE_SEQUENCE).add(a[0], null, Integer.parseInt(a[1]));
        }
        String[][] ui = {
            {"FindRelatedProducts", "25"}, {"AppSearch", "50"}, {"LaunchConditions", "100"}, {"ValidateProductID", "700"},
            {"CostInitialize", "800"}, {"FileCost", "900"}, {"CostFinalize", "1000"}, {"MigrateFeatureStates", "1200"},
            {"ExecuteAction", "1300"},
        };
        for (String[] a : ui) {
            db.table(StandardTables.INSTALL_UI_SEQUENCE).add(a[0], null, Integer.parseInt(a[1]));
        }
        return db;
    }

    /** Writes the database with the UI of {@code options} to {@code out}. */
    static Path write(Path work, Path out, MsiUserInterface.Options options) throws IOException {
        MsiDatabase db = withoutUi(work);
        MsiUserInterface.addTo(db, options);
        db.write(out);
        return out;
    }

    /**
     * The formats' Windows fixture application (placeholder interpreter, no hooks) with an EULA,
     * packaged by {@link MsiFormat}: the user interface as a real Packyard .msi carries it.
     * The fixture has no EULA option, so its metadata is copied with one.
     */
    static Path formatPackage(Path dir, Path eula) throws IOException {
        Bundle b = WindowsFixtureBundle.named("msi-ui")
                .fakeInterpreter().withoutHooks().build(dir.resolve("bundle"));
        BundleMetadata m = b.metadata();
        WindowsOptions w = m.windows();
        WindowsOptions withEula = new WindowsOptions(w.upgradeCode(),
                w.startMenuShortcuts(), w.desktopShortcuts(), Optional.of(eula), w.icon(), w.banner(), w.dialog(),
                w.installDir(), w.existingInstallDir(), w.perUser(), w.requireAdmin(), w.windowsVersions(),
                w.documentationUrl(), w.addToPath());
        BundleMetadata m2 = new BundleMetadata(m.name(), m.version(), m.summary(),
                m.description(), m.homepage(), m.license(), m.maintainer(), m.company(), m.product(), m.target(),
                m.pythonVersion(), m.bundledInterpreter(), m.commands(), m.postInstallHook(), m.preUninstallHook(),
                m.debDepends(), m.rpmRequires(), withEula, m.configFiles(), m.services());
        Bundle bundle = Bundle.builder().metadata(m2).root(b.root())
                .sourceDateEpoch(b.sourceDateEpoch()).build();
        return Packages.build(new MsiFormat(), bundle, dir.resolve("out"));
    }

    /** A short EULA in RTF. */
    static String eulaRtf() {
        StringBuilder sb = new StringBuilder("{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0\\fswiss Tahoma;}}\\viewkind4\\uc1\\pard\\f0\\fs16");
        sb.append("{\\b PACKYARD UI DEMO LICENSE AGREEMENT}\\par\\par ");
        for (int i = 1; i <= 12; i++) {
            sb.append(i).append(". This is clause number ").append(i)
                    .append(" of a licence that exists only to fill the scrollable text control of the test.\\par ");
        }
        return sb.append("}").toString();
    }
}
