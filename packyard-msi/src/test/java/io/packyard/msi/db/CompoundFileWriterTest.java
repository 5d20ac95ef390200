package io.packyard.msi.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.poi.poifs.filesystem.DocumentEntry;
import org.apache.poi.poifs.filesystem.DocumentInputStream;
import org.apache.poi.poifs.filesystem.Entry;
import org.apache.poi.poifs.filesystem.POIFSFileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The compound file is read back with Apache POI, an independent reader, and its directory tree checked. */
class CompoundFileWriterTest {

    @TempDir
    Path tmp;

    @Test
    void streamsOfEverySizeClassReadBackExactly() throws IOException {
        Random r = new Random(7);
        Map<String, byte[]> streams = new LinkedHashMap<>();
        int[] sizes = {0, 1, 63, 64, 65, 511, 512, 513, 4095, 4096, 4097, 70_000, 1_000_003};
        for (int size : sizes) {
            byte[] b = new byte[size];
            r.nextBytes(b);
            streams.put("s" + size, b);
        }
        Map<String, byte[]> read = roundTrip(streams);
        assertThat(read.keySet()).containsExactlyInAnyOrderElementsOf(streams.keySet());
        for (var e : streams.entrySet()) {
            assertThat(read.get(e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
        }
    }

    @Test
    void manyEntriesSpanSeveralDirectorySectorsAndFormAValidRedBlackTree() throws IOException {
        for (int n : new int[] {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 100, 333}) {
            Map<String, byte[]> streams = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                streams.put("Entry" + (i * 7919 % 1000) + "x" + i, ("content " + i).getBytes(StandardCharsets.US_ASCII));
            }
            byte[] file = write(streams);
            assertThat(roundTrip(file)).as("n=%d", n).hasSize(n);
            checkTree(file, n);
        }
    }

    @Test
    void largeFilesUseDifatSectors() throws IOException {
        // more than 109 FAT sectors (109 * 128 sectors * 512 bytes = 6.8 MiB) need DIFAT sectors
        Path big = tmp.resolve("big.bin");
        byte[] chunk = new byte[1 << 20];
        new Random(3).nextBytes(chunk);
        try (OutputStream o = Files.newOutputStream(big)) {
            for (int i = 0; i < 9; i++) {
                chunk[0] = (byte) i;
                o.write(chunk);
            }
        }
        CompoundFileWriter w = new CompoundFileWriter(MsiWriter.MSI_PACKAGE_CLSID);
        w.add("big", BinaryValue.of(big));
        w.add("small", BinaryValue.of(new byte[] {1, 2, 3}));
        Path out = tmp.resolve("out.cfb");
        try (OutputStream o = Files.newOutputStream(out)) {
            w.write(o);
        }
        ByteBuffer header = ByteBuffer.wrap(Files.readAllBytes(out), 0, 512).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(header.getInt(0x2C)).as("FAT sectors").isGreaterThan(109);
        assertThat(header.getInt(0x48)).as("DIFAT sectors").isEqualTo(1);
        try (POIFSFileSystem fs = new POIFSFileSystem(out.toFile(), true)) {
            assertThat(fs.getRoot().getStorageClsid().toString()).isEqualTo("{000C1084-0000-0000-C000-000000000046}");
            try (DocumentInputStream in = fs.createDocumentInputStream("big"); InputStream expected = Files.newInputStream(big)) {
                assertThat(in.readAllBytes()).isEqualTo(expected.readAllBytes());
            }
            try (DocumentInputStream in = fs.createDocumentInputStream("small")) {
                assertThat(in.readAllBytes()).containsExactly(1, 2, 3);
            }
        }
    }

    @Test
    void aSourceThatChangesSizeIsAnError() throws IOException {
        Path f = tmp.resolve("f.bin");
        Files.write(f, new byte[5000]);
        CompoundFileWriter w = new CompoundFileWriter(MsiWriter.MSI_PACKAGE_CLSID);
        w.add("f", BinaryValue.of(f));
        Files.write(f, new byte[4000]);
        assertThatThrownBy(() -> w.write(new ByteArrayOutputStream()))
                .isInstanceOf(IOException.class)
                .hasMessage("stream f: source has 4000 bytes, expected 5000");
    }

    @Test
    void namesDifferingOnlyInCaseAreRefused() throws IOException {
        CompoundFileWriter w = new CompoundFileWriter(MsiWriter.MSI_PACKAGE_CLSID);
        w.add("abc", BinaryValue.of(new byte[1]));
        w.add("ABC", BinaryValue.of(new byte[1]));
        assertThatThrownBy(() -> w.write(new ByteArrayOutputStream()))
                .hasMessageContaining("two streams have the same name (ignoring case)");
    }

    private static byte[] write(Map<String, byte[]> streams) throws IOException {
        CompoundFileWriter w = new CompoundFileWriter(MsiWriter.MSI_PACKAGE_CLSID);
        for (var e : streams.entrySet()) {
            w.add(e.getKey(), BinaryValue.of(e.getValue()));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        w.write(out);
        assertThat(out.size() % 512).isZero();
        return out.toByteArray();
    }

    private Map<String, byte[]> roundTrip(Map<String, byte[]> streams) throws IOException {
        return roundTrip(write(streams));
    }

    private Map<String, byte[]> roundTrip(byte[] file) throws IOException {
        Path p = Files.createTempFile(tmp, "cfb", ".bin");
        Files.write(p, file);
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (POIFSFileSystem fs = new POIFSFileSystem(p.toFile(), true)) {
            for (Entry e : fs.getRoot()) {
                assertThat(e).isInstanceOf(DocumentEntry.class);
                try (DocumentInputStream in = fs.createDocumentInputStream(e.getName())) {
                    out.put(e.getName(), in.readAllBytes());
                }
            }
        }
        return out;
    }

    /** Every child reachable from the root, in order, with equal black heights and no red-red edge. */
    private static void checkTree(byte[] file, int n) {
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        int dirStart = b.getInt(0x30);
        int[] fat = readFat(b);
        List<Integer> sectors = new ArrayList<>();
        for (int s = dirStart; s != CompoundFileWriter.ENDOFCHAIN; s = fat[s]) {
            sectors.add(s);
        }
        int entries = sectors.size() * 4;
        String[] names = new String[entries];
        int[] left = new int[entries];
        int[] right = new int[entries];
        int[] color = new int[entries];
        int rootChild = -1;
        for (int i = 0; i < entries; i++) {
            int off = 512 + sectors.get(i / 4) * 512 + (i % 4) * 128;
            int nameLen = b.getShort(off + 64);
            names[i] = nameLen > 2 ? new String(file, off, nameLen - 2, StandardCharsets.UTF_16LE) : "";
            color[i] = file[off + 67];
            left[i] = b.getInt(off + 68);
            right[i] = b.getInt(off + 72);
            if (i == 0) {
                rootChild = b.getInt(off + 76);
            }
        }
        List<String> inorder = new ArrayList<>();
        assertThat(color[rootChild]).as("root of the tree is black").isEqualTo(1);
        blackHeight(rootChild, names, left, right, color, inorder);
        assertThat(inorder).hasSize(n);
        for (int i = 1; i < inorder.size(); i++) {
            assertThat(CompoundFileWriter.compareNames(inorder.get(i - 1), inorder.get(i))).isNegative();
        }
    }

    private static int blackHeight(int node, String[] names, int[] left, int[] right, int[] color, List<String> inorder) {
        if (node == -1) {
            return 1;
        }
        if (color[node] == 0) {
            for (int child : new int[] {left[node], right[node]}) {
                if (child != -1) {
                    assertThat(color[child]).as("red node %s has a red child", names[node]).isEqualTo(1);
                }
            }
        }
        int l = blackHeight(left[node], names, left, right, color, inorder);
        inorder.add(names[node]);
        int r = blackHeight(right[node], names, left, right, color, inorder);
        assertThat(l).as("black heights under %s", names[node]).isEqualTo(r);
        return l + color[node];
    }

    private static int[] readFat(ByteBuffer b) {
        int fatSectors = b.getInt(0x2C);
        int[] fat = new int[fatSectors * 128];
        for (int i = 0; i < fatSectors && i < 109; i++) {
            int sector = b.getInt(0x4C + 4 * i);
            for (int k = 0; k < 128; k++) {
                fat[i * 128 + k] = b.getInt(512 + sector * 512 + 4 * k);
            }
        }
        return fat;
    }
}
