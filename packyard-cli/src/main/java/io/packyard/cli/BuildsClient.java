package io.packyard.cli;

import io.packyard.python.PackyardException;
import io.packyard.python.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.function.Function;
import picocli.CommandLine.Option;

/**
 * The small REST client of {@code packyard builds} and the server/token options it shares with
 * {@code packyard worker}. Every failure is a one-line {@link PackyardException}: the server
 * unreachable or failing (5xx) is a build error (exit 1), a bad or missing token or a bad
 * request (401, 403, 400, 404) a configuration error (exit 2), 409 a build error.
 */
final class BuildsClient {

    /** The environment (replaceable in tests). */
    static Function<String, String> getenv = System::getenv;

    /** {@code --server}, {@code --token}, {@code --token-file}; the token may also come from PACKYARD_TOKEN. */
    static final class ServerOptions {
        @Option(names = "--server", paramLabel = "URL",
                description = "The packyard server's base URL, e.g. https://packages.example.org/ (default: $PACKYARD_SERVER).")
        String server;

        @Option(names = "--token", paramLabel = "TOKEN",
                description = "API token (visible in the process list: prefer --token-file or PACKYARD_TOKEN).")
        String token;

        @Option(names = "--token-file", paramLabel = "FILE", description = "File holding the API token.")
        Path tokenFile;

        URI serverUri() {
            String s = server != null ? server : getenv.apply("PACKYARD_SERVER");
            if (s == null || s.isBlank()) {
                throw PackyardException.config("--server: the server's URL is needed (or set PACKYARD_SERVER)");
            }
            URI u;
            try {
                u = URI.create(s.strip().endsWith("/") ? s.strip() : s.strip() + "/");
            } catch (IllegalArgumentException e) {
                throw PackyardException.config("--server '" + s + "': not a URL: " + e.getMessage());
            }
            if (u.getScheme() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https"))
                    || u.getHost() == null) {
                throw PackyardException.config("--server '" + s + "': expected an http:// or https:// URL of the packyard server");
            }
            return u;
        }

        /** The token of --token, --token-file or PACKYARD_TOKEN; null when none is given. */
        String tokenOrNull() {
            return resolveToken(token, tokenFile, getenv);
        }

        String requireToken(String what) {
            String t = tokenOrNull();
            if (t == null) {
                throw PackyardException.config(what + ": an API token is needed: --token-file FILE, PACKYARD_TOKEN or --token");
            }
            return t;
        }

        BuildsClient client() {
            return new BuildsClient(serverUri(), tokenOrNull());
        }

        BuildsClient writer(String what) {
            return new BuildsClient(serverUri(), requireToken(what));
        }
    }

    /**
     * The API token of {@code --token}, {@code --token-file} or the PACKYARD_TOKEN variable of
     * {@code getenv}, in that order (the two options together are refused); null when none is
     * given. Shared by {@code packyard builds}, {@code packyard worker} and {@code packyard publish}.
     */
    static String resolveToken(String token, Path tokenFile, Function<String, String> getenv) {
        if (token != null && tokenFile != null) {
            throw PackyardException.config("--token and --token-file: give one, not both");
        }
        if (token != null) {
            if (token.isBlank()) {
                throw PackyardException.config("--token: empty");
            }
            return token.strip();
        }
        if (tokenFile != null) {
            String t;
            try {
                t = Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                throw PackyardException.config("--token-file " + tokenFile + ": cannot read: " + e.getMessage());
            }
            if (t.isEmpty() || t.contains("\n")) {
                throw PackyardException.config("--token-file " + tokenFile + ": expected one line holding the token");
            }
            return t;
        }
        String env = getenv.apply("PACKYARD_TOKEN");
        return env == null || env.isBlank() ? null : env.strip();
    }

    final URI base;
    private final String auth;
    private final HttpClient http;

    BuildsClient(URI base, String token) {
        this.base = base;
        this.auth = token == null ? null
                : "Basic " + Base64.getEncoder().encodeToString(("__token__:" + token).getBytes(StandardCharsets.UTF_8));
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    URI uri(String path) {
        return base.resolve(path.startsWith("/") ? path.substring(1) : path);
    }

    private HttpRequest.Builder req(String path, Duration timeout) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(timeout).header("Accept", "application/json");
        if (auth != null) {
            b.header("Authorization", auth);
        }
        return b;
    }

    Object get(String path) {
        return json(send(req(path, Duration.ofSeconds(60)).GET(), path, 200), path);
    }

