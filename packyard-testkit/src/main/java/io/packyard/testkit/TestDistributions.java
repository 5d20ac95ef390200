package io.packyard.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Builds tiny, valid (or deliberately broken) Python distributions for tests: wheels with
 * METADATA, WHEEL and a RECORD whose hashes are right, and sdists with PKG-INFO. The output is
 * byte-for-byte reproducible for the same inputs.
 *
 * <pre>{@code
 * Path whl = TestDistributions.wheel("demo-app", "1.0").requires("helper>=1").build(dir);
 * Path sdist = TestDistributions.sdist("demo-app", "1.0").build(dir);
 * }</pre>
 */
public final class TestDistributions {

    /** 1980-01-01, the earliest zip time: every entry gets it. */
    private static final long ZIP_TIME = 315532800000L + 12 * 3600_000L;

    private TestDistributions() {}

    public static WheelBuilder wheel(String name, String version) {
        return new WheelBuilder(name, version);
    }

    public static SdistBuilder sdist(String name, String version) {
        return new SdistBuilder(name, version);
    }

    /** The wheel/sdist file-name form of a project name: normalized, with {@code _}. */
    public static String escape(String name) {
        return name.replaceAll("[-_.]+", "_").toLowerCase(Locale.ROOT);
    }

    /** Configures a wheel. */
    public static final class WheelBuilder {
        private final String name;
        private final String version;
        private String metadataName;
        private String tag = "py3-none-any";
        private String requiresPython;
        private String summary;
        private final List<String> requires = new ArrayList<>();
        private final Map<String, byte[]> files = new LinkedHashMap<>();
        private final Map<String, Long> zeroFiles = new LinkedHashMap<>();
        private final Map<String, byte[]> unrecorded = new LinkedHashMap<>();
        private String filenameOverride;

        private WheelBuilder(String name, String version) {
            this.name = name;
            this.version = version;
            String module = escape(name);
            files.put(module + "/__init__.py", ("NAME = \"" + name + "\"\nVERSION = \"" + version + "\"\n")
                    .getBytes(StandardCharsets.UTF_8));
        }

        /** A {@code Requires-Dist} line, e.g. {@code helper>=1.0}. */
        public WheelBuilder requires(String requirement) {
            requires.add(requirement);
            return this;
        }

        public WheelBuilder requiresPython(String spec) {
            this.requiresPython = spec;
            return this;
        }

        public WheelBuilder summary(String s) {
            this.summary = s;
            return this;
        }

        /** The wheel tag (default {@code py3-none-any}). */
        public WheelBuilder tag(String t) {
            this.tag = t;
            return this;
        }

        /** A file in the wheel (listed in RECORD). */
        public WheelBuilder file(String path, String content) {
            files.put(path, content.getBytes(StandardCharsets.UTF_8));
            return this;
        }

        /** A file of {@code size} zero bytes (listed in RECORD): compresses extremely well. */
        public WheelBuilder zeros(String path, long size) {
            zeroFiles.put(path, size);
            return this;
        }

        /** A member written with exactly this name and listed in RECORD (e.g. {@code ../evil.py}). */
        public WheelBuilder rawMember(String path, String content) {
            unrecorded.put(path, content.getBytes(StandardCharsets.UTF_8));
            return this;
        }

        /** Writes this name into METADATA instead of the project name. */
        public WheelBuilder metadataName(String n) {
            this.metadataName = n;
            return this;
        }

        /** Writes the wheel under another file name. */
        public WheelBuilder filename(String f) {
            this.filenameOverride = f;
            return this;
        }

        public String filename() {
            return filenameOverride != null ? filenameOverride : escape(name) + "-" + version + "-" + tag + ".whl";
        }

        /** The METADATA text. */
        public String metadata() {
            StringBuilder m = new StringBuilder();
            m.append("Metadata-Version: 2.1\n");
            m.append("Name: ").append(metadataName != null ? metadataName : name).append('\n');
            m.append("Version: ").append(version).append('\n');
            if (summary != null) {
                m.append("Summary: ").append(summary).append('\n');
            }
            if (requiresPython != null) {
                m.append("Requires-Python: ").append(requiresPython).append('\n');
            }
            for (String r : requires) {
                m.append("Requires-Dist: ").append(r).append('\n');
            }
            return m.toString();
        }

