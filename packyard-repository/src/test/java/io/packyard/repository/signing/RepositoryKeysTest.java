package io.packyard.repository.signing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.packyard.python.PackyardException;
import io.packyard.repository.packages.Cmd;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.bouncycastle.openpgp.PGPPublicKeyRingCollection;
import org.bouncycastle.openpgp.PGPSignature;
import org.bouncycastle.openpgp.PGPSignatureList;
import org.bouncycastle.openpgp.PGPUtil;
import org.bouncycastle.openpgp.bc.BcPGPObjectFactory;
import org.bouncycastle.openpgp.operator.bc.BcKeyFingerprintCalculator;
import org.bouncycastle.openpgp.operator.bc.BcPGPContentVerifierBuilderProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RepositoryKeysTest {
    @TempDir
    static Path shared;

    static RepositoryKeys keys;

    @BeforeAll
    static void generate() {
        keys = RepositoryKeys.open(shared.resolve("data/keys"), "Packyard Test Repository <repo@packyard.example.org>");
    }

    @Test
    void generatesAnRsa4096CertifyAndSignKeyOnFirstUseAndKeepsIt() {
        SigningKey k = keys.current();
        assertThat(k.bitStrength()).isEqualTo(4096);
        assertThat(k.algorithm()).isEqualTo(org.bouncycastle.bcpg.PublicKeyAlgorithmTags.RSA_GENERAL);
        assertThat(k.userId()).isEqualTo("Packyard Test Repository <repo@packyard.example.org>");
        assertThat(k.fingerprint()).hasSize(40).isEqualTo(k.signingFingerprint());
        assertThat(k.keyId()).isEqualTo(k.fingerprint().substring(24));

        RepositoryKeys again = RepositoryKeys.open(shared.resolve("data/keys"), "another user id is ignored");
        assertThat(again.current().fingerprint()).isEqualTo(k.fingerprint());
    }

    @Test
    void keyDirectoryIsOwnerOnlyAndALooseKeyFileIsRefused() throws IOException {
        Path dir = shared.resolve("data/keys");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("current.asc")))).isEqualTo("rw-------");
        assertThat(Files.readString(dir.resolve("current.asc"))).startsWith("-----BEGIN PGP PRIVATE KEY BLOCK-----");

        Path other = shared.resolve("loose/keys");
        TestKeys.keysIn(other);
        Files.setPosixFilePermissions(other.resolve("current.asc"), PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> RepositoryKeys.open(other, "Loose <loose@example.org>"))
                .isInstanceOf(PackyardException.class)
                .hasMessageContaining("current.asc")
                .hasMessageContaining("expected 0600");
    }

    @Test
    void exportedPublicKeyHasNoSecretMaterial() throws Exception {
        byte[] armored = keys.exportPublicKeys();
        String text = new String(armored, StandardCharsets.US_ASCII);
        assertThat(text).startsWith("-----BEGIN PGP PUBLIC KEY BLOCK-----").doesNotContain("PRIVATE");
        PGPPublicKeyRingCollection rings = new PGPPublicKeyRingCollection(
                PGPUtil.getDecoderStream(new ByteArrayInputStream(armored)), new BcKeyFingerprintCalculator());
        assertThat(rings.size()).isEqualTo(1);
        assertThat(rings.getPublicKey(keys.current().signingKeyIdLong())).isNotNull();
    }

    @Test
    void detachedAndClearSignaturesVerifyWithBouncyCastle() throws Exception {
        byte[] data = "Origin: Test\nLabel: test\nSuite: stable\n".getBytes(StandardCharsets.UTF_8);
        PGPSignature detached = signature(keys.current().detachedArmored(data));
        detached.init(new BcPGPContentVerifierBuilderProvider(), keys.current().publicRing().getPublicKey());
        detached.update(data);
        assertThat(detached.verify()).isTrue();
        assertThat(detached.getHashAlgorithm()).isEqualTo(SigningKey.METADATA_HASH);

        PGPSignature tampered = signature(keys.current().detachedArmored(data));
        tampered.init(new BcPGPContentVerifierBuilderProvider(), keys.current().publicRing().getPublicKey());
        tampered.update("Origin: Evil\n".getBytes(StandardCharsets.UTF_8));
        assertThat(tampered.verify()).isFalse();

        String clear = new String(keys.current().clearSign(data), StandardCharsets.UTF_8);
        assertThat(clear).startsWith("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\nOrigin: Test\nLabel: test\nSuite: stable\n-----BEGIN PGP SIGNATURE-----\n");
    }

    @Test
    @Tag("system")
    void gpgvAcceptsTheSignaturesAndRejectsTamperedText() throws IOException {
        Path dir = Files.createDirectories(shared.resolve("gpgv"));
        Path keyring = dir.resolve("keyring.gpg");
        Files.write(keyring, keys.exportPublicKeysBinary());
        byte[] release = "Origin: Packyard\nSuite: stable\nLine-With-Trailing: x  \n- dash line\n".getBytes(StandardCharsets.UTF_8);
        Path data = Files.write(dir.resolve("Release"), release);
        Path sig = Files.write(dir.resolve("Release.gpg"), keys.current().detachedArmored(release));
        Path inRelease = Files.write(dir.resolve("InRelease"), keys.current().clearSign(release));
        Cmd.Result detached = gpgv(dir, keyring, sig.toString(), data.toString());
        assertThat(detached.exitCode()).as(detached.output()).isZero();
        assertThat(detached.stdout()).contains("[GNUPG:] VALIDSIG " + keys.current().fingerprint());
        Cmd.Result clear = gpgv(dir, keyring, inRelease.toString());
        assertThat(clear.exitCode()).as(clear.output()).isZero();
        assertThat(clear.stdout()).contains("[GNUPG:] VALIDSIG " + keys.current().fingerprint());

        Path out = dir.resolve("extracted");
        Cmd.Result extract = Cmd.run(List.of("gpgv", "--keyring", keyring.toString(), "--output", out.toString(), inRelease.toString()), Map.of(), dir);
        assertThat(extract.exitCode()).as(extract.output()).isZero();
        // what gpgv extracts is what the file shows: the text without the trailing blanks the signature does not cover
        assertThat(Files.readString(out)).isEqualTo(new String(release, StandardCharsets.UTF_8).replace("x  \n", "x\n"));
        assertThat(Files.readString(inRelease)).contains("\nLine-With-Trailing: x\n- - dash line\n");

        Files.writeString(data, "Origin: Packyard\nSuite: unstable\n");
        assertThat(gpgv(dir, keyring, sig.toString(), data.toString()).exitCode()).isNotZero();
        Files.writeString(inRelease, Files.readString(inRelease).replace("Suite: stable", "Suite: stabLe"));
        Cmd.Result bad = gpgv(dir, keyring, inRelease.toString());
        assertThat(bad.exitCode()).isNotZero();
        assertThat(bad.stdout()).contains("BADSIG");
    }

    private static Cmd.Result gpgv(Path dir, Path keyring, String... files) {
        List<String> cmd = new java.util.ArrayList<>(List.of("gpgv", "--status-fd", "1", "--keyring", keyring.toString()));
        cmd.addAll(List.of(files));
        return Cmd.run(cmd, Map.of("GNUPGHOME", dir.toString()), dir);
    }

    @Test
    void rotationPublishesBothKeysThenSwitchesAndRetiresTheOldOne() throws Exception {
        Path dir = shared.resolve("rotate/keys");
        RepositoryKeys k = TestKeys.keysIn(dir);
        String first = k.current().fingerprint();
        assertThat(k.next()).isEmpty();
        SigningKey next = k.prepareNext("Rotate 2027 <rotate@example.org>");
        assertThat(next.fingerprint()).isNotEqualTo(first);
        assertThat(k.current().fingerprint()).isEqualTo(first);
        assertThat(fingerprints(k.exportPublicKeysBinary())).containsExactly(first, next.fingerprint());

        RepositoryKeys reopened = RepositoryKeys.open(dir, "ignored", Clock.systemUTC(), null);
        assertThat(reopened.next().orElseThrow().fingerprint()).isEqualTo(next.fingerprint());
        reopened.activateNext();
        assertThat(reopened.current().fingerprint()).isEqualTo(next.fingerprint());
        assertThat(reopened.next()).isEmpty();
        assertThat(fingerprints(reopened.exportPublicKeysBinary())).containsExactly(next.fingerprint());
        assertThat(dir.resolve("retired/" + first + ".asc")).exists();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("retired/" + first + ".asc")))).isEqualTo("rw-------");
        assertThat(RepositoryKeys.open(dir, "ignored").current().fingerprint()).isEqualTo(next.fingerprint());
    }

    @Test
    @Tag("system")
    void importsAPassphraseProtectedEd25519GpgKeyAsTheNextKey() throws IOException {
        Path home = Files.createDirectories(shared.resolve("gnupg"));
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwx------"));
        Map<String, String> env = Map.of("GNUPGHOME", home.toString());
        Cmd.run(List.of("gpg", "--batch", "--pinentry-mode", "loopback", "--passphrase", "s3cret",
                "--quick-gen-key", "Imported <imported@example.org>", "ed25519", "sign", "never"), env, home).ok();
        Cmd.Result export = Cmd.run(List.of("gpg", "--batch", "--pinentry-mode", "loopback", "--passphrase", "s3cret",
                "--armor", "--export-secret-keys", "imported@example.org"), env, home).ok();
        Path file = Files.writeString(home.resolve("secret.asc"), export.stdout());
        String fpr = Cmd.run(List.of("gpg", "--batch", "--with-colons", "--list-keys", "imported@example.org"), env, home).ok()
                .stdout().lines().filter(l -> l.startsWith("fpr:")).findFirst().orElseThrow().split(":")[9];

        Path dir = shared.resolve("import/keys");
        RepositoryKeys withoutPassphrase = TestKeys.keysIn(dir);
        assertThatThrownBy(() -> withoutPassphrase.importSecretKey(file, false))
                .isInstanceOf(PackyardException.class)
                .hasMessageContaining("passphrase");

        RepositoryKeys k = RepositoryKeys.open(dir, "Generated <g@example.org>", Clock.systemUTC(), "s3cret".toCharArray());
        SigningKey imported = k.importSecretKey(file, false);
        assertThat(imported.fingerprint()).isEqualTo(fpr);
        assertThat(k.next().orElseThrow().fingerprint()).isEqualTo(fpr);
        assertThat(k.current().fingerprint()).isNotEqualTo(fpr);
        k.activateNext();
        assertThat(RepositoryKeys.open(dir, "x", Clock.systemUTC(), "s3cret".toCharArray()).current().fingerprint()).isEqualTo(fpr);

        // a signature by the imported key verifies with gpg's own public key
        byte[] data = "signed by an imported key\n".getBytes(StandardCharsets.UTF_8);
        Path d = Files.write(home.resolve("data"), data);
        Path s = Files.write(home.resolve("data.asc"), k.current().detachedArmored(data));
        Cmd.Result v = Cmd.run(List.of("gpg", "--batch", "--status-fd", "1", "--verify", s.toString(), d.toString()), env, home);
        assertThat(v.exitCode()).as(v.output()).isZero();
        assertThat(v.stdout()).contains("VALIDSIG");
    }

    /** The primary-key fingerprints of the transferable public keys in {@code binary}, in file order. */
    private static List<String> fingerprints(byte[] binary) throws Exception {
        List<String> out = new java.util.ArrayList<>();
        BcPGPObjectFactory f = new BcPGPObjectFactory(new ByteArrayInputStream(binary));
        for (Object o; (o = f.nextObject()) != null; ) {
            out.add(SigningKey.hex(((org.bouncycastle.openpgp.PGPPublicKeyRing) o).getPublicKey().getFingerprint()));
        }
        return out;
    }

    private static PGPSignature signature(byte[] armored) throws Exception {
        try (InputStream in = PGPUtil.getDecoderStream(new ByteArrayInputStream(armored))) {
            Object o = new BcPGPObjectFactory(in).nextObject();
            return ((PGPSignatureList) o).get(0);
        }
    }
}
