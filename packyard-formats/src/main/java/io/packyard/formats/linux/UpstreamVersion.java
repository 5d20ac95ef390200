package io.packyard.formats.linux;

import io.packyard.python.version.Version;
import java.util.stream.Collectors;

/**
 * The text that stands for a PEP 440 version inside a Debian upstream version and an RPM
 * Version tag. dpkg and rpm order these strings the way PEP 440 orders the versions:
 *
 * <pre>
 *   PEP 440              Debian / RPM           why it sorts right
 *   1.0.dev1             1.0~~dev1              "~~" is below "~a": dev before any pre-release
 *   1.0a1.dev1           1.0~a1~dev1            trailing "~" sorts before the end of 1.0~a1
 *   1.0a1                1.0~a1                 "~" sorts before the end of the string, a &lt; b &lt; rc
 *   1.0rc1.post1         1.0~rc1+post1          "+" sorts after the end of 1.0~rc1
 *   1.0                  1.0
 *   1.0+ubuntu.1         1.0+local+ubuntu.1     "+l" sorts before "+p", both after the end of 1.0
 *   1.0.post1.dev1       1.0+post1~dev1
 *   1.0.post1            1.0+post1              "+" sorts below "." (dpkg) / alpha below numeric (rpm): before 1.0.1
 *   1.0.1                1.0.1
 * </pre>
 *
 * <p>The epoch is not part of this text: Debian writes it as {@code N:}, RPM in its Epoch tag.
 *
 * <p>Two limits, both documented for users. Release segments keep their written length, so
 * versions that differ only in trailing zeros (1.0 and 1.0.0, equal in PEP 440) are ordered by
 * dpkg and rpm as written (1.0 &lt; 1.0.0, and 1.0.post1 &lt; 1.0.0); a project that keeps the number of
 * release segments stable never meets this. And in a local label, each numeric segment is
 * written after a "." and each alphanumeric one after a "+" (dpkg sorts "." above "+", rpm puts
 * numbers above letters), so segments order as in PEP 440, except alphanumeric segments that mix
 * letters and digits: PEP 440 compares them character by character ("abc10" &lt; "abc9"), dpkg and
 * rpm compare the digit runs as numbers. A local version always sorts after its public version
 * and before every later public version.
 */
public final class UpstreamVersion {
    private UpstreamVersion() {}

    /** The Debian upstream version / RPM Version text for {@code v}, without epoch. */
    public static String of(Version v) {
        StringBuilder s = new StringBuilder();
        s.append(v.release().stream().map(String::valueOf).collect(Collectors.joining(".")));
        v.pre().ifPresent(p -> s.append('~').append(p.label()).append(p.number()));
        v.post().ifPresent(n -> s.append("+post").append(n));
        v.dev().ifPresent(n -> {
            // A dev release of a plain release sorts before all its pre-releases: "~~" < "~a".
            boolean plain = v.pre().isEmpty() && v.post().isEmpty();
            s.append(plain ? "~~dev" : "~dev").append(n);
        });
        v.local().ifPresent(l -> {
            s.append("+local");
            for (String seg : l.split("\\.")) {
                // dpkg sorts "." above "+": a numeric segment above an alphanumeric one, as in PEP 440
                s.append(seg.chars().allMatch(c -> c >= '0' && c <= '9') ? '.' : '+').append(seg);
            }
        });
        return s.toString();
    }
}
