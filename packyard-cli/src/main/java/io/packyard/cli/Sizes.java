package io.packyard.cli;

import io.packyard.python.PackyardException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parsing of sizes ({@code 100M}) and durations ({@code 90d}) given on the command line. */
final class Sizes {

    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([KMGT]?)(I?B)?", Pattern.CASE_INSENSITIVE);
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*([smhdw])", Pattern.CASE_INSENSITIVE);

    private Sizes() {}

    /** {@code 512K}, {@code 100M}, {@code 2G}, {@code 1048576} (binary units). */
    static long bytes(String option, String text) {
        Matcher m = SIZE.matcher(text.strip());
        if (!m.matches()) {
            throw PackyardException.config(option + ": expected a size like 100M or 2G, got '" + text + "'");
        }
        long n = Long.parseLong(m.group(1));
        int shift = switch (m.group(2).toUpperCase(Locale.ROOT)) {
            case "K" -> 10;
            case "M" -> 20;
            case "G" -> 30;
            case "T" -> 40;
            default -> 0;
        };
        if (n <= 0 || n > (Long.MAX_VALUE >> shift)) {
            throw PackyardException.config(option + ": size out of range: '" + text + "'");
        }
        return n << shift;
    }

    /** {@code 30s}, {@code 10m}, {@code 12h}, {@code 90d}, {@code 2w}. */
    static Duration duration(String option, String text) {
        Matcher m = DURATION.matcher(text.strip());
        if (!m.matches()) {
            throw PackyardException.config(option + ": expected a duration like 10m, 12h or 90d, got '" + text + "'");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            case "d" -> Duration.ofDays(n);
            default -> Duration.ofDays(7 * n);
        };
    }

    /** A duration ({@code 90d}) or a date ({@code 2026-12-31}, meaning its start in UTC), from now. */
    static Duration until(String option, String text, Instant now) {
        String t = text.strip();
        if (t.matches("\\d{4}-\\d{2}-\\d{2}")) {
            try {
                Instant at = LocalDate.parse(t).atStartOfDay().toInstant(ZoneOffset.UTC);
                if (!at.isAfter(now)) {
                    throw PackyardException.config(option + ": " + t + " is in the past");
                }
                return Duration.between(now, at);
            } catch (DateTimeParseException e) {
                throw PackyardException.config(option + ": not a date: '" + t + "'");
            }
        }
        return duration(option, t);
    }
}
