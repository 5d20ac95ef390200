package io.packyard.server.http;

import io.javalin.http.Context;
import io.packyard.python.json.Json;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.ee10.servlet.HttpOutput;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * Writing responses: pages (strong ETag, {@code 304 Not Modified}, gzip when the client accepts
 * it) and files ({@link FileCaching}, single byte ranges, {@code HEAD}). Every response sets its
 * Content-Length; the byte count is recorded for the request log.
 */
public final class Responses {

    /** Request attribute holding the body bytes sent, for the request log. */
    public static final String BYTES_SENT = "packyard.bytesSent";
    /** Files are immutable (their URL holds their hash): cache them for a year. */
    public static final String IMMUTABLE = "max-age=31536000, immutable";

    private Responses() {}

    /**
     * A rendered page with its ETag and gzipped form, ready to be sent many times. The bodies are
     * kept in direct buffers, which the socket writes without another copy.
     */
    public record Page(ByteBuffer body, ByteBuffer gzipped, String etag, String contentType) {

        public static Page of(String text, String contentType) {
            byte[] body = text.getBytes(StandardCharsets.UTF_8);
            return new Page(direct(body), direct(gzip(body)), "\"" + sha256(body).substring(0, 32) + "\"", contentType);
        }

        private static ByteBuffer direct(byte[] b) {
            ByteBuffer d = ByteBuffer.allocateDirect(b.length);
            d.put(b).flip();
            return d.asReadOnlyBuffer();
        }
    }

    /**
     * How a page answers a request: 304 when {@code If-None-Match} names its ETag (either form),
     * else 200 with the gzipped body when the client accepts gzip and it is smaller. One decision
     * for both ways a page is sent ({@link #page} and the server's cached-page fast path).
     *
     * @param etag the ETag to send ({@code -gz} suffixed for the gzipped body)
     * @param body the bytes to send (a fresh view), null for 304
     */
    public record PageReply(int status, String etag, boolean gzip, ByteBuffer body) {

        public static PageReply of(Page page, String acceptEncoding, String ifNoneMatch) {
            boolean gzip = acceptsGzip(acceptEncoding) && page.gzipped.remaining() < page.body.remaining();
            String etag = gzip ? page.etag.substring(0, page.etag.length() - 1) + "-gz\"" : page.etag;
            if (etagMatches(ifNoneMatch, page.etag)) {
                return new PageReply(304, etag, gzip, null);
            }
            return new PageReply(200, etag, gzip, (gzip ? page.gzipped : page.body).duplicate());
        }
    }

