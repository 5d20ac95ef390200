package io.packyard.formats.onefile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.packyard.bundle.Bundle;
import io.packyard.bundle.BundleEntry;
import io.packyard.bundle.BundleMetadata;
import io.packyard.bundle.Command;
import io.packyard.bundle.Target;
import io.packyard.formats.PackageFormats;
import io.packyard.formats.testkit.FixtureBundle;
import io.packyard.formats.testkit.Packages;
import io.packyard.python.PackyardException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The file OnefileFormat writes, read back with an independent reader (no stub runs here). */
class OnefileFormatTest {
    @TempDir
    Path tmp;

    private final OnefileFormat format = new OnefileFormat();

    @Test
    void nameTargetsAndRegistration() throws IOException {
        Bundle b = FixtureBundle.named("of-name").version("2.0rc1").build(tmp.resolve("b"));
        assertThat(format.id()).isEqualTo("onefile");
        assertThat(format.fileName(b)).isEqualTo("of-name-2.0rc1-" + Target.host().id());
        assertThat(format.supports(Target.LINUX_X86_64)).isTrue();
        assertThat(format.supports(Target.LINUX_AARCH64)).isTrue();
        assertThat(format.supports(Target.WINDOWS_X64)).isTrue();
        assertThat(format.supports(Target.WINDOWS_ARM64)).isFalse();
        assertThat(format.builtByDefault()).isFalse();
        assertThat(PackageFormats.parse("onefile")).singleElement().isInstanceOf(OnefileFormat.class);
        assertThat(PackageFormats.defaultsFor(Target.LINUX_X86_64)).noneMatch(f -> f instanceof OnefileFormat);
    }

