package io.packyard.python.upload;

import static io.packyard.python.upload.UploadFixtures.metadata;
import static io.packyard.python.upload.UploadFixtures.validSdist;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.packyard.python.index.Hashes;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The sdist rules of {@link UploadValidator}: a valid sdist first, then one defect per test. */
class UploadValidatorSdistTest {

    static final String FN = "foo_bar-1.0.tar.gz";

    @TempDir
    Path tmp;

    final UploadValidator validator = UploadValidator.defaults();

    private UploadRejectedException rejected(UploadValidator v, byte[] bytes, String filename) {
        Path p = UploadFixtures.write(tmp, filename, bytes);
        Throwable t = catchThrowable(() -> v.inspect(p, filename));
        assertThat(t).as("expected a rejection of %s", filename).isInstanceOf(UploadRejectedException.class);
        UploadRejectedException e = (UploadRejectedException) t;
        assertThat(e.reason()).doesNotContain("\n");
        return e;
    }

    private UploadRejectedException rejected(byte[] bytes) {
        return rejected(validator, bytes, FN);
    }

    private UploadRejectedException rejected(TestTar tar) {
        return rejected(tar.tarGz());
    }

    @Test
    void validSdistIsAccepted() {
        byte[] bytes = validSdist().tarGz();
        ValidatedUpload u = validator.inspect(UploadFixtures.write(tmp, FN, bytes), FN);
        assertThat(u.filetype()).isEqualTo(FileType.SDIST);
        assertThat(u.pythonVersion()).isEqualTo("source");
        assertThat(u.name()).isEqualTo("Foo.Bar");
        assertThat(u.normalizedName()).isEqualTo("foo-bar");
        assertThat(u.canonicalVersion()).isEqualTo("1.0");
        assertThat(u.sha256()).isEqualTo(Hashes.sha256(bytes));
        assertThat(u.metadata()).isEqualTo(metadata("Foo.Bar", "1.0").getBytes(StandardCharsets.UTF_8));
        assertThat(u.requiresPython()).contains(">=3.8");
    }

    @Test
    void sdistWithPaxAndGnuLongNamesIsAccepted() {
        String longName = "foo_bar-1.0/src/foo_bar/" + "deep/".repeat(30) + "module.py";
        TestTar tar = validSdist()
                .pax('x', "path=" + longName)
                .file("foo_bar-1.0/placeholder", "x = 1\n")
                .gnuLongName("foo_bar-1.0/" + "other/".repeat(30) + "m.py")
                .file("foo_bar-1.0/truncated-name", "y = 2\n")
                .symlink("foo_bar-1.0/src/link.py", "foo_bar/__init__.py")
                .hardlink("foo_bar-1.0/copy.toml", "foo_bar-1.0/pyproject.toml");
        ValidatedUpload u = validator.inspect(UploadFixtures.write(tmp, FN, tar.tarGz()), FN);
        assertThat(u.normalizedName()).isEqualTo("foo-bar");
    }

    @Test
    void concatenatedGzipMembersAreAccepted() {
        byte[] tar = validSdist().tar();
        int half = (tar.length / 1024) * 512;
        byte[] a = TestTar.gzip(Arrays.copyOfRange(tar, 0, half));
        byte[] b = TestTar.gzip(Arrays.copyOfRange(tar, half, tar.length));
        byte[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        assertThat(validator.inspect(UploadFixtures.write(tmp, FN, both), FN).canonicalVersion()).isEqualTo("1.0");
    }

    // ---------------------------------------------------------------- file name (PEP 625)

    @Test
    void nonNormalizedSdistNameIsRefused() {
        TestTar tar = new TestTar().dir("Foo.Bar-1.0").file("Foo.Bar-1.0/PKG-INFO", metadata("Foo.Bar", "1.0"));
        UploadRejectedException e = rejected(validator, tar.tarGz(), "Foo.Bar-1.0.tar.gz");
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.reason()).isEqualTo("Filename 'Foo.Bar-1.0.tar.gz' is invalid, should be 'foo_bar-1.0.tar.gz'.");
    }

