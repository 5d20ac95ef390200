package io.packyard.repository.apt;

import static org.assertj.core.api.Assertions.assertThat;

import io.packyard.repository.packages.Cmd;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

class DebianVersionsTest {
    static final List<String> VERSIONS = List.of(
            "1.0", "1.0-1", "1.0-1.1", "1.0~rc1-1", "1.0~rc1~1-1", "1.0+b1", "1.0.post1-1", "1.0a", "1.0-1~bpo1",
            "1:0.9", "2:0.1", "0:1.0", "1.00", "1.0.0", "1.10", "1.9", "10", "1.0-10", "1.0-9", "1.0+dfsg-1",
            "1.0-0ubuntu1", "1.0~~", "1.0~", "1.0~a", "7.6p2-4", "1.2.3-4", "1.2.3a-4", "1.2.3+4-5");

    @Test
    void parsesAndValidates() {
        assertThat(DebianVersions.parse("1:2.3-4")).isEqualTo(new DebianVersions.Parts(1, "2.3", "4"));
        assertThat(DebianVersions.parse("2.3-4-5")).isEqualTo(new DebianVersions.Parts(0, "2.3-4", "5"));
        assertThat(DebianVersions.parse("2.3")).isEqualTo(new DebianVersions.Parts(0, "2.3", ""));
        assertThat(DebianVersions.isValid("1.0 beta")).isFalse();
        assertThat(DebianVersions.isValid("a1.0")).isFalse();
        assertThat(DebianVersions.isValid("1.0-")).isFalse();
        assertThat(DebianVersions.isValid("x:1.0")).isFalse();
        assertThat(DebianVersions.isValid("1.0:2")).isFalse();
        assertThat(DebianVersions.isValid("1:1.0:2-1")).isTrue();
        assertThat(DebianVersions.withoutEpoch("3:1.0-1")).isEqualTo("1.0-1");
        assertThat(DebianVersions.compare("1.0~rc1", "1.0")).isNegative();
        assertThat(DebianVersions.compare("1.0", "1.0+b1")).isNegative();
        assertThat(DebianVersions.compare("1:0.1", "9.9")).isPositive();
        assertThat(DebianVersions.compare("1.00", "1.0")).isZero();
    }

    @Test
    @Tag("system")
    void ordersLikeAptAndDpkg() {
        // apt's own comparison (Debian's python3 with python3-apt), all pairs in one process ...
        String py = "import apt_pkg, sys\napt_pkg.init_system()\nv = sys.argv[1:]\n"
                + "for a in v:\n    for b in v:\n        c = apt_pkg.version_compare(a, b)\n"
                + "        print('<' if c < 0 else '=' if c == 0 else '>')\n";
        List<String> cmd = new java.util.ArrayList<>(List.of("/usr/bin/python3", "-c", py));
        cmd.addAll(VERSIONS);
        List<String> dpkg = Cmd.run(cmd, java.util.Map.of(), null).ok().stdout().lines().toList();
        // ... and dpkg itself for a sample
        for (String[] pair : new String[][] {{"1.0~rc1-1", "1.0-1"}, {"1:0.9", "2.0"}, {"1.0+b1", "1.0.1"}, {"1.0-1~bpo1", "1.0-1"}}) {
            int c = DebianVersions.compare(pair[0], pair[1]);
            assertThat(Cmd.run("dpkg", "--compare-versions", pair[0], c < 0 ? "lt" : c == 0 ? "eq" : "gt", pair[1]).exitCode())
                    .as(pair[0] + " vs " + pair[1]).isZero();
        }
        int i = 0;
        for (String a : VERSIONS) {
            for (String b : VERSIONS) {
                int c = DebianVersions.compare(a, b);
                String ours = c < 0 ? "<" : c == 0 ? "=" : ">";
                assertThat(ours).as(a + " vs " + b).isEqualTo(dpkg.get(i++));
            }
        }
    }
}
