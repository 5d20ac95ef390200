package io.packyard.builds.schedule;

import io.packyard.python.PackyardException;
import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Map;

/**
 * A five-field cron expression ({@code minute hour day-of-month month day-of-week}) as Vixie cron
 * reads it: lists ({@code 1,15}), ranges ({@code 1-5}), steps ({@code *}{@code /15}, {@code 1-30/2},
 * {@code 5/10} meaning {@code 5-max/10}), month names ({@code JAN}..{@code DEC}), day names
 * ({@code SUN}..{@code SAT}, and both 0 and 7 are Sunday) and the macros {@code @hourly},
 * {@code @daily}, {@code @midnight}, {@code @weekly}, {@code @monthly}, {@code @yearly} and
 * {@code @annually}.
 *
 * <p>When both day-of-month and day-of-week are restricted (neither starts with {@code *}), a day
 * matches if either matches (the Vixie rule): {@code 0 0 13 * FRI} fires on every 13th and on
 * every Friday.
 *
 * <p>{@link #next(ZonedDateTime)} works on the wall clock of the given zone: a local time that does
 * not exist (skipped by a daylight-saving jump forward) does not fire that day, and a local time
 * that occurs twice (the hour repeated when clocks go back) fires once, at its first occurrence.
 */
public final class Cron {

    private static final Map<String, String> MACROS = Map.of(
            "@yearly", "0 0 1 1 *",
            "@annually", "0 0 1 1 *",
            "@monthly", "0 0 1 * *",
            "@weekly", "0 0 * * 0",
            "@daily", "0 0 * * *",
            "@midnight", "0 0 * * *",
            "@hourly", "0 * * * *");

