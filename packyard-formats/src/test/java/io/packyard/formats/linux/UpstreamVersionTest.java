package io.packyard.formats.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.packyard.formats.deb.DebianVersion;
import io.packyard.formats.rpm.RpmVersion;
import io.packyard.formats.testkit.Cmd;
import io.packyard.python.version.Version;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

class UpstreamVersionTest {

    /**
     * Versions around one release, plus epochs. None differ only in trailing zeros and no local
     * segment mixes letters and digits: the two documented limits of the mapping (see UpstreamVersion).
     */
    static final List<String> VERSIONS = List.of(
            "0.9", "0.9.post3", "1.0.dev0", "1.0.dev1", "1.0.dev10", "1.0a0", "1.0a1.dev1", "1.0a1", "1.0a1+local.1",
            "1.0a1.post1.dev1", "1.0a1.post1", "1.0a1.post1+x", "1.0a2", "1.0a10", "1.0b1.dev3", "1.0b1",
            "1.0b2.post1", "1.0rc1.dev1", "1.0rc1", "1.0rc2", "1.0rc10", "1.0", "1.0+abc", "1.0+abc.1",
            "1.0+zzz", "1.0+zzz.0", "1.0+zzz.a", "1.0+1", "1.0+1.b", "1.0+1.2", "1.0+2", "1.0.post1.dev1",
            "1.0.post1", "1.0.post1+local", "1.0.post2", "1.0.post10",
            "1.0.1.dev1", "1.0.1a1", "1.0.1rc1", "1.0.1", "1.0.1.post1", "1.0.2", "1.0.10", "1.1.dev1", "1.1",
            "1.10", "2.0", "10.0", "2024.1", "1!0.1", "1!1.0rc1", "1!1.0", "2!0.0.1");

    @Test
    void mapsPreDevPostAndLocalSuffixes() {
        assertThat(deb("1.0rc1")).isEqualTo("1.0~rc1-1");
        assertThat(deb("1.0.dev1")).isEqualTo("1.0~~dev1-1");
        assertThat(deb("1.0a1.dev1")).isEqualTo("1.0~a1~dev1-1");
        assertThat(deb("1.0.post1")).isEqualTo("1.0+post1-1");
        assertThat(deb("1.0.post1.dev2")).isEqualTo("1.0+post1~dev2-1");
        assertThat(deb("1.0b2.post1.dev3+Ubuntu-1")).isEqualTo("1.0~b2+post1~dev3+local+ubuntu.1-1");
        assertThat(deb("3!1.0")).isEqualTo("3:1.0-1");
        assertThat(DebianVersion.fromPep440("3!1.0c1").withoutEpoch()).isEqualTo("1.0~rc1-1");
        assertThat(RpmVersion.fromPep440("3!1.0rc1")).isEqualTo(new RpmVersion(3, "1.0~rc1", "1"));
        assertThat(RpmVersion.fromPep440("1.0").toString()).isEqualTo("1.0-1");
    }

    @Test
    void upstreamTextUsesOnlyCharactersBothToolsAllow() {
        for (String v : VERSIONS) {
            assertThat(UpstreamVersion.of(Version.parse(v))).matches("[0-9][A-Za-z0-9.+~]*");
        }
    }

    @Test
    @Tag("system")
    void dpkgOrdersLikePep440() {
        assumeTrue(Cmd.available("dpkg"), "dpkg not installed");
        List<String> wrong = new ArrayList<>();
        for (int i = 0; i < VERSIONS.size(); i++) {
            for (int j = 0; j < VERSIONS.size(); j++) {
                if (i == j) {
                    continue;
                }
                Version a = Version.parse(VERSIONS.get(i));
                Version b = Version.parse(VERSIONS.get(j));
                boolean pepLess = a.compareTo(b) < 0;
                int rc = Cmd.run("dpkg", "--compare-versions", DebianVersion.fromPep440(a).toString(), "lt",
                                DebianVersion.fromPep440(b).toString())
                        .exitCode();
                assertThat(rc).isIn(0, 1);
                if ((rc == 0) != pepLess) {
                    wrong.add(a + (pepLess ? " < " : " > ") + b + " but dpkg disagrees: "
                            + DebianVersion.fromPep440(a) + " vs " + DebianVersion.fromPep440(b));
                }
            }
        }
        assertThat(wrong).isEmpty();
    }

    @Test
    @Tag("system")
    void rpmOrdersLikePep440() {
        assumeTrue(Cmd.available("rpm"), "rpm not installed");
        StringBuilder lua = new StringBuilder("%{lua: local v = {");
        List<String[]> pairs = new ArrayList<>();
        for (String x : VERSIONS) {
            lua.append('"').append(evr(x)).append("\",");
            for (String y : VERSIONS) {
                pairs.add(new String[] {x, y});
            }
        }
        lua.append("} local r = {} for i = 1, #v do for j = 1, #v do r[#r+1] = rpm.vercmp(v[i], v[j]) end end ");
        lua.append("print(table.concat(r, \" \"))}");
        String[] results = Cmd.run("rpm", "--eval", lua.toString()).ok().stdout().trim().split(" ");
        assertThat(results).hasSize(pairs.size());
        List<String> wrong = new ArrayList<>();
        for (int k = 0; k < pairs.size(); k++) {
            int pep = Integer.signum(Version.parse(pairs.get(k)[0]).compareTo(Version.parse(pairs.get(k)[1])));
            int rpm = Integer.signum(Integer.parseInt(results[k]));
            if (pep != rpm) {
                wrong.add(pairs.get(k)[0] + " vs " + pairs.get(k)[1] + ": PEP 440 " + pep + ", rpm " + rpm);
            }
        }
        assertThat(wrong).isEmpty();
    }

    private static String evr(String pep440) {
        return RpmVersion.fromPep440(pep440).toString();
    }

    private static String deb(String pep440) {
        return DebianVersion.fromPep440(pep440).toString();
    }
}
