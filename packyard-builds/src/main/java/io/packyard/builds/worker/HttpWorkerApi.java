package io.packyard.builds.worker;

import io.packyard.builds.model.Artifact;
import io.packyard.builds.model.Step;
import io.packyard.builds.queue.ClaimedJob;
import io.packyard.builds.queue.Heartbeat;
import io.packyard.builds.queue.Outcome;
import io.packyard.python.PackyardException;
import io.packyard.python.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@link WorkerApi} of a remote {@code packyard worker}: the worker routes of
 * {@code packyard serve} ({@code /api/worker/...}) over HTTP, with the worker's API token as HTTP
 * Basic auth (user {@code __token__}) and the job's lease in the {@code X-Packyard-Lease} header.
 *
 * <p>Errors: a connection failure, a timeout or a 5xx answer is an {@link IOException} (the
 * {@link Worker} retries those with backoff). 401 and 403 are a {@link PackyardException#config}
 * (a bad or too weak token is not retried into success). A 409 on a lease means the lease is no
 * longer this worker's: {@link #complete} answers false, {@link #heartbeat} {@link Heartbeat#LOST},
 * the other calls an {@link IOException}. Source archives and artifacts stream from and to files.
 */
public final class HttpWorkerApi implements WorkerApi {

    /** The header that carries a job's lease id. */
    public static final String LEASE_HEADER = "X-Packyard-Lease";

    private static final Duration SHORT = Duration.ofSeconds(30);
    private static final Duration TRANSFER = Duration.ofMinutes(30);

    private final URI base;
    private final String auth;
    private final HttpClient http;

    /**
     * @param server the server's base URL ({@code https://packages.example.org/}); a path prefix is kept
     * @param token  an API token with upload or maintain permission
     */
    public HttpWorkerApi(URI server, String token) {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(token, "token");
        if (server.getScheme() == null || !(server.getScheme().equals("http") || server.getScheme().equals("https"))
                || server.getHost() == null) {
            throw PackyardException.config("--server '" + server + "': expected an http:// or https:// URL of the packyard server");
        }
        String s = server.toString();
        this.base = URI.create(s.endsWith("/") ? s : s + "/");
        this.auth = "Basic " + Base64.getEncoder().encodeToString(("__token__:" + token).getBytes(StandardCharsets.UTF_8));
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /** The base URL requests are resolved against (always ending in {@code /}). */
    public URI server() {
        return base;
    }

    @Override
    public Optional<ClaimedJob> claim(List<String> queues, String workerName, Duration lease) throws IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("queues", List.copyOf(queues));
        body.put("worker", workerName);
        body.put("lease_seconds", Math.max(1, lease.toSeconds()));
        HttpResponse<String> res = send(request("api/worker/claim", null, SHORT).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(body), StandardCharsets.UTF_8)), "claim");
        if (res.statusCode() == 204) {
            return Optional.empty();
        }
        expect(res, "claim", 200);
        return Optional.of(parseJob(object(res, "claim")));
    }

    @Override
    public Heartbeat heartbeat(long jobId, String leaseId) throws IOException {
        String what = "heartbeat of job " + jobId;
        HttpResponse<String> res = send(request(job(jobId, "heartbeat"), leaseId, SHORT)
                .POST(HttpRequest.BodyPublishers.noBody()), what);
        if (res.statusCode() == 409) {
            return Heartbeat.LOST;
        }
        expect(res, what, 200);
        String state = Json.string(object(res, what), "state", what).toLowerCase(Locale.ROOT);
        return switch (state) {
            case "ok" -> Heartbeat.OK;
            case "cancelled" -> Heartbeat.CANCELLED;
            case "lost" -> Heartbeat.LOST;
            default -> throw new IOException(what + ": unknown state '" + state + "' from " + base);
        };
    }

    @Override
    public void log(long jobId, String leaseId, String text) throws IOException {
        String what = "log of job " + jobId;
        HttpResponse<String> res = send(request(job(jobId, "log"), leaseId, SHORT)
                .header("Content-Type", "text/plain; charset=utf-8")
                .POST(HttpRequest.BodyPublishers.ofString(text, StandardCharsets.UTF_8)), what);
        expect(res, what, 204, 200);
    }

    @Override
    public void downloadSource(long jobId, String leaseId, Path to) throws IOException {
        download(request(job(jobId, "source"), leaseId, TRANSFER).GET(), to, "source of job " + jobId);
    }

    @Override
    public List<Artifact> artifacts(long jobId, String leaseId) throws IOException {
        String what = "artifacts of job " + jobId;
        HttpResponse<String> res = send(request(job(jobId, "artifacts"), leaseId, SHORT).GET(), what);
        expect(res, what, 200);
        Object v;
        try {
            v = Json.parse(res.body());
        } catch (Json.JsonException e) {
            throw new IOException(what + ": " + e.getMessage());
        }
        if (!(v instanceof List<?> list)) {
            throw new IOException(what + ": expected a JSON array from " + base);
        }
        List<Artifact> out = new ArrayList<>();
        for (Object o : list) {
            if (!(o instanceof Map<?, ?>)) {
                throw new IOException(what + ": expected an array of objects from " + base);
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> m = (Map<String, Object>) o;
            out.add(parseArtifact(m, jobId, what));
        }
        return out;
    }

    @Override
    public void downloadArtifact(long jobId, String leaseId, Artifact artifact, Path to) throws IOException {
        download(request(job(jobId, "artifacts/" + seg(artifact.filename())), leaseId, TRANSFER).GET(), to,
                "artifact " + artifact.filename() + " of job " + jobId);
    }

    @Override
    public void uploadArtifact(long jobId, String leaseId, Path file) throws IOException {
        String name = file.getFileName().toString();
        String what = "upload of " + name + " for job " + jobId;
        HttpResponse<String> res = send(request(job(jobId, "artifacts/" + seg(name)), leaseId, TRANSFER)
                .header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.ofFile(file)), what);
        expect(res, what, 201, 200);
    }

    @Override
    public boolean complete(long jobId, String leaseId, Outcome outcome, String message) throws IOException {
        String what = "result of job " + jobId;
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("outcome", outcome.name().toLowerCase(Locale.ROOT));
        body.put("message", message == null ? "" : message);
        HttpResponse<String> res = send(request(job(jobId, "complete"), leaseId, SHORT)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(body), StandardCharsets.UTF_8)), what);
        if (res.statusCode() == 409) {
            return false;
        }
        expect(res, what, 200);
        return Boolean.TRUE.equals(object(res, what).get("accepted"));
    }

    // ------------------------------------------------------------------ HTTP

    private static String job(long jobId, String tail) {
        return "api/worker/jobs/" + jobId + "/" + tail;
    }

    private static String seg(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private HttpRequest.Builder request(String path, String leaseId, Duration timeout) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(timeout)
                .header("Authorization", auth).header("Accept", "application/json");
        if (leaseId != null) {
            b.header(LEASE_HEADER, leaseId);
        }
        return b;
    }

    private HttpResponse<String> send(HttpRequest.Builder req, String what) throws IOException {
        HttpResponse<String> res;
        try {
            res = http.send(req.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException(what + ": interrupted");
        } catch (IOException e) {
            throw new IOException(what + ": cannot reach " + base + ": " + describe(e), e);
        }
        checkCommon(res.statusCode(), res.body(), what);
        return res;
    }

    private void download(HttpRequest.Builder req, Path to, String what) throws IOException {
        HttpResponse<InputStream> res;
        try {
            res = http.send(req.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException(what + ": interrupted");
        } catch (IOException e) {
            throw new IOException(what + ": cannot reach " + base + ": " + describe(e), e);
        }
        try (InputStream in = res.body()) {
            if (res.statusCode() != 200) {
                String body = new String(in.readNBytes(64 * 1024), StandardCharsets.UTF_8);
                checkCommon(res.statusCode(), body, what);
                throw new IOException(what + ": HTTP " + res.statusCode() + " from " + base + ": " + reason(body));
            }
            Path dir = to.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, "." + to.getFileName(), ".part");
            try {
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                Files.move(tmp, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                Files.deleteIfExists(tmp);
                throw new IOException(what + ": " + describe(e), e);
            }
        }
    }

    /** 401/403 are configuration errors, 5xx and other unexpected states IOExceptions (retried). */
    private void checkCommon(int status, String body, String what) throws IOException {
        if (status == 401) {
            throw PackyardException.config(what + ": " + base + " refused the token (HTTP 401: " + reason(body)
                    + "); check --token, --token-file or PACKYARD_TOKEN");
        }
        if (status == 403) {
            throw PackyardException.config(what + ": " + base + " refused the token (HTTP 403: " + reason(body)
                    + "); a worker's token needs upload or maintain permission");
        }
        if (status >= 500) {
            throw new IOException(what + ": HTTP " + status + " from " + base + ": " + reason(body));
        }
    }

    private void expect(HttpResponse<String> res, String what, int... ok) throws IOException {
        for (int s : ok) {
            if (res.statusCode() == s) {
                return;
            }
        }
        throw new IOException(what + ": HTTP " + res.statusCode() + " from " + base + ": " + reason(res.body()));
    }

    /** The one-line reason of an error answer: its {"error": ...} or its first line. */
    static String reason(String body) {
        if (body == null || body.isBlank()) {
            return "no reason given";
        }
        try {
            Object v = Json.parse(body);
            if (v instanceof Map<?, ?> m && m.get("error") instanceof String s && !s.isBlank()) {
                return s.lines().findFirst().orElse(s).strip();
            }
        } catch (Json.JsonException e) {
            // not JSON: the first line
        }
        String line = body.strip().lines().findFirst().orElse("").strip();
        return line.length() > 200 ? line.substring(0, 200) + "..." : line;
    }

    private static String describe(Throwable e) {
        String m = e.getMessage();
        if (e instanceof java.net.http.HttpTimeoutException) {
            return "timed out";
        }
        if (e instanceof java.net.ConnectException && (m == null || m.isBlank())) {
            return "connection refused";
        }
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m.lines().findFirst().orElse(m);
    }

    private Map<String, Object> object(HttpResponse<String> res, String what) throws IOException {
        try {
            return Json.parseObject(res.body(), what + " answer from " + base);
        } catch (Json.JsonException e) {
            throw new IOException(e.getMessage());
        }
    }

    // ------------------------------------------------------------------ JSON

    static ClaimedJob parseJob(Map<String, Object> m) throws IOException {
        String what = "claimed job";
        try {
            Object target = m.get("target");
            Object smoke = m.get("smoke_command");
            return new ClaimedJob(
                    num(m, "job_id", what).longValueExact(),
                    Json.string(m, "lease_id", what),
                    Duration.ofSeconds(num(m, "lease_seconds", what).longValueExact()),
                    num(m, "attempt", what).intValueExact(),
                    num(m, "build_id", what).longValueExact(),
                    Json.string(m, "project", what),
                    Step.parse(Json.string(m, "step", what)),
                    target instanceof String t && !t.isEmpty() ? Optional.of(t) : Optional.empty(),
                    strings(m, "formats", what),
                    strings(m, "build_args", what),
                    smoke instanceof String s && !s.isBlank() ? Optional.of(s) : Optional.empty(),
                    optNum(m, "time_limit_seconds", what, 3600),
                    optNum(m, "disk_limit_mb", what, 10240));
        } catch (Json.JsonException | ArithmeticException e) {
            throw new IOException(what + ": " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new IOException(what + ": unknown step '" + m.get("step") + "'");
        }
    }

    static Artifact parseArtifact(Map<String, Object> m, long jobId, String what) throws IOException {
        try {
            Object target = m.get("target");
            Instant created = m.get("created_at") instanceof String s ? Instant.parse(s) : Instant.EPOCH;
            return new Artifact(
                    m.get("id") == null ? 0 : num(m, "id", what).longValueExact(),
                    m.get("build_id") == null ? 0 : num(m, "build_id", what).longValueExact(),
                    m.get("job_id") == null ? jobId : num(m, "job_id", what).longValueExact(),
                    target instanceof String t && !t.isEmpty() ? Optional.of(t) : Optional.empty(),
                    Json.string(m, "filename", what),
                    Json.string(m, "sha256", what),
                    num(m, "size", what).longValueExact(),
                    created);
        } catch (Json.JsonException | ArithmeticException | DateTimeParseException e) {
            throw new IOException(what + ": " + e.getMessage());
        }
    }

    private static BigDecimal num(Map<String, Object> m, String key, String what) {
        if (!(m.get(key) instanceof BigDecimal n)) {
            throw new Json.JsonException(what + ": \"" + key + "\" is missing or not a number");
        }
        return n;
    }

    private static int optNum(Map<String, Object> m, String key, String what, int dflt) {
        return m.get(key) == null ? dflt : num(m, key, what).intValueExact();
    }

    private static List<String> strings(Map<String, Object> m, String key, String what) {
        if (m.get(key) == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (Object o : Json.array(m, key, what)) {
            if (!(o instanceof String s)) {
                throw new Json.JsonException(what + ": \"" + key + "\" must hold strings");
            }
            out.add(s);
        }
        return List.copyOf(out);
    }
}
