package io.packyard.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.packyard.repository.Repository;
import io.packyard.repository.auth.Permission;
import io.packyard.repository.index.IndexSpec;
import io.packyard.testkit.TestDistributions;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Stopping lets a running upload finish, and does not wait for requests that are over. */
class ServerLifecycleTest {

    @TempDir
    Path dir;

    @Test
    void stopIsQuickAfterAnyKindOfRequest() throws Exception {
        RecordingLog log = new RecordingLog();
        PackyardServer server = PackyardServer.builder().dataDir(dir.resolve("data")).port(0).log(log)
                .build().start();
        server.repository().indexes().create(IndexSpec.hosted("main"));
        TestClient c = new TestClient(server.url());
        assertThat(c.get("main/simple/").statusCode()).isEqualTo(200);
        assertThat(c.get("no/such/route/at/all").statusCode()).isEqualTo(404);
        assertThat(c.get("main/simple/", "Accept", "image/png").statusCode()).isEqualTo(406);
        assertThat(c.send("HEAD", "main/simple/", null).statusCode()).isEqualTo(200);
        assertThat(c.send("POST", "main/", "x", "Content-Type", "text/plain").statusCode()).isEqualTo(401);
        assertThat(c.send("PUT", "main/simple/", "x").statusCode()).isIn(404, 405);
        // every request has its log line, matched or not
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (log.requests.size() < 6 && System.nanoTime() < until) {
            Thread.sleep(20);
        }
        assertThat(log.requests).hasSize(6);
        assertThat(log.requestsTo("GET", "/no/such/route/at/all")).singleElement().asString().contains("\" 404 ");
        assertThat(log.requestsTo("PUT", "/main/simple/")).hasSize(1);
        assertThat(log.requestsTo("GET", "/main/simple/")).anySatisfy(l -> assertThat(l).contains("\" 406 "));
        // the log line is written just before the request stops counting as in flight
        while (server.requestsInFlight() > 0 && System.nanoTime() < until) {
            Thread.sleep(5);
        }
        assertThat(server.requestsInFlight()).isZero();
        long t0 = System.nanoTime();
        server.stop();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(5000);
    }

    @Test
    void aRunningUploadFinishesBeforeTheServerStops() throws Exception {
        PackyardServer server = PackyardServer.builder().dataDir(dir.resolve("data")).port(0).log(new RecordingLog())
                .build().start();
        Repository repo = server.repository();
        repo.indexes().create(IndexSpec.hosted("main"));
        String token = repo.tokens().create("ci", "main", Optional.empty(), Permission.UPLOAD, Optional.empty(),
                Optional.empty()).secret();
        Path wheel = TestDistributions.wheel("slow-upload", "1.0").build(dir);
        Map<String, String> fields = TestClient.twineFields(wheel, "slow-upload", "1.0");
        String boundary = "----slow";
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (Map.Entry<String, String> e : fields.entrySet()) {
            body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + e.getKey() + "\"\r\n\r\n"
                    + e.getValue() + "\r\n").getBytes(StandardCharsets.UTF_8));
        }
        body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"content\"; filename=\""
                + wheel.getFileName() + "\"\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.write(Files.readAllBytes(wheel));
        body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        byte[] all = body.toByteArray();

        // a raw socket, so that exactly half of the request is on the wire when stop() is called
        try (java.net.Socket socket = new java.net.Socket(server.url().getHost(), server.port())) {
            java.io.OutputStream out = socket.getOutputStream();
            out.write(("POST /main/ HTTP/1.1\r\nHost: " + server.url().getHost() + ":" + server.port()
                    + "\r\nContent-Type: multipart/form-data; boundary=" + boundary
                    + "\r\nAuthorization: " + TestClient.basic(token)
                    + "\r\nContent-Length: " + all.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            out.write(all, 0, all.length / 2);
            out.flush();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (server.requestsInFlight() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(server.requestsInFlight()).as("the upload is being handled").isEqualTo(1);
            CompletableFuture<Void> stopped = CompletableFuture.runAsync(server::stop);
            Thread.sleep(500);
            assertThat(stopped).isNotDone();
            out.write(all, all.length / 2, all.length - all.length / 2);
            out.flush();
            String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(response).startsWith("HTTP/1.1 200");
            stopped.get(30, TimeUnit.SECONDS);
        }
        try (Repository reopened = Repository.builder().dataDir(dir.resolve("data")).build()) {
            assertThat(reopened.catalog().page(reopened.indexes().require("main"), "slow-upload")).isPresent();
        }
    }
}
