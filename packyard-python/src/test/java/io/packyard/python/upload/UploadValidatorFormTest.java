package io.packyard.python.upload;

import static io.packyard.python.upload.UploadFixtures.form;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.packyard.python.index.Hashes;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The form rules of {@link UploadValidator#validate}: what twine sends, checked against the file. */
class UploadValidatorFormTest {

    static final String WHEEL = "foo_bar-1.0-py3-none-any.whl";
    static final String SDIST = "foo_bar-1.0.tar.gz";

    @TempDir
    Path tmp;

    final UploadValidator validator = UploadValidator.defaults();
    byte[] wheelBytes;
    Path wheel;
    String sha256;
    String md5;
    String blake2;

    @BeforeEach
    void setUp() throws Exception {
        wheelBytes = UploadFixtures.validWheel().toBytes();
        wheel = UploadFixtures.write(tmp, WHEEL, wheelBytes);
        sha256 = Hashes.sha256(wheelBytes);
        md5 = HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(wheelBytes));
        Blake2b b = Blake2b.blake2b256();
        b.update(wheelBytes);
        blake2 = HexFormat.of().formatHex(b.digest());
    }

    private UploadForm.Builder wheelForm() {
        return form("Foo.Bar", "1.0", "bdist_wheel", "py3", WHEEL).field("sha256_digest", sha256);
    }

    private UploadRejectedException rejected(UploadForm f, Path file) {
        Throwable t = catchThrowable(() -> validator.validate(f, file));
        assertThat(t).isInstanceOf(UploadRejectedException.class);
        UploadRejectedException e = (UploadRejectedException) t;
        assertThat(e.reason()).doesNotContain("\n");
        return e;
    }

    private UploadRejectedException rejected(UploadForm f) {
        return rejected(f, wheel);
    }

    /** A form without one field (the builder has no remove, so rebuild from the map). */
    private static UploadForm without(UploadForm f, String field) {
        Map<String, List<String>> m = new java.util.LinkedHashMap<>(f.fields());
        m.remove(field);
        return UploadForm.of(m, f.filename());
    }

    private static UploadForm with(UploadForm f, String field, String value) {
        Map<String, List<String>> m = new java.util.LinkedHashMap<>(f.fields());
        m.put(field, List.of(value));
        return UploadForm.of(m, f.filename());
    }

    @Test
    void validWheelUploadPasses() {
        UploadForm f = wheelForm().field("md5_digest", md5).field("blake2_256_digest", blake2)
                .field("classifiers", "Programming Language :: Python :: 3")
                .field("classifiers", "License :: OSI Approved :: MIT License").build();
        ValidatedUpload u = validator.validate(f, wheel);
        assertThat(u.sha256()).isEqualTo(sha256);
        assertThat(u.blake2b256()).isEqualTo(blake2);
        assertThat(u.md5()).isEqualTo(md5);
        assertThat(f.getAll("classifiers")).hasSize(2);
    }

    @Test
    void digestsAreCaseInsensitive() {
        assertThat(validator.validate(with(wheelForm().build(), "sha256_digest", sha256.toUpperCase()), wheel).sha256())
                .isEqualTo(sha256);
    }

    @Test
    void validSdistUploadPassesWithPyversionSource() {
        byte[] bytes = UploadFixtures.validSdist().tarGz();
        Path sdist = UploadFixtures.write(tmp, SDIST, bytes);
        UploadForm f = form("foo-bar", "1.0", "sdist", "source", SDIST).field("sha256_digest", Hashes.sha256(bytes)).build();
        assertThat(validator.validate(f, sdist).filetype()).isEqualTo(FileType.SDIST);
        // pyversion may be left out for sdists
        assertThat(validator.validate(without(f, "pyversion"), sdist).pythonVersion()).isEqualTo("source");
    }

    @Test
    void actionMustBeFileUpload() {
        assertThat(rejected(with(wheelForm().build(), ":action", "submit")).reason())
                .isEqualTo("Unknown :action 'submit' (only file_upload is supported).");
        assertThat(rejected(without(wheelForm().build(), ":action")).reason())
                .isEqualTo("Missing :action (expected file_upload).");
    }

    @Test
    void protocolVersionMustBeOne() {
        assertThat(rejected(with(wheelForm().build(), "protocol_version", "2")).reason()).isEqualTo("Unknown protocol version.");
        // absent means 1, as on PyPI
        assertThat(validator.validate(without(wheelForm().build(), "protocol_version"), wheel).sha256()).isEqualTo(sha256);
    }

    @Test
    void singleValuedFieldsSentTwiceAreRefused() {
        UploadForm f = wheelForm().field("name", "evil").build();
        assertThat(rejected(f).reason()).isEqualTo("Invalid value for name. Error: the field was sent 2 times.");
        UploadForm g = wheelForm().field("sha256_digest", sha256).build();
        assertThat(rejected(g).reason()).isEqualTo("Invalid value for sha256_digest. Error: the field was sent 2 times.");
    }

    @Test
    void nameIsRequiredAndValid() {
        assertThat(rejected(without(wheelForm().build(), "name")).reason())
                .startsWith("'' is an invalid value for Name. Error: This field is required.");
        assertThat(rejected(with(wheelForm().build(), "name", "-foo-")).reason())
                .startsWith("'-foo-' is an invalid value for Name. Error: Start and end with a letter or numeral");
    }

    @Test
    void filetypeIsRequiredAndKnown() {
        assertThat(rejected(with(wheelForm().build(), "filetype", "bdist_egg")).reason())
                .isEqualTo("Invalid value for filetype. Error: Use a known file type.");
        assertThat(rejected(without(wheelForm().build(), "filetype")).reason())
                .isEqualTo("Invalid value for filetype. Error: This field is required.");
    }

    @Test
    void filetypeMustMatchTheExtension() {
        UploadForm f = form("Foo.Bar", "1.0", "sdist", "source", WHEEL).field("sha256_digest", sha256).build();
        assertThat(rejected(f).reason()).isEqualTo("Invalid file extension: Extension .whl is invalid for filetype sdist."
                + " See https://www.python.org/dev/peps/pep-0527 for more information.");
        UploadForm g = form("Foo.Bar", "1.0", "bdist_wheel", "py3", SDIST).field("sha256_digest", sha256).build();
        assertThat(rejected(g).reason()).startsWith("Invalid file extension: Extension .tar.gz is invalid for filetype bdist_wheel.");
    }

    @Test
    void pyversionRules() {
        assertThat(rejected(without(wheelForm().build(), "pyversion")).reason())
                .isEqualTo("Invalid value for pyversion. Error: Python version is required for binary distribution uploads.");
        UploadForm sdist = form("Foo.Bar", "1.0", "sdist", "py3", SDIST).field("sha256_digest", sha256).build();
        assertThat(rejected(sdist).reason())
                .isEqualTo("Invalid value for pyversion. Error: Use 'source' as Python version for an sdist.");
    }

    @Test
    void atLeastOneDigestIsRequired() {
        UploadForm f = without(wheelForm().build(), "sha256_digest");
        assertThat(rejected(f).reason()).isEqualTo("Error: Include at least one message digest.");
        // md5 alone is enough (old clients), and must match
        assertThat(validator.validate(with(f, "md5_digest", md5), wheel).md5()).isEqualTo(md5);
    }

    @Test
    void wrongSha256IsRefused() {
        String wrong = sha256.substring(0, 63) + (sha256.endsWith("0") ? "1" : "0");
        assertThat(rejected(with(wheelForm().build(), "sha256_digest", wrong)).reason())
                .isEqualTo("The digest supplied does not match a digest calculated from the uploaded file.");
    }

    @Test
    void everyGivenDigestMustMatch() {
        UploadForm wrongBlake = wheelForm().field("blake2_256_digest", "0".repeat(64)).build();
        assertThat(rejected(wrongBlake).reason()).startsWith("The digest supplied does not match");
        UploadForm wrongMd5 = wheelForm().field("md5_digest", "0".repeat(32)).build();
        assertThat(rejected(wrongMd5).reason()).startsWith("The digest supplied does not match");
    }

    @Test
    void malformedDigestsAreRefused() {
        assertThat(rejected(with(wheelForm().build(), "sha256_digest", "xyz")).reason())
                .isEqualTo("Invalid value for sha256_digest. Error: Use a valid, hex-encoded, SHA256 message digest.");
        assertThat(rejected(wheelForm().field("blake2_256_digest", "abc").build()).reason())
                .isEqualTo("Invalid value for blake2_256_digest. Error: Use a valid, hex-encoded, BLAKE2 message digest.");
    }

    @Test
    void versionMustBeValidPep440() {
        assertThat(rejected(with(wheelForm().build(), "version", "1.0-final-final")).reason())
                .startsWith("'1.0-final-final' is an invalid value for Version. Error: '1.0-final-final' is not a valid version");
        assertThat(rejected(with(wheelForm().build(), "version", " 1.0")).reason())
                .contains("Cannot have leading or trailing whitespace.");
    }

    @Test
    void unsupportedMetadataVersionInTheFormIsRefused() {
        assertThat(rejected(with(wheelForm().build(), "metadata_version", "3.0")).reason())
                .startsWith("'3.0' is an invalid value for Metadata-Version.");
    }

    @Test
    void formNameMustMatchTheFile() {
        assertThat(rejected(with(wheelForm().build(), "name", "other")).reason())
                .isEqualTo("The name in the upload form ('other') does not match the distribution's metadata ('Foo.Bar').");
        // any spelling that normalizes the same is fine
        assertThat(validator.validate(with(wheelForm().build(), "name", "FOO_bar"), wheel).name()).isEqualTo("Foo.Bar");
    }

    @Test
    void formVersionMustMatchTheFile() {
        assertThat(rejected(with(wheelForm().build(), "version", "1.1")).reason())
                .isEqualTo("The version in the upload form ('1.1') does not match the distribution's metadata ('1.0').");
        assertThat(validator.validate(with(wheelForm().build(), "version", "1.0.0"), wheel).canonicalVersion())
                .isEqualTo("1.0");
    }

    @Test
    void formMetadataVersionAndRequiresPythonMustMatchTheFile() {
        assertThat(rejected(with(wheelForm().build(), "metadata_version", "2.2")).reason())
                .startsWith("The metadata_version in the upload form ('2.2') does not match");
        assertThat(rejected(with(wheelForm().build(), "requires_python", ">=3.9")).reason())
                .startsWith("The requires_python in the upload form ('>=3.9') does not match");
        assertThat(validator.validate(with(wheelForm().build(), "requires_python", ">= 3.8"), wheel).requiresPython())
                .contains(">=3.8");
    }

    @Test
    void filenameRules() {
        assertThat(rejected(UploadForm.of(wheelForm().build().fields(), null)).reason())
                .isEqualTo("Upload payload does not have a file.");
        assertThat(rejected(UploadForm.of(wheelForm().build().fields(), "../" + WHEEL)).reason())
                .isEqualTo("Cannot upload a file with '/' or '\\' in the name.");
        assertThat(rejected(UploadForm.of(wheelForm().build().fields(), "foo\u0000.whl")).reason())
                .startsWith("Cannot upload a file with non-printable characters");
    }

    @Test
    void oversizedUploadIs413AndEmptyIs400() throws Exception {
        UploadValidator small = UploadValidator.builder().maxFileSize(1024).build();
        Throwable t = catchThrowable(() -> small.validate(wheelForm().build(), wheel));
        assertThat(((UploadRejectedException) t).status()).isEqualTo(413);
        Path empty = UploadFixtures.write(tmp, WHEEL, new byte[0]);
        UploadForm f = with(wheelForm().build(), "sha256_digest", Hashes.sha256(new byte[0]));
        UploadRejectedException e = rejected(f, empty);
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.reason()).isEqualTo("Invalid distribution file. " + WHEEL + ": The file is empty.");
    }

    @Test
    void rejectionIsAPackyardBuildError() {
        UploadRejectedException e = rejected(with(wheelForm().build(), "protocol_version", "2"));
        assertThat(e).isInstanceOf(io.packyard.python.PackyardException.class);
        assertThat(e.kind()).isEqualTo(io.packyard.python.PackyardException.Kind.BUILD);
        assertThat(e.getMessage()).isEqualTo(e.reason());
    }
}
