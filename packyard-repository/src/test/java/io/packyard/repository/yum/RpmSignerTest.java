package io.packyard.repository.yum;

import static org.assertj.core.api.Assertions.assertThat;

import io.packyard.repository.packages.Cmd;
import io.packyard.repository.packages.TestPackages;
import io.packyard.repository.signing.RepositoryKeys;
import io.packyard.repository.signing.SigningKey;
import io.packyard.repository.signing.TestKeys;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("system")
class RpmSignerTest {
    @TempDir
    static Path work;

    static RepositoryKeys keys;
    static Path rpmdb;

    @BeforeAll
    static void setUp() throws IOException {
        keys = TestKeys.keysIn(work.resolve("keys"));
        rpmdb = Files.createDirectories(work.resolve("rpmdb"));
        Path asc = Files.write(work.resolve("key.asc"), keys.exportPublicKeys());
        Cmd.run("rpmkeys", "--dbpath", rpmdb.toString(), "--import", asc.toString()).ok();
    }

    @Test
    void signedPackyardRpmVerifiesWithRpmkeysAndKeepsItsIdentity() throws IOException {
        Path rpm = TestPackages.packyardRpm(work.resolve("a"), "signed-app", "1.0");
        assertSignedAndIntact(rpm);
    }

    @Test
    void signedRpmbuildPackageVerifiesToo() throws IOException {
        assertSignedAndIntact(RpmFixtures.richRpm(work.resolve("b")));
    }

    @Test
    void resigningReplacesTheOldSignature() throws IOException {
        Path rpm = TestPackages.packyardRpm(work.resolve("c"), "resigned-app", "1.0");
        SigningKey other = TestKeys.other();
        Path first = work.resolve("c/first.rpm");
        RpmSigner.sign(rpm, first, other);
        assertThat(rpmkeys(first).output()).containsIgnoringCase("NOKEY");
        assertThat(RpmPackageReader.read(first).signatureKeyIds()).allMatch(other.keyId()::equals);

        Path second = work.resolve("c/second.rpm");
        RpmSigner.sign(first, second, keys.current());
        Cmd.Result r = rpmkeys(second);
        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(r.output()).doesNotContain(other.keyId().substring(8).toLowerCase(Locale.ROOT));
        assertThat(RpmPackageReader.read(second).signatureKeyIds()).isNotEmpty().allMatch(keys.current().keyId()::equals);
        assertThat(RpmPackageReader.read(second).contentSha256()).isEqualTo(RpmPackageReader.read(rpm).contentSha256());
    }

    private static void assertSignedAndIntact(Path rpm) throws IOException {
        Path signed = rpm.resolveSibling("signed-" + rpm.getFileName());
        RpmSigner.sign(rpm, signed, keys.current());
        Cmd.Result r = rpmkeys(signed);
        assertThat(r.exitCode()).as(r.output()).isZero();
        String shortId = keys.current().keyId().substring(8).toLowerCase(Locale.ROOT);
        assertThat(r.output()).contains("Header V4 RSA/SHA256 Signature, key ID " + shortId + ": OK");
        assertThat(r.output()).doesNotContain("NOKEY").doesNotContain("BAD").doesNotContain("NOTTRUSTED");

        RpmPackage before = RpmPackageReader.read(rpm);
        RpmPackage after = RpmPackageReader.read(signed);
        assertThat(after.contentSha256()).isEqualTo(before.contentSha256());
        assertThat(after.sha256()).isNotEqualTo(before.sha256());
        assertThat(after.signatureKeyIds()).isNotEmpty().allMatch(keys.current().keyId()::equals);
        assertThat(after.headerEnd() - after.headerStart()).isEqualTo(before.headerEnd() - before.headerStart());
        if (!before.hasPayloadDigest()) {
            // no payload digest in the signed header: the header+payload signature covers the payload
            assertThat(r.output()).contains("V4 RSA/SHA256 Signature, key ID " + shortId + ": OK");
            assertThat(after.signatureKeyIds()).hasSize(2);
        }
        // the package still installs its files unchanged: rpm2cpio gives the same payload
        assertThat(Cmd.run("sh", "-c", "rpm2cpio '" + signed + "' | sha256sum").ok().stdout())
                .isEqualTo(Cmd.run("sh", "-c", "rpm2cpio '" + rpm + "' | sha256sum").ok().stdout());
    }

    private static Cmd.Result rpmkeys(Path rpm) {
        return Cmd.run(List.of("rpmkeys", "--dbpath", rpmdb.toString(), "-Kv", rpm.toString()), Map.of(), null);
    }
}
