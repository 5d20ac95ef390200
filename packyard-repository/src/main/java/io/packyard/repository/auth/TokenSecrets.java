package io.packyard.repository.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The token format: {@code pyd_} + a 12-character public id + a 43-character secret (32 random
 * bytes, base64url without padding), 59 characters in all. The public id finds the database row;
 * the row stores only the SHA-256 of the secret, compared in constant time.
 */
public final class TokenSecrets {

    /** Every token starts with this, so that secret scanners recognize a leaked one. */
    public static final String PREFIX = "pyd_";

    private static final int ID_CHARS = 12;
    private static final int SECRET_CHARS = 43;
    private static final Pattern FORMAT = Pattern.compile("pyd_[A-Za-z0-9_-]{" + (ID_CHARS + SECRET_CHARS) + "}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private TokenSecrets() {}

    /** A new token: the text to give the user once, its public id and the hash to store. */
    public record Generated(String token, String publicId, String secretSha256) {}

    /** The parts of a token presented by a client. */
    public record Parsed(String publicId, String secret) {}

    public static Generated generate() {
        byte[] id = new byte[9];
        byte[] secret = new byte[32];
        RANDOM.nextBytes(id);
        RANDOM.nextBytes(secret);
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String publicId = b64.encodeToString(id);
        String secretText = b64.encodeToString(secret);
        return new Generated(PREFIX + publicId + secretText, publicId, hash(secretText));
    }

    /** Splits a presented token; empty when it does not have the token format. */
    public static Optional<Parsed> parse(String token) {
        if (token == null) {
            return Optional.empty();
        }
        String t = token.strip();
        if (!FORMAT.matcher(t).matches()) {
            return Optional.empty();
        }
        return Optional.of(new Parsed(t.substring(4, 4 + ID_CHARS), t.substring(4 + ID_CHARS)));
    }

    /** The stored form of a secret: lower-case hex SHA-256 of its text. */
    public static String hash(String secret) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(secret.getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Constant-time comparison of a presented secret with the stored hash. */
    public static boolean matches(String secret, String storedSha256) {
        byte[] a = hash(secret).getBytes(StandardCharsets.US_ASCII);
        byte[] b = storedSha256.getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(a, b);
    }
}
