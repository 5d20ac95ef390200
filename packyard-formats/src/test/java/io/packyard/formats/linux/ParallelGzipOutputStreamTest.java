package io.packyard.formats.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.packyard.formats.testkit.Cmd;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ParallelGzipOutputStreamTest {
    private static final int BLOCK = ParallelGzipOutputStream.BLOCK_SIZE;

    @TempDir
    Path tmp;

    static byte[] compress(byte[] data, int level, int threads, int chunk) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ParallelGzipOutputStream gz = new ParallelGzipOutputStream(out, level, threads)) {
            for (int off = 0; off < data.length; off += chunk) {
                gz.write(data, off, Math.min(chunk, data.length - off));
            }
        }
        return out.toByteArray();
    }

    static byte[] gunzip(byte[] gz) throws IOException {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
            return in.readAllBytes();
        }
    }

    @Test
    void roundTripsAtBlockBoundaries() throws IOException {
        for (int size : new int[] {0, 1, BLOCK - 1, BLOCK, BLOCK + 1, 3 * BLOCK + 12_345}) {
            byte[] data = ParallelXzOutputStreamTest.sample(size);
            assertThat(gunzip(compress(data, 9, 3, 65_536))).as("size " + size).isEqualTo(data);
        }
    }

    @Test
    void outputDoesNotDependOnThreadsOrWriteSizes() throws IOException {
        byte[] data = ParallelXzOutputStreamTest.sample(5 * BLOCK + 777);
        byte[] one = compress(data, 9, 1, 1 << 20);
        assertThat(compress(data, 9, 4, 777)).isEqualTo(one);
        assertThat(compress(data, 9, 2, 100_003)).isEqualTo(one);
    }

    @Test
    void headerIsReproducibleAndTrailerCarriesCrcAndSize() throws IOException {
        byte[] data = ParallelXzOutputStreamTest.sample(2 * BLOCK + 5);
        byte[] gz = compress(data, 9, 2, 8192);
        // no name, mtime 0, XFL 2 (best compression), OS 255
        assertThat(Arrays.copyOf(gz, 10)).containsExactly(0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 255);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(data);
        int n = gz.length;
        long storedCrc = (gz[n - 8] & 0xffL) | (gz[n - 7] & 0xffL) << 8 | (gz[n - 6] & 0xffL) << 16 | (gz[n - 5] & 0xffL) << 24;
        long storedSize = (gz[n - 4] & 0xffL) | (gz[n - 3] & 0xffL) << 8 | (gz[n - 2] & 0xffL) << 16 | (gz[n - 1] & 0xffL) << 24;
        assertThat(storedCrc).isEqualTo(crc.getValue());
        assertThat(storedSize).isEqualTo(data.length);
    }

    /** The preset dictionary keeps cross-block matches: the output stays within 1 % of one stream's. */
    @Test
    void costsLittleAgainstOneStream() throws IOException {
        byte[] data = ParallelXzOutputStreamTest.sample(6 * BLOCK);
        ByteArrayOutputStream single = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(single) {
            {
                def.setLevel(9);
            }
        }) {
            gz.write(data);
        }
        byte[] parallel = compress(data, 9, 2, 1 << 16);
        assertThat((double) parallel.length).isLessThan(single.size() * 1.01);
    }

    @Test
    void rejectsABadLevel() {
        assertThatThrownBy(() -> new ParallelGzipOutputStream(new ByteArrayOutputStream(), 0, 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("gzip level must be 1 to 9: 0");
    }

    @Test
    @Tag("system")
    void gzipReadsIt() throws IOException {
        byte[] data = ParallelXzOutputStreamTest.sample(3 * BLOCK + 99);
        Path f = tmp.resolve("data.gz");
        Files.write(f, compress(data, 9, 2, 65_536));
        Cmd.run("gzip", "--test", f.toString()).ok();
        Cmd.run("sh", "-c", "gzip -dc '" + f + "' > '" + tmp.resolve("data") + "'").ok();
        assertThat(Files.readAllBytes(tmp.resolve("data"))).isEqualTo(data);
    }
}
