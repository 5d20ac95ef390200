package io.packyard.formats.sign;

import io.packyard.bundle.project.SignSettings;
import io.packyard.python.PackyardException;
import io.packyard.python.util.Progress;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAKey;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;

/**
 * The private key and certificate chain of {@code [tool.packyard.sign]}, loaded from the PKCS#12
 * file once and checked so that a bad configuration fails before anything is built:
 *
 * <ul>
 *   <li>the password is the first line of {@code pfx-password-file} (a UTF-8 byte order mark and
 *       the line end, {@code \n} or {@code \r\n}, are not part of it; spaces are); an empty file
 *       is an error;
 *   <li>the file must be PKCS#12 and open with that password, and hold exactly one private key
 *       usable for code signing (when it holds several, the one whose certificate is for code
 *       signing; more than one such is an error);
 *   <li>the key must be RSA or EC and belong to the certificate;
 *   <li><b>refused</b>: a certificate that is expired or not valid yet (Windows rejects signatures
 *       made outside the validity period, timestamped or not), one whose extended key usage
 *       lists purposes but not code signing, or whose key usage lacks digitalSignature (Windows
 *       rejects those signatures too, so building a signed installer with one would only defer
 *       the failure to the user's machine);
 *   <li><b>warned</b>: a certificate with no extended key usage at all (valid for every purpose
 *       to Windows, but unusual for a code-signing certificate), one that expires within 30
 *       days, an RSA key shorter than 2048 bits, and signing without a timestamp server
 *       (signatures then stop verifying when the certificate expires).
 * </ul>
 */
record SigningIdentity(PrivateKey key, List<X509Certificate> chain, List<String> warnings) {
    /** Extended key usage: code signing (RFC 5280 id-kp-codeSigning). */
    static final String EKU_CODE_SIGNING = "1.3.6.1.5.5.7.3.3";
    /** Extended key usage: any purpose (RFC 5280 anyExtendedKeyUsage). */
    static final String EKU_ANY = "2.5.29.37.0";
    private static final Duration EXPIRY_WARNING = Duration.ofDays(30);
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'")
            .withZone(ZoneOffset.UTC);
    private static final Map<String, String> EKU_NAMES = Map.of(
            "1.3.6.1.5.5.7.3.1", "serverAuth",
            "1.3.6.1.5.5.7.3.2", "clientAuth",
            EKU_CODE_SIGNING, "codeSigning",
            "1.3.6.1.5.5.7.3.4", "emailProtection",
            "1.3.6.1.5.5.7.3.8", "timeStamping",
            "1.3.6.1.5.5.7.3.9", "OCSPSigning");

    SigningIdentity {
        chain = List.copyOf(chain);
        warnings = List.copyOf(warnings);
    }

    X509Certificate certificate() {
        return chain.get(0);
    }

