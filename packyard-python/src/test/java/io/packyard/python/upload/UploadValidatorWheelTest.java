package io.packyard.python.upload;

import static io.packyard.python.upload.UploadFixtures.metadata;
import static io.packyard.python.upload.UploadFixtures.packageFiles;
import static io.packyard.python.upload.UploadFixtures.validWheel;
import static io.packyard.python.upload.UploadFixtures.wheel;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.packyard.python.index.Hashes;
import io.packyard.python.wheel.RecordFile;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The wheel rules of {@link UploadValidator}: a valid wheel first, then one defect per test. */
class UploadValidatorWheelTest {

    static final String FN = "foo_bar-1.0-py3-none-any.whl";

    @TempDir
    Path tmp;

    final UploadValidator validator = UploadValidator.defaults();

    private Path write(String filename, byte[] bytes) {
        return UploadFixtures.write(tmp, filename, bytes);
    }

    private UploadRejectedException rejected(UploadValidator v, byte[] bytes, String filename) {
        Path p = write(filename, bytes);
        Throwable t = catchThrowable(() -> v.inspect(p, filename));
        assertThat(t).as("expected a rejection of %s", filename).isInstanceOf(UploadRejectedException.class);
        UploadRejectedException e = (UploadRejectedException) t;
        assertThat(e.reason()).doesNotContain("\n");
        return e;
    }

    private UploadRejectedException rejected(byte[] bytes) {
        return rejected(validator, bytes, FN);
    }

