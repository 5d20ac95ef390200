package io.packyard.python.upload;

import io.packyard.python.PackyardException;
import io.packyard.python.metadata.CoreMetadata;
import io.packyard.python.util.Progress;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Uploads wheels and sdists to a Python package index through the legacy upload API that twine
 * uses ({@code POST multipart/form-data}, HTTP Basic auth, {@code :action=file_upload}) — PyPI,
 * TestPyPI, {@code packyard serve} or any index twine can upload to.
 *
 * <p>Before anything is sent, the file is checked with {@link UploadValidator#inspect} (so an
 * invalid file is refused locally, with the same reason the index would give) and its metadata
 * fields are read from the file itself, as twine does. The file is streamed (never held in
 * memory), with a {@code Content-Length}. The upload URL is never redirected (twine aborts on
 * redirects too: a redirected POST loses its body or its credentials). Server errors (5xx) and
 * connection failures are retried with exponential backoff; other statuses are final.
 */
public final class UploadClient {

    /** Metadata header → form field, in the order twine sends them; multiple-use fields repeat. */
    private static final List<String[]> FIELDS = List.of(
            new String[] {"Summary", "summary"},
            new String[] {"Home-page", "home_page"},
            new String[] {"Author", "author"},
            new String[] {"Author-email", "author_email"},
            new String[] {"Maintainer", "maintainer"},
            new String[] {"Maintainer-email", "maintainer_email"},
            new String[] {"License", "license"},
            new String[] {"Keywords", "keywords"},
            new String[] {"Platform", "platform"},
            new String[] {"Classifier", "classifiers"},
            new String[] {"Download-URL", "download_url"},
            new String[] {"Supported-Platform", "supported_platform"},
            new String[] {"Provides", "provides"},
            new String[] {"Requires", "requires"},
            new String[] {"Obsoletes", "obsoletes"},
            new String[] {"Project-URL", "project_urls"},
            new String[] {"Provides-Dist", "provides_dist"},
            new String[] {"Obsoletes-Dist", "obsoletes_dist"},
            new String[] {"Requires-Dist", "requires_dist"},
            new String[] {"Requires-External", "requires_external"},
            new String[] {"Requires-Python", "requires_python"},
            new String[] {"Provides-Extra", "provides_extra"},
            new String[] {"Description-Content-Type", "description_content_type"},
            new String[] {"Dynamic", "dynamic"},
            new String[] {"License-Expression", "license_expression"},
            new String[] {"License-File", "license_file"});

    private static final int MAX_RESPONSE = 64 * 1024;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final URI url;
    private final String authorization;
    private final boolean skipExisting;
    private final Progress progress;
    private final UploadValidator validator;
    private final HttpClient http;
    private final Duration timeout;
    private final int retries;
    private final Duration retryBackoff;
    private final String userAgent;