    static SigningIdentity load(SignSettings s, Instant now, Progress progress) {
        String pfxKey = s.where() + ".pfx";
        String passwordKey = s.where() + ".pfx-password-file";
        char[] password = readPassword(s.passwordFile(), passwordKey);
        byte[] pfxBytes = read(s.pfx(), pfxKey);
        KeyStore ks;
        try {
            ks = KeyStore.getInstance("PKCS12");
            ks.load(new ByteArrayInputStream(pfxBytes), password);
        } catch (IOException e) {
            if (rootCause(e) instanceof UnrecoverableKeyException || String.valueOf(e.getMessage()).contains("password")) {
                throw PackyardException.config(pfxKey + ": " + s.pfx() + ": wrong password (the first line of "
                        + s.passwordFile() + ")");
            }
            throw PackyardException.config(pfxKey + ": " + s.pfx() + ": not a PKCS#12 (.pfx/.p12) file: "
                    + rootCause(e).getMessage());
        } catch (GeneralSecurityException e) {
            throw PackyardException.config(pfxKey + ": " + s.pfx() + ": cannot open: " + rootCause(e).getMessage());
        }

        List<X509Certificate> allCerts = new ArrayList<>();
        Map<String, PrivateKey> keys = new TreeMap<>();
        Map<String, List<X509Certificate>> chains = new TreeMap<>();
        try {
            for (String alias : Collections.list(ks.aliases())) {
                Certificate c = ks.getCertificate(alias);
                if (c instanceof X509Certificate x) {
                    allCerts.add(x);
                }
                if (!ks.isKeyEntry(alias)) {
                    continue;
                }
                PrivateKey key;
                try {
                    key = (PrivateKey) ks.getKey(alias, password);
                } catch (UnrecoverableKeyException e) {
                    throw PackyardException.config(pfxKey + ": " + s.pfx() + ": the private key '" + alias
                            + "' has a password other than the file's; Packyard uses one password for both");
                }
                Certificate[] chain = ks.getCertificateChain(alias);
                if (key == null || chain == null || chain.length == 0 || !(chain[0] instanceof X509Certificate)) {
                    continue;
                }
                List<X509Certificate> xs = new ArrayList<>();
                for (Certificate cc : chain) {
                    xs.add((X509Certificate) cc);
                }
                keys.put(alias, key);
                chains.put(alias, xs);
            }
        } catch (GeneralSecurityException e) {
            throw PackyardException.config(pfxKey + ": " + s.pfx() + ": cannot read: " + rootCause(e).getMessage());
        } finally {
            java.util.Arrays.fill(password, '\0');
        }
        if (keys.isEmpty()) {
            throw PackyardException.config(pfxKey + ": " + s.pfx() + ": holds no private key with its certificate"
                    + " (export the code-signing certificate together with its private key)");
        }
        String alias;
        if (keys.size() == 1) {
            alias = keys.keySet().iterator().next();
        } else {
            List<String> signing = keys.keySet().stream().filter(a -> allowsCodeSigning(chains.get(a).get(0))).toList();
            if (signing.size() != 1) {
                throw PackyardException.config(pfxKey + ": " + s.pfx() + ": holds " + keys.size() + " private keys ("
                        + String.join(", ", keys.keySet()) + ") and " + (signing.isEmpty() ? "none" : signing.size())
                        + " of them for code signing; keep only the code-signing one");
            }
            alias = signing.get(0);
        }
        PrivateKey key = keys.get(alias);
        List<X509Certificate> chain = completeChain(chains.get(alias), allCerts);
        X509Certificate cert = chain.get(0);
        String who = "certificate '" + subject(cert) + "'";
        List<String> warnings = new ArrayList<>();

        String alg = key.getAlgorithm();
        if (!alg.equals("RSA") && !alg.equals("EC")) {
            throw PackyardException.config(pfxKey + ": " + s.pfx() + ": the private key is " + alg
                    + "; Authenticode signs with RSA or ECDSA keys");
        }
        if (!keyMatches(key, cert)) {
            throw PackyardException.config(pfxKey + ": " + s.pfx() + ": the private key does not belong to " + who);
        }
        try {
            cert.checkValidity(java.util.Date.from(now));
        } catch (CertificateExpiredException e) {
            throw PackyardException.config(pfxKey + ": " + s.pfx() + ": " + who + " expired on "
                    + DATE.format(cert.getNotAfter().toInstant()) + "; renew it (Windows rejects signatures made after expiry)");
        } catch (CertificateNotYetValidException e) {
            throw PackyardException.config(pfxKey + ": " + s.pfx() + ": " + who + " is not valid before "
                    + DATE.format(cert.getNotBefore().toInstant()));
        }
        List<String> eku;
        try {
            eku = cert.getExtendedKeyUsage();
        } catch (CertificateParsingException e) {
            throw PackyardException.config(pfxKey + ": " + s.pfx() + ": " + who + ": unreadable extended key usage: "
                    + e.getMessage());
        }
        if (eku == null) {
            warnings.add(who + " has no extended key usage; Windows accepts it for code signing, but certificates"
                    + " for code signing normally list codeSigning (" + EKU_CODE_SIGNING + ")");
        } else if (!eku.contains(EKU_CODE_SIGNING) && !eku.contains(EKU_ANY)) {
            throw PackyardException.config(pfxKey + ": " + s.pfx() + ": " + who + " is not for code signing (its"
                    + " extended key usage: " + String.join(", ", eku.stream().map(o -> EKU_NAMES.getOrDefault(o, o)).toList())
                    + "; Authenticode needs codeSigning, " + EKU_CODE_SIGNING + ")");
        }
        boolean[] usage = cert.getKeyUsage();
        if (usage != null && !usage[0]) {
            throw PackyardException.config(pfxKey + ": " + s.pfx() + ": " + who
                    + " does not allow digital signatures (its key usage lacks digitalSignature)");
        }
        Instant notAfter = cert.getNotAfter().toInstant();
        if (notAfter.isBefore(now.plus(EXPIRY_WARNING))) {
            warnings.add(who + " expires on " + DATE.format(notAfter));
        }
        if (key instanceof RSAKey rsa && rsa.getModulus().bitLength() < 2048) {
            warnings.add(who + " has a " + rsa.getModulus().bitLength()
                    + "-bit RSA key; certificate authorities require at least 3072 bits for code signing");
        }
        if (s.timestampUrl().isEmpty()) {
            warnings.add(s.where() + ": no timestamp-url: the signatures stop verifying when the certificate expires on "
                    + DATE.format(notAfter));
        }
        for (String w : warnings) {
            progress.warn(w);
        }
        return new SigningIdentity(key, chain, warnings);
    }

