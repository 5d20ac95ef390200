package io.packyard.formats.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.packyard.bundle.Bundle;
import io.packyard.bundle.BundleMetadata;
import io.packyard.bundle.Command;
import io.packyard.formats.testkit.FixtureBundle;
import io.packyard.python.PackyardException;
import io.packyard.python.util.Progress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InstallTreeTest {
    @TempDir
    Path tmp;

    @Test
    void debTreeListsEveryParentRpmTreeOnlyWhatItOwns() throws IOException {
        Bundle b = FixtureBundle.named("h5-tree").build(tmp.resolve("b"));
        String company = "/opt/packyard-h5-tree";
        List<String> deb = paths(InstallTree.of(b, company, true, List.of()));
        assertThat(deb).startsWith("/", "/opt", company, company + "/demo");
        assertThat(deb).contains("/usr", "/usr/bin", "/usr/bin/h5-tree-hello");
        List<String> rpm = paths(InstallTree.of(b, company, false, List.of()));
        assertThat(rpm).startsWith(company, company + "/demo");
        assertThat(rpm).doesNotContain("/", "/opt", "/usr", "/usr/bin").contains("/usr/bin/h5-tree-hello");
        // every node's parent precedes it in the deb tree
        for (int i = 1; i < deb.size(); i++) {
            String p = deb.get(i);
            String parent = p.lastIndexOf('/') == 0 ? "/" : p.substring(0, p.lastIndexOf('/'));
            assertThat(deb.subList(0, i)).as(p).contains(parent);
        }
        InstallTree.Node link = InstallTree.of(b, company, false, List.of()).nodes().stream()
                .filter(n -> n.path().equals("/usr/bin/h5-tree-hello")).findFirst().orElseThrow();
        assertThat(link.linkTarget()).isEqualTo(company + "/demo/bin/h5-tree-hello");
    }

    @Test
    void pathsSortBySegmentInByteOrder() {
        List<String> paths = new ArrayList<>(List.of("/a/b-c", "/a/b/c", "/a/b", "/a/é", "/a/z", "/", "/a"));
        paths.sort(InstallTree::comparePaths);
        assertThat(paths).containsExactly("/", "/a", "/a/b", "/a/b/c", "/a/b-c", "/a/z", "/a/é");
    }

    @Test
    void commandsMustPointAtBundleFilesAndBeSafeNames() throws IOException {
        Bundle ok = FixtureBundle.named("h5-tree").build(tmp.resolve("b"));
        assertThatThrownBy(() -> InstallTree.of(withCommands(ok, new Command("../evil", "bin/h5-tree-hello", false)),
                "/opt/packyard-h5-tree", true, List.of()))
                .isInstanceOf(PackyardException.class).hasMessageContaining("'../evil' cannot be a command name");
        assertThatThrownBy(() -> InstallTree.of(withCommands(ok, new Command("gone", "bin/gone", false)),
                "/opt/packyard-h5-tree", true, List.of()))
                .isInstanceOf(PackyardException.class).hasMessage("command gone: launcher bin/gone is not a file in the bundle");
        assertThatThrownBy(() -> InstallTree.of(withCommands(ok, new Command("a", "bin/h5-tree-hello", false),
                        new Command("a", "bin/h5-tree-hello", false)), "/opt/packyard-h5-tree", true, List.of()))
                .isInstanceOf(PackyardException.class).hasMessage("package: two entries for /usr/bin/a");
    }

    @Test
    void launchersAndHooksMustBeExecutable() throws IOException {
        Path root = tmp.resolve("noexec");
        Bundle b = FixtureBundle.named("h5-tree").build(root);
        Files.setPosixFilePermissions(root.resolve("hooks/pre-uninstall"), PosixFilePermissions.fromString("rw-r--r--"));
        Bundle again = Bundle.builder().metadata(b.metadata()).root(root).build();
        assertThatThrownBy(() -> InstallTree.of(again, "/opt/packyard-h5-tree", true, List.of()))
                .isInstanceOf(PackyardException.class).hasMessage("hook hooks/pre-uninstall is not executable");
        Files.setPosixFilePermissions(root.resolve("hooks/pre-uninstall"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(root.resolve("bin/h5-tree-hello"), PosixFilePermissions.fromString("rw-r--r--"));
        Bundle third = Bundle.builder().metadata(b.metadata()).root(root).build();
        assertThatThrownBy(() -> InstallTree.of(third, "/opt/packyard-h5-tree", true, List.of()))
                .isInstanceOf(PackyardException.class)
                .hasMessage("command h5-tree-hello: launcher bin/h5-tree-hello is not executable");
    }

    @Test
    void fileNamesWithLineBreaksAreRefused() throws IOException {
        Path root = tmp.resolve("nl");
        Bundle b = FixtureBundle.named("h5-tree").build(root);
        Files.writeString(root.resolve("data/bad\nname"), "x");
        Bundle again = Bundle.builder().metadata(b.metadata()).root(root).build();
        assertThatThrownBy(() -> InstallTree.of(again, "/opt/packyard-h5-tree", true, List.of()))
                .isInstanceOf(PackyardException.class).hasMessageContaining("line break");
    }

    @Test
    void companyAndProductMustGiveDirectoryNames() throws IOException {
        Bundle b = FixtureBundle.named("h5-tree").company("!!!").build(tmp.resolve("b"));
        assertThatThrownBy(() -> InstallTree.checkedLayout(b.metadata())).isInstanceOf(PackyardException.class)
                .hasMessageStartingWith("[tool.packyard].company: '!!!'");
    }

    @Test
    void fallbackTextsAndMaintainerWarning() throws IOException {
        BundleMetadata m = FixtureBundle.named("h5-tree").build(tmp.resolve("b")).metadata();
        BundleMetadata bare = new BundleMetadata(m.name(), "2.0", "", "", "", "", null, "Acme", "Notes", m.target(),
                "3.12", true, m.commands(), null, null, List.of(), List.of());
        assertThat(PackageText.summary(bare)).isEqualTo("Notes by Acme");
        assertThat(PackageText.description(bare))
                .isEqualTo("Notes 2.0 by Acme, installed under /opt/acme/notes with its own Python 3.12 runtime.");
        List<String> warnings = new ArrayList<>();
        Progress p = Progress.warningsTo(warnings::add);
        PackageText.warnAboutMaintainer(bare, p);
        PackageText.warnAboutMaintainer(m, p);
        assertThat(warnings).singleElement().asString().contains("Acme <packages@localhost>");
    }

    private static Bundle withCommands(Bundle b, Command... commands) {
        BundleMetadata m = b.metadata();
        BundleMetadata n = new BundleMetadata(m.name(), m.version(), m.summary(), m.description(), m.homepage(),
                m.license(), m.maintainer(), m.company(), m.product(), m.target(), m.pythonVersion(),
                m.bundledInterpreter(), List.of(commands), m.postInstallHook(), m.preUninstallHook(), m.debDepends(),
                m.rpmRequires());
        return Bundle.builder().metadata(n).root(b.root()).sourceDateEpoch(b.sourceDateEpoch()).build();
    }

    private static List<String> paths(InstallTree t) {
        return t.nodes().stream().map(InstallTree.Node::path).toList();
    }
}
