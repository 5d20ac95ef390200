package io.packyard.bundle.interpreter;

import io.packyard.python.PackyardException;
import io.packyard.python.util.Progress;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.UUID;

/** HTTP GET with progress, hashing while writing, and atomic placement of the result. */
final class Downloader {

    private final HttpClient client;
    private final Progress progress;

    Downloader(HttpClient client, Progress progress) {
        this.client = client;
        this.progress = progress;
    }

    static HttpClient defaultClient() {
        return HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(30))
                .proxy(java.net.ProxySelector.getDefault())
                .build();
    }

    /** A small document such as SHA256SUMS, at most {@code max} bytes. */
    byte[] fetch(URI uri, int max) {
        HttpResponse<InputStream> r = get(uri);
        try (InputStream in = r.body()) {
            byte[] data = in.readNBytes(max + 1);
            if (data.length > max) {
                throw PackyardException.build("GET " + uri + ": response larger than " + max + " bytes");
            }
            return data;
        } catch (IOException e) {
            throw PackyardException.build("GET " + uri + ": " + describe(e), e);
        }
    }

    /**
     * Downloads to {@code target}: written to a temporary sibling, hashed on the way, fsynced,
     * compared with {@code expectedSha256}, then renamed into place. On any failure nothing is
     * left behind.
     */
    void download(URI uri, Path target, String expectedSha256, String label) {
        Path tmp = target.resolveSibling("." + target.getFileName() + "." + UUID.randomUUID() + ".part");
        try {
            Files.createDirectories(target.getParent());
            HttpResponse<InputStream> r = get(uri);
            long total = r.headers().firstValueAsLong("Content-Length").orElse(-1);
            MessageDigest md = FileOps.sha256();
            progress.step("Downloading " + label + (total > 0 ? " (" + (total >> 20) + " MiB)" : ""));
            try (InputStream in = r.body();
                    FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                byte[] buf = new byte[1 << 16];
                long done = 0;
                long reported = 0;
                int n;
                while ((n = in.read(buf)) > 0) {
                    md.update(buf, 0, n);
                    ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
                    while (bb.hasRemaining()) {
                        out.write(bb);
                    }
                    done += n;
                    if (done - reported >= (1 << 20)) {
                        reported = done;
                        progress.advance(done, total);
                    }
                }
                if (total >= 0 && done != total) {
                    throw PackyardException.build("GET " + uri + ": connection closed after " + done + " of " + total + " bytes");
                }
                progress.advance(done, total < 0 ? done : total);
                out.force(true);
            } catch (IOException e) {
                throw PackyardException.build("GET " + uri + ": " + describe(e), e);
            }
            String actual = HexFormat.of().formatHex(md.digest());
            if (!actual.equals(expectedSha256)) {
                throw PackyardException.build(label + ": sha256 mismatch: expected " + expectedSha256 + ", downloaded "
                        + actual + " from " + uri);
            }
            FileOps.move(tmp, target);
        } catch (IOException e) {
            throw PackyardException.build(label + ": cannot write " + target + ": " + describe(e), e);
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // best effort
            }
        }
    }

    private HttpResponse<InputStream> get(URI uri) {
        HttpRequest req = HttpRequest.newBuilder(uri)
                .header("User-Agent", "packyard")
                .GET()
                .build();
        HttpResponse<InputStream> r;
        try {
            r = client.send(req, HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw PackyardException.build("GET " + uri + ": " + describe(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw PackyardException.build("GET " + uri + ": interrupted", e);
        }
        if (r.statusCode() != 200) {
            try (InputStream in = r.body()) {
                in.readNBytes(1 << 16);
            } catch (IOException ignored) {
                // the status is what matters
            }
            throw PackyardException.build("GET " + uri + ": HTTP " + r.statusCode());
        }
        return r;
    }

    static String describe(Throwable e) {
        String m = e.getMessage();
        String base = e.getClass().getSimpleName();
        if (e instanceof java.net.ConnectException && (m == null || m.isEmpty())) {
            return "connection refused";
        }
        return m == null || m.isBlank() ? base : (base + ": " + m).replace('\n', ' ');
    }
}
