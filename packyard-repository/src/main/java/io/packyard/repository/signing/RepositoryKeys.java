package io.packyard.repository.signing;

import io.packyard.python.PackyardException;
import io.packyard.python.util.FileTrees;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.bouncycastle.bcpg.CompressionAlgorithmTags;
import org.bouncycastle.bcpg.HashAlgorithmTags;
import org.bouncycastle.bcpg.PublicKeyAlgorithmTags;
import org.bouncycastle.bcpg.SymmetricKeyAlgorithmTags;
import org.bouncycastle.bcpg.sig.Features;
import org.bouncycastle.bcpg.sig.KeyFlags;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.generators.RSAKeyPairGenerator;
import org.bouncycastle.crypto.params.RSAKeyGenerationParameters;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPKeyPair;
import org.bouncycastle.openpgp.PGPKeyRingGenerator;
import org.bouncycastle.openpgp.PGPPrivateKey;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPSecretKey;
import org.bouncycastle.openpgp.PGPSecretKeyRing;
import org.bouncycastle.openpgp.PGPSignature;
import org.bouncycastle.openpgp.PGPSignatureSubpacketGenerator;
import org.bouncycastle.openpgp.PGPSignatureSubpacketVector;
import org.bouncycastle.openpgp.PGPUtil;
import org.bouncycastle.openpgp.bc.BcPGPSecretKeyRingCollection;
import org.bouncycastle.openpgp.operator.PBESecretKeyDecryptor;
import org.bouncycastle.openpgp.operator.bc.BcPBESecretKeyDecryptorBuilder;
import org.bouncycastle.openpgp.operator.bc.BcPGPContentSignerBuilder;
import org.bouncycastle.openpgp.operator.bc.BcPGPDigestCalculatorProvider;
import org.bouncycastle.openpgp.operator.bc.BcPGPKeyPair;

/**
 * The repository signing keys, kept in one directory that only its owner can read.
 *
 * <pre>
 *   &lt;keys&gt;/            0700
 *     current.asc       0600  the ASCII-armored secret key that signs now
 *     next.asc          0600  the key announced for the next rotation (optional)
 *     retired/&lt;FPR&gt;.asc 0600  keys that signed before (kept so old signatures can be traced)
 * </pre>
 *
 * <p>On first use {@link #open} generates an RSA 4096 key: a single v4 primary key that
 * certifies and signs, self-signed with SHA-512, no expiry, no passphrase (the directory's
 * permissions protect it). RSA rather than Ed25519 because every verifier in use accepts it: apt's
 * gpgv and sqv, rpm 4.14 and later (RHEL 8's rpm cannot verify EdDSA), Sequoia's policy on Fedora.
 * No subkey, because rpm before 4.16 does not look for signing subkeys.
 *
 * <p>An imported key ({@link #importSecretKey}) may be passphrase-protected; it is stored as it
 * was and the passphrase is needed each time the keys are opened. Its signing key is its primary
 * key when that can sign, else its newest signing-capable subkey.
 *
 * <p>Rotation: {@link #prepareNext()} (or {@link #importSecretKey} while a current key exists)
 * adds the next key, which {@link #exportPublicKeys()} then publishes next to the current one;
 * once clients have fetched the new key file, {@link #activateNext()} makes it the signing key
 * and retires the old one. Re-sign the repositories afterwards. docs/repositories.md has the steps.
 */
public final class RepositoryKeys {
    /** RSA modulus size of generated keys. */
    public static final int RSA_BITS = 4096;

    private static final String CURRENT = "current.asc";
    private static final String NEXT = "next.asc";
    private static final String RETIRED = "retired";

    private final Path dir;
    private final Clock clock;
    private final char[] passphrase;
    private SigningKey current;
    private SigningKey next;

    private RepositoryKeys(Path dir, Clock clock, char[] passphrase) {
        this.dir = dir;
        this.clock = clock;
        this.passphrase = passphrase == null ? null : passphrase.clone();
    }

    /** {@link #open(Path, String, Clock, char[])} with the system clock and no passphrase. */
    public static RepositoryKeys open(Path keyDir, String userId) {
        return open(keyDir, userId, Clock.systemUTC(), null);
    }

    /**
     * Opens the key directory, creating it (0700) and generating the current key (user ID
     * {@code userId}) when there is none yet.
     *
     * @param passphrase for imported passphrase-protected keys, else null
     * @throws PackyardException when the directory or a key file can be read by others, or a key
     *     cannot be read or decrypted
     */
    public static RepositoryKeys open(Path keyDir, String userId, Clock clock, char[] passphrase) {
        RepositoryKeys keys = new RepositoryKeys(keyDir.toAbsolutePath().normalize(), clock, passphrase);
        try {
            keys.ensureDirectory();
            synchronized (keys) {
                Path current = keys.dir.resolve(CURRENT);
                if (!Files.exists(current)) {
                    keys.writeSecret(current, generate(userId, clock).secretRing());
                }
                keys.current = keys.load(current);
                Path next = keys.dir.resolve(NEXT);
                keys.next = Files.exists(next) ? keys.load(next) : null;
            }
        } catch (IOException e) {
            throw PackyardException.config("signing keys " + keyDir + ": " + e.getMessage());
        }
        return keys;
    }

