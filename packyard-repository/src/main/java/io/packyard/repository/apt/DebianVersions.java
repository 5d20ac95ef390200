package io.packyard.repository.apt;

import java.util.Comparator;
import java.util.regex.Pattern;

/**
 * Debian package versions ({@code [epoch:]upstream[-revision]}): validation as dpkg parses them
 * and ordering as {@code dpkg --compare-versions} orders them (deb-version(7)).
 */
public final class DebianVersions {
    private static final Pattern EPOCH = Pattern.compile("[0-9]+");
    private static final Pattern UPSTREAM = Pattern.compile("[0-9][A-Za-z0-9.+~:-]*");
    private static final Pattern UPSTREAM_NO_COLON = Pattern.compile("[0-9][A-Za-z0-9.+~-]*");
    private static final Pattern REVISION = Pattern.compile("[A-Za-z0-9.+~]+");

    /** Orders version strings like dpkg; both must be {@link #isValid valid}. */
    public static final Comparator<String> ORDER = DebianVersions::compare;

    private DebianVersions() {}

    /** The parts of a version. {@code revision} is empty when there is none. */
    public record Parts(long epoch, String upstream, String revision) {}

    /** Parses a version, or returns null when it is not one dpkg accepts. */
    public static Parts parse(String v) {
        if (v == null || v.isEmpty() || !v.equals(v.strip()) || v.chars().anyMatch(Character::isWhitespace)) {
            return null;
        }
        long epoch = 0;
        String rest = v;
        int colon = v.indexOf(':');
        if (colon >= 0) {
            String e = v.substring(0, colon);
            if (!EPOCH.matcher(e).matches() || e.length() > 9) {
                return null;
            }
            epoch = Long.parseLong(e);
            rest = v.substring(colon + 1);
        }
        String upstream = rest;
        String revision = "";
        int dash = rest.lastIndexOf('-');
        if (dash >= 0) {
            upstream = rest.substring(0, dash);
            revision = rest.substring(dash + 1);
            if (!REVISION.matcher(revision).matches()) {
                return null;
            }
        }
        if (!(colon >= 0 ? UPSTREAM : UPSTREAM_NO_COLON).matcher(upstream).matches()) {
            return null;
        }
        return new Parts(epoch, upstream, revision);
    }

    public static boolean isValid(String v) {
        return parse(v) != null;
    }

    /** The version without its epoch, as it appears in a .deb file name. */
    public static String withoutEpoch(String v) {
        int colon = v.indexOf(':');
        return colon >= 0 ? v.substring(colon + 1) : v;
    }

    /** Negative, zero or positive as {@code a} sorts before, equal to or after {@code b}. */
    public static int compare(String a, String b) {
        Parts x = parse(a);
        Parts y = parse(b);
        if (x == null || y == null) {
            throw new IllegalArgumentException("not a Debian version: " + (x == null ? a : b));
        }
        int c = Long.compare(x.epoch(), y.epoch());
        if (c != 0) {
            return c;
        }
        c = compareFragment(x.upstream(), y.upstream());
        if (c != 0) {
            return c;
        }
        return compareFragment(x.revision(), y.revision());
    }

    /** dpkg's verrevcmp: alternating non-digit and digit runs; '~' sorts before everything, even the end. */
    static int compareFragment(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() || j < b.length()) {
            int firstDiff = 0;
            while ((i < a.length() && !Character.isDigit(a.charAt(i))) || (j < b.length() && !Character.isDigit(b.charAt(j)))) {
                int ac = i < a.length() ? order(a.charAt(i)) : 0;
                int bc = j < b.length() ? order(b.charAt(j)) : 0;
                if (ac != bc) {
                    return ac - bc;
                }
                i++;
                j++;
            }
            while (i < a.length() && a.charAt(i) == '0') {
                i++;
            }
            while (j < b.length() && b.charAt(j) == '0') {
                j++;
            }
            while (i < a.length() && Character.isDigit(a.charAt(i)) && j < b.length() && Character.isDigit(b.charAt(j))) {
                if (firstDiff == 0) {
                    firstDiff = a.charAt(i) - b.charAt(j);
                }
                i++;
                j++;
            }
            if (i < a.length() && Character.isDigit(a.charAt(i))) {
                return 1;
            }
            if (j < b.length() && Character.isDigit(b.charAt(j))) {
                return -1;
            }
            if (firstDiff != 0) {
                return firstDiff;
            }
        }
        return 0;
    }

    private static int order(char c) {
        if (Character.isDigit(c)) {
            return 0;
        }
        if (Character.isLetter(c)) {
            return c;
        }
        if (c == '~') {
            return -1;
        }
        return c + 256;
    }
}