    Object post(String path, Map<String, Object> body, int... ok) {
        return json(send(req(path, Duration.ofSeconds(60)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body == null ? "{}" : Json.write(body), StandardCharsets.UTF_8)),
                path, ok), path);
    }

    Object put(String path, Map<String, Object> body) {
        return json(send(req(path, Duration.ofSeconds(60)).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(Json.write(body), StandardCharsets.UTF_8)), path, 200), path);
    }

    /** multipart/form-data with text fields then one file part, streamed from disk. */
    Object upload(String path, Map<String, String> fields, String fileField, Path file) {
        String boundary = "packyard-" + Long.toHexString(System.nanoTime()) + Long.toHexString(Double.doubleToLongBits(Math.random()));
        StringBuilder head = new StringBuilder();
        for (Map.Entry<String, String> f : fields.entrySet()) {
            head.append("--").append(boundary).append("\r\n")
                    .append("Content-Disposition: form-data; name=\"").append(f.getKey()).append("\"\r\n\r\n")
                    .append(f.getValue()).append("\r\n");
        }
        String name = file.getFileName().toString().replace("\"", "_").replace("\r", "_").replace("\n", "_");
        head.append("--").append(boundary).append("\r\n")
                .append("Content-Disposition: form-data; name=\"").append(fileField).append("\"; filename=\"")
                .append(name).append("\"\r\nContent-Type: application/octet-stream\r\n\r\n");
        HttpRequest.BodyPublisher body;
        try {
            body = HttpRequest.BodyPublishers.concat(
                    HttpRequest.BodyPublishers.ofString(head.toString(), StandardCharsets.UTF_8),
                    HttpRequest.BodyPublishers.ofFile(file),
                    HttpRequest.BodyPublishers.ofString("\r\n--" + boundary + "--\r\n", StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw PackyardException.config(file + ": cannot read: " + e.getMessage());
        }
        return json(send(req(path, Duration.ofMinutes(30)).header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(body), path, 201), path);
    }

    /** Downloads to {@code to} through a temporary file; returns the SHA-256 (hex) of what was written. */
    String download(String path, Path to) {
        HttpResponse<InputStream> res;
        try {
            res = http.send(req(path, Duration.ofMinutes(30)).header("Accept", "*/*").GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw unreachable(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw PackyardException.build("interrupted");
        }
        try (InputStream in = res.body()) {
            if (res.statusCode() != 200) {
                fail(res.statusCode(), new String(in.readNBytes(64 * 1024), StandardCharsets.UTF_8), path);
            }
            Path dir = to.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, "." + to.getFileName(), ".part");
            try {
                MessageDigest md = MessageDigest.getInstance("SHA-256");
                try (OutputStream out = Files.newOutputStream(tmp)) {
                    byte[] buf = new byte[1 << 16];
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        md.update(buf, 0, n);
                        out.write(buf, 0, n);
                    }
                }
                String sha = HexFormat.of().formatHex(md.digest());
                Files.move(tmp, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                return sha;
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw PackyardException.build(to + ": cannot download " + uri(path) + ": " + e.getMessage());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private HttpResponse<String> send(HttpRequest.Builder r, String path, int... ok) {
        HttpResponse<String> res;
        try {
            res = http.send(r.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw unreachable(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw PackyardException.build("interrupted");
        }
        for (int s : ok) {
            if (res.statusCode() == s) {
                return res;
            }
        }
        fail(res.statusCode(), res.body(), path);
        return res;
    }

    private PackyardException unreachable(IOException e) {
        String m = e instanceof java.net.http.HttpTimeoutException ? "timed out"
                : e.getMessage() == null || e.getMessage().isBlank() ? (e instanceof java.net.ConnectException
                        ? "connection refused" : e.getClass().getSimpleName())
                : e.getMessage().lines().findFirst().orElse("");
        return PackyardException.build("cannot reach " + base + ": " + m);
    }

    /** Status code of a refused request, kept for callers that care (409). */
    static final class Refused extends PackyardException {
        private static final long serialVersionUID = 1L;
        final int status;

        Refused(Kind kind, int status, String message) {
            super(kind, message);
            this.status = status;
        }
    }

    private void fail(int status, String body, String path) {
        String reason = reason(body);
        String where = "HTTP " + status + " from " + uri(path);
        if (status == 401 || status == 403) {
            throw new Refused(PackyardException.Kind.CONFIG, status, reason + " (" + where
                    + "; check the token: --token-file, PACKYARD_TOKEN or --token)");
        }
        if (status == 400 || status == 404 || status == 413 || status == 422) {
            throw new Refused(PackyardException.Kind.CONFIG, status, reason + " (" + where + ")");
        }
        throw new Refused(PackyardException.Kind.BUILD, status, reason + " (" + where + ")");
    }

    static String reason(String body) {
        if (body == null || body.isBlank()) {
            return "no reason given";
        }
        try {
            if (Json.parse(body) instanceof Map<?, ?> m && m.get("error") instanceof String s && !s.isBlank()) {
                return s.lines().findFirst().orElse(s).strip();
            }
        } catch (Json.JsonException e) {
            // not JSON
        }
        String line = body.strip().lines().findFirst().orElse("").strip();
        return line.length() > 200 ? line.substring(0, 200) + "..." : line;
    }

    private Object json(HttpResponse<String> res, String path) {
        if (res.statusCode() == 204 || res.body().isBlank()) {
            return Map.of();
        }
        try {
            return Json.parse(res.body());
        } catch (Json.JsonException e) {
            throw PackyardException.build(uri(path) + ": not a packyard server answer: " + e.getMessage());
        }
    }
}
