package io.packyard.python.index;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Builds small, valid wheels for tests: a module, {@code .dist-info/METADATA}, {@code WHEEL} and a
 * {@code RECORD} with correct hashes. Shared by the index, resolve and lock tests.
 */
public final class WheelFixtures {

    private final String name;
    private final String version;
    private String tag = "py3-none-any";
    private String build;
    private final List<String> requires = new ArrayList<>();
    private final List<String> extras = new ArrayList<>();
    private String requiresPython;
    private String metadataName;
    private String metadataVersion;

    private WheelFixtures(String name, String version) {
        this.name = name;
        this.version = version;
    }

    /** A wheel of {@code name} (as written in METADATA) at {@code version}, tagged py3-none-any. */
    public static WheelFixtures wheel(String name, String version) {
        return new WheelFixtures(name, version);
    }

    /** The compressed tag triple, e.g. {@code cp312-cp312-manylinux_2_17_x86_64}. */
    public WheelFixtures tag(String tag) {
        this.tag = tag;
        return this;
    }

    public WheelFixtures buildTag(String build) {
        this.build = build;
        return this;
    }

    /** Adds Requires-Dist lines. */
    public WheelFixtures requires(String... reqs) {
        requires.addAll(List.of(reqs));
        return this;
    }

    public WheelFixtures extra(String... names) {
        extras.addAll(List.of(names));
        return this;
    }

    public WheelFixtures requiresPython(String spec) {
        this.requiresPython = spec;
        return this;
    }

    /** Makes METADATA lie about the name/version (for consistency checks). */
    public WheelFixtures metadataSays(String name, String version) {
        this.metadataName = name;
        this.metadataVersion = version;
        return this;
    }

    public String escapedName() {
        return name.replaceAll("[-_.]+", "_").toLowerCase(java.util.Locale.ROOT);
    }

    public String filename() {
        return escapedName() + "-" + version + (build != null ? "-" + build : "") + "-" + tag + ".whl";
    }

    public String metadata() {
        StringBuilder m = new StringBuilder();
        m.append("Metadata-Version: 2.1\n");
        m.append("Name: ").append(metadataName != null ? metadataName : name).append('\n');
        m.append("Version: ").append(metadataVersion != null ? metadataVersion : version).append('\n');
        if (requiresPython != null) {
            m.append("Requires-Python: ").append(requiresPython).append('\n');
        }
        for (String e : extras) {
            m.append("Provides-Extra: ").append(e).append('\n');
        }
        for (String r : requires) {
            m.append("Requires-Dist: ").append(r).append('\n');
        }
        m.append('\n');
        return m.toString();
    }

    /** The wheel's bytes (deterministic). */
    public byte[] bytes() {
        String distInfo = escapedName() + "-" + version + ".dist-info";
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put(escapedName() + "/__init__.py", ("__version__ = '" + version + "'\n").getBytes(StandardCharsets.UTF_8));
        files.put(distInfo + "/METADATA", metadata().getBytes(StandardCharsets.UTF_8));
        StringBuilder wheel = new StringBuilder("Wheel-Version: 1.0\nGenerator: packyard-tests\nRoot-Is-Purelib: ")
                .append(tag.endsWith("-any") ? "true" : "false").append('\n');
        for (String t : io.packyard.python.tags.Tag.parseSet(tag).stream().map(Object::toString).toList()) {
            wheel.append("Tag: ").append(t).append('\n');
        }
        if (build != null) {
            wheel.append("Build: ").append(build).append('\n');
        }
        files.put(distInfo + "/WHEEL", wheel.toString().getBytes(StandardCharsets.UTF_8));
        StringBuilder record = new StringBuilder();
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            record.append(e.getKey()).append(",sha256=").append(recordHash(e.getValue())).append(',')
                    .append(e.getValue().length).append('\n');
        }
        record.append(distInfo).append("/RECORD,,\n");
        files.put(distInfo + "/RECORD", record.toString().getBytes(StandardCharsets.UTF_8));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            for (Map.Entry<String, byte[]> e : files.entrySet()) {
                ZipEntry ze = new ZipEntry(e.getKey());
                ze.setLastModifiedTime(FileTime.fromMillis(315532800000L + 86400000L));
                zip.putNextEntry(ze);
                zip.write(e.getValue());
                zip.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Writes the wheel into {@code dir} under its file name. */
    public Path writeTo(Path dir) {
        try {
            Files.createDirectories(dir);
            Path p = dir.resolve(filename());
            Files.write(p, bytes());
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String recordHash(byte[] data) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(data);
            return Base64.getUrlEncoder().withoutPadding().encodeToString(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