    @Test
    void validWheelIsAcceptedWithEverythingTheServerStores() throws Exception {
        TestZip zip = validWheel();
        byte[] bytes = zip.toBytes();
        Path p = write(FN, bytes);

        ValidatedUpload u = validator.inspect(p, FN);

        assertThat(u.name()).isEqualTo("Foo.Bar");
        assertThat(u.normalizedName()).isEqualTo("foo-bar");
        assertThat(u.canonicalVersion()).isEqualTo("1.0");
        assertThat(u.filename()).isEqualTo(FN);
        assertThat(u.filetype()).isEqualTo(FileType.BDIST_WHEEL);
        assertThat(u.pythonVersion()).isEqualTo("py3");
        assertThat(u.size()).isEqualTo(bytes.length);
        assertThat(u.sha256()).isEqualTo(Hashes.sha256(bytes));
        assertThat(u.md5()).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(bytes)));
        Blake2b b = Blake2b.blake2b256();
        b.update(bytes);
        assertThat(u.blake2b256()).isEqualTo(HexFormat.of().formatHex(b.digest()));
        byte[] metadata = metadata("Foo.Bar", "1.0").getBytes(StandardCharsets.UTF_8);
        assertThat(u.metadata()).isEqualTo(metadata);
        assertThat(u.metadataSha256()).isEqualTo(Hashes.sha256(metadata));
        assertThat(u.requiresPython()).contains(">=3.8");
        assertThat(u.metadataVersion()).isEqualTo("2.1");
        assertThat(u.summary()).contains("A package for tests");
        assertThat(u.coreMetadata().requiresDist()).hasSize(1);
    }

    // ---------------------------------------------------------------- file name

    @Test
    void invalidWheelFilenameIsRefused() {
        UploadRejectedException e = rejected(validator, validWheel().toBytes(), "foo_bar-1.0-py3.whl");
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.reason()).startsWith("Invalid wheel filename: foo_bar-1.0-py3.whl");
    }

    @Test
    void nonNormalizedNameInWheelFilenameIsRefused() {
        UploadRejectedException e = rejected(validator, validWheel().toBytes(), "Foo.Bar-1.0-py3-none-any.whl");
        assertThat(e.reason()).isEqualTo("Filename 'Foo.Bar-1.0-py3-none-any.whl' should contain the normalized "
                + "project name 'foo_bar', not 'Foo.Bar'.");
    }

    @Test
    void nonCanonicalVersionInWheelFilenameIsRefused() {
        TestZip zip = wheel("foo_bar", "1.00", metadata("Foo.Bar", "1.0"), packageFiles("foo_bar"), r -> r);
        UploadRejectedException e = rejected(validator, zip.toBytes(), "foo_bar-1.00-py3-none-any.whl");
        assertThat(e.reason()).isEqualTo("Version in filename should be '1.0' not '1.00'.");
    }

    @Test
    void metadataNameMustMatchTheFilename() {
        TestZip zip = wheel("foo_bar", "1.0", metadata("other-project", "1.0"), packageFiles("foo_bar"), r -> r);
        UploadRejectedException e = rejected(zip.toBytes());
        assertThat(e.reason()).isEqualTo("Start filename for 'other-project' with 'other_project'.");
    }

    @Test
    void metadataVersionMustMatchTheFilename() {
        TestZip zip = wheel("foo_bar", "1.0", metadata("Foo.Bar", "1.1"), packageFiles("foo_bar"), r -> r);
        UploadRejectedException e = rejected(zip.toBytes());
        assertThat(e.reason()).isEqualTo("Version in filename should be '1.1' not '1.0'.");
    }

    @Test
    void wrongExtensionIsRefused() {
        UploadRejectedException e = rejected(validator, validWheel().toBytes(), "foo_bar-1.0.egg");
        assertThat(e.reason()).startsWith("Invalid file extension: Use .tar.gz or .whl extension.");
    }

    // ---------------------------------------------------------------- required files

    @ParameterizedTest
    @ValueSource(strings = {"WHEEL", "METADATA", "RECORD"})
    void requiredDistInfoFilesMustExist(String missing) {
        TestZip zip = validWheel();
        zip.members.removeIf(m -> m.name.equals("foo_bar-1.0.dist-info/" + missing));
        UploadRejectedException e = rejected(zip.toBytes());
        assertThat(e.reason()).isEqualTo("Wheel '" + FN + "' does not contain the required " + missing
                + " file: foo_bar-1.0.dist-info/" + missing);
    }

    @Test
    void distInfoMustBeNamedAfterTheFilename() {
        TestZip zip = wheel("Foo.Bar", "1.0", metadata("Foo.Bar", "1.0"), packageFiles("foo_bar"), r -> r);
        UploadRejectedException e = rejected(zip.toBytes());
        assertThat(e.reason()).contains("does not contain the required WHEEL file: foo_bar-1.0.dist-info/WHEEL");
    }

    @Test
    void wheelVersionTwoIsRefused() {
        TestZip zip = validWheel();
        // rebuild with another WHEEL: keep RECORD consistent so only the version is wrong
        String info = "foo_bar-1.0.dist-info";
        Map<String, byte[]> files = new LinkedHashMap<>(packageFiles("foo_bar"));
        byte[] wheelFile = "Wheel-Version: 2.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n".getBytes(StandardCharsets.UTF_8);
        zip = wheel("foo_bar", "1.0", metadata("Foo.Bar", "1.0"), files, r -> r.replace(
                info + "/WHEEL," + RecordFile.sha256(UploadFixtures.WHEEL.getBytes(StandardCharsets.UTF_8)) + ","
                        + UploadFixtures.WHEEL.length(),
                info + "/WHEEL," + RecordFile.sha256(wheelFile) + "," + wheelFile.length));
        TestZip.Member w = zip.member(info + "/WHEEL");
        zip.members.set(zip.members.indexOf(w), new TestZip.Member(w.name, wheelFile, 8));
        UploadRejectedException e = rejected(zip.toBytes());
        assertThat(e.reason()).contains("WHEEL: Wheel-Version 2.0 is not supported");
    }

    // ---------------------------------------------------------------- RECORD

    @Test
    void badRecordHashIsRefused() {
        TestZip zip = wheel("foo_bar", "1.0", metadata("Foo.Bar", "1.0"), packageFiles("foo_bar"),
                r -> r.replace(RecordFile.sha256("def main():\n    return 0\n".getBytes(StandardCharsets.UTF_8)),
                        RecordFile.sha256("tampered".getBytes(StandardCharsets.UTF_8))));
        UploadRejectedException e = rejected(zip.toBytes());
        assertThat(e.reason()).isEqualTo("Invalid distribution file. " + FN + ": RECORD: hash mismatch for foo_bar/core.py.");
    }

    @Test
    void recordSizeMismatchIsRefused() {
        TestZip zip = wheel("foo_bar", "1.0", metadata("Foo.Bar", "1.0"), packageFiles("foo_bar"),
                r -> r.replace("foo_bar/core.py,", "X").replaceFirst("X(sha256=[^,]+),\\d+", "foo_bar/core.py,$1,3"));
        UploadRejectedException e = rejected(zip.toBytes());
        assertThat(e.reason()).contains("RECORD: size mismatch for foo_bar/core.py");
    }

    @Test
    void memberMissingFromRecordIsRefused() {
        TestZip zip = validWheel();
        zip.add("foo_bar/extra.py", "x = 1\n");
        UploadRejectedException e = rejected(zip.toBytes());
        assertThat(e.reason()).contains("foo_bar/extra.py is not listed in RECORD");
    }

    @Test
    void recordListingAFileNotInTheWheelIsRefused() {
        TestZip zip = wheel("foo_bar", "1.0", metadata("Foo.Bar", "1.0"), packageFiles("foo_bar"),
                r -> r + "foo_bar/ghost.py,sha256=AAAA,4\n");
        UploadRejectedException e = rejected(zip.toBytes());
        assertThat(e.reason()).contains("RECORD lists 1 file(s) missing from the wheel, for example foo_bar/ghost.py");
    }

    @Test
    void weakRecordHashIsRefused() {
        TestZip zip = wheel("foo_bar", "1.0", metadata("Foo.Bar", "1.0"), packageFiles("foo_bar"),
                r -> r.replaceFirst("foo_bar/core.py,sha256=[^,]+,", "foo_bar/core.py,md5=1B2M2Y8AsgTpgAmY7PhCfg,"));
        UploadRejectedException e = rejected(zip.toBytes());
        assertThat(e.reason()).contains("RECORD: weak hash algorithm md5 for foo_bar/core.py");
    }

    // ---------------------------------------------------------------- member paths

    @ParameterizedTest
    @ValueSource(strings = {"../evil.py", "foo_bar/../../evil.py", "/etc/evil.py", "C:/evil.py", "foo_bar\\evil.py",
        "foo_bar//evil.py", "./evil.py"})
    void unsafeMemberPathsAreRefused(String path) {
        TestZip zip = wheel("foo_bar", "1.0", metadata("Foo.Bar", "1.0"),
                Map.of(path, "import os\n".getBytes(StandardCharsets.UTF_8)), r -> r);
        UploadRejectedException e = rejected(zip.toBytes());
        assertThat(e.reason()).startsWith("Invalid distribution file. " + FN + ": unsafe member path ");
        assertThat(e.reason()).contains(path);
    }

    @Test
    void zipSlipIsNamedPrecisely() {
        TestZip zip = wheel("foo_bar", "1.0", metadata("Foo.Bar", "1.0"),
                Map.of("../evil.py", "import os\n".getBytes(StandardCharsets.UTF_8)), r -> r);
        assertThat(rejected(zip.toBytes()).reason()).isEqualTo("Invalid distribution file. " + FN
                + ": unsafe member path ../evil.py: path escapes the archive (..).");
    }

    @Test
    void duplicateMembersAreRefused() {
        TestZip zip = validWheel();
        zip.add("foo_bar/core.py", "print('the other one')\n");
        UploadRejectedException e = rejected(zip.toBytes());
        assertThat(e.reason()).contains("ZIP archive not accepted: Duplicate filename in central directory: foo_bar/core.py");
    }

    @Test
    void duplicateCentralDirectoryRecordIsRefused() {
        TestZip zip = validWheel();
        zip.duplicateCentral.add(zip.member("foo_bar/core.py"));
        assertThat(rejected(zip.toBytes()).reason()).contains("Duplicate filename in central directory");
    }

    @Test
    void controlCharacterInMemberNameIsRefused() {
        TestZip zip = validWheel();
        zip.add("foo_bar/a\tb.py", "x\n");
        assertThat(rejected(zip.toBytes()).reason()).contains("Invalid character in filename");
    }

    @Test
    void nonUtf8FlaggedNonAsciiNameIsRefused() {
        TestZip zip = validWheel();
        TestZip.Member m = zip.add("foo_bar/caf\u00e9.py", "x\n");
        m.flags = 0;
        assertThat(rejected(zip.toBytes()).reason()).contains("Filename not marked as UTF-8");
    }

    // ---------------------------------------------------------------- zip framing (PyPI "Archive Formats")

    @Test
    void corruptZipIsRefused() {
        byte[] good = validWheel().toBytes();
        byte[] truncated = java.util.Arrays.copyOf(good, good.length / 2);
        assertThat(rejected(truncated).reason()).startsWith("Invalid distribution file. " + FN + ":");
        assertThat(rejected("this is not a zip at all".getBytes(StandardCharsets.UTF_8)).reason())
                .isEqualTo("Invalid distribution file. " + FN + ": File is not a zipfile.");
    }

    @Test
    void corruptDeflateDataIsRefused() {
        TestZip zip = validWheel();
        TestZip.Member m = zip.member("foo_bar/core.py");
        m.stored = m.stored.clone();
        for (int i = 0; i < m.stored.length; i++) {
            m.stored[i] = (byte) 0xFF;
        }
        assertThat(rejected(zip.toBytes()).reason()).contains("foo_bar/core.py");
    }

    @Test
    void crcMismatchIsRefused() {
        TestZip zip = validWheel();
        zip.member("foo_bar/core.py").crc ^= 1;
        assertThat(rejected(zip.toBytes()).reason()).contains("Bad CRC-32 for member foo_bar/core.py");
    }

    @Test
    void trailingDataIsRefused() {
        TestZip zip = validWheel();
        zip.trailer = "PK\u0003\u0004smuggled".getBytes(StandardCharsets.ISO_8859_1);
        assertThat(rejected(zip.toBytes()).reason()).contains("ZIP archive not accepted: Trailing data or comment");
    }

    @Test
    void archiveCommentIsRefused() {
        TestZip zip = validWheel();
        zip.eocdComment = "comment".getBytes(StandardCharsets.US_ASCII);
        assertThat(rejected(zip.toBytes()).reason()).contains("Trailing data or comment");
    }

    @Test
    void prependedDataIsRefused() {
        TestZip zip = validWheel();
        zip.prefix = "#!/bin/sh\nexit 0\n".getBytes(StandardCharsets.US_ASCII);
        // offsets in the central directory are relative to the real file start: the first entry
        // is no longer at 0, and Python's zipfile would still find it ("self-extracting" archives)
        UploadRejectedException e = rejected(zip.toBytes());
        assertThat(e.reason()).contains("ZIP archive not accepted");
    }

    @Test
    void hiddenDataBetweenEntriesAndCentralDirectoryIsRefused() {
        TestZip zip = validWheel();
        zip.gap = "hidden".getBytes(StandardCharsets.US_ASCII);
        assertThat(rejected(zip.toBytes()).reason()).contains("Unreferenced data before the central directory");
    }

    @Test
    void centralDirectoryCommentIsRefused() {
        TestZip zip = validWheel();
        zip.member("foo_bar/core.py").centralComment = "hi".getBytes(StandardCharsets.US_ASCII);
        assertThat(rejected(zip.toBytes()).reason()).contains("Comment in central directory");
    }

    @Test
    void dataDescriptorIsRefused() {
        TestZip zip = validWheel();
        zip.member("foo_bar/core.py").flags |= 0x08;
        assertThat(rejected(zip.toBytes()).reason()).contains("ZIP contains a data descriptor (foo_bar/core.py)");
    }

    @Test
    void localHeaderSizeDifferingFromCentralDirectoryIsRefused() {
        TestZip zip = validWheel();
        TestZip.Member m = zip.member("foo_bar/core.py");
        m.localSize = m.size + 100;
        assertThat(rejected(zip.toBytes()).reason()).contains("Mis-matched file size for foo_bar/core.py");
    }

    @Test
    void localHeaderFlagsMustAgreeWhereTheyMatter() {
        TestZip hint = validWheel();
        hint.member("foo_bar/core.py").localFlags = 0x800 | 0x02; // a deflate level hint only
        assertThat(validator.inspect(write(FN, hint.toBytes()), FN).normalizedName()).isEqualTo("foo-bar");
        TestZip utf8 = validWheel();
        utf8.member("foo_bar/core.py").localFlags = 0; // the name would be read differently
        assertThat(rejected(utf8.toBytes()).reason()).contains("Local header flags differ from the central directory"
                + " for foo_bar/core.py");
    }

    @Test
    void overlappingEntriesAreRefused() {
        TestZip zip = validWheel();
        // a second central directory record pointing at the first member's local header
        TestZip.Member first = zip.members.get(0);
        TestZip.Member alias = new TestZip.Member("foo_bar/alias.py", "__version__ = '1.0'\n".getBytes(StandardCharsets.UTF_8), 8);
        alias.offsetOverride = 0L;
        zip.duplicateCentral.add(alias);
        assertThat(first.name).isEqualTo("foo_bar/__init__.py");
        assertThat(rejected(zip.toBytes()).reason()).contains("ZIP archive not accepted");
    }

    @Test
    void unsupportedCompressionMethodIsRefused() {
        TestZip zip = validWheel();
        zip.member("foo_bar/core.py").method = 12; // bzip2
        assertThat(rejected(zip.toBytes()).reason()).contains("File does not use a supported compression type");
    }

    @Test
    void encryptedMemberIsRefused() {
        TestZip zip = validWheel();
        zip.member("foo_bar/core.py").flags |= 0x01;
        assertThat(rejected(zip.toBytes()).reason()).contains("Encrypted archive members are not allowed");
    }

    // ---------------------------------------------------------------- decompression bombs

    /**
     * Raw deflate data for {@code mebibytes} MiB of zeros, built fast: one MiB of zeros compressed
     * and ended with a full flush (which resets the compressor, so every such chunk is
     * byte-identical), repeated, then an empty final block.
     */
    static byte[] deflatedZeros(int mebibytes) {
        Deflater d = new Deflater(Deflater.BEST_COMPRESSION, true);
        d.setInput(new byte[1 << 20]);
        ByteArrayOutputStream chunk = new ByteArrayOutputStream();
        byte[] buf = new byte[1 << 16];
        int n;
        do {
            n = d.deflate(buf, 0, buf.length, Deflater.FULL_FLUSH);
            chunk.write(buf, 0, n);
        } while (n == buf.length || !d.needsInput());
        d.end();
        byte[] one = chunk.toByteArray();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < mebibytes; i++) {
            out.writeBytes(one);
        }
        out.write(0x03); // final, fixed-Huffman block holding only end-of-block
        out.write(0x00);
        return out.toByteArray();
    }

    private static byte[] gibibyteBomb;

    static synchronized byte[] gibibyteOfZeros() {
        if (gibibyteBomb == null) {
            gibibyteBomb = deflatedZeros(1024);
        }
        return gibibyteBomb;
    }

    @Test
    void deflatedZerosFixtureReallyInflatesToZeros() throws Exception {
        // the same construction as the 1 GiB bomb, with fewer repetitions to keep the test fast
        java.util.zip.Inflater inf = new java.util.zip.Inflater(true);
        inf.setInput(deflatedZeros(48));
        byte[] buf = new byte[1 << 20];
        long total = 0;
        while (!inf.finished()) {
            int k = inf.inflate(buf);
            for (int i = 0; i < k; i += 4096) {
                assertThat(buf[i]).isZero();
            }
            total += k;
        }
        assertThat(inf.getRemaining()).isZero();
        inf.end();
        assertThat(total).isEqualTo(48L << 20);
    }

    @Test
    void zipBombWithLyingSizeStopsAtTheDeclaredSize() {
        byte[] bomb = gibibyteOfZeros();
        assertThat(bomb.length).isLessThan(2 << 20);
        TestZip zip = wheel("foo_bar", "1.0", metadata("Foo.Bar", "1.0"), packageFiles("foo_bar"),
                r -> r + "foo_bar/data.bin,sha256=" + "A".repeat(43) + ",1000\n");
        TestZip.Member m = zip.add("foo_bar/data.bin", new byte[0]);
        m.stored = bomb;
        m.compressedSize = bomb.length;
        m.size = 1000; // the lie: CD and local header both claim 1000 bytes
        m.crc = new CRC32().getValue();

        long start = System.nanoTime();
        UploadRejectedException e = rejected(zip.toBytes());
        long millis = (System.nanoTime() - start) / 1_000_000;

        assertThat(e.status()).isEqualTo(400);
        assertThat(e.reason()).contains("member foo_bar/data.bin inflates to more than its declared size of 1000 bytes");
        assertThat(millis).as("stops early instead of inflating 1 GiB").isLessThan(5_000);
    }

    @Test
    void zipBombWithHonestSizeIsRefusedBeforeInflating() {
        long gib = 1L << 30;
        byte[] bomb = gibibyteOfZeros();
        CRC32 crc = new CRC32();
        byte[] zeros = new byte[1 << 20];
        for (int i = 0; i < 1024; i++) {
            crc.update(zeros);
        }
        TestZip zip = validWheel();
        TestZip.Member m = zip.add("foo_bar/data.bin", new byte[0]);
        m.stored = bomb;
        m.compressedSize = bomb.length;
        m.size = gib;
        m.crc = crc.getValue();
        UploadRejectedException e = rejected(zip.toBytes());
        assertThat(e.reason()).contains("File exceeds compression ratio of 50 (archive declares 10737");
    }

    @Test
    void totalUncompressedSizeIsBounded() {
        UploadValidator small = UploadValidator.builder().maxUncompressedSize(1000).build();
        TestZip zip = wheel("foo_bar", "1.0", metadata("Foo.Bar", "1.0"),
                Map.of("foo_bar/big.txt", "x".repeat(5000).getBytes(StandardCharsets.UTF_8)), r -> r);
        UploadRejectedException e = rejected(small, zip.toBytes(), FN);
        assertThat(e.reason()).contains("archive declares more than 1000 bytes (limit on uncompressed size)");
    }

    @Test
    void compressionRatioUsesTheConfiguredThreshold() {
        UploadValidator strict = UploadValidator.builder().maxCompressionRatio(5).compressionRatioMinSize(0).build();
        TestZip zip = wheel("foo_bar", "1.0", metadata("Foo.Bar", "1.0"),
                Map.of("foo_bar/big.txt", "x".repeat(100_000).getBytes(StandardCharsets.UTF_8)), r -> r);
        assertThat(rejected(strict, zip.toBytes(), FN).reason()).contains("File exceeds compression ratio of 5");
        // the same wheel passes the defaults (small files are not ratio-checked, as on PyPI)
        Path p = write(FN, zip.toBytes());
        assertThat(validator.inspect(p, FN).normalizedName()).isEqualTo("foo-bar");
    }

    @Test
    void tooManyMembersAreRefused() {
        UploadValidator v = UploadValidator.builder().maxMembers(3).build();
        assertThat(rejected(v, validWheel().toBytes(), FN).reason()).contains("Too many archive members (5, limit 3)");
    }

    // ---------------------------------------------------------------- size

    @Test
    void oversizedFileIs413() {
        UploadValidator v = UploadValidator.builder().maxFileSize(100).build();
        UploadRejectedException e = rejected(v, validWheel().toBytes(), FN);
        assertThat(e.status()).isEqualTo(413);
        assertThat(e.reason()).isEqualTo("File too large. Limit for this upload is 100 bytes (" + FN + ").");
    }

    @Test
    void emptyFileIsRefused() {
        UploadRejectedException e = rejected(new byte[0]);
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.reason()).isEqualTo("Invalid distribution file. " + FN + ": The file is empty.");
    }

    // ---------------------------------------------------------------- metadata rules

    private UploadRejectedException withMetadata(String metadata) {
        return rejected(wheel("foo_bar", "1.0", metadata, packageFiles("foo_bar"), r -> r).toBytes());
    }

    @Test
    void unsupportedMetadataVersionIsRefused() {
        UploadRejectedException e = withMetadata(metadata("Foo.Bar", "1.0").replace("Metadata-Version: 2.1",
                "Metadata-Version: 2.0"));
        assertThat(e.reason()).startsWith("foo_bar-1.0.dist-info/METADATA: '2.0' is not a valid metadata version");
    }

    @Test
    void metadataVersionsUpTo25AreAccepted() {
        for (String mv : MetadataRules.SUPPORTED_METADATA_VERSIONS) {
            byte[] b = wheel("foo_bar", "1.0", metadata("Foo.Bar", "1.0").replace("Metadata-Version: 2.1",
                    "Metadata-Version: " + mv), packageFiles("foo_bar"), r -> r).toBytes();
            assertThat(validator.inspect(write(FN, b), FN).metadataVersion()).isEqualTo(mv);
        }
    }

    @Test
    void duplicatedNameFieldIsRefused() {
        UploadRejectedException e = withMetadata(metadata("Foo.Bar", "1.0", "Name: evil"));
        assertThat(e.reason()).startsWith("foo_bar-1.0.dist-info/METADATA: Name appears more than once.");
    }

    @Test
    void invalidRequiresDistIsRefused() {
        UploadRejectedException e = withMetadata(metadata("Foo.Bar", "1.0", "Requires-Dist: requests >>= 2"));
        assertThat(e.reason()).startsWith("foo_bar-1.0.dist-info/METADATA: Requires-Dist:");
    }

    @Test
    void directUrlDependencyIsRefused() {
        UploadRejectedException e = withMetadata(metadata("Foo.Bar", "1.0",
                "Requires-Dist: evil @ https://example.invalid/evil-1.0.tar.gz"));
        assertThat(e.reason()).contains("Can't have direct dependency: evil @ https://example.invalid/evil-1.0.tar.gz")
                .doesNotContain("\n");
    }

    @Test
    void invalidRequiresPythonIsRefused() {
        UploadRejectedException e = withMetadata(metadata("Foo.Bar", "1.0").replace(">=3.8", ">=3.8,<<4"));
        assertThat(e.reason()).startsWith("foo_bar-1.0.dist-info/METADATA: Requires-Python:");
    }

    @Test
    void summaryLongerThan512IsRefused() {
        UploadRejectedException e = withMetadata(metadata("Foo.Bar", "1.0").replace("Summary: A package for tests",
                "Summary: " + "s".repeat(513)));
        assertThat(e.reason()).contains("'summary' field must be 512 characters or less.");
    }

    @Test
    void invalidDescriptionContentTypeIsRefused() {
        UploadRejectedException e = withMetadata(metadata("Foo.Bar", "1.0", "Description-Content-Type: text/html"));
        assertThat(e.reason()).contains("Description-Content-Type 'text/html'");
    }

    @Test
    void dynamicNameIsRefused() {
        UploadRejectedException e = withMetadata(metadata("Foo.Bar", "1.0", "Dynamic: Name")
                .replace("Metadata-Version: 2.1", "Metadata-Version: 2.2"));
        assertThat(e.reason()).contains("'Name' is not allowed as a dynamic field");
    }

    @Test
    void licenseAndLicenseExpressionTogetherAreRefused() {
        UploadRejectedException e = withMetadata(metadata("Foo.Bar", "1.0", "License: MIT", "License-Expression: MIT")
                .replace("Metadata-Version: 2.1", "Metadata-Version: 2.4"));
        assertThat(e.reason()).contains("License is deprecated when License-Expression is present.");
    }

    @Test
    void missingLicenseFileIsRefusedFromMetadata24() {
        String md = metadata("Foo.Bar", "1.0", "License-Expression: MIT", "License-File: LICENSE")
                .replace("Metadata-Version: 2.1", "Metadata-Version: 2.4");
        UploadRejectedException e = withMetadata(md);
        assertThat(e.reason()).isEqualTo("License-File LICENSE does not exist in distribution file " + FN
                + " at foo_bar-1.0.dist-info/licenses/LICENSE");
        Map<String, byte[]> files = new LinkedHashMap<>(packageFiles("foo_bar"));
        files.put("foo_bar-1.0.dist-info/licenses/LICENSE", "MIT License\n".getBytes(StandardCharsets.UTF_8));
        byte[] ok = wheel("foo_bar", "1.0", md, files, r -> r).toBytes();
        assertThat(validator.inspect(write(FN, ok), FN).metadataVersion()).isEqualTo("2.4");
    }

    @Test
    void localVersionsFollowThePolicy() {
        String fn = "foo_bar-1.0+cu121-py3-none-any.whl";
        byte[] b = wheel("foo_bar", "1.0+cu121", metadata("Foo.Bar", "1.0+cu121"), packageFiles("foo_bar"), r -> r)
                .toBytes();
        assertThat(validator.inspect(write(fn, b), fn).canonicalVersion()).isEqualTo("1.0+cu121");
        UploadRejectedException e = rejected(UploadValidator.builder().publicIndexPolicy().build(), b, fn);
        assertThat(e.reason()).contains("The use of local versions in '1.0+cu121' is not allowed.");
    }

    @Test
    void platformTagsFollowThePolicy() {
        String fn = "foo_bar-1.0-cp312-cp312-linux_x86_64.whl";
        byte[] b = validWheel().toBytes();
        assertThat(validator.inspect(write(fn, b), fn).pythonVersion()).isEqualTo("cp312");
        UploadRejectedException e = rejected(UploadValidator.builder().restrictPlatformTags(true).build(), b, fn);
        assertThat(e.reason()).isEqualTo("Binary wheel '" + fn + "' has an unsupported platform tag 'linux_x86_64'.");
        String many = "foo_bar-1.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl";
        assertThat(UploadValidator.builder().restrictPlatformTags(true).build().inspect(write(many, b), many)
                .pythonVersion()).isEqualTo("cp312");
    }

    @Test
    void invalidEntryPointNameIsRefused() {
        Map<String, byte[]> files = new LinkedHashMap<>(packageFiles("foo_bar"));
        files.put("foo_bar-1.0.dist-info/entry_points.txt",
                "[console_scripts]\n../../bin/evil = foo_bar.core:main\n".getBytes(StandardCharsets.UTF_8));
        UploadRejectedException e = rejected(wheel("foo_bar", "1.0", metadata("Foo.Bar", "1.0"), files, r -> r).toBytes());
        assertThat(e.reason()).contains("has invalid entry points defined in the entry_points.txt file");
    }

    @Test
    void blake2bMatchesKnownAnswers() {
        // hashlib.blake2b(data, digest_size=32).hexdigest()
        assertThat(blake(new byte[0])).isEqualTo("0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
        assertThat(blake("abc".getBytes(StandardCharsets.US_ASCII)))
                .isEqualTo("bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
        assertThat(blake("a".repeat(128).getBytes(StandardCharsets.US_ASCII)))
                .isEqualTo("ae2aa48507885c4c950fb809b2076f959cde9f8ea6da260d9a3587df33dac450");
        assertThat(blake("a".repeat(129).getBytes(StandardCharsets.US_ASCII)))
                .isEqualTo("2f64744a6de0d2c0b56e64cf6e29a5aaa255010d415d51c75ccc82f73dccd865");
        byte[] ramp = new byte[2560];
        for (int i = 0; i < ramp.length; i++) {
            ramp[i] = (byte) i;
        }
        assertThat(blake(ramp)).isEqualTo("cccd725d76965d874205c3b78297bda31912d5ac676b1bf124e4fc391e89f75b");
        // byte-at-a-time updates give the same digest as one update
        Blake2b b = Blake2b.blake2b256();
        for (byte x : ramp) {
            b.update(new byte[] {x});
        }
        assertThat(HexFormat.of().formatHex(b.digest())).isEqualTo("cccd725d76965d874205c3b78297bda31912d5ac676b1bf124e4fc391e89f75b");
        Blake2b full = new Blake2b(64);
        full.update("abc".getBytes(StandardCharsets.US_ASCII));
        assertThat(HexFormat.of().formatHex(full.digest())).isEqualTo("ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b"
                + "12bb6fdbffa2d17d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923");
    }

    private static String blake(byte[] data) {
        Blake2b b = Blake2b.blake2b256();
        b.update(data);
        return HexFormat.of().formatHex(b.digest());
    }
}
