package io.packyard.msi.cab;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DosDateTimeTest {

    @Test
    void encodesUtcDateAndTimeInDosBitFields() {
        // 1700000000 is 2023-11-14 22:13:20 UTC
        DosDateTime t = DosDateTime.fromEpochSecond(1_700_000_000L);
        assertThat(t.date()).isEqualTo((43 << 9) | (11 << 5) | 14);
        assertThat(t.time()).isEqualTo((22 << 11) | (13 << 5) | 10);
        assertThat(t.toEpochSecond()).isEqualTo(1_700_000_000L);
    }

    @Test
    void oddSecondsRoundDown() {
        assertThat(DosDateTime.fromEpochSecond(1_700_000_001L)).isEqualTo(DosDateTime.fromEpochSecond(1_700_000_000L));
        assertThat(DosDateTime.fromEpochSecond(1_700_000_002L).time()).isEqualTo((22 << 11) | (13 << 5) | 11);
    }

    @Test
    void clampsToTheFormatsRange() {
        // 1980-01-01 00:00:00 is 315532800
        assertThat(DosDateTime.MIN_EPOCH_SECOND).isEqualTo(315_532_800L);
        assertThat(DosDateTime.fromEpochSecond(0)).isEqualTo(new DosDateTime((1 << 5) | 1, 0));
        assertThat(DosDateTime.fromEpochSecond(-5_000_000_000L)).isEqualTo(new DosDateTime((1 << 5) | 1, 0));
        DosDateTime last = new DosDateTime((127 << 9) | (12 << 5) | 31, (23 << 11) | (59 << 5) | 29);
        assertThat(DosDateTime.fromEpochSecond(Long.MAX_VALUE / 1000)).isEqualTo(last);
        assertThat(last.toEpochSecond()).isEqualTo(DosDateTime.MAX_EPOCH_SECOND);
    }
}
