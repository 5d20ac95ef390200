package io.packyard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code packyard publish} through the real CLI against a small com.sun.net.httpserver on
 * 127.0.0.1 standing in for the upload endpoint of {@code packyard serve} (written concurrently
 * by another helper): it records each request's Authorization header and form field names and
 * answers as scripted.
 */
class PublishCommandTest {

    @TempDir
    Path tmp;

    HttpServer server;
    final List<Map<String, Object>> requests = Collections.synchronizedList(new ArrayList<>());
    volatile Function<Map<String, Object>, int[]> status = r -> new int[] {200};
    volatile String answer = "OK";

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/legacy/", ex -> {
            try (ex) {
                byte[] body = ex.getRequestBody().readAllBytes();
                String text = new String(body, StandardCharsets.ISO_8859_1);
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("auth", String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
                Map<String, String> fields = new LinkedHashMap<>();
                Matcher m = Pattern.compile("Content-Disposition: form-data; name=\"([^\"]+)\"(?:; filename=\"([^\"]+)\")?"
                        + "\r\n(?:Content-Type: [^\r]*\r\n)?\r\n").matcher(text);
                while (m.find()) {
                    fields.put(m.group(1), m.group(2) != null ? m.group(2)
                            : text.substring(m.end(), text.indexOf("\r\n--", m.end())));
                }
                r.put("fields", fields);
                requests.add(r);
                byte[] out = answer.getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
                ex.sendResponseHeaders(status.apply(r)[0], out.length);
                try (OutputStream o = ex.getResponseBody()) {
                    o.write(out);
                }
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/legacy/";
    }

    record Run(int exit, String out, String err) {}

    Run cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(exit, out.toString(), err.toString());
    }

