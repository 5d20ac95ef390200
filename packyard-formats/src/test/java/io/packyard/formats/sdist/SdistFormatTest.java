package io.packyard.formats.sdist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.packyard.bundle.Bundle;
import io.packyard.bundle.BundleMetadata;
import io.packyard.bundle.Target;
import io.packyard.formats.PackageFormat;
import io.packyard.formats.PackageFormats;
import io.packyard.formats.wheel.WheelFormat;
import io.packyard.python.PackyardException;
import io.packyard.python.util.Progress;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sdist format: PEP 625 name and top directory, a reproducible re-pack, links refused. */
class SdistFormatTest {
    private static final long EPOCH = 1700000000L;

    @TempDir
    Path tmp;

    private record Member(String name, boolean dir, int mode, long mtime, int uid, String content, String link) {}

    private Path backendSdist(String file, List<Member> members) throws Exception {
        Path p = tmp.resolve(file);
        try (OutputStream os = new GZIPOutputStream(Files.newOutputStream(p));
                TarArchiveOutputStream tar = new TarArchiveOutputStream(os)) {
            for (Member m : members) {
                TarArchiveEntry e;
                if (m.link() != null) {
                    e = new TarArchiveEntry(m.name(), TarArchiveEntry.LF_SYMLINK);
                    e.setLinkName(m.link());
                } else {
                    e = new TarArchiveEntry(m.name() + (m.dir() ? "/" : ""));
                }
                e.setMode(m.mode());
                e.setModTime(new Date(m.mtime() * 1000));
                e.setUserId(m.uid());
                e.setUserName("builder");
                byte[] data = m.content() == null ? new byte[0] : m.content().getBytes(StandardCharsets.UTF_8);
                if (!m.dir() && m.link() == null) {
                    e.setSize(data.length);
                }
                tar.putArchiveEntry(e);
                tar.write(data);
                tar.closeArchiveEntry();
            }
        }
        return p;
    }

    private static Member file(String name, int mode, long mtime, String content) {
        return new Member(name, false, mode, mtime, 1000, content, null);
    }

    private static Member dir(String name, long mtime) {
        return new Member(name, true, 0775, mtime, 1000, null, null);
    }

    private Bundle bundle(Path sdist) throws Exception {
        BundleMetadata m = new BundleMetadata("acme-notes-app", "1.0rc1", "Notes", "", "", "", "", "Acme", "Notes",
                Target.LINUX_X86_64, "3.12", true, List.of(), null, null, List.of(), List.of());
        return Bundle.builder().metadata(m).root(Files.createDirectories(tmp.resolve("stage")))
                .sourceDateEpoch(EPOCH).projectSdist(sdist).build();
    }

    private byte[] write(Bundle b, String name) throws Exception {
        Path out = tmp.resolve(name);
        new SdistFormat().write(b, out, Progress.NONE);
        return Files.readAllBytes(out);
    }

