package io.packyard.python.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.packyard.python.PackyardException;
import io.packyard.python.util.Progress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FindLinksTest {

    @TempDir
    Path tmp;

    @Test
    void directoryListsTheProjectsFilesWithLocalHashes() throws IOException {
        Path dir = tmp.resolve("wheels");
        Path a = WheelFixtures.wheel("foo", "1.0").writeTo(dir);
        Path b = WheelFixtures.wheel("Foo", "2.0").tag("cp312-cp312-manylinux_2_17_x86_64").writeTo(dir);
        WheelFixtures.wheel("foobar", "1.0").writeTo(dir);
        Files.writeString(dir.resolve("README.txt"), "not a distribution");
        Files.writeString(dir.resolve("foo-0.5.tar.gz"), "sdist");
        Files.writeString(dir.resolve("broken-name.whl"), "x");

        FindLinks fl = FindLinks.directory(dir);
        List<DistributionFile> files = fl.files("FOO");
        assertThat(files).extracting(DistributionFile::filename)
                .containsExactly("foo-0.5.tar.gz", a.getFileName().toString(), b.getFileName().toString());
        DistributionFile w = files.get(1);
        assertThat(w.sha256()).contains(Hashes.sha256(a));
        assertThat(w.url()).isEqualTo(a.toUri());
        assertThat(fl.canDownload(w)).isTrue();
        assertThat(fl.download(w)).isEqualTo(a);
        assertThat(fl.metadata(w)).hasValueSatisfying(m -> assertThat(m).contains("Name: foo").contains("Version: 1.0"));
        assertThat(fl.files("foobar")).hasSize(1);
        assertThat(fl.files("missing")).isEmpty();
    }

    @Test
    void aFileChangedAfterListingIsRefused() throws IOException {
        Path dir = tmp.resolve("wheels");
        Path a = WheelFixtures.wheel("foo", "1.0").writeTo(dir);
        FindLinks fl = FindLinks.directory(dir);
        DistributionFile f = fl.files("foo").get(0);
        Files.write(a, WheelFixtures.wheel("foo", "1.0").requires("evil").bytes());
        Files.setLastModifiedTime(a, java.nio.file.attribute.FileTime.fromMillis(1000));
        assertThatThrownBy(() -> fl.download(f)).isInstanceOf(PackyardException.class)
                .hasMessageContaining("changed while Packyard ran");
    }

    @Test
    void localHtmlPageOfLinks() throws IOException {
        Path dir = tmp.resolve("site");
        Path a = WheelFixtures.wheel("foo", "1.0").writeTo(dir.resolve("files"));
        Files.writeString(dir.resolve("links.html"), "<html><body>"
                + "<a href=\"files/" + a.getFileName() + "#sha256=" + Hashes.sha256(a) + "\">foo</a>"
                + "<a href=\"files/other-1.0-py3-none-any.whl\">other</a></body></html>");
        FindLinks fl = FindLinks.of("site/links.html", tmp, tmp.resolve("cache"), false, Progress.NONE);
        List<DistributionFile> files = fl.files("foo");
        assertThat(files).singleElement().satisfies(f -> {
            assertThat(f.url()).isEqualTo(a.toUri());
            assertThat(f.sha256()).contains(Hashes.sha256(a));
        });
        assertThat(fl.download(files.get(0))).isEqualTo(a);
        assertThat(fl.metadata(files.get(0))).isPresent();
    }

    @Test
    void relativeDirectoryAndMissingLocation() {
        WheelFixtures.wheel("foo", "1.0").writeTo(tmp.resolve("w"));
        assertThat(FindLinks.of("w", tmp, null, false, Progress.NONE).files("foo")).hasSize(1);
        assertThatThrownBy(() -> FindLinks.of("nowhere", tmp, null, false, Progress.NONE))
                .isInstanceOf(PackyardException.class)
                .hasMessageContaining("find-links: nowhere is neither a directory nor a file");
    }

    @Test
    void httpPageIsFetchedOnceAndFilesGoThroughTheCache() {
        try (FakeIndex index = FakeIndex.start()) {
            WheelFixtures w = WheelFixtures.wheel("foo", "1.0");
            index.add(w);
            index.add(WheelFixtures.wheel("foo", "2.0"));
            FindLinks fl = FindLinks.page(index.htmlUrl().resolve("foo/"), tmp.resolve("cache"), false, Progress.NONE);
            assertThat(fl.files("foo")).hasSize(2);
            assertThat(fl.files("bar")).isEmpty();
            Path p = fl.download(fl.files("foo").get(0));
            assertThat(p).startsWith(tmp.resolve("cache").resolve("wheels"));
            assertThat(index.paths()).containsExactly("/legacy/simple/foo/", "/files/" + w.filename());
        }
    }

    @Test
    void earlierSourcesHideTheSameFileNameInLaterOnes() {
        try (FakeIndex index = FakeIndex.start()) {
            WheelFixtures one = WheelFixtures.wheel("foo", "1.0");
            index.add(one);
            index.add(WheelFixtures.wheel("foo", "2.0"));
            Path dir = tmp.resolve("wheels");
            Path local = one.writeTo(dir);
            SimpleIndexClient idx = SimpleIndexClient.builder().indexUrl(index.jsonUrl()).cacheDir(tmp.resolve("c"))
                    .retries(0).build();
            WheelSources sources = new WheelSources(List.of(FindLinks.directory(dir), idx));
            List<WheelSources.Sourced> files = sources.files("foo");
            assertThat(files).hasSize(2);
            assertThat(files.get(0).file().url()).isEqualTo(local.toUri());
            assertThat(files.get(0).source()).isInstanceOf(FindLinks.class);
            assertThat(files.get(1).source()).isSameAs(idx);
            assertThat(sources.describe()).isEqualTo("find-links " + dir + ", index " + index.jsonUrl());
        }
    }

    @Test
    void projectNamesOfSdists() {
        assertThat(FindLinks.projectOf("Foo_Bar-1.0.tar.gz")).contains("foo-bar");
        assertThat(FindLinks.projectOf("foo-bar-2.0rc1.zip")).contains("foo-bar");
        assertThat(FindLinks.projectOf("foo.txt")).isEmpty();
    }
}
