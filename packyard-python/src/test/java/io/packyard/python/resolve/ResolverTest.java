package io.packyard.python.resolve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.packyard.python.PackyardException;
import io.packyard.python.index.FakeIndex;
import io.packyard.python.index.FindLinks;
import io.packyard.python.index.Hashes;
import io.packyard.python.index.SimpleIndexClient;
import io.packyard.python.index.WheelFixtures;
import io.packyard.python.index.WheelSource;
import io.packyard.python.markers.MarkerEnvironment;
import io.packyard.python.requirements.Requirement;
import io.packyard.python.tags.Platforms;
import io.packyard.python.tags.SupportedTags;
import io.packyard.python.util.Progress;
import io.packyard.python.version.Version;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResolverTest {

    static final MarkerEnvironment LINUX = MarkerEnvironment.linux("x86_64", "3.12.1");
    static final MarkerEnvironment WINDOWS = MarkerEnvironment.windows("AMD64", "3.12.1");
    static final SupportedTags LINUX_TAGS = SupportedTags.cpython(3, 12, Platforms.manylinux("x86_64", 2, 31));
    static final SupportedTags WINDOWS_TAGS = SupportedTags.cpython(3, 12, Platforms.windows("AMD64"));

    @TempDir
    Path tmp;

    FakeIndex index;

    @BeforeEach
    void start() {
        index = FakeIndex.start();
    }

    @AfterEach
    void stop() {
        index.close();
    }

    SimpleIndexClient client(URI url, boolean offline) {
        return SimpleIndexClient.builder().indexUrl(url).cacheDir(tmp.resolve("cache")).offline(offline).retries(0)
                .build();
    }

    Resolver.Builder resolver(MarkerEnvironment env, SupportedTags tags, WheelSource... sources) {
        List<WheelSource> list = sources.length > 0 ? List.of(sources) : List.of(client(index.jsonUrl(), false));
        return Resolver.builder().sources(list).supportedTags(tags).environment(env).rootLabel("app");
    }

    Resolution resolve(String... roots) {
        return resolver(LINUX, LINUX_TAGS).build().resolve(reqs(roots));
    }

    static List<Requirement> reqs(String... roots) {
        return Stream.of(roots).map(Requirement::parse).toList();
    }

    static String pins(Resolution r) {
        return String.join(" ", r.pins());
    }

    @Test
    void newestVersionsWithPep658MetadataAndNoDownloadUntilTheEnd() throws Exception {
        index.add(WheelFixtures.wheel("foo", "1.0"));
        WheelFixtures foo2 = WheelFixtures.wheel("foo", "2.0").requires("bar>=1");
        index.add(foo2);
        index.add(WheelFixtures.wheel("bar", "1.0"));
        WheelFixtures bar15 = WheelFixtures.wheel("bar", "1.5");
        index.add(bar15);
        index.add(WheelFixtures.wheel("unrelated", "1.0"));

        Resolution r = resolve("foo");

        assertThat(pins(r)).isEqualTo("bar==1.5 foo==2.0");
        assertThat(r.dependencies()).containsEntry("foo", new TreeSet<>(Set.of("bar")));
        assertThat(r.find("FOO")).hasValueSatisfying(w -> {
            assertThat(w.file().filename()).isEqualTo(foo2.filename());
            assertThat(w.localWheel()).exists();
            assertThat(Hashes.sha256(w.localWheel())).isEqualTo(Hashes.sha256(foo2.bytes()));
        });
        List<String> paths = index.paths();
        List<String> wheelGets = paths.stream().filter(p -> p.endsWith(".whl")).toList();
        assertThat(wheelGets).containsExactlyInAnyOrder("/files/" + foo2.filename(), "/files/" + bar15.filename());
        int lastMetadata = -1;
        int firstWheel = Integer.MAX_VALUE;
        for (int i = 0; i < paths.size(); i++) {
            if (paths.get(i).endsWith(".metadata")) {
                lastMetadata = i;
            }
            if (paths.get(i).endsWith(".whl")) {
                firstWheel = Math.min(firstWheel, i);
            }
        }
        assertThat(lastMetadata).isLessThan(firstWheel);
        assertThat(paths).filteredOn(p -> p.endsWith(".metadata"))
                .containsExactlyInAnyOrder("/files/" + foo2.filename() + ".metadata",
                        "/files/" + bar15.filename() + ".metadata");
        assertThat(paths).noneMatch(p -> p.contains("unrelated") || p.contains("foo-1.0"));
    }

    @Test
    void withoutPep658TheWheelItselfIsReadAndDownloadedOnce() {
        WheelFixtures foo = WheelFixtures.wheel("foo", "1.0").requires("bar");
        WheelFixtures bar = WheelFixtures.wheel("bar", "1.0");
        index.addWithoutMetadata(foo);
        index.addWithoutMetadata(bar);
        Resolution r = resolver(LINUX, LINUX_TAGS, client(index.htmlUrl(), false)).build().resolve(reqs("foo"));
        assertThat(pins(r)).isEqualTo("bar==1.0 foo==1.0");
        assertThat(index.paths()).filteredOn(p -> p.startsWith("/files/"))
                .containsExactlyInAnyOrder("/files/" + foo.filename(), "/files/" + bar.filename());
    }

    @Test
    void jsonAndHtmlIndexesResolveAlike() {
        index.add(WheelFixtures.wheel("foo", "1.0").requires("bar<2"));
        index.add(WheelFixtures.wheel("bar", "1.9"));
        index.add(WheelFixtures.wheel("bar", "2.0"));
        index.yank(WheelFixtures.wheel("bar", "1.9").filename(), "");
        index.add(WheelFixtures.wheel("bar", "1.8"));
        Resolution json = resolver(LINUX, LINUX_TAGS, client(index.jsonUrl(), false)).build().resolve(reqs("foo"));
        Resolution html = resolver(LINUX, LINUX_TAGS, client(index.htmlUrl(), false)).build().resolve(reqs("foo"));
        assertThat(pins(json)).isEqualTo("bar==1.8 foo==1.0");
        assertThat(pins(html)).isEqualTo(pins(json));
        assertThat(index.log()).anyMatch(l -> l.path().startsWith("/legacy/simple/")
                && l.path().endsWith("/")).anyMatch(l -> l.path().startsWith("/simple/"));
    }

    @Test
    void yankedFilesOnlyWhenPinnedWithEquals() {
        index.add(WheelFixtures.wheel("foo", "1.0"));
        index.add(WheelFixtures.wheel("foo", "2.0"));
        index.yank(WheelFixtures.wheel("foo", "2.0").filename(), "security issue");
        List<String> warnings = new ArrayList<>();
        Progress p = Progress.warningsTo(warnings::add);
        assertThat(pins(resolve("foo"))).isEqualTo("foo==1.0");
        assertThat(pins(resolve("foo>=1"))).isEqualTo("foo==1.0");
        assertThat(pins(resolver(LINUX, LINUX_TAGS).progress(p).build().resolve(reqs("foo==2.0"))))
                .isEqualTo("foo==2.0");
        assertThat(warnings).anyMatch(w -> w.contains("is yanked (security issue)"));
        assertThat(pins(resolve("foo===2.0"))).isEqualTo("foo==2.0");
        assertThatThrownBy(() -> resolve("foo>1.5"))
                .isInstanceOf(PackyardException.class)
                .hasMessage("no version of foo satisfies >1.5 (available: 1.0; yanked: 2.0)");
    }

    @Test
    void markersAreEvaluatedForTheTargetNotTheHost() {
        index.add(WheelFixtures.wheel("foo", "1.0")
                .requires("colorama; os_name == \"nt\"", "uvloop; sys_platform != \"win32\""));
        index.add(WheelFixtures.wheel("colorama", "0.4.6"));
        index.add(WheelFixtures.wheel("pywin32", "306").tag("cp312-cp312-win_amd64"));
        index.add(WheelFixtures.wheel("uvloop", "0.19.0").tag("cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64"));
        List<Requirement> roots = reqs("foo", "pywin32; sys_platform == \"win32\"");

        Resolution windows = resolver(WINDOWS, WINDOWS_TAGS).build().resolve(roots);
        assertThat(pins(windows)).isEqualTo("colorama==0.4.6 foo==1.0 pywin32==306");
        assertThat(windows.find("pywin32").get().file().filename()).isEqualTo("pywin32-306-cp312-cp312-win_amd64.whl");

        Resolution linux = resolver(LINUX, LINUX_TAGS).build().resolve(roots);
        assertThat(pins(linux)).isEqualTo("foo==1.0 uvloop==0.19.0");
    }

    @Test
    void extrasArePropagatedIncludingToProjectsAlreadyChosen() {
        index.add(WheelFixtures.wheel("foo", "1.0").extra("cli")
                .requires("click>=8; extra == \"cli\"", "rich; extra == 'cli' and os_name == 'nt'"));
        index.add(WheelFixtures.wheel("click", "8.1.7"));
        index.add(WheelFixtures.wheel("rich", "13.0"));
        index.add(WheelFixtures.wheel("zed", "1.0").requires("foo[cli]"));
        index.add(WheelFixtures.wheel("bar", "1.0").requires("foo[cli]"));

        assertThat(pins(resolve("foo"))).isEqualTo("foo==1.0");
        assertThat(pins(resolve("foo[cli]"))).isEqualTo("click==8.1.7 foo==1.0");
        assertThat(pins(resolver(WINDOWS, WINDOWS_TAGS).build().resolve(reqs("foo[CLI]"))))
                .isEqualTo("click==8.1.7 foo==1.0 rich==13.0");
        // foo is decided before zed asks for its extra: the extra's dependencies are added afterwards
        assertThat(pins(resolve("foo", "zed"))).isEqualTo("click==8.1.7 foo==1.0 zed==1.0");
        // bar is decided first and asks for foo[cli] before foo is decided
        assertThat(pins(resolve("bar", "foo"))).isEqualTo("bar==1.0 click==8.1.7 foo==1.0");
    }

    @Test
    void bestTagWins() {
        index.add(WheelFixtures.wheel("foo", "1.0").tag("py3-none-any"));
        index.add(WheelFixtures.wheel("foo", "1.0").tag("cp312-cp312-linux_x86_64"));
        index.add(WheelFixtures.wheel("foo", "1.0").tag("cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64"));
        index.add(WheelFixtures.wheel("foo", "1.0").tag("cp312-cp312-win_amd64"));
        index.add(WheelFixtures.wheel("bar", "1.0").tag("cp312-abi3-manylinux_2_17_x86_64"));
        index.add(WheelFixtures.wheel("bar", "1.0").tag("cp312-cp312-manylinux_2_17_x86_64"));
        index.add(WheelFixtures.wheel("bar", "1.0").tag("cp38-abi3-win_amd64"));
        index.add(WheelFixtures.wheel("baz", "1.0").buildTag("1"));
        index.add(WheelFixtures.wheel("baz", "1.0").buildTag("2"));
        index.add(WheelFixtures.wheel("baz", "1.0").buildTag("10a"));

        Resolution linux = resolve("foo", "bar", "baz");
        assertThat(linux.find("foo").get().file().filename())
                .isEqualTo("foo-1.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl");
        assertThat(linux.find("bar").get().file().filename()).isEqualTo("bar-1.0-cp312-cp312-manylinux_2_17_x86_64.whl");
        assertThat(linux.find("baz").get().file().filename()).isEqualTo("baz-1.0-10a-py3-none-any.whl");

        SupportedTags plainLinux = SupportedTags.cpython(3, 12, List.of("linux_x86_64"));
        Resolution local = resolver(LINUX, plainLinux).build().resolve(reqs("foo"));
        assertThat(local.find("foo").get().file().filename()).isEqualTo("foo-1.0-cp312-cp312-linux_x86_64.whl");

        Resolution windows = resolver(WINDOWS, WINDOWS_TAGS).build().resolve(reqs("foo", "bar"));
        assertThat(windows.find("foo").get().file().filename()).isEqualTo("foo-1.0-cp312-cp312-win_amd64.whl");
        assertThat(windows.find("bar").get().file().filename()).isEqualTo("bar-1.0-cp38-abi3-win_amd64.whl");

        SupportedTags mac = SupportedTags.cpython(3, 12, List.of("macosx_14_0_arm64"));
        Resolution macos = resolver(MarkerEnvironment.macos("arm64", "3.12.1"), mac).build().resolve(reqs("foo"));
        assertThat(macos.find("foo").get().file().filename()).isEqualTo("foo-1.0-py3-none-any.whl");
    }

    @Test
    void newerVersionWithoutAFittingWheelIsPassedOver() {
        index.add(WheelFixtures.wheel("foo", "1.0").tag("cp312-cp312-manylinux_2_17_x86_64"));
        index.add(WheelFixtures.wheel("foo", "2.0").tag("cp312-cp312-manylinux_2_34_x86_64"));
        assertThat(pins(resolve("foo"))).isEqualTo("foo==1.0");
        assertThatThrownBy(() -> resolve("foo>=2"))
                .hasMessage("no wheel of foo >=2 matches the target (tried " + WheelRanking.triedTags(LINUX_TAGS)
                        + "; available: foo-2.0-cp312-cp312-manylinux_2_34_x86_64.whl)");
    }

    @Test
    void noWheelForTheTargetNamesTheTagsTriedAndTheFilesAvailable() {
        index.add(WheelFixtures.wheel("foo", "1.0").tag("cp311-cp311-win_amd64"));
        index.addFile("foo", "foo-1.0.tar.gz", "sdist".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> resolve("foo"))
                .isInstanceOf(PackyardException.class)
                .hasMessageStartingWith("no wheel of foo matches the target (tried cp312-cp312-manylinux_2_31_x86_64, "
                        + "cp312-cp312-manylinux_2_30_x86_64, ")
                .hasMessageEndingWith("; available: foo-1.0-cp311-cp311-win_amd64.whl)");
    }

    @Test
    void onlySdistsOrNothingAtAll() {
        index.addFile("foo", "foo-1.0.tar.gz", "sdist".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> resolve("foo"))
                .hasMessage("foo has no wheel, only foo-1.0.tar.gz; Packyard installs wheels only (required by app)");
        assertThatThrownBy(() -> resolve("nope"))
                .hasMessage("no distribution of nope found in index " + index.jsonUrl() + " (required by app)");
    }

    @Test
    void backtracksToAnOlderVersion() {
        index.add(WheelFixtures.wheel("a", "2.0").requires("c==2"));
        index.add(WheelFixtures.wheel("a", "1.0").requires("c==1"));
        index.add(WheelFixtures.wheel("b", "1.0").requires("c<2"));
        index.add(WheelFixtures.wheel("c", "1.0"));
        index.add(WheelFixtures.wheel("c", "2.0"));
        // unrelated projects decided in between must not multiply the search
        for (int i = 0; i < 5; i++) {
            index.add(WheelFixtures.wheel("x" + i, "1.0"));
            index.add(WheelFixtures.wheel("x" + i, "2.0"));
            index.add(WheelFixtures.wheel("x" + i, "3.0"));
        }
        Resolution r = resolve("a", "b", "x0", "x1", "x2", "x3", "x4");
        assertThat(pins(r)).isEqualTo("a==1.0 b==1.0 c==1.0 x0==3.0 x1==3.0 x2==3.0 x3==3.0 x4==3.0");
    }

    @Test
    void backjumpsOverUnrelatedDecisionsToTheCulprit() {
        // a's newest versions need d>=2 which conflicts with b; z0..z3 are decided in between and
        // have many versions each: without backjumping the search would try every combination.
        for (int v = 1; v <= 6; v++) {
            index.add(WheelFixtures.wheel("a", v + ".0").requires(v > 1 ? "d>=2" : "d<2"));
        }
        index.add(WheelFixtures.wheel("b", "1.0").requires("d<2"));
        index.add(WheelFixtures.wheel("d", "1.0"));
        index.add(WheelFixtures.wheel("d", "2.0"));
        List<String> roots = new ArrayList<>(List.of("a", "b"));
        for (int i = 0; i < 4; i++) {
            for (int v = 1; v <= 6; v++) {
                index.add(WheelFixtures.wheel("z" + i, v + ".0"));
            }
            roots.add("z" + i);
        }
        Resolution r = resolver(LINUX, LINUX_TAGS).maxAttempts(200).build().resolve(reqs(roots.toArray(String[]::new)));
        assertThat(pins(r)).startsWith("a==1.0 b==1.0 d==1.0 z0==6.0");
    }

    @Test
    void conflictNamesBothSides() {
        index.add(WheelFixtures.wheel("foo", "0.9"));
        index.add(WheelFixtures.wheel("foo", "1.0"));
        index.add(WheelFixtures.wheel("bar", "1.0").requires("foo<1"));
        index.add(WheelFixtures.wheel("zed", "1.0").requires("foo<1"));
        assertThatThrownBy(() -> resolve("foo>=1", "bar"))
                .isInstanceOf(PackyardException.class)
                .hasMessage("bar 1.0 requires foo<1, but app requires foo>=1");
        // the same conflict found the other way round (foo decided first)
        assertThatThrownBy(() -> resolve("foo>=1", "zed"))
                .hasMessage("zed 1.0 requires foo<1, but app requires foo>=1");
        // when foo merely was chosen too new, backtracking fixes it
        assertThat(pins(resolve("foo", "zed"))).isEqualTo("foo==0.9 zed==1.0");
    }

    @Test
    void conflictDeepInTheGraphAfterBacktrackingEveryVersion() {
        index.add(WheelFixtures.wheel("foo", "0.4"));
        index.add(WheelFixtures.wheel("foo", "1.0"));
        index.add(WheelFixtures.wheel("bar", "2.0").requires("foo<1"));
        index.add(WheelFixtures.wheel("bar", "1.0").requires("foo<0.5"));
        assertThatThrownBy(() -> resolve("foo>=1", "bar"))
                .hasMessage("bar 2.0 requires foo<1, but app requires foo>=1; other versions of bar fail too"
                        + " (tried 2.0, 1.0)");
    }

    @Test
    void noVersionSatisfiesTheSpecifier() {
        index.add(WheelFixtures.wheel("foo", "1.0"));
        index.add(WheelFixtures.wheel("foo", "1.1"));
        index.add(WheelFixtures.wheel("bar", "1.0").requires("foo>=3"));
        assertThatThrownBy(() -> resolve("foo>=2"))
                .isInstanceOf(PackyardException.class)
                .hasMessage("no version of foo satisfies >=2 (available: 1.0, 1.1)");
        assertThatThrownBy(() -> resolve("bar"))
                .hasMessage("no version of foo satisfies >=3, required by bar 1.0 (available: 1.0, 1.1)");
    }

    @Test
    void requiresPythonOfTheTargetFiltersCandidates() {
        WheelFixtures foo2 = WheelFixtures.wheel("foo", "2.0").requiresPython(">=3.13");
        index.add(WheelFixtures.wheel("foo", "1.0").requiresPython(">=3.8"));
        index.add(foo2);
        index.requiresPython(foo2.filename(), ">=3.13");
        // only the metadata knows: bar 2.0 needs 3.13 but the index does not say so
        index.add(WheelFixtures.wheel("bar", "1.0"));
        index.add(WheelFixtures.wheel("bar", "2.0").requiresPython(">=3.13"));
        assertThat(pins(resolve("foo", "bar"))).isEqualTo("bar==1.0 foo==1.0");
        Resolution py313 = resolver(LINUX.withPythonFullVersion("3.13.0"),
                SupportedTags.cpython(3, 13, Platforms.manylinux("x86_64", 2, 31))).build().resolve(reqs("foo", "bar"));
        assertThat(pins(py313)).isEqualTo("bar==2.0 foo==2.0");
        Resolution explicit = resolver(LINUX, LINUX_TAGS).pythonVersion(Version.parse("3.13.1")).build()
                .resolve(reqs("foo"));
        assertThat(pins(explicit)).isEqualTo("foo==2.0");
        assertThatThrownBy(() -> resolve("bar>=2"))
                .hasMessage("bar 2.0 requires Python >=3.13, but the target has Python 3.12.1");
    }

    @Test
    void localWheelsReplaceIndexCandidates() {
        index.add(WheelFixtures.wheel("mylib", "1.0"));
        index.add(WheelFixtures.wheel("dep", "1.0"));
        Path local = WheelFixtures.wheel("mylib", "3.0.dev1").requires("dep").writeTo(tmp.resolve("dist"));
        Path app = WheelFixtures.wheel("app", "0.1").requires("mylib>=3.0.dev0").writeTo(tmp.resolve("dist"));
        Resolution r = resolver(LINUX, LINUX_TAGS).localWheels(List.of(app, local)).build().resolve(reqs("app"));
        assertThat(pins(r)).isEqualTo("app==0.1 dep==1.0 mylib==3.0.dev1");
        assertThat(r.find("mylib").get().localWheel()).isEqualTo(local);
        assertThat(r.find("app").get().localWheel()).isEqualTo(app);
        assertThat(index.paths()).noneMatch(p -> p.contains("mylib"));

        assertThatThrownBy(() -> resolver(LINUX, LINUX_TAGS).localWheels(List.of(local)).build()
                .resolve(reqs("mylib<2")))
                .hasMessage("app requires mylib<2, but the local wheel mylib-3.0.dev1-py3-none-any.whl is version 3.0.dev1");
    }

    @Test
    void directFileUrlRootIsALocalWheel() {
        Path w = WheelFixtures.wheel("mylib", "1.0").writeTo(tmp.resolve("dist"));
        Resolution r = resolver(LINUX, LINUX_TAGS).build().resolve(reqs("mylib @ " + w.toUri()));
        assertThat(r.find("mylib").get().localWheel()).isEqualTo(w);
    }

    @Test
    void secondRunOfflineFromTheCache() {
        index.add(WheelFixtures.wheel("foo", "1.0").requires("bar"));
        index.addWithoutMetadata(WheelFixtures.wheel("bar", "1.0"));
        Resolution online = resolve("foo");
        index.clearLog();
        Resolution offline = resolver(LINUX, LINUX_TAGS, client(index.jsonUrl(), true)).build().resolve(reqs("foo"));
        assertThat(index.log()).isEmpty();
        assertThat(offline).isEqualTo(online);
    }

    @Test
    void preReleasesOnlyWhenAllowedOrAskedFor() {
        index.add(WheelFixtures.wheel("foo", "1.0"));
        index.add(WheelFixtures.wheel("foo", "2.0b1"));
        index.add(WheelFixtures.wheel("only", "1.0rc1"));
        assertThat(pins(resolve("foo"))).isEqualTo("foo==1.0");
        assertThat(pins(resolve("foo>=2.0b1"))).isEqualTo("foo==2.0b1");
        assertThat(pins(resolver(LINUX, LINUX_TAGS).allowPrereleases(true).build().resolve(reqs("foo"))))
                .isEqualTo("foo==2.0b1");
        assertThat(pins(resolve("only"))).isEqualTo("only==1.0rc1");
        // PEP 440: when no final release matches, the matching pre-releases are accepted
        assertThat(pins(resolve("foo>1"))).isEqualTo("foo==2.0b1");
    }

    @Test
    void findLinksComeFirst() {
        WheelFixtures foo = WheelFixtures.wheel("foo", "1.0");
        index.add(foo);
        Path dir = tmp.resolve("wheels");
        Path local = foo.writeTo(dir);
        WheelFixtures.wheel("bar", "5.0").writeTo(dir);
        Resolution r = resolver(LINUX, LINUX_TAGS, FindLinks.directory(dir), client(index.jsonUrl(), false)).build()
                .resolve(reqs("foo", "bar"));
        assertThat(pins(r)).isEqualTo("bar==5.0 foo==1.0");
        assertThat(r.find("foo").get().localWheel()).isEqualTo(local);
        assertThat(index.paths()).noneMatch(p -> p.startsWith("/files/"));
    }

    @Test
    void wheelWhoseMetadataDisagreesIsSkipped() {
        index.add(WheelFixtures.wheel("foo", "1.0"));
        index.add(WheelFixtures.wheel("foo", "2.0").metadataSays("foo", "2.1"));
        assertThat(pins(resolve("foo"))).isEqualTo("foo==1.0");
        assertThatThrownBy(() -> resolve("foo==2.0"))
                .hasMessage("foo-2.0-py3-none-any.whl: its metadata says foo 2.1, not foo 2.0");
    }

    @Test
    void circularDependenciesAndDeterministicOrder() {
        index.add(WheelFixtures.wheel("Zeta", "1.0").requires("alpha"));
        index.add(WheelFixtures.wheel("alpha", "1.0").requires("zeta", "Mid_Dle"));
        index.add(WheelFixtures.wheel("mid.dle", "1.0"));
        Resolution r = resolve("zeta");
        assertThat(r.wheels()).extracting(ResolvedWheel::name).containsExactly("alpha", "mid.dle", "Zeta");
        assertThat(r.dependencies().get("alpha")).containsExactly("mid-dle", "zeta");
    }

    @Test
    void rootMarkersAndDirectUrlDependenciesOfPackages() {
        index.add(WheelFixtures.wheel("foo", "1.0").requires("bar @ https://example.invalid/bar-1.0-py3-none-any.whl"));
        assertThat(resolve("foo; python_version < \"3.8\"").wheels()).isEmpty();
        assertThatThrownBy(() -> resolve("foo"))
                .hasMessageStartingWith("foo 1.0 requires bar @ https://example.invalid/bar-1.0-py3-none-any.whl")
                .hasMessageContaining("direct URL dependencies of packages are not supported");
    }
}
