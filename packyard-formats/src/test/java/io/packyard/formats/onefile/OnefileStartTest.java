package io.packyard.formats.onefile;

import static io.packyard.formats.onefile.OnefileRuns.cacheRoot;
import static io.packyard.formats.onefile.OnefileRuns.describe;
import static io.packyard.formats.onefile.OnefileRuns.home;
import static io.packyard.formats.onefile.OnefileRuns.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.packyard.bundle.Bundle;
import io.packyard.bundle.Command;
import io.packyard.formats.onefile.OnefileRuns.Run;
import io.packyard.formats.testkit.FixtureBundle;
import io.packyard.formats.testkit.Packages;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs onefile executables made from the formats fixture bundle (its "interpreter" is a sh
 * script, so a start costs a few milliseconds and the onefile's own work is what is measured):
 * first start unpacks, later starts are at least 5x faster, concurrent first starts, damage
 * anywhere in the cache is detected and repaired, the --packyard- options, arguments, exit codes,
 * environment, symlinks. Every test has its own HOME and XDG_CACHE_HOME.
 */
@Tag("system")
class OnefileStartTest {
    static final String NAME = "of-start";
    static final String COMMAND = NAME + "-hello";

    /** A launcher with test modes; anything else goes to the fixture interpreter, as usual. */
    static final String LAUNCHER = """
            #!/bin/sh
            self=$(readlink -f "$0")
            here=$(dirname "$self")
            case "$1" in
                args) shift; for a in "$@"; do printf '[%s]\\n' "$a"; done; exit 0 ;;
                exit) exit "$2" ;;
                sleep) echo started; exec sleep "$2" ;;
                env) echo "ONEFILE=$PACKYARD_ONEFILE"; echo "DIR=$PACKYARD_ONEFILE_DIR"; echo "PWD=$(pwd)"
                     echo "SELF=$self"; echo "ZERO=$0"; exit 0 ;;
            esac
            exec "$here/../python/bin/python3" -m hello "$@"
            """;

    @TempDir
    static Path shared;

    /** About 37 MB in 1500 files: unpacking costs what a real interpreter tree costs (timing, concurrency). */
    static Bundle heavyBundle;
    static Path heavy;
    static OnefileReader heavyReader;
    /** The same application with 120 small bulk files (everything else: quicker to unpack again and again). */
    static Bundle bundle;
    static Path onefile;
    static OnefileReader reader;
    /** The fixture alone (a dozen entries), for the every-file damage test. */
    static Bundle small;
    static Path smallOnefile;

    @TempDir
    Path tmp;

    @BeforeAll
    static void build() throws IOException {
        heavyBundle = app("heavy", 1500, 25_000);
        heavy = Packages.build(new OnefileFormat(), heavyBundle, shared.resolve("heavy-out"));
        heavyReader = new OnefileReader(heavy);
        bundle = app("lite", 120, 2_000);
        onefile = Packages.build(new OnefileFormat(), bundle, shared.resolve("out"));
        reader = new OnefileReader(onefile);

        small = FixtureBundle.named("of-small").build(shared.resolve("small"));
        smallOnefile = Packages.build(new OnefileFormat(), small, shared.resolve("small-out"));
    }

    /** The fixture with the test launcher, a second command and bulk files. */
    static Bundle app(String dir, int files, int bytesEach) throws IOException {
        Bundle b = FixtureBundle.named(NAME).build(shared.resolve(dir));
        Files.writeString(b.root().resolve("bin/" + COMMAND), LAUNCHER);
        Files.writeString(b.root().resolve("bin/second"), "#!/bin/sh\necho \"second command: $*\"\n");
        Files.setPosixFilePermissions(b.root().resolve("bin/second"), PosixFilePermissions.fromString("rwxr-xr-x"));
        OnefileRuns.addBulk(b.root(), files, bytesEach, 11);
        return OnefileFormatTest.withTarget(b, b.metadata().target(),
                List.of(new Command(COMMAND, "bin/" + COMMAND, false), new Command("second", "bin/second", false)));
    }

    Path cacheDir(Path home) {
        return cacheRoot(home).resolve(NAME + "-" + reader.id);
    }

    Path heavyCacheDir(Path home) {
        return cacheRoot(home).resolve(NAME + "-" + heavyReader.id);
    }

    /** The unpacked copy holds exactly the bundle (plus the stub's stamp). */
    static void assertSameTree(Path copy, Bundle b) throws IOException {
        Map<String, String> got = describe(copy);
        assertThat(got.remove(".packyard-onefile-stamp")).as("stamp").startsWith("file ");
        assertThat(got).isEqualTo(describe(b.root()));
    }

    @Test
    void firstStartUnpacksLaterStartsAreAtLeastFiveTimesFaster() throws IOException {
        // first starts: each with an empty cache
        List<Double> first = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Path home = tmp.resolve("first" + i);
            Run r = run(home(home), null, heavy.toString()).ok();
            assertThat(r.out()).isEqualTo("fixture python: -m hello\n");
            assertThat(r.err()).isEmpty();
            first.add(r.millis());
        }
        Path home = tmp.resolve("first0");
        Path copy = heavyCacheDir(home);
        assertSameTree(copy, heavyBundle);
        assertThat(Files.getLastModifiedTime(copy.resolve("data/version.txt")))
                .isEqualTo(FileTime.from(heavyBundle.sourceDateEpoch(), TimeUnit.SECONDS));
        assertThat(OnefileRuns.mode(copy)).isEqualTo("755");
        assertThat(OnefileRuns.mode(cacheRoot(home))).as("XDG: cache directories 0700").isEqualTo("700");

        // later starts: no unpacking, nothing rewritten
        Object inode = Files.getAttribute(copy.resolve("lib/bulk/d1/module_1.py"), "unix:ino");
        byte[] stamp = Files.readAllBytes(copy.resolve(".packyard-onefile-stamp"));
        List<Double> later = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            Run r = run(home(home), null, heavy.toString()).ok();
            assertThat(r.out()).isEqualTo("fixture python: -m hello\n");
            later.add(r.millis());
        }
        assertThat(Files.getAttribute(copy.resolve("lib/bulk/d1/module_1.py"), "unix:ino")).isEqualTo(inode);
        assertThat(Files.readAllBytes(copy.resolve(".packyard-onefile-stamp"))).isEqualTo(stamp);

        // The fastest run of each kind: what a start costs, without the noise other processes on
        // the machine add (noise only ever adds time); the medians are printed too.
        double f = java.util.Collections.min(first);
        double l = java.util.Collections.min(later);
        System.out.printf("onefile %s: %d entries, %.1f MB; first start %.1f ms (median %.1f of %s), later start %.1f ms"
                + " (median %.1f of %s): %.1fx%n", NAME, heavyReader.entries.size(), heavyReader.total / 1e6, f,
                median(first), first, l, median(later), later, f / l);
        assertThat(f).as("first start %s ms vs later starts %s ms", first, later).isGreaterThanOrEqualTo(5 * l);
    }

    @Test
    void tenSimultaneousFirstStartsAllSucceed() throws Exception {
        Path home = tmp.resolve("home");
        Map<String, String> env = new HashMap<>(home(home));
        env.put("PACKYARD_ONEFILE_DEBUG", "1");
        List<Process> ps = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            ProcessBuilder pb = new ProcessBuilder(heavy.toString(), "args", "run " + i)
                    .redirectOutput(tmp.resolve("out" + i).toFile()).redirectError(tmp.resolve("err" + i).toFile());
            pb.environment().clear();
            pb.environment().put("PATH", "/usr/bin:/bin");
            pb.environment().putAll(env);
            ps.add(pb.start());
        }
        int unpacked = 0;
        for (int i = 0; i < 10; i++) {
            assertThat(ps.get(i).waitFor(3, TimeUnit.MINUTES)).isTrue();
            String err = Files.readString(tmp.resolve("err" + i));
            assertThat(ps.get(i).exitValue()).as(err).isZero();
            assertThat(Files.readString(tmp.resolve("out" + i))).isEqualTo("[run " + i + "]\n");
            unpacked += err.contains("debug: unpacked and checked") ? 1 : 0;
        }
        assertThat(unpacked).as("one process unpacked, the others waited for it").isEqualTo(1);
        try (Stream<Path> s = Files.list(cacheRoot(home))) {
            assertThat(s.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder(NAME + "-" + heavyReader.id, "." + NAME + "-" + heavyReader.id + ".lock");
        }
        assertSameTree(heavyCacheDir(home), heavyBundle);
    }

    /** Damage done through the file system, each case in a fresh cache. */
    static Stream<Arguments> damage() {
        return Stream.of(
                Arguments.of("first byte of the first file", "bin/" + COMMAND, "flip:0"),
                Arguments.of("last byte of the last file", "python/bin/python3", "flip:-1"),
                Arguments.of("a byte in the middle of a bulk file", "lib/bulk/d7/module_7.py", "flip:1000"),
                Arguments.of("a byte, the mtime put back", "lib/bulk/d8/module_48.py", "flip-keep-mtime:777"),
                Arguments.of("a deleted file", "data/version.txt", "delete"),
                Arguments.of("a truncated file", FixtureBundle.LONG_PATH, "truncate"),
                Arguments.of("a file replaced by another with the same content", "data/café.txt", "replace"),
                Arguments.of("a re-pointed symlink", "python/bin/python", "relink"),
                Arguments.of("a changed mode", "bin/second", "chmod"),
                Arguments.of("a deleted directory", "lib/bulk/d9", "rmdir"),
                Arguments.of("a changed directory mode", "data", "chmod-dir"),
                Arguments.of("the whole copy group-writable", "", "chmod-dir"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("damage")
    void damageIsDetectedAndRepaired(String what, String path, String how) throws IOException {
        Path home = tmp.resolve("home");
        run(home(home), null, onefile.toString()).ok();
        Path copy = cacheDir(home);
        Path p = path.isEmpty() ? copy : copy.resolve(path);
        boolean sameContent = how.equals("replace");
        switch (how.split(":")[0]) {
            case "flip", "flip-keep-mtime" -> {
                FileTime mtime = Files.getLastModifiedTime(p);
                long size = Files.size(p);
                long at = Long.parseLong(how.split(":")[1]);
                flip(p, at < 0 ? size + at : at);
                if (how.startsWith("flip-keep-mtime")) {
                    Files.setLastModifiedTime(p, mtime);
                    assertThat(Files.getLastModifiedTime(p)).isEqualTo(mtime);
                }
            }
            case "delete" -> Files.delete(p);
            case "truncate" -> {
                try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
                    f.setLength(f.length() / 2);
                }
            }
            case "replace" -> {
                Path t = p.resolveSibling("new");
                Files.copy(p, t);
                Files.move(t, p, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            case "relink" -> {
                Files.delete(p);
                Files.createSymbolicLink(p, Path.of("/bin/sh"));
            }
            case "chmod" -> Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxrwxrwx"));
            case "rmdir" -> deleteTree(p);
            case "chmod-dir" -> Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxrwxr-x"));
            default -> throw new AssertionError(how);
        }

        Run r = run(home(home), null, onefile.toString(), "args", "after damage").ok();

        assertThat(r.out()).isEqualTo("[after damage]\n");
        if (sameContent) {
            assertThat(r.err()).as("same content: only the stamp is renewed").isEmpty();
        } else {
            assertThat(r.err()).contains("the unpacked copy " + copy + " is ")
                    .contains(path.isEmpty() ? "is not a private directory" : "is damaged; replacing it");
        }
        assertSameTree(copy, bundle);
        try (Stream<Path> s = Files.list(cacheRoot(home))) {
            assertThat(s.filter(x -> x.toString().endsWith(".trash") || x.toString().endsWith(".tmp"))).isEmpty();
        }
        Run again = run(home(home), null, onefile.toString(), "args", "x").ok();
        assertThat(again.err()).as("repaired once, then quiet").isEmpty();
    }

    /** Any byte of any file: every file of the small fixture, a random byte of each, one at a time. */
    @Test
    void aFlippedByteInAnyFileIsRepaired() throws IOException {
        Path home = tmp.resolve("home");
        run(home(home), null, smallOnefile.toString()).ok();
        OnefileReader r = new OnefileReader(smallOnefile);
        Path copy = cacheRoot(home).resolve("of-small-" + r.id);
        Random random = new Random(5);
        int files = 0;
        for (OnefileReader.Entry e : r.entries) {
            if (e.kind() != 2 || e.size() == 0) {
                continue;
            }
            files++;
            Path p = copy.resolve(e.path());
            long at = (long) (random.nextDouble() * e.size());
            flip(p, at);
            Run run = run(home(home), null, smallOnefile.toString()).ok();
            assertThat(run.out()).isEqualTo("fixture python: -m hello\n");
            assertThat(run.err()).as("%s byte %d", e.path(), at).contains("is damaged; replacing it");
            assertSameTree(copy, small);
        }
        assertThat(files).isGreaterThanOrEqualTo(6);
    }

    @Test
    void aLostOrDamagedStampCostsACheckNotAnUnpack() throws IOException {
        Path home = tmp.resolve("home");
        Map<String, String> env = new HashMap<>(home(home));
        run(env, null, onefile.toString()).ok();
        Path copy = cacheDir(home);
        Object inode = Files.getAttribute(copy.resolve("lib/bulk/d1/module_1.py"), "unix:ino");
        env.put("PACKYARD_ONEFILE_DEBUG", "1");

        Files.delete(copy.resolve(".packyard-onefile-stamp"));
        Run r = run(env, null, onefile.toString()).ok();
        assertThat(r.err()).contains("every file checked: intact, stamp renewed").doesNotContain("unpacked");
        assertThat(copy.resolve(".packyard-onefile-stamp")).isRegularFile();

        flip(copy.resolve(".packyard-onefile-stamp"), 100);
        r = run(env, null, onefile.toString()).ok();
        assertThat(r.err()).contains("every file checked: intact, stamp renewed").doesNotContain("unpacked");

        r = run(env, null, onefile.toString()).ok();
        assertThat(r.err()).contains("every entry matches the stamp").doesNotContain("checked");
        assertThat(Files.getAttribute(copy.resolve("lib/bulk/d1/module_1.py"), "unix:ino")).isEqualTo(inode);
    }

    /**
     * Damage the stamp cannot see: a byte that changes below the file system (a failing disk)
     * leaves inode, size and times alone. Simulated by damaging a file and then rewriting its
     * stamp record to what lstat() now says. A normal start trusts the stamp (the trade-off:
     * lstat() of every entry instead of reading every byte); --packyard-verify reads every byte.
     */
    @Test
    void verifyChecksEveryByteEvenWhenTheStampMatches() throws IOException {
        Path home = tmp.resolve("home");
        Run u = run(home(home), null, onefile.toString(), "--packyard-unpack").ok();
        Path copy = cacheDir(home);
        assertThat(u.out()).isEqualTo(copy + "\n");
        String rel = "lib/bulk/d2/module_2.py";
        flip(copy.resolve(rel), 1234);
        forgeStamp(copy, rel);
        assertThat(run(home(home), null, onefile.toString(), "args", "x").ok().err()).isEmpty();

        Run v = run(home(home), null, onefile.toString(), "--packyard-verify").ok();
        assertThat(v.out()).isEqualTo(copy + "\n");
        assertThat(v.err()).contains("is damaged; replacing it");
        assertSameTree(copy, bundle);
        assertThat(run(home(home), null, onefile.toString(), "--packyard-verify").ok().err()).isEmpty();
    }

    /** Rewrites the stamp record of {@code rel} (format: onefile/README.md) from its current lstat(). */
    static void forgeStamp(Path copy, String rel) throws IOException {
        Path stampFile = copy.resolve(".packyard-onefile-stamp");
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(Files.readAllBytes(stampFile)).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        int index = reader.entries.stream().map(OnefileReader.Entry::path).toList().indexOf(rel);
        assertThat(b.getInt(24)).isEqualTo(reader.entries.size());
        Path p = copy.resolve(rel);
        java.time.Instant m = ((FileTime) Files.getAttribute(p, "unix:lastModifiedTime", LinkOption.NOFOLLOW_LINKS)).toInstant();
        java.time.Instant c = ((FileTime) Files.getAttribute(p, "unix:ctime", LinkOption.NOFOLLOW_LINKS)).toInstant();
        int at = 32 + 48 * index;
        assertThat(b.getLong(at)).as("same inode").isEqualTo(((Number) Files.getAttribute(p, "unix:ino")).longValue());
        b.putLong(at + 8, Files.size(p));
        b.putLong(at + 16, m.getEpochSecond());
        b.putLong(at + 24, c.getEpochSecond());
        b.putInt(at + 32, m.getNano());
        b.putInt(at + 36, c.getNano());
        b.putLong(b.capacity() - 8, XxHash64.hash(b.array(), 0, b.capacity() - 8));
        Files.write(stampFile, b.array());
    }

    @Test
    void argumentsExitCodesEnvironmentCwdAndSymlinks() throws IOException {
        Path home = tmp.resolve("home");
        Map<String, String> env = home(home);
        Run a = run(env, null, onefile.toString(), "args", "with space", "", "quote\"d", "$HOME", "é", "--packyard-help")
                .ok();
        assertThat(a.out()).isEqualTo("[with space]\n[]\n[quote\"d]\n[$HOME]\n[é]\n[--packyard-help]\n");
        assertThat(run(env, null, onefile.toString(), "exit", "42").exit()).isEqualTo(42);
        assertThat(run(env, null, onefile.toString(), "exit", "0").exit()).isZero();

        // from another directory, through a symlink, through a relative path and PATH
        Path elsewhere = Files.createDirectories(tmp.resolve("some dir/deeper"));
        Path link = tmp.resolve("links/my-app");
        Files.createDirectories(link.getParent());
        Files.createSymbolicLink(link, onefile);
        Run e = run(env, elsewhere, link.toString(), "env").ok();
        assertThat(e.out()).contains("ONEFILE=" + onefile.toRealPath() + "\n")
                .contains("DIR=" + cacheDir(home) + "\n")
                .contains("PWD=" + elsewhere + "\n")
                .contains("SELF=" + cacheDir(home).resolve("bin/" + COMMAND) + "\n");
        Run rel = run(env, onefile.getParent(), "./" + onefile.getFileName(), "args", "relative").ok();
        assertThat(rel.out()).isEqualTo("[relative]\n");
        Map<String, String> withPath = new HashMap<>(env);
        withPath.put("PATH", link.getParent() + ":/usr/bin:/bin");
        ProcessBuilder pb = new ProcessBuilder("sh", "-c", "my-app args via-path");
        pb.environment().clear();
        pb.environment().putAll(withPath);
        Process p = pb.redirectErrorStream(true).start();
        assertThat(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("[via-path]\n");

        // a symlink named like the second command runs it
        Path second = tmp.resolve("links/second");
        Files.createSymbolicLink(second, onefile);
        assertThat(run(env, null, second.toString(), "a", "b").ok().out()).isEqualTo("second command: a b\n");
    }

    @Test
    void theOnefileOptions() throws IOException {
        Path home = tmp.resolve("home");
        Run help = run(home(home), null, onefile.toString(), "--packyard-help").ok();
        assertThat(help.out()).contains(NAME + " 1.0 (" + bundle.metadata().target().id() + ")")
                .contains("--packyard-cleanup").contains("--packyard-unpack").contains("--packyard-verify")
                .contains(COMMAND + "  (default)").contains("second").contains(cacheDir(home).toString());
        assertThat(cacheRoot(home)).as("help unpacks nothing").doesNotExist();

        Run bad = run(home(home), null, onefile.toString(), "--packyard-nonsense");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("unknown option --packyard-nonsense");
        assertThat(cacheRoot(home)).doesNotExist();
    }

    @Test
    void cleanupRemovesEveryVersionOfThisAppOnly() throws Exception {
        Path home = tmp.resolve("home");
        Map<String, String> env = home(home);
        // version 2 of the same application, and another application
        Bundle v2 = FixtureBundle.named(NAME).version("2.0").build(tmp.resolve("v2"));
        Path onefile2 = Packages.build(new OnefileFormat(), v2, tmp.resolve("out2"));
        Bundle other = FixtureBundle.named(NAME + "-other").build(tmp.resolve("other"));
        Path otherOnefile = Packages.build(new OnefileFormat(), other, tmp.resolve("out3"));
        run(env, null, onefile.toString()).ok();
        run(env, null, onefile2.toString()).ok();
        run(env, null, otherOnefile.toString()).ok();
        Files.createDirectories(cacheRoot(home).resolve("." + NAME + "-" + reader.id + ".123-0.tmp/x"));
        try (Stream<Path> s = Files.list(cacheRoot(home))) {
            assertThat(s.filter(Files::isDirectory)).hasSize(4);
        }

        // while a program started from a copy runs, that copy stays
        ProcessBuilder pb = new ProcessBuilder(onefile.toString(), "sleep", "60");
        pb.environment().clear();
        pb.environment().put("PATH", "/usr/bin:/bin");
        pb.environment().putAll(env);
        Process running = pb.redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(running.getInputStream(), StandardCharsets.UTF_8));
            assertThat(out.readLine()).isEqualTo("started");
            Run busy = run(env, null, onefile2.toString(), "--packyard-cleanup");
            assertThat(busy.exit()).isEqualTo(1);
            assertThat(busy.err()).contains(cacheDir(home) + " is in use by a running program; not removed");
            assertThat(cacheDir(home)).isDirectory();
        } finally {
            running.destroy();
            running.waitFor(1, TimeUnit.MINUTES);
        }

        Run c = run(env, tmp, onefile2.toString(), "--packyard-cleanup").ok();
        assertThat(c.out()).contains("removed " + cacheDir(home));
        try (Stream<Path> s = Files.list(cacheRoot(home))) {
            assertThat(s.map(p -> p.getFileName().toString()))
                    .allMatch(n -> n.contains(NAME + "-other-"))
                    .anyMatch(n -> n.startsWith(NAME + "-other-"));
        }
        Run nothing = run(env, null, onefile.toString(), "--packyard-cleanup").ok();
        assertThat(nothing.out()).startsWith("nothing to remove for " + NAME);
        run(env, null, otherOnefile.toString(), "--packyard-cleanup").ok();
        assertThat(home.resolve("cache/packyard")).as("empty cache directories removed too").doesNotExist();
        assertThat(home.resolve("cache")).isDirectory();
        // and the application still starts afterwards
        assertThat(run(env, null, onefile.toString(), "args", "back").ok().out()).isEqualTo("[back]\n");
    }

    @Test
    void cacheLocation() throws IOException {
        Path home = tmp.resolve("home");
        // HOME only: ~/.cache
        Run r = run(Map.of("HOME", home.toString()), null, onefile.toString(), "--packyard-unpack").ok();
        assertThat(r.out()).isEqualTo(home.resolve(".cache/packyard/onefile/" + NAME + "-" + reader.id) + "\n");
        // PACKYARD_ONEFILE_CACHE wins
        Path custom = tmp.resolve("custom cache");
        r = run(Map.of("HOME", home.toString(), "PACKYARD_ONEFILE_CACHE", custom.toString()), null, onefile.toString(),
                "args", "custom").ok();
        assertThat(custom.resolve(NAME + "-" + reader.id)).isDirectory();
        // no usable location: a clear error, nothing run
        Run none = run(Map.of(), null, onefile.toString());
        assertThat(none.exit()).isEqualTo(101);
        assertThat(none.err()).contains("cannot choose a cache directory: set HOME, XDG_CACHE_HOME or PACKYARD_ONEFILE_CACHE");
        Run relative = run(Map.of("HOME", home.toString(), "PACKYARD_ONEFILE_CACHE", "rel"), null, onefile.toString());
        assertThat(relative.exit()).isEqualTo(101);
        assertThat(relative.err()).contains("PACKYARD_ONEFILE_CACHE must be an absolute path");
        // a world-writable cache root (not sticky) is refused
        Path open = Files.createDirectories(tmp.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        Run shared = run(Map.of("PACKYARD_ONEFILE_CACHE", open.toString()), null, onefile.toString());
        assertThat(shared.exit()).isEqualTo(101);
        assertThat(shared.err()).contains("is writable by every user");
    }

    @Test
    void aDamagedOnefileFailsCleanlyAndLeavesNothing() throws IOException {
        Path home = tmp.resolve("home");
        byte[] bytes = Files.readAllBytes(onefile);
        // a flipped byte in the compressed data
        Path damaged = tmp.resolve("damaged");
        byte[] d = bytes.clone();
        d[(int) (reader.dataOffset + reader.dataLength / 2)] ^= 0x10;
        Files.write(damaged, d);
        Files.setPosixFilePermissions(damaged, PosixFilePermissions.fromString("rwxr-xr-x"));
        Run r = run(home(home), null, damaged.toString());
        assertThat(r.exit()).isEqualTo(101);
        assertThat(r.err()).startsWith("damaged: this onefile is damaged or incomplete (");
        assertThat(r.out()).isEmpty();
        try (Stream<Path> s = Files.list(cacheRoot(home))) {
            assertThat(s.filter(Files::isDirectory)).as("no copy, no temporary directory").isEmpty();
        }
        // a flipped byte in the manifest
        d = bytes.clone();
        d[(int) (reader.manifestOffset + 100)] ^= 1;
        Files.write(damaged, d);
        r = run(home(home), null, damaged.toString());
        assertThat(r.exit()).isEqualTo(101);
        assertThat(r.err()).contains("manifest checksum mismatch");
        // a truncated download
        Files.write(damaged, java.util.Arrays.copyOf(bytes, bytes.length - 1000));
        r = run(home(home), null, damaged.toString());
        assertThat(r.exit()).isEqualTo(101);
        assertThat(r.err()).contains("no Packyard onefile payload");
    }

    static void flip(Path p, long at) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.seek(at);
            int b = f.read();
            f.seek(at);
            f.write(b ^ 0x01);
        }
    }

    static void deleteTree(Path p) throws IOException {
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(x);
            }
        }
    }

    static double median(List<Double> values) {
        List<Double> v = new ArrayList<>(values);
        v.sort(null);
        int n = v.size();
        return n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
    }

    static boolean exists(Path p) {
        return Files.exists(p, LinkOption.NOFOLLOW_LINKS);
    }
}