    private static List<String> listing(byte[] tgz) throws Exception {
        List<String> out = new ArrayList<>();
        try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(tgz));
                TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                ByteArrayOutputStream data = new ByteArrayOutputStream();
                tar.transferTo(data);
                out.add(e.getName() + " " + Integer.toOctalString(e.getMode()) + " " + e.getModTime().getTime() / 1000
                        + " " + e.getUserId() + ":" + e.getGroupId() + " " + data.toString(StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    @Test
    void renamesToPep625AndRepacksReproducibly() throws Exception {
        // as setuptools < 69.3 writes it: the unnormalized name, build-time mtimes, the builder's uid, no dir entries for src/
        Path sdist = backendSdist("acme.notes-app-1.0rc1.tar.gz", List.of(
                file("acme.notes-app-1.0rc1/setup.cfg", 0664, 1710000000L, "[metadata]\n"),
                dir("acme.notes-app-1.0rc1", 1710000001L),
                file("acme.notes-app-1.0rc1/src/acme_notes/__init__.py", 0664, 1710000002L, "x = 1\n"),
                file("acme.notes-app-1.0rc1/PKG-INFO", 0600, 1710000003L, "Metadata-Version: 2.1\n"),
                file("acme.notes-app-1.0rc1/bin/run", 0775, 1710000004L, "#!/bin/sh\n")));
        Bundle b = bundle(sdist);
        SdistFormat f = new SdistFormat();
        assertThat(f.fileName(b)).isEqualTo("acme_notes_app-1.0rc1.tar.gz");
        byte[] first = write(b, "one.tar.gz");
        assertThat(listing(first)).containsExactly(
                "acme_notes_app-1.0rc1/ 755 1700000000 0:0 ",
                "acme_notes_app-1.0rc1/PKG-INFO 644 1700000000 0:0 Metadata-Version: 2.1\n",
                "acme_notes_app-1.0rc1/bin/ 755 1700000000 0:0 ",
                "acme_notes_app-1.0rc1/bin/run 755 1700000000 0:0 #!/bin/sh\n",
                "acme_notes_app-1.0rc1/setup.cfg 644 1700000000 0:0 [metadata]\n",
                "acme_notes_app-1.0rc1/src/ 755 1700000000 0:0 ",
                "acme_notes_app-1.0rc1/src/acme_notes/ 755 1700000000 0:0 ",
                "acme_notes_app-1.0rc1/src/acme_notes/__init__.py 644 1700000000 0:0 x = 1\n");

        // the same content in another order with other times: the same bytes
        Path shuffled = backendSdist("again.tar.gz", List.of(
                file("acme.notes-app-1.0rc1/bin/run", 0700, 1, "#!/bin/sh\n"),
                file("acme.notes-app-1.0rc1/src/acme_notes/__init__.py", 0644, 2, "x = 1\n"),
                file("acme.notes-app-1.0rc1/PKG-INFO", 0644, 3, "Metadata-Version: 2.1\n"),
                file("acme.notes-app-1.0rc1/setup.cfg", 0644, 4, "[metadata]\n")));
        assertThat(write(bundle(shuffled), "two.tar.gz")).isEqualTo(first);
        assertThat(tmp.resolve("one.tar.gz.members")).doesNotExist();
    }

    @Test
    void refusesLinksSeveralTopDirectoriesAndAMissingPkgInfo() throws Exception {
        Path link = backendSdist("l.tar.gz", List.of(file("p-1/PKG-INFO", 0644, 1, "M"),
                new Member("p-1/evil", false, 0777, 1, 0, null, "/etc/passwd")));
        assertThatThrownBy(() -> write(bundle(link), "l.out")).isInstanceOf(PackyardException.class)
                .hasMessage("sdist l.tar.gz: 'p-1/evil' is not a regular file or directory"
                        + " (links and devices do not belong in an sdist)");
        Path two = backendSdist("t.tar.gz", List.of(file("p-1/PKG-INFO", 0644, 1, "M"), file("q-1/x", 0644, 1, "M")));
        assertThatThrownBy(() -> write(bundle(two), "t.out")).isInstanceOf(PackyardException.class)
                .hasMessage("sdist t.tar.gz: more than one top-level directory ('p-1' and 'q-1')");
        Path none = backendSdist("n.tar.gz", List.of(file("p-1/setup.py", 0644, 1, "M")));
        assertThatThrownBy(() -> write(bundle(none), "n.out")).isInstanceOf(PackyardException.class)
                .hasMessage("sdist n.tar.gz: no PKG-INFO in its top-level directory");
        Path up = backendSdist("u.tar.gz", List.of(file("p-1/../../x", 0644, 1, "M")));
        assertThatThrownBy(() -> write(bundle(up), "u.out")).isInstanceOf(PackyardException.class)
                .hasMessage("sdist u.tar.gz: unsafe member name 'p-1/../../x'");
    }

    @Test
    void wheelAndSdistAreRegisteredButNotBuiltByDefault() throws Exception {
        List<PackageFormat> f = PackageFormats.parse("wheel,sdist");
        assertThat(f.get(0)).isInstanceOf(WheelFormat.class);
        assertThat(f.get(1)).isInstanceOf(SdistFormat.class);
        assertThat(PackageFormats.defaultsFor(Target.LINUX_X86_64)).noneMatch(x -> x.id().equals("wheel") || x.id().equals("sdist"));
        assertThat(f).allMatch(x -> x.supports(Target.LINUX_X86_64) && x.supports(Target.WINDOWS_X64));

        Path wheel = Files.writeString(tmp.resolve("acme_notes_app-1.0rc1-py3-none-any.whl"), "wheel bytes");
        BundleMetadata m = new BundleMetadata("acme-notes-app", "1.0rc1", "Notes", "", "", "", "", "Acme", "Notes",
                Target.LINUX_X86_64, "3.12", true, List.of(), null, null, List.of(), List.of());
        Bundle b = Bundle.builder().metadata(m).root(Files.createDirectories(tmp.resolve("stage2")))
                .projectWheel(wheel).build();
        assertThat(f.get(0).fileName(b)).isEqualTo("acme_notes_app-1.0rc1-py3-none-any.whl");
        f.get(0).write(b, tmp.resolve("copy.whl"), Progress.NONE);
        assertThat(tmp.resolve("copy.whl")).hasSameBinaryContentAs(wheel);
        Bundle without = Bundle.builder().metadata(m).root(tmp.resolve("stage2")).build();
        assertThatThrownBy(() -> f.get(1).write(without, tmp.resolve("x.tar.gz"), Progress.NONE))
                .hasMessage("sdist format: the bundle of acme-notes-app carries no sdist");
    }
}
