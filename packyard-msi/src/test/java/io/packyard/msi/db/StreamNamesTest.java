package io.packyard.msi.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class StreamNamesTest {

    @Test
    void packsTwoAlphabetCharactersPerUnitWithTheTableMarker() {
        // '_' = 63, 'T' = 29: 0x3800 + 63 + (29 << 6) = 0x3F7F; a lone trailing 's' (54) is 0x4800 + 54
        String enc = StreamNames.encode("_Tables", true);
        assertThat(enc.chars().toArray()).containsExactly(0x4840, 0x3F7F, 0x3800 + 36 + (37 << 6),
                0x3800 + 47 + (40 << 6), 0x4800 + 54);
    }

    @Test
    void keepsCharactersOutsideTheAlphabetAndHasNoMarkerForStreams() {
        String enc = StreamNames.encode("a-b", false);
        assertThat(enc.chars().toArray()).containsExactly(0x4800 + 36, '-', 0x4800 + 37);
        assertThat(StreamNames.encode("Binary.Logo", false)).hasSize(6);
        assertThat(StreamNames.encode("Binary.Logo", false).charAt(0)).isNotEqualTo((char) 0x4840);
    }

    @Test
    void decodeInvertsEncode() {
        Random r = new Random(42);
        String alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz._-# ";
        for (int i = 0; i < 2000; i++) {
            StringBuilder sb = new StringBuilder();
            int len = 1 + r.nextInt(40);
            for (int j = 0; j < len; j++) {
                sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
            }
            String name = sb.toString();
            assertThat(StreamNames.decode(StreamNames.encode(name, false))).isEqualTo(name);
            assertThat(StreamNames.decode(StreamNames.encode(name, true))).isEqualTo(name);
        }
    }

    @Test
    void sixtyTwoAlphabetCharactersFitAStreamName() {
        assertThat(StreamNames.encode("x".repeat(62), false)).hasSize(31);
        assertThat(StreamNames.encode("x".repeat(63), false)).hasSize(32);
    }
}
