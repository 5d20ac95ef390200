package io.packyard.python.json;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one JSON (RFC 8259) reader and writer of Packyard: PEP 691 index pages, the server's admin
 * API and simple pages, OCI image manifests, indexes and configurations.
 *
 * <p>Reading is strict: objects become insertion-ordered {@link LinkedHashMap}s, arrays
 * {@link List}s, numbers {@link BigDecimal}s, and {@code true}/{@code false}/{@code null} their
 * Java counterparts. A leading byte order mark is ignored (RFC 8259 section 8.1 allows it).
 * Errors are {@link JsonException}s naming the line and column of the problem.
 *
 * <p>Writing is compact and keeps the iteration order of the maps it is given (use a
 * {@link LinkedHashMap} or a sorted map for a fixed order), so the same values always give the
 * same bytes.
 */
public final class Json {

    /** Nesting deeper than this is rejected (it protects the recursive reader's stack). */
    static final int MAX_DEPTH = 200;

    /** Malformed JSON text, or a JSON value that does not have the expected shape. */
    public static final class JsonException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        public JsonException(String message) {
            super(message);
        }
    }

    private final String s;
    private int p;
    private int depth;

    private Json(String s) {
        this.s = s;
    }

    // ------------------------------------------------------------------ reading

    /**
     * Parses a JSON text.
     *
     * @throws JsonException if the text is not exactly one JSON value (surrounding whitespace allowed)
     */
    public static Object parse(String text) {
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

    /**
     * Parses a JSON text that must be an object.
     *
     * @param what names the text in error messages ({@code "index.json"}, say): {@code what: problem}
     * @throws JsonException if the text is malformed or not an object
     */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> parseObject(String text, String what) {
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

    private void enter() {
        if (++depth > MAX_DEPTH) {
            throw error("nested too deeply");
        }
        p++;
    }

    private Map<String, Object> object() {
        enter();
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
            char c = s.charAt(p);
            if (c == '}') {
                p++;
                depth--;
                return m;
            }
            if (c != ',') {
                throw error("expected ',' or '}'");
            }
            p++;
        }
    }

    private List<Object> array() {
        enter();
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
            char c = s.charAt(p);
            if (c == ']') {
                p++;
                depth--;
                return l;
            }
            if (c != ',') {
                throw error("expected ',' or ']'");
            }
            p++;
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
            if (c < 0x20) {
                p--;
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
                    int code = 0;
                    for (int i = 0; i < 4; i++) {
                        int d = Character.digit(s.charAt(p + i), 16);
                        if (d < 0) {
                            throw error("bad \\u escape");
                        }
                        code = code * 16 + d;
                    }
                    b.append((char) code);
                    p += 4;
                }
                default -> {
                    p -= 2;
                    throw error("bad escape '\\" + e + "'");
                }
            }
        }
    }

    /** {@code -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?}, as RFC 8259 section 6. */
    private BigDecimal number() {
        int start = p;
        if (s.charAt(p) == '-') {
            p++;
        }
        if (p < s.length() && s.charAt(p) == '0') {
            p++;
        } else if (digits() == 0) {
            throw badNumber(start);
        }
        if (p < s.length() && s.charAt(p) == '.') {
            p++;
            if (digits() == 0) {
                throw badNumber(start);
            }
        }
        if (p < s.length() && (s.charAt(p) == 'e' || s.charAt(p) == 'E')) {
            p++;
            if (p < s.length() && (s.charAt(p) == '+' || s.charAt(p) == '-')) {
                p++;
            }
            if (digits() == 0) {
                throw badNumber(start);
            }
        }
        try {
            return new BigDecimal(s.substring(start, p));
        } catch (NumberFormatException e) { // an exponent beyond the int range
            throw badNumber(start);
        }
    }

    private int digits() {
        int start = p;
        while (p < s.length() && s.charAt(p) >= '0' && s.charAt(p) <= '9') {
            p++;
        }
        return p - start;
    }

    private JsonException badNumber(int start) {
        p = start;
        return error("bad number");
    }

    // ------------------------------------------------------------------ typed access

    /**
     * The object under {@code key} of {@code m}.
     *
     * @param what names {@code m} in the error message: {@code what: "key" is missing or not an object}
     */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> object(Map<String, Object> m, String key, String what) {
        Object v = m.get(key);
        if (!(v instanceof Map)) {
            throw new JsonException(what + ": \"" + key + "\" is missing or not an object");
        }
        return (Map<String, Object>) v;
    }

    /** The array under {@code key} of {@code m}; see {@link #object(Map, String, String)}. */
    @SuppressWarnings("unchecked")
    public static List<Object> array(Map<String, Object> m, String key, String what) {
        Object v = m.get(key);
        if (!(v instanceof List)) {
            throw new JsonException(what + ": \"" + key + "\" is missing or not an array");
        }
        return (List<Object>) v;
    }

    /** The string under {@code key} of {@code m}; see {@link #object(Map, String, String)}. */
    public static String string(Map<String, Object> m, String key, String what) {
        Object v = m.get(key);
        if (!(v instanceof String str)) {
            throw new JsonException(what + ": \"" + key + "\" is missing or not a string");
        }
        return str;
    }

    // ------------------------------------------------------------------ writing

    /**
     * Compact JSON of maps (keys written with {@link String#valueOf}), collections, strings,
     * numbers, booleans and null, in the iteration order given.
     *
     * @throws IllegalArgumentException for another type, or a NaN or infinite floating-point number
     */
    public static String write(Object value) {
        StringBuilder b = new StringBuilder(256);
        write(b, value);
        return b.toString();
    }

    /** Appends the compact JSON of {@code v} to {@code b}; see {@link #write(Object)}. */
    public static void write(StringBuilder b, Object v) {
        if (v == null) {
            b.append("null");
        } else if (v instanceof String str) {
            quote(b, str);
        } else if (v instanceof Boolean bool) {
            b.append(bool.booleanValue());
        } else if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte
                || v instanceof BigDecimal || v instanceof BigInteger) {
            b.append(v);
        } else if (v instanceof Number n) {
            double d = n.doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                throw new IllegalArgumentException("not a JSON number: " + d);
            }
            b.append(d);
        } else if (v instanceof Map<?, ?> m) {
            b.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!first) {
                    b.append(',');
                }
                first = false;
                quote(b, String.valueOf(e.getKey()));
                b.append(':');
                write(b, e.getValue());
            }
            b.append('}');
        } else if (v instanceof Collection<?> c) {
            b.append('[');
            boolean first = true;
            for (Object o : c) {
                if (!first) {
                    b.append(',');
                }
                first = false;
                write(b, o);
            }
            b.append(']');
        } else {
            throw new IllegalArgumentException("cannot write " + v.getClass().getName() + " as JSON");
        }
    }

    /**
     * Appends {@code s} as a JSON string: {@code "} and {@code \} escaped, control characters as
     * their short escapes or {@code \}{@code u00XX}, and U+2028/U+2029 escaped so the output is also
     * safe inside JavaScript.
     */
    public static void quote(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                default -> {
                    if (c < 0x20 || c == '\u2028' || c == '\u2029') {
                        b.append("\\u").append(String.format("%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }
}
