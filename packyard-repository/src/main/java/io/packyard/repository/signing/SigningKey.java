package io.packyard.repository.signing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import org.bouncycastle.bcpg.ArmoredOutputStream;
import org.bouncycastle.bcpg.BCPGOutputStream;
import org.bouncycastle.bcpg.HashAlgorithmTags;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPPrivateKey;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPPublicKeyRing;
import org.bouncycastle.openpgp.PGPSecretKey;
import org.bouncycastle.openpgp.PGPSecretKeyRing;
import org.bouncycastle.openpgp.PGPSignature;
import org.bouncycastle.openpgp.PGPSignatureGenerator;
import org.bouncycastle.openpgp.PGPSignatureSubpacketGenerator;
import org.bouncycastle.openpgp.operator.bc.BcPGPContentSignerBuilder;

/**
 * An OpenPGP key that signs repository metadata: {@code InRelease} (clear-signed),
 * {@code Release.gpg} and {@code repomd.xml.asc} (detached, ASCII-armored) and RPM headers (a
 * binary signature packet). Signatures are v4, hash SHA-512 for metadata (what Debian's archive
 * uses) and SHA-256 for RPM headers (what rpmsign uses), with the creation time, issuer key ID and
 * issuer fingerprint in the hashed area.
 *
 * <p>Instances come from {@link RepositoryKeys}; the private key stays in memory and in the key
 * directory. Safe for use by several threads.
 */
public final class SigningKey {
    /** Hash of metadata signatures. */
    public static final int METADATA_HASH = HashAlgorithmTags.SHA512;
    /** Hash of RPM header signatures. */
    public static final int RPM_HASH = HashAlgorithmTags.SHA256;

    private final PGPSecretKeyRing secretRing;
    private final PGPPublicKey signingPublic;
    private final PGPPrivateKey signingPrivate;
    private final Clock clock;

    SigningKey(PGPSecretKeyRing secretRing, PGPSecretKey signing, PGPPrivateKey privateKey, Clock clock) {
        this.secretRing = secretRing;
        this.signingPublic = signing.getPublicKey();
        this.signingPrivate = privateKey;
        this.clock = clock;
    }

    /** The primary key's fingerprint, upper-case hex (40 digits for a v4 key). */
    public String fingerprint() {
        return hex(secretRing.getPublicKey().getFingerprint());
    }

    /** The fingerprint of the key that makes the signatures (the primary key or a signing subkey). */
    public String signingFingerprint() {
        return hex(signingPublic.getFingerprint());
    }

    /** The signing key's 64-bit key ID, upper-case hex, as {@code gpg} and {@code rpm} print it. */
    public String keyId() {
        return String.format(Locale.ROOT, "%016X", signingPublic.getKeyID());
    }

    /** The primary user ID, e.g. {@code Packyard repository <packyard@example.org>}. */
    public String userId() {
        Iterator<String> ids = secretRing.getPublicKey().getUserIDs();
        return ids.hasNext() ? ids.next() : "";
    }

    long signingKeyIdLong() {
        return signingPublic.getKeyID();
    }

    public Instant created() {
        return secretRing.getPublicKey().getCreationTime().toInstant();
    }

    /** The public-key algorithm (OpenPGP number: 1 RSA, 22 EdDSA ...). */
    public int algorithm() {
        return signingPublic.getAlgorithm();
    }

    /** Key size in bits (RSA modulus). */
    public int bitStrength() {
        return signingPublic.getBitStrength();
    }

    PGPSecretKeyRing secretRing() {
        return secretRing;
    }

    /** The transferable public key (primary key, user IDs, subkeys and their signatures), binary. */
    public byte[] publicKeyBinary() {
        return publicKeysBinary(List.of(this));
    }

    /** The transferable public key, ASCII-armored. */
    public byte[] publicKeyArmored() {
        return publicKeysArmored(List.of(this));
    }

    static byte[] publicKeysBinary(List<SigningKey> keys) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (SigningKey k : keys) {
                k.publicRing().encode(out, true);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] publicKeysArmored(List<SigningKey> keys) {
        return armor(publicKeysBinary(keys));
    }

    PGPPublicKeyRing publicRing() {
        List<PGPPublicKey> keys = new ArrayList<>();
        for (Iterator<PGPPublicKey> it = secretRing.getPublicKeys(); it.hasNext(); ) {
            keys.add(it.next());
        }
        return new PGPPublicKeyRing(keys);
    }

