package io.packyard.formats.sign;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.oiw.OIWObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaCertStore;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoGeneratorBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.bouncycastle.tsp.TSPAlgorithms;
import org.bouncycastle.tsp.TimeStampRequest;
import org.bouncycastle.tsp.TimeStampResponse;
import org.bouncycastle.tsp.TimeStampResponseGenerator;
import org.bouncycastle.tsp.TimeStampTokenGenerator;

/**
 * Test fixture: a minimal RFC 3161 time-stamp authority on 127.0.0.1, answering
 * {@code application/timestamp-query} POSTs with BouncyCastle's {@link TimeStampResponseGenerator}
 * and a throw-away self-signed TSA certificate ({@link #certificatePem()} to verify against).
 * It can be told to fail its first requests with HTTP 503, to exercise retries.
 */
final class TimestampAuthorityStub implements AutoCloseable {
    private final HttpServer server;
    private final X509Certificate certificate;
    private final TimeStampResponseGenerator generator;
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger failuresLeft = new AtomicInteger();
    private final AtomicInteger serial = new AtomicInteger();

    TimestampAuthorityStub() throws IOException, GeneralSecurityException {
        try {
            KeyPair keys = CodeSigningCertificates.keyPair("RSA", 2048);
            X500Name name = new X500Name("CN=Packyard Test TSA,O=Packyard Tests");
            certificate = CodeSigningCertificates.certificate(name, name, keys, keys, Instant.now().minus(Duration.ofDays(1)),
                    Instant.now().plus(Duration.ofDays(365)), false, List.of(KeyPurposeId.id_kp_timeStamping), true,
                    KeyUsage.digitalSignature | KeyUsage.nonRepudiation);
            TimeStampTokenGenerator tokens = new TimeStampTokenGenerator(
                    new JcaSimpleSignerInfoGeneratorBuilder().build("SHA256withRSA", keys.getPrivate(), certificate),
                    new JcaDigestCalculatorProviderBuilder().build().get(new AlgorithmIdentifier(OIWObjectIdentifiers.idSHA1)),
                    new ASN1ObjectIdentifier("1.3.6.1.4.1.99999.1"));
            tokens.addCertificates(new JcaCertStore(List.of(certificate)));
            generator = new TimeStampResponseGenerator(tokens, TSPAlgorithms.ALLOWED);
        } catch (org.bouncycastle.operator.OperatorCreationException | org.bouncycastle.tsp.TSPException e) {
            throw new GeneralSecurityException(e);
        }
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/tsa";
    }

    int requests() {
        return requests.get();
    }

    /** The next {@code n} requests get HTTP 503. */
    void failNext(int n) {
        failuresLeft.set(n);
    }

    Path writeCertificatePem(Path file) throws IOException {
        Files.writeString(file, CodeSigningCertificates.pem(certificate), StandardCharsets.US_ASCII);
        return file;
    }

    private void handle(HttpExchange x) throws IOException {
        try (x) {
            requests.incrementAndGet();
            byte[] body;
            try (InputStream in = x.getRequestBody()) {
                body = in.readAllBytes();
            }
            if (failuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                x.sendResponseHeaders(503, -1);
                return;
            }
            if (!"POST".equals(x.getRequestMethod())
                    || !"application/timestamp-query".equals(x.getRequestHeaders().getFirst("Content-Type"))) {
                x.sendResponseHeaders(400, -1);
                return;
            }
            byte[] answer;
            try {
                TimeStampRequest req = new TimeStampRequest(body);
                TimeStampResponse resp = generator.generate(req, BigInteger.valueOf(serial.incrementAndGet()), new Date());
                answer = resp.getEncoded();
            } catch (Exception e) {
                x.sendResponseHeaders(400, -1);
                return;
            }
            x.getResponseHeaders().set("Content-Type", "application/timestamp-reply");
            x.sendResponseHeaders(200, answer.length);
            try (OutputStream out = x.getResponseBody()) {
                out.write(answer);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