    private static final String[] MONTHS = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
    private static final String[] DAYS = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};
    private static final int[] MAX_DAYS = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    /** Searching further than this many days for a match means there is none (28 years: the Gregorian weekday/leap cycle within a century). */
    private static final int SEARCH_DAYS = 366 * 28;

    private final String expression;
    private final long minutes;   // bits 0-59
    private final long hours;     // bits 0-23
    private final long days;      // bits 1-31
    private final long months;    // bits 1-12
    private final long weekdays;  // bits 0-6, 0 = Sunday
    private final boolean dayOfMonthStar;
    private final boolean dayOfWeekStar;

    private Cron(String expression, long minutes, long hours, long days, long months, long weekdays,
            boolean dayOfMonthStar, boolean dayOfWeekStar) {
        this.expression = expression;
        this.minutes = minutes;
        this.hours = hours;
        this.days = days;
        this.months = months;
        this.weekdays = weekdays;
        this.dayOfMonthStar = dayOfMonthStar;
        this.dayOfWeekStar = dayOfWeekStar;
    }

    /**
     * Parses a cron expression.
     *
     * @throws PackyardException (config) {@code cron '<expr>': <what is wrong>}
     */
    public static Cron parse(String expr) {
        if (expr == null) {
            throw PackyardException.config("cron: expression is missing");
        }
        String shown = oneLine(expr.strip());
        String text = expr.strip();
        if (text.isEmpty()) {
            throw error(shown, "expression is empty");
        }
        if (text.startsWith("@")) {
            String macro = MACROS.get(text.toLowerCase(Locale.ROOT));
            if (macro == null) {
                throw error(shown, "unknown macro " + text + " (expected @hourly, @daily, @midnight, @weekly, @monthly, @yearly or @annually)");
            }
            text = macro;
        }
        String[] fields = text.split("\\s+");
        if (fields.length != 5) {
            throw error(shown, "expected 5 fields (minute hour day-of-month month day-of-week), found " + fields.length);
        }
        long minutes = field(shown, "minute", fields[0], 0, 59, null);
        long hours = field(shown, "hour", fields[1], 0, 23, null);
        long days = field(shown, "day-of-month", fields[2], 1, 31, null);
        long months = field(shown, "month", fields[3], 1, 12, MONTHS);
        long weekdays = field(shown, "day-of-week", fields[4], 0, 7, DAYS);
        if ((weekdays & (1L << 7)) != 0) {
            weekdays = (weekdays & ~(1L << 7)) | 1L;
        }
        boolean domStar = fields[2].startsWith("*");
        boolean dowStar = fields[4].startsWith("*");
        if (dowStar) {
            // Only the day of month decides: it must occur in at least one selected month.
            boolean possible = false;
            for (int m = 1; m <= 12 && !possible; m++) {
                if ((months & (1L << m)) != 0) {
                    long allowed = (1L << (MAX_DAYS[m - 1] + 1)) - 2; // bits 1..max
                    possible = (days & allowed) != 0;
                }
            }
            if (!possible) {
                throw error(shown, "day-of-month " + fields[2] + " never occurs in month " + fields[3]);
            }
        }
        return new Cron(shown, minutes, hours, days, months, weekdays, domStar, dowStar);
    }

    private static String oneLine(String s) {
        return s.replaceAll("[\\r\\n\\t]+", " ");
    }

    private static PackyardException error(String expr, String what) {
        return PackyardException.config("cron '" + expr + "': " + what);
    }

    private static long field(String expr, String name, String text, int min, int max, String[] names) {
        long bits = 0;
        for (String part : text.split(",", -1)) {
            if (part.isEmpty()) {
                throw error(expr, name + ": empty list element in '" + text + "'");
            }
            String range = part;
            int step = 1;
            int slash = part.indexOf('/');
            if (slash >= 0) {
                range = part.substring(0, slash);
                String stepText = part.substring(slash + 1);
                if (!stepText.matches("[0-9]{1,4}")) {
                    throw error(expr, name + ": bad step '" + stepText + "' in '" + part + "'");
                }
                step = Integer.parseInt(stepText);
                if (step == 0) {
                    throw error(expr, name + ": step must not be 0 in '" + part + "'");
                }
                if (step > max - min + 1 && !(max == 7 && step <= 7)) {
                    throw error(expr, name + ": step " + step + " is larger than the field's range " + min + "-" + max);
                }
            }
            int lo;
            int hi;
            if (range.equals("*")) {
                lo = min;
                hi = max == 7 ? 6 : max;
            } else {
                int dash = range.indexOf('-');
                if (dash > 0) {
                    lo = value(expr, name, range.substring(0, dash), min, max, names);
                    hi = value(expr, name, range.substring(dash + 1), min, max, names);
                    if (hi < lo) {
                        throw error(expr, name + ": range '" + range + "' runs backwards");
                    }
                } else {
                    lo = value(expr, name, range, min, max, names);
                    hi = slash >= 0 ? (max == 7 ? 6 : max) : lo;
                }
            }
            for (int v = lo; v <= hi; v += step) {
                bits |= 1L << v;
            }
        }
        return bits;
    }

    private static int value(String expr, String name, String text, int min, int max, String[] names) {
        if (text.matches("[0-9]{1,3}")) {
            int v = Integer.parseInt(text);
            if (v < min || v > max) {
                throw error(expr, name + ": " + v + " is out of range " + min + "-" + max);
            }
            return v;
        }
        if (names != null) {
            String upper = text.toUpperCase(Locale.ROOT);
            for (int i = 0; i < names.length; i++) {
                if (names[i].equals(upper)) {
                    return names == MONTHS ? i + 1 : i;
                }
            }
            throw error(expr, name + ": unknown name '" + text + "' (expected " + String.join(", ", names) + ")");
        }
        throw error(expr, name + ": '" + text + "' is not a number");
    }

    /**
     * The first time strictly after {@code after} (at minute precision, seconds zero) that this
     * expression fires, in {@code after}'s zone.
     *
     * @throws IllegalStateException if the expression never fires (cannot happen for a parsed one
     *     within the search horizon of 28 years)
     */
    public ZonedDateTime next(ZonedDateTime after) {
        ZoneId zone = after.getZone();
        LocalDateTime start = after.toLocalDateTime().truncatedTo(ChronoUnit.MINUTES);
        LocalDate date = start.toLocalDate();
        for (int i = 0; i <= SEARCH_DAYS; i++, date = date.plusDays(1)) {
            if (!dayMatches(date)) {
                continue;
            }
            int fromHour = i == 0 ? start.getHour() : 0;
            for (int h = fromHour; h < 24; h++) {
                if ((hours & (1L << h)) == 0) {
                    continue;
                }
                for (int m = 0; m < 60; m++) {
                    if ((minutes & (1L << m)) == 0) {
                        continue;
                    }
                    LocalDateTime candidate = LocalDateTime.of(date, LocalTime.of(h, m));
                    if (!candidate.isAfter(start)) {
                        continue;
                    }
                    var offsets = zone.getRules().getValidOffsets(candidate);
                    if (offsets.isEmpty()) {
                        continue; // in a gap: this wall-clock time does not exist today
                    }
                    // Ambiguous times resolve to the earlier offset: they fire once, first occurrence.
                    ZonedDateTime zoned = ZonedDateTime.ofLocal(candidate, zone, offsets.get(0));
                    if (zoned.toInstant().isAfter(after.toInstant())) {
                        return zoned;
                    }
                }
            }
        }
        throw new IllegalStateException("cron '" + expression + "' does not fire within " + SEARCH_DAYS + " days after " + after);
    }

    /** Whether the expression fires at this wall-clock minute (seconds ignored). */
    public boolean matches(LocalDateTime time) {
        return dayMatches(time.toLocalDate())
                && (hours & (1L << time.getHour())) != 0
                && (minutes & (1L << time.getMinute())) != 0;
    }

    private boolean dayMatches(LocalDate date) {
        if ((months & (1L << date.getMonthValue())) == 0) {
            return false;
        }
        boolean dom = (days & (1L << date.getDayOfMonth())) != 0;
        DayOfWeek dw = date.getDayOfWeek();
        boolean dow = (weekdays & (1L << (dw.getValue() % 7))) != 0;
        if (dayOfMonthStar || dayOfWeekStar) {
            return dom && dow;
        }
        return dom || dow;
    }

    /** The expression as given (surrounding whitespace removed). */
    @Override
    public String toString() {
        return expression;
    }
}
