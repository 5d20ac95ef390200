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
 * The committed onefile stubs are what {@code onefile/stub.c} and {@code onefile/stub-windows.c}
 * build to: runs {@code onefile/check.sh} (gcc, aarch64-linux-gnu-gcc and x86_64-w64-mingw32-gcc
 * rebuild, byte comparison), and proves check.sh catches a stub that differs.
 */
@Tag("system")
class OnefileStubBinariesTest {

    static final String RESOURCES = "packyard-formats/src/main/resources/io/packyard/formats/onefile";
    static final List<String> LINUX_STUBS = List.of("stub-linux-x86_64", "stub-linux-aarch64");
    static final List<String> WINDOWS_STUBS = List.of("stub-windows-x64-console.exe", "stub-windows-x64-gui.exe");
    static final List<String> STUBS = List.of("stub-linux-x86_64", "stub-linux-aarch64", "stub-windows-x64-console.exe",
            "stub-windows-x64-gui.exe");

    @Test
    void committedStubsMatchARebuild() throws Exception {
        CommittedBinaries.assertCommittedMatch("onefile", "the committed onefile stubs match a rebuild");
    }

    @Test
    void checkFailsOnADifferentStub(@TempDir Path tmp) throws Exception {
        CommittedBinaries.assertCheckCatches(tmp, "onefile", RESOURCES, STUBS, "stub-linux-aarch64");
    }

    @Test
    void checkFailsOnADifferentWindowsStub(@TempDir Path tmp) throws Exception {
        CommittedBinaries.assertCheckCatches(tmp, "onefile", RESOURCES, STUBS, "stub-windows-x64-gui.exe");
    }

    /** PE32+ for x64, the subsystem in the name, no timestamp, kernel32 its only import (no C runtime). */
    @Test
    void windowsStubsArePeWithoutCRuntime() throws Exception {
        Path root = CommittedBinaries.repository("onefile");
        for (String stub : WINDOWS_STUBS) {
            Path p = root.resolve(RESOURCES).resolve(stub);
            Process proc = new ProcessBuilder("x86_64-w64-mingw32-objdump", "-p", p.toString()).redirectErrorStream(true).start();
            String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(proc.waitFor(1, TimeUnit.MINUTES)).isTrue();
            assertThat(proc.exitValue()).as(out).isZero();
            assertThat(out).as(stub).contains("file format pei-x86-64").contains("Magic\t\t\t020b")
                    .contains("Time/Date\t\tThu Jan  1 00:00:00 1970")
                    .contains(stub.contains("gui") ? "(Windows GUI)" : "(Windows CUI)");
            assertThat(out.lines().filter(l -> l.contains("DLL Name:")).map(String::strip).toList()).as(stub)
                    .containsExactly("DLL Name: KERNEL32.dll");
            assertThat(Files.size(p)).as(stub).isLessThan(64 * 1024);
        }
    }

    /** Static, no interpreter, no dynamic section: independent of the target's C library. */
    @Test
    void stubsAreStaticElfExecutables() throws Exception {
        Path root = CommittedBinaries.repository("onefile");
        for (String stub : LINUX_STUBS) {
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