    /**
     * Sends a page: 304 when {@code If-None-Match} names its ETag, gzip when accepted.
     *
     * @param cacheControl the Cache-Control value
     */
    public static void page(Context ctx, Page page, String cacheControl, String vary) {
        PageReply reply = PageReply.of(page, ctx.header("Accept-Encoding"), ctx.header("If-None-Match"));
        HttpServletResponse res = ctx.res();
        res.setHeader("ETag", reply.etag());
        res.setHeader("Cache-Control", cacheControl);
        res.setHeader("Vary", vary);
        if (reply.status() == 304) {
            res.setStatus(304);
            ctx.attribute(BYTES_SENT, 0L);
            return;
        }
        res.setContentType(page.contentType);
        ByteBuffer body = reply.body();
        if (reply.gzip()) {
            res.setHeader("Content-Encoding", "gzip");
        }
        res.setStatus(200);
        res.setContentLengthLong(body.remaining());
        ctx.attribute(BYTES_SENT, (long) body.remaining());
        if ("HEAD".equalsIgnoreCase(ctx.req().getMethod())) {
            return;
        }
        try {
            write(res, body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends bytes with an explicit status (the content type must already be set). */
    public static void send(Context ctx, int status, byte[] body) {
        HttpServletResponse res = ctx.res();
        res.setStatus(status);
        res.setContentLengthLong(body.length);
        ctx.attribute(BYTES_SENT, (long) body.length);
        if ("HEAD".equalsIgnoreCase(ctx.req().getMethod())) {
            return;
        }
        try {
            write(res, ByteBuffer.wrap(body));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes the whole body: Jetty's {@code sendContent} (no copy into its aggregation buffer) when available. */
    private static void write(HttpServletResponse res, ByteBuffer body) throws IOException {
        OutputStream out = res.getOutputStream();
        if (out instanceof HttpOutput jetty) {
            jetty.sendContent(body);
            return;
        }
        if (body.hasArray()) {
            out.write(body.array(), body.arrayOffset() + body.position(), body.remaining());
        } else {
            byte[] chunk = new byte[1 << 16];
            while (body.hasRemaining()) {
                int n = Math.min(chunk.length, body.remaining());
                body.get(chunk, 0, n);
                out.write(chunk, 0, n);
            }
        }
        out.flush();
    }

    /** Sends a plain-text message. */
    public static void text(Context ctx, int status, String message) {
        ctx.res().setContentType("text/plain; charset=utf-8");
        send(ctx, status, (message + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** Sends a JSON value. */
    public static void json(Context ctx, int status, Object value) {
        ctx.res().setContentType("application/json");
        send(ctx, status, (Json.write(value) + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /**
     * How a sent file is validated and cached.
     *
     * @param cacheControl the Cache-Control value
     * @param sha256 the file's sha256 when it is content-addressed: then it is the ETag and the file
     *     may be served from a shared memory mapping; null for a file identified by its modification
     *     time and size (the ETag is derived from those)
     */
    public record FileCaching(String cacheControl, String sha256) {

        /** A content-addressed blob: ETag is its sha256, cached for a year ({@code private} for a private index). */
        public static FileCaching contentAddressed(String sha256, boolean privateIndex) {
            return new FileCaching((privateIndex ? "private, " : "public, ") + IMMUTABLE, sha256);
        }

        /** A file whose content never changes at its path: cached for a year, ETag from mtime and size. */
        public static FileCaching immutable() {
            return new FileCaching("public, " + IMMUTABLE, null);
        }

        /** A file that changes in place: {@code no-cache}, so clients revalidate with the mtime/size ETag. */
        public static FileCaching noCache() {
            return new FileCaching("no-cache", null);
        }
    }

    /**
     * Sends a stored file: {@code ETag} is its sha256, it is cached as immutable, a single
     * {@code Range} (with {@code If-Range}) gets 206, an unsatisfiable one 416.
     */
    public static void file(Context ctx, Path file, String sha256, String contentType, boolean privateIndex) {
        file(ctx, file, contentType, FileCaching.contentAddressed(sha256, privateIndex));
    }

    /**
     * Sends a file with the ETag and Cache-Control of {@code caching}: {@code If-None-Match} gets
     * 304, a single {@code Range} (with {@code If-Range}) 206, an unsatisfiable one 416.
     */
    public static void file(Context ctx, Path file, String contentType, FileCaching caching) {
        HttpServletResponse res = ctx.res();
        try {
            String etag;
            if (caching.sha256() != null) {
                etag = "\"" + caching.sha256() + "\"";
            } else {
                BasicFileAttributes attrs = Files.readAttributes(file, BasicFileAttributes.class);
                etag = "\"" + Long.toHexString(attrs.lastModifiedTime().toMillis()) + "-" + Long.toHexString(attrs.size()) + "\"";
            }
            res.setHeader("ETag", etag);
            res.setHeader("Cache-Control", caching.cacheControl());
            res.setHeader("Accept-Ranges", "bytes");
            if (etagMatches(ctx.header("If-None-Match"), etag)) {
                res.setStatus(304);
                ctx.attribute(BYTES_SENT, 0L);
                return;
            }
            sendFile(ctx, file, contentType, etag, caching.sha256());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sendFile(Context ctx, Path file, String contentType, String etag, String sha256) throws IOException {
        HttpServletResponse res = ctx.res();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            long start = 0;
            long end = size - 1;
            int status = 200;
            String range = ctx.header("Range");
            String ifRange = ctx.header("If-Range");
            if (range != null && (ifRange == null || ifRange.strip().equals(etag))) {
                long[] r = parseRange(range, size);
                if (r != null && r.length == 0) {
                    res.setHeader("Content-Range", "bytes */" + size);
                    res.setContentType("text/plain; charset=utf-8");
                    send(ctx, 416, ("range not satisfiable: the file has " + size + " bytes\n")
                            .getBytes(StandardCharsets.UTF_8));
                    return;
                }
                if (r != null) {
                    start = r[0];
                    end = r[1];
                    status = 206;
                    res.setHeader("Content-Range", "bytes " + start + "-" + end + "/" + size);
                }
            }
            long length = size == 0 ? 0 : end - start + 1;
            res.setStatus(status);
            res.setContentType(contentType);
            res.setContentLengthLong(length);
            ctx.attribute(BYTES_SENT, length);
            if ("HEAD".equalsIgnoreCase(ctx.req().getMethod()) || length == 0) {
                return;
            }
            if (sha256 != null && size <= MappedFiles.MAX_FILE) {
                // a shared read-only mapping of the blob, written by the container without copying it
                ByteBuffer view = MappedFiles.get(sha256, file, size);
                view.position((int) start).limit((int) (start + length));
                write(res, view);
                return;
            }
            OutputStream out = res.getOutputStream();
            ByteBuffer buf = ByteBuffer.allocate(1 << 16);
            long pos = start;
            long remaining = length;
            while (remaining > 0) {
                buf.clear();
                if (remaining < buf.capacity()) {
                    buf.limit((int) remaining);
                }
                int n = ch.read(buf, pos);
                if (n < 0) {
                    throw new IOException("file shrank while being sent: " + file);
                }
                out.write(buf.array(), 0, n);
                pos += n;
                remaining -= n;
            }
            out.flush();
        }
    }

    /**
     * A single byte range: {@code [start, end]}; an empty array when unsatisfiable; null when the
     * header is malformed or asks for several ranges (then the whole file is sent, RFC 9110 14.2).
     */
    static long[] parseRange(String header, long size) {
        String h = header.strip();
        if (!h.toLowerCase(Locale.ROOT).startsWith("bytes=")) {
            return null;
        }
        String spec = h.substring(6).strip();
        if (spec.contains(",")) {
            return null;
        }
        int dash = spec.indexOf('-');
        if (dash < 0) {
            return null;
        }
        String a = spec.substring(0, dash).strip();
        String b = spec.substring(dash + 1).strip();
        try {
            if (a.isEmpty()) {
                if (b.isEmpty()) {
                    return null;
                }
                long suffix = Long.parseLong(b);
                if (suffix <= 0 || size == 0) {
                    return new long[0];
                }
                return new long[] {Math.max(0, size - suffix), size - 1};
            }
            long start = Long.parseLong(a);
            long end = b.isEmpty() ? size - 1 : Math.min(Long.parseLong(b), size - 1);
            if (start < 0 || (!b.isEmpty() && Long.parseLong(b) < start)) {
                return null;
            }
            if (start >= size) {
                return new long[0];
            }
            return new long[] {start, end};
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** If-None-Match against an ETag (weak comparison; our gzip variant counts as the same). */
    static boolean etagMatches(String ifNoneMatch, String etag) {
        if (ifNoneMatch == null) {
            return false;
        }
        String base = opaque(etag);
        for (String t : ifNoneMatch.split(",")) {
            String s = t.strip();
            if (s.equals("*")) {
                return true;
            }
            if (opaque(s).equals(base)) {
                return true;
            }
        }
        return false;
    }

    private static String opaque(String tag) {
        String s = tag.strip();
        if (s.startsWith("W/")) {
            s = s.substring(2);
        }
        if (s.endsWith("-gz\"")) {
            s = s.substring(0, s.length() - 4) + "\"";
        }
        return s;
    }

    static boolean acceptsGzip(String acceptEncoding) {
        if (acceptEncoding == null) {
            return false;
        }
        for (String item : acceptEncoding.split(",")) {
            String[] parts = item.split(";");
            String coding = parts[0].strip().toLowerCase(Locale.ROOT);
            if (!coding.equals("gzip") && !coding.equals("x-gzip")) {
                continue;
            }
            for (int i = 1; i < parts.length; i++) {
                String p = parts[i].strip().toLowerCase(Locale.ROOT);
                if (p.startsWith("q=")) {
                    try {
                        return Double.parseDouble(p.substring(2)) > 0;
                    } catch (NumberFormatException e) {
                        return false;
                    }
                }
            }
            return true;
        }
        return false;
    }

    static byte[] gzip(byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(body.length / 4 + 64);
        try (GZIPOutputStream gz = new GZIPOutputStream(out, 8192) {
            {
                def.setLevel(Deflater.BEST_SPEED + 5);
            }
        }) {
            gz.write(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
