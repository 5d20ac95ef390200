package io.packyard.repository.signing;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPPublicKeyRingCollection;
import org.bouncycastle.openpgp.PGPSignature;
import org.bouncycastle.openpgp.PGPSignatureList;
import org.bouncycastle.openpgp.PGPUtil;
import org.bouncycastle.openpgp.bc.BcPGPObjectFactory;
import org.bouncycastle.openpgp.operator.bc.BcKeyFingerprintCalculator;
import org.bouncycastle.openpgp.operator.bc.BcPGPContentVerifierBuilderProvider;

/** Independent OpenPGP verification for tests (BouncyCastle, not the code under test). */
public final class Verify {
    private Verify() {}

    /** True when {@code armoredSignature} is a valid signature of {@code data} by a key in {@code publicKeys}. */
    public static boolean detached(byte[] publicKeys, byte[] data, byte[] armoredSignature) throws Exception {
        PGPSignature sig = signature(new ByteArrayInputStream(armoredSignature));
        PGPPublicKey key = key(publicKeys, sig.getKeyID());
        if (key == null) {
            return false;
        }
        sig.init(new BcPGPContentVerifierBuilderProvider(), key);
        sig.update(data);
        return sig.verify();
    }

    /**
     * Verifies a clear-signed message and returns the signed text (dash-escaping undone, '\n'
     * line ends, ending with '\n'); throws AssertionError when the signature does not verify.
     */
    public static String clearSigned(byte[] publicKeys, byte[] message) throws Exception {
        String s = new String(message, StandardCharsets.UTF_8);
        String begin = "-----BEGIN PGP SIGNED MESSAGE-----\n";
        if (!s.startsWith(begin)) {
            throw new AssertionError("not a clear-signed message");
        }
        int bodyStart = s.indexOf("\n\n", begin.length()) + 2;
        int sigStart = s.indexOf("\n-----BEGIN PGP SIGNATURE-----\n", bodyStart);
        String body = s.substring(bodyStart, sigStart);
        StringBuilder text = new StringBuilder();
        StringBuilder canonical = new StringBuilder();
        String[] lines = body.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].startsWith("- ") ? lines[i].substring(2) : lines[i];
            text.append(line).append('\n');
            if (i > 0) {
                canonical.append("\r\n");
            }
            canonical.append(line.replaceAll("[ \t]+$", ""));
        }
        PGPSignature sig = signature(new ByteArrayInputStream(s.substring(sigStart + 1).getBytes(StandardCharsets.US_ASCII)));
        PGPPublicKey key = key(publicKeys, sig.getKeyID());
        if (key == null) {
            throw new AssertionError("signed by an unknown key " + Long.toHexString(sig.getKeyID()));
        }
        sig.init(new BcPGPContentVerifierBuilderProvider(), key);
        sig.update(canonical.toString().getBytes(StandardCharsets.UTF_8));
        if (!sig.verify()) {
            throw new AssertionError("bad signature");
        }
        return text.toString();
    }

    private static PGPPublicKey key(byte[] publicKeys, long keyId) throws Exception {
        PGPPublicKeyRingCollection rings = new PGPPublicKeyRingCollection(
                PGPUtil.getDecoderStream(new ByteArrayInputStream(publicKeys)), new BcKeyFingerprintCalculator());
        return rings.getPublicKey(keyId);
    }

    private static PGPSignature signature(InputStream armored) throws Exception {
        try (InputStream in = PGPUtil.getDecoderStream(armored)) {
            return ((PGPSignatureList) new BcPGPObjectFactory(in).nextObject()).get(0);
        }
    }
}
