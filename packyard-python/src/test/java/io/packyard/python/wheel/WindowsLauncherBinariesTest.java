package io.packyard.python.wheel;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;

/**
 * The committed Windows launchers are what {@code launcher/launcher.c} builds to: runs
 * {@code launcher/check.sh} (mingw-w64 rebuild, byte comparison), and proves check.sh catches a
 * binary that differs.
 */
@Tag("system")
class WindowsLauncherBinariesTest {

    static final String RESOURCES = "packyard-python/src/main/resources/io/packyard/python/wheel/windows";

    /** The repository root: surefire runs in the module directory. */
    static Path repository() {
        Path root = Path.of("").toAbsolutePath().getParent();
        assertThat(root.resolve("launcher/check.sh")).as("launcher/check.sh in the repository").isRegularFile();
        return root;
    }

    record Run(int exit, String output) {}

    static Run sh(Path script) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("sh", script.toString()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
        return new Run(p.exitValue(), out);
    }

    @Test
    void committedLaunchersMatchARebuild() throws Exception {
        Run r = sh(repository().resolve("launcher/check.sh"));
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).contains("the committed launchers match a rebuild");
    }

    @Test
    void checkFailsOnADifferentBinary(@TempDir Path tmp) throws Exception {
        Path root = repository();
        Path launcher = Files.createDirectories(tmp.resolve("launcher"));
        for (String f : List.of("launcher.c", "launcher.rc", "launcher.manifest", "build.sh", "check.sh", "toolchain.txt")) {
            Files.copy(root.resolve("launcher").resolve(f), launcher.resolve(f));
        }
        Path resources = Files.createDirectories(tmp.resolve(RESOURCES));
        for (String exe : List.of("launcher-console-x64.exe", "launcher-gui-x64.exe")) {
            Files.copy(root.resolve(RESOURCES).resolve(exe), resources.resolve(exe));
        }
        Path gui = resources.resolve("launcher-gui-x64.exe");
        byte[] bytes = Files.readAllBytes(gui);
        bytes[bytes.length / 2] ^= 1;
        Files.write(gui, bytes);

        Run r = sh(launcher.resolve("check.sh"));

        assertThat(r.exit()).as(r.output()).isNotZero();
        assertThat(r.output()).contains("MISMATCH launcher-gui-x64.exe").doesNotContain("MISMATCH launcher-console");
        assertThat(Files.readAllBytes(gui)).as("check.sh changes nothing").isEqualTo(bytes);
    }
}
