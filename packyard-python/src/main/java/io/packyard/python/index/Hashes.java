package io.packyard.python.index;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The hash algorithms Packyard verifies files with. Weak algorithms (md5, sha1, sha224) that
 * indexes still sometimes advertise are ignored: a file with only such hashes is treated as a
 * file without hashes.
 */
public final class Hashes {

    /** The algorithms verified, strongest last; names as hashlib spells them. */
    public static final List<String> SUPPORTED = List.of("sha256", "sha384", "sha512");

    private Hashes() {}

    /** True when Packyard verifies files with this algorithm. */
    public static boolean isSupported(String algorithm) {
        return SUPPORTED.contains(algorithm.toLowerCase(Locale.ROOT));
    }

    /** A fresh digest for a supported algorithm. */
    public static MessageDigest digest(String algorithm) {
        String name = switch (algorithm.toLowerCase(Locale.ROOT)) {
            case "sha256" -> "SHA-256";
            case "sha384" -> "SHA-384";
            case "sha512" -> "SHA-512";
            default -> throw new IllegalArgumentException("unsupported hash algorithm: " + algorithm);
        };
        try {
            return MessageDigest.getInstance(name);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The lower-case hex SHA-256 of a file. */
    public static String sha256(Path file) {
        return hex(file, "sha256");
    }

    /** The lower-case hex SHA-256 of bytes. */
    public static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(digest("sha256").digest(bytes));
    }

    /** The lower-case hex digest of a file. */
    public static String hex(Path file, String algorithm) {
        MessageDigest md = digest(algorithm);
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** The supported entries of a hash map, in {@link #SUPPORTED} order. */
    public static Map<String, String> supportedOnly(Map<String, String> hashes) {
        TreeMap<String, String> out = new TreeMap<>();
        hashes.forEach((k, v) -> {
            if (isSupported(k)) {
                out.put(k.toLowerCase(Locale.ROOT), v.toLowerCase(Locale.ROOT));
            }
        });
        return out;
    }

    /**
     * Checks bytes' digests against expected hashes (the supported ones). Returns a description of
     * the first mismatch ({@code sha256 mismatch: expected X, got Y}), or empty when all match.
     */
    public static Optional<String> mismatch(Map<String, String> expected, Map<String, String> actual) {
        for (String alg : SUPPORTED) {
            String want = expected.get(alg);
            if (want == null) {
                continue;
            }
            String got = actual.get(alg);
            if (got != null && !got.equalsIgnoreCase(want)) {
                return Optional.of(alg + " mismatch: expected " + want.toLowerCase(Locale.ROOT) + ", got " + got);
            }
        }
        return Optional.empty();
    }

    /** Hex digests of a file for each supported algorithm in {@code algorithms} (sha256 always included). */
    public static Map<String, String> compute(Path file, Iterable<String> algorithms) {
        TreeMap<String, String> out = new TreeMap<>();
        out.put("sha256", sha256(file));
        for (String alg : algorithms) {
            String a = alg.toLowerCase(Locale.ROOT);
            if (isSupported(a) && !out.containsKey(a)) {
                out.put(a, hex(file, a));
            }
        }
        return out;
    }
}
