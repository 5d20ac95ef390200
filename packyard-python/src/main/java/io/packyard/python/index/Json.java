package io.packyard.python.index;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small strict JSON (RFC 8259) reader for PEP 691 pages: objects become {@link LinkedHashMap},
 * arrays {@link List}, numbers {@link BigDecimal}, and {@code true}/{@code false}/{@code null}
 * their Java counterparts.
 */
final class Json {

    static final class JsonException extends IllegalArgumentException {
        JsonException(String message) {
            super(message);
        }
    }

    private final String s;
    private int p;
    private int depth;

    private Json(String s) {
        this.s = s;
    }

    static Object parse(String text) {
        Json j = new Json(text);
        j.skipWs();
        if (j.p < j.s.length() && j.s.charAt(j.p) == '\uFEFF') {
            j.p++;
            j.skipWs();
        }
        Object v = j.value();
        j.skipWs();
        if (j.p != j.s.length()) {
            throw j.error("unexpected text after the JSON value");
        }
        return v;
    }

    private JsonException error(String what) {
        int line = 1;
        int col = 1;
        for (int i = 0; i < Math.min(p, s.length()); i++) {
            if (s.charAt(i) == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        return new JsonException("invalid JSON at line " + line + " column " + col + ": " + what);
    }

    private void skipWs() {
        while (p < s.length()) {
            char c = s.charAt(p);
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                p++;
            } else {
                break;
            }
        }
    }

    private Object value() {
        if (p >= s.length()) {
            throw error("unexpected end of input");
        }
        char c = s.charAt(p);
        return switch (c) {
            case '{' -> object();
            case '[' -> array();
            case '"' -> string();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", null);
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) {
                    yield number();
                }
                throw error("unexpected character '" + c + "'");
            }
        };
    }

    private Object literal(String word, Object v) {
        if (!s.startsWith(word, p)) {
            throw error("expected " + word);
        }
        p += word.length();
        return v;
    }

    private Map<String, Object> object() {
        if (++depth > 200) {
            throw error("nested too deeply");
        }
        p++;
        Map<String, Object> m = new LinkedHashMap<>();
        skipWs();
        if (p < s.length() && s.charAt(p) == '}') {
            p++;
            depth--;
            return m;
        }
        while (true) {
            skipWs();
            if (p >= s.length() || s.charAt(p) != '"') {
                throw error("expected a string key");
            }
            String k = string();
            skipWs();
            if (p >= s.length() || s.charAt(p) != ':') {
                throw error("expected ':'");
            }
            p++;
            skipWs();
            m.put(k, value());
            skipWs();
            if (p >= s.length()) {
                throw error("unexpected end of input in an object");
            }
            char c = s.charAt(p++);
            if (c == '}') {
                depth--;
                return m;
            }
            if (c != ',') {
                p--;
                throw error("expected ',' or '}'");
            }
        }
    }

    private List<Object> array() {
        if (++depth > 200) {
            throw error("nested too deeply");
        }
        p++;
        List<Object> l = new ArrayList<>();
        skipWs();
        if (p < s.length() && s.charAt(p) == ']') {
            p++;
            depth--;
            return l;
        }
        while (true) {
            skipWs();
            l.add(value());
            skipWs();
            if (p >= s.length()) {
                throw error("unexpected end of input in an array");
            }
            char c = s.charAt(p++);
            if (c == ']') {
                depth--;
                return l;
            }
            if (c != ',') {
                p--;
                throw error("expected ',' or ']'");
            }
        }
    }

    private String string() {
        p++;
        StringBuilder b = new StringBuilder();
        while (true) {
            if (p >= s.length()) {
                throw error("unterminated string");
            }
            char c = s.charAt(p++);
            if (c == '"') {
                return b.toString();
            }
            if (c == '\\') {
                if (p >= s.length()) {
                    throw error("unterminated escape");
                }
                char e = s.charAt(p++);
                switch (e) {
                    case '"' -> b.append('"');
                    case '\\' -> b.append('\\');
                    case '/' -> b.append('/');
                    case 'b' -> b.append('\b');
                    case 'f' -> b.append('\f');
                    case 'n' -> b.append('\n');
                    case 'r' -> b.append('\r');
                    case 't' -> b.append('\t');
                    case 'u' -> {
                        if (p + 4 > s.length()) {
                            throw error("short \\u escape");
                        }
                        try {
                            b.append((char) Integer.parseInt(s.substring(p, p + 4), 16));
                        } catch (NumberFormatException ex) {
                            throw error("bad \\u escape");
                        }
                        p += 4;
                    }
                    default -> throw error("bad escape '\\" + e + "'");
                }
            } else if (c < 0x20) {
                throw error("control character in a string");
            } else {
                b.append(c);
            }
        }
    }

    private BigDecimal number() {
        int start = p;
        if (s.charAt(p) == '-') {
            p++;
        }
        while (p < s.length() && "0123456789.eE+-".indexOf(s.charAt(p)) >= 0) {
            p++;
        }
        try {
            return new BigDecimal(s.substring(start, p));
        } catch (NumberFormatException e) {
            p = start;
            throw error("bad number");
        }
    }
}
