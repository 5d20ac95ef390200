package io.packyard.python.upload;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A stand-in for the upload endpoint of {@code packyard serve} (written concurrently by another
 * helper), on 127.0.0.1 only: it parses the multipart body byte by byte, records what arrived,
 * and by default answers the way PyPI does — the real {@link UploadValidator} on the form and
 * file, 200 for a new or identical file, 400 "File already exists" for another file under a
 * known name, 403 for a wrong token. Tests can script other answers.
 */
final class FakeUploadIndex implements AutoCloseable {

    /** One received request. */
    record Received(Map<String, List<String>> headers, List<Map.Entry<String, String>> fields, String filename,
            byte[] content, int rawLength) {

        List<String> all(String name) {
            return fields.stream().filter(e -> e.getKey().equals(name)).map(Map.Entry::getValue).toList();
        }

        String one(String name) {
            List<String> v = all(name);
            if (v.size() != 1) {
                throw new AssertionError("field " + name + " sent " + v.size() + " times: " + v);
            }
            return v.get(0);
        }

        String header(String name) {
            for (Map.Entry<String, List<String>> h : headers.entrySet()) {
                if (h.getKey().equalsIgnoreCase(name)) {
                    return h.getValue().get(0);
                }
            }
            return null;
        }
    }

    /** A scripted answer. */
    record Answer(int status, String contentType, String body, Map<String, String> headers) {
        static Answer of(int status, String body) {
            return new Answer(status, "text/plain; charset=utf-8", body, Map.of());
        }
    }

    private final HttpServer server;
    private final Path storage;
    private final String expectedAuthorization;
    final List<Received> received = Collections.synchronizedList(new ArrayList<>());
    final AtomicInteger requests = new AtomicInteger();
    final Map<String, byte[]> stored = Collections.synchronizedMap(new HashMap<>());
    volatile Function<Received, Answer> script;
    volatile UploadValidator validator = UploadValidator.defaults();

    FakeUploadIndex(Path storage, String expectedAuthorization) throws IOException {
        this.storage = storage;
        this.expectedAuthorization = expectedAuthorization;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/legacy/", this::handle);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/legacy/";
    }

    int port() {
        return server.getAddress().getPort();
    }

    private void handle(HttpExchange ex) throws IOException {
        requests.incrementAndGet();
        try (ex) {
            byte[] body = ex.getRequestBody().readAllBytes();
            Received r = parse(ex, body);
            received.add(r);
            Answer a = script != null ? script.apply(r) : pypi(r);
            if (a == null) {
                a = pypi(r);
            }
            byte[] out = a.body().getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", a.contentType());
            a.headers().forEach((k, v) -> ex.getResponseHeaders().set(k, v));
            ex.sendResponseHeaders(a.status(), out.length == 0 ? -1 : out.length);
            if (out.length > 0) {
                try (OutputStream o = ex.getResponseBody()) {
                    o.write(out);
                }
            }
        } catch (RuntimeException e) {
            byte[] out = ("fake index bug: " + e).getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(599, out.length);
            ex.getResponseBody().write(out);
        }
    }

    /** PyPI's behaviour, with the real validator. */
    Answer pypi(Received r) {
        if (expectedAuthorization != null && !expectedAuthorization.equals(r.header("Authorization"))) {
            return Answer.of(403, "Invalid or non-existent authentication information. See https://pypi.org/help/#invalid-auth");
        }
        UploadForm.Builder fb = UploadForm.builder().filename(r.filename());
        for (Map.Entry<String, String> f : r.fields()) {
            fb.field(f.getKey(), f.getValue());
        }
        try {
            Path tmp = Files.createTempFile(storage, "upload", ".bin");
            Files.write(tmp, r.content());
            ValidatedUpload u = validator.validate(fb.build(), tmp);
            byte[] before = stored.putIfAbsent(u.filename(), r.content());
            if (before != null && !Arrays.equals(before, r.content())) {
                return Answer.of(400, "File already exists ('" + u.filename() + "', with blake2_256 hash '"
                        + u.blake2b256() + "'). See https://pypi.org/help/#file-name-reuse for more information.");
            }
            return Answer.of(200, "OK");
        } catch (UploadRejectedException e) {
            return Answer.of(e.status(), e.reason());
        } catch (IOException e) {
            return Answer.of(500, e.toString());
        }
    }

    /** Parses multipart/form-data exactly: boundary lines, part headers, CRLF framing. */
    static Received parse(HttpExchange ex, byte[] body) {
        String ct = ex.getRequestHeaders().getFirst("Content-Type");
        Matcher bm = Pattern.compile("multipart/form-data; boundary=(\\S+)").matcher(ct == null ? "" : ct);
        if (!bm.matches()) {
            throw new IllegalArgumentException("not multipart/form-data: " + ct);
        }
        byte[] delimiter = ("--" + bm.group(1)).getBytes(StandardCharsets.US_ASCII);
        List<Map.Entry<String, String>> fields = new ArrayList<>();
        String filename = null;
        byte[] content = null;
        int pos = indexOf(body, delimiter, 0);
        if (pos != 0) {
            throw new IllegalArgumentException("body does not start with the boundary");
        }
        while (true) {
            pos += delimiter.length;
            if (body[pos] == '-' && body[pos + 1] == '-') {
                if (pos + 4 != body.length || body[pos + 2] != '\r' || body[pos + 3] != '\n') {
                    throw new IllegalArgumentException("bad closing delimiter");
                }
                break;
            }
            if (body[pos] != '\r' || body[pos + 1] != '\n') {
                throw new IllegalArgumentException("no CRLF after the boundary");
            }
            pos += 2;
            int headersEnd = indexOf(body, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII), pos);
            String headers = new String(body, pos, headersEnd - pos, StandardCharsets.UTF_8);
            int dataStart = headersEnd + 4;
            byte[] next = ("\r\n--" + bm.group(1)).getBytes(StandardCharsets.US_ASCII);
            int dataEnd = indexOf(body, next, dataStart);
            byte[] data = Arrays.copyOfRange(body, dataStart, dataEnd);
            Matcher name = Pattern.compile("(?im)^Content-Disposition: form-data; name=\"([^\"]*)\"(; filename=\"([^\"]*)\")?$")
                    .matcher(headers);
            if (!name.find()) {
                throw new IllegalArgumentException("part without a form-data name: " + headers);
            }
            if (name.group(3) != null) {
                filename = name.group(3);
                content = data;
            } else {
                fields.add(new AbstractMap.SimpleImmutableEntry<>(name.group(1), new String(data, StandardCharsets.UTF_8)));
            }
            pos = dataEnd + 2;
        }
        return new Received(Map.copyOf(ex.getRequestHeaders()), List.copyOf(fields), filename, content, body.length);
    }

    private static int indexOf(byte[] hay, byte[] needle, int from) {
        outer:
        for (int i = from; i <= hay.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new IllegalArgumentException("delimiter not found");
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
