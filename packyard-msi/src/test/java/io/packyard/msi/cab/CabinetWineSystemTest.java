package io.packyard.msi.cab;

import static org.assertj.core.api.Assertions.assertThat;

import io.packyard.testkit.Wine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The writer's cabinets extracted through the Windows cabinet API: wine's extrac32 goes through
 * setupapi and cabinet.dll's FDI, the same code wine's msiexec uses for an MSI's embedded cabinet
 * (FDI verifies CFDATA checksums). Debian packages: wine, wine64.
 */
@Tag("system")
class CabinetWineSystemTest {

    @TempDir
    static Path dir;

    static Wine wine;
    static CabFixture fixture;

    @BeforeAll
    static void setUp() throws IOException {
        wine = Wine.create(dir.resolve("prefix"));
        fixture = CabFixture.standard(dir.resolve("fixture"), 1 << 20);
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (wine != null) {
            wine.close();
        }
    }

    private Map<String, String> extract(Path cab, String name) throws Exception {
        Path out = Files.createDirectories(dir.resolve("out-" + name));
        Wine.Result r = wine.run("extrac32", List.of("/Y", "/E", "/L", wine.toWindows(out), wine.toWindows(cab)),
                Map.of(), Duration.ofMinutes(2));
        assertThat(r.exitCode()).as(r.toString()).isZero();
        return CabinetToolsSystemTest.extractedTree(out);
    }

    private static Map<String, String> expectedAsciiTree() {
        Map<String, String> tree = new TreeMap<>(CabinetToolsSystemTest.expectedTree(fixture));
        // setupapi hands FDI's names to the caller as ANSI and ignores _A_NAME_IS_UTF: the
        // UTF-8 name arrives mangled (its content is checked separately)
        tree.remove(CabFixture.UTF8_NAME.replace('\\', '/'));
        return tree;
    }

    @Test
    void extrac32ExtractsMszipAndStoredFoldersByteForByte() throws Exception {
        Path mszip = dir.resolve("wine-mszip.cab");
        Path rollover = dir.resolve("wine-rollover.cab");
        fixture.addTo(CabinetWriter.builder().threads(3).build()).write(mszip);
        CabinetResult r = fixture.addTo(CabinetWriter.builder().maxBlocksPerFolder(34).build()).write(rollover);
        assertThat(r.folderCount()).isGreaterThanOrEqualTo(3);
        Path none = dir.resolve("wine-none.cab");
        fixture.addTo(CabinetWriter.builder().compression(Compression.NONE).build()).write(none);

        String utf8Hash = CabinetToolsSystemTest.hex("SHA-256", fixture.expected.get(CabFixture.UTF8_NAME));
        for (var cab : Map.of("mszip", mszip, "rollover", rollover, "none", none).entrySet()) {
            Map<String, String> extracted = extract(cab.getValue(), cab.getKey());
            assertThat(extracted).as(cab.getKey()).hasSize(fixture.items.size());
            assertThat(extracted).as(cab.getKey()).containsAllEntriesOf(expectedAsciiTree());
            assertThat(extracted.values()).as(cab.getKey()).contains(utf8Hash);
        }
    }

    @Test
    void extrac32RefusesABlockWithABadChecksum() throws Exception {
        // the control for the test above: FDI does verify checksums
        Path good = dir.resolve("wine-good.cab");
        fixture.addTo(CabinetWriter.builder().build()).write(good);
        byte[] bytes = Files.readAllBytes(good);
        CabReader.Cabinet cab = CabReader.read(bytes);
        int firstBlock = (int) cab.folders().getFirst().coffCabStart();
        bytes[firstBlock] ^= 0x01; // the first CFDATA's csum
        Path bad = dir.resolve("wine-bad.cab");
        Files.write(bad, bytes);
        Map<String, String> extracted = extract(bad, "bad");
        assertThat(extracted.size()).isLessThan(fixture.items.size());
    }
}