    public Path directory() {
        return dir;
    }

    /** The key that signs now. */
    public synchronized SigningKey current() {
        return current;
    }

    /** The key announced for the next rotation, if one was prepared. */
    public synchronized Optional<SigningKey> next() {
        return Optional.ofNullable(next);
    }

    /**
     * The public keys clients should trust, ASCII-armored in one file: the current key, then the
     * next one when a rotation is prepared. Serve this at a stable URL (apt's {@code signed-by},
     * dnf's {@code gpgkey}).
     */
    public synchronized byte[] exportPublicKeys() {
        return SigningKey.publicKeysArmored(published());
    }

    /** {@link #exportPublicKeys()} without armor: a keyring file for apt's {@code signed-by} ({@code .gpg}). */
    public synchronized byte[] exportPublicKeysBinary() {
        return SigningKey.publicKeysBinary(published());
    }

    private List<SigningKey> published() {
        List<SigningKey> keys = new ArrayList<>();
        keys.add(current);
        if (next != null) {
            keys.add(next);
        }
        return keys;
    }

    /** Rotation step 1: generates the next key (replacing an earlier prepared one that was never activated). */
    public synchronized SigningKey prepareNext(String userId) {
        SigningKey k = generate(userId, clock);
        try {
            writeSecret(dir.resolve(NEXT), k.secretRing());
            next = load(dir.resolve(NEXT));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dir.resolve(NEXT) + ": " + e.getMessage(), e);
        }
        return next;
    }

    /**
     * Rotation step 2: the next key becomes the current one; the old current key moves to
     * {@code retired/<fingerprint>.asc}.
     */
    public synchronized SigningKey activateNext() {
        if (next == null) {
            throw PackyardException.config("signing keys " + dir + ": no next key to activate (prepare or import one first)");
        }
        try {
            Path retired = dir.resolve(RETIRED);
            Files.createDirectories(retired, ownerOnlyDirectory());
            restrict(retired, true);
            Files.copy(dir.resolve(CURRENT), retired.resolve(current.fingerprint() + ".asc"), StandardCopyOption.REPLACE_EXISTING);
            restrict(retired.resolve(current.fingerprint() + ".asc"), false);
            move(dir.resolve(NEXT), dir.resolve(CURRENT));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot activate the next key in " + dir + ": " + e.getMessage(), e);
        }
        current = next;
        next = null;
        return current;
    }

    /**
     * Imports an ASCII-armored (or binary) OpenPGP secret key, e.g. from
     * {@code gpg --export-secret-keys --armor}. When no key has signed yet it becomes the current
     * key (replacing the one generated on first use); otherwise it becomes the next key, to be
     * activated by {@link #activateNext()}. Importing the current key again changes nothing.
     *
     * @param replaceCurrent make it the current key at once, retiring the old one (for a new
     *     server whose generated key was never published)
     */
    public synchronized SigningKey importSecretKey(Path armoredKey, boolean replaceCurrent) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(armoredKey);
        } catch (IOException e) {
            throw PackyardException.config("signing key " + armoredKey + ": cannot read: " + e.getMessage());
        }
        PGPSecretKeyRing ring = parse(bytes, armoredKey.toString());
        SigningKey imported = unlock(ring, armoredKey.toString());
        if (imported.fingerprint().equals(current.fingerprint())) {
            return current;
        }
        try {
            writeSecret(dir.resolve(NEXT), ring);
            next = load(dir.resolve(NEXT));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dir.resolve(NEXT) + ": " + e.getMessage(), e);
        }
        return replaceCurrent ? activateNext() : next;
    }

    // --- generation ---------------------------------------------------------------------------

    /** Generates an RSA {@value #RSA_BITS} certify+sign primary key with the user ID {@code userId}. */
    public static SigningKey generate(String userId, Clock clock) {
        if (userId == null || userId.isBlank()) {
            throw new IllegalArgumentException("a signing key needs a user ID");
        }
        try {
            RSAKeyPairGenerator rsa = new RSAKeyPairGenerator();
            rsa.init(new RSAKeyGenerationParameters(BigInteger.valueOf(0x10001), new SecureRandom(), RSA_BITS, 112));
            AsymmetricCipherKeyPair kp = rsa.generateKeyPair();
            Date created = Date.from(Instant.ofEpochSecond(clock.instant().getEpochSecond()));
            PGPKeyPair pair = new BcPGPKeyPair(PublicKeyAlgorithmTags.RSA_GENERAL, kp, created);

            PGPSignatureSubpacketGenerator hashed = new PGPSignatureSubpacketGenerator();
            hashed.setKeyFlags(false, KeyFlags.CERTIFY_OTHER | KeyFlags.SIGN_DATA);
            hashed.setPreferredHashAlgorithms(false, new int[] {
                HashAlgorithmTags.SHA512, HashAlgorithmTags.SHA384, HashAlgorithmTags.SHA256
            });
            hashed.setPreferredSymmetricAlgorithms(false, new int[] {
                SymmetricKeyAlgorithmTags.AES_256, SymmetricKeyAlgorithmTags.AES_128
            });
            hashed.setPreferredCompressionAlgorithms(false, new int[] {
                CompressionAlgorithmTags.ZLIB, CompressionAlgorithmTags.ZIP, CompressionAlgorithmTags.UNCOMPRESSED
            });
            hashed.setFeature(false, Features.FEATURE_MODIFICATION_DETECTION);
            hashed.setIssuerFingerprint(false, pair.getPublicKey());
            hashed.setSignatureCreationTime(false, created);
            PGPSignatureSubpacketVector hashedVector = hashed.generate();

            PGPKeyRingGenerator gen = new PGPKeyRingGenerator(
                    PGPSignature.POSITIVE_CERTIFICATION,
                    pair,
                    userId,
                    new BcPGPDigestCalculatorProvider().get(HashAlgorithmTags.SHA1),
                    hashedVector,
                    null,
                    new BcPGPContentSignerBuilder(PublicKeyAlgorithmTags.RSA_GENERAL, HashAlgorithmTags.SHA512),
                    null);
            PGPSecretKeyRing ring = gen.generateSecretKeyRing();
            return new SigningKey(ring, ring.getSecretKey(), pair.getPrivateKey(), clock);
        } catch (PGPException e) {
            throw new IllegalStateException("cannot generate a signing key: " + e.getMessage(), e);
        }
    }

    // --- loading ------------------------------------------------------------------------------

    private SigningKey load(Path file) throws IOException {
        checkRestricted(file, false);
        byte[] bytes = Files.readAllBytes(file);
        return unlock(parse(bytes, file.toString()), file.toString());
    }

    static PGPSecretKeyRing parse(byte[] bytes, String where) {
        try (InputStream in = PGPUtil.getDecoderStream(new ByteArrayInputStream(bytes))) {
            BcPGPSecretKeyRingCollection rings = new BcPGPSecretKeyRingCollection(in);
            Iterator<PGPSecretKeyRing> it = rings.getKeyRings();
            if (!it.hasNext()) {
                throw PackyardException.config("signing key " + where + ": no OpenPGP secret key in the file");
            }
            PGPSecretKeyRing ring = it.next();
            if (it.hasNext()) {
                throw PackyardException.config("signing key " + where + ": more than one secret key in the file; export only the one that signs");
            }
            return ring;
        } catch (IOException | PGPException e) {
            throw PackyardException.config("signing key " + where + ": not an OpenPGP secret key: " + e.getMessage());
        }
    }

    private SigningKey unlock(PGPSecretKeyRing ring, String where) {
        PGPSecretKey signing = signingKey(ring, where);
        if (signing.getPublicKey().getVersion() != 4) {
            throw PackyardException.config("signing key " + where + ": OpenPGP v" + signing.getPublicKey().getVersion()
                    + " keys are not understood by apt's gpgv and rpm; use a v4 key");
        }
        if (signing.isPrivateKeyEmpty()) {
            throw PackyardException.config("signing key " + where + ": the secret part of " + SigningKey.hex(signing.getPublicKey().getFingerprint())
                    + " is missing (a stub exported from a smartcard?)");
        }
        try {
            PBESecretKeyDecryptor decryptor = new BcPBESecretKeyDecryptorBuilder(new BcPGPDigestCalculatorProvider())
                    .build(passphrase == null ? new char[0] : passphrase);
            PGPPrivateKey priv = signing.extractPrivateKey(decryptor);
            if (priv == null) {
                throw PackyardException.config("signing key " + where + ": no private key");
            }
            return new SigningKey(ring, signing, priv, clock);
        } catch (PGPException e) {
            throw PackyardException.config("signing key " + where + ": cannot unlock the secret key"
                    + (passphrase == null ? " (it is passphrase-protected; give the passphrase)" : " (wrong passphrase?)")
                    + ": " + e.getMessage());
        }
    }

    /** The primary key when it may sign, else the newest valid signing subkey. */
    private static PGPSecretKey signingKey(PGPSecretKeyRing ring, String where) {
        PGPPublicKey primary = ring.getPublicKey();
        if (primary.hasRevocation()) {
            throw PackyardException.config("signing key " + where + ": the key is revoked");
        }
        if (canSign(primary, primary)) {
            return ring.getSecretKey();
        }
        PGPSecretKey best = null;
        for (Iterator<PGPSecretKey> it = ring.getSecretKeys(); it.hasNext(); ) {
            PGPSecretKey k = it.next();
            PGPPublicKey pub = k.getPublicKey();
            if (pub.isMasterKey() || pub.hasRevocation() || !canSign(pub, primary)) {
                continue;
            }
            if (best == null || pub.getCreationTime().after(best.getPublicKey().getCreationTime())) {
                best = k;
            }
        }
        if (best == null) {
            throw PackyardException.config("signing key " + where + ": neither the primary key nor a subkey may sign (key flags)");
        }
        return best;
    }

    private static boolean canSign(PGPPublicKey key, PGPPublicKey primary) {
        int algorithm = key.getAlgorithm();
        if (algorithm != PublicKeyAlgorithmTags.RSA_GENERAL && algorithm != PublicKeyAlgorithmTags.RSA_SIGN
                && algorithm != PublicKeyAlgorithmTags.EDDSA_LEGACY && algorithm != PublicKeyAlgorithmTags.Ed25519
                && algorithm != PublicKeyAlgorithmTags.ECDSA && algorithm != PublicKeyAlgorithmTags.DSA) {
            return false;
        }
        long validSeconds = key.getValidSeconds();
        if (validSeconds > 0 && key.getCreationTime().toInstant().plusSeconds(validSeconds).isBefore(Instant.now())) {
            return false;
        }
        Iterator<PGPSignature> sigs = key.isMasterKey() ? key.getSignatures() : key.getSignaturesOfType(PGPSignature.SUBKEY_BINDING);
        boolean flagged = false;
        while (sigs.hasNext()) {
            PGPSignature sig = sigs.next();
            if (sig.getKeyID() != primary.getKeyID()) {
                continue;
            }
            PGPSignatureSubpacketVector v = sig.getHashedSubPackets();
            if (v != null && v.hasSubpacket(org.bouncycastle.bcpg.SignatureSubpacketTags.KEY_FLAGS)) {
                if ((v.getKeyFlags() & KeyFlags.SIGN_DATA) != 0) {
                    return true;
                }
                flagged = true;
            }
        }
        // keys without any key-flags subpacket: only a primary key is assumed to sign
        return !flagged && key.isMasterKey();
    }

    // --- files --------------------------------------------------------------------------------

    private void ensureDirectory() throws IOException {
        if (!Files.exists(dir)) {
            Files.createDirectories(dir.getParent());
            Files.createDirectory(dir, ownerOnlyDirectory());
        }
        restrict(dir, true);
        checkRestricted(dir, true);
    }

    private static boolean posix(Path p) {
        return p.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    private static FileAttribute<?>[] ownerOnlyDirectory() {
        return posix(Path.of(".")) ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"))}
                : new FileAttribute<?>[0];
    }

    /** Removes group and other permissions. */
    private static void restrict(Path p, boolean directory) throws IOException {
        if (posix(p)) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(directory ? "rwx------" : "rw-------"));
        }
    }

    /** Refuses a key directory or file that others may read (like ssh refuses a readable private key). */
    private static void checkRestricted(Path p, boolean directory) throws IOException {
        if (!posix(p)) {
            return;
        }
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
        EnumSet<PosixFilePermission> others = EnumSet.of(
                PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
                PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);
        others.retainAll(perms);
        if (!others.isEmpty()) {
            throw PackyardException.config((directory ? "key directory " : "signing key ") + p + ": permissions "
                    + PosixFilePermissions.toString(perms) + " let others access it; expected "
                    + (directory ? "0700" : "0600") + " (chmod " + (directory ? "700" : "600") + " " + p + ")");
        }
    }

    private void writeSecret(Path target, PGPSecretKeyRing ring) throws IOException {
        ByteArrayOutputStream bin = new ByteArrayOutputStream();
        ring.encode(bin);
        byte[] armored = SigningKey.armor(bin.toByteArray());
        Path tmp = target.resolveSibling("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
        Set<java.nio.file.OpenOption> opts = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        FileAttribute<?>[] attrs = posix(target)
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))}
                : new FileAttribute<?>[0];
        try {
            try (FileChannel ch = FileChannel.open(tmp, opts, attrs); OutputStream out = Channels.newOutputStream(ch)) {
                out.write(armored);
                out.flush();
                ch.force(true);
            }
            restrict(tmp, false);
            move(tmp, target);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
        FileTrees.fsyncDirectory(to.getParent());
    }
}
