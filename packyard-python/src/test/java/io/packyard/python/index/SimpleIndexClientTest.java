package io.packyard.python.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.packyard.python.PackyardException;
import io.packyard.python.util.Progress;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimpleIndexClientTest {

    @TempDir
    Path tmp;

    FakeIndex index;
    WheelFixtures foo1 = WheelFixtures.wheel("Foo.Bar", "1.0");
    WheelFixtures foo2 = WheelFixtures.wheel("Foo.Bar", "2.0").tag("cp312-cp312-manylinux_2_17_x86_64")
            .requires("requests>=2");

    @BeforeEach
    void setUp() {
        index = FakeIndex.start();
        index.add(foo1);
        index.addWithoutMetadata(foo2);
        index.requiresPython(foo2.filename(), ">=3.8, <4");
        index.yank(foo1.filename(), "broken <build>");
        index.addFile("foo-bar", "foo_bar-2.0.tar.gz", "sdist".getBytes(StandardCharsets.UTF_8));
    }

    @AfterEach
    void tearDown() {
        index.close();
    }

    SimpleIndexClient client(URI url, Path cache, boolean offline) {
        return SimpleIndexClient.builder().indexUrl(url).cacheDir(cache).offline(offline).retries(0).build();
    }

    @Test
    void readsJsonPagesWithEveryField() {
        List<DistributionFile> files = client(index.jsonUrl(), tmp.resolve("cache"), false).files("FOO_bar");
        assertThat(index.log()).singleElement().satisfies(r -> {
            assertThat(r.path()).isEqualTo("/simple/foo-bar/");
            assertThat(r.accept()).isEqualTo("application/vnd.pypi.simple.v1+json, "
                    + "application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01");
        });
        assertFilesAsAdvertised(files);
    }

    @Test
    void readsHtmlPagesWithEveryField() {
        List<DistributionFile> files = client(index.htmlUrl(), tmp.resolve("cache"), false).files("foo.bar");
        assertThat(index.paths()).containsExactly("/legacy/simple/foo-bar/");
        assertFilesAsAdvertised(files);
    }

    private void assertFilesAsAdvertised(List<DistributionFile> files) {
        assertThat(files).extracting(DistributionFile::filename)
                .containsExactly(foo1.filename(), foo2.filename(), "foo_bar-2.0.tar.gz");
        DistributionFile a = files.get(0);
        DistributionFile b = files.get(1);
        assertThat(a.url()).isEqualTo(index.base().resolve("files/" + foo1.filename()));
        assertThat(a.sha256()).contains(Hashes.sha256(foo1.bytes()));
        assertThat(a.yanked()).contains("broken <build>");
        assertThat(a.coreMetadata()).isPresent();
        assertThat(a.coreMetadata().get()).containsEntry("sha256",
                Hashes.sha256(foo1.metadata().getBytes(StandardCharsets.UTF_8)));
        assertThat(a.requiresPython()).isEmpty();
        assertThat(b.requiresPython()).contains(">=3.8, <4");
        assertThat(b.yanked()).isEmpty();
        assertThat(b.coreMetadata()).isEmpty();
        assertThat(files.get(2).isWheel()).isFalse();
    }

    @Test
    void unknownProjectIsEmptyAndMemoized() {
        SimpleIndexClient c = client(index.jsonUrl(), tmp.resolve("cache"), false);
        assertThat(c.files("nothing-here")).isEmpty();
        assertThat(c.files("Nothing_Here")).isEmpty();
        assertThat(index.paths()).containsExactly("/simple/nothing-here/");
        // offline afterwards: the 404 is remembered too
        assertThat(client(index.jsonUrl(), tmp.resolve("cache"), true).files("nothing-here")).isEmpty();
    }

    @Test
    void revalidatesWithEtagThenWorksOfflineFromCache() {
        Path cache = tmp.resolve("cache");
        List<DistributionFile> first = client(index.jsonUrl(), cache, false).files("foo-bar");
        List<DistributionFile> second = client(index.jsonUrl(), cache, false).files("foo-bar");
        assertThat(index.log()).hasSize(2);
        assertThat(index.log().get(0).ifNoneMatch()).isNull();
        assertThat(index.log().get(0).status()).isEqualTo(200);
        assertThat(index.log().get(1).ifNoneMatch()).isNotNull();
        assertThat(index.log().get(1).status()).isEqualTo(304);
        assertThat(second).isEqualTo(first);

        index.clearLog();
        List<DistributionFile> offline = client(index.jsonUrl(), cache, true).files("foo-bar");
        assertThat(offline).isEqualTo(first);
        assertThat(index.log()).isEmpty();
    }

    @Test
    void offlineWithoutCacheIsAClearError() {
        assertThatThrownBy(() -> client(index.jsonUrl(), tmp.resolve("empty"), true).files("foo-bar"))
                .isInstanceOf(PackyardException.class)
                .hasMessageContaining("working offline")
                .hasMessageContaining("/simple/foo-bar/");
        assertThat(index.log()).isEmpty();
    }

    @Test
    void changedPageIsFetchedAgain() {
        Path cache = tmp.resolve("cache");
        assertThat(client(index.jsonUrl(), cache, false).files("foo-bar")).hasSize(3);
        index.add(WheelFixtures.wheel("foo-bar", "3.0"));
        assertThat(client(index.jsonUrl(), cache, false).files("foo-bar")).hasSize(4);
        assertThat(index.log().get(1).status()).isEqualTo(200);
    }

    @Test
    void downloadsIntoContentAddressedCacheWithProgress() throws IOException {
        Path cache = tmp.resolve("cache");
        List<long[]> advances = new ArrayList<>();
        List<String> steps = new ArrayList<>();
        Progress p = new Progress() {
            @Override
            public void step(String message) {
                steps.add(message);
            }

            @Override
            public void advance(long done, long total) {
                advances.add(new long[] {done, total});
            }
        };
        SimpleIndexClient c = SimpleIndexClient.builder().indexUrl(index.jsonUrl()).cacheDir(cache).progress(p)
                .retries(0).build();
        DistributionFile f = c.files("foo-bar").get(1);
        Path local = c.download(f);
        String sha = Hashes.sha256(foo2.bytes());
        assertThat(local).isEqualTo(cache.resolve("wheels").resolve(sha.substring(0, 2)).resolve(sha)
                .resolve(foo2.filename()));
        assertThat(Files.readAllBytes(local)).isEqualTo(foo2.bytes());
        assertThat(steps).anyMatch(s -> s.startsWith("Downloading " + foo2.filename()));
        assertThat(advances).isNotEmpty();
        assertThat(advances.get(advances.size() - 1)).containsExactly(foo2.bytes().length, foo2.bytes().length);
        assertThat(cache.resolve("tmp")).isEmptyDirectory();

        index.clearLog();
        assertThat(c.download(f)).isEqualTo(local);
        assertThat(client(index.jsonUrl(), cache, true).download(f)).isEqualTo(local);
        assertThat(index.log()).isEmpty();
    }

    @Test
    void hashMismatchIsRefusedAndNothingIsCached() throws IOException {
        Path cache = tmp.resolve("cache");
        index.tamper(foo2.filename());
        SimpleIndexClient c = client(index.jsonUrl(), cache, false);
        DistributionFile f = c.files("foo-bar").get(1);
        assertThatThrownBy(() -> c.download(f))
                .isInstanceOf(PackyardException.class)
                .hasMessageContaining(foo2.filename())
                .hasMessageContaining("sha256 mismatch: expected " + Hashes.sha256(foo2.bytes()))
                .hasMessageContaining("not cached");
        try (Stream<Path> s = Files.walk(cache)) {
            assertThat(s.filter(Files::isRegularFile)
                    .filter(x -> !x.startsWith(cache.resolve("pages")))).isEmpty();
        }
    }

    @Test
    void pep658MetadataIsFetchedVerifiedAndCached() {
        Path cache = tmp.resolve("cache");
        SimpleIndexClient c = client(index.jsonUrl(), cache, false);
        DistributionFile a = c.files("foo-bar").get(0);
        DistributionFile b = c.files("foo-bar").get(1);
        assertThat(c.metadata(a)).contains(foo1.metadata());
        assertThat(c.metadata(b)).isEmpty(); // not advertised: no request
        assertThat(index.paths()).containsExactly("/simple/foo-bar/", "/files/" + foo1.filename() + ".metadata");

        index.clearLog();
        assertThat(client(index.jsonUrl(), cache, true).metadata(a)).contains(foo1.metadata());
        assertThat(index.log()).isEmpty();
    }

    @Test
    void pep658MetadataWithWrongHashIsRefused() {
        index.tamperMetadata(foo1.filename());
        SimpleIndexClient c = client(index.jsonUrl(), tmp.resolve("cache"), false);
        DistributionFile a = c.files("foo-bar").get(0);
        assertThatThrownBy(() -> c.metadata(a))
                .isInstanceOf(PackyardException.class)
                .hasMessageContaining("metadata of " + foo1.filename())
                .hasMessageContaining("sha256 mismatch");
    }

    @Test
    void credentialsInTheIndexUrlGoToThatHostOnly() {
        URI withCreds = URI.create(index.jsonUrl().toString().replace("http://", "http://alice:s%40cret@"));
        SimpleIndexClient c = client(withCreds, tmp.resolve("cache"), false);
        assertThat(c.indexUrl().toString()).doesNotContain("alice");
        assertThat(c.describe()).doesNotContain("cret");
        c.files("foo-bar");
        String expected = "Basic " + java.util.Base64.getEncoder()
                .encodeToString("alice:s@cret".getBytes(StandardCharsets.UTF_8));
        assertThat(index.log().get(0).authorization()).isEqualTo(expected);
    }

    @Test
    void indexUrlWithoutTrailingSlashStillFindsProjects() {
        String u = index.jsonUrl().toString();
        SimpleIndexClient c = client(URI.create(u.substring(0, u.length() - 1)), tmp.resolve("cache"), false);
        assertThat(c.files("foo-bar")).hasSize(3);
    }

    @Test
    void fileIndexDirectory() throws IOException {
        Path root = tmp.resolve("index");
        Path project = root.resolve("foo-bar");
        Files.createDirectories(project);
        Path w = foo1.writeTo(project);
        Files.writeString(project.resolve("index.html"), "<a href=\"" + w.getFileName() + "#sha256="
                + Hashes.sha256(w) + "\">" + w.getFileName() + "</a>");
        SimpleIndexClient c = client(root.toUri(), tmp.resolve("cache"), false);
        List<DistributionFile> files = c.files("foo_bar");
        assertThat(files).singleElement().satisfies(f -> assertThat(f.url()).isEqualTo(w.toUri()));
        assertThat(c.download(files.get(0))).isEqualTo(w);
        assertThat(c.files("other")).isEmpty();
    }

    @Test
    void apiVersion2IsRefused() {
        String body = "{\"meta\": {\"api-version\": \"2.0\"}, \"name\": \"x\", \"files\": []}";
        assertThatThrownBy(() -> SimplePages.fromJson(body, URI.create("https://index.example.org/simple/x/"), "index example.org", Progress.NONE))
                .isInstanceOf(PackyardException.class)
                .hasMessageContaining("repository API version 2.0 is not supported");
    }

    @Test
    void htmlDetails() {
        String html = """
                <html><head><base href="https://files.example/base/"><!-- <a href="commented.whl">x</a> --></head>
                <body>
                <A HREF='a-1.0-py3-none-any.whl#sha256=ABCDEF' data-requires-python="&gt;=3.8,&lt;4" data-yanked>a</A>
                <a href=b-1.0-py3-none-any.whl data-dist-info-metadata=true>b</a>
                <a href="sub dir/c-1.0-py3-none-any.whl#md5=00" data-core-metadata="false">c</a>
                <a>no href</a>
                </body></html>
                """;
        List<DistributionFile> files = SimplePages.fromHtml(html, URI.create("https://idx.example/simple/a/"), "t",
                Progress.NONE);
        assertThat(files).extracting(DistributionFile::filename)
                .containsExactly("a-1.0-py3-none-any.whl", "b-1.0-py3-none-any.whl", "c-1.0-py3-none-any.whl");
        assertThat(files.get(0).url()).isEqualTo(URI.create("https://files.example/base/a-1.0-py3-none-any.whl"));
        assertThat(files.get(0).hashes()).isEqualTo(Map.of("sha256", "abcdef"));
        assertThat(files.get(0).requiresPython()).contains(">=3.8,<4");
        assertThat(files.get(0).yanked()).contains("");
        assertThat(files.get(1).coreMetadata()).contains(Map.of());
        assertThat(files.get(2).url().toString()).isEqualTo("https://files.example/base/sub%20dir/c-1.0-py3-none-any.whl");
        assertThat(files.get(2).coreMetadata()).isEqualTo(Optional.empty());
        assertThat(files.get(2).sha256()).isEmpty();
    }
}
