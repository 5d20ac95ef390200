package io.packyard.server.http;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict JSON reader for the small request bodies of the admin API: objects become
 * {@link LinkedHashMap}, arrays {@link List}, numbers {@link BigDecimal}.
 */
public final class JsonReader {

    private final String s;
    private int p;
    private int depth;

    private JsonReader(String s) {
        this.s = s;
    }

    /** Parses a JSON text; {@link IllegalArgumentException} with the position on errors. */
    public static Object parse(String text) {
        JsonReader r = new JsonReader(text);
        r.ws();
        Object v = r.value();
        r.ws();
        if (r.p != r.s.length()) {
            throw r.error("unexpected text after the value");
        }
        return v;
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException("invalid JSON at offset " + p + ": " + what);
    }

    private void ws() {
        while (p < s.length() && " \t\r\n".indexOf(s.charAt(p)) >= 0) {
            p++;
        }
    }

    private Object value() {
        if (p >= s.length()) {
            throw error("unexpected end");
        }
        char c = s.charAt(p);
        if (c == '{') {
            return object();
        }
        if (c == '[') {
            return array();
        }
        if (c == '"') {
            return string();
        }
        if (s.startsWith("true", p)) {
            p += 4;
            return Boolean.TRUE;
        }
        if (s.startsWith("false", p)) {
            p += 5;
            return Boolean.FALSE;
        }
        if (s.startsWith("null", p)) {
            p += 4;
            return null;
        }
        if (c == '-' || (c >= '0' && c <= '9')) {
            int start = p;
            while (p < s.length() && "+-0123456789.eE".indexOf(s.charAt(p)) >= 0) {
                p++;
            }
            try {
                return new BigDecimal(s.substring(start, p));
            } catch (NumberFormatException e) {
                throw error("bad number");
            }
        }
        throw error("unexpected character '" + c + "'");
    }

    private Map<String, Object> object() {
        if (++depth > 64) {
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
                throw error("expected a key");
            }
            String k = string();
            ws();
            if (p >= s.length() || s.charAt(p++) != ':') {
                throw error("expected ':'");
            }
            ws();
            m.put(k, value());
            ws();
            if (p >= s.length()) {
                throw error("unexpected end");
            }
            char c = s.charAt(p++);
            if (c == '}') {
                depth--;
                return m;
            }
            if (c != ',') {
                throw error("expected ',' or '}'");
            }
        }
    }

    private List<Object> array() {
        if (++depth > 64) {
            throw error("nested too deeply");
        }
        p++;
        List<Object> l = new ArrayList<>();
        ws();
        if (p < s.length() && s.charAt(p) == ']') {
            p++;
            depth--;
            return l;
        }
        while (true) {
            ws();
            l.add(value());
            ws();
            if (p >= s.length()) {
                throw error("unexpected end");
            }
            char c = s.charAt(p++);
            if (c == ']') {
                depth--;
                return l;
            }
            if (c != ',') {
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
                    } catch (NumberFormatException ex) {
                        throw error("bad \\u escape");
                    }
                    p += 4;
                }
                default -> throw error("bad escape");
            }
        }
    }
}
