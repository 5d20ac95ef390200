package io.packyard.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.packyard.testkit.SettableClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** With Valid-Until configured, the server re-signs an APT suite on its own once half of it has passed. */
@Tag("system")
class AptReleaseRefreshSystemTest {

    @TempDir
    Path dir;

    @Test
    void theServerReSignsReleaseBeforeValidUntilLapses() throws Exception {
        Path root = dir.resolve("pkg");
        Files.createDirectories(root.resolve("DEBIAN"));
        Files.createDirectories(root.resolve("usr/share/doc/refresh-demo"));
        Files.writeString(root.resolve("usr/share/doc/refresh-demo/README"), "demo\n");
        Files.writeString(root.resolve("DEBIAN/control"), "Package: refresh-demo\nVersion: 1.0\nArchitecture: all\n"
                + "Maintainer: Packyard Tests <tests@example.org>\nDescription: demo\n");
        Path deb = dir.resolve("refresh-demo_1.0_all.deb");
        Process p = new ProcessBuilder("dpkg-deb", "--root-owner-group", "--build", root.toString(), deb.toString())
                .redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertThat(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0).isTrue();

        SettableClock clock = new SettableClock(Instant.parse("2026-11-21T12:00:00Z"));
        RecordingLog log = new RecordingLog();
        PackyardServer server = PackyardServer.builder().dataDir(dir.resolve("data")).port(0).clock(clock).log(log)
                .aptValidFor(Duration.ofHours(4)).aptRefreshCheckEvery(Duration.ofMillis(100)).build().start();
        try {
            server.repository().linux().publish(deb, "apps", "stable");
            TestClient c = new TestClient(server.url());
            String first = new String(c.get("repos/apps/apt/dists/stable/Release").body(), StandardCharsets.UTF_8);
            assertThat(first).contains("Date: Sat, 21 Nov 2026 12:00:00 UTC", "Valid-Until: Sat, 21 Nov 2026 16:00:00 UTC");
            Thread.sleep(500);
            assertThat(new String(c.get("repos/apps/apt/dists/stable/Release").body(), StandardCharsets.UTF_8))
                    .as("not due yet").isEqualTo(first);
            clock.advance(Duration.ofHours(2));
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            String now = first;
            while (now.equals(first) && System.nanoTime() < until) {
                Thread.sleep(100);
                now = new String(c.get("repos/apps/apt/dists/stable/Release").body(), StandardCharsets.UTF_8);
            }
            assertThat(now).contains("Date: Sat, 21 Nov 2026 14:00:00 UTC", "Valid-Until: Sat, 21 Nov 2026 18:00:00 UTC");
            assertThat(log.events).anySatisfy(l -> assertThat(l).contains("re-signed 1 APT Release file"));
        } finally {
            server.stop();
        }
    }
}
