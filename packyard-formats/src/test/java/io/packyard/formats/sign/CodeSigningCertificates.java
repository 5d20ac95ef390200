package io.packyard.formats.sign;

import io.packyard.bundle.project.SignSettings;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Test fixture: code-signing certificates made on the fly with BouncyCastle (self-signed, or
 * issued by a throw-away CA), written as a PKCS#12 file, a password file and a PEM file to
 * verify against. Nothing here is a real certificate.
 */
final class CodeSigningCertificates {
    private static final AtomicLong SERIAL = new AtomicLong(System.nanoTime() & 0xffffffffL);

    private CodeSigningCertificates() {}

    /** What a generated certificate looks like. */
    static final class Spec {
        String cn = "Packyard Test Code Signing";
        String keyAlgorithm = "RSA";
        int keySize = 3072;
        List<KeyPurposeId> eku = new ArrayList<>(List.of(KeyPurposeId.id_kp_codeSigning));
        boolean ekuCritical = false;
        boolean noEku = false;
        int keyUsage = KeyUsage.digitalSignature;
        Instant notBefore = Instant.now().minus(Duration.ofDays(1));
        Instant notAfter = Instant.now().plus(Duration.ofDays(365));
        boolean issuedByCa = false;
        boolean withPrivateKey = true;
        String password = "correct horse battery staple";

        Spec cn(String v) {
            cn = v;
            return this;
        }

        Spec ec() {
            keyAlgorithm = "EC";
            keySize = 256;
            return this;
        }

        Spec eku(KeyPurposeId... ids) {
            eku = new ArrayList<>(List.of(ids));
            return this;
        }

        Spec timestampingEku() {
            eku = new ArrayList<>(List.of(KeyPurposeId.id_kp_timeStamping));
            ekuCritical = true;
            return this;
        }

        Spec noEku() {
            noEku = true;
            return this;
        }

        Spec keyUsage(int ku) {
            keyUsage = ku;
            return this;
        }

        Spec valid(Instant from, Instant to) {
            notBefore = from;
            notAfter = to;
            return this;
        }

        Spec issuedByCa() {
            issuedByCa = true;
            return this;
        }

        Spec certificateOnly() {
            withPrivateKey = false;
            return this;
        }

        Spec password(String p) {
            password = p;
            return this;
        }
    }

    /**
     * Generated files: {@code pfx} (key and chain), {@code passwordFile} (the password and a
     * newline), {@code trustPem} (the certificate to pass to {@code osslsigncode verify -CAfile}:
     * the CA's when there is one, else the self-signed certificate itself).
     */
    record Generated(Path pfx, Path passwordFile, Path trustPem, X509Certificate certificate, KeyPair keys,
            List<X509Certificate> chain) {
        SignSettings settings() {
            return settings(Optional.empty());
        }

        SignSettings settings(Optional<String> timestampUrl) {
            return new SignSettings(pfx, passwordFile, timestampUrl, "pyproject.toml:30: [tool.packyard.sign]");
        }
    }

    static Spec spec() {
        return new Spec();
    }

    static Generated write(Spec spec, Path dir) throws IOException, GeneralSecurityException {
        Files.createDirectories(dir);
        KeyPair keys = keyPair(spec.keyAlgorithm, spec.keySize);
        List<X509Certificate> chain = new ArrayList<>();
        X509Certificate trust;
        if (spec.issuedByCa) {
            KeyPair caKeys = keyPair("RSA", 2048);
            X500Name caName = new X500Name("CN=Packyard Test Root CA,O=Packyard Tests");
            X509Certificate ca = certificate(caName, caName, caKeys, caKeys, Instant.now().minus(Duration.ofDays(2)),
                    Instant.now().plus(Duration.ofDays(3650)), true, null, false, KeyUsage.keyCertSign | KeyUsage.cRLSign);
            X509Certificate leaf = certificate(new X500Name("CN=" + spec.cn + ",O=Packyard Tests"), caName, keys, caKeys,
                    spec.notBefore, spec.notAfter, false, spec.noEku ? null : spec.eku, spec.ekuCritical, spec.keyUsage);
            chain.add(leaf);
            chain.add(ca);
            trust = ca;
        } else {
            X500Name name = new X500Name("CN=" + spec.cn + ",O=Packyard Tests");
            X509Certificate self = certificate(name, name, keys, keys, spec.notBefore, spec.notAfter, false,
                    spec.noEku ? null : spec.eku, spec.ekuCritical, spec.keyUsage);
            chain.add(self);
            trust = self;
        }
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        char[] pw = spec.password.toCharArray();
        if (spec.withPrivateKey) {
            ks.setKeyEntry("signing", keys.getPrivate(), pw, chain.toArray(new Certificate[0]));
        } else {
            ks.setCertificateEntry("signing", chain.get(0));
        }
        Path pfx = dir.resolve("certificate.pfx");
        try (OutputStream out = Files.newOutputStream(pfx)) {
            ks.store(out, pw);
        }
        Path password = dir.resolve("password.txt");
        Files.writeString(password, spec.password + "\n", StandardCharsets.UTF_8);
        Path pem = dir.resolve("trust.pem");
        Files.writeString(pem, pem(trust), StandardCharsets.US_ASCII);
        return new Generated(pfx, password, pem, chain.get(0), keys, chain);
    }

    /**
     * A key pair, shared by every certificate of the same algorithm and size in this JVM: RSA key
     * generation takes seconds on a busy machine, and what the tests vary is the certificate.
     */
    static KeyPair keyPair(String algorithm, int size) throws GeneralSecurityException {
        String key = algorithm + "-" + size;
        synchronized (KEYS) {
            KeyPair k = KEYS.get(key);
            if (k == null) {
                KeyPairGenerator g = KeyPairGenerator.getInstance(algorithm);
                g.initialize(size);
                k = g.generateKeyPair();
                KEYS.put(key, k);
            }
            return k;
        }
    }

    private static final java.util.Map<String, KeyPair> KEYS = new java.util.HashMap<>();

    static X509Certificate certificate(X500Name subject, X500Name issuer, KeyPair subjectKeys, KeyPair issuerKeys,
            Instant notBefore, Instant notAfter, boolean ca, List<KeyPurposeId> eku, boolean ekuCritical, int keyUsage)
            throws GeneralSecurityException, IOException {
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(SERIAL.incrementAndGet()),
                Date.from(notBefore), Date.from(notAfter), subject, subjectKeys.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(keyUsage));
        if (eku != null) {
            b.addExtension(Extension.extendedKeyUsage, ekuCritical, new ExtendedKeyUsage(eku.toArray(new KeyPurposeId[0])));
        }
        String alg = issuerKeys.getPrivate().getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
        try {
            return new JcaX509CertificateConverter().getCertificate(
                    b.build(new JcaContentSignerBuilder(alg).build(issuerKeys.getPrivate())));
        } catch (org.bouncycastle.operator.OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    static String pem(Object o) throws IOException {
        StringWriter sw = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(sw)) {
            w.writeObject(o);
        }
        return sw.toString();
    }
}