    /** True when the certificate's extended key usage is absent or allows code signing. */
    static boolean allowsCodeSigning(X509Certificate c) {
        try {
            List<String> eku = c.getExtendedKeyUsage();
            return eku == null || eku.contains(EKU_CODE_SIGNING) || eku.contains(EKU_ANY);
        } catch (CertificateParsingException e) {
            return false;
        }
    }

    /** The common name of the certificate's subject, or the whole subject when it has none. */
    static String subject(X509Certificate c) {
        X500Name name = X500Name.getInstance(c.getSubjectX500Principal().getEncoded());
        RDN[] cn = name.getRDNs(BCStyle.CN);
        if (cn.length > 0 && cn[0].getFirst() != null) {
            return IETFUtils.valueToString(cn[0].getFirst().getValue());
        }
        return name.toString();
    }

    /**
     * Extends a chain that stops at the signing certificate with the intermediate certificates
     * the file holds without linking them (some exports do), so the signature carries them.
     */
    private static List<X509Certificate> completeChain(List<X509Certificate> chain, List<X509Certificate> all) {
        List<X509Certificate> out = new ArrayList<>(chain);
        for (int guard = 0; guard < 10; guard++) {
            X509Certificate last = out.get(out.size() - 1);
            if (last.getSubjectX500Principal().equals(last.getIssuerX500Principal())) {
                break;
            }
            X509Certificate issuer = null;
            for (X509Certificate c : all) {
                if (!out.contains(c) && c.getSubjectX500Principal().equals(last.getIssuerX500Principal())) {
                    try {
                        last.verify(c.getPublicKey());
                        issuer = c;
                        break;
                    } catch (GeneralSecurityException e) {
                        // same name, other key: not the issuer
                    }
                }
            }
            if (issuer == null) {
                break;
            }
            out.add(issuer);
        }
        return out;
    }

    /** Signs a probe with the key and verifies it with the certificate's public key. */
    private static boolean keyMatches(PrivateKey key, X509Certificate cert) {
        String alg = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256with" + key.getAlgorithm();
        try {
            byte[] probe = "packyard key check".getBytes(StandardCharsets.US_ASCII);
            Signature s = Signature.getInstance(alg);
            s.initSign(key);
            s.update(probe);
            byte[] sig = s.sign();
            Signature v = Signature.getInstance(alg);
            v.initVerify(cert.getPublicKey());
            v.update(probe);
            return v.verify(sig);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static char[] readPassword(Path file, String where) {
        byte[] bytes = read(file, where);
        int start = bytes.length >= 3 && (bytes[0] & 0xff) == 0xEF && (bytes[1] & 0xff) == 0xBB
                && (bytes[2] & 0xff) == 0xBF ? 3 : 0;
        int end = start;
        while (end < bytes.length && bytes[end] != '\n') {
            end++;
        }
        int lineEnd = end < bytes.length ? end : bytes.length;
        if (lineEnd > start && bytes[lineEnd - 1] == '\r') {
            lineEnd--;
        }
        if (lineEnd == start) {
            throw PackyardException.config(where + ": " + file + " is empty (its first line must be the PFX password)");
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes, start, lineEnd - start))
                    .toString().toCharArray();
        } catch (CharacterCodingException e) {
            throw PackyardException.config(where + ": " + file + ": the password line is not UTF-8 text");
        } finally {
            java.util.Arrays.fill(bytes, (byte) 0);
        }
    }

    private static byte[] read(Path file, String where) {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw PackyardException.config(where + ": " + file + ": no such file");
        } catch (AccessDeniedException e) {
            throw PackyardException.config(where + ": " + file + ": cannot read: permission denied");
        } catch (IOException e) {
            throw PackyardException.config(where + ": " + file + ": cannot read: " + e.getMessage());
        }
    }

    private static Throwable rootCause(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }
}
