package io.packyard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where dependencies come from, through the CLI: a hash-pinned requirements.txt lock (never
 * re-resolved), and a PEP 503 index on 127.0.0.1 via --index-url. Uses the real pip wheel from
 * /usr/share/python-wheels and the system interpreter (nothing to copy), so each build is quick.
 */
@Tag("system")
class DependencySourcesSystemTest {
    static final Path PIP = Path.of("/usr/share/python-wheels/pip-23.0.1-py3-none-any.whl");

    @TempDir
    Path tmp;

    private Path project(String deps) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("app"));
        Files.writeString(dir.resolve("pyproject.toml"), """
                [build-system]
                requires = ["setuptools>=61"]
                build-backend = "setuptools.build_meta"

                [project]
                name = "pip-user"
                version = "1.0"
                authors = [{ name = "Tests", email = "tests@packyard.example.org" }]
                dependencies = [%s]

                [tool.setuptools]
                py-modules = []

                [tool.packyard]
                company = "Packyard Tests"
                scripts = []
                exclude = ["pip/_vendor/distro/**", "**/__main__.py"]
                """.formatted(deps));
        return dir;
    }

    private List<String> tarListing(Path out) {
        Path tgz = Builds.file(out, ".tar.gz");
        return Sh.run("tar", "tzf", tgz.toString()).ok().output().lines().toList();
    }

    static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    @Test
    void requirementsLockWithHashes() throws Exception {
        Sh.require("tar");
        Path app = project("");
        Path lock = app.resolve("requirements.txt");
        Files.writeString(lock, "# pinned\npip==23.0.1 \\\n    --hash=sha256:" + sha256(PIP) + "\n");
        Path out = tmp.resolve("out");
        Builds.Cli r = Builds.cli("build", app.toString(), "--lock", lock.toString(), "--find-links", PIP.getParent().toString(),
                "--python", "system:3.11", "--format", "tar.gz", "--out", out.toString(), "--quiet");
        assertThat(r.exit()).as(r.err()).isZero();
        List<String> listing = tarListing(out);
        assertThat(listing).contains("pip-user-1.0/lib/python3.11/site-packages/pip-23.0.1.dist-info/RECORD",
                "pip-user-1.0/lib/python3.11/site-packages/pip/__init__.py");
        // [tool.packyard].exclude: the files are gone, and so are their RECORD rows and bytecode
        assertThat(listing).noneMatch(f -> f.contains("pip/_vendor/distro/") || f.endsWith("/__main__.py")
                || f.contains("__main__.cpython"));
        String record = Sh.run("tar", "xzOf", Builds.file(out, ".tar.gz").toString(),
                "pip-user-1.0/lib/python3.11/site-packages/pip-23.0.1.dist-info/RECORD").ok().output();
        assertThat(record).contains("pip/__init__.py,sha256=").doesNotContain("pip/_vendor/distro/").doesNotContain("__main__.py");

        // a lock whose hash does not match the wheel is refused, and nothing is written
        Files.writeString(lock, "pip==23.0.1 --hash=sha256:" + "0".repeat(64) + "\n");
        Path out2 = tmp.resolve("out2");
        Builds.Cli bad = Builds.cli("build", app.toString(), "--lock", lock.toString(), "--find-links", PIP.getParent().toString(),
                "--python", "system:3.11", "--format", "tar.gz", "--out", out2.toString(), "--quiet");
        assertThat(bad.exit()).isEqualTo(1);
        assertThat(bad.err()).startsWith("packyard: error: ").contains("pip").contains("requirements.txt");
        assertThat(out2).doesNotExist();
    }

    @Test
    void wheelsFromASimpleIndex() throws Exception {
        String hash = sha256(PIP);
        List<String> requests = new CopyOnWriteArrayList<>();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            String path = ex.getRequestURI().getPath();
            requests.add(path);
            byte[] body;
            String type;
            if (path.equals("/simple/pip/")) {
                body = ("<!DOCTYPE html><html><body><a href=\"/files/pip-23.0.1-py3-none-any.whl#sha256=" + hash
                        + "\" data-requires-python=\"&gt;=3.7\">pip-23.0.1-py3-none-any.whl</a></body></html>")
                        .getBytes(StandardCharsets.UTF_8);
                type = "text/html";
            } else if (path.equals("/files/pip-23.0.1-py3-none-any.whl")) {
                body = Files.readAllBytes(PIP);
                type = "application/octet-stream";
            } else {
                body = "not found".getBytes(StandardCharsets.UTF_8);
                ex.sendResponseHeaders(404, body.length);
                ex.getResponseBody().write(body);
                ex.close();
                return;
            }
            ex.getResponseHeaders().add("Content-Type", type);
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        try {
            Path app = project("\"pip>=23\"");
            Path out = tmp.resolve("out");
            String index = "http://127.0.0.1:" + server.getAddress().getPort() + "/simple/";
            Builds.Cli r = Builds.cli("build", app.toString(), "--index-url", index, "--python", "system:3.11",
                    "--format", "tar.gz", "--out", out.toString(), "--quiet");
            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(requests).contains("/simple/pip/");
            assertThat(tarListing(out)).contains("pip-user-1.0/lib/python3.11/site-packages/pip-23.0.1.dist-info/METADATA");
        } finally {
            server.stop(0);
        }
    }
}
