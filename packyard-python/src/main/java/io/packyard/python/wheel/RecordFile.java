package io.packyard.python.wheel;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A wheel's {@code RECORD} file: CSV rows {@code path,algorithm=digest,size} as Python's
 * {@code csv} module reads and writes them (comma separated, fields with commas, quotes or line
 * breaks quoted with {@code "}, quotes doubled inside quoted fields).
 */
public final class RecordFile {

    /** Digest algorithms accepted in RECORD, strongest last; md5 and sha1 are refused as weak. */
    public static final List<String> ACCEPTED_ALGORITHMS = List.of("sha256", "sha384", "sha512");

    private RecordFile() {}

    /**
     * One row of RECORD.
     *
     * @param path the archive path ('/'-separated) or, in an installed RECORD, the path relative to
     *     the directory holding the {@code .dist-info}
     * @param hash {@code algorithm=urlsafe-base64-digest-without-padding}, or empty (RECORD itself)
     * @param size the size in bytes, or empty
     */
    public record Entry(String path, Optional<String> hash, OptionalLong size) {

        /** The algorithm part of {@link #hash()}, lower-cased. */
        public Optional<String> algorithm() {
            return hash.map(h -> h.substring(0, Math.max(0, h.indexOf('='))).toLowerCase(Locale.ROOT));
        }

        /** The digest part of {@link #hash()}. */
        public Optional<String> digest() {
            return hash.map(h -> h.substring(h.indexOf('=') + 1));
        }
    }

    /**
     * Parses RECORD text.
     *
     * @throws IllegalArgumentException with a message naming the line, if a row is malformed
     */
    public static List<Entry> parse(String text) {
        List<Entry> entries = new ArrayList<>();
        List<List<String>> rows = parseCsv(text);
        int line = 0;
        for (List<String> row : rows) {
            line++;
            if (row.size() == 1 && row.get(0).isEmpty()) {
                continue; // blank line
            }
            if (row.size() != 3) {
                throw new IllegalArgumentException("line " + line + ": expected 3 fields (path,hash,size), got " + row.size());
            }
            String path = row.get(0);
            if (path.isEmpty()) {
                throw new IllegalArgumentException("line " + line + ": empty path");
            }
            String hash = row.get(1).strip();
            String size = row.get(2).strip();
            Optional<String> h = Optional.empty();
            if (!hash.isEmpty()) {
                int eq = hash.indexOf('=');
                if (eq <= 0 || eq == hash.length() - 1) {
                    throw new IllegalArgumentException("line " + line + ": hash of " + path + " is not algorithm=digest: " + hash);
                }
                h = Optional.of(hash);
            }
            OptionalLong s = OptionalLong.empty();
            if (!size.isEmpty()) {
                try {
                    long v = Long.parseLong(size);
                    if (v < 0) {
                        throw new NumberFormatException();
                    }
                    s = OptionalLong.of(v);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("line " + line + ": size of " + path + " is not a number: " + size);
                }
            }
            entries.add(new Entry(path, h, s));
        }
        return entries;
    }

    /** Splits CSV text into rows of fields (Python's csv "excel" dialect). */
    static List<List<String>> parseCsv(String text) {
        List<List<String>> rows = new ArrayList<>();
        List<String> row = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        int i = 0;
        int n = text.length();
        boolean fieldStarted = false;
        while (i < n) {
            char c = text.charAt(i);
            if (c == '"' && field.isEmpty() && !fieldStarted) {
                // quoted field
                fieldStarted = true;
                i++;
                while (true) {
                    if (i >= n) {
                        throw new IllegalArgumentException("line " + (rows.size() + 1) + ": unterminated quoted field");
                    }
                    char q = text.charAt(i);
                    if (q == '"') {
                        if (i + 1 < n && text.charAt(i + 1) == '"') {
                            field.append('"');
                            i += 2;
                            continue;
                        }
                        i++;
                        break;
                    }
                    field.append(q);
                    i++;
                }
                continue;
            }
            if (c == ',') {
                row.add(field.toString());
                field.setLength(0);
                fieldStarted = false;
                i++;
            } else if (c == '\r' || c == '\n') {
                row.add(field.toString());
                field.setLength(0);
                fieldStarted = false;
                rows.add(row);
                row = new ArrayList<>();
                i += (c == '\r' && i + 1 < n && text.charAt(i + 1) == '\n') ? 2 : 1;
            } else {
                field.append(c);
                fieldStarted = true;
                i++;
            }
        }
        if (fieldStarted || !field.isEmpty() || !row.isEmpty()) {
            row.add(field.toString());
            rows.add(row);
        }
        return rows;
    }

    /** Formats entries as RECORD text, in the given order, one row per line ending in "\n". */
    public static String format(List<Entry> entries) {
        StringBuilder out = new StringBuilder();
        for (Entry e : entries) {
            out.append(csvField(e.path())).append(',')
                    .append(csvField(e.hash().orElse(""))).append(',')
                    .append(e.size().isPresent() ? Long.toString(e.size().getAsLong()) : "")
                    .append('\n');
        }
        return out.toString();
    }

    /** Formats entries as RECORD bytes (UTF-8). */
    public static byte[] formatBytes(List<Entry> entries) {
        return format(entries).getBytes(StandardCharsets.UTF_8);
    }

    private static String csvField(String s) {
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
            return s;
        }
        return '"' + s.replace("\"", "\"\"") + '"';
    }

    /** A MessageDigest for a RECORD algorithm name (sha256, sha384, sha512). */
    static MessageDigest digest(String algorithm) {
        String javaName = switch (algorithm) {
            case "sha256" -> "SHA-256";
            case "sha384" -> "SHA-384";
            case "sha512" -> "SHA-512";
            default -> throw new IllegalArgumentException("unsupported hash algorithm " + algorithm);
        };
        try {
            return MessageDigest.getInstance(javaName);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Encodes a digest the way RECORD does: urlsafe base64 without "=" padding. */
    public static String encodeDigest(byte[] digest) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    }

    /** The RECORD hash field for some bytes: {@code sha256=...}. */
    public static String sha256(byte[] content) {
        MessageDigest md = digest("sha256");
        return "sha256=" + encodeDigest(md.digest(content));
    }
}
