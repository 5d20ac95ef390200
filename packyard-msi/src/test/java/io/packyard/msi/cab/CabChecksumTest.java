package io.packyard.msi.cab;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class CabChecksumTest {

    @Test
    void xorsLittleEndianWordsAndPacksTheTailFirstByteHighest() {
        byte[] seven = {1, 2, 3, 4, 5, 6, 7};
        // word 0x04030201, tail 05 06 07 -> 0x00050607
        assertThat(CabChecksum.compute(seven, 0, 7, 0)).isEqualTo(0x04030201 ^ 0x00050607);
        assertThat(CabChecksum.compute(seven, 4, 2, 0)).isEqualTo(0x0506);
        assertThat(CabChecksum.compute(seven, 6, 1, 0)).isEqualTo(0x07);
        assertThat(CabChecksum.compute(seven, 0, 0, 0x12345678)).isEqualTo(0x12345678);
        assertThat(CabChecksum.compute(seven, 1, 4, 0xFFFFFFFF)).isEqualTo(0xFFFFFFFF ^ 0x05040302);
    }

    @Test
    void blockChecksumCoversThePayloadThenTheSizeFields() {
        byte[] payload = {'C', 'K', 0x4B, 0x04, 0x00};
        int data = 0x044B4B43 ^ 0x00;
        int expected = data ^ (5 | (9 << 16));
        assertThat(CabChecksum.block(payload, 5, 9)).isEqualTo(expected);
    }

    @Test
    void agreesWithTheTestReadersIndependentImplementation() {
        SplittableRandom r = new SplittableRandom(3);
        for (int len = 0; len < 64; len++) {
            byte[] b = new byte[len + 3];
            r.nextBytes(b);
            int seed = r.nextInt();
            assertThat(CabChecksum.compute(b, 3, len, seed)).as("len " + len).isEqualTo(CabReader.checksum(b, 3, len, seed));
        }
    }
}
