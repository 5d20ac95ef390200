package io.packyard.python.index;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** URL helpers shared by the index client and find-links pages. */
final class Urls {

    private Urls() {}

    /** An href split at its fragment: the URL resolved against a base, and the fragment (or null). */
    record Link(URI url, String fragment) {}

    /**
     * Resolves an href from a page against the page's URL (or its {@code <base href>}), encoding
     * characters that are not legal in a URI (spaces, non-ASCII) and splitting off the fragment.
     *
     * @throws IllegalArgumentException if the href cannot be made into a URL
     */
    static Link resolve(URI base, String href) {
        String h = href.strip();
        String fragment = null;
        int hash = h.indexOf('#');
        if (hash >= 0) {
            fragment = h.substring(hash + 1);
            h = h.substring(0, hash);
        }
        URI rel = parseLenient(h);
        URI abs = base == null ? rel : base.resolve(rel);
        if (!abs.isAbsolute()) {
            throw new IllegalArgumentException("not an absolute URL: " + href);
        }
        return new Link(abs, fragment);
    }

    /** Parses a URL, percent-encoding characters java.net.URI refuses. */
    static URI parseLenient(String s) {
        try {
            return new URI(s);
        } catch (URISyntaxException e) {
            // fall through
        }
        StringBuilder b = new StringBuilder();
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i++) {
            int c = bytes[i] & 0xff;
            boolean keep = c > 0x20 && c < 0x7f && "\"<>\\^`{|}".indexOf(c) < 0;
            if (c == '%') {
                keep = i + 2 < bytes.length && isHex(bytes[i + 1]) && isHex(bytes[i + 2]);
            }
            if (keep) {
                b.append((char) c);
            } else {
                b.append('%').append(String.format(Locale.ROOT, "%02X", c));
            }
        }
        try {
            return new URI(b.toString());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a valid URL: " + s, e);
        }
    }

    private static boolean isHex(byte b) {
        return (b >= '0' && b <= '9') || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F');
    }

    /** Hashes from a {@code #sha256=<hex>} fragment (PEP 503); empty when the fragment is not one. */
    static Map<String, String> fragmentHashes(String fragment) {
        Map<String, String> out = new TreeMap<>();
        if (fragment == null) {
            return out;
        }
        for (String part : fragment.split("&")) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                String alg = part.substring(0, eq).toLowerCase(Locale.ROOT);
                String hex = part.substring(eq + 1).toLowerCase(Locale.ROOT);
                if (alg.matches("md5|sha1|sha224|sha256|sha384|sha512") && hex.matches("[0-9a-f]+")) {
                    out.put(alg, hex);
                }
            }
        }
        return out;
    }

    /** The last path segment of a URL, percent-decoded. */
    static String lastSegment(URI url) {
        String path = url.getPath();
        if (path == null) {
            path = "";
        }
        int slash = path.lastIndexOf('/');
        return slash >= 0 ? path.substring(slash + 1) : path;
    }

    /** The URL without user info, query kept, fragment dropped: safe to show in messages. */
    static String display(URI url) {
        try {
            return new URI(url.getScheme(), null, url.getHost(), url.getPort(), url.getPath(), url.getQuery(), null)
                    .toString();
        } catch (URISyntaxException e) {
            return url.getScheme() + "://" + url.getHost() + url.getPath();
        }
    }

    /** The URL without its fragment. */
    static URI withoutFragment(URI url) {
        if (url.getRawFragment() == null) {
            return url;
        }
        String s = url.toString();
        return URI.create(s.substring(0, s.indexOf('#')));
    }

    /** True when both URLs have the same scheme, host and port (default ports filled in). */
    static boolean sameOrigin(URI a, URI b) {
        return a.getScheme() != null
                && a.getScheme().equalsIgnoreCase(b.getScheme())
                && a.getHost() != null
                && a.getHost().equalsIgnoreCase(b.getHost())
                && port(a) == port(b);
    }

    private static int port(URI u) {
        if (u.getPort() >= 0) {
            return u.getPort();
        }
        return "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
    }

    /** A file name from a URL or a page that is safe to use as a cache file name. */
    static boolean isSafeFilename(String name) {
        return !name.isEmpty()
                && !name.equals(".")
                && !name.equals("..")
                && name.indexOf('/') < 0
                && name.indexOf('\\') < 0
                && name.indexOf('\0') < 0
                && name.indexOf(':') < 0
                && name.length() <= 255;
    }
}