    /** A minimal valid wheel, STORED entries (no data descriptors), RECORD with real hashes. */
    Path wheel(String name, String version) throws Exception {
        String info = name + "-" + version + ".dist-info";
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put(name + "/__init__.py", "x = 1\n".getBytes(StandardCharsets.UTF_8));
        files.put(info + "/METADATA", ("Metadata-Version: 2.1\nName: " + name + "\nVersion: " + version
                + "\nSummary: demo\n").getBytes(StandardCharsets.UTF_8));
        files.put(info + "/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
                .getBytes(StandardCharsets.UTF_8));
        StringBuilder record = new StringBuilder();
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(e.getValue());
            record.append(e.getKey()).append(",sha256=").append(Base64.getUrlEncoder().withoutPadding().encodeToString(d))
                    .append(',').append(e.getValue().length).append('\n');
        }
        record.append(info).append("/RECORD,,\n");
        files.put(info + "/RECORD", record.toString().getBytes(StandardCharsets.UTF_8));
        Path p = tmp.resolve(name + "-" + version + "-py3-none-any.whl");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(p))) {
            for (Map.Entry<String, byte[]> e : files.entrySet()) {
                ZipEntry ze = new ZipEntry(e.getKey());
                ze.setMethod(ZipEntry.STORED);
                ze.setSize(e.getValue().length);
                ze.setCompressedSize(e.getValue().length);
                CRC32 crc = new CRC32();
                crc.update(e.getValue());
                ze.setCrc(crc.getValue());
                z.putNextEntry(ze);
                z.write(e.getValue());
                z.closeEntry();
            }
        }
        return p;
    }

    @SuppressWarnings("unchecked")
    static Map<String, String> fields(Map<String, Object> r) {
        return (Map<String, String>) r.get("fields");
    }

    static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void publishesWheelsWithTheToken() throws Exception {
        Path a = wheel("alpha", "1.0");
        Path b = wheel("beta", "2.0");
        Run r = cli("publish", a.toString(), b.toString(), "--to", url(), "--token", "pypi-abc", "-q");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out().lines().toList()).containsExactly("uploaded " + a.getFileName(), "uploaded " + b.getFileName());
        assertThat(requests).hasSize(2);
        assertThat(requests.get(0).get("auth")).isEqualTo(basic("__token__", "pypi-abc"));
        Map<String, String> f = fields(requests.get(0));
        assertThat(f).containsEntry(":action", "file_upload").containsEntry("protocol_version", "1")
                .containsEntry("name", "alpha").containsEntry("version", "1.0").containsEntry("filetype", "bdist_wheel")
                .containsEntry("pyversion", "py3").containsEntry("content", a.getFileName().toString());
        assertThat(f.get("sha256_digest")).hasSize(64);
    }

    @Test
    void tokenFromFileAndFromEnvironment() throws Exception {
        Path a = wheel("alpha", "1.0");
        Path tokenFile = Files.writeString(tmp.resolve("token"), "pypi-from-file\n");
        assertThat(cli("publish", a.toString(), "--to", url(), "--token-file", tokenFile.toString(), "-q").exit()).isZero();
        assertThat(requests.get(0).get("auth")).isEqualTo(basic("__token__", "pypi-from-file"));

        PublishCommand cmd = new PublishCommand();
        cmd.getenv = Map.of("PACKYARD_TOKEN", "pypi-from-env")::get;
        CommandLine cl = new CommandLine(cmd);
        cl.setOut(new PrintWriter(new StringWriter()));
        cl.setErr(new PrintWriter(new StringWriter()));
        assertThat(cl.execute(a.toString(), "--to", url(), "-q")).isZero();
        assertThat(requests.get(1).get("auth")).isEqualTo(basic("__token__", "pypi-from-env"));
    }

    @Test
    void refusalIsExitOneWithTheServersReason() throws Exception {
        status = r -> new int[] {400};
        answer = "Invalid distribution file. the index says no";
        Path a = wheel("alpha", "1.0");
        Path b = wheel("beta", "2.0");
        Run r = cli("publish", a.toString(), b.toString(), "--to", url(), "--token", "t", "-q");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err().strip()).isEqualTo("packyard: error: " + a.getFileName() + ": refused by " + url()
                + " (HTTP 400): Invalid distribution file. the index says no");
        assertThat(requests).as("stops at the first refusal").hasSize(1);
    }

    @Test
    void forbiddenSuggestsCheckingTheToken() throws Exception {
        status = r -> new int[] {403};
        answer = "Invalid or non-existent authentication information.";
        Run r = cli("publish", wheel("alpha", "1.0").toString(), "--to", url(), "--token", "wrong", "-q");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("(HTTP 403): Invalid or non-existent authentication information. (check the token");
    }

    @Test
    void skipExistingTurnsFileExistsIntoSuccess() throws Exception {
        status = r -> new int[] {400};
        answer = "File already exists ('alpha-1.0-py3-none-any.whl', with blake2_256 hash '00').";
        Path a = wheel("alpha", "1.0");
        assertThat(cli("publish", a.toString(), "--to", url(), "--token", "t", "-q").exit()).isEqualTo(1);
        Run r = cli("publish", a.toString(), "--to", url(), "--token", "t", "-q", "--skip-existing");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out().strip()).isEqualTo("skipped " + a.getFileName() + " (already on the index)");
    }

    @Test
    void invalidFileUploadsNothing() throws Exception {
        Path good = wheel("alpha", "1.0");
        Path bad = Files.write(tmp.resolve("beta-1.0-py3-none-any.whl"), "not a zip".getBytes(StandardCharsets.UTF_8));
        Run r = cli("publish", good.toString(), bad.toString(), "--to", url(), "--token", "t", "-q");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err().strip()).isEqualTo("packyard: error: Invalid distribution file. beta-1.0-py3-none-any.whl:"
                + " File is not a zipfile.");
        assertThat(requests).as("nothing uploaded when any file is invalid").isEmpty();
    }

    @Test
    void dryRunChecksAndUploadsNothing() throws Exception {
        Path a = wheel("alpha", "1.0");
        Run r = cli("publish", a.toString(), "--to", url(), "--dry-run", "-q");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("ok " + a.getFileName() + " (alpha 1.0, sha256 ");
        assertThat(requests).isEmpty();
    }

    @Test
    void systemPackagesAreNotForAPythonIndex() throws Exception {
        Path deb = Files.writeString(tmp.resolve("notes_1.0_amd64.deb"), "!<arch>\n");
        Run r = cli("publish", deb.toString(), "--to", url());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo("packyard: error: " + deb + ": only wheels (.whl) and sdists (.tar.gz)"
                + " can be published to a Python index; .deb and .rpm packages go to a Packyard repository"
                + " (--repo NAME [--channel C])");
        assertThat(requests).isEmpty();
    }

    @Test
    void usageAndConfigurationErrorsAreExitTwo() throws Exception {
        Path a = wheel("alpha", "1.0");
        assertThat(cli("publish", a.toString()).exit()).as("--to is required").isEqualTo(2);
        assertThat(cli("publish", "--to", url()).exit()).as("a DIST is required").isEqualTo(2);
        Run missing = cli("publish", tmp.resolve("nope.whl").toString(), "--to", url());
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).contains("nope.whl: no such file");
        Run dir = cli("publish", tmp.toString(), "--to", url());
        assertThat(dir.err()).contains("is a directory; name the files");
        Run both = cli("publish", a.toString(), "--to", url(), "--token", "x", "--token-file", "y");
        assertThat(both.exit()).isEqualTo(2);
        assertThat(both.err()).contains("--token and --token-file: give one, not both");
        Run badUrl = cli("publish", a.toString(), "--to", "ftp://example.org/");
        assertThat(badUrl.exit()).isEqualTo(2);
        assertThat(badUrl.err()).contains("expected an http:// or https:// URL");
        Run noFile = cli("publish", a.toString(), "--to", url(), "--token-file", tmp.resolve("missing").toString());
        assertThat(noFile.exit()).isEqualTo(2);
        assertThat(noFile.err()).contains("--token-file").contains("cannot read");
        Run odd = cli("publish", Files.writeString(tmp.resolve("notes.txt"), "x").toString(), "--to", url());
        assertThat(odd.err()).contains("not a wheel (.whl) or sdist (.tar.gz)");
        assertThat(requests).isEmpty();
    }

    @Test
    void helpHasExamples() {
        Run r = cli("publish", "--help");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("--to=URL").contains("--skip-existing").contains("PACKYARD_TOKEN")
                .contains("Examples:").contains("Exit status:");
        assertThat(r.out()).contains("--repo=NAME").contains("--channel=CHANNEL");
        assertThat(cli("--help").out()).contains("publish");
    }
}
