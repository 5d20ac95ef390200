package io.packyard.repository.yum;

import static org.assertj.core.api.Assertions.assertThat;

import io.packyard.repository.packages.Cmd;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

class RpmVersionsTest {
    static final List<String> VERSIONS = List.of(
            "1.0", "1.0.0", "1.0a", "1.0~rc1", "1.0~rc1~1", "1.0^post1", "1.0^", "1.0~", "1.00", "1.01", "1.1",
            "1.10", "1.9", "10", "a", "b", "1.0_1", "1.0.a", "1.0a1", "1..0", "2.0.1", "0", "1.0^git1~rc");

    @Test
    void comparesEpochVersionRelease() {
        assertThat(RpmVersions.compareEvr("1:1.0-1", "2.0-1")).isPositive();
        assertThat(RpmVersions.compareEvr("1.0-2", "1.0-10")).isNegative();
        assertThat(RpmVersions.compareEvr("0:1.0-1", "1.0-1")).isZero();
        assertThat(RpmVersions.parseEvr("3:1.2-4.el9")).isEqualTo(new RpmVersions.Evr(3, "1.2", "4.el9"));
        assertThat(RpmVersions.rpmvercmp("1.0~rc1", "1.0")).isEqualTo(-1);
        assertThat(RpmVersions.rpmvercmp("1.0^post1", "1.0")).isEqualTo(1);
        assertThat(RpmVersions.rpmvercmp("1.0^post1", "1.0.1")).isEqualTo(-1);
    }

    @Test
    @Tag("system")
    void ordersLikeRpmItself() {
        StringBuilder lua = new StringBuilder("%{lua:\n");
        for (String a : VERSIONS) {
            for (String b : VERSIONS) {
                lua.append("print(rpm.vercmp('").append(a).append("', '").append(b).append("') .. ';')\n");
            }
        }
        lua.append("}");
        List<String> rpm = java.util.Arrays.stream(Cmd.run("rpm", "--eval", lua.toString()).ok().stdout().split(";"))
                .map(String::strip).filter(l -> !l.isEmpty()).toList();
        int i = 0;
        for (String a : VERSIONS) {
            for (String b : VERSIONS) {
                assertThat(RpmVersions.rpmvercmp(a, b)).as(a + " vs " + b).isEqualTo(Integer.parseInt(rpm.get(i++).strip()));
            }
        }
    }
}
