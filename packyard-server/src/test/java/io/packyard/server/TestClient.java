package io.packyard.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/** HTTP for server tests: GETs with headers, and twine-like multipart uploads. */
final class TestClient {

    final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    final URI base;

    TestClient(URI base) {
        this.base = base;
    }

    HttpResponse<byte[]> get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).GET();
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    HttpResponse<byte[]> send(String method, String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    static String basic(String token) {
        return "Basic " + Base64.getEncoder().encodeToString(("__token__:" + token).getBytes(StandardCharsets.UTF_8));
    }

    /** The fields twine sends for a file (digests computed from it). */
    static Map<String, String> twineFields(Path file, String name, String version) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        boolean sdist = file.getFileName().toString().endsWith(".tar.gz");
        Map<String, String> f = new LinkedHashMap<>();
        f.put(":action", "file_upload");
        f.put("protocol_version", "1");
        f.put("metadata_version", "2.1");
        f.put("name", name);
        f.put("version", version);
        f.put("filetype", sdist ? "sdist" : "bdist_wheel");
        f.put("pyversion", sdist ? "source" : "py3");
        f.put("sha256_digest", hex("SHA-256", bytes));
        f.put("md5_digest", hex("MD5", bytes));
        return f;
    }

    HttpResponse<byte[]> upload(String indexPath, String token, Path file, Map<String, String> fields) throws Exception {
        return upload(indexPath, token, file.getFileName().toString(), Files.readAllBytes(file), fields);
    }

    HttpResponse<byte[]> upload(String indexPath, String token, String filename, byte[] content,
            Map<String, String> fields) throws Exception {
        String boundary = "----packyardtest" + System.nanoTime();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (Map.Entry<String, String> e : fields.entrySet()) {
            body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + e.getKey() + "\"\r\n\r\n"
                    + e.getValue() + "\r\n").getBytes(StandardCharsets.UTF_8));
        }
        body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"content\"; filename=\"" + filename
                + "\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.write(content);
        body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(indexPath))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary);
        if (token != null) {
            b.header("Authorization", basic(token));
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    static String text(HttpResponse<byte[]> r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    static String hex(String alg, byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance(alg).digest(b));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
