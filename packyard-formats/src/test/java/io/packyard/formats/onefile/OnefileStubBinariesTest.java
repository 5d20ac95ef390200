package io.packyard.formats.onefile;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The committed onefile stubs are what {@code onefile/stub.c} builds to: runs
 * {@code onefile/check.sh} (gcc and aarch64-linux-gnu-gcc rebuild, byte comparison), and proves
 * check.sh catches a stub that differs.
 */
@Tag("system")
class OnefileStubBinariesTest {

    static final String RESOURCES = "packyard-formats/src/main/resources/io/packyard/formats/onefile";
    static final List<String> STUBS = List.of("stub-linux-x86_64", "stub-linux-aarch64");

    /** The repository root: surefire runs in the module directory. */
    static Path repository() {
        Path root = Path.of("").toAbsolutePath().getParent();
        assertThat(root.resolve("onefile/check.sh")).as("onefile/check.sh in the repository").isRegularFile();
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
    void committedStubsMatchARebuild() throws Exception {
        Run r = sh(repository().resolve("onefile/check.sh"));
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).contains("the committed onefile stubs match a rebuild");
    }

    @Test
    void checkFailsOnADifferentStub(@TempDir Path tmp) throws Exception {
        Path root = repository();
        Path dir = Files.createDirectories(tmp.resolve("onefile"));
        for (String f : List.of("stub.c", "build.sh", "check.sh", "toolchain.txt")) {
            Files.copy(root.resolve("onefile").resolve(f), dir.resolve(f));
        }
        Path resources = Files.createDirectories(tmp.resolve(RESOURCES));
        for (String stub : STUBS) {
            Files.copy(root.resolve(RESOURCES).resolve(stub), resources.resolve(stub));
        }
        Path arm = resources.resolve("stub-linux-aarch64");
        byte[] bytes = Files.readAllBytes(arm);
        bytes[bytes.length / 2] ^= 1;
        Files.write(arm, bytes);

        Run r = sh(dir.resolve("check.sh"));

        assertThat(r.exit()).as(r.output()).isNotZero();
        assertThat(r.output()).contains("MISMATCH stub-linux-aarch64").doesNotContain("MISMATCH stub-linux-x86_64");
        assertThat(Files.readAllBytes(arm)).as("check.sh changes nothing").isEqualTo(bytes);
    }

    /** Static, no interpreter, no dynamic section: independent of the target's C library. */
    @Test
    void stubsAreStaticElfExecutables() throws Exception {
        Path root = repository();
        for (String stub : STUBS) {
            Path p = root.resolve(RESOURCES).resolve(stub);
            Process proc = new ProcessBuilder("readelf", "-lhd", p.toString()).redirectErrorStream(true).start();
            String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(proc.waitFor(1, TimeUnit.MINUTES)).isTrue();
            assertThat(proc.exitValue()).as(out).isZero();
            assertThat(out).as(stub).contains("EXEC (Executable file)").doesNotContain("INTERP")
                    .doesNotContain("DYNAMIC").contains("There is no dynamic section");
            assertThat(out).contains(stub.endsWith("x86_64") ? "Advanced Micro Devices X86-64" : "AArch64");
            assertThat(Files.size(p)).as(stub).isLessThan(64 * 1024);
        }
    }
}