    @Test
    void nonCanonicalSdistVersionIsRefused() {
        TestTar tar = new TestTar().dir("foo_bar-1.0.0rc1").file("foo_bar-1.0.0rc1/PKG-INFO", metadata("Foo.Bar", "1.0.0-rc.1"));
        UploadRejectedException e = rejected(validator, tar.tarGz(), "foo_bar-1.0.0-rc.1.tar.gz");
        assertThat(e.reason()).isEqualTo("Filename 'foo_bar-1.0.0-rc.1.tar.gz' is invalid, should be 'foo_bar-1.0.0rc1.tar.gz'.");
    }

    @Test
    void sdistOfAnotherProjectIsRefused() {
        TestTar tar = new TestTar().dir("foo_bar-1.0").file("foo_bar-1.0/PKG-INFO", metadata("something-else", "1.0"));
        assertThat(rejected(tar).reason()).isEqualTo("Start filename for 'something-else' with 'something_else'.");
    }

    @Test
    void pkgInfoVersionMustMatchTheFilename() {
        TestTar tar = new TestTar().dir("foo_bar-1.0").file("foo_bar-1.0/PKG-INFO", metadata("Foo.Bar", "2.0"));
        assertThat(rejected(tar).reason()).isEqualTo("Filename 'foo_bar-1.0.tar.gz' is invalid, should be 'foo_bar-2.0.tar.gz'.");
    }

    @Test
    void zipSdistIsRefused() {
        UploadRejectedException e = rejected(validator, UploadFixtures.validWheel().toBytes(), "foo_bar-1.0.zip");
        assertThat(e.reason()).isEqualTo("Invalid source distribution filename: foo_bar-1.0.zip (source distributions"
                + " must be .tar.gz files, PEP 625).");
    }

    // ---------------------------------------------------------------- structure

    @Test
    void twoTopLevelDirectoriesAreRefused() {
        TestTar tar = validSdist().file("other-1.0/evil.py", "x\n");
        assertThat(rejected(tar).reason()).isEqualTo("Invalid distribution file. " + FN
                + ": Incorrect number of top-level directories in sdist.");
    }

    @Test
    void missingPkgInfoIsRefused() {
        TestTar tar = new TestTar().dir("foo_bar-1.0").file("foo_bar-1.0/setup.py", "pass\n");
        assertThat(rejected(tar).reason()).isEqualTo("Invalid distribution file. " + FN
                + ": PKG-INFO not found at foo_bar-1.0/PKG-INFO.");
    }

    @Test
    void topLevelDirectoryMustMatchNameAndVersion() {
        TestTar tar = new TestTar().dir("foo_bar-0.9").file("foo_bar-0.9/PKG-INFO", metadata("Foo.Bar", "1.0"));
        assertThat(rejected(tar).reason()).contains("top-level directory 'foo_bar-0.9' does not match the distribution's"
                + " name and version (expected 'foo_bar-1.0')");
    }

    @Test
    void legacyTopLevelDirectorySpellingIsAccepted() {
        TestTar tar = new TestTar().dir("Foo.Bar-1.0").file("Foo.Bar-1.0/PKG-INFO", metadata("Foo.Bar", "1.0"));
        assertThat(validator.inspect(UploadFixtures.write(tmp, FN, tar.tarGz()), FN).name()).isEqualTo("Foo.Bar");
    }

    @Test
    void invalidPkgInfoIsRefused() {
        TestTar tar = new TestTar().dir("foo_bar-1.0").file("foo_bar-1.0/PKG-INFO", "Metadata-Version: 2.1\nName: Foo.Bar\n");
        assertThat(rejected(tar).reason()).startsWith("foo_bar-1.0/PKG-INFO: missing required field Version.");
    }

    @Test
    void missingLicenseFileIsRefused() {
        String md = metadata("Foo.Bar", "1.0", "License-Expression: MIT", "License-File: LICENSE.txt")
                .replace("Metadata-Version: 2.1", "Metadata-Version: 2.4");
        TestTar tar = new TestTar().dir("foo_bar-1.0").file("foo_bar-1.0/PKG-INFO", md);
        assertThat(rejected(tar).reason()).isEqualTo("License-File LICENSE.txt does not exist in distribution file "
                + FN + " at foo_bar-1.0/LICENSE.txt");
    }

    // ---------------------------------------------------------------- unsafe members

