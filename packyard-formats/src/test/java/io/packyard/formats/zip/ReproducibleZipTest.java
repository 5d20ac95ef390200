package io.packyard.formats.zip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.packyard.formats.testkit.Cmd;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ZIP writer on its own: headers, Zip64, stored fallback, determinism. */
class ReproducibleZipTest {
    private static final long EPOCH = 1_700_000_001L; // 2023-11-14 22:13:21 UTC: an odd second

    @TempDir
    static Path shared;

    @TempDir
    Path tmp;

    /** A file larger than what is compressed in memory, half text (deflates) and... all text. */
    static Path bigText;
    /** A file larger than what is compressed in memory, random bytes (does not deflate). */
    static Path bigRandom;
    static Path smallRandom;

    @BeforeAll
    static void inputs() throws IOException {
        bigText = shared.resolve("big.txt");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; sb.length() <= ReproducibleZip.PARALLEL_MAX_SIZE + 100_000; i++) {
            sb.append("line ").append(i).append(" of a large text file that deflates well\n");
        }
        Files.writeString(bigText, sb);
        Random r = new Random(42);
        byte[] rnd = new byte[ReproducibleZip.PARALLEL_MAX_SIZE + 12_345];
        r.nextBytes(rnd);
        bigRandom = Files.write(shared.resolve("big.bin"), rnd);
        byte[] small = new byte[5000];
        r.nextBytes(small);
        smallRandom = Files.write(shared.resolve("small.bin"), small);
    }

    private Path write(String name, int threads, long sizeLimit, int countLimit, Writer w) throws IOException {
        Path out = tmp.resolve(name);
        try (ReproducibleZip zip = new ReproducibleZip(out, EPOCH, 9, threads, null, sizeLimit, countLimit)) {
            w.write(zip);
            zip.finish();
        }
        return out;
    }

    private interface Writer {
        void write(ReproducibleZip zip) throws IOException;
    }

    private void sample(ReproducibleZip zip) throws IOException {
        zip.directory("top/");
        zip.directory("top/empty/");
        zip.file("top/café ü 日本.txt", 0644, "non-ASCII name\n".getBytes(StandardCharsets.UTF_8));
        zip.file("top/empty.txt", 0644, new byte[0]);
        zip.file("top/big.txt", 0644, bigText, Files.size(bigText));
        zip.file("top/big.bin", 0644, bigRandom, Files.size(bigRandom));
        zip.file("top/small.bin", 0644, smallRandom, Files.size(smallRandom));
        zip.file("top/dep-1.0-py3-none-any.whl", 0644, "not really a wheel, but named like one ".repeat(50)
                .getBytes(StandardCharsets.US_ASCII));
        for (int i = 0; i < 300; i++) {
            zip.file("top/many/f" + i + ".py", 0644, ("print(" + i + ")\n").repeat(i + 1).getBytes(StandardCharsets.US_ASCII));
        }
    }

    @Test
    void headersHoldOneDosTimeUtf8NamesAndNoExtraFields() throws IOException {
        Path out = write("a.zip", 4, 0xFFFFFFFFL, 0xFFFF, this::sample);
        ZipStructure.Archive a = ZipStructure.read(out);
        assertThat(a.zip64End()).isFalse();
        assertThat(a.comment()).isEmpty();
        // 2023-11-14 22:13:21 UTC -> 22:13:20 (DOS time counts 2-second units)
        int time = (22 << 11) | (13 << 5) | (20 / 2);
        int date = ((2023 - 1980) << 9) | (11 << 5) | 14;
        for (ZipStructure.Entry e : a.entries()) {
            assertThat(e.dosTime()).as(e.name()).isEqualTo(time);
            assertThat(e.localDosTime()).isEqualTo(time);
            assertThat(e.dosDate()).isEqualTo(date);
            assertThat(e.localDosDate()).isEqualTo(date);
            assertThat(e.flags()).as("UTF-8 flag only, no data descriptor").isEqualTo(0x0800);
            assertThat(e.localFlags()).isEqualTo(0x0800);
            assertThat(e.centralExtra()).isEmpty();
            assertThat(e.localExtra()).isEmpty();
            assertThat(e.madeBy() >> 8).as("Unix host").isEqualTo(3);
            assertThat(e.localCrc()).isEqualTo(e.crc());
            assertThat(e.localSize()).isEqualTo(e.size());
            assertThat(e.localCompressedSize()).isEqualTo(e.compressedSize());
            assertThat(e.localMethod()).isEqualTo(e.method());
            assertThat(e.localVersionNeeded()).isEqualTo(e.versionNeeded());
            boolean dir = e.name().endsWith("/");
            assertThat(e.externalAttributes()).isEqualTo(dir ? (0040755 << 16) | 0x10 : 0100644 << 16);
            assertThat(e.versionNeeded()).isEqualTo(dir || e.method() == 8 ? 20 : 10);
        }
        assertThat(a.entries().stream().map(ZipStructure.Entry::name).toList()).startsWith("top/", "top/empty/",
                "top/café ü 日本.txt", "top/empty.txt", "top/big.txt");
        assertThat(method(a, "top/big.txt")).as("large text deflates, streamed").isEqualTo(8);
        assertThat(method(a, "top/big.bin")).as("large random data falls back to stored").isZero();
        assertThat(method(a, "top/small.bin")).as("small random data falls back to stored").isZero();
        assertThat(method(a, "top/dep-1.0-py3-none-any.whl")).as("compressed formats are stored").isZero();
        assertThat(method(a, "top/many/f299.py")).isEqualTo(8);
        assertThat(method(a, "top/empty.txt")).isZero();

        assertContentMatches(out);
    }

    @Test
    void theSameInputsGiveTheSameBytesWhateverTheThreadCount() throws IOException {
        Path one = write("one.zip", 1, 0xFFFFFFFFL, 0xFFFF, this::sample);
        Path four = write("four.zip", 4, 0xFFFFFFFFL, 0xFFFF, this::sample);
        assertThat(Files.readAllBytes(one)).isEqualTo(Files.readAllBytes(four));
    }

    @Test
    void zip64RecordsWhereSizesOffsetsAndTheCountOverflow() throws IOException {
        // thresholds lowered to 1000 bytes and 10 entries, so small archives need every Zip64 record
        Path out = write("z64.zip", 4, 1000, 10, this::sample);
        ZipStructure.Archive a = ZipStructure.read(out);
        assertThat(a.zip64End()).isTrue();
        assertThat(a.entryCount()).isEqualTo(308);
        ZipStructure.Entry big = a.entries().stream().filter(e -> e.name().equals("top/big.txt")).findFirst().orElseThrow();
        assertThat(big.versionNeeded()).isEqualTo(45);
        assertThat(big.localExtra()).hasSize(20);
        assertThat(big.localSize()).isEqualTo(Files.size(bigText));
        assertThat(big.localCompressedSize()).isEqualTo(big.compressedSize()).isLessThan(big.size());
        ZipStructure.Entry last = a.entries().get(a.entries().size() - 1);
        assertThat(last.offset()).isGreaterThan(1000);
        assertThat(last.centralExtra()).as("zip64 extra with the offset").isNotEmpty();
        assertContentMatches(out);
    }

    @Test
    void moreThan65535EntriesGetAZip64EndRecord() throws IOException {
        int n = 70_000;
        Path out = write("many.zip", 2, 0xFFFFFFFFL, 0xFFFF, zip -> {
            zip.directory("d/");
            for (int i = 0; i < n; i++) {
                zip.file("d/" + i, 0644, new byte[] {(byte) i});
            }
        });
        ZipStructure.Archive a = ZipStructure.read(out);
        assertThat(a.zip64End()).isTrue();
        assertThat(a.entryCount()).isEqualTo(n + 1);
        try (ZipFile z = new ZipFile(out.toFile())) {
            assertThat(z.size()).isEqualTo(n + 1);
            assertThat(z.getInputStream(z.getEntry("d/69999")).readAllBytes()).containsExactly((byte) 69999);
        }
    }

    @Test
    @Tag("system")
    void unzipAndPythonAcceptZip64Archives() throws IOException {
        Path out = write("z64.zip", 4, 1000, 10, this::sample);
        String t = Cmd.run("unzip", "-t", out.toString()).ok().stdout();
        assertThat(t).contains("No errors detected", "testing: top/big.txt", "OK");
        String py = Cmd.run("python3", "-c", """
                import sys, zipfile, zlib
                with zipfile.ZipFile(sys.argv[1]) as z:
                    assert z.testzip() is None
                    print(len(z.infolist()), z.getinfo('top/big.bin').file_size, z.getinfo('top/big.txt').compress_type)
                """, out.toString()).ok().stdout();
        assertThat(py.strip()).isEqualTo("308 " + Files.size(bigRandom) + " 8");
    }

    @Test
    void dosTimeIsClampedAndRoundedDown() {
        assertThat(ReproducibleZip.dosRange(0)).isEqualTo(LocalDateTime.of(1980, 1, 1, 0, 0, 0));
        assertThat(ReproducibleZip.dosRange(315532800L)).isEqualTo(LocalDateTime.of(1980, 1, 1, 0, 0, 0));
        assertThat(ReproducibleZip.dosRange(EPOCH)).isEqualTo(LocalDateTime.of(2023, 11, 14, 22, 13, 20));
        assertThat(ReproducibleZip.dosRange(5_000_000_000L)).isEqualTo(LocalDateTime.of(2107, 12, 31, 23, 59, 58));
    }

    @Test
    void badNamesAndDuplicatesAreRefused() throws IOException {
        Path out = tmp.resolve("bad.zip");
        try (ReproducibleZip zip = new ReproducibleZip(out, EPOCH, 9, 1, null)) {
            zip.file("a.txt", 0644, new byte[0]);
            assertThatThrownBy(() -> zip.file("a.txt", 0644, new byte[0])).hasMessage("duplicate zip entry: a.txt");
            assertThatThrownBy(() -> zip.file("/abs", 0644, new byte[0])).hasMessage("bad zip entry name: /abs");
            assertThatThrownBy(() -> zip.file("back\\slash", 0644, new byte[0])).hasMessage("bad zip entry name: back\\slash");
            assertThatThrownBy(() -> zip.directory("nodir")).hasMessage("directory name must end with /: nodir");
        }
    }

    @Test
    void aFileThatChangedSizeSinceTheScanIsAnError() throws IOException {
        Path f = Files.writeString(tmp.resolve("f.txt"), "four");
        Path out = tmp.resolve("changed.zip");
        try (ReproducibleZip zip = new ReproducibleZip(out, EPOCH, 9, 2, null)) {
            zip.file("f.txt", 0644, f, 3);
            assertThatThrownBy(zip::finish).hasMessage(f + ": the file changed size while it was being archived");
        }
    }

    private static int method(ZipStructure.Archive a, String name) {
        return a.entries().stream().filter(e -> e.name().equals(name)).findFirst().orElseThrow().method();
    }

    /** Java's reader agrees on every entry, and contents and CRCs are right. */
    private static void assertContentMatches(Path out) throws IOException {
        try (ZipFile z = new ZipFile(out.toFile(), StandardCharsets.UTF_8)) {
            List<String> names = new ArrayList<>();
            for (ZipEntry e : Collections.list(z.entries())) {
                names.add(e.getName());
                try (InputStream in = z.getInputStream(e)) {
                    byte[] data = in.readAllBytes();
                    CRC32 crc = new CRC32();
                    crc.update(data);
                    assertThat(crc.getValue()).as(e.getName()).isEqualTo(e.getCrc());
                    assertThat((long) data.length).isEqualTo(e.getSize());
                }
            }
            assertThat(names).contains("top/café ü 日本.txt", "top/many/f0.py");
            try (InputStream in = z.getInputStream(z.getEntry("top/big.bin"))) {
                assertThat(in.readAllBytes()).isEqualTo(Files.readAllBytes(bigRandom));
            }
            try (InputStream in = z.getInputStream(z.getEntry("top/big.txt"))) {
                assertThat(in.readAllBytes()).isEqualTo(Files.readAllBytes(bigText));
            }
        }
    }
}
