package io.packyard.repository.apt;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/** Small .deb files written in Java (ar + tar.gz), for tests that need no dpkg. */
final class DebFiles {
    private DebFiles() {}

    /** A valid minimal .deb with {@code control} and one data file holding {@code payload}. */
    static Path deb(Path dir, String fileName, String control, String payload) throws IOException {
        return ar(dir, fileName, "control.tar.gz", tarGz(Map.of("./control", control)), "data.tar.gz",
                tarGz(Map.of("./usr/share/doc/fixture/payload.txt", payload)));
    }

    static String control(String name, String version, String arch) {
        return "Package: " + name + "\nVersion: " + version + "\nArchitecture: " + arch
                + "\nMaintainer: Packyard Tests <tests@packyard.example.org>\nInstalled-Size: 1\nSection: misc\nPriority: optional\n"
                + "Description: test package " + name + "\n A package made by a repository test.\n";
    }

    static byte[] tarGz(Map<String, String> files) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(out))) {
            for (Map.Entry<String, String> f : new LinkedHashMap<>(files).entrySet()) {
                byte[] b = f.getValue().getBytes(StandardCharsets.UTF_8);
                TarArchiveEntry e = new TarArchiveEntry(f.getKey());
                e.setSize(b.length);
                e.setModTime(1_700_000_000_000L);
                tar.putArchiveEntry(e);
                tar.write(b);
                tar.closeArchiveEntry();
            }
        }
        return out.toByteArray();
    }

    /** An ar archive: debian-binary, then the two members as given. */
    static Path ar(Path dir, String fileName, String second, byte[] secondContent, String third, byte[] thirdContent) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes("!<arch>\n".getBytes(StandardCharsets.US_ASCII));
        member(out, "debian-binary", "2.0\n".getBytes(StandardCharsets.US_ASCII));
        member(out, second, secondContent);
        member(out, third, thirdContent);
        Files.createDirectories(dir);
        return Files.write(dir.resolve(fileName), out.toByteArray());
    }

    private static void member(ByteArrayOutputStream out, String name, byte[] content) {
        String header = String.format("%-16s%-12s%-6s%-6s%-8s%-10s`\n", name, "0", "0", "0", "100644", content.length);
        out.writeBytes(header.getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(content);
        if (content.length % 2 == 1) {
            out.write('\n');
        }
    }
}
