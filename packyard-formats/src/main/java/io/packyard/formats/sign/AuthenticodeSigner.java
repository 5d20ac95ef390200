package io.packyard.formats.sign;

import io.packyard.bundle.project.SignSettings;
import io.packyard.python.PackyardException;
import io.packyard.python.util.FileTrees;
import io.packyard.python.util.Progress;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import java.util.UUID;
import net.jsign.DigestAlgorithm;
import net.jsign.Signable;
import net.jsign.msi.MSIFile;
import net.jsign.pe.PEFile;
import net.jsign.timestamp.TimestampingException;
import net.jsign.timestamp.TimestampingMode;

/**
 * Authenticode signatures on Windows executables (PE: .exe, .dll, .pyd) and installers (.msi),
 * with the certificate and key of {@code [tool.packyard.sign]}, through jsign.
 *
 * <ul>
 *   <li>SHA-256 file digest, RSA (PKCS#1 v1.5) or ECDSA signature, the certificate chain of the
 *       PKCS#12 file embedded;
 *   <li>an RFC 3161 timestamp from {@code timestamp-url} when one is configured, tried
 *       {@link #DEFAULT_TIMESTAMP_ATTEMPTS} times {@link #DEFAULT_TIMESTAMP_RETRY_WAIT} apart
 *       before the build fails with an error naming the URL;
 *   <li>any signature the file already had is replaced, so signing is idempotent (signing a
 *       signed file again gives the same bytes as signing it once); files signed by someone else
 *       (a vendor's DLL) are better left out of the list given to {@link #signAll};
 *   <li>in place but atomically: a copy under a temporary name in the same directory is signed,
 *       fsynced and renamed over the original, so a failure or a crash never leaves a half-signed
 *       file behind.
 * </ul>
 *
 * <p><b>Reproducibility.</b> Authenticode signed attributes carry no signing time (jsign leaves
 * it out, as signtool does), and RSA PKCS#1 v1.5 signatures are deterministic, so without a
 * timestamp the same file signed with the same RSA key gives the same bytes. A timestamp holds
 * the time the server saw and its own signature, so timestamped outputs are reproducible only up
 * to the signature: strip it ({@code osslsigncode remove-signature}) and the rest of the file is
 * byte-identical. ECDSA signatures use a random nonce and differ on every run.
 *
 * <p>Thread-safe: one signer may sign several files at a time.
 */
public final class AuthenticodeSigner {
    /** Attempts at the timestamp server before the build fails. */
    public static final int DEFAULT_TIMESTAMP_ATTEMPTS = 3;
    /** Pause between attempts at the timestamp server. */
    public static final Duration DEFAULT_TIMESTAMP_RETRY_WAIT = Duration.ofSeconds(10);

    private final SigningIdentity identity;
    private final Optional<String> timestampUrl;
    private final int timestampAttempts;
    private final Duration timestampRetryWait;
    private final String programName;
    private final String programUrl;

    private AuthenticodeSigner(SigningIdentity identity, Optional<String> timestampUrl, int timestampAttempts,
            Duration timestampRetryWait, String programName, String programUrl) {
        this.identity = identity;
        this.timestampUrl = timestampUrl;
        this.timestampAttempts = timestampAttempts;
        this.timestampRetryWait = timestampRetryWait;
        this.programName = programName;
        this.programUrl = programUrl;
    }

    /**
     * Loads and checks the PKCS#12 file of {@code [tool.packyard.sign]} (see {@link SigningIdentity}
     * for what is refused); warnings are dropped. Throws a configuration error naming the file
     * and key on any problem.
     */
    public static AuthenticodeSigner from(SignSettings settings) {
        return from(settings, Progress.NONE);
    }

    /** As {@link #from(SignSettings)}, reporting warnings (certificate about to expire, no timestamp server) to {@code progress}. */
    public static AuthenticodeSigner from(SignSettings settings, Progress progress) {
        Objects.requireNonNull(settings, "settings");
        SigningIdentity id = SigningIdentity.load(settings, Instant.now(), progress == null ? Progress.NONE : progress);
        return new AuthenticodeSigner(id, settings.timestampUrl(), DEFAULT_TIMESTAMP_ATTEMPTS,
                DEFAULT_TIMESTAMP_RETRY_WAIT, null, null);
    }

    /** This signer with another timestamp retry policy: {@code attempts} tries (at least 1), {@code wait} apart (whole seconds). */
    public AuthenticodeSigner withTimestampRetries(int attempts, Duration wait) {
        if (attempts < 1) {
            throw new IllegalArgumentException("attempts must be at least 1: " + attempts);
        }
        if (wait.isNegative()) {
            throw new IllegalArgumentException("negative wait: " + wait);
        }
        return new AuthenticodeSigner(identity, timestampUrl, attempts, wait, programName, programUrl);
    }

    /**
     * This signer, naming the program in the signatures (the SpcSpOpusInfo attribute): Windows
     * shows the name in the UAC prompt of a signed .msi instead of the file's (often temporary)
     * name, and the URL as its "more information" link. Either may be null.
     */
    public AuthenticodeSigner withDescription(String programName, String programUrl) {
        return new AuthenticodeSigner(identity, timestampUrl, timestampAttempts, timestampRetryWait,
                blankToNull(programName), blankToNull(programUrl));
    }

    /** The signing certificate. */
    public X509Certificate certificate() {
        return identity.certificate();
    }

    /** The warnings found while loading the certificate (also given to the {@link Progress} of {@link #from(SignSettings, Progress)}). */
    public List<String> warnings() {
        return identity.warnings();
    }

