package io.packyard.python.upload;

import io.packyard.python.wheel.RecordFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/** Valid wheels and sdists built in memory, to be broken one rule at a time by the tests. */
final class UploadFixtures {

    private UploadFixtures() {}

    static String metadata(String name, String version, String... extraLines) {
        StringBuilder sb = new StringBuilder();
        sb.append("Metadata-Version: 2.1\n");
        sb.append("Name: ").append(name).append('\n');
        sb.append("Version: ").append(version).append('\n');
        sb.append("Summary: A package for tests\n");
        sb.append("Requires-Python: >=3.8\n");
        sb.append("Requires-Dist: requests (>=2.0)\n");
        for (String l : extraLines) {
            sb.append(l).append('\n');
        }
        sb.append("\nLong description.\n");
        return sb.toString();
    }

    static final String WHEEL = "Wheel-Version: 1.0\nGenerator: packyard-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n";

    /**
     * A wheel's members (package files, then .dist-info METADATA, WHEEL and RECORD computed over
     * them), as a TestZip the test may still alter.
     *
     * @param distName the escaped name used for the .dist-info directory
     * @param recordEdit applied to the RECORD text before it is added
     */
    static TestZip wheel(String distName, String version, String metadata, Map<String, byte[]> files,
            UnaryOperator<String> recordEdit) {
        String info = distName + "-" + version + ".dist-info";
        Map<String, byte[]> all = new LinkedHashMap<>(files);
        all.put(info + "/METADATA", metadata.getBytes(StandardCharsets.UTF_8));
        all.put(info + "/WHEEL", WHEEL.getBytes(StandardCharsets.UTF_8));
        StringBuilder record = new StringBuilder();
        for (Map.Entry<String, byte[]> e : all.entrySet()) {
            record.append(e.getKey()).append(',').append(RecordFile.sha256(e.getValue())).append(',')
                    .append(e.getValue().length).append('\n');
        }
        record.append(info).append("/RECORD,,\n");
        TestZip zip = new TestZip();
        for (Map.Entry<String, byte[]> e : all.entrySet()) {
            zip.add(e.getKey(), e.getValue());
        }
        zip.add(info + "/RECORD", recordEdit.apply(record.toString()));
        return zip;
    }

    static Map<String, byte[]> packageFiles(String pkg) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put(pkg + "/__init__.py", "__version__ = '1.0'\n".getBytes(StandardCharsets.UTF_8));
        files.put(pkg + "/core.py", "def main():\n    return 0\n".getBytes(StandardCharsets.UTF_8));
        return files;
    }

    /** The valid wheel foo_bar-1.0-py3-none-any.whl (project "Foo.Bar"). */
    static TestZip validWheel() {
        return wheel("foo_bar", "1.0", metadata("Foo.Bar", "1.0"), packageFiles("foo_bar"), r -> r);
    }

    /** The valid sdist foo_bar-1.0.tar.gz: one top directory with PKG-INFO and sources. */
    static TestTar validSdist() {
        return new TestTar()
                .dir("foo_bar-1.0")
                .file("foo_bar-1.0/PKG-INFO", metadata("Foo.Bar", "1.0"))
                .file("foo_bar-1.0/pyproject.toml", "[project]\nname = \"Foo.Bar\"\nversion = \"1.0\"\n")
                .dir("foo_bar-1.0/src/foo_bar")
                .file("foo_bar-1.0/src/foo_bar/__init__.py", "__version__ = '1.0'\n");
    }

    static Path write(Path dir, String filename, byte[] bytes) {
        try {
            Path p = dir.resolve("store-" + Integer.toHexString(filename.hashCode()) + "-" + System.nanoTime());
            Files.write(p, bytes);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The form twine sends for a file (digests computed by the caller). */
    static UploadForm.Builder form(String name, String version, String filetype, String pyversion, String filename) {
        return UploadForm.builder()
                .field(":action", "file_upload")
                .field("protocol_version", "1")
                .field("name", name)
                .field("version", version)
                .field("filetype", filetype)
                .field("pyversion", pyversion)
                .field("metadata_version", "2.1")
                .field("summary", "A package for tests")
                .field("requires_python", ">=3.8")
                .filename(filename);
    }

    static List<String> lines(String s) {
        return List.of(s.split("\n"));
    }
}
