package io.packyard.builds.webhook;

import io.packyard.python.PackyardException;
import io.packyard.python.json.Json;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * GitHub webhook deliveries: the {@code X-Hub-Signature-256} check, {@code push} events and the
 * ref patterns a build project follows.
 */
public final class GitHubWebhook {

    private static final Pattern HEX64 = Pattern.compile("[0-9a-fA-F]{64}");
    private static final String ZERO_COMMIT = "0000000000000000000000000000000000000000";

    private GitHubWebhook() {
    }

    /**
     * A push of a branch or a tag.
     *
     * @param repositoryUrls the repository's URLs as GitHub gives them (clone_url, ssh_url, git_url,
     *     html_url, url), without duplicates, in that order; match any of them against a project's
     *     source URL
     * @param ref the full ref pushed: {@code refs/heads/main}, {@code refs/tags/v1.0}
     * @param commit the commit the ref now points to (the payload's {@code after})
     * @param tag whether {@code ref} is a tag
     */
    public record PushEvent(List<String> repositoryUrls, String ref, String commit, boolean tag) {
        public PushEvent {
            repositoryUrls = List.copyOf(repositoryUrls);
        }
    }

    /**
     * Whether {@code header} ({@code sha256=<64 hex digits>}) is the HMAC-SHA256 of {@code body}
     * under {@code secret}. The comparison takes the same time whatever the digest. A missing or
     * malformed header, or a missing or empty secret, is never valid.
     */
    public static boolean signatureValid(byte[] body, String xHubSignature256Header, String secret) {
        if (body == null || xHubSignature256Header == null || secret == null || secret.isEmpty()) {
            return false;
        }
        String header = xHubSignature256Header.strip();
        if (!header.startsWith("sha256=")) {
            return false;
        }
        String hex = header.substring("sha256=".length());
        if (!HEX64.matcher(hex).matches()) {
            return false;
        }
        byte[] given = HexFormat.of().parseHex(hex);
        byte[] expected;
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            expected = mac.doFinal(body);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
        return MessageDigest.isEqual(expected, given);
    }

    /**
     * The push a delivery announces. {@code ping} deliveries, pushes that delete a ref and events
     * other than {@code push} give an empty result.
     *
     * @param xGitHubEventHeader the {@code X-GitHub-Event} header
     * @throws PackyardException (config) if a push delivery's body is not JSON or lacks {@code ref},
     *     {@code after} or {@code repository}
     */
    public static Optional<PushEvent> parse(String xGitHubEventHeader, byte[] body) {
        if (xGitHubEventHeader == null || !xGitHubEventHeader.strip().equals("push")) {
            return Optional.empty();
        }
        String what = "github webhook push";
        Map<String, Object> root;
        try {
            root = Json.parseObject(new String(body == null ? new byte[0] : body, StandardCharsets.UTF_8), what);
        } catch (Json.JsonException e) {
            throw PackyardException.config(oneLine(e.getMessage()));
        }
        if (Boolean.TRUE.equals(root.get("deleted"))) {
            return Optional.empty();
        }
        String ref;
        String after;
        Map<String, Object> repository;
        try {
            ref = Json.string(root, "ref", what);
            after = Json.string(root, "after", what);
            repository = Json.object(root, "repository", what);
        } catch (Json.JsonException e) {
            throw PackyardException.config(oneLine(e.getMessage()));
        }
        if (after.equals(ZERO_COMMIT)) {
            return Optional.empty();
        }
        if (!after.matches("[0-9a-f]{40}|[0-9a-f]{64}")) {
            throw PackyardException.config(what + ": \"after\" is not a commit id: " + oneLine(after));
        }
        if (!ref.startsWith("refs/")) {
            throw PackyardException.config(what + ": \"ref\" is not a full ref name: " + oneLine(ref));
        }
        List<String> urls = new ArrayList<>();
        for (String key : List.of("clone_url", "ssh_url", "git_url", "html_url", "url")) {
            if (repository.get(key) instanceof String s && !s.isBlank() && !urls.contains(s)) {
                urls.add(s);
            }
        }
        if (urls.isEmpty()) {
            throw PackyardException.config(what + ": \"repository\" has no URL");
        }
        return Optional.of(new PushEvent(urls, ref, after, ref.startsWith("refs/tags/")));
    }

    /**
     * Whether {@code ref} matches one of the comma-separated glob {@code patterns}. A pattern not
     * starting with {@code refs/} names a branch ({@code main} is {@code refs/heads/main});
     * {@code *} and {@code ?} match within one path segment, {@code **} across segments.
     * A null or blank pattern list matches nothing.
     */
    public static boolean refMatches(String ref, String patterns) {
        if (ref == null || patterns == null) {
            return false;
        }
        for (String raw : patterns.split(",")) {
            String p = raw.strip();
            if (p.isEmpty()) {
                continue;
            }
            if (!p.startsWith("refs/")) {
                p = "refs/heads/" + p;
            }
            if (globToRegex(p).matcher(ref).matches()) {
                return true;
            }
        }
        return false;
    }

    private static Pattern globToRegex(String glob) {
        StringBuilder re = new StringBuilder();
        StringBuilder literal = new StringBuilder();
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            if (c == '*' || c == '?') {
                if (!literal.isEmpty()) {
                    re.append(Pattern.quote(literal.toString()));
                    literal.setLength(0);
                }
                if (c == '?') {
                    re.append("[^/]");
                } else if (i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
                    i++;
                    // "a/**/b" also matches "a/b"
                    if (i + 1 < glob.length() && glob.charAt(i + 1) == '/' && re.toString().endsWith("/\\E")) {
                        i++;
                        re.append("(?:.*/)?");
                    } else {
                        re.append(".*");
                    }
                } else {
                    re.append("[^/]*");
                }
            } else {
                literal.append(c);
            }
        }
        if (!literal.isEmpty()) {
            re.append(Pattern.quote(literal.toString()));
        }
        return Pattern.compile(re.toString());
    }

    private static String oneLine(String s) {
        return s.replaceAll("[\\r\\n]+", " ");
    }
}