    /** The timestamp server, if one is configured. */
    public Optional<String> timestampUrl() {
        return timestampUrl;
    }

    /**
     * Signs a PE file or an MSI package in place (atomically; see the class comment). Throws a
     * build error naming the file when it is neither, when it cannot be signed, or when the
     * timestamp server fails every attempt.
     */
    public void sign(Path file) {
        Path real;
        SignableKind kind;
        try {
            real = file.toRealPath();
            if (!Files.isRegularFile(real)) {
                throw PackyardException.build("sign " + file + ": not a regular file");
            }
            kind = SignableKind.of(real).orElseThrow(() -> PackyardException.build("sign " + file
                    + ": neither a Windows executable (PE) nor a Windows Installer package (MSI)"));
        } catch (java.nio.file.NoSuchFileException e) {
            throw PackyardException.build("sign " + file + ": no such file");
        } catch (IOException e) {
            throw PackyardException.build("sign " + file + ": cannot read: " + e.getMessage(), e);
        }
        Path tmp = real.resolveSibling("." + real.getFileName() + ".packyard-sign-" + UUID.randomUUID() + ".tmp");
        try {
            Files.copy(real, tmp, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
            signInPlace(tmp, kind, file);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            try {
                Files.move(tmp, real, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, real, StandardCopyOption.REPLACE_EXISTING);
            }
            FileTrees.fsyncDirectory(real.getParent());
        } catch (IOException e) {
            throw PackyardException.build("sign " + file + ": " + e.getMessage(), e);
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // best effort: the temporary name starts with a dot and says what it is
            }
        }
    }

    /**
     * Signs the files at {@code bundleRelativePaths} ('/'-separated, relative to {@code root}),
     * in sorted order, each once: the launchers of a Windows bundle, before its {@code Bundle}
     * is scanned (signing changes their sizes). Every path must stay within the root and name a
     * PE file or an MSI.
     */
    public void signAll(Path root, List<String> bundleRelativePaths) {
        Path base = root.toAbsolutePath().normalize();
        for (String rel : new TreeSet<>(bundleRelativePaths)) {
            Path p = base.resolve(rel.replace('\\', '/')).normalize();
            if (rel.isEmpty() || rel.startsWith("/") || rel.contains("\\") || !p.startsWith(base) || p.equals(base)) {
                throw PackyardException.build("sign: bundle path '" + rel + "' is not a file path inside " + base);
            }
            if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                throw PackyardException.build("sign: bundle path " + rel + ": no such file in " + base);
            }
            sign(p);
        }
    }

    /** True when {@code file} is a PE file or an MSI that already carries an Authenticode signature. */
    public static boolean isSigned(Path file) throws IOException {
        Optional<SignableKind> kind = SignableKind.of(file);
        if (kind.isEmpty()) {
            return false;
        }
        try (Signable s = open(file, kind.get(), true)) {
            return !s.getSignatures().isEmpty();
        }
    }

    private void signInPlace(Path tmp, SignableKind kind, Path shownAs) throws IOException {
        Certificate[] chain = identity.chain().toArray(new Certificate[0]);
        net.jsign.AuthenticodeSigner signer = new net.jsign.AuthenticodeSigner(chain, identity.key())
                .withDigestAlgorithm(DigestAlgorithm.SHA256)
                .withSignaturesReplaced(true)
                .withProgramName(programName)
                .withProgramURL(programUrl)
                .withTimestamping(timestampUrl.isPresent());
        if (timestampUrl.isPresent()) {
            signer.withTimestampingMode(TimestampingMode.RFC3161)
                    .withTimestampingAuthority(timestampUrl.get())
                    .withTimestampingRetries(timestampAttempts)
                    .withTimestampingRetryWait((int) Math.min(Integer.MAX_VALUE, timestampRetryWait.toSeconds()));
        }
        try (Signable s = open(tmp, kind, false)) {
            signer.sign(s);
            if (s instanceof PEFile) {
                // PEFile writes through its channel; MSIFile saved and reopened the file itself
                try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                    ch.force(true);
                }
            }
        } catch (TimestampingException e) {
            throw PackyardException.build("sign " + shownAs + ": timestamp server " + timestampUrl.orElse("?")
                    + " failed " + timestampAttempts + " time" + (timestampAttempts == 1 ? "" : "s") + ": "
                    + timestampFailure(e), e);
        } catch (IOException | RuntimeException e) {
            if (e instanceof PackyardException pe) {
                throw pe;
            }
            throw PackyardException.build("sign " + shownAs + ": " + kind + " file: " + message(e), e);
        } catch (Exception e) {
            throw PackyardException.build("sign " + shownAs + ": " + message(e), e);
        }
    }

    private static Signable open(Path file, SignableKind kind, boolean readOnly) throws IOException {
        return switch (kind) {
            case PE -> new PEFile(readOnly
                    ? FileChannel.open(file, StandardOpenOption.READ)
                    : FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE));
            case MSI -> new MSIFile(file.toFile());
        };
    }

    /** The last attempt's failure, the most specific message of its causes. */
    private static String timestampFailure(TimestampingException e) {
        Throwable[] suppressed = e.getSuppressed();
        if (suppressed.length == 0) {
            return message(e);
        }
        return message(suppressed[suppressed.length - 1]);
    }

    private static String message(Throwable t) {
        List<String> parts = new ArrayList<>();
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            String m = c.getMessage();
            if (m != null && !m.isBlank() && parts.stream().noneMatch(p -> p.contains(m))) {
                parts.add(m.strip());
            }
        }
        return parts.isEmpty() ? t.getClass().getSimpleName() : String.join(": ", parts);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
