package io.packyard.msi.cab;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The writer's cabinets read by real extractors: cabextract (libmspack; -t verifies every CFDATA
 * checksum and prints each file's MD5) and gcab (GNOME, what msitools uses; verifies checksums on
 * extraction). Debian packages: cabextract, gcab.
 */
@Tag("system")
class CabinetToolsSystemTest {

    @TempDir
    static Path dir;

    static CabFixture fixture;

    /** name -> cabinet: MSZIP on 4 threads, NONE on 1, MSZIP with folders of at most 97 blocks. */
    static final Map<String, Path> CABINETS = new TreeMap<>();

    @BeforeAll
    static void writeCabinets() throws IOException {
        fixture = CabFixture.standard(dir.resolve("fixture"));
        CABINETS.put("mszip", dir.resolve("mszip.cab"));
        CABINETS.put("none", dir.resolve("none.cab"));
        CABINETS.put("rollover", dir.resolve("rollover.cab"));
        fixture.addTo(CabinetWriter.builder().compression(Compression.MSZIP).threads(4).build()).write(CABINETS.get("mszip"));
        fixture.addTo(CabinetWriter.builder().compression(Compression.NONE).threads(1).build()).write(CABINETS.get("none"));
        CabinetResult rollover = fixture.addTo(CabinetWriter.builder().maxBlocksPerFolder(97).threads(2).build())
                .write(CABINETS.get("rollover"));
        assertThat(rollover.folderCount()).isGreaterThanOrEqualTo(3);
    }

    record Run(int exitCode, String stdout, String stderr) {}

    static Run run(Path cwd, String... command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(cwd.toFile());
        pb.environment().put("LANG", "C.UTF-8");
        pb.environment().put("LC_ALL", "C.UTF-8");
        pb.environment().put("TZ", "UTC");
        pb.environment().remove("GCAB_SKIP_CHECKSUM");
        Process p = pb.start();
        p.getOutputStream().close();
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
        byte[] out = readAll(p.getInputStream());
        if (!p.waitFor(2, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " timed out");
        }
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err.join(), StandardCharsets.UTF_8));
    }

    private static byte[] readAll(InputStream in) {
        try (in) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            in.transferTo(b);
            return b.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String hex(String algorithm, byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** What an extraction should produce: path with / separators -> SHA-256. */
    static Map<String, String> expectedTree(CabFixture fixture) {
        Map<String, String> tree = new TreeMap<>();
        fixture.expected.forEach((name, content) -> tree.put(name.replace('\\', '/'), hex("SHA-256", content)));
        return tree;
    }

    /**
     * Every regular file under {@code root} with its SHA-256, computed by find and sha256sum so that
     * non-ASCII names arrive as the UTF-8 bytes the extractor wrote, whatever the JVM's locale.
     */
    static Map<String, String> extractedTree(Path root) throws IOException, InterruptedException {
        Run r = run(root, "find", ".", "-type", "f", "-exec", "sha256sum", "{}", "+");
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        Map<String, String> tree = new TreeMap<>();
        for (String line : r.stdout().split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            // "<hash>  ./<path>"
            tree.put(line.substring(line.indexOf("  ./") + 4), line.substring(0, 64));
        }
        return tree;
    }

    @ParameterizedTest
    @ValueSource(strings = {"mszip", "none", "rollover"})
    void cabextractTestVerifiesEveryChecksumAndFile(String which) throws Exception {
        Run r = run(dir, "cabextract", "-t", CABINETS.get(which).toString());
        assertThat(r.exitCode()).as(r.stdout() + r.stderr()).isZero();
        assertThat(r.stdout()).contains("All done, no errors.");
        assertThat(r.stderr()).doesNotContainIgnoringCase("warning");
        // one "  name  OK  md5" line per file, with the MD5 of the content we put in
        Map<String, String> tested = new TreeMap<>();
        for (String line : r.stdout().split("\n")) {
            int ok = line.lastIndexOf("  OK  ");
            if (ok >= 0) {
                tested.put(line.substring(0, ok).strip(), line.substring(ok + 6).strip());
            }
        }
        Map<String, String> expected = new TreeMap<>();
        fixture.expected.forEach((name, content) -> expected.put(name.replace('\\', '/'), hex("MD5", content)));
        assertThat(tested).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"mszip", "none", "rollover"})
    void cabextractExtractsEveryFileByteForByte(String which) throws Exception {
        Path out = Files.createDirectories(dir.resolve("cabextract-" + which));
        Run r = run(dir, "cabextract", "-q", "-d", out.toString(), CABINETS.get(which).toString());
        assertThat(r.exitCode()).as(r.stdout() + r.stderr()).isZero();
        assertThat(extractedTree(out)).isEqualTo(expectedTree(fixture));
        // ASCII names read back through Java too, with their exact sizes (the empty files exist)
        assertThat(out.resolve("empty")).isEmptyFile();
        assertThat(Files.readAllBytes(out.resolve("dir/sub/text.py"))).isEqualTo(fixture.expected.get("dir\\sub\\text.py"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"mszip", "none", "rollover"})
    void gcabExtractsEveryFileByteForByte(String which) throws Exception {
        Path out = Files.createDirectories(dir.resolve("gcab-" + which));
        Run r = run(out, "gcab", "-x", CABINETS.get(which).toString());
        assertThat(r.exitCode()).as(r.stdout() + r.stderr()).isZero();
        assertThat(r.stderr()).isEmpty();
        assertThat(extractedTree(out)).isEqualTo(expectedTree(fixture));
    }

    @Test
    void gcabListsNamesSizesDatesAndAttributes() throws Exception {
        Run r = run(dir, "gcab", "-l", CABINETS.get("mszip").toString());
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        String stamp = LocalDateTime.ofEpochSecond(CabFixture.EPOCH, 0, ZoneOffset.UTC)
                .format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss"));
        List<String> expected = new ArrayList<>();
        for (CabFixture.Item item : fixture.items) {
            boolean utf8 = !StandardCharsets.US_ASCII.newEncoder().canEncode(item.name());
            int attributes = item.attributes() | (utf8 ? CabAttributes.NAME_IS_UTF : 0);
            expected.add(item.name() + " " + fixture.expected.get(item.name()).length + " " + stamp
                    + String.format(" 0x%X", attributes));
        }
        assertThat(r.stdout().lines().toList()).containsExactlyElementsOf(expected);
    }

    @Test
    void theTestReaderReadsGcabsOwnCabinets() throws Exception {
        // the reader's checksum and MSZIP decoding checked against an independent writer
        Path src = Files.createDirectories(dir.resolve("gcab-src/sub"));
        byte[] random = CabFixture.random(99, 100_000);
        byte[] text = CabFixture.compressible(98, 250_000);
        byte[] small = "hello\n".getBytes(StandardCharsets.US_ASCII);
        Files.write(src.resolve("random.bin"), random);
        Files.write(src.resolve("text.txt"), text);
        Files.write(src.resolve("small"), small);
        Path made = dir.resolve("gcab-made.cab");
        Run r = run(src, "gcab", "-c", "-z", made.toString(), "random.bin", "text.txt", "small");
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        CabReader.Cabinet cab = CabReader.read(Files.readAllBytes(made));
        assertThat(cab.folders()).extracting(CabReader.Folder::typeCompress).containsOnly(1);
        assertThat(cab.content("random.bin")).isEqualTo(random);
        assertThat(cab.content("text.txt")).isEqualTo(text);
        assertThat(cab.content("small")).isEqualTo(small);
    }
}
