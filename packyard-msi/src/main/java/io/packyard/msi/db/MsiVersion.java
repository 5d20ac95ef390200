package io.packyard.msi.db;

import io.packyard.python.PackyardException;
import io.packyard.python.version.InvalidVersionException;
import io.packyard.python.version.Version;
import java.util.List;

/**
 * The MSI ProductVersion that stands for a PEP 440 version.
 *
 * <p>Windows Installer versions are {@code major.minor.build} with major and minor at most 255
 * and build at most 65535, and major upgrades (the Upgrade table, FindRelatedProducts) compare
 * only those three fields. So everything PEP 440 orders within one {@code X.Y.Z} release (dev,
 * pre- and post-releases) has to fit into the build field, in order. The rule, modelled on the
 * one CPython's own Windows installer uses ({@code 3.12.1} is {@code 3.12.1150} there):
 *
 * <pre>
 *   build = micro * 1000 + t
 *
 *   PEP 440            t           example            MSI
 *   X.Y.Z.devN         N           1.2.3.dev4         1.2.3004     (N 0..99)
 *   X.Y.ZaN            100 + N     1.2.3a1            1.2.3101     (N 0..99)
 *   X.Y.ZbN            200 + N     1.2.3b2            1.2.3202
 *   X.Y.ZrcN           300 + N     1.2.3rc1           1.2.3301
 *   X.Y.Z              400         1.2.3              1.2.3400
 *   X.Y.Z.postN        401 + N     1.2.3.post1        1.2.3402     (N 0..598)
 * </pre>
 *
 * The hundreds digit of the last three names the phase (0 dev, 1 alpha, 2 beta, 3 release
 * candidate, 4 and up final and post-releases), so an administrator can read the PEP 440 version
 * back from the MSI one. Missing release segments are zeros ({@code 2.0} is {@code 2.0.400}).
 *
 * <p>What cannot be mapped without breaking the order is refused with a build error that says
 * why: an epoch, a local label ({@code +abc}: two builds would get the same MSI version), more
 * than three non-zero release segments, a major or minor above 255, a micro above 65, numbers
 * beyond the ranges above, and the combinations pre+post, pre+dev and post+dev. Every accepted
 * version maps to a distinct MSI version and the mapping preserves PEP 440's order.
 *
 * @param major 0..255
 * @param minor 0..255
 * @param build 0..65535
 */
public record MsiVersion(int major, int minor, int build) implements Comparable<MsiVersion> {

    /** Largest major and minor version Windows Installer accepts. */
    public static final int MAX_MAJOR_MINOR = 255;
    /** Largest build field Windows Installer accepts. */
    public static final int MAX_BUILD = 65535;
    /** Offset of a final release inside its micro version's block of 1000. */
    static final int FINAL = 400;

    public MsiVersion {
        if (major < 0 || major > MAX_MAJOR_MINOR || minor < 0 || minor > MAX_MAJOR_MINOR || build < 0
                || build > MAX_BUILD) {
            throw new IllegalArgumentException("not an MSI version: " + major + "." + minor + "." + build);
        }
    }

    /** Maps a normalized PEP 440 version string (as a bundle carries it). */
    public static MsiVersion fromPep440(String text) {
        Version v;
        try {
            v = Version.parse(text);
        } catch (InvalidVersionException e) {
            throw PackyardException.build("bundle version: " + e.getMessage());
        }
        return fromPep440(v);
    }

    /** Maps a PEP 440 version; throws a one-line build error when it has no MSI equivalent. */
    public static MsiVersion fromPep440(Version v) {
        String what = "version " + v + ": ";
        String hint = " (the .msi needs a version of the form X.Y.Z[aN|bN|rcN|.postN|.devN], X and Y at most 255,"
                + " Z at most 64)";
        if (v.epoch() != 0) {
            throw PackyardException.build(what + "an epoch cannot be expressed in an MSI ProductVersion" + hint);
        }
        if (v.local().isPresent()) {
            throw PackyardException.build(what + "a local version label (+" + v.local().get()
                    + ") cannot be expressed in an MSI ProductVersion; two builds would share one" + hint);
        }
        List<Long> r = v.release();
        for (int i = 3; i < r.size(); i++) {
            if (r.get(i) != 0) {
                throw PackyardException.build(what + "MSI ProductVersion compares three numbers;"
                        + " a fourth non-zero release number cannot be ordered" + hint);
            }
        }
        long major = r.get(0);
        long minor = r.size() > 1 ? r.get(1) : 0;
        long micro = r.size() > 2 ? r.get(2) : 0;
        if (major > MAX_MAJOR_MINOR || minor > MAX_MAJOR_MINOR) {
            throw PackyardException.build(what + "the major and minor numbers of an MSI ProductVersion are at most "
                    + MAX_MAJOR_MINOR + hint);
        }
        int phases = (v.pre().isPresent() ? 1 : 0) + (v.post().isPresent() ? 1 : 0) + (v.dev().isPresent() ? 1 : 0);
        if (phases > 1) {
            throw PackyardException.build(what + "a version that combines pre-, post- or dev-release parts"
                    + " cannot be expressed in an MSI ProductVersion" + hint);
        }
        long t;
        if (v.dev().isPresent()) {
            t = bounded(what, "dev-release number", v.dev().getAsLong(), 99, hint);
        } else if (v.pre().isPresent()) {
            Version.Pre p = v.pre().get();
            long base = switch (p.label()) {
                case "a" -> 100;
                case "b" -> 200;
                default -> 300;
            };
            t = base + bounded(what, "pre-release number", p.number(), 99, hint);
        } else if (v.post().isPresent()) {
            t = FINAL + 1 + bounded(what, "post-release number", v.post().getAsLong(), 598, hint);
        } else {
            t = FINAL;
        }
        long build = micro * 1000 + t;
        if (build > MAX_BUILD) {
            throw PackyardException.build(what + "micro version " + micro + " does not fit: the MSI build field is "
                    + "micro * 1000 + phase and at most " + MAX_BUILD + hint);
        }
        return new MsiVersion((int) major, (int) minor, (int) build);
    }

    private static long bounded(String what, String name, long n, long max, String hint) {
        if (n > max) {
            throw PackyardException.build(what + "the " + name + " " + n + " is above " + max
                    + ", the largest an MSI ProductVersion can express" + hint);
        }
        return n;
    }

    @Override
    public int compareTo(MsiVersion o) {
        int c = Integer.compare(major, o.major);
        if (c == 0) {
            c = Integer.compare(minor, o.minor);
        }
        return c != 0 ? c : Integer.compare(build, o.build);
    }

    /** {@code major.minor.build}, the ProductVersion property. */
    @Override
    public String toString() {
        return major + "." + minor + "." + build;
    }
}
