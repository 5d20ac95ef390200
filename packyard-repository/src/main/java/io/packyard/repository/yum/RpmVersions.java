package io.packyard.repository.yum;

import java.util.Comparator;

/**
 * RPM version ordering: {@code rpmvercmp} (rpm 4.18, with '~' sorting before and '^' after the
 * base version) and EVR comparison ({@code [epoch:]version[-release]}, a missing epoch is 0).
 */
public final class RpmVersions {
    /** Orders {@code [epoch:]version-release} strings as rpm does. */
    public static final Comparator<String> EVR_ORDER = RpmVersions::compareEvr;

    private RpmVersions() {}

    /** An epoch-version-release; {@code release} is empty when absent. */
    public record Evr(long epoch, String version, String release) {
        @Override
        public String toString() {
            return (epoch != 0 ? epoch + ":" : "") + version + (release.isEmpty() ? "" : "-" + release);
        }
    }

    /** Splits {@code [epoch:]version[-release]} (the release after the last '-'). */
    public static Evr parseEvr(String s) {
        long epoch = 0;
        String rest = s;
        int colon = s.indexOf(':');
        if (colon > 0 && s.substring(0, colon).chars().allMatch(Character::isDigit)) {
            epoch = Long.parseLong(s.substring(0, colon));
            rest = s.substring(colon + 1);
        }
        int dash = rest.lastIndexOf('-');
        return dash >= 0 ? new Evr(epoch, rest.substring(0, dash), rest.substring(dash + 1)) : new Evr(epoch, rest, "");
    }

    public static int compareEvr(String a, String b) {
        Evr x = parseEvr(a);
        Evr y = parseEvr(b);
        int c = Long.compare(x.epoch(), y.epoch());
        if (c != 0) {
            return c;
        }
        c = rpmvercmp(x.version(), y.version());
        return c != 0 ? c : rpmvercmp(x.release(), y.release());
    }

    /** rpm's rpmvercmp: -1, 0 or 1. */
    public static int rpmvercmp(String a, String b) {
        if (a.equals(b)) {
            return 0;
        }
        int i = 0;
        int j = 0;
        int n = a.length();
        int m = b.length();
        while (i < n || j < m) {
            while (i < n && !isAlnum(a.charAt(i)) && a.charAt(i) != '~' && a.charAt(i) != '^') {
                i++;
            }
            while (j < m && !isAlnum(b.charAt(j)) && b.charAt(j) != '~' && b.charAt(j) != '^') {
                j++;
            }
            char one = i < n ? a.charAt(i) : 0;
            char two = j < m ? b.charAt(j) : 0;
            if (one == '~' || two == '~') {
                if (one != '~') {
                    return 1;
                }
                if (two != '~') {
                    return -1;
                }
                i++;
                j++;
                continue;
            }
            if (one == '^' || two == '^') {
                if (one == 0) {
                    return -1;
                }
                if (two == 0) {
                    return 1;
                }
                if (one != '^') {
                    return 1;
                }
                if (two != '^') {
                    return -1;
                }
                i++;
                j++;
                continue;
            }
            if (one == 0 || two == 0) {
                break;
            }
            int si = i;
            int sj = j;
            boolean numeric = isDigit(one);
            if (numeric) {
                while (i < n && isDigit(a.charAt(i))) {
                    i++;
                }
                while (j < m && isDigit(b.charAt(j))) {
                    j++;
                }
            } else {
                while (i < n && isAlpha(a.charAt(i))) {
                    i++;
                }
                while (j < m && isAlpha(b.charAt(j))) {
                    j++;
                }
            }
            if (sj == j) {
                return numeric ? 1 : -1;
            }
            String x = a.substring(si, i);
            String y = b.substring(sj, j);
            if (numeric) {
                x = x.replaceFirst("^0+", "");
                y = y.replaceFirst("^0+", "");
                if (x.length() != y.length()) {
                    return x.length() > y.length() ? 1 : -1;
                }
            }
            int c = x.compareTo(y);
            if (c != 0) {
                return c < 0 ? -1 : 1;
            }
        }
        if (i >= n && j >= m) {
            return 0;
        }
        return i >= n ? -1 : 1;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isAlpha(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    private static boolean isAlnum(char c) {
        return isDigit(c) || isAlpha(c);
    }
}
