package io.packyard.server.http;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A streaming reader of {@code multipart/form-data} (RFC 7578) bodies: parts are read one after the
 * other straight from the request, so an uploaded file goes to disk without being buffered in
 * memory or in a container's temporary file.
 */
public final class MultipartReader {

    /** Largest part header block. */
    private static final int MAX_HEADERS = 16 << 10;

    private final InputStream in;
    private final byte[] delimiter;
    private final byte[] buf = new byte[1 << 16];
    private int pos;
    private int lim;
    private boolean eof;
    private boolean finished;
    private Part current;

    /** One part: its form field name, file name (for file parts) and body. */
    public final class Part {
        private final String name;
        private final String filename;
        private final String contentType;
        private final BodyStream body = new BodyStream();

        private Part(String name, String filename, String contentType) {
            this.name = name;
            this.filename = filename;
            this.contentType = contentType;
        }

        public String name() {
            return name;
        }

        /** The {@code filename} parameter, when the part is a file. */
        public Optional<String> filename() {
            return Optional.ofNullable(filename);
        }

        public Optional<String> contentType() {
            return Optional.ofNullable(contentType);
        }

        /** The body, ending at the next boundary. */
        public InputStream body() {
            return body;
        }

        /** The body as UTF-8 text, refusing more than {@code maxBytes}. */
        public String text(int maxBytes) throws IOException {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] b = new byte[4096];
            int n;
            while ((n = body.read(b, 0, b.length)) > 0) {
                if (out.size() + n > maxBytes) {
                    throw new HttpError(400, "form field '" + name + "' is larger than " + maxBytes + " bytes");
                }
                out.write(b, 0, n);
            }
            return out.toString(StandardCharsets.UTF_8);
        }
    }

    private MultipartReader(InputStream in, String boundary) {
        this.in = in;
        this.delimiter = ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        // the first boundary has no CRLF before it: start with one so that one delimiter fits all
        buf[0] = '\r';
        buf[1] = '\n';
        lim = 2;
    }

    /**
     * A reader for a request body.
     *
     * @param contentType the request's Content-Type ({@code multipart/form-data; boundary=...})
     * @throws HttpError 400 when the content type is not multipart/form-data with a boundary
     */
    public static MultipartReader open(InputStream in, String contentType) {
        if (contentType == null) {
            throw HttpError.badRequest("expected a multipart/form-data upload, got no Content-Type");
        }
        String[] parts = contentType.split(";");
        if (!parts[0].strip().equalsIgnoreCase("multipart/form-data")) {
            throw HttpError.badRequest("expected a multipart/form-data upload, got " + parts[0].strip());
        }
        String boundary = params(contentType.substring(parts[0].length())).get("boundary");
        if (boundary == null || boundary.isEmpty() || boundary.length() > 200) {
            throw HttpError.badRequest("multipart/form-data without a valid boundary");
        }
        MultipartReader r = new MultipartReader(in, boundary);
        return r;
    }

    /** The next part (the previous one's unread body is skipped), or empty after the last. */
    public Optional<Part> next() throws IOException {
        if (current == null) {
            // skip the preamble up to the first boundary
            new Part(null, null, null).body.skipAll();
        } else {
            current.body.skipAll();
        }
        if (finished) {
            return Optional.empty();
        }
        // after a delimiter: "--" ends the body, otherwise (transport padding and) CRLF starts a part
        need(2);
        if (lim - pos >= 2 && buf[pos] == '-' && buf[pos + 1] == '-') {
            finished = true;
            return Optional.empty();
        }
        while (true) {
            need(1);
            if (lim - pos < 1) {
                throw new EOFException("multipart body ended after a boundary");
            }
            byte c = buf[pos];
            if (c == ' ' || c == '\t') {
                pos++;
                continue;
            }
            break;
        }
        need(2);
        if (lim - pos < 2 || buf[pos] != '\r' || buf[pos + 1] != '\n') {
            throw HttpError.badRequest("malformed multipart body: expected CRLF after a boundary");
        }
        pos += 2;
        Map<String, String> headers = readHeaders();
        String disposition = headers.get("content-disposition");
        if (disposition == null) {
            throw HttpError.badRequest("malformed multipart body: a part has no Content-Disposition");
        }
        int semi = disposition.indexOf(';');
        Map<String, String> dp = params(semi < 0 ? "" : disposition.substring(semi));
        String name = dp.get("name");
        if (name == null) {
            throw HttpError.badRequest("malformed multipart body: a part has no name");
        }
        current = new Part(name, dp.get("filename"), headers.get("content-type"));
        return Optional.of(current);
    }

    private Map<String, String> readHeaders() throws IOException {
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        while (true) {
            need(4);
            int end = -1;
            for (int i = pos; i + 3 < lim; i++) {
                if (buf[i] == '\r' && buf[i + 1] == '\n' && buf[i + 2] == '\r' && buf[i + 3] == '\n') {
                    end = i;
                    break;
                }
            }
            if (end == -1 && pos + 1 < lim && buf[pos] == '\r' && buf[pos + 1] == '\n' && raw.size() == 0) {
                // a part with no headers at all
                pos += 2;
                return Map.of();
            }
            if (end >= 0) {
                raw.write(buf, pos, end - pos);
                pos = end + 4;
                break;
            }
            if (eof && lim - pos < 4) {
                throw new EOFException("multipart body ended inside part headers");
            }
            int take = lim - pos - 3;
            raw.write(buf, pos, take);
            pos += take;
            if (raw.size() > MAX_HEADERS) {
                throw HttpError.badRequest("multipart part headers larger than " + MAX_HEADERS + " bytes");
            }
            compactAndFill(4);
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : raw.toString(StandardCharsets.UTF_8).split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                out.put(line.substring(0, colon).strip().toLowerCase(Locale.ROOT), line.substring(colon + 1).strip());
            }
        }
        return out;
    }

    /** Parameters after a media type or disposition: {@code ; a=b; c="d e"}, names lower-cased. */
    static Map<String, String> params(String s) {
        Map<String, String> out = new LinkedHashMap<>();
        int i = 0;
        int n = s.length();
        while (i < n) {
            while (i < n && (s.charAt(i) == ';' || Character.isWhitespace(s.charAt(i)))) {
                i++;
            }
            int eq = s.indexOf('=', i);
            if (eq < 0) {
                break;
            }
            String key = s.substring(i, eq).strip().toLowerCase(Locale.ROOT);
            i = eq + 1;
            String value;
            if (i < n && s.charAt(i) == '"') {
                StringBuilder b = new StringBuilder();
                i++;
                while (i < n && s.charAt(i) != '"') {
                    char c = s.charAt(i);
                    if (c == '\\' && i + 1 < n) {
                        c = s.charAt(++i);
                    }
                    b.append(c);
                    i++;
                }
                i++;
                value = b.toString();
            } else {
                int end = s.indexOf(';', i);
                if (end < 0) {
                    end = n;
                }
                value = s.substring(i, end).strip();
                i = end;
            }
            out.putIfAbsent(key, value);
        }
        return out;
    }

    /** Makes at least {@code n} bytes available after pos, unless the stream ends first. */
    private void need(int n) throws IOException {
        if (lim - pos < n) {
            compactAndFill(n);
        }
    }

    private void compactAndFill(int n) throws IOException {
        if (pos > 0) {
            System.arraycopy(buf, pos, buf, 0, lim - pos);
            lim -= pos;
            pos = 0;
        }
        while (lim - pos < n && !eof) {
            int r = in.read(buf, lim, buf.length - lim);
            if (r < 0) {
                eof = true;
            } else {
                lim += r;
            }
        }
    }

    private int indexOfDelimiter() {
        int last = lim - delimiter.length;
        byte first = delimiter[0];
        outer:
        for (int i = pos; i <= last; i++) {
            if (buf[i] != first) {
                continue;
            }
            for (int j = 1; j < delimiter.length; j++) {
                if (buf[i + j] != delimiter[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** A part's body: the bytes up to the next delimiter. */
    private final class BodyStream extends InputStream {
        private boolean done;

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (done) {
                return -1;
            }
            if (len == 0) {
                return 0;
            }
            while (true) {
                need(delimiter.length);
                int idx = indexOfDelimiter();
                if (idx == pos) {
                    pos += delimiter.length;
                    done = true;
                    return -1;
                }
                int avail;
                if (idx >= 0) {
                    avail = idx - pos;
                } else if (eof) {
                    throw new EOFException("multipart body ended before its closing boundary");
                } else {
                    avail = lim - pos - (delimiter.length - 1);
                }
                if (avail <= 0) {
                    compactAndFill(lim - pos + 1);
                    continue;
                }
                int k = Math.min(avail, len);
                System.arraycopy(buf, pos, b, off, k);
                pos += k;
                return k;
            }
        }

        void skipAll() throws IOException {
            byte[] skip = new byte[8192];
            while (read(skip, 0, skip.length) >= 0) {
                // discard
            }
        }
    }
}