    @Test
    void stubThenDataThenManifestThenTrailer() throws IOException {
        Bundle b = FixtureBundle.named("of-layout").build(tmp.resolve("b"));
        Path out = Packages.build(format, b, tmp.resolve("out"));
        byte[] file = Files.readAllBytes(out);
        byte[] stub = stub("stub-linux-" + Target.host().machine());
        assertThat(Arrays.copyOf(file, stub.length)).isEqualTo(stub);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(out))).isEqualTo("rwxr-xr-x");

        OnefileReader r = new OnefileReader(file);
        assertThat(r.dataOffset).isEqualTo(stub.length);
        assertThat(r.manifestOffset).isEqualTo(r.dataOffset + r.dataLength);
        assertThat(r.manifestOffset + r.manifestLength + 48).isEqualTo(file.length);
        assertThat(r.name).isEqualTo("of-layout");
        assertThat(r.version).isEqualTo("1.0");
        assertThat(r.target).isEqualTo(Target.host().id());
        assertThat(r.mtime).isEqualTo(b.sourceDateEpoch());
        assertThat(r.blockSize).isEqualTo(1 << 20);
        assertThat(r.total).isEqualTo(b.installedSize());
        assertThat(r.commands).containsExactly(new OnefileReader.Command("of-layout-hello", "bin/of-layout-hello"));

        // every bundle entry, in depth-first order, with kind, mode, size, target and XXH64
        List<BundleEntry> expected = b.entries();
        assertThat(r.entries).extracting(OnefileReader.Entry::path)
                .containsExactlyInAnyOrderElementsOf(expected.stream().map(BundleEntry::path).toList());
        Map<String, byte[]> files = r.files();
        for (OnefileReader.Entry e : r.entries) {
            BundleEntry be = expected.stream().filter(x -> x.path().equals(e.path())).findFirst().orElseThrow();
            assertThat(e.mode()).as(e.path()).isEqualTo(be.mode());
            switch (be.kind()) {
                case DIRECTORY -> assertThat(e.kind()).isEqualTo(1);
                case SYMLINK -> {
                    assertThat(e.kind()).isEqualTo(3);
                    assertThat(e.target()).isEqualTo(be.linkTarget());
                }
                case FILE -> {
                    byte[] content = Files.readAllBytes(be.source());
                    assertThat(e.kind()).isEqualTo(2);
                    assertThat(e.size()).isEqualTo(content.length);
                    assertThat(e.xxh64()).isEqualTo(XxHash64.hash(content));
                    assertThat(files.get(e.path())).as(e.path()).isEqualTo(content);
                }
            }
        }
        for (int i = 0; i < r.entries.size(); i++) {
            String p = r.entries.get(i).path();
            int slash = p.lastIndexOf('/');
            if (slash > 0) {
                String parent = p.substring(0, slash);
                int at = i;
                assertThat(r.entries.subList(0, i)).as("parent of %s listed before it", p)
                        .anyMatch(e -> e.path().equals(parent) && e.kind() == 1);
                // depth-first: everything between the parent and this entry lies inside the parent
                int pi = r.entries.stream().map(OnefileReader.Entry::path).toList().indexOf(parent);
                assertThat(r.entries.subList(pi + 1, at)).allMatch(e -> e.path().startsWith(parent + "/"));
            }
        }
    }

    @Test
    void reproducibleAndNamedByContent() throws IOException {
        Bundle b = FixtureBundle.named("of-repro").build(tmp.resolve("b"));
        OnefileRuns.addBulk(b.root(), 30, 100_000, 1); // several blocks
        b = OnefileRuns.rescan(b);
        byte[] one = Files.readAllBytes(Packages.build(format, b, tmp.resolve("one")));
        byte[] two = Files.readAllBytes(Packages.build(format, b, tmp.resolve("two")));
        assertThat(two).isEqualTo(one);
        OnefileReader r = new OnefileReader(one);
        assertThat(r.blocks).isEqualTo((int) ((r.total + (1 << 20) - 1) >> 20)).isGreaterThan(2);

        Bundle later = FixtureBundle.named("of-repro").sourceDateEpoch(1_800_000_000L).build(tmp.resolve("c"));
        OnefileRuns.addBulk(later.root(), 30, 100_000, 1);
        later = OnefileRuns.rescan(later);
        OnefileReader other = new OnefileReader(Packages.build(format, later, tmp.resolve("three")));
        assertThat(other.id).as("another SOURCE_DATE_EPOCH, another id").isNotEqualTo(r.id);

        Bundle changed = FixtureBundle.named("of-repro").build(tmp.resolve("d"));
        OnefileRuns.addBulk(changed.root(), 30, 100_000, 1);
        Path one4 = changed.root().resolve("lib/bulk/d4/module_4.py");
        byte[] bytes = Files.readAllBytes(one4);
        bytes[50_000] ^= 1;
        Files.write(one4, bytes);
        changed = OnefileRuns.rescan(changed);
        OnefileReader third = new OnefileReader(Packages.build(format, changed, tmp.resolve("four")));
        assertThat(third.id).as("one flipped bit, another id").isNotEqualTo(r.id);
        assertThat(third.id).matches("[0-9a-f]{32}");
    }

    @Test
    void incompressibleBlocksAreStored() throws IOException {
        Bundle b = FixtureBundle.named("of-random").build(tmp.resolve("b"));
        byte[] noise = new byte[(1 << 20) + 5000];
        new Random(1).nextBytes(noise);
        Files.write(b.root().resolve("data/noise.bin"), noise);
        b = OnefileRuns.rescan(b);
        OnefileReader r = new OnefileReader(Packages.build(format, b, tmp.resolve("out")));
        Map<String, byte[]> files = r.files();
        assertThat(files.get("data/noise.bin")).isEqualTo(noise);
        assertThat(r.blockInfo).hasSize(2);
        assertThat(r.blockInfo.get(0)[1]).as("first block stored raw").isEqualTo(1);
        assertThat(r.blockInfo.get(0)[0]).isEqualTo(1 << 20);
    }

    @Test
    void eachTargetGetsItsOwnStub() throws IOException {
        Bundle host = FixtureBundle.named("of-arm").build(tmp.resolve("b"));
        Bundle arm = withTarget(host, Target.LINUX_AARCH64, host.metadata().commands());
        Path out = Packages.build(format, arm, tmp.resolve("out"));
        assertThat(out.getFileName().toString()).isEqualTo("of-arm-1.0-linux-aarch64");
        byte[] file = Files.readAllBytes(out);
        byte[] stub = stub("stub-linux-aarch64");
        assertThat(Arrays.copyOf(file, stub.length)).isEqualTo(stub);
        assertThat(file[18] & 0xFF).as("ELF e_machine: EM_AARCH64").isEqualTo(183);
        assertThat(new OnefileReader(file).target).isEqualTo("linux-aarch64");
        assertThatThrownBy(() -> OnefileFormat.stub(Target.WINDOWS_ARM64)).isInstanceOf(PackyardException.class)
                .hasMessageContaining("no onefile stub for windows-arm64");
    }

    /** windows-x64: the .exe name, and the stub's subsystem follows the default command. */
    @Test
    void windowsGetsTheStubOfItsDefaultCommandsSubsystem() throws IOException {
        io.packyard.formats.testkit.WindowsFixtureBundle f =
                io.packyard.formats.testkit.WindowsFixtureBundle.named("of-win").withoutHooks().fakeInterpreter();
        Bundle staged = f.build(tmp.resolve("w"));
        Command console = new Command(f.command(), "Scripts/" + f.command() + ".exe", false);
        Command gui = new Command(f.guiCommand(), "Scripts/" + f.guiCommand() + ".exe", true);
        Map<String, Command> first = Map.of("console", console, "gui", gui);
        for (var e : first.entrySet()) {
            Command other = e.getValue() == console ? gui : console;
            Bundle b = withTarget(staged, Target.WINDOWS_X64, List.of(e.getValue(), other));
            Path out = Packages.build(format, b, tmp.resolve("out-" + e.getKey()));
            assertThat(out.getFileName().toString()).isEqualTo("of-win-1.0-windows-x64.exe");
            byte[] file = Files.readAllBytes(out);
            byte[] stub = stub("stub-windows-x64-" + e.getKey() + ".exe");
            assertThat(Arrays.copyOf(file, stub.length)).as(e.getKey()).isEqualTo(stub);
            int pe = (file[0x3c] & 0xFF) | (file[0x3d] & 0xFF) << 8;
            assertThat(file[pe + 24 + 68] & 0xFF).as("PE subsystem").isEqualTo(e.getKey().equals("gui") ? 2 : 3);
            OnefileReader r = new OnefileReader(file);
            assertThat(r.target).isEqualTo("windows-x64");
        }
    }

    @Test
    void aBundleWithoutCommandsOrWithAMissingLauncherIsRefused() throws IOException {
        Bundle b = FixtureBundle.named("of-bad").build(tmp.resolve("b"));
        Bundle none = withTarget(b, b.metadata().target(), List.of());
        assertThatThrownBy(() -> format.write(none, tmp.resolve("x"), io.packyard.python.util.Progress.NONE))
                .isInstanceOf(PackyardException.class).hasMessageContaining("of-bad has no command to run");
        Bundle missing = withTarget(b, b.metadata().target(), List.of(new Command("ghost", "bin/ghost", false)));
        assertThatThrownBy(() -> format.write(missing, tmp.resolve("y"), io.packyard.python.util.Progress.NONE))
                .isInstanceOf(PackyardException.class).hasMessageContaining("launcher bin/ghost of the command ghost");
        assertThat(tmp.resolve("x")).doesNotExist();
    }

    static Bundle withTarget(Bundle b, Target target, List<Command> commands) {
        BundleMetadata m = b.metadata();
        BundleMetadata t = new BundleMetadata(m.name(), m.version(), m.summary(), m.description(), m.homepage(),
                m.license(), m.maintainer(), m.company(), m.product(), target, m.pythonVersion(),
                m.bundledInterpreter(), commands, m.postInstallHook(), m.preUninstallHook(), m.debDepends(),
                m.rpmRequires(), m.windows());
        return Bundle.builder().metadata(t).root(b.root()).sourceDateEpoch(b.sourceDateEpoch()).build();
    }

    private static byte[] stub(String name) throws IOException {
        try (InputStream in = OnefileFormat.class.getResourceAsStream(name)) {
            assertThat(in).as(name).isNotNull();
            return in.readAllBytes();
        }
    }
}
