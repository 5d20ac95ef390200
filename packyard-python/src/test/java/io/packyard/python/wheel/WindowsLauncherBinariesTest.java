package io.packyard.python.wheel;

import io.packyard.testkit.CommittedBinaries;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;

/**
 * The committed Windows launchers are what {@code launcher/launcher.c} builds to: runs
 * {@code launcher/check.sh} (mingw-w64 rebuild, byte comparison), and proves check.sh catches a
 * binary that differs.
 */
@Tag("system")
class WindowsLauncherBinariesTest {

    static final String RESOURCES = "packyard-python/src/main/resources/io/packyard/python/wheel/windows";

    static final List<String> LAUNCHERS = List.of("launcher-console-x64.exe", "launcher-gui-x64.exe");

    @Test
    void committedLaunchersMatchARebuild() throws Exception {
        CommittedBinaries.assertCommittedMatch("launcher", "the committed launchers match a rebuild");
    }

    @Test
    void checkFailsOnADifferentBinary(@TempDir Path tmp) throws Exception {
        CommittedBinaries.assertCheckCatches(tmp, "launcher", RESOURCES, LAUNCHERS, "launcher-gui-x64.exe");
    }
}
