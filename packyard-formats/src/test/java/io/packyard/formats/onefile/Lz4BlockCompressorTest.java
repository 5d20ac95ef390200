package io.packyard.formats.onefile;

import static org.assertj.core.api.Assertions.assertThat;

import io.packyard.formats.testkit.Cmd;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Lz4BlockCompressorTest {

    /** Inputs that reach every branch: tiny, empty, runs, overlapping matches, long literals. */
    static List<byte[]> inputs() {
        List<byte[]> in = new ArrayList<>();
        Random r = new Random(42);
        in.add(new byte[0]);
        in.add(new byte[] {7});
        in.add(new byte[12]);
        in.add(new byte[13]);
        in.add(new byte[1 << 20]); // zeros: one long overlapping match
        byte[] random = new byte[300_000];
        r.nextBytes(random);
        in.add(random); // incompressible: long literal runs
        StringBuilder text = new StringBuilder();
        while (text.length() < 700_000) {
            text.append("def f").append(r.nextInt(500)).append("(self, value):\n    return value * ")
                    .append(r.nextInt(100)).append('\n');
        }
        in.add(text.toString().getBytes(StandardCharsets.US_ASCII));
        byte[] mixed = new byte[200_000];
        for (int i = 0; i < mixed.length; i++) {
            mixed[i] = (byte) ((i / 3000) % 2 == 0 ? r.nextInt(256) : "abcabcabd".charAt(i % 9));
        }
        in.add(mixed);
        byte[] far = new byte[200_000]; // a repeat just inside, and one just outside, the 64 KiB window
        r.nextBytes(far);
        System.arraycopy(far, 0, far, 65_535, 1000);
        System.arraycopy(far, 2000, far, 2000 + 65_536, 1000);
        in.add(far);
        return in;
    }

    @Test
    void roundTripsThroughAnIndependentDecoder() {
        for (int attempts : new int[] {1, 16}) {
            Lz4BlockCompressor c = new Lz4BlockCompressor(attempts);
            for (byte[] data : inputs()) {
                byte[] dst = new byte[Lz4BlockCompressor.maxCompressedLength(data.length)];
                int n = c.compress(data, 0, data.length, dst);
                byte[] block = Arrays.copyOf(dst, n);
                assertThat(OnefileReader.decode(block, data.length)).isEqualTo(data);
                checkEndRules(block, data.length);
            }
        }
    }

    @Test
    void compressesASliceOfALargerArray() {
        byte[] data = inputs().get(6);
        Lz4BlockCompressor c = new Lz4BlockCompressor(16);
        byte[] dst = new byte[Lz4BlockCompressor.maxCompressedLength(100_000)];
        int n = c.compress(data, 12_345, 100_000, dst);
        assertThat(OnefileReader.decode(Arrays.copyOf(dst, n), 100_000))
                .isEqualTo(Arrays.copyOfRange(data, 12_345, 112_345));
    }

    @Test
    void compressesTextAndZerosWellAndIsDeterministic() {
        List<byte[]> in = inputs();
        byte[] text = in.get(6);
        byte[] a = new byte[Lz4BlockCompressor.maxCompressedLength(text.length)];
        byte[] b = new byte[a.length];
        int na = new Lz4BlockCompressor(16).compress(text, 0, text.length, a);
        Lz4BlockCompressor reused = new Lz4BlockCompressor(16);
        reused.compress(in.get(5), 0, in.get(5).length, b); // state from another block must not leak
        int nb = reused.compress(text, 0, text.length, b);
        assertThat(Arrays.copyOf(a, na)).isEqualTo(Arrays.copyOf(b, nb));
        assertThat(na).isLessThan(text.length / 4);
        byte[] zeros = in.get(4);
        int nz = new Lz4BlockCompressor(16).compress(zeros, 0, zeros.length, new byte[Lz4BlockCompressor.maxCompressedLength(zeros.length)]);
        assertThat(nz).isLessThan(5000);
        int more = new Lz4BlockCompressor(64).compress(text, 0, text.length, new byte[a.length]);
        int fewer = new Lz4BlockCompressor(1).compress(text, 0, text.length, new byte[a.length]);
        assertThat(more).isLessThanOrEqualTo(na);
        assertThat(na).isLessThanOrEqualTo(fewer);
    }

    /**
     * The block format's end rules, which the reference decoder relies on: the last sequence is
     * literals only, the last 5 bytes are literals, the last match starts 12 or more bytes before the end.
     */
    private static void checkEndRules(byte[] block, int size) {
        int ip = 0;
        int op = 0;
        int lastMatchStart = -1;
        int lastMatchEnd = 0;
        while (true) {
            int token = block[ip++] & 0xFF;
            int lit = token >>> 4;
            if (lit == 15) {
                int b;
                do {
                    b = block[ip++] & 0xFF;
                    lit += b;
                } while (b == 255);
            }
            ip += lit;
            op += lit;
            if (ip == block.length) {
                break;
            }
            ip += 2;
            int ml = token & 15;
            if (ml == 15) {
                int b;
                do {
                    b = block[ip++] & 0xFF;
                    ml += b;
                } while (b == 255);
            }
            lastMatchStart = op;
            op += ml + 4;
            lastMatchEnd = op;
        }
        assertThat(op).isEqualTo(size);
        if (lastMatchStart >= 0) {
            assertThat(lastMatchStart).isLessThanOrEqualTo(size - 12);
            assertThat(lastMatchEnd).isLessThanOrEqualTo(size - 5);
        }
    }

    /**
     * The reference implementation decodes our blocks: the lz4 command line tool reads the
     * "legacy" frame format (a magic number, then blocks of 8 MiB, each with its compressed size),
     * which needs no checksum.
     */
    @Test
    @Tag("system")
    void theLz4ToolDecodesTheBlocks(@TempDir Path tmp) throws Exception {
        ByteArrayOutputStream plain = new ByteArrayOutputStream();
        for (byte[] b : inputs()) {
            plain.writeBytes(b);
        }
        plain.writeBytes(inputs().get(6));
        plain.writeBytes(new byte[7 << 20]);
        byte[] data = plain.toByteArray();
        assertThat(data.length).isGreaterThan(8 << 20); // at least two legacy blocks
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        frame.writeBytes(new byte[] {0x02, 0x21, 0x4C, 0x18});
        Lz4BlockCompressor c = new Lz4BlockCompressor(16);
        for (int off = 0; off < data.length; off += 8 << 20) {
            int len = Math.min(8 << 20, data.length - off);
            byte[] dst = new byte[Lz4BlockCompressor.maxCompressedLength(len)];
            int n = c.compress(data, off, len, dst);
            frame.writeBytes(new byte[] {(byte) n, (byte) (n >>> 8), (byte) (n >>> 16), (byte) (n >>> 24)});
            frame.write(dst, 0, n);
        }
        Path in = tmp.resolve("data.lz4");
        Files.write(in, frame.toByteArray());
        Path out = tmp.resolve("data");
        Cmd.run("lz4", "-d", "-f", "-q", in.toString(), out.toString()).ok();
        assertThat(Files.readAllBytes(out)).isEqualTo(data);
    }
}
