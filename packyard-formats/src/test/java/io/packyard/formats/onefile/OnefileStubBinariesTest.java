package io.packyard.formats.onefile;

import static org.assertj.core.api.Assertions.assertThat;

import io.packyard.testkit.CommittedBinaries;
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

    @Test
    void committedStubsMatchARebuild() throws Exception {
        CommittedBinaries.assertCommittedMatch("onefile", "the committed onefile stubs match a rebuild");
    }

    @Test
    void checkFailsOnADifferentStub(@TempDir Path tmp) throws Exception {
        CommittedBinaries.assertCheckCatches(tmp, "onefile", RESOURCES, STUBS, "stub-linux-aarch64");
    }

    /** Static, no interpreter, no dynamic section: independent of the target's C library. */
    @Test
    void stubsAreStaticElfExecutables() throws Exception {
        Path root = CommittedBinaries.repository("onefile");
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
