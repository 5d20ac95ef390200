package io.packyard.formats.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tukaani.xz.XZInputStream;

class ParallelXzOutputStreamTest {

    /** Compressible text with some random runs, several blocks long at preset 0 (384 KiB blocks). */
    static byte[] sample(int size) {
        Random r = new Random(42);
        ByteArrayOutputStream b = new ByteArrayOutputStream(size);
        while (b.size() < size) {
            if (r.nextInt(10) == 0) {
                byte[] noise = new byte[r.nextInt(4096)];
                r.nextBytes(noise);
                b.writeBytes(noise);
            } else {
                b.writeBytes(("line " + r.nextInt(1000) + " of some python source = " + r.nextLong() + "\n")
                        .getBytes(StandardCharsets.US_ASCII));
            }
        }
        return java.util.Arrays.copyOf(b.toByteArray(), size);
    }

    static byte[] compress(byte[] data, int preset, int threads, int chunk) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ParallelXzOutputStream xz = new ParallelXzOutputStream(out, preset, threads)) {
            for (int off = 0; off < data.length; off += chunk) {
                xz.write(data, off, Math.min(chunk, data.length - off));
            }
        }
        return out.toByteArray();
    }

    @Test
    void roundTripsThroughXzForJava() throws IOException {
        for (int size : new int[] {0, 1, 100_000, 5_000_000}) {
            byte[] data = sample(size);
            byte[] xz = compress(data, 0, 3, 65536);
            try (XZInputStream in = new XZInputStream(new ByteArrayInputStream(xz))) {
                assertThat(in.readAllBytes()).as("size " + size).isEqualTo(data);
            }
        }
    }

    @Test
    void outputDoesNotDependOnThreadsOrWriteSizes() throws IOException {
        byte[] data = sample(4_000_000);
        byte[] one = compress(data, 0, 1, 1 << 20);
        assertThat(compress(data, 0, 4, 777)).isEqualTo(one);
        assertThat(compress(data, 0, 2, 65536)).isEqualTo(one);
    }

    @Test
    void dictionarySizeProperty() {
        assertThat(ParallelXzOutputStream.dictSizeProperty(8 << 20)).isEqualTo(22); // preset 6
        assertThat(ParallelXzOutputStream.dictSizeProperty(256 << 10)).isEqualTo(12); // preset 0
        assertThat(ParallelXzOutputStream.dictSizeProperty(3 << 20)).isEqualTo(19);
    }

    @Test
    @Tag("system")
    void xzUtilsAcceptsTheStreamAndSeesItsBlocks(@TempDir Path tmp) throws Exception {
        byte[] data = sample(5_000_000);
        Path f = tmp.resolve("data.xz");
        Files.write(f, compress(data, 0, 2, 65536));
        Process test = new ProcessBuilder("xz", "--test", f.toString()).redirectErrorStream(true).start();
        assertThat(new String(test.getInputStream().readAllBytes())).isEmpty();
        assertThat(test.waitFor()).isZero();
        Process list = new ProcessBuilder("xz", "--robot", "--list", f.toString()).redirectErrorStream(true).start();
        String listing = new String(list.getInputStream().readAllBytes());
        assertThat(list.waitFor()).as(listing).isZero();
        // "file" line: number of streams, number of blocks, ... ; 5 MB in 384 KiB blocks = 13 blocks
        assertThat(listing).containsPattern("(?m)^file\\t1\\t13\\t");
        Process dec = new ProcessBuilder("xz", "-dc", f.toString()).start();
        assertThat(dec.getInputStream().readAllBytes()).isEqualTo(data);
        assertThat(dec.waitFor()).isZero();
    }
}
