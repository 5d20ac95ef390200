package io.packyard.msi.cab;

import java.time.LocalDateTime;
import java.time.ZoneOffset;

/**
 * An MS-DOS date and time as CFFILE stores them: {@code date = ((year - 1980) << 9) | (month << 5) | day},
 * {@code time = (hour << 11) | (minute << 5) | (second / 2)}. Cabinets carry no time zone; Packyard
 * stores UTC so that a SOURCE_DATE_EPOCH gives the same bytes on every machine.
 *
 * @param date the 16-bit date word
 * @param time the 16-bit time word
 */
public record DosDateTime(int date, int time) {

    /** The earliest representable instant, 1980-01-01 00:00:00 UTC. */
    public static final long MIN_EPOCH_SECOND = LocalDateTime.of(1980, 1, 1, 0, 0, 0).toEpochSecond(ZoneOffset.UTC);
    /** The latest representable instant, 2107-12-31 23:59:58 UTC. */
    public static final long MAX_EPOCH_SECOND = LocalDateTime.of(2107, 12, 31, 23, 59, 58).toEpochSecond(ZoneOffset.UTC);

    public DosDateTime {
        if ((date & ~0xFFFF) != 0 || (time & ~0xFFFF) != 0) {
            throw new IllegalArgumentException("DOS date and time are 16-bit words: " + date + ", " + time);
        }
    }

    /**
     * The DOS date and time of a moment given in seconds since 1970-01-01 UTC, read as UTC.
     * Moments before 1980 become 1980-01-01 00:00:00, moments after 2107 become 2107-12-31 23:59:58
     * (the format's range); odd seconds round down (2-second resolution).
     */
    public static DosDateTime fromEpochSecond(long epochSecond) {
        long clamped = Math.max(MIN_EPOCH_SECOND, Math.min(MAX_EPOCH_SECOND, epochSecond));
        LocalDateTime t = LocalDateTime.ofEpochSecond(clamped, 0, ZoneOffset.UTC);
        int date = ((t.getYear() - 1980) << 9) | (t.getMonthValue() << 5) | t.getDayOfMonth();
        int time = (t.getHour() << 11) | (t.getMinute() << 5) | (t.getSecond() / 2);
        return new DosDateTime(date, time);
    }

    /** This date and time as seconds since 1970-01-01 UTC. */
    public long toEpochSecond() {
        LocalDateTime t = LocalDateTime.of(1980 + (date >>> 9), (date >>> 5) & 0x0F, date & 0x1F,
                time >>> 11, (time >>> 5) & 0x3F, (time & 0x1F) * 2);
        return t.toEpochSecond(ZoneOffset.UTC);
    }
}