    @ParameterizedTest
    @ValueSource(strings = {"foo_bar-1.0/../evil.py", "/etc/passwd", "foo_bar-1.0\\..\\evil.py", "./foo_bar-1.0/x.py"})
    void unsafeMemberPathsAreRefused(String path) {
        TestTar tar = validSdist().file(path, "evil\n");
        assertThat(rejected(tar).reason()).contains("tar archive not accepted: Unsafe member path");
    }

    @Test
    void paxPathCannotSmuggleATraversal() {
        TestTar tar = validSdist().pax('x', "path=foo_bar-1.0/../../evil.py").file("foo_bar-1.0/harmless.py", "x\n");
        assertThat(rejected(tar).reason()).contains("Unsafe member path foo_bar-1.0/../../evil.py: path escapes the archive (..)");
    }

    @Test
    void gnuLongNameCannotSmuggleAnAbsolutePath() {
        TestTar tar = validSdist().gnuLongName("/tmp/evil.py").file("foo_bar-1.0/harmless.py", "x\n");
        assertThat(rejected(tar).reason()).contains("Unsafe member path /tmp/evil.py: absolute path");
    }

    @ParameterizedTest
    @ValueSource(strings = {"../../etc/passwd", "/etc/passwd", "../../../foo_bar-1.0/x"})
    void symlinksLeavingTheTopDirectoryAreRefused(String target) {
        TestTar tar = validSdist().symlink("foo_bar-1.0/src/link", target);
        assertThat(rejected(tar).reason()).contains("Symbolic link foo_bar-1.0/src/link points outside the archive");
    }

    @Test
    void symlinkToTheParentOfTheTopDirectoryIsRefused() {
        TestTar tar = validSdist().symlink("foo_bar-1.0/up", "..");
        assertThat(rejected(tar).reason()).contains("points outside the archive: ..");
    }

    @Test
    void hardLinkToAMissingMemberIsRefused() {
        TestTar tar = validSdist().hardlink("foo_bar-1.0/passwd", "etc/passwd");
        assertThat(rejected(tar).reason()).contains("Hard link foo_bar-1.0/passwd does not point to an earlier regular file");
    }

    @Test
    void hardLinkWithTraversalIsRefused() {
        TestTar tar = validSdist().hardlink("foo_bar-1.0/passwd", "../../etc/passwd");
        assertThat(rejected(tar).reason()).contains("has an unsafe target ../../etc/passwd");
    }

    @Test
    void deviceMembersAreRefused() {
        assertThat(rejected(validSdist().special("foo_bar-1.0/dev", '3')).reason()).contains("Device members are not allowed");
        assertThat(rejected(validSdist().special("foo_bar-1.0/fifo", '6')).reason()).contains("FIFO members are not allowed");
    }

    @Test
    void sparseMembersAreRefused() {
        assertThat(rejected(validSdist().special("foo_bar-1.0/sparse", 'S')).reason())
                .contains("tar archive not accepted: Sparse members are not allowed");
        TestTar pax = validSdist().pax('x', "GNU.sparse.major=1", "GNU.sparse.minor=0").file("foo_bar-1.0/s", "x");
        assertThat(rejected(pax).reason()).contains("Sparse members are not allowed");
    }

    @Test
    void duplicateMembersAreRefused() {
        TestTar tar = validSdist().file("foo_bar-1.0/PKG-INFO", metadata("Evil", "6.6.6"));
        assertThat(rejected(tar).reason()).contains("Duplicate member foo_bar-1.0/PKG-INFO");
    }

    @Test
    void globalPaxPathIsRefused() {
        TestTar tar = validSdist().pax('g', "path=evil").file("foo_bar-1.0/x", "x");
        assertThat(rejected(tar).reason()).contains("Global pax header with a path record is not allowed");
    }

    @Test
    void badHeaderChecksumIsRefused() {
        byte[] h = TestTar.header("foo_bar-1.0/x.py", '0', 0, "");
        h[0] ^= 1; // after the checksum was computed
        assertThat(rejected(validSdist().raw(h)).reason()).contains("Invalid tar header checksum");
    }

    @Test
    void dataAfterTheEndMarkerIsRefused() {
        TestTar tar = validSdist();
        tar.afterEnd = TestTar.header("foo_bar-1.0/hidden.py", '0', 0, "");
        assertThat(rejected(tar).reason()).contains("Data after the end-of-archive marker");
    }

