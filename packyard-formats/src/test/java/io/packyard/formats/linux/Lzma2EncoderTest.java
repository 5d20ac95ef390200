package io.packyard.formats.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.packyard.python.PackyardException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Lzma2EncoderTest {

    /** A stand-in xz that answers --robot --version like XZ Utils 5.4.1 (a test fixture, not a compressor). */
    private static Path fakeXz(Path dir, String robotVersion) throws IOException {
        Files.createDirectories(dir);
        Path xz = dir.resolve("xz");
        Files.writeString(xz, "#!/bin/sh\nprintf '" + robotVersion + "'\n");
        assertThat(xz.toFile().setExecutable(true)).isTrue();
        return xz;
    }

    @Test
    void parsesTheRobotVersion() {
        assertThat(Lzma2Encoder.Liblzma.parseVersion("XZ_VERSION=50040012\nLIBLZMA_VERSION=50040012\n"))
                .contains("5.4.1");
        assertThat(Lzma2Encoder.Liblzma.parseVersion("XZ_VERSION=50080012\nLIBLZMA_VERSION=50080022\n"))
                .contains("5.8.2");
        assertThat(Lzma2Encoder.Liblzma.parseVersion("xz (XZ Utils) 5.4.1\n")).isEmpty();
    }

    @Test
    void autoTakesLiblzmaWhenAnXzIsOnPath(@TempDir Path tmp) throws IOException {
        Path xz = fakeXz(tmp.resolve("bin"), "XZ_VERSION=50040012\\nLIBLZMA_VERSION=50040012\\n");
        Lzma2Encoder e = Lzma2Encoder.select(6, Map.of("PATH", tmp.resolve("empty") + ":" + xz.getParent()));
        assertThat(e).isEqualTo(new Lzma2Encoder.Liblzma(xz, 6, "5.4.1"));
        assertThat(e.description()).isEqualTo("liblzma 5.4.1 (" + xz + ")");
        assertThat(Lzma2Encoder.select(6, Map.of("PATH", xz.getParent().toString(), "PACKYARD_XZ", "liblzma")))
                .isEqualTo(e);
    }

    @Test
    void autoFallsBackToXzForJava(@TempDir Path tmp) throws IOException {
        assertThat(Lzma2Encoder.select(6, Map.of("PATH", tmp.toString()))).isInstanceOf(Lzma2Encoder.XzForJava.class);
        assertThat(Lzma2Encoder.select(6, Map.of())).isInstanceOf(Lzma2Encoder.XzForJava.class);
        // an xz that is not XZ Utils (no LIBLZMA_VERSION) is not used
        Path other = fakeXz(tmp.resolve("other"), "busybox xz\\n");
        assertThat(Lzma2Encoder.select(6, Map.of("PATH", other.getParent().toString())))
                .isInstanceOf(Lzma2Encoder.XzForJava.class);
    }

    @Test
    void javaIsChosenEvenWithXzOnPath(@TempDir Path tmp) throws IOException {
        Path xz = fakeXz(tmp.resolve("bin"), "LIBLZMA_VERSION=50040012\\n");
        Lzma2Encoder e = Lzma2Encoder.select(6, Map.of("PATH", xz.getParent().toString(), "PACKYARD_XZ", "Java"));
        assertThat(e).isInstanceOf(Lzma2Encoder.XzForJava.class);
        assertThat(e.description()).isEqualTo("XZ for Java");
        assertThat(e.dictSize()).isEqualTo(8 << 20);
    }

    @Test
    void badSettingsAreOneLineErrors(@TempDir Path tmp) throws IOException {
        assertThatThrownBy(() -> Lzma2Encoder.select(6, Map.of("PACKYARD_XZ", "zstd")))
                .isInstanceOf(PackyardException.class)
                .hasMessage("PACKYARD_XZ: 'zstd' is not one of auto, liblzma, java");
        assertThatThrownBy(() -> Lzma2Encoder.select(6, Map.of("PATH", tmp.toString(), "PACKYARD_XZ", "liblzma")))
                .isInstanceOf(PackyardException.class)
                .hasMessage("PACKYARD_XZ=liblzma: no xz program on PATH (install xz-utils, or set PACKYARD_XZ=java)");
        Path other = fakeXz(tmp.resolve("other"), "busybox xz\\n");
        assertThatThrownBy(() -> Lzma2Encoder.select(6, Map.of("PATH", other.getParent().toString(), "PACKYARD_XZ", "liblzma")))
                .isInstanceOf(PackyardException.class)
                .hasMessageContaining("does not report a liblzma version");
    }
}
