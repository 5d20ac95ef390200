package io.packyard.msi.cab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The files the cabinet tests write: sizes around the 32 KiB block boundary, a few MiB of random
 * and of compressible data, many small files, nested names and a UTF-8 name. Some come from files
 * on disk, some from byte arrays; contents are seeded, so every run writes the same files.
 */
final class CabFixture {
    static final long EPOCH = 1_700_000_000L;
    static final String UTF8_NAME = "données\\ünïcode-名前.txt";

    /** One file to add. */
    record Item(String name, Path path, byte[] content, int attributes) {}

    final List<Item> items;
    final Map<String, byte[]> expected;

    private CabFixture(List<Item> items, Map<String, byte[]> expected) {
        this.items = List.copyOf(items);
        this.expected = expected;
    }

    static byte[] random(long seed, int size) {
        byte[] b = new byte[size];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    /** Text-like data that compresses well but not trivially. */
    static byte[] compressible(long seed, int size) {
        SplittableRandom r = new SplittableRandom(seed);
        String[] words = {"import", "def", "return", "self", "packyard", "cabinet", "folder", "block", "python", "(", ")", ":", "\n    "};
        StringBuilder sb = new StringBuilder(size + 64);
        while (sb.length() < size) {
            sb.append(words[r.nextInt(words.length)]).append(r.nextInt(8) == 0 ? "\n" : " ");
        }
        return sb.substring(0, size).getBytes(StandardCharsets.US_ASCII);
    }

    /** The full set; files that come from disk are written under {@code dir}. */
    static CabFixture standard(Path dir) throws IOException {
        return standard(dir, 3 << 20);
    }

    static CabFixture standard(Path dir, int bigSize) throws IOException {
        Files.createDirectories(dir);
        List<Item> items = new ArrayList<>();
        Map<String, byte[]> expected = new LinkedHashMap<>();
        Builder b = new Builder(dir, items, expected);
        b.bytes("empty", new byte[0], CabAttributes.ARCHIVE);
        b.file("one", new byte[] {'x'}, CabAttributes.ARCHIVE);
        b.file("exactly-32768", random(1, 32768), CabAttributes.NONE);
        b.bytes("exactly-32769", random(2, 32769), CabAttributes.READ_ONLY);
        b.file("dir\\random.bin", random(3, bigSize), CabAttributes.ARCHIVE);
        b.file("dir\\sub\\text.py", compressible(4, bigSize + 12345), CabAttributes.ARCHIVE | CabAttributes.HIDDEN);
        b.bytes("empty-2", new byte[0], CabAttributes.NONE);
        b.bytes(UTF8_NAME, "ünïcode content\n".getBytes(StandardCharsets.UTF_8), CabAttributes.ARCHIVE);
        for (int i = 0; i < 300; i++) {
            byte[] content = ("small file " + i + "\n").repeat(1 + i % 7).getBytes(StandardCharsets.US_ASCII);
            if (i % 2 == 0) {
                b.file("many\\f" + i + ".txt", content, CabAttributes.ARCHIVE);
            } else {
                b.bytes("many\\f" + i + ".txt", content, CabAttributes.ARCHIVE);
            }
        }
        b.file("f1a2b3c4d5e6f708192a3b4c5d6e7f80", random(5, 70_000), CabAttributes.ARCHIVE);
        return new CabFixture(items, expected);
    }

    /** Adds every item to {@code writer} in order. */
    CabinetWriter addTo(CabinetWriter writer) throws IOException {
        for (Item item : items) {
            if (item.path() != null) {
                writer.add(item.name(), item.path(), EPOCH, item.attributes());
            } else {
                writer.add(item.name(), item.content(), EPOCH, item.attributes());
            }
        }
        return writer;
    }

    long totalBytes() {
        return expected.values().stream().mapToLong(b -> b.length).sum();
    }

    private record Builder(Path dir, List<Item> items, Map<String, byte[]> expected) {
        void bytes(String name, byte[] content, int attributes) {
            items.add(new Item(name, null, content, attributes));
            expected.put(name, content);
        }

        void file(String name, byte[] content, int attributes) throws IOException {
            Path p = dir.resolve("src-" + items.size());
            Files.write(p, content);
            items.add(new Item(name, p, null, attributes));
            expected.put(name, content);
        }
    }
}