    /**
     * A clear-signed message (RFC 4880 §7) for {@code text}, the way Debian's {@code InRelease}
     * is: the UTF-8 text with '\n' line ends and trailing whitespace removed from each line (the
     * signature does not cover it, so it is not shown either), dash-escaped where a line starts
     * with '-', then the armored signature.
     * The signature covers the text with CRLF line ends, trailing whitespace removed and without
     * the line end before the signature block.
     */
    public byte[] clearSign(byte[] text) {
        String s = new String(text, StandardCharsets.UTF_8);
        if (!s.endsWith("\n")) {
            s = s + "\n";
        }
        String[] lines = s.substring(0, s.length() - 1).split("\n", -1);
        ByteArrayOutputStream canonical = new ByteArrayOutputStream();
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].endsWith("\r") ? lines[i].substring(0, lines[i].length() - 1) : lines[i];
            String stripped = line.replaceAll("[ \t]+$", "");
            if (i > 0) {
                canonical.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
            }
            canonical.writeBytes(stripped.getBytes(StandardCharsets.UTF_8));
            // the text shown is the text signed: trailing whitespace, which the signature does not cover, is dropped
            body.append(stripped.startsWith("-") ? "- " + stripped : stripped).append('\n');
        }
        PGPSignature sig = sign(PGPSignature.CANONICAL_TEXT_DOCUMENT, METADATA_HASH, canonical.toByteArray());
        StringBuilder out = new StringBuilder();
        out.append("-----BEGIN PGP SIGNED MESSAGE-----\n");
        out.append("Hash: ").append(hashName(METADATA_HASH)).append("\n\n");
        out.append(body);
        byte[] head = out.toString().getBytes(StandardCharsets.UTF_8);
        byte[] armored = armor(encode(sig));
        byte[] all = new byte[head.length + armored.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(armored, 0, all, head.length, armored.length);
        return all;
    }

    /** A detached, ASCII-armored binary-document signature of {@code data} ({@code Release.gpg}, {@code repomd.xml.asc}). */
    public byte[] detachedArmored(byte[] data) {
        return armor(encode(sign(PGPSignature.BINARY_DOCUMENT, METADATA_HASH, data)));
    }

    /** A detached binary-document signature packet over {@code data}, not armored (RPM header signatures). */
    public byte[] detachedBinary(byte[] data, int hashAlgorithm) {
        return encode(sign(PGPSignature.BINARY_DOCUMENT, hashAlgorithm, data));
    }

    /** {@link #detachedBinary(byte[], int)} over a stream (RPM header and payload). */
    public byte[] detachedBinary(InputStream data, int hashAlgorithm) throws IOException {
        PGPSignatureGenerator g = generator(PGPSignature.BINARY_DOCUMENT, hashAlgorithm);
        byte[] buf = new byte[1 << 16];
        for (int n; (n = data.read(buf)) > 0; ) {
            g.update(buf, 0, n);
        }
        try {
            return encode(g.generate());
        } catch (PGPException e) {
            throw new IllegalStateException("OpenPGP signing failed: " + e.getMessage(), e);
        }
    }

    private PGPSignature sign(int type, int hash, byte[] data) {
        PGPSignatureGenerator g = generator(type, hash);
        g.update(data);
        try {
            return g.generate();
        } catch (PGPException e) {
            throw new IllegalStateException("OpenPGP signing failed: " + e.getMessage(), e);
        }
    }

    private PGPSignatureGenerator generator(int type, int hash) {
        try {
            PGPSignatureGenerator g = new PGPSignatureGenerator(
                    new BcPGPContentSignerBuilder(signingPublic.getAlgorithm(), hash), signingPublic);
            g.init(type, signingPrivate);
            PGPSignatureSubpacketGenerator hashed = new PGPSignatureSubpacketGenerator();
            // whole seconds: OpenPGP times are 32-bit seconds
            hashed.setSignatureCreationTime(false, Date.from(Instant.ofEpochSecond(clock.instant().getEpochSecond())));
            hashed.setIssuerFingerprint(false, signingPublic);
            hashed.setIssuerKeyID(false, signingPublic.getKeyID());
            g.setHashedSubpackets(hashed.generate());
            return g;
        } catch (PGPException e) {
            throw new IllegalStateException("OpenPGP signing failed: " + e.getMessage(), e);
        }
    }

    private static byte[] encode(PGPSignature sig) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (BCPGOutputStream b = new BCPGOutputStream(out)) {
                sig.encode(b);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] armor(byte[] binary) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (ArmoredOutputStream a = ArmoredOutputStream.builder().clearHeaders().enableCRC(true).build(out)) {
                a.write(binary);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String hashName(int hash) {
        return switch (hash) {
            case HashAlgorithmTags.SHA256 -> "SHA256";
            case HashAlgorithmTags.SHA384 -> "SHA384";
            case HashAlgorithmTags.SHA512 -> "SHA512";
            default -> throw new IllegalArgumentException("unsupported hash " + hash);
        };
    }

    static String hex(byte[] b) {
        return HexFormat.of().withUpperCase().formatHex(b);
    }

    @Override
    public String toString() {
        return "SigningKey[" + fingerprint() + " " + userId() + "]";
    }
}
