package io.packyard.builds.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.packyard.python.PackyardException;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CronTest {

    private static final ZoneId UTC = ZoneOffset.UTC;
    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    private static ZonedDateTime utc(String local) {
        return LocalDateTime.parse(local).atZone(UTC);
    }

    /** Brute force reference: walk minute by minute and test {@link Cron#matches}. */
    private static LocalDateTime bruteNext(Cron c, LocalDateTime after) {
        LocalDateTime t = after.withSecond(0).withNano(0).plusMinutes(1);
        for (int i = 0; i < 60 * 24 * 366 * 9; i++, t = t.plusMinutes(1)) {
            if (c.matches(t)) {
                return t;
            }
        }
        throw new AssertionError("no match");
    }

    @ParameterizedTest(name = "{0} after {1} -> {2}")
    @CsvSource(delimiter = '|', textBlock = """
            * * * * *            | 2024-01-01T00:00:00 | 2024-01-01T00:01
            * * * * *            | 2024-01-01T00:00:59 | 2024-01-01T00:01
            * * * * *            | 2024-12-31T23:59:00 | 2025-01-01T00:00
            0 * * * *            | 2024-01-01T00:00:00 | 2024-01-01T01:00
            */15 * * * *         | 2024-01-01T10:07:00 | 2024-01-01T10:15
            */15 * * * *         | 2024-01-01T10:45:00 | 2024-01-01T11:00
            1-5/2 * * * *        | 2024-01-01T10:01:00 | 2024-01-01T10:03
            1-5/2 * * * *        | 2024-01-01T10:05:00 | 2024-01-01T11:01
            5/20 * * * *         | 2024-01-01T10:06:00 | 2024-01-01T10:25
            0,30 9-17 * * *      | 2024-01-01T17:30:00 | 2024-01-02T09:00
            30 2 * * *           | 2024-01-01T02:30:00 | 2024-01-02T02:30
            0 0 1 * *            | 2024-01-15T12:00:00 | 2024-02-01T00:00
            0 0 31 * *           | 2024-04-01T00:00:00 | 2024-05-31T00:00
            0 0 29 2 *           | 2024-03-01T00:00:00 | 2028-02-29T00:00
            0 0 29 2 *           | 2096-03-01T00:00:00 | 2104-02-29T00:00
            0 0 29 FEB *         | 2023-06-01T00:00:00 | 2024-02-29T00:00
            0 0 * * MON          | 2024-01-01T00:00:00 | 2024-01-08T00:00
            0 0 * * 7            | 2024-01-01T00:00:00 | 2024-01-07T00:00
            0 0 * * 0            | 2024-01-01T00:00:00 | 2024-01-07T00:00
            0 0 * * sun          | 2024-01-01T00:00:00 | 2024-01-07T00:00
            0 0 * * MON-FRI      | 2024-01-05T00:00:00 | 2024-01-08T00:00
            0 0 * * 5-7          | 2024-01-01T00:00:00 | 2024-01-05T00:00
            0 12 * JAN,jul *     | 2024-02-01T00:00:00 | 2024-07-01T12:00
            0 12 1 jun-aug *     | 2024-08-02T00:00:00 | 2025-06-01T12:00
            0 0 13 * FRI         | 2024-01-01T00:00:00 | 2024-01-05T00:00
            0 0 13 * FRI         | 2024-01-12T00:00:00 | 2024-01-13T00:00
            0 0 1 * */7          | 2024-01-02T00:00:00 | 2024-09-01T00:00
            0 0 */10 * MON       | 2024-01-02T00:00:00 | 2024-03-11T00:00
            @hourly              | 2024-01-01T00:30:00 | 2024-01-01T01:00
            @daily               | 2024-01-01T00:00:00 | 2024-01-02T00:00
            @midnight            | 2024-01-01T23:59:00 | 2024-01-02T00:00
            @weekly              | 2024-01-01T00:00:00 | 2024-01-07T00:00
            @monthly             | 2024-01-31T00:00:00 | 2024-02-01T00:00
            @yearly              | 2024-01-01T00:00:00 | 2025-01-01T00:00
            @ANNUALLY            | 2024-06-01T00:00:00 | 2025-01-01T00:00
            """)
    void nextInUtc(String expr, String after, String expected) {
        Cron c = Cron.parse(expr);
        ZonedDateTime next = c.next(utc(after));
        assertThat(next).isEqualTo(LocalDateTime.parse(expected).atZone(UTC));
        assertThat(next.toLocalDateTime()).isEqualTo(bruteNext(c, LocalDateTime.parse(after)));
    }

    @Test
    void nextIsStrictlyAfterAndChains() {
        Cron c = Cron.parse("*/20 8 * * *");
        List<LocalDateTime> got = new ArrayList<>();
        ZonedDateTime t = utc("2024-03-01T08:00:00");
        for (int i = 0; i < 5; i++) {
            t = c.next(t);
            got.add(t.toLocalDateTime());
        }
        assertThat(got).containsExactly(
                LocalDateTime.parse("2024-03-01T08:20"), LocalDateTime.parse("2024-03-01T08:40"),
                LocalDateTime.parse("2024-03-02T08:00"), LocalDateTime.parse("2024-03-02T08:20"),
                LocalDateTime.parse("2024-03-02T08:40"));
        assertThat(got.get(0).getSecond()).isZero();
    }

    @Test
    void agreesWithBruteForceOnManyExpressions() {
        String[] exprs = {"7 */3 * * *", "0 0 1,15 * 3", "59 23 31 * *", "15 10 * 2 1-3",
            "0 6 1-7 * MON", "*/7 */5 */9 */4 */2", "0 0 30 1,3 *"};
        for (String e : exprs) {
            Cron c = Cron.parse(e);
            LocalDateTime t = LocalDateTime.parse("2023-11-27T13:13");
            for (int i = 0; i < 30; i++) {
                LocalDateTime expected = bruteNext(c, t);
                LocalDateTime got = c.next(t.atZone(UTC)).toLocalDateTime();
                assertThat(got).as("%s after %s", e, t).isEqualTo(expected);
                t = got;
            }
        }
    }

    @Test
    void domDowOrRuleOnlyWhenBothRestricted() {
        Cron both = Cron.parse("0 0 1 * MON");
        // 2024-04-01 is a Monday and the 1st; 2024-04-08 a Monday; 2024-05-01 a Wednesday.
        assertThat(both.matches(LocalDateTime.parse("2024-05-01T00:00"))).isTrue();
        assertThat(both.matches(LocalDateTime.parse("2024-04-08T00:00"))).isTrue();
        assertThat(both.matches(LocalDateTime.parse("2024-04-09T00:00"))).isFalse();
        Cron domOnly = Cron.parse("0 0 1 * *");
        assertThat(domOnly.matches(LocalDateTime.parse("2024-04-08T00:00"))).isFalse();
        Cron dowOnly = Cron.parse("0 0 * * MON");
        assertThat(dowOnly.matches(LocalDateTime.parse("2024-05-01T00:00"))).isFalse();
        // A star-step in day-of-week counts as unrestricted (Vixie's star flag): AND applies.
        Cron starStep = Cron.parse("0 0 1 * */2");
        // 2024-02-01 is a Thursday (4): dow */2 = 0,2,4,6 matches and dom matches.
        assertThat(starStep.matches(LocalDateTime.parse("2024-02-01T00:00"))).isTrue();
        // 2024-03-01 is a Friday (5): dom matches, dow does not → no.
        assertThat(starStep.matches(LocalDateTime.parse("2024-03-01T00:00"))).isFalse();
        // 2024-03-03 Sunday: dow matches, dom does not → no.
        assertThat(starStep.matches(LocalDateTime.parse("2024-03-03T00:00"))).isFalse();
    }

    @Test
    void springForwardSkipsTheNonexistentTime() {
        // Europe/Berlin: 2024-03-31 02:00 CET jumps to 03:00 CEST; 02:30 does not exist that day.
        Cron c = Cron.parse("30 2 * * *");
        ZonedDateTime next = c.next(ZonedDateTime.of(2024, 3, 30, 12, 0, 0, 0, BERLIN));
        assertThat(next.toLocalDateTime()).isNotEqualTo(LocalDateTime.parse("2024-03-31T02:30"));
        assertThat(next.toLocalDateTime()).isEqualTo(LocalDateTime.parse("2024-04-01T02:30"));
        assertThat(next.getOffset()).isEqualTo(ZoneOffset.ofHours(2));
    }

    @Test
    void springForwardEveryMinuteJumpsOverTheGap() {
        Cron c = Cron.parse("* * * * *");
        ZonedDateTime before = ZonedDateTime.ofLocal(LocalDateTime.parse("2024-03-31T01:59"), BERLIN, null);
        ZonedDateTime next = c.next(before);
        assertThat(next.toLocalDateTime()).isEqualTo(LocalDateTime.parse("2024-03-31T03:00"));
        assertThat(next.toInstant()).isEqualTo(before.toInstant().plusSeconds(60));
    }

    @Test
    void hourlyOnSpringForwardDay() {
        Cron c = Cron.parse("0 * * * *");
        ZonedDateTime t = ZonedDateTime.ofLocal(LocalDateTime.parse("2024-03-31T00:30"), BERLIN, null);
        List<String> fired = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            t = c.next(t);
            fired.add(t.toOffsetDateTime().toString());
        }
        assertThat(fired).containsExactly("2024-03-31T01:00+01:00", "2024-03-31T03:00+02:00",
                "2024-03-31T04:00+02:00", "2024-03-31T05:00+02:00");
    }

    @Test
    void fallBackFiresAmbiguousTimeOnce() {
        // Europe/Berlin: 2024-10-27 03:00 CEST goes back to 02:00 CET; 02:30 happens twice.
        Cron c = Cron.parse("30 2 * * *");
        ZonedDateTime first = c.next(ZonedDateTime.ofLocal(LocalDateTime.parse("2024-10-27T00:00"), BERLIN, null));
        assertThat(first.toOffsetDateTime().toString()).isEqualTo("2024-10-27T02:30+02:00");
        ZonedDateTime second = c.next(first);
        assertThat(second.toOffsetDateTime().toString()).isEqualTo("2024-10-28T02:30+01:00");
        // Asking from inside the repeated hour (second occurrence) does not fire again that day.
        ZonedDateTime inRepeat = ZonedDateTime.ofLocal(LocalDateTime.parse("2024-10-27T02:10"), BERLIN, ZoneOffset.ofHours(1));
        assertThat(inRepeat.getOffset()).isEqualTo(ZoneOffset.ofHours(1));
        assertThat(c.next(inRepeat).toOffsetDateTime().toString()).isEqualTo("2024-10-28T02:30+01:00");
    }

    @Test
    void everyFifteenMinutesThroughFallBack() {
        Cron c = Cron.parse("*/15 * * * *");
        ZonedDateTime t = ZonedDateTime.ofLocal(LocalDateTime.parse("2024-10-27T01:45"), BERLIN, null);
        List<String> fired = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            t = c.next(t);
            fired.add(t.toOffsetDateTime().toString());
        }
        // 02:00-02:45 fire once (first occurrence, +02:00), then the repeated hour is skipped.
        assertThat(fired).containsExactly("2024-10-27T02:00+02:00", "2024-10-27T02:15+02:00",
                "2024-10-27T02:30+02:00", "2024-10-27T02:45+02:00", "2024-10-27T03:00+01:00",
                "2024-10-27T03:15+01:00");
    }

    @Test
    void resultIsInTheGivenZone() {
        Cron c = Cron.parse("0 9 * * *");
        ZonedDateTime next = c.next(ZonedDateTime.of(2024, 6, 1, 10, 0, 0, 0, BERLIN));
        assertThat(next.getZone()).isEqualTo(BERLIN);
        assertThat(next.toOffsetDateTime().toString()).isEqualTo("2024-06-02T09:00+02:00");
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', textBlock = """
            ''                | expression is empty
            * * * *           | expected 5 fields (minute hour day-of-month month day-of-week), found 4
            * * * * * *       | expected 5 fields (minute hour day-of-month month day-of-week), found 6
            60 * * * *        | minute: 60 is out of range 0-59
            * 24 * * *        | hour: 24 is out of range 0-23
            * * 0 * *         | day-of-month: 0 is out of range 1-31
            * * 32 * *        | day-of-month: 32 is out of range 1-31
            * * * 13 *        | month: 13 is out of range 1-12
            * * * * 8         | day-of-week: 8 is out of range 0-7
            */0 * * * *       | minute: step must not be 0 in '*/0'
            */x * * * *       | minute: bad step 'x' in '*/x'
            5-1 * * * *       | minute: range '5-1' runs backwards
            1,,2 * * * *      | minute: empty list element in '1,,2'
            * * * FOO *       | month: unknown name 'FOO' (expected JAN, FEB, MAR, APR, MAY, JUN, JUL, AUG, SEP, OCT, NOV, DEC)
            * * * * FUNDAY    | day-of-week: unknown name 'FUNDAY' (expected SUN, MON, TUE, WED, THU, FRI, SAT)
            a * * * *         | minute: 'a' is not a number
            * * * * */9       | day-of-week: step 9 is larger than the field's range 0-7
            @reboot           | unknown macro @reboot (expected @hourly, @daily, @midnight, @weekly, @monthly, @yearly or @annually)
            0 0 30 2 *        | day-of-month 30 never occurs in month 2
            0 0 31 APR,JUN *  | day-of-month 31 never occurs in month APR,JUN
            """)
    void errors(String expr, String problem) {
        assertThatThrownBy(() -> Cron.parse(expr))
                .isInstanceOf(PackyardException.class)
                .hasMessage("cron '" + expr + "': " + problem)
                .satisfies(e -> assertThat(((PackyardException) e).kind()).isEqualTo(PackyardException.Kind.CONFIG));
    }

    @Test
    void messageIsOneLine() {
        assertThatThrownBy(() -> Cron.parse("* *\n* *"))
                .isInstanceOf(PackyardException.class)
                .hasMessageNotContaining("\n");
    }

    @Test
    void feb30WithWeekdayIsAllowedByTheOrRule() {
        // Both restricted: day-of-week alone decides on other days.
        Cron c = Cron.parse("0 0 30 2 MON");
        assertThat(c.next(utc("2024-01-01T00:00:00")).toLocalDateTime()).isEqualTo(LocalDateTime.parse("2024-02-05T00:00"));
    }

    @Test
    void toStringIsTheExpression() {
        assertThat(Cron.parse("  0 0 * * *  ")).hasToString("0 0 * * *");
        assertThat(Cron.parse("@daily")).hasToString("@daily");
    }
}
