package io.packyard.python.index;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A tolerant reader of the anchors of a PEP 503 project page or a find-links page. It is not a
 * full HTML parser: it knows tags, attributes (quoted, unquoted, valueless), comments, character
 * references, {@code <base href>} and {@code <meta name="pypi:repository-version">}, which is all
 * those pages use.
 */
final class HtmlLinks {

    /** One {@code <a>} element: attributes unescaped, names lower-cased; text unescaped and trimmed. */
    record Anchor(Map<String, String> attributes, String text) {
        Optional<String> attribute(String name) {
            return Optional.ofNullable(attributes.get(name));
        }
    }

    record Page(List<Anchor> anchors, Optional<String> baseHref, Optional<String> repositoryVersion) {}

    private HtmlLinks() {}

    static Page parse(String html) {
        List<Anchor> anchors = new ArrayList<>();
        String base = null;
        String repositoryVersion = null;
        int i = 0;
        int n = html.length();
        while (i < n) {
            int lt = html.indexOf('<', i);
            if (lt < 0) {
                break;
            }
            if (html.startsWith("<!--", lt)) {
                int end = html.indexOf("-->", lt + 4);
                i = end < 0 ? n : end + 3;
                continue;
            }
            if (lt + 1 < n && (html.charAt(lt + 1) == '!' || html.charAt(lt + 1) == '?')) {
                int end = html.indexOf('>', lt);
                i = end < 0 ? n : end + 1;
                continue;
            }
            int p = lt + 1;
            boolean closing = p < n && html.charAt(p) == '/';
            if (closing) {
                p++;
            }
            int nameStart = p;
            while (p < n && isNameChar(html.charAt(p))) {
                p++;
            }
            if (p == nameStart) {
                i = lt + 1;
                continue;
            }
            String tag = html.substring(nameStart, p).toLowerCase(Locale.ROOT);
            Map<String, String> attrs = new LinkedHashMap<>();
            p = readAttributes(html, p, closing ? null : attrs);
            i = p;
            if (closing) {
                continue;
            }
            switch (tag) {
                case "a" -> {
                    int close = indexOfIgnoreCase(html, "</a", i);
                    int textEnd = close < 0 ? n : close;
                    String text = unescape(stripTags(html.substring(i, textEnd))).strip();
                    anchors.add(new Anchor(attrs, text));
                    if (close >= 0) {
                        int gt = html.indexOf('>', close);
                        i = gt < 0 ? n : gt + 1;
                    } else {
                        i = n;
                    }
                }
                case "base" -> {
                    if (base == null && attrs.containsKey("href")) {
                        base = attrs.get("href");
                    }
                }
                case "meta" -> {
                    if ("pypi:repository-version".equalsIgnoreCase(attrs.getOrDefault("name", ""))
                            && attrs.containsKey("content")) {
                        repositoryVersion = attrs.get("content").strip();
                    }
                }
                case "script", "style" -> {
                    int close = indexOfIgnoreCase(html, "</" + tag, i);
                    i = close < 0 ? n : close;
                }
                default -> {}
            }
        }
        return new Page(List.copyOf(anchors), Optional.ofNullable(base), Optional.ofNullable(repositoryVersion));
    }

    /** Reads attributes from just after the tag name to just after the closing {@code >}. */
    private static int readAttributes(String html, int p, Map<String, String> attrs) {
        int n = html.length();
        while (p < n) {
            char c = html.charAt(p);
            if (c == '>') {
                return p + 1;
            }
            if (Character.isWhitespace(c) || c == '/') {
                p++;
                continue;
            }
            int nameStart = p;
            while (p < n && !Character.isWhitespace(html.charAt(p)) && "=>/".indexOf(html.charAt(p)) < 0) {
                p++;
            }
            if (p == nameStart) {
                p++;
                continue;
            }
            String name = html.substring(nameStart, p).toLowerCase(Locale.ROOT);
            while (p < n && Character.isWhitespace(html.charAt(p))) {
                p++;
            }
            String value = "";
            if (p < n && html.charAt(p) == '=') {
                p++;
                while (p < n && Character.isWhitespace(html.charAt(p))) {
                    p++;
                }
                if (p < n && (html.charAt(p) == '"' || html.charAt(p) == '\'')) {
                    char q = html.charAt(p);
                    int end = html.indexOf(q, p + 1);
                    if (end < 0) {
                        end = n;
                    }
                    value = html.substring(p + 1, end);
                    p = Math.min(n, end + 1);
                } else {
                    int vs = p;
                    while (p < n && !Character.isWhitespace(html.charAt(p)) && html.charAt(p) != '>') {
                        p++;
                    }
                    value = html.substring(vs, p);
                }
            }
            if (attrs != null && !attrs.containsKey(name)) {
                attrs.put(name, unescape(value));
            }
        }
        return n;
    }

    private static boolean isNameChar(char c) {
        return Character.isLetterOrDigit(c) || c == '-' || c == ':' || c == '_';
    }

    private static int indexOfIgnoreCase(String s, String what, int from) {
        int n = s.length() - what.length();
        for (int i = Math.max(0, from); i <= n; i++) {
            if (s.regionMatches(true, i, what, 0, what.length())) {
                return i;
            }
        }
        return -1;
    }

    private static String stripTags(String s) {
        StringBuilder out = new StringBuilder(s.length());
        boolean inTag = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '<') {
                inTag = true;
            } else if (c == '>' && inTag) {
                inTag = false;
            } else if (!inTag) {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static final Map<String, String> ENTITIES = Map.of(
            "amp", "&", "lt", "<", "gt", ">", "quot", "\"", "apos", "'", "nbsp", "\u00a0");

    /** Replaces HTML character references ({@code &gt;}, {@code &#62;}, {@code &#x3e;}). */
    static String unescape(String s) {
        if (s.indexOf('&') < 0) {
            return s;
        }
        StringBuilder out = new StringBuilder(s.length());
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '&') {
                int semi = s.indexOf(';', i + 1);
                if (semi > i + 1 && semi - i <= 12) {
                    String ref = s.substring(i + 1, semi);
                    String rep = null;
                    if (ref.startsWith("#x") || ref.startsWith("#X")) {
                        rep = codePoint(ref.substring(2), 16);
                    } else if (ref.startsWith("#")) {
                        rep = codePoint(ref.substring(1), 10);
                    } else {
                        rep = ENTITIES.get(ref.toLowerCase(Locale.ROOT));
                    }
                    if (rep != null) {
                        out.append(rep);
                        i = semi + 1;
                        continue;
                    }
                }
            }
            out.append(c);
            i++;
        }
        return out.toString();
    }

    private static String codePoint(String digits, int radix) {
        try {
            int cp = Integer.parseInt(digits, radix);
            return Character.isValidCodePoint(cp) ? new String(Character.toChars(cp)) : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
