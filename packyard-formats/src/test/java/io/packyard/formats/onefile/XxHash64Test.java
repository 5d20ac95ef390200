package io.packyard.formats.onefile;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class XxHash64Test {

    private static long h(String s) {
        return XxHash64.hash(s.getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void publishedValues() {
        // Published XXH64 values (seed 0): the empty input, short inputs (tail paths only), and a
        // 39-byte input (one 32-byte stripe, then 4-byte and single-byte tails; the example of
        // python-xxhash's documentation).
        assertThat(h("")).isEqualTo(0xEF46DB3751D8E999L);
        assertThat(h("a")).isEqualTo(0xD24EC4F1A98C6E5BL);
        assertThat(h("abc")).isEqualTo(0x44BC2CF5AD770999L);
        assertThat(h("Nobody inspects the spammish repetition")).isEqualTo(0xFBCEA83C8A378BF1L);
    }

    @Test
    void streamingEqualsOneShotForEverySplit() {
        Random r = new Random(7);
        for (int len : new int[] {0, 1, 3, 4, 7, 8, 31, 32, 33, 63, 64, 65, 100, 1000, 4099}) {
            byte[] data = new byte[len];
            r.nextBytes(data);
            long whole = XxHash64.hash(data);
            for (int trial = 0; trial < 20; trial++) {
                XxHash64 x = new XxHash64();
                int at = 0;
                while (at < len) {
                    int n = Math.min(len - at, r.nextInt(40));
                    x.update(data, at, n);
                    at += n;
                }
                assertThat(x.digest()).as("len %d trial %d", len, trial).isEqualTo(whole);
            }
        }
    }

    @Test
    void everyBitMatters() {
        byte[] data = new byte[200];
        new Random(3).nextBytes(data);
        long base = XxHash64.hash(data);
        for (int i = 0; i < data.length * 8; i++) {
            data[i / 8] ^= (byte) (1 << (i % 8));
            assertThat(XxHash64.hash(data)).isNotEqualTo(base);
            data[i / 8] ^= (byte) (1 << (i % 8));
        }
    }
}
