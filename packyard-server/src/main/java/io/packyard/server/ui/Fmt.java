package io.packyard.server.ui;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Optional;

/** Formatting for the UI's templates (all times in UTC, as the API gives them). */
public final class Fmt {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    private Fmt() {}

    public static String time(Instant t) {
        return t == null ? "" : TIME.format(t);
    }

    public static String time(Optional<Instant> t) {
        return t.map(Fmt::time).orElse("–");
    }

    /** ISO-8601, for the {@code datetime} attribute of {@code <time>}. */
    public static String iso(Instant t) {
        return t.toString();
    }

    /** "3 s", "2 min 5 s", "1 h 02 min". */
    public static String duration(Optional<Duration> d) {
        if (d.isEmpty()) {
            return "–";
        }
        long s = Math.max(0, d.get().toSeconds());
        if (s < 60) {
            return s + " s";
        }
        if (s < 3600) {
            return (s / 60) + " min " + (s % 60) + " s";
        }
        return (s / 3600) + " h " + String.format(Locale.ROOT, "%02d", (s % 3600) / 60) + " min";
    }

    /** "512 B", "1.5 KiB", "12.3 MiB". */
    public static String size(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    public static String or(Optional<?> v, String otherwise) {
        return v.map(Object::toString).orElse(otherwise);
    }

    /** A URL path segment, percent-encoded. */
    public static String seg(String s) {
        return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
    }
}