    private UploadClient(Builder b) {
        this.url = b.url;
        this.authorization = b.username == null ? null
                : "Basic " + Base64.getEncoder().encodeToString(
                        (b.username + ":" + b.password).getBytes(StandardCharsets.UTF_8));
        this.skipExisting = b.skipExisting;
        this.progress = b.progress;
        this.validator = b.validator;
        this.http = b.http != null ? b.http : HttpClient.newBuilder()
                .connectTimeout(b.connectTimeout)
                .version(HttpClient.Version.HTTP_1_1) // as twine; no h2c upgrade dance on a large POST
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        this.timeout = b.timeout;
        this.retries = b.retries;
        this.retryBackoff = b.retryBackoff;
        this.userAgent = b.userAgent;
        if (authorization != null && url.getScheme().equals("http") && !isLoopback(url.getHost())) {
            progress.warn("sending credentials over plain http to " + url.getHost() + "; use https");
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The upload URL. */
    public URI url() {
        return url;
    }

    /**
     * Checks a distribution file locally and reads the metadata the upload will carry.
     *
     * @throws UploadRejectedException when the file breaks a rule the index would enforce
     */
    public ValidatedUpload check(Path file) {
        if (!Files.isRegularFile(file)) {
            throw PackyardException.config(file + ": no such file");
        }
        return validator.inspect(file, file.getFileName().toString());
    }

    /**
     * Uploads one wheel or sdist.
     *
     * @return the outcome; a refusal by the index is a result, not an exception
     * @throws UploadRejectedException when the file is invalid (checked before sending)
     * @throws PackyardException (build) when the index cannot be reached after the retries
     */
    public UploadResult upload(Path file) {
        return upload(file, check(file));
    }

    /** Uploads a file already {@link #check checked}. */
    public UploadResult upload(Path file, ValidatedUpload meta) {
        String boundary = "packyard-" + HexFormat.of().formatHex(randomBytes(16));
        byte[] head = formHead(meta, boundary);
        byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
        long total = head.length + meta.size() + tail.length;

        progress.step("Uploading " + meta.filename() + " (" + UploadValidator.humanSize(meta.size()) + ") to " + url);
        IOException lastError = null;
        HttpResponse<InputStream> lastResponse = null;
        byte[] lastBody = null;
        for (int attempt = 0; attempt <= retries; attempt++) {
            if (attempt > 0) {
                sleep(retryBackoff.multipliedBy(1L << Math.min(attempt - 1, 10)));
                progress.warn("retrying the upload of " + meta.filename() + " (attempt " + (attempt + 1) + " of "
                        + (retries + 1) + ")");
            }
            HttpRequest.Builder req = HttpRequest.newBuilder(url)
                    .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                    .header("User-Agent", userAgent)
                    .POST(HttpRequest.BodyPublishers.fromPublisher(
                            HttpRequest.BodyPublishers.ofInputStream(() -> body(file, head, tail, total)), total));
            if (authorization != null) {
                req.header("Authorization", authorization);
            }
            if (timeout != null) {
                req.timeout(timeout);
            }
            try {
                HttpResponse<InputStream> resp = http.send(req.build(), HttpResponse.BodyHandlers.ofInputStream());
                byte[] body;
                try (InputStream in = resp.body()) {
                    body = in.readNBytes(MAX_RESPONSE);
                }
                lastResponse = resp;
                lastBody = body;
                lastError = null;
                if (resp.statusCode() >= 500 && resp.statusCode() <= 599) {
                    continue;
                }
                return result(meta, resp, body);
            } catch (IOException e) {
                lastError = e;
                lastResponse = null;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw PackyardException.build("upload of " + meta.filename() + " interrupted", e);
            }
        }
        if (lastResponse != null) {
            return result(meta, lastResponse, lastBody); // a 5xx, every time
        }
        throw PackyardException.build("upload of " + meta.filename() + " to " + url + " failed: "
                + describe(lastError), lastError);
    }

    private UploadResult result(ValidatedUpload meta, HttpResponse<?> resp, byte[] body) {
        int status = resp.statusCode();
        String reason = reason(status, resp.headers().firstValue("Content-Type").orElse(""), body);
        if (status >= 200 && status < 300) {
            return new UploadResult(meta.filename(), UploadResult.Outcome.UPLOADED, status, "", meta);
        }
        if (status >= 300 && status < 400) {
            String to = resp.headers().firstValue("Location").orElse("?");
            return new UploadResult(meta.filename(), UploadResult.Outcome.REJECTED, status,
                    "the index redirected the upload to " + to + "; uploads are never redirected: use the index's"
                            + " upload URL itself", meta);
        }
        if (skipExisting && alreadyExists(status, reason)) {
            return new UploadResult(meta.filename(), UploadResult.Outcome.ALREADY_EXISTS, status, reason, meta);
        }
        if (status == 401 && reason.isEmpty()) {
            reason = "authentication required: give a token";
        }
        return new UploadResult(meta.filename(), UploadResult.Outcome.REJECTED, status, reason, meta);
    }

    /** The answers meaning "this file is already there" from the indexes twine knows. */
    static boolean alreadyExists(int status, String reason) {
        String r = reason.toLowerCase(Locale.ROOT);
        return status == 409
                || (status == 400 && (r.contains("already exist") || r.contains("updating asset")
                        || r.contains("already been taken")))
                || (status == 403 && r.contains("overwrite artifact"));
    }

    /** One line out of an error body: plain text, the text of an HTML page, or a JSON message. */
    static String reason(int status, String contentType, byte[] body) {
        String text = new String(body, StandardCharsets.UTF_8);
        String ct = contentType.toLowerCase(Locale.ROOT);
        if (ct.contains("json")) {
            Matcher m = Pattern.compile("\"(?:message|detail|error|reason)\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"")
                    .matcher(text);
            if (m.find()) {
                text = m.group(1).replace("\\\"", "\"").replace("\\n", " ").replace("\\\\", "\\");
            }
        } else if (ct.contains("html") || text.stripLeading().startsWith("<")) {
            text = text.replaceAll("(?is)<(script|style|title)[^>]*>.*?</\\1>", " ")
                    .replaceAll("(?s)<[^>]*>", " ")
                    .replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'")
                    .replace("&#x27;", "'").replace("&amp;", "&");
        }
        text = text.replaceAll("\\s+", " ").strip();
        // Pyramid (PyPI) pages repeat the status line first
        String prefix = status + " ";
        if (text.startsWith(prefix)) {
            int dot = text.indexOf("incorrect.");
            if (dot > 0) {
                text = text.substring(dot + "incorrect.".length()).strip();
            }
        }
        return text.length() > 500 ? text.substring(0, 500) + "..." : text;
    }

    private byte[] formHead(ValidatedUpload meta, String boundary) {
        CoreMetadata md = meta.coreMetadata();
        List<String[]> fields = new ArrayList<>();
        fields.add(new String[] {"name", meta.name()});
        fields.add(new String[] {"version", meta.canonicalVersion()});
        fields.add(new String[] {"filetype", meta.filetype().formValue()});
        fields.add(new String[] {"pyversion", meta.pythonVersion()});
        fields.add(new String[] {"metadata_version", meta.metadataVersion()});
        for (String[] f : FIELDS) {
            for (String v : md.getAll(f[0])) {
                String value = f[0].equals("Requires-Python") ? meta.requiresPython().orElse("") : oneLine(v);
                if (!value.isEmpty()) {
                    fields.add(new String[] {f[1], value});
                }
            }
        }
        md.description().filter(d -> !d.isBlank()).ifPresent(d -> fields.add(new String[] {"description", d}));
        fields.add(new String[] {"md5_digest", meta.md5()});
        fields.add(new String[] {"sha256_digest", meta.sha256()});
        fields.add(new String[] {"blake2_256_digest", meta.blake2b256()});
        fields.add(new String[] {":action", "file_upload"});
        fields.add(new String[] {"protocol_version", "1"});

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String[] f : fields) {
            out.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + quote(f[0])
                    + "\"\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            out.writeBytes(f[1].getBytes(StandardCharsets.UTF_8));
            out.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
        }
        out.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"content\"; filename=\""
                + quote(meta.filename()) + "\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    /** Header values are sent unfolded, on one line (the description is sent separately, as is). */
    private static String oneLine(String v) {
        return v.replaceAll("\\s*\\n\\s*", " ").strip();
    }

    /** Quotes a Content-Disposition parameter the way browsers do (HTML form encoding). */
    static String quote(String s) {
        return s.replace("\"", "%22").replace("\r", "%0D").replace("\n", "%0A");
    }

    private InputStream body(Path file, byte[] head, byte[] tail, long total) {
        try {
            InputStream f = Files.newInputStream(file);
            InputStream all = new SequenceInputStream(new ByteArrayInputStream(head),
                    new SequenceInputStream(f, new ByteArrayInputStream(tail)));
            return new FilterInputStream(all) {
                private long sent;

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    int n = super.read(b, off, len);
                    if (n > 0) {
                        sent += n;
                        progress.advance(sent, total);
                    }
                    return n;
                }
            };
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static boolean isLoopback(String host) {
        if (host == null) {
            return false;
        }
        if (host.equalsIgnoreCase("localhost")) {
            return true;
        }
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static String describe(IOException e) {
        if (e == null) {
            return "no response";
        }
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + m);
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw PackyardException.build("upload interrupted", e);
        }
    }

    /** Settings; only the repository URL is required. */
    public static final class Builder {
        private URI url;
        private String username;
        private String password;
        private boolean skipExisting;
        private Progress progress = Progress.NONE;
        private UploadValidator validator = UploadValidator.builder().maxFileSize(Long.MAX_VALUE).build();
        private HttpClient http;
        private Duration connectTimeout = Duration.ofSeconds(30);
        private Duration timeout;
        private int retries = 3;
        private Duration retryBackoff = Duration.ofSeconds(1);
        private String userAgent = "packyard/0.1 (legacy upload API; +java.net.http)";

        private Builder() {}

        /** The index's upload URL (twine's {@code --repository-url}), e.g. {@code https://upload.pypi.org/legacy/}. */
        public Builder repositoryUrl(String url) {
            URI u;
            try {
                u = URI.create(Objects.requireNonNull(url, "url").strip());
            } catch (IllegalArgumentException e) {
                throw PackyardException.config("repository URL " + url + ": " + e.getMessage());
            }
            return repositoryUrl(u);
        }

        public Builder repositoryUrl(URI url) {
            String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https") || url.getHost() == null) {
                throw PackyardException.config("repository URL " + url + ": expected an http:// or https:// URL");
            }
            if (url.getRawUserInfo() != null) {
                throw PackyardException.config("repository URL " + url.getHost()
                        + ": put credentials in a token, not in the URL");
            }
            this.url = url;
            return this;
        }

        /** An API token: sent as HTTP Basic user {@code __token__} with the token as password. */
        public Builder token(String token) {
            if (token == null || token.isBlank()) {
                throw PackyardException.config("the upload token is empty");
            }
            return credentials("__token__", token.strip());
        }

        /** HTTP Basic credentials. */
        public Builder credentials(String username, String password) {
            this.username = Objects.requireNonNull(username, "username");
            this.password = Objects.requireNonNull(password, "password");
            return this;
        }

        /** Treat "file already exists" answers as success (twine's {@code --skip-existing}). */
        public Builder skipExisting(boolean skip) {
            this.skipExisting = skip;
            return this;
        }

        public Builder progress(Progress progress) {
            this.progress = Objects.requireNonNull(progress);
            return this;
        }

        /** The validator used to check files before sending (default: no size limit, defaults otherwise). */
        public Builder validator(UploadValidator validator) {
            this.validator = Objects.requireNonNull(validator);
            return this;
        }

        /** A preconfigured HTTP client (it must not follow redirects). */
        public Builder httpClient(HttpClient client) {
            this.http = client;
            return this;
        }

        public Builder connectTimeout(Duration d) {
            this.connectTimeout = Objects.requireNonNull(d);
            return this;
        }

        /** Limit for a whole request (default: none, large files take long). */
        public Builder timeout(Duration d) {
            this.timeout = d;
            return this;
        }

        /** Retries after a 5xx answer or a connection failure (default 3). */
        public Builder retries(int retries) {
            if (retries < 0) {
                throw new IllegalArgumentException("retries must not be negative");
            }
            this.retries = retries;
            return this;
        }

        /** First retry delay, doubled each time (default 1 s). */
        public Builder retryBackoff(Duration d) {
            this.retryBackoff = Objects.requireNonNull(d);
            return this;
        }

        public Builder userAgent(String ua) {
            this.userAgent = Objects.requireNonNull(ua);
            return this;
        }

        public UploadClient build() {
            if (url == null) {
                throw PackyardException.config("no repository URL to upload to");
            }
            return new UploadClient(this);
        }
    }
}
