package io.packyard.formats.msi;

import static org.assertj.core.api.Assertions.assertThat;

import io.packyard.testkit.Wine;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dialogs at work: Wine's msiexec shows them on a virtual display (Xvfb) and the test clicks
 * through them with xdotool like a user would, then checks what got installed.
 *
 * <ol>
 * <li>Cancel on the welcome page &rarr; "Are you sure?" Yes &rarr; the interrupted page: exit code
 * 1602 and nothing installed.</li>
 * <li>Welcome &rarr; License (Next disabled, and doing nothing, until "I accept" is ticked) &rarr;
 * Destination Folder &rarr; Change... (a folder typed in the browse dialog) &rarr; Ready &rarr;
 * Install &rarr; Finish: the files are in the chosen folder, and msiexec saw LicenseAccepted=1.</li>
 * <li>An installed product run again: the maintenance dialogs &rarr; Remove &rarr; Remove &rarr;
 * Finish: the files are gone.</li>
 * </ol>
 * The first two use the formats' Windows fixture application packaged by MsiFormat (the real
 * thing), the third the small test database (see that test for why).
 * Screenshots of the pages and the msiexec logs go to {@code <build dir>/msi-ui-wine/}. Needs wine, Xvfb
 * (xvfb), xdotool and xwd (x11-apps).
 */
