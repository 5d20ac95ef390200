package io.packyard.formats.oci;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON of image manifests, indexes and configurations: a strict RFC 8259 reader (objects
 * become insertion-ordered {@link LinkedHashMap}s, arrays {@link List}s, numbers
 * {@link BigDecimal}s) and a compact writer that keeps the order it is given, so the same values
 * always give the same bytes.
 */
final class OciJson {
    private final String s;
    private int p;
    private int depth;

    private OciJson(String s) {
        this.s = s;
    }

    static final class JsonException extends IllegalArgumentException {
        JsonException(String message) {
            super(message);
        }
    }

    static Object parse(String text) {
        OciJson j = new OciJson(text);
        j.ws();
        Object v = j.value();
        j.ws();
        if (j.p != j.s.length()) {
            throw j.error("unexpected text after the JSON value");
        }
        return v;
    }

    /** Parses text that must be a JSON object. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> parseObject(String text, String what) {
        Object v;
        try {
            v = parse(text);
        } catch (JsonException e) {
            throw new JsonException(what + ": " + e.getMessage());
        }
        if (!(v instanceof Map)) {
            throw new JsonException(what + ": expected a JSON object");
        }
        return (Map<String, Object>) v;
    }

    private JsonException error(String what) {
        return new JsonException("invalid JSON at offset " + p + ": " + what);
    }

    private void ws() {
        while (p < s.length() && (s.charAt(p) == ' ' || s.charAt(p) == '\t' || s.charAt(p) == '\n' || s.charAt(p) == '\r')) {
            p++;
        }
    }

    private Object value() {
        if (p >= s.length()) {
            throw error("unexpected end");
        }
        char c = s.charAt(p);
        switch (c) {
            case '{':
                return object();
            case '[':
                return array();
            case '"':
                return string();
            case 't':
                return literal("true", Boolean.TRUE);
            case 'f':
                return literal("false", Boolean.FALSE);
            case 'n':
                return literal("null", null);
            default:
                if (c == '-' || (c >= '0' && c <= '9')) {
                    return number();
                }
                throw error("unexpected character '" + c + "'");
        }
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
        ws();
        if (p < s.length() && s.charAt(p) == '}') {
            p++;
            depth--;
            return m;
        }
        while (true) {
            ws();
            if (p >= s.length() || s.charAt(p) != '"') {
                throw error("expected a string key");
            }
            String k = string();
            ws();
            expect(':');
            ws();
            m.put(k, value());
            ws();
            if (p < s.length() && s.charAt(p) == ',') {
                p++;
                continue;
            }
            expect('}');
            depth--;
            return m;
        }
    }

    private List<Object> array() {
        if (++depth > 200) {
            throw error("nested too deeply");
        }
        p++;
        List<Object> a = new ArrayList<>();
        ws();
        if (p < s.length() && s.charAt(p) == ']') {
            p++;
            depth--;
            return a;
        }
        while (true) {
            ws();
            a.add(value());
            ws();
            if (p < s.length() && s.charAt(p) == ',') {
                p++;
                continue;
            }
            expect(']');
            depth--;
            return a;
        }
    }

    private void expect(char c) {
        if (p >= s.length() || s.charAt(p) != c) {
            throw error("expected '" + c + "'");
        }
        p++;
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
            if (c < 0x20) {
                throw error("control character in a string");
            }
            if (c != '\\') {
                b.append(c);
                continue;
            }
            if (p >= s.length()) {
                throw error("unterminated escape");
            }
            char e = s.charAt(p++);
            switch (e) {
                case '"', '\\', '/' -> b.append(e);
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
                    } catch (NumberFormatException x) {
                        throw error("bad \\u escape");
                    }
                    p += 4;
                }
                default -> throw error("bad escape \\" + e);
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
            throw error("bad number");
        }
    }

    /** Compact JSON of maps, lists, strings, numbers, booleans and null, in the order given. */
    static String write(Object v) {
        StringBuilder b = new StringBuilder();
        write(b, v);
        return b.toString();
    }

    private static void write(StringBuilder b, Object v) {
        if (v == null) {
            b.append("null");
        } else if (v instanceof String str) {
            quote(b, str);
        } else if (v instanceof Boolean || v instanceof Integer || v instanceof Long) {
            b.append(v);
        } else if (v instanceof BigDecimal d) {
            b.append(d.toString());
        } else if (v instanceof Map<?, ?> m) {
            b.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!first) {
                    b.append(',');
                }
                first = false;
                quote(b, (String) e.getKey());
                b.append(':');
                write(b, e.getValue());
            }
            b.append('}');
        } else if (v instanceof List<?> l) {
            b.append('[');
            for (int i = 0; i < l.size(); i++) {
                if (i > 0) {
                    b.append(',');
                }
                write(b, l.get(i));
            }
            b.append(']');
        } else {
            throw new IllegalArgumentException("not a JSON value: " + v.getClass());
        }
    }

    private static void quote(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }

    // typed access with clear messages

    @SuppressWarnings("unchecked")
    static Map<String, Object> object(Map<String, Object> m, String key, String what) {
        Object v = m.get(key);
        if (!(v instanceof Map)) {
            throw new JsonException(what + ": \"" + key + "\" is missing or not an object");
        }
        return (Map<String, Object>) v;
    }

    @SuppressWarnings("unchecked")
    static List<Object> array(Map<String, Object> m, String key, String what) {
        Object v = m.get(key);
        if (!(v instanceof List)) {
            throw new JsonException(what + ": \"" + key + "\" is missing or not an array");
        }
        return (List<Object>) v;
    }

    static String string(Map<String, Object> m, String key, String what) {
        Object v = m.get(key);
        if (!(v instanceof String str)) {
            throw new JsonException(what + ": \"" + key + "\" is missing or not a string");
        }
        return str;
    }
}
