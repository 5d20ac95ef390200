package io.packyard.python.wheel;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Builds small wheels for tests: a valid wheel with a correct RECORD from a map of files, with
 * ways to break it (tampered content, unlisted members, raw members with any name, a custom WHEEL
 * or RECORD).
 */
final class TestWheel {

    private final String name;
    private final String version;
    private String tags = "py3-none-any";
    private String buildTag;
    private String wheelFile;
    private boolean rootIsPurelib = true;
    private String metadata;
    private final Map<String, byte[]> files = new LinkedHashMap<>();
    private final Set<String> executable = new HashSet<>();
    private final Map<String, byte[]> tampered = new LinkedHashMap<>();
    private final Map<String, byte[]> unlisted = new LinkedHashMap<>();
    private final Map<String, String> recordOverrides = new LinkedHashMap<>();
    private String recordText;
    private String duplicateOf;

    private TestWheel(String name, String version) {
        this.name = name;
        this.version = version;
    }

    static TestWheel of(String name, String version) {
        return new TestWheel(name, version);
    }

    String distInfo() {
        return name + "-" + version + ".dist-info";
    }

    String data() {
        return name + "-" + version + ".data";
    }

    String filename() {
        return name + "-" + version + (buildTag == null ? "" : "-" + buildTag) + "-" + tags + ".whl";
    }

    TestWheel tags(String tags) {
        this.tags = tags;
        return this;
    }

    TestWheel buildTag(String b) {
        this.buildTag = b;
        return this;
    }

    TestWheel rootIsPurelib(boolean b) {
        this.rootIsPurelib = b;
        return this;
    }

    /** Replaces the whole WHEEL file. */
    TestWheel wheelFile(String text) {
        this.wheelFile = text;
        return this;
    }

    TestWheel metadata(String text) {
        this.metadata = text;
        return this;
    }

    TestWheel file(String path, String content) {
        return file(path, content.getBytes(StandardCharsets.UTF_8));
    }

    TestWheel file(String path, byte[] content) {
        files.put(path, content);
        return this;
    }

    TestWheel executable(String path, String content) {
        file(path, content);
        executable.add(path);
        return this;
    }

    TestWheel entryPoints(String text) {
        return file(distInfo() + "/entry_points.txt", text);
    }

    /** After RECORD is computed, the member gets other content. */
    TestWheel tamper(String path, String content) {
        tampered.put(path, content.getBytes(StandardCharsets.UTF_8));
        return this;
    }

    /** A member that RECORD does not list (any name, even an unsafe one). */
    TestWheel unlisted(String path, String content) {
        unlisted.put(path, content.getBytes(StandardCharsets.UTF_8));
        return this;
    }

    /** Replaces the RECORD row of a path (the text after "path,"). */
    TestWheel recordRow(String path, String hashAndSize) {
        recordOverrides.put(path, hashAndSize);
        return this;
    }

    /** Replaces RECORD entirely. */
    TestWheel record(String text) {
        this.recordText = text;
        return this;
    }

    /** Renames member {@code path} to the name of the member before it, making a duplicate (names must have equal length). */
    TestWheel duplicateOf(String path) {
        this.duplicateOf = path;
        return this;
    }

    Path write(Path dir) throws IOException {
        Map<String, byte[]> all = new LinkedHashMap<>(files);
        String distInfo = distInfo();
        all.putIfAbsent(distInfo + "/METADATA", (metadata != null ? metadata
                : "Metadata-Version: 2.1\nName: " + name + "\nVersion: " + version + "\nSummary: test\n")
                .getBytes(StandardCharsets.UTF_8));
        all.putIfAbsent(distInfo + "/WHEEL", (wheelFile != null ? wheelFile
                : "Wheel-Version: 1.0\nGenerator: packyard-test\nRoot-Is-Purelib: " + rootIsPurelib + "\nTag: " + tags + "\n")
                .getBytes(StandardCharsets.UTF_8));
        StringBuilder record = new StringBuilder();
        for (Map.Entry<String, byte[]> e : all.entrySet()) {
            String row = recordOverrides.get(e.getKey());
            if (row == null) {
                row = RecordFile.sha256(e.getValue()) + "," + e.getValue().length;
            }
            String p = e.getKey();
            if (p.contains(",") || p.contains("\"")) {
                p = "\"" + p.replace("\"", "\"\"") + "\"";
            }
            record.append(p).append(',').append(row).append('\n');
        }
        record.append(distInfo).append("/RECORD,,\n");
        all.putAll(tampered);
        all.putAll(unlisted);
        all.put(distInfo + "/RECORD", (recordText != null ? recordText : record.toString()).getBytes(StandardCharsets.UTF_8));

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        List<String> order = new ArrayList<>(all.keySet());
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (String p : order) {
                byte[] content = all.get(p);
                ZipEntry e = new ZipEntry(p);
                e.setTime(315532800000L + 86400000L);
                if (duplicateOf != null) {
                    // stored, so the renamed name appears only in the headers
                    e.setMethod(ZipEntry.STORED);
                    e.setSize(content.length);
                    CRC32 crc = new CRC32();
                    crc.update(content);
                    e.setCrc(crc.getValue());
                }
                zip.putNextEntry(e);
                zip.write(content);
                zip.closeEntry();
            }
        }
        byte[] zipBytes = bytes.toByteArray();
        markUnix(zipBytes);
        if (duplicateOf != null) {
            int idx = order.indexOf(duplicateOf);
            String previous = order.get(idx - 1);
            if (previous.length() != duplicateOf.length()) {
                throw new IllegalArgumentException("duplicateOf needs names of equal length");
            }
            replaceAll(zipBytes, duplicateOf.getBytes(StandardCharsets.UTF_8), previous.getBytes(StandardCharsets.UTF_8));
        }
        Path out = dir.resolve(filename());
        Files.write(out, zipBytes);
        return out;
    }

    /** Sets "made by Unix" and the mode (0644, or 0755 for executables) in every central directory record. */
    private void markUnix(byte[] zip) {
        ByteBuffer b = ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN);
        int eocd = -1;
        for (int i = zip.length - 22; i >= 0; i--) {
            if (b.getInt(i) == 0x06054b50) {
                eocd = i;
                break;
            }
        }
        int entries = b.getShort(eocd + 10) & 0xFFFF;
        int pos = b.getInt(eocd + 16);
        for (int i = 0; i < entries; i++) {
            int nameLen = b.getShort(pos + 28) & 0xFFFF;
            int extraLen = b.getShort(pos + 30) & 0xFFFF;
            int commentLen = b.getShort(pos + 32) & 0xFFFF;
            String n = new String(zip, pos + 46, nameLen, StandardCharsets.UTF_8);
            int mode = 0100000 | (executable.contains(n) ? 0755 : 0644);
            b.putShort(pos + 4, (short) ((3 << 8) | 20));
            b.putInt(pos + 38, mode << 16);
            pos += 46 + nameLen + extraLen + commentLen;
        }
    }

    private static void replaceAll(byte[] haystack, byte[] needle, byte[] replacement) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            System.arraycopy(replacement, 0, haystack, i, replacement.length);
        }
    }
}