@Tag("system")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MsiUserInterfaceWineTest {

    private static final Duration STEP = Duration.ofSeconds(60);
    private static final String CUSTOM_DIR = "C:\\Custom Place\\Demo App\\";

    @TempDir
    static Path tmp;

    private static Wine wine;
    private static MsiUserInterfaceDesktop desktop;
    /** The fixture application packaged by MsiFormat: the first installation and the cancelled one. */
    private static Package app;
    /** The small test database: the maintenance dialogs (see removesThroughTheMaintenanceDialogs). */
    private static Package demo;
    private static String company;
    private static final Path SHOTS = Path.of(System.getProperty("packyard.build.dir", "target"), "msi-ui-wine");

    @BeforeAll
    static void setUp() throws IOException {
        Path work = Files.createDirectories(tmp.resolve("work"));
        Path eula = work.resolve("eula.rtf");
        Files.writeString(eula, MsiUserInterfaceTestDatabase.eulaRtf(), StandardCharsets.US_ASCII);
        app = Package.of(MsiUserInterfaceTestDatabase.formatPackage(work, eula));
        company = app.rows().value("Property", "Manufacturer");
        Path demoMsi = work.resolve("ui demo.msi");
        MsiUserInterfaceTestDatabase.write(Files.createDirectories(work.resolve("demo")), demoMsi,
                new MsiUserInterface.Options(MsiUserInterfaceTestDatabase.PRODUCT_NAME, Optional.of(eula), Optional.empty(),
                        Optional.empty(), "INSTALLDIR"));
        demo = Package.of(demoMsi);
        desktop = MsiUserInterfaceDesktop.start();
        wine = Wine.create(tmp.resolve("prefix"));
    }

    /** A package under test: its file, its UI rows as msitools reads them, its windows' title (a POSIX regex). */
    private record Package(Path msi, MsiUserInterfaceRows rows, String title) {
        static Package of(Path msi) {
            MsiUserInterfaceRows rows = MsiUserInterfaceRows.fromMsiinfo(msi, MsiUserInterfaceMsitoolsTest.UI_TABLES);
            return new Package(msi, rows, MsiUserInterfaceDesktop.literal(rows.value("Property", "ProductName") + " Setup"));
        }
    }

    @AfterAll
    static void tearDown() throws IOException {
        try {
            if (wine != null) {
                wine.close();
            }
        } finally {
            if (desktop != null) {
                desktop.close();
            }
        }
    }

    @Test
    @Order(2)
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void installsThroughTheWizard() throws Exception {
        Msiexec run = Msiexec.start("install", app);
        long welcome = run.awaitPage("WelcomeDlg", "Next", Set.of());
        BufferedImage shot = desktop.screenshot(welcome, SHOTS.resolve("1-welcome.png"));
        // the dialog bitmap is drawn: the dark panel on the left, white paper on the right
        int panel = shot.getRGB(shot.getWidth() / 20, shot.getHeight() / 20);
        assertThat((panel >> 16) & 0xFF).as("panel red").isLessThan(0x60);
        assertThat(panel & 0xFF).as("panel blue").isGreaterThan((panel >> 16) & 0xFF);
        assertThat(shot.getRGB(shot.getWidth() * 9 / 10, shot.getHeight() / 2) & 0xFFFFFF).isEqualTo(0xFFFFFF);

        long license = run.clickAndAwait(welcome, "WelcomeDlg", "Next", "LicenseAgreementDlg", "Back");
        BufferedImage page = desktop.screenshot(license, SHOTS.resolve("2-license.png"));
        // Next is disabled, and does nothing, while the licence is not accepted
        assertThat(run.enabled(page, "LicenseAgreementDlg", "Next")).as("Next enabled before the licence is accepted").isFalse();
        run.click(license, "LicenseAgreementDlg", "Next");
        Thread.sleep(2500);
        assertThat(desktop.top(app.title())).as("still on the licence page").isEqualTo(license);
        run.click(license, "LicenseAgreementDlg", "LicenseAcceptedCheckBox");
        run.awaitPage("LicenseAgreementDlg", "Next", Set.of());
        desktop.screenshot(license, SHOTS.resolve("3-license-accepted.png"));

        long folder = run.clickAndAwait(license, "LicenseAgreementDlg", "Next", "InstallDirDlg", "ChangeFolder");
        long browse = run.clickAndAwait(folder, "InstallDirDlg", "ChangeFolder", "BrowseDlg", "OK");
        desktop.screenshot(browse, SHOTS.resolve("4-browse.png"));
        run.click(browse, "BrowseDlg", "PathEdit");
        desktop.key("ctrl+a", "BackSpace");
        desktop.type(CUSTOM_DIR);
        long back = run.clickAndReturn(browse, "BrowseDlg", "OK", "InstallDirDlg", "Next");
        assertThat(back).as("back on the folder page").isEqualTo(folder);
        desktop.screenshot(folder, SHOTS.resolve("5-folder.png"));

        long ready = run.clickAndAwait(folder, "InstallDirDlg", "Next", "VerifyReadyDlg", "Install");
        desktop.screenshot(ready, SHOTS.resolve("6-ready.png"));
        long exit = run.clickAndAwait(ready, "VerifyReadyDlg", "Install", "ExitDialog", "Finish");
        desktop.screenshot(exit, SHOTS.resolve("7-finish.png"));
        run.click(exit, "ExitDialog", "Finish");
        assertThat(run.exitCode()).as("msiexec exit code; log:\n" + run.log()).isZero();

        Path installed = wine.toUnix(CUSTOM_DIR);
        assertThat(installed.resolve("data/version.txt")).hasContent("1.0\n");
        assertThat(installed.resolve("data/file with spaces.txt")).exists();
        assertThat(installed.resolve("python/python.exe")).exists();
        assertThat(wine.driveC().resolve("Program Files/" + company)).doesNotExist();
        String log = run.log();
        assertThat(log).contains("LicenseAccepted = 1", "INSTALLDIR = " + CUSTOM_DIR);
    }

    @Test
    @Order(3)
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void removesThroughTheMaintenanceDialogs() throws Exception {
        // The small test database, installed silently first. (Not the MsiFormat package: for a
        // product with a component whose key path is a registry value, Wine's msi reports the
        // installed feature as run-from-source (dlls/msi/msi.c, query_feature_state, takes the
        // "NN:" registry key path for a source path) and then keeps the components when the UI
        // sets the feature absent; msiexec /x, which sets REMOVE=ALL before costing, is not
        // affected. Windows has no such confusion.)
        wine.waitForShutdown();
        Wine.Result silent = wine.run("msiexec", List.of("/i", wine.toWindows(demo.msi()), "/qn"), Map.of("DISPLAY", desktop.display()),
                Duration.ofMinutes(3));
        assertThat(silent.exitCode()).as(silent.toString()).isZero();
        Path installed = wine.driveC().resolve("Program Files/" + MsiUserInterfaceTestDatabase.FOLDER);
        assertThat(installed.resolve("readme.txt")).exists();

        Msiexec run = Msiexec.start("maintenance", demo);
        long welcome = run.awaitPage("MaintenanceWelcomeDlg", "Next", Set.of());
        desktop.screenshot(welcome, SHOTS.resolve("8-maintenance.png"));
        long type = run.clickAndAwait(welcome, "MaintenanceWelcomeDlg", "Next", "MaintenanceTypeDlg", "RemoveButton");
        desktop.screenshot(type, SHOTS.resolve("9-repair-or-remove.png"));
        long ready = run.clickAndAwait(type, "MaintenanceTypeDlg", "RemoveButton", "VerifyReadyDlg", "Remove");
        desktop.screenshot(ready, SHOTS.resolve("10-ready-to-remove.png"));
        long exit = run.clickAndAwait(ready, "VerifyReadyDlg", "Remove", "ExitDialog", "Finish");
        run.click(exit, "ExitDialog", "Finish");
        assertThat(run.exitCode()).as("msiexec exit code; log:\n" + run.log()).isZero();
        assertThat(run.log()).contains("PackyardUI_Mode = Remove", "REMOVE = ALL");
        for (String name : List.of("readme.txt", "hello world.txt", "data.bin")) {
            assertThat(installed.resolve(name)).as(name).doesNotExist();
        }
    }

    @Test
    @Order(1)
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void cancelLeavesTheSystemAlone() throws Exception {
        Msiexec run = Msiexec.start("cancel", app);
        long welcome = run.awaitPage("WelcomeDlg", "Next", Set.of());
        long confirm = run.clickAndAwait(welcome, "WelcomeDlg", "Cancel", "CancelDlg", "Yes");
        desktop.screenshot(confirm, SHOTS.resolve("11-cancel.png"));
        long interrupted = run.clickAndAwait(confirm, "CancelDlg", "Yes", "UserExit", "Finish");
        desktop.screenshot(interrupted, SHOTS.resolve("12-interrupted.png"));
        run.click(interrupted, "UserExit", "Finish");
        // ERROR_INSTALL_USEREXIT (1602), of which a Unix exit status keeps the low byte
        assertThat(run.exitCode()).as("msiexec exit code; log:\n" + run.log()).isEqualTo(1602 & 0xFF);
        assertThat(wine.driveC().resolve("Program Files/" + company)).doesNotExist();
        assertThat(wine.toUnix(CUSTOM_DIR).resolve("data/version.txt")).doesNotExist();
    }

    /** One msiexec /i run with a verbose log, shown on the virtual display. */
    private record Msiexec(Package pkg, Process process, Path logFile, Set<Long> seen) {

        static Msiexec start(String name, Package pkg) throws IOException {
            // a wineserver left from a run without DISPLAY would keep every window off the screen
            wine.waitForShutdown();
            Files.createDirectories(SHOTS);
            Path log = SHOTS.resolve(name + ".log").toAbsolutePath();
            Files.deleteIfExists(log);
            Path out = SHOTS.resolve(name + ".out").toAbsolutePath();
            Path err = SHOTS.resolve(name + ".err").toAbsolutePath();
            Map<String, String> env = new HashMap<>();
            env.put("DISPLAY", desktop.display());
            // WINEDEBUG for a run, e.g. +msi, when a wine behaviour needs looking into (stderr in .err)
            Optional.ofNullable(System.getenv("PACKYARD_TEST_WINEDEBUG")).ifPresent(v -> env.put("WINEDEBUG", v));
            Process p = wine.start(wine.driveC().resolve("windows/system32/msiexec.exe"),
                    List.of("/i", wine.toWindows(pkg.msi()), "/l*v", wine.toWindows(log)), env, out, err);
            return new Msiexec(pkg, p, log, new HashSet<>());
        }

        String log() throws IOException {
            return Files.exists(logFile) ? Files.readString(logFile, StandardCharsets.ISO_8859_1) : "(no log)";
        }

        /**
         * Waits until {@code dialog} is up and returns its window: the newest window with the
         * product's title, none of {@code excluded} (pages seen before), with the dialog's
         * proportions and with {@code enabledButton} drawn enabled. Every page has the same title,
         * and the transient pages (PrepareDlg, ProgressDlg) look much like the next one, but their
         * buttons are disabled where the next page's are not.
         */
        long awaitPage(String dialog, String enabledButton, Set<Long> excluded) throws IOException, InterruptedException {
            List<Object> d = pkg.rows().get("Dialog", dialog).orElseThrow();
            int width = (Integer) d.get(3);
            int height = (Integer) d.get(4);
            List<Object> c = pkg.rows().get("Control", dialog, enabledButton).orElseThrow();
            long deadline = System.nanoTime() + STEP.toNanos();
            long candidate = -1;
            while (System.nanoTime() < deadline) {
                long top = desktop.top(pkg.title());
                BufferedImage image = top == -1 || excluded.contains(top) ? null : desktop.capture(top);
                boolean looksRight = image != null
                        && Math.abs(image.getWidth() * height - image.getHeight() * width) < 3 * width
                        && MsiUserInterfaceDesktop.buttonEnabled(image, width, (Integer) c.get(3), (Integer) c.get(4),
                                (Integer) c.get(5), (Integer) c.get(6));
                if (looksRight && top == candidate) {
                    seen.add(top);
                    return top; // seen twice in a row: drawn and settled
                }
                candidate = looksRight ? top : -1;
                if (!process.isAlive()) {
                    throw new AssertionError("msiexec ended (" + process.exitValue() + ") before " + dialog + "; log:\n" + log());
                }
                Thread.sleep(400);
            }
            throw new AssertionError(dialog + " not shown within " + STEP + " (newest window: " + desktop.top(pkg.title())
                    + ", excluded: " + excluded + "); log:\n" + log());
        }

        /** Clicks a control of the dialog shown in {@code window}. */
        void click(long window, String dialog, String control) throws IOException {
            List<Object> c = pkg.rows().get("Control", dialog, control)
                    .orElseThrow(() -> new AssertionError("no control " + dialog + "/" + control));
            int width = (Integer) pkg.rows().get("Dialog", dialog).orElseThrow().get(3);
            desktop.click(window, width, (Integer) c.get(3), (Integer) c.get(4), (Integer) c.get(5), (Integer) c.get(6));
        }

        /**
         * Clicks a control and waits for the next page (or dialog) {@code next}, recognised by its
         * enabled {@code nextButton}, in a window not seen before in this run (each page is a new
         * window).
         */
        long clickAndAwait(long window, String dialog, String control, String next, String nextButton)
                throws IOException, InterruptedException {
            click(window, dialog, control);
            return awaitPage(next, nextButton, Set.copyOf(seen));
        }

        /** Clicks a control that closes a dialog and waits to be back on the page {@code back} below it. */
        long clickAndReturn(long window, String dialog, String control, String back, String backButton)
                throws IOException, InterruptedException {
            click(window, dialog, control);
            return awaitPage(back, backButton, Set.of(window));
        }

        /** Whether the control's button is drawn enabled in a capture of the dialog. */
        boolean enabled(BufferedImage image, String dialog, String control) {
            List<Object> c = pkg.rows().get("Control", dialog, control).orElseThrow();
            int width = (Integer) pkg.rows().get("Dialog", dialog).orElseThrow().get(3);
            return MsiUserInterfaceDesktop.buttonEnabled(image, width, (Integer) c.get(3), (Integer) c.get(4), (Integer) c.get(5),
                    (Integer) c.get(6));
        }

        int exitCode() throws InterruptedException {
            if (!process.waitFor(2, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new AssertionError("msiexec did not exit");
            }
            return process.exitValue();
        }
    }
}
