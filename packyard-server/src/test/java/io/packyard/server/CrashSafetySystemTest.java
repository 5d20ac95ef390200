package io.packyard.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.packyard.repository.Fsck;
import io.packyard.repository.Repository;
import io.packyard.repository.auth.Permission;
import io.packyard.repository.index.IndexSpec;
import io.packyard.testkit.TestDistributions;
import io.packyard.testkit.TestPostgres;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The server in its own JVM takes 50 concurrent uploads and is SIGKILLed in the middle. After a
 * restart on the same data: every upload that was answered 200 is served with its right hash,
 * nothing partial is served, and fsck finds the store and the database in agreement.
 */
@Tag("system")
class CrashSafetySystemTest {

    private static final int UPLOADS = 50;
    private static TestPostgres postgres;

    @TempDir
    Path dir;

    @AfterAll
    static void stopPostgres() {
        if (postgres != null) {
            postgres.close();
        }
    }

    record Child(Process process, URI url, Thread pump) {}

    static Child startChild(Path data, String databaseUrl) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "io.packyard.server.ServerMain",
                "--data", data.toString(), "--port", "0"));
        if (databaseUrl != null) {
            cmd.addAll(List.of("--database", databaseUrl));
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        Pattern listening = Pattern.compile("listening on (http://127\\.0\\.0\\.1:\\d+/)");
        String line;
        URI url = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (url == null && (line = r.readLine()) != null) {
            System.err.println("[child] " + line);
            Matcher m = listening.matcher(line);
            if (m.find()) {
                url = URI.create(m.group(1));
            }
            if (System.nanoTime() > deadline) {
                break;
            }
        }
        if (url == null) {
            p.destroyForcibly();
            throw new AssertionError("the server did not start");
        }
        Thread pump = Thread.ofPlatform().daemon().start(() -> {
            try {
                String l;
                while ((l = r.readLine()) != null) {
                    if (!l.contains(" REQUEST ")) {
                        System.err.println("[child] " + l);
                    }
                }
            } catch (java.io.IOException ignored) {
                // the child died
            }
        });
        return new Child(p, url, pump);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"h2", "postgresql"})
    void acknowledgedUploadsSurviveASigkill(String backend) throws Exception {
        String databaseUrl = null;
        if (backend.equals("postgresql")) {
            synchronized (CrashSafetySystemTest.class) {
                if (postgres == null) {
                    postgres = TestPostgres.start();
                }
            }
            databaseUrl = postgres.createDatabase("crash");
        }
        Path data = dir.resolve("data");
        String token;
        try (Repository repo = Repository.builder().dataDir(data).databaseUrl(databaseUrl).build()) {
            repo.indexes().create(IndexSpec.hosted("main"));
            token = repo.tokens().create("ci", "main", Optional.empty(), Permission.UPLOAD, Optional.empty(),
                    Optional.empty()).secret();
        }
        // 50 distinct wheels of ~300 KB of incompressible content, so that uploads take a while
        Map<String, Path> wheels = new ConcurrentHashMap<>();
        Map<String, String> shas = new ConcurrentHashMap<>();
        Random rnd = new Random(7);
        for (int i = 0; i < UPLOADS; i++) {
            byte[] noise = new byte[220_000];
            rnd.nextBytes(noise);
            Path w = TestDistributions.wheel("crash-" + i, "1.0")
                    .file("crash_" + i + "/data.txt", java.util.Base64.getEncoder().encodeToString(noise))
                    .build(dir.resolve("wheels"));
            wheels.put("crash-" + i, w);
            shas.put("crash-" + i, TestClient.hex("SHA-256", Files.readAllBytes(w)));
        }

        Child child = startChild(data, databaseUrl);
        TestClient client = new TestClient(child.url());
        Map<String, Integer> answered = new ConcurrentHashMap<>();
        AtomicInteger ok = new AtomicInteger();
        CountDownLatch enoughDone = new CountDownLatch(10);
        ExecutorService pool = Executors.newFixedThreadPool(UPLOADS);
        for (int i = 0; i < UPLOADS; i++) {
            String name = "crash-" + i;
            pool.submit(() -> {
                try {
                    Path w = wheels.get(name);
                    HttpResponse<byte[]> r = client.upload("main/", token, w, TestClient.twineFields(w, name, "1.0"));
                    answered.put(name, r.statusCode());
                    if (r.statusCode() == 200) {
                        ok.incrementAndGet();
                        enoughDone.countDown();
                    }
                } catch (Exception e) {
                    answered.put(name, -1);
                }
            });
        }
        assertThat(enoughDone.await(3, TimeUnit.MINUTES)).as("10 uploads acknowledged").isTrue();
        child.process().destroyForcibly();
        child.process().waitFor(30, TimeUnit.SECONDS);
        int acknowledged = ok.get();
        pool.shutdown();
        pool.awaitTermination(2, TimeUnit.MINUTES);
        System.err.println("acknowledged before the kill: " + acknowledged + ", answers: " + answered);
        List<String> acked = answered.entrySet().stream().filter(e -> e.getValue() == 200).map(Map.Entry::getKey).toList();
        assertThat(acked.size()).isGreaterThanOrEqualTo(10);
        assertThat(acked.size()).as("the kill interrupted uploads").isLessThan(UPLOADS);

        Child again = startChild(data, databaseUrl);
        try {
            TestClient c2 = new TestClient(again.url());
            for (int i = 0; i < UPLOADS; i++) {
                String name = "crash-" + i;
                String fn = wheels.get(name).getFileName().toString();
                HttpResponse<byte[]> page = c2.get("main/simple/" + name + "/");
                if (acked.contains(name)) {
                    assertThat(page.statusCode()).as(name + " was acknowledged").isEqualTo(200);
                }
                if (page.statusCode() == 200) {
                    // whatever is listed is whole: its bytes hash to the listed sha256, which is the original's
                    assertThat(TestClient.text(page)).contains(fn + "#sha256=" + shas.get(name));
                    HttpResponse<byte[]> f = c2.get("main/files/" + shas.get(name) + "/" + fn);
                    assertThat(f.statusCode()).isEqualTo(200);
                    assertThat(TestClient.hex("SHA-256", f.body())).isEqualTo(shas.get(name));
                } else {
                    assertThat(page.statusCode()).isEqualTo(404);
                }
            }
        } finally {
            again.process().destroy();
            again.process().waitFor(60, TimeUnit.SECONDS);
        }
        try (Repository repo = Repository.builder().dataDir(data).databaseUrl(databaseUrl).build()) {
            Fsck.Report report = Fsck.run(repo, Fsck.Options.check());
            System.err.println("fsck: " + report);
            assertThat(report.consistent()).isTrue();
            assertThat(report.missing()).isEmpty();
            assertThat(report.corrupt()).isEmpty();
            assertThat(report.rowsChecked()).isGreaterThanOrEqualTo(2 * acked.size());
        }
    }
}