        /** Writes the wheel into {@code dir} and returns its path. */
        public Path build(Path dir) {
            String distInfo = escape(name) + "-" + version + ".dist-info";
            Map<String, byte[]> members = new LinkedHashMap<>(files);
            members.putAll(unrecorded);
            members.put(distInfo + "/METADATA", metadata().getBytes(StandardCharsets.UTF_8));
            String[] t = tag.split("-");
            members.put(distInfo + "/WHEEL", ("Wheel-Version: 1.0\nGenerator: packyard-testkit\nRoot-Is-Purelib: true\n"
                    + "Tag: " + t[0] + "-" + t[1] + "-" + t[2] + "\n").getBytes(StandardCharsets.UTF_8));
            StringBuilder record = new StringBuilder();
            for (Map.Entry<String, byte[]> e : members.entrySet()) {
                record.append(csv(e.getKey())).append(",sha256=").append(b64(sha256(e.getValue()))).append(',')
                        .append(e.getValue().length).append('\n');
            }
            for (Map.Entry<String, Long> e : zeroFiles.entrySet()) {
                record.append(csv(e.getKey())).append(",sha256=").append(b64(zeroSha256(e.getValue()))).append(',')
                        .append(e.getValue()).append('\n');
            }
            record.append(distInfo).append("/RECORD,,\n");
            Path out = dir.resolve(filename());
            try {
                Files.createDirectories(dir);
                try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(out))) {
                    for (Map.Entry<String, byte[]> e : members.entrySet()) {
                        put(zip, e.getKey(), e.getValue());
                    }
                    for (Map.Entry<String, Long> e : zeroFiles.entrySet()) {
                        ZipEntry ze = new ZipEntry(e.getKey());
                        ze.setTime(ZIP_TIME);
                        long size = e.getValue();
                        // sizes and CRC in the local header: no data descriptor (PyPI refuses them)
                        CRC32 crc = new CRC32();
                        Deflater def = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
                        byte[] zeros = new byte[1 << 16];
                        byte[] sink = new byte[1 << 16];
                        long left = size;
                        while (left > 0) {
                            int n = (int) Math.min(zeros.length, left);
                            crc.update(zeros, 0, n);
                            def.setInput(zeros, 0, n);
                            while (!def.needsInput()) {
                                def.deflate(sink);
                            }
                            left -= n;
                        }
                        def.finish();
                        while (!def.finished()) {
                            def.deflate(sink);
                        }
                        ze.setSize(size);
                        ze.setCompressedSize(def.getBytesWritten());
                        ze.setCrc(crc.getValue());
                        def.end();
                        zip.putNextEntry(ze);
                        left = size;
                        while (left > 0) {
                            int n = (int) Math.min(zeros.length, left);
                            zip.write(zeros, 0, n);
                            left -= n;
                        }
                        zip.closeEntry();
                    }
                    put(zip, distInfo + "/RECORD", record.toString().getBytes(StandardCharsets.UTF_8));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return out;
        }

        private static void put(ZipOutputStream zip, String name, byte[] content) throws IOException {
            ZipEntry e = new ZipEntry(name);
            e.setTime(ZIP_TIME);
            // sizes and CRC in the local header: no data descriptor (PyPI refuses them)
            CRC32 crc = new CRC32();
            crc.update(content);
            Deflater def = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
            def.setInput(content);
            def.finish();
            byte[] sink = new byte[8192];
            while (!def.finished()) {
                def.deflate(sink);
            }
            e.setSize(content.length);
            e.setCompressedSize(def.getBytesWritten());
            e.setCrc(crc.getValue());
            def.end();
            zip.putNextEntry(e);
            zip.write(content);
            zip.closeEntry();
        }

        private static String csv(String s) {
            return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
        }
    }

