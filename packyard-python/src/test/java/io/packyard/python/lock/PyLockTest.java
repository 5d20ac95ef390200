package io.packyard.python.lock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.packyard.python.PackyardException;
import io.packyard.python.index.FakeIndex;
import io.packyard.python.index.Hashes;
import io.packyard.python.index.SimpleIndexClient;
import io.packyard.python.index.WheelFixtures;
import io.packyard.python.markers.MarkerEnvironment;
import io.packyard.python.resolve.Resolution;
import io.packyard.python.resolve.ResolvedWheel;
import io.packyard.python.tags.Platforms;
import io.packyard.python.tags.SupportedTags;
import io.packyard.python.util.Progress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PyLockTest {

    static final MarkerEnvironment LINUX = MarkerEnvironment.linux("x86_64", "3.12.1");
    static final MarkerEnvironment LINUX_ARM = MarkerEnvironment.linux("aarch64", "3.12.1");
    static final MarkerEnvironment WINDOWS = MarkerEnvironment.windows("AMD64", "3.12.1");
    static final SupportedTags LINUX_TAGS = SupportedTags.cpython(3, 12, Platforms.manylinux("x86_64", 2, 31));
    static final SupportedTags LINUX_ARM_TAGS = SupportedTags.cpython(3, 12, Platforms.manylinux("aarch64", 2, 31));
    static final SupportedTags WINDOWS_TAGS = SupportedTags.cpython(3, 12, Platforms.windows("AMD64"));

    @TempDir
    Path tmp;

    FakeIndex index;
    SimpleIndexClient client;

    WheelFixtures fooLinux = WheelFixtures.wheel("foo", "1.0").tag("cp312-cp312-manylinux_2_17_x86_64");
    WheelFixtures fooWin = WheelFixtures.wheel("foo", "1.0").tag("cp312-cp312-win_amd64");
    WheelFixtures fooAny = WheelFixtures.wheel("foo", "1.0");
    WheelFixtures pywin32 = WheelFixtures.wheel("pywin32", "306").tag("cp312-cp312-win_amd64");
    WheelFixtures uvloop = WheelFixtures.wheel("uvloop", "0.19.0").tag("cp312-cp312-manylinux_2_17_x86_64");

    @BeforeEach
    void start() {
        index = FakeIndex.start();
        index.add(fooAny);
        index.add(pywin32);
        client = SimpleIndexClient.builder().indexUrl(index.jsonUrl()).cacheDir(tmp.resolve("cache")).retries(0)
                .build();
    }

    @AfterEach
    void stop() {
        index.close();
    }

    String wheelEntry(WheelFixtures w, String location) {
        return "{ name = \"" + w.filename() + "\", " + location + ", size = " + w.bytes().length
                + ", hashes = { sha256 = \"" + Hashes.sha256(w.bytes()) + "\" } }";
    }

    Path lockFile() throws IOException {
        fooLinux.writeTo(tmp.resolve("wheels"));
        fooWin.writeTo(tmp.resolve("wheels"));
        uvloop.writeTo(tmp.resolve("wheels"));
        String text = """
                lock-version = "1.0"
                created-by = "test"
                requires-python = ">=3.9"
                environments = ["sys_platform == 'linux'", "sys_platform == 'win32'"]

                [[packages]]
                name = "foo"
                version = "1.0"
                wheels = [
                  %s,
                  %s,
                  %s,
                ]

                [[packages]]
                name = "pywin32"
                version = "306"
                marker = "sys_platform == 'win32'"

                [[packages.wheels]]
                url = "%s"
                hashes = { sha256 = "%s" }

                [[packages]]
                name = "uvloop"
                version = "0.19.0"
                marker = "sys_platform != 'win32'"
                requires-python = ">=3.8"
                sdist = { url = "https://files.example/uvloop-0.19.0.tar.gz", hashes = { sha256 = "00" } }
                wheels = [ %s ]
                """.formatted(
                wheelEntry(fooLinux, "path = \"wheels/" + fooLinux.filename() + "\""),
                wheelEntry(fooWin, "path = \"wheels/" + fooWin.filename() + "\""),
                wheelEntry(fooAny, "url = \"" + index.base().resolve("files/" + fooAny.filename()) + "\""),
                index.base().resolve("files/" + pywin32.filename()), Hashes.sha256(pywin32.bytes()),
                wheelEntry(uvloop, "path = \"wheels/" + uvloop.filename() + "\""));
        Path p = tmp.resolve("pylock.toml");
        Files.writeString(p, text);
        return p;
    }

    @Test
    void readsPackagesWheelsAndLines() throws IOException {
        Lock lock = Lock.read(lockFile());
        assertThat(lock.format()).isEqualTo(Lock.Format.PYLOCK);
        assertThat(lock.environments()).hasSize(2);
        assertThat(lock.requiresPython().get().toString()).isEqualTo(">=3.9");
        assertThat(lock.packages()).extracting(LockedPackage::name).containsExactly("foo", "pywin32", "uvloop");
        LockedPackage foo = lock.packages().get(0);
        assertThat(foo.origin()).isEqualTo("pylock.toml:7");
        assertThat(foo.files()).hasSize(3);
        assertThat(foo.files().get(0).size()).hasValue(fooLinux.bytes().length);
        assertThat(foo.files().get(0).path()).contains(Path.of("wheels/" + fooLinux.filename()));
        assertThat(lock.packages().get(1).files().get(0).filename()).contains(pywin32.filename());
        assertThat(lock.packages().get(2).sdistLocked()).isTrue();
        assertThat(lock.packages().get(2).origin()).isEqualTo("pylock.toml:25");
    }

    @Test
    void selectsByMarkerAndTagForEachTarget() throws IOException {
        Lock lock = Lock.read(lockFile());

        Resolution linux = lock.select(LINUX, LINUX_TAGS, List.of(client));
        assertThat(linux.wheels()).extracting(ResolvedWheel::name).containsExactly("foo", "uvloop");
        assertThat(linux.find("foo").get().localWheel()).isEqualTo(tmp.resolve("wheels").resolve(fooLinux.filename()));
        assertThat(index.log()).isEmpty();

        Resolution windows = lock.select(WINDOWS, WINDOWS_TAGS, List.of(client));
        assertThat(windows.wheels()).extracting(ResolvedWheel::name).containsExactly("foo", "pywin32");
        assertThat(windows.find("foo").get().file().filename()).isEqualTo(fooWin.filename());
        ResolvedWheel pw = windows.find("pywin32").get();
        assertThat(Hashes.sha256(pw.localWheel())).isEqualTo(Hashes.sha256(pywin32.bytes()));
        assertThat(index.paths()).containsExactly("/files/" + pywin32.filename());

        // linux on arm: only the pure wheel fits foo, nothing fits uvloop
        assertThatThrownBy(() -> lock.select(LINUX_ARM, LINUX_ARM_TAGS, List.of(client)))
                .isInstanceOf(PackyardException.class)
                .hasMessageStartingWith("pylock.toml:25: no wheel of uvloop 0.19.0 matches the target (tried "
                        + "cp312-cp312-manylinux_2_31_aarch64, ")
                .hasMessageEndingWith("; available: " + uvloop.filename()
                        + "); the locked sdist is not used: Packyard installs wheels only");
        Lock onlyFoo = new Lock(lock.file(), lock.format(), lock.packages().subList(0, 1), lock.requiresPython(),
                lock.environments(), lock.indexUrl(), lock.extraIndexUrls(), lock.findLinks(), false);
        assertThat(onlyFoo.select(LINUX_ARM, LINUX_ARM_TAGS, List.of(client)).find("foo").get().file().filename())
                .isEqualTo(fooAny.filename());

        assertThatThrownBy(() -> lock.select(MarkerEnvironment.macos("arm64", "3.12.1"),
                SupportedTags.cpython(3, 12, List.of("macosx_14_0_arm64")), List.of(client)))
                .hasMessageStartingWith("pylock.toml: environments: the target (sys_platform=darwin, "
                        + "platform_machine=arm64, python_full_version=3.12.1) is none of the locked environments: ");
        assertThatThrownBy(() -> lock.select(LINUX.withPythonFullVersion("3.8.10"),
                SupportedTags.cpython(3, 8, Platforms.manylinux("x86_64", 2, 31)), List.of(client)))
                .hasMessage("pylock.toml: requires-python: the lock is for Python >=3.9, but the target has Python 3.8.10");
    }

    @Test
    void sizeAndHashAreChecked() throws IOException {
        Path p = lockFile();
        String text = Files.readString(p);
        Files.writeString(p, text.replace("size = " + fooLinux.bytes().length, "size = 7"));
        assertThatThrownBy(() -> Lock.read(p).select(LINUX, LINUX_TAGS, List.of(client)))
                .hasMessage("pylock.toml:7: " + fooLinux.filename() + ": size mismatch: the lock says 7 bytes, the file has "
                        + fooLinux.bytes().length);
        Files.writeString(p, text.replace(Hashes.sha256(fooLinux.bytes()), "ab".repeat(32)));
        assertThatThrownBy(() -> Lock.read(p).select(LINUX, LINUX_TAGS, List.of(client)))
                .hasMessageContaining(fooLinux.filename())
                .hasMessageContaining("sha256 mismatch: expected " + "ab".repeat(32));
        index.tamper(pywin32.filename());
        assertThatThrownBy(() -> Lock.read(lockFile()).select(WINDOWS, WINDOWS_TAGS, List.of(client)))
                .hasMessageContaining(pywin32.filename())
                .hasMessageContaining("sha256 mismatch");
        assertThatThrownBy(() -> Lock.read(lockFile()).select(WINDOWS, WINDOWS_TAGS, List.of()))
                .hasMessageContaining("pywin32: no configured wheel source can download");
    }

    @Test
    void lockVersionChecks() throws IOException {
        assertThatThrownBy(() -> read("lock-version = \"2.0\"\ncreated-by = \"x\"\npackages = []\n"))
                .hasMessage("pylock.toml:1: lock-version 2.0 is not supported (Packyard reads 1.x)");
        List<String> warnings = new ArrayList<>();
        Progress p = Progress.warningsTo(warnings::add);
        Path f = tmp.resolve("pylock.toml");
        Files.writeString(f, "lock-version = \"1.1\"\ncreated-by = \"x\"\npackages = []\n");
        assertThat(PyLock.read(f, p).packages()).isEmpty();
        assertThat(warnings).containsExactly("pylock.toml:1: lock-version 1.1 is newer than 1.0; reading it as 1.0");
        assertThatThrownBy(() -> read("created-by = \"x\"\npackages = []\n"))
                .hasMessage("pylock.toml: lock-version: missing");
    }

    @Test
    void unsupportedSourcesAreRefusedClearly() throws IOException {
        String head = "lock-version = \"1.0\"\ncreated-by = \"x\"\n\n[[packages]]\nname = \"foo\"\nversion = \"1.0\"\n";
        assertThatThrownBy(() -> read(head + "sdist = { url = \"https://h/foo-1.0.tar.gz\", hashes = { sha256 = \"ab\" } }\n"))
                .isInstanceOf(PackyardException.class)
                .hasMessage("pylock.toml:7: packages[0] (foo): only an sdist is locked; Packyard installs wheels only"
                        + " (lock wheels for foo, or build one and use find-links)");
        assertThatThrownBy(() -> read(head + "vcs = { type = \"git\", url = \"https://h/foo.git\", commit-id = \"ab\" }\n"))
                .hasMessage("pylock.toml:7: packages[0] (foo): [packages.vcs] is not supported: Packyard installs wheels"
                        + " only; build foo into a wheel and lock that wheel");
        assertThatThrownBy(() -> read(head + "directory = { path = \".\" }\n"))
                .hasMessageContaining("[packages.directory] is not supported");
        assertThatThrownBy(() -> read(head + "archive = { url = \"https://h/foo-1.0.tar.gz\", hashes = { sha256 = \"ab\" } }\n"))
                .hasMessageContaining("[packages.archive] is not a wheel");
        assertThatThrownBy(() -> read(head + "wheels = [ { url = \"https://h/foo-1.0-py3-none-any.whl\" } ]\n"))
                .hasMessage("pylock.toml:7: packages[0].wheels[0].hashes: missing");
        assertThatThrownBy(() -> read(head + "wheels = [ { url = \"https://h/foo-1.0-py3-none-any.whl\", "
                + "hashes = { md5 = \"ab\" } } ]\n"))
                .hasMessage("pylock.toml:7: packages[0].wheels[0].hashes: needs one of sha256, sha384, sha512");
        assertThatThrownBy(() -> read(head + "wheels = [ { url = \"https://h/bar-1.0-py3-none-any.whl\", "
                + "hashes = { sha256 = \"ab\" } } ]\n"))
                .hasMessage("pylock.toml:5: packages[0] (foo): bar-1.0-py3-none-any.whl is a wheel of bar, not foo");
        assertThatThrownBy(() -> read(head + "wheels = [ { url = \"https://h/foo-2.0-py3-none-any.whl\", "
                + "hashes = { sha256 = \"ab\" } } ]\n"))
                .hasMessage("pylock.toml:5: packages[0] (foo): foo-2.0-py3-none-any.whl is version 2.0, but the "
                        + "package is locked at 1.0");
        assertThatThrownBy(() -> read("lock-version = \"1.0\"\npackages = [\n"))
                .hasMessageStartingWith("pylock.toml:3: invalid TOML: ");
        assertThatThrownBy(() -> read(head + "marker = \"sys_platform ==\"\nwheels = []\n"))
                .hasMessageStartingWith("pylock.toml:7: packages[0] (foo).marker: ");
    }

    @Test
    void archiveWheelAndVersionFromTheWheel() throws IOException {
        Path w = fooAny.writeTo(tmp.resolve("dist"));
        Lock lock = read("lock-version = \"1.0\"\ncreated-by = \"x\"\n[[packages]]\nname = \"foo\"\n"
                + "archive = { path = \"dist/" + fooAny.filename() + "\", hashes = { sha256 = \""
                + Hashes.sha256(w) + "\" } }\n");
        assertThat(lock.packages().get(0).version().toString()).isEqualTo("1.0");
        assertThat(lock.select(LINUX, LINUX_TAGS, List.of()).find("foo").get().localWheel()).isEqualTo(w);
    }

    @Test
    void duplicatePackagesForOneTargetAreRefused() throws IOException {
        Path w = fooAny.writeTo(tmp.resolve("dist"));
        String pkg = "[[packages]]\nname = \"foo\"\nversion = \"1.0\"\nmarker = \"%s\"\n"
                + "wheels = [ { path = \"dist/" + fooAny.filename() + "\", hashes = { sha256 = \"" + Hashes.sha256(w)
                + "\" } } ]\n";
        Lock lock = read("lock-version = \"1.0\"\ncreated-by = \"x\"\n" + pkg.formatted("os_name == 'posix'")
                + pkg.formatted("python_version >= '3.10'"));
        assertThatThrownBy(() -> lock.select(LINUX, LINUX_TAGS, List.of()))
                .hasMessageStartingWith("pylock.toml:9: foo is locked twice for the target");
        assertThat(lock.select(WINDOWS, WINDOWS_TAGS, List.of()).wheels()).hasSize(1);
    }

    private Lock read(String text) throws IOException {
        Path f = tmp.resolve("pylock.toml");
        Files.writeString(f, text);
        return Lock.read(f);
    }
}
