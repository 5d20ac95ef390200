package io.packyard.formats.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
        return compress(data, preset, threads, chunk, -1);
    }

    static byte[] compress(byte[] data, int preset, int threads, int chunk, long totalSize) throws IOException {
        return compress(data, Lzma2Encoder.java(preset), threads, chunk, totalSize);
    }

    static byte[] compress(byte[] data, Lzma2Encoder encoder, int threads, int chunk, long totalSize) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ParallelXzOutputStream xz = new ParallelXzOutputStream(out, encoder, threads, totalSize)) {
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
    void outputWithAKnownSizeDoesNotDependOnThreadsOrWriteSizes() throws IOException {
        byte[] data = sample(2_000_000); // 6 blocks of 333,334 bytes at preset 0
        byte[] one = compress(data, 0, 1, 1 << 20, data.length);
        assertThat(compress(data, 0, 4, 777, data.length)).isEqualTo(one);
        assertThat(compress(data, 0, 3, 100_003, data.length)).isEqualTo(one);
        // a different block layout from the unknown-size one (384 KiB blocks), same content
        assertThat(one).isNotEqualTo(compress(data, 0, 2, 65536));
        try (XZInputStream in = new XZInputStream(new ByteArrayInputStream(one))) {
            assertThat(in.readAllBytes()).isEqualTo(data);
        }
    }

    /** The block layout rule, pinned: changing it changes every package's bytes. */
    @Test
    void blockSizeRule() {
        int mib = 1 << 20;
        int dict6 = 8 * mib; // preset 6
        // unknown size: nominal blocks of 1.5 x the dictionary
        assertThat(ParallelXzOutputStream.blockSize(dict6, -1)).isEqualTo(12 * mib);
        assertThat(ParallelXzOutputStream.blockSize(256 << 10, -1)).isEqualTo(384 << 10); // preset 0
        // an even number of equal blocks: ceil(total / 12 MiB), plus one when odd
        assertThat(ParallelXzOutputStream.blockSize(dict6, 30L * mib)).isEqualTo(30 * mib / 4); // 3 -> 4 blocks
        assertThat(ParallelXzOutputStream.blockSize(dict6, 74_086_400)).isEqualTo(12_347_734); // 6 blocks
        assertThat(ParallelXzOutputStream.blockSize(dict6, 100L * mib)).isEqualTo(10 * mib); // 9 -> 10
        assertThat(ParallelXzOutputStream.blockSize(dict6, 24L * mib)).isEqualTo(12 * mib); // 2
        assertThat(ParallelXzOutputStream.blockSize(dict6, 24L * mib + 1)).isEqualTo(6 * mib + 1); // 3 -> 4
        assertThat(ParallelXzOutputStream.blockSize(dict6, 12L * mib)).isEqualTo(6 * mib); // 1 -> 2
        assertThat(ParallelXzOutputStream.blockSize(dict6, 8L * mib)).isEqualTo(4 * mib); // 1 -> 2, the floor
        // not made even below half the dictionary: under one dictionary stays one block
        assertThat(ParallelXzOutputStream.blockSize(dict6, 8L * mib - 1)).isEqualTo(8 * mib - 1);
        assertThat(ParallelXzOutputStream.blockSize(dict6, 100)).isEqualTo(4 * mib);
        assertThat(ParallelXzOutputStream.blockSize(dict6, 0)).isEqualTo(4 * mib);
        // huge inputs: blocks never above the nominal size
        assertThat(ParallelXzOutputStream.blockSize(dict6, 10L << 30)).isEqualTo(12_573_090); // 854 blocks
        for (long total = 0; total < 300L * mib; total += 7_654_321) {
            int b = ParallelXzOutputStream.blockSize(dict6, total);
            long n = Math.max(1, (total + b - 1) / b);
            assertThat(b).as("total %d", total).isBetween(4 * mib, 12 * mib);
            assertThat(n == 1 || n % 2 == 0).as("total %d: %d blocks", total, n).isTrue();
            if (total >= 8L * mib) {
                assertThat(total - (n - 1) * b).as("total %d: last block", total).isGreaterThan(b - n);
            }
        }
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

    @Test
    @Tag("system")
    void xzUtilsSeesEqualBlocksWhenTheSizeIsKnown(@TempDir Path tmp) throws Exception {
        byte[] data = sample(5_000_000);
        Path f = tmp.resolve("data.xz");
        Files.write(f, compress(data, 0, 2, 65536, data.length));
        Process list = new ProcessBuilder("xz", "--robot", "--list", "-vv", f.toString())
                .redirectErrorStream(true).start();
        String listing = new String(list.getInputStream().readAllBytes());
        assertThat(list.waitFor()).as(listing).isZero();
        // 5 MB: ceil(5,000,000 / 384 KiB) = 13 blocks, made even: 14 of 357,143 bytes (the last 357,141);
        // "block" lines: stream, block in stream, block in file, offsets, compressed and uncompressed size
        assertThat(listing).containsPattern("(?m)^file\\t1\\t14\\t");
        List<Long> sizes = listing.lines().filter(l -> l.startsWith("block\t"))
                .map(l -> Long.parseLong(l.split("\t")[7])).toList();
        assertThat(sizes).hasSize(14);
        assertThat(sizes.subList(0, 13)).containsOnly(357_143L);
        assertThat(sizes.get(13)).isEqualTo(357_141L);
        Process dec = new ProcessBuilder("xz", "-dc", f.toString()).start();
        assertThat(dec.getInputStream().readAllBytes()).isEqualTo(data);
        assertThat(dec.waitFor()).isZero();
    }

    /** The build machine's xz (the test fails, not skips, where it is missing: .ci/run installs xz-utils). */
    static Lzma2Encoder liblzma(int preset) {
        Path xz = io.packyard.python.util.Executables.onPath("xz").orElseThrow(
                () -> new AssertionError("xz (xz-utils) is not on PATH"));
        return Lzma2Encoder.liblzma(xz, preset);
    }

    @Test
    @Tag("system")
    void liblzmaBlocksMakeTheSameKindOfStream(@TempDir Path tmp) throws Exception {
        byte[] data = sample(3_000_000);
        Lzma2Encoder encoder = liblzma(0);
        assertThat(encoder.description()).matches("liblzma \\d+\\.\\d+\\.\\d+ \\(.*xz\\)");
        byte[] one = compress(data, encoder, 1, 1 << 20, data.length);
        // reproducible: the thread count and the write sizes change nothing
        assertThat(compress(data, encoder, 3, 777, data.length)).isEqualTo(one);
        assertThat(compress(data, encoder, 2, 65536, data.length)).isEqualTo(one);
        // XZ for Java and xz-utils both read it back
        try (XZInputStream in = new XZInputStream(new ByteArrayInputStream(one))) {
            assertThat(in.readAllBytes()).isEqualTo(data);
        }
        Path f = tmp.resolve("data.xz");
        Files.write(f, one);
        Process dec = new ProcessBuilder("xz", "-dc", f.toString()).start();
        assertThat(dec.getInputStream().readAllBytes()).isEqualTo(data);
        assertThat(dec.waitFor()).isZero();
        // same block layout as XZ for Java's stream (8 blocks of 375,000 bytes at preset 0), other LZMA2 bytes
        byte[] java = compress(data, Lzma2Encoder.java(0), 2, 65536, data.length);
        assertThat(one).isNotEqualTo(java);
        Process list = new ProcessBuilder("xz", "--robot", "--list", f.toString()).redirectErrorStream(true).start();
        String listing = new String(list.getInputStream().readAllBytes());
        assertThat(list.waitFor()).as(listing).isZero();
        assertThat(listing).containsPattern("(?m)^file\\t1\\t8\\t");
    }

    @Test
    @Tag("system")
    void liblzmaAndXzForJavaAgreeOnThePreset6Dictionary() {
        assertThat(liblzma(6).dictSize()).isEqualTo(Lzma2Encoder.java(6).dictSize()).isEqualTo(8 << 20);
    }

    @Test
    void aFailingXzIsAnErrorNamingIt(@TempDir Path tmp) throws IOException {
        Path fake = tmp.resolve("xz");
        Files.writeString(fake, "#!/bin/sh\necho 'xz: simulated failure' >&2\nexit 1\n");
        fake.toFile().setExecutable(true);
        Lzma2Encoder encoder = new Lzma2Encoder.Liblzma(fake, 0, "0.0.0");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> compress(sample(100_000), encoder, 2, 4096, -1))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(fake + " --format=raw exited with status 1: xz: simulated failure");
    }
}
