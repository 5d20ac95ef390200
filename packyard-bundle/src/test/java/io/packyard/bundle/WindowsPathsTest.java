package io.packyard.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.packyard.python.PackyardException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class WindowsPathsTest {
    private static final String DIR = "C:\\Program Files\\Acme\\Notes";

    private static BundleEntry file(String path) {
        return new BundleEntry(path, BundleEntry.Kind.FILE, 0644, Path.of("/dev/null"), null, 0);
    }

    private static void fails(List<BundleEntry> entries, String message) {
        assertThatThrownBy(() -> WindowsPaths.check(entries, DIR)).isInstanceOf(PackyardException.class).hasMessage(message);
    }

    @Test
    void acceptsOrdinaryTrees() {
        assertThatCode(() -> WindowsPaths.check(List.of(file("python/python.exe"), file("Scripts/notes.exe"),
                file("python/Lib/site-packages/café/data file.txt"), file("python/Lib/con_helpers.py"),
                file("python/Lib/console.py")), DIR)).doesNotThrowAnyException();
    }

    @Test
    void refusesCaseCollisions() {
        fails(List.of(file("python/Lib/Readme.txt"), file("python/Lib/README.txt")),
                "bundle paths python/Lib/Readme.txt and python/Lib/README.txt differ only in case;"
                        + " on Windows one would overwrite the other");
    }

    @Test
    void refusesReservedNamesAndCharacters() {
        fails(List.of(file("data/nul.txt")), "bundle path data/nul.txt: 'nul.txt' is a reserved device name on Windows");
        fails(List.of(file("data/COM1")), "bundle path data/COM1: 'COM1' is a reserved device name on Windows");
        fails(List.of(file("data/a:b")), "bundle path data/a:b: the character ':' is not allowed in Windows file names");
        fails(List.of(file("data/what?")), "bundle path data/what?: the character '?' is not allowed in Windows file names");
        fails(List.of(file("data/trailing.")), "bundle path data/trailing.: Windows file names cannot end with a space or a dot");
        fails(List.of(new BundleEntry("python/link", BundleEntry.Kind.SYMLINK, 0777, Path.of("x"), "target", 0)),
                "bundle path python/link: a symbolic link; Windows packages cannot hold symbolic links"
                        + " (exclude it or replace it by a copy)");
    }

    @Test
    void refusesPathsLongerThanMaxPath() {
        String ok = "d/" + "x".repeat(WindowsPaths.MAX_PATH - DIR.length() - 3);
        assertThat(DIR.length() + 1 + ok.length()).isEqualTo(WindowsPaths.MAX_PATH);
        assertThatCode(() -> WindowsPaths.check(List.of(file(ok)), DIR)).doesNotThrowAnyException();
        String tooLong = ok + "y";
        fails(List.of(file(tooLong)), "bundle path " + tooLong + ": 260 characters once installed under " + DIR
                + "; Windows allows 259 (shorten the path, or choose a shorter [tool.packyard.msi].install-dir,"
                + " company or product)");
    }

    @Test
    void typicalInstallDirs() {
        WindowsOptions d = WindowsOptions.defaults();
        assertThat(WindowsPaths.typicalInstallDir(d, "Acme", "Notes")).isEqualTo(DIR);
    }
}