    @Test
    void notGzipIsRefused() {
        assertThat(rejected(validSdist().tar()).reason()).isEqualTo("Invalid distribution file. " + FN
                + ": File is not a tarfile (not gzip-compressed).");
    }

    @Test
    void corruptGzipIsRefused() {
        byte[] gz = validSdist().tarGz();
        gz[gz.length - 6] ^= 0x55; // in the CRC trailer
        assertThat(rejected(gz).reason()).contains("CRC check failed in gzip data");
        byte[] truncated = Arrays.copyOf(validSdist().tarGz(), 100);
        assertThat(rejected(truncated).reason()).startsWith("Invalid distribution file. " + FN + ":");
    }

    @Test
    void trailingGarbageAfterGzipIsRefused() {
        byte[] gz = validSdist().tarGz();
        byte[] withGarbage = Arrays.copyOf(gz, gz.length + 5);
        System.arraycopy("junk!".getBytes(StandardCharsets.US_ASCII), 0, withGarbage, gz.length, 5);
        assertThat(rejected(withGarbage).reason()).contains("Trailing data after the gzip stream");
    }

    @Test
    void zipPolyglotIsRefused() {
        byte[] gz = validSdist().tarGz();
        byte[] zip = new TestZip().toBytes(); // an empty zip: just an end record
        byte[] both = Arrays.copyOf(gz, gz.length + zip.length);
        System.arraycopy(zip, 0, both, gz.length, zip.length);
        assertThat(rejected(both).reason()).isEqualTo("Invalid distribution file. " + FN
                + ": File is both a zip and a tar file.");
    }

    // ---------------------------------------------------------------- bombs and limits

    @Test
    void gzipBombIsStoppedByTheBytesReallyInflated() {
        // a small valid sdist followed, inside the gzip stream, by 1 GiB of zeros (which tar
        // readers skip as padding): nothing declares the size, only counting stops it
        byte[] tar = validSdist().tar();
        ByteArrayOutputStream deflated = new ByteArrayOutputStream();
        Deflater d = new Deflater(Deflater.BEST_COMPRESSION, true);
        d.setInput(tar);
        byte[] buf = new byte[1 << 16];
        int n;
        do {
            n = d.deflate(buf, 0, buf.length, Deflater.FULL_FLUSH);
            deflated.write(buf, 0, n);
        } while (n == buf.length || !d.needsInput());
        d.end();
        byte[] zeros = UploadValidatorWheelTest.gibibyteOfZeros();
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        gz.writeBytes(new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff});
        gz.writeBytes(deflated.toByteArray());
        gz.writeBytes(zeros);
        gz.writeBytes(new byte[8]); // trailer: never reached
        long start = System.nanoTime();
        UploadRejectedException e = rejected(gz.toByteArray());
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertThat(e.reason()).contains("File exceeds compression ratio of 50 (archive decompresses to ");
        assertThat(millis).as("stops after ~64 MiB, not 1 GiB").isLessThan(5_000);
    }

    @Test
    void declaredMemberSizesAreBounded() {
        UploadValidator small = UploadValidator.builder().maxUncompressedSize(8192).build();
        TestTar tar = validSdist().file("foo_bar-1.0/data.bin", new byte[10_000]);
        assertThat(rejected(small, tar.tarGz(), FN).reason()).isEqualTo("Invalid distribution file. " + FN
                + ": archive declares more than 8192 bytes (limit on uncompressed size).");
        // the bytes really decompressed are bounded too (headers and padding count)
        UploadValidator tiny = UploadValidator.builder().maxUncompressedSize(2048).build();
        assertThat(rejected(tiny, validSdist().tarGz(), FN).reason()).isEqualTo("Invalid distribution file. " + FN
                + ": archive decompresses to more than 2048 bytes (limit on uncompressed size).");
    }

    @Test
    void tooManyMembersAreRefused() {
        UploadValidator v = UploadValidator.builder().maxMembers(3).build();
        assertThat(rejected(v, validSdist().tarGz(), FN).reason()).contains("Too many archive members (limit 3)");
    }

    @Test
    void oversizedSdistIs413() {
        UploadValidator v = UploadValidator.builder().maxFileSize(64).build();
        assertThat(rejected(v, validSdist().tarGz(), FN).status()).isEqualTo(413);
    }
}
