package io.packyard.msi.cab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.packyard.python.PackyardException;
import io.packyard.python.util.Progress;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class CabinetWriterTest {

    @TempDir
    static Path shared;

    static CabFixture fixture;

    @TempDir
    Path tmp;

    @BeforeAll
    static void createFixture() throws IOException {
        fixture = CabFixture.standard(shared.resolve("fixture"));
    }

    private static CabinetWriter.Builder builder(Compression compression, int threads) {
        return CabinetWriter.builder().compression(compression).threads(threads);
    }

    private static CabReader.Cabinet read(Path cab) throws IOException {
        return CabReader.read(Files.readAllBytes(cab));
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void roundTripsEveryFileByteForByte(Compression compression) throws IOException {
        Path out = tmp.resolve("out.cab");
        CabinetResult result = fixture.addTo(builder(compression, 2).build()).write(out);

        CabReader.Cabinet cab = read(out);
        assertThat(cab.contents().keySet()).containsExactlyElementsOf(fixture.expected.keySet());
        for (var e : fixture.expected.entrySet()) {
            assertThat(cab.content(e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
        }
        // the result is what the MSI tables need, and agrees with the cabinet itself
        assertThat(result.cabinetSize()).isEqualTo(Files.size(out)).isEqualTo(cab.header().cbCabinet());
        assertThat(result.folderCount()).isEqualTo(1).isEqualTo(cab.folders().size());
        assertThat(result.blockCount()).isEqualTo(cab.folders().getFirst().cCFData());
        assertThat(result.uncompressedSize()).isEqualTo(fixture.totalBytes());
        assertThat(result.blockCount()).isEqualTo((fixture.totalBytes() + 32767) / 32768);
        assertThat(result.compression()).isEqualTo(compression);
        assertThat(cab.folders().getFirst().typeCompress()).isEqualTo(compression.typeCompress());
        assertThat(result.files()).hasSize(fixture.items.size());
        for (int i = 0; i < fixture.items.size(); i++) {
            CabFixture.Item item = fixture.items.get(i);
            CabinetResult.CabinetFile file = result.files().get(i);
            CabReader.Entry entry = cab.files().get(i);
            assertThat(file.name()).isEqualTo(item.name()).isEqualTo(entry.name());
            assertThat(file.sequence()).isEqualTo(i + 1);
            assertThat(file.size()).isEqualTo(fixture.expected.get(item.name()).length).isEqualTo(entry.size());
            assertThat(file.folder()).isEqualTo(entry.folder());
            assertThat(file.offsetInFolder()).isEqualTo(entry.offset());
            DosDateTime stamp = DosDateTime.fromEpochSecond(CabFixture.EPOCH);
            assertThat(entry.date()).isEqualTo(stamp.date());
            assertThat(entry.time()).isEqualTo(stamp.time());
            boolean nonAscii = !StandardCharsets.US_ASCII.newEncoder().canEncode(item.name());
            assertThat(entry.utf8()).as(item.name()).isEqualTo(nonAscii);
            assertThat(entry.attribs()).isEqualTo(item.attributes() | (nonAscii ? CabAttributes.NAME_IS_UTF : 0));
        }
        assertThat(result.firstSequence()).isEqualTo(1);
        assertThat(result.lastSequence()).isEqualTo(fixture.items.size());
        if (compression == Compression.MSZIP) {
            assertThat(result.cabinetSize()).isLessThan(fixture.totalBytes() * 3 / 4);
        } else {
            assertThat(result.cabinetSize()).isGreaterThan(fixture.totalBytes());
        }
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void outputIsTheSameForAnyThreadCountAndEveryRun(Compression compression) throws IOException {
        byte[] first = null;
        for (int threads : new int[] {1, 2, 3, 4, 8}) {
            Path out = tmp.resolve("t" + threads + ".cab");
            fixture.addTo(builder(compression, threads).build()).write(out);
            byte[] bytes = Files.readAllBytes(out);
            if (first == null) {
                first = bytes;
            } else {
                assertThat(bytes).as("threads=" + threads).isEqualTo(first);
            }
        }
        // the same writer written again, to a stream and to a channel at an offset
        CabinetWriter writer = fixture.addTo(builder(compression, 4).build());
        writer.write(tmp.resolve("again.cab"));
        assertThat(Files.readAllBytes(tmp.resolve("again.cab"))).isEqualTo(first);
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        CabinetResult viaStream = writer.write(stream);
        assertThat(stream.toByteArray()).isEqualTo(first);
        assertThat(viaStream.cabinetSize()).isEqualTo(first.length);
        Path channelFile = tmp.resolve("channel.bin");
        try (FileChannel ch = FileChannel.open(channelFile, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(new byte[] {1, 2, 3}));
            writer.write(ch);
            assertThat(ch.position()).isEqualTo(3L + first.length);
        }
        byte[] withPrefix = Files.readAllBytes(channelFile);
        assertThat(Arrays.copyOfRange(withPrefix, 3, withPrefix.length)).isEqualTo(first);
    }

    @Test
    void mszipBlocksUseThePreviousBlockAsDictionary() throws IOException {
        // 20000 random bytes, repeated: every block after the first is back-references to the
        // previous block, so it compresses to almost nothing only if the previous block is its
        // history (zlib reaches back at most 32506 bytes, so the period is below that)
        byte[] unit = CabFixture.random(42, 20_000);
        byte[] content = new byte[4 * 32768];
        for (int i = 0; i < content.length; i++) {
            content[i] = unit[i % unit.length];
        }
        Path out = tmp.resolve("dict.cab");
        builder(Compression.MSZIP, 3).build().add("repeated", content, CabFixture.EPOCH, 0).write(out);
        CabReader.Cabinet cab = read(out);
        List<CabReader.Block> blocks = cab.folders().getFirst().blocks();
        assertThat(blocks).hasSize(4);
        assertThat(blocks.get(0).cbData()).isGreaterThan(20_000);
        for (int i = 1; i < 4; i++) {
            assertThat(blocks.get(i).cbData()).as("block " + i).isLessThan(1024);
        }
        assertThat(cab.content("repeated")).isEqualTo(content);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 9})
    void everyLevelRoundTripsAndStaysWithinTheMszipBlockLimit(int level) throws IOException {
        Path out = tmp.resolve("level.cab");
        byte[] random = CabFixture.random(7, 200_000);
        byte[] text = CabFixture.compressible(8, 200_000);
        CabinetResult result = CabinetWriter.builder().level(level).threads(2).build()
                .add("random", random, CabFixture.EPOCH, 0)
                .add("text", text, CabFixture.EPOCH, 0)
                .write(out);
        CabReader.Cabinet cab = read(out); // checks cbData <= 32 KiB + 12 for every block
        assertThat(cab.content("random")).isEqualTo(random);
        assertThat(cab.content("text")).isEqualTo(text);
        if (level > 0) {
            assertThat(result.cabinetSize()).isLessThan(random.length + text.length / 2);
        }
    }

    @Test
    void aFullFolderMakesTheNextFileStartANewFolder() throws IOException {
        // 3 blocks per folder: 98304 bytes
        byte[] a = CabFixture.random(10, 50_000);
        byte[] b = CabFixture.compressible(11, 40_000);
        byte[] c = CabFixture.random(12, 10_000); // a + b + c > 98304: new folder
        // c + d > 98304: new folder, which d fills exactly; d starts with c's bytes, so a writer
        // that carried c's block over as d's dictionary would emit references the reader rejects
        byte[] d = CabFixture.compressible(13, 98_304);
        System.arraycopy(c, 0, d, 0, c.length);
        byte[] e = new byte[0]; // still fits in d's full folder
        byte[] f = {'f'}; // does not
        for (Compression compression : Compression.values()) {
            Path out = tmp.resolve("rollover-" + compression + ".cab");
            CabinetWriter writer = CabinetWriter.builder().compression(compression).threads(2).maxBlocksPerFolder(3).build();
            writer.add("a", a, CabFixture.EPOCH, 0).add("b", b, CabFixture.EPOCH, 0).add("c", c, CabFixture.EPOCH, 0)
                    .add("d", d, CabFixture.EPOCH, 0).add("e", e, CabFixture.EPOCH, 0).add("f", f, CabFixture.EPOCH, 0);
            CabinetResult result = writer.write(out);
            assertThat(result.folderCount()).isEqualTo(4);
            assertThat(result.files()).extracting(CabinetResult.CabinetFile::folder).containsExactly(0, 0, 1, 2, 2, 3);
            assertThat(result.files()).extracting(CabinetResult.CabinetFile::offsetInFolder)
                    .containsExactly(0L, 50_000L, 0L, 0L, 98_304L, 0L);
            assertThat(result.files()).extracting(CabinetResult.CabinetFile::sequence).containsExactly(1, 2, 3, 4, 5, 6);

            // the reader starts each folder without history: a writer that carried the
            // dictionary over a folder boundary would fail here
            CabReader.Cabinet cab = read(out);
            assertThat(cab.folders()).extracting(CabReader.Folder::cCFData).containsExactly(3, 1, 3, 1);
            assertThat(cab.folders()).allSatisfy(folder -> assertThat(folder.typeCompress()).isEqualTo(compression.typeCompress()));
            assertThat(cab.content("a")).isEqualTo(a);
            assertThat(cab.content("b")).isEqualTo(b);
            assertThat(cab.content("c")).isEqualTo(c);
            assertThat(cab.content("d")).isEqualTo(d);
            assertThat(cab.content("e")).isEqualTo(e);
            assertThat(cab.content("f")).isEqualTo(f);
            assertThat(result.blockCount()).isEqualTo(8);
        }
    }

    @Test
    void aFileLargerThanAFolderIsRefusedNamingTheLimit() throws IOException {
        Path big = tmp.resolve("big.bin");
        Files.write(big, new byte[2 * 32768 + 1]);
        CabinetWriter writer = CabinetWriter.builder().maxBlocksPerFolder(2).label("app.msi: #app.cab").build();
        assertThatThrownBy(() -> writer.add("fbig", big, CabFixture.EPOCH, 0))
                .isInstanceOf(PackyardException.class)
                .satisfies(t -> assertThat(((PackyardException) t).kind()).isEqualTo(PackyardException.Kind.BUILD))
                .hasMessageContaining("app.msi: #app.cab: ")
                .hasMessageContaining("fbig (" + big + ")")
                .hasMessageContaining("65537 bytes")
                .hasMessageContaining("at most 65536 bytes");
        assertThat(writer.fileCount()).isZero();
        // the real limit, 65535 blocks of 32 KiB, is checked when the file is added
        assertThat(CabinetWriter.MAX_FILE_SIZE).isEqualTo(0x7FFF8000L);
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void aCabinetOverTheSizeLimitFailsAndLeavesNothingBehind(Compression compression) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("limit"));
        Path out = dir.resolve("big.cab");
        CabinetWriter writer = CabinetWriter.builder().compression(compression).threads(2).maxCabinetSize(200_000).build();
        writer.add("random", CabFixture.random(20, 300_000), CabFixture.EPOCH, 0);
        assertThatThrownBy(() -> writer.write(out))
                .isInstanceOf(PackyardException.class)
                .hasMessageStartingWith("big.cab: the cabinet grows to ")
                .hasMessageContaining("one cabinet is at most 200000 bytes")
                .hasMessageContaining("split the files over several cabinets");
        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left).isEmpty();
        }
        // just under the limit is fine
        CabinetWriter small = CabinetWriter.builder().compression(compression).maxCabinetSize(200_000).build();
        small.add("random", CabFixture.random(20, 150_000), CabFixture.EPOCH, 0);
        assertThat(small.write(out).cabinetSize()).isLessThanOrEqualTo(200_000);
    }

    @Test
    void theMaximumNumberOfFilesIsWritableAndOneMoreIsRefused() throws IOException {
        CabinetWriter writer = CabinetWriter.builder().threads(1).build();
        byte[] one = {1};
        for (int i = 0; i < CabinetWriter.MAX_FILES; i++) {
            writer.add("f" + i, i % 1000 == 0 ? one : new byte[0], CabFixture.EPOCH, 0);
        }
        assertThatThrownBy(() -> writer.add("one-too-many", new byte[0], CabFixture.EPOCH, 0))
                .isInstanceOf(PackyardException.class)
                .hasMessageContaining("more than 65535 files");
        Path out = tmp.resolve("max.cab");
        CabinetResult result = writer.write(out);
        assertThat(result.lastSequence()).isEqualTo(65535);
        CabReader.Cabinet cab = read(out);
        assertThat(cab.header().cFiles()).isEqualTo(65535);
        assertThat(cab.content("f65000")).containsExactly(1);
        assertThat(cab.content("f65534")).isEmpty();
    }

    @Test
    void namesAreValidated() {
        CabinetWriter writer = CabinetWriter.builder().build();
        writer.add("a".repeat(255), new byte[0], CabFixture.EPOCH, 0);
        assertThatThrownBy(() -> writer.add("b".repeat(256), new byte[0], CabFixture.EPOCH, 0))
                .isInstanceOf(PackyardException.class)
                .hasMessageContaining("is 256 bytes; cabinet file names are at most 255 bytes");
        // 128 two-byte characters: 128 chars but 256 bytes of UTF-8
        assertThatThrownBy(() -> writer.add("é".repeat(128), new byte[0], CabFixture.EPOCH, 0))
                .isInstanceOf(PackyardException.class)
                .hasMessageContaining("256 bytes in UTF-8");
        writer.add("é".repeat(127), new byte[0], CabFixture.EPOCH, 0);
        assertThatThrownBy(() -> writer.add("", new byte[0], CabFixture.EPOCH, 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> writer.add("a\0b", new byte[0], CabFixture.EPOCH, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NUL");
        assertThatThrownBy(() -> writer.add("bad\uD800", new byte[0], CabFixture.EPOCH, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("surrogate");
        assertThatThrownBy(() -> writer.add("a".repeat(255), new byte[0], CabFixture.EPOCH, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("already in the cabinet");
        assertThatThrownBy(() -> writer.add("attr", new byte[0], CabFixture.EPOCH, CabAttributes.NAME_IS_UTF))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("attributes 0x80");
        assertThat(writer.fileCount()).isEqualTo(2);
    }

    @Test
    void aFileThatChangesSizeBeforeItIsReadFailsTheWrite() throws IOException {
        Path source = tmp.resolve("grows.txt");
        Files.write(source, new byte[1000]);
        CabinetWriter writer = CabinetWriter.builder().build().add("grows", source, CabFixture.EPOCH, 0);
        Files.write(source, new byte[10], StandardOpenOption.APPEND);
        assertThatThrownBy(() -> writer.write(tmp.resolve("x.cab")))
                .isInstanceOf(PackyardException.class)
                .hasMessageContaining("grows (" + source + ") changed while the cabinet was written: it had 1000 bytes when added, 1010 bytes when read");
        Files.write(source, new byte[500]);
        assertThatThrownBy(() -> writer.write(tmp.resolve("x.cab")))
                .isInstanceOf(PackyardException.class)
                .hasMessageContaining("1000 bytes when added, 500 bytes when read");
        assertThat(tmp.resolve("x.cab")).doesNotExist();
    }

    @Test
    void directoriesAndMissingFilesAreRefused() {
        CabinetWriter writer = CabinetWriter.builder().build();
        assertThatThrownBy(() -> writer.add("d", tmp, CabFixture.EPOCH, 0))
                .isInstanceOf(PackyardException.class).hasMessageContaining("is not a regular file");
        assertThatThrownBy(() -> writer.add("m", tmp.resolve("missing"), CabFixture.EPOCH, 0))
                .isInstanceOf(PackyardException.class).hasMessageContaining("is not a regular file");
    }

    @Test
    void anEmptyCabinetIsRefused() {
        assertThatThrownBy(() -> CabinetWriter.builder().build().write(tmp.resolve("empty.cab")))
                .isInstanceOf(PackyardException.class)
                .hasMessageContaining("needs at least one file");
    }

    @Test
    void aCabinetOfEmptyFilesHasOneFolderWithoutBlocks() throws IOException {
        Path out = tmp.resolve("empties.cab");
        CabinetResult result = CabinetWriter.builder().build()
                .add("a", new byte[0], CabFixture.EPOCH, 0).add("b", new byte[0], CabFixture.EPOCH, 0).write(out);
        assertThat(result.folderCount()).isEqualTo(1);
        assertThat(result.blockCount()).isZero();
        CabReader.Cabinet cab = read(out);
        assertThat(cab.content("a")).isEmpty();
        assertThat(cab.content("b")).isEmpty();
    }

    @Test
    void progressCountsUncompressedBytesUpToTheTotal() throws IOException {
        List<long[]> calls = new ArrayList<>();
        Progress progress = new Progress() {
            @Override
            public void step(String message) {}

            @Override
            public void advance(long done, long total) {
                calls.add(new long[] {done, total});
            }
        };
        fixture.addTo(builder(Compression.MSZIP, 4).progress(progress).build()).write(tmp.resolve("p.cab"));
        long total = fixture.totalBytes();
        assertThat(calls).isNotEmpty();
        assertThat(calls).allSatisfy(c -> assertThat(c[1]).isEqualTo(total));
        assertThat(calls.getFirst()[0]).isZero();
        assertThat(calls.getLast()[0]).isEqualTo(total);
        for (int i = 1; i < calls.size(); i++) {
            assertThat(calls.get(i)[0]).isGreaterThan(calls.get(i - 1)[0]);
        }
        // several MiB: reported along the way, not only at the end, but not once per block
        assertThat(calls.size()).isBetween(4, (int) (total / 32768));
    }

    @Test
    void sequenceNumbersCanContinueFromAnEarlierCabinet() throws IOException {
        CabinetResult result = CabinetWriter.builder().firstSequence(41).build()
                .add("x", new byte[] {1}, CabFixture.EPOCH, 0).add("y", new byte[] {2}, CabFixture.EPOCH, 0)
                .write(tmp.resolve("seq.cab"));
        assertThat(result.files()).extracting(CabinetResult.CabinetFile::sequence).containsExactly(41, 42);
        assertThat(result.firstSequence()).isEqualTo(41);
        assertThat(result.lastSequence()).isEqualTo(42);
    }

    @Test
    void setIdAndDatesAreStoredAsGiven() throws IOException {
        Path out = tmp.resolve("dates.cab");
        long epoch = LocalDateTime.of(2024, 2, 29, 13, 45, 31).toEpochSecond(ZoneOffset.UTC);
        CabinetWriter.builder().setId(0xBEEF).build()
                .add("leap", new byte[] {1}, epoch, CabAttributes.ARCHIVE)
                .add("old", new byte[] {2}, 0L, CabAttributes.ARCHIVE)
                .write(out);
        CabReader.Cabinet cab = read(out);
        assertThat(cab.header().setId()).isEqualTo(0xBEEF);
        CabReader.Entry leap = cab.files().get(0);
        assertThat(leap.date()).isEqualTo(((2024 - 1980) << 9) | (2 << 5) | 29);
        assertThat(leap.time()).isEqualTo((13 << 11) | (45 << 5) | 15);
        CabReader.Entry old = cab.files().get(1);
        assertThat(old.date()).isEqualTo((1 << 5) | 1); // 1970 clamps to 1980-01-01
        assertThat(old.time()).isZero();
    }

    @Test
    void theReaderRejectsACorruptedBlock() throws IOException {
        // guards the guard: the structural checks above mean something only if the reader fails
        Path out = tmp.resolve("corrupt.cab");
        CabinetWriter.builder().build().add("text", CabFixture.compressible(3, 100_000), CabFixture.EPOCH, 0).write(out);
        byte[] cab = Files.readAllBytes(out);
        CabReader.read(cab);
        byte[] flipped = cab.clone();
        flipped[flipped.length - 10] ^= 0x10;
        assertThatThrownBy(() -> CabReader.read(flipped)).hasMessageContaining("checksum");
        byte[] truncated = Arrays.copyOf(cab, cab.length - 1);
        assertThatThrownBy(() -> CabReader.read(truncated)).hasMessageContaining("cbCabinet");
    }
}