    /** Configures an sdist ({@code .tar.gz} with {@code <name>-<version>/PKG-INFO} and pyproject.toml). */
    public static final class SdistBuilder {
        private final String name;
        private final String version;
        private String filenameOverride;
        private String topDirOverride;
        private final List<String> requires = new ArrayList<>();

        private SdistBuilder(String name, String version) {
            this.name = name;
            this.version = version;
        }

        public SdistBuilder requires(String requirement) {
            requires.add(requirement);
            return this;
        }

        /** Writes the sdist under another file name (e.g. a non-normalized one). */
        public SdistBuilder filename(String f) {
            this.filenameOverride = f;
            return this;
        }

        /** Uses another top-level directory inside the archive. */
        public SdistBuilder topDir(String d) {
            this.topDirOverride = d;
            return this;
        }

        public String filename() {
            return filenameOverride != null ? filenameOverride : escape(name) + "-" + version + ".tar.gz";
        }

        public Path build(Path dir) {
            String fn = filename();
            String top = topDirOverride != null ? topDirOverride : fn.substring(0, fn.length() - ".tar.gz".length());
            StringBuilder pkgInfo = new StringBuilder("Metadata-Version: 2.1\nName: " + name + "\nVersion: " + version + "\n");
            for (String r : requires) {
                pkgInfo.append("Requires-Dist: ").append(r).append('\n');
            }
            String module = escape(name);
            Map<String, byte[]> members = new LinkedHashMap<>();
            members.put(top + "/PKG-INFO", pkgInfo.toString().getBytes(StandardCharsets.UTF_8));
            members.put(top + "/pyproject.toml", ("[build-system]\nrequires = [\"setuptools\"]\n"
                    + "build-backend = \"setuptools.build_meta\"\n\n[project]\nname = \"" + name + "\"\nversion = \""
                    + version + "\"\n").getBytes(StandardCharsets.UTF_8));
            members.put(top + "/src/" + module + "/__init__.py", ("VERSION = \"" + version + "\"\n")
                    .getBytes(StandardCharsets.UTF_8));
            Path out = dir.resolve(fn);
            try {
                Files.createDirectories(dir);
                ByteArrayOutputStream tar = new ByteArrayOutputStream();
                for (Map.Entry<String, byte[]> e : members.entrySet()) {
                    tarEntry(tar, e.getKey(), e.getValue());
                }
                tar.write(new byte[1024]);
                try (OutputStream gz = new GZIPOutputStream(Files.newOutputStream(out))) {
                    gz.write(tar.toByteArray());
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return out;
        }

        private static void tarEntry(ByteArrayOutputStream out, String name, byte[] content) throws IOException {
            byte[] h = new byte[512];
            byte[] n = name.getBytes(StandardCharsets.UTF_8);
            if (n.length > 100) {
                throw new IllegalArgumentException("tar name too long for this writer: " + name);
            }
            System.arraycopy(n, 0, h, 0, n.length);
            octal(h, 100, 8, 0644);
            octal(h, 108, 8, 0);
            octal(h, 116, 8, 0);
            octal(h, 124, 12, content.length);
            octal(h, 136, 12, 1700000000L);
            for (int i = 148; i < 156; i++) {
                h[i] = ' ';
            }
            h[156] = '0';
            byte[] magic = "ustar\u000000".getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(magic, 0, h, 257, magic.length);
            long sum = 0;
            for (byte b : h) {
                sum += b & 0xff;
            }
            octal(h, 148, 7, sum);
            h[155] = ' ';
            out.write(h);
            out.write(content);
            int pad = (512 - content.length % 512) % 512;
            out.write(new byte[pad]);
        }

        private static void octal(byte[] h, int off, int len, long value) {
            String s = Long.toOctalString(value);
            while (s.length() < len - 1) {
                s = "0" + s;
            }
            byte[] b = s.getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(b, 0, h, off, len - 1);
            h[off + len - 1] = 0;
        }
    }

    static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] zeroSha256(long size) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] zeros = new byte[1 << 16];
            long left = size;
            while (left > 0) {
                int n = (int) Math.min(zeros.length, left);
                md.update(zeros, 0, n);
                left -= n;
            }
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String b64(byte[] digest) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    }
}
