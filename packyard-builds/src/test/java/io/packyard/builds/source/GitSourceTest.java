package io.packyard.builds.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.packyard.builds.source.GitSource.GitCheckout;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Clones local bare repositories made with the git command line (package {@code git}). */
@Tag("system")
class GitSourceTest {

    @TempDir
    static Path repos;

    static Path origin;
    static Path lib;
    static String mainCommit;
    static String featureCommit;
    static String tagCommit;
    static String firstCommit;

    @TempDir
    Path tmp;

    static String git(Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("git", "-c", "protocol.file.allow=always", "-c", "user.name=T",
                "-c", "user.email=t@example.com", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false",
                "-c", "tag.gpgsign=false"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().put("GIT_AUTHOR_DATE", "2024-01-01T00:00:00Z");
        pb.environment().put("GIT_COMMITTER_DATE", "2024-01-01T00:00:00Z");
        pb.environment().put("HOME", dir.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new AssertionError("git " + String.join(" ", args) + " failed: " + out);
        }
        return out.strip();
    }

    @BeforeAll
    static void makeRepositories() throws Exception {
        // A library repository with a nested submodule of its own.
        Path leafWork = Files.createDirectories(repos.resolve("leaf-work"));
        git(leafWork, "init", "-q");
        Files.writeString(leafWork.resolve("leaf.txt"), "leaf\n");
        git(leafWork, "add", "-A");
        git(leafWork, "commit", "-q", "-m", "leaf");
        Path leaf = repos.resolve("leaf.git");
        git(repos, "clone", "-q", "--bare", leafWork.toString(), leaf.toString());

        Path libWork = Files.createDirectories(repos.resolve("lib-work"));
        git(libWork, "init", "-q");
        Files.writeString(libWork.resolve("lib.py"), "X = 1\n");
        git(libWork, "add", "-A");
        git(libWork, "submodule", "add", "-q", leaf.toUri().toString(), "vendor/leaf");
        git(libWork, "commit", "-q", "-m", "lib");
        lib = repos.resolve("lib.git");
        git(repos, "clone", "-q", "--bare", libWork.toString(), lib.toString());

        Path work = Files.createDirectories(repos.resolve("work"));
        git(work, "init", "-q");
        Files.writeString(work.resolve("README"), "one\n");
        git(work, "add", "-A");
        git(work, "commit", "-q", "-m", "first");
        firstCommit = git(work, "rev-parse", "HEAD");
        Files.writeString(work.resolve("README"), "two\n");
        git(work, "commit", "-q", "-am", "second");
        git(work, "tag", "-a", "-m", "release", "v1.0");
        tagCommit = git(work, "rev-parse", "HEAD");
        git(work, "submodule", "add", "-q", lib.toUri().toString(), "third_party/lib");
        Files.writeString(work.resolve("README"), "three\n");
        git(work, "add", "-A");
        git(work, "commit", "-q", "-m", "third");
        mainCommit = git(work, "rev-parse", "HEAD");
        git(work, "checkout", "-q", "-b", "feature", firstCommit);
        Files.writeString(work.resolve("feature.txt"), "f\n");
        git(work, "add", "-A");
        git(work, "commit", "-q", "-m", "feature");
        featureCommit = git(work, "rev-parse", "HEAD");
        git(work, "tag", "lightweight");
        git(work, "checkout", "-q", "main");
        origin = repos.resolve("origin.git");
        git(repos, "clone", "-q", "--bare", work.toString(), origin.toString());
    }

    @Test
    void defaultBranchWithRecursiveSubmodules() throws Exception {
        List<String> log = new ArrayList<>();
        Path dir = tmp.resolve("co");
        GitCheckout co = GitSource.checkout(origin.toUri().toString(), null, dir, log::add);
        assertThat(co).isEqualTo(new GitCheckout(mainCommit, "refs/heads/main"));
        assertThat(dir.resolve("README")).hasContent("three");
        assertThat(dir.resolve("third_party/lib/lib.py")).hasContent("X = 1");
        assertThat(dir.resolve("third_party/lib/vendor/leaf/leaf.txt")).hasContent("leaf");
        assertThat(log.get(0)).isEqualTo("cloning " + origin.toUri() + " (ref default branch)");
        assertThat(log).contains("checked out " + mainCommit + " (refs/heads/main)");
        assertThat(log).anyMatch(l -> l.startsWith("submodule third_party/lib: checked out "));
        assertThat(log).anyMatch(l -> l.startsWith("submodule vendor/leaf: checked out "));
    }

    @Test
    void branchByNameAndFullRef() {
        GitCheckout a = GitSource.checkout(origin.toUri().toString(), "feature", tmp.resolve("a"), null);
        assertThat(a).isEqualTo(new GitCheckout(featureCommit, "refs/heads/feature"));
        assertThat(tmp.resolve("a/feature.txt")).exists();
        assertThat(tmp.resolve("a/README")).hasContent("one");
        GitCheckout b = GitSource.checkout(origin.toString(), "refs/heads/main", tmp.resolve("b"), null);
        assertThat(b).isEqualTo(new GitCheckout(mainCommit, "refs/heads/main"));
    }

    @Test
    void annotatedAndLightweightTags() {
        GitCheckout a = GitSource.checkout(origin.toUri().toString(), "v1.0", tmp.resolve("a"), null);
        assertThat(a).isEqualTo(new GitCheckout(tagCommit, "refs/tags/v1.0"));
        assertThat(tmp.resolve("a/README")).hasContent("two");
        assertThat(tmp.resolve("a/third_party")).doesNotExist();
        GitCheckout b = GitSource.checkout(origin.toUri().toString(), "refs/tags/lightweight", tmp.resolve("b"), null);
        assertThat(b).isEqualTo(new GitCheckout(featureCommit, "refs/tags/lightweight"));
    }

    @Test
    void fullAndAbbreviatedCommitIds() {
        GitCheckout a = GitSource.checkout(origin.toUri().toString(), firstCommit, tmp.resolve("a"), null);
        assertThat(a).isEqualTo(new GitCheckout(firstCommit, firstCommit));
        assertThat(tmp.resolve("a/README")).hasContent("one");
        GitCheckout b = GitSource.checkout(origin.toUri().toString(), tagCommit.substring(0, 9).toUpperCase(), tmp.resolve("b"), null);
        assertThat(b).isEqualTo(new GitCheckout(tagCommit, tagCommit));
        assertThat(tmp.resolve("b/README")).hasContent("two");
    }

    @Test
    void missingRepositoryIsTheUsersFault() {
        Path nope = tmp.resolve("nope.git");
        Path dir = tmp.resolve("co");
        assertThatThrownBy(() -> GitSource.checkout(nope.toUri().toString(), "main", dir, null))
                .isInstanceOfSatisfying(SourceException.class, e -> {
                    assertThat(e.getMessage()).isEqualTo("git repository " + nope.toUri() + ": not found");
                    assertThat(e.transientFailure()).isFalse();
                });
        assertThat(dir).doesNotExist();
    }

    @Test
    void missingRefListsBranchesAndTags() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("co"));
        assertThatThrownBy(() -> GitSource.checkout(origin.toUri().toString(), "v9", dir, null))
                .isInstanceOfSatisfying(SourceException.class, e -> {
                    assertThat(e.getMessage()).isEqualTo("git ref 'v9' not found in " + origin.toUri()
                            + " (branches: feature, main; tags: lightweight, v1.0)");
                    assertThat(e.transientFailure()).isFalse();
                });
        // The directory existed (empty) before: it is emptied, not removed.
        assertThat(dir).isEmptyDirectory();
        assertThatThrownBy(() -> GitSource.checkout(origin.toUri().toString(), "refs/tags/feature", tmp.resolve("x"), null))
                .isInstanceOf(SourceException.class).hasMessageStartingWith("git ref 'refs/tags/feature' not found in ");
        assertThatThrownBy(() -> GitSource.checkout(origin.toUri().toString(), "deadbeef", tmp.resolve("y"), null))
                .isInstanceOf(SourceException.class).hasMessageStartingWith("git ref 'deadbeef' not found in ");
        assertThatThrownBy(() -> GitSource.checkout(origin.toUri().toString(), "refs/pull/1/head", tmp.resolve("z"), null))
                .isInstanceOfSatisfying(SourceException.class, e -> {
                    assertThat(e.getMessage()).startsWith("git ref 'refs/pull/1/head' not found in ");
                    assertThat(e.transientFailure()).isFalse();
                });
    }

    @Test
    void otherFullRefsAreFetched() throws Exception {
        Path bare = tmp.resolve("pr.git");
        git(tmp, "clone", "-q", "--bare", origin.toString(), bare.toString());
        git(bare, "update-ref", "refs/pull/7/head", featureCommit);
        GitCheckout co = GitSource.checkout(bare.toUri().toString(), "refs/pull/7/head", tmp.resolve("co"), null);
        assertThat(co).isEqualTo(new GitCheckout(featureCommit, "refs/pull/7/head"));
    }

    @Test
    void connectionRefusedIsTransient() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        String url = "http://127.0.0.1:" + port + "/x.git";
        assertThatThrownBy(() -> GitSource.checkout(url, "main", tmp.resolve("co"), null, "user", "tok"))
                .isInstanceOfSatisfying(SourceException.class, e -> {
                    assertThat(e.getMessage()).startsWith("git repository " + url + ": connection failed");
                    assertThat(e.getMessage()).doesNotContain("\n");
                    assertThat(e.transientFailure()).isTrue();
                });
    }

    @Test
    void passwordsInUrlsAreNotShown() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        String url = "http://bob:hunter2@127.0.0.1:" + port + "/x.git";
        List<String> log = new ArrayList<>();
        assertThatThrownBy(() -> GitSource.checkout(url, "main", tmp.resolve("co"), log::add))
                .isInstanceOfSatisfying(SourceException.class, e -> {
                    assertThat(e.getMessage()).doesNotContain("hunter2").contains("http://bob@127.0.0.1:" + port + "/x.git");
                    assertThat(e.transientFailure()).isTrue();
                });
        assertThat(log).noneMatch(l -> l.contains("hunter2"));
    }

    @Test
    void localUrlsAreRecognised() {
        assertThat(GitSource.isLocal("/srv/git/x.git")).isTrue();
        assertThat(GitSource.isLocal("../sibling.git")).isTrue();
        assertThat(GitSource.isLocal("file:///srv/git/x.git")).isTrue();
        assertThat(GitSource.isLocal("C:\\repos\\x.git")).isTrue();
        assertThat(GitSource.isLocal("./a:b")).isTrue();
        assertThat(GitSource.isLocal("https://git.example.org/o/r.git")).isFalse();
        assertThat(GitSource.isLocal("ssh://git@git.example.org/o/r.git")).isFalse();
        assertThat(GitSource.isLocal("git@git.example.org:o/r.git")).isFalse();
        assertThat(GitSource.isLocal("git://git.example.org/o/r.git")).isFalse();
    }

    @Test
    void nonEmptyTargetIsRefused() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("co"));
        Files.writeString(dir.resolve("keep"), "x");
        assertThatThrownBy(() -> GitSource.checkout(origin.toUri().toString(), "main", dir, null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(dir.resolve("keep")).exists();
    }
}
