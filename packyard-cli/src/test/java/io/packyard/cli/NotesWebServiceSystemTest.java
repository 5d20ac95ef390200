package io.packyard.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * The web example as a service ({@code [[tool.packyard.services]]} in examples/notes-web): dpkg -i
 * on this machine, where systemd does not run as PID 1, creates the notes-web user, installs and
 * enables the unit (which {@code systemd-analyze verify} accepts), the environment file and the
 * nginx site (which {@code nginx -t} accepts), and hands the database the post-install hook
 * created to the service's user; the service then runs as that user from its unit's command
 * line. An upgrade keeps a changed environment file; purge removes everything but the account.
 */
@Tag("system")
@ResourceLock("dpkg")
class NotesWebServiceSystemTest {
    static final Path ETC = Path.of("/etc/packyard-examples/notes-web");
    static final Path ENV = ETC.resolve("notes-web.env");
    static final Path SITE = ETC.resolve("nginx/notes-web.conf");
    static final Path UNIT = Path.of("/usr/lib/systemd/system/notes-web.service");
    static final Path DATA = Path.of("/var/lib/packyard-examples/notes-web/data");
    static Path v1;
    static Path v2;

    @TempDir
    Path tmp;

    @BeforeAll
    static void build() {
        // the same builds as NotesWebUpgradeSystemTest's: each happens once per test run
        v1 = Builds.file(Builds.build("notes-web-v1", "examples/notes-web/v1", "--python", "host:3.11", "--format", "deb"), ".deb");
        v2 = Builds.file(Builds.build("notes-web-v2", "examples/notes-web/v2", "--python", "host:3.11", "--format", "deb"), ".deb");
    }

    @BeforeEach
    void clean() throws InterruptedException {
        assumeTrue(Sh.isRoot(), "dpkg -i needs root");
        Sh.require("dpkg", "systemd-analyze", "nginx", "runuser");
        purge();
    }

    @AfterEach
    void purge() throws InterruptedException {
        if (Sh.isRoot()) {
            dpkg("--purge", "notes-web").ok();
            Sh.run("userdel", "notes-web");
            Sh.run("groupdel", "notes-web");
        }
    }

    @Test
    void installsUserUnitSiteAndTheServiceRunsAsItsUser() throws Exception {
        assertThat(Files.isDirectory(Path.of("/run/systemd/system"))).as("this test is for a machine without systemd").isFalse();
        dpkg("-i", v1.toString()).ok();

        assertThat(Sh.run("getent", "passwd", "notes-web").ok().output())
                .matches("notes-web:x:\\d+:\\d+:.*:" + DATA + ":/usr/sbin/nologin\n");
        Sh.Result verify = Sh.run("systemd-analyze", "verify", UNIT.toString());
        assertThat(verify.output()).isEmpty();
        assertThat(verify.exit()).isZero();
        String unit = Files.readString(UNIT);
        assertThat(unit).contains("User=notes-web\n", "EnvironmentFile=" + ENV + "\n",
                "ExecStart=/opt/packyard-examples/notes-web/bin/notes-web serve --host \"${HOST}\" --port \"${PORT}\"\n",
                "WorkingDirectory=" + DATA + "\n");
        assertThat(Path.of("/etc/systemd/system/multi-user.target.wants/notes-web.service").toRealPath())
                .isEqualTo(UNIT.toRealPath());
        assertThat(Files.getPosixFilePermissions(ENV)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Files.readString(Path.of("/var/log/packyard-examples/notes-web/install.log")))
                .contains("created user notes-web", "systemd is not running: services not started");

        // the hook created the database as root; it now belongs to the service's user
        for (Path p : List.of(DATA, DATA.resolve("notes.db"))) {
            PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class);
            assertThat(a.owner().getName()).as(p.toString()).isEqualTo("notes-web");
            assertThat(a.group().getName()).as(p.toString()).isEqualTo("notes-web");
        }

        // nginx accepts the site, and what it serves directly is installed
        String site = Files.readString(SITE);
        Matcher alias = Pattern.compile("alias (\\S+);").matcher(site);
        assertThat(alias.find()).isTrue();
        assertThat(Path.of(alias.group(1)).resolve("style.css")).isRegularFile();
        Sh.Result nginx = nginxTest(SITE);
        assertThat(nginx.exit()).as(nginx.output()).isZero();
        assertThat(nginx.output()).contains("test is successful");

        // the service, started the way its unit says: as notes-web, in its working directory,
        // with the environment file's variables (PORT replaced by a free one) in the command line
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Map<String, String> env = environmentFile(ENV);
        env.put("PORT", Integer.toString(port));
        List<String> command = new ArrayList<>(List.of("runuser", "-u", "notes-web", "-g", "notes-web", "--", "env", "-i",
                "PATH=/usr/bin:/bin", "PYTHONUNBUFFERED=1"));
        env.forEach((k, v) -> command.add(k + "=" + v));
        command.addAll(execStart(unit, env));
        Process service = new ProcessBuilder(command).directory(DATA.toFile()).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(service.getInputStream(), StandardCharsets.UTF_8));
            String first = out.readLine();
            assertThat(first).isEqualTo("notes-web 1.0.0 serving http://127.0.0.1:" + port + "/ (database " + DATA
                    + "/notes.db)");
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            String base = "http://127.0.0.1:" + port;
            HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create(base + "/api/notes"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"body\": \"written by the service user\"}"))
                    .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
            assertThat(post.statusCode()).as(post.body()).isEqualTo(201);
            HttpResponse<String> css = http.send(HttpRequest.newBuilder(URI.create(base + "/static/style.css")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(css.statusCode()).isEqualTo(200);
            assertThat(css.body()).isEqualTo(Files.readString(Path.of(alias.group(1)).resolve("style.css")));
        } finally {
            service.destroy();
            assertThat(service.waitFor(20, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void upgradeKeepsTheChangedEnvironmentFileAndPurgeRemovesAllButTheAccount() throws Exception {
        dpkg("-i", v1.toString()).ok();
        Files.writeString(ENV, "# changed by the administrator\nPORT=8001\n", StandardOpenOption.APPEND);
        String changed = Files.readString(ENV);

        // v2 ships a different environment file: dpkg would ask; --force-confold keeps the administrator's
        dpkg("-i", "--force-confold", v2.toString()).ok();
        assertThat(Files.readString(ENV)).isEqualTo(changed);
        assertThat(Files.readString(ETC.resolve("notes-web.env.dpkg-dist"))).contains("New in 2.0.0");
        assertThat(Files.readString(UNIT)).startsWith("# Notes Web 2.0.0:");
        // the hook migrated the service's database, which still belongs to the service
        assertThat(Files.readAttributes(DATA.resolve("notes.db"), PosixFileAttributes.class).owner().getName())
                .isEqualTo("notes-web");
        assertThat(Files.readString(Path.of("/var/log/packyard-examples/notes-web/install.log")))
                .contains("migration 2 (add notes.title): applied");
        Sh.Result verify = Sh.run("systemd-analyze", "verify", UNIT.toString());
        assertThat(verify.output()).isEmpty();

        dpkg("--purge", "notes-web").ok();
        assertThat(ETC).doesNotExist();
        assertThat(Path.of("/etc/packyard-examples")).doesNotExist();
        assertThat(UNIT).doesNotExist();
        assertThat(Files.exists(Path.of("/etc/systemd/system/multi-user.target.wants/notes-web.service"),
                LinkOption.NOFOLLOW_LINKS)).isFalse();
        assertThat(Path.of("/var/lib/packyard-examples/notes-web")).doesNotExist();
        assertThat(Sh.run("getent", "passwd", "notes-web").exit()).isZero();
    }

    @Test
    void badServicesAreConfigurationErrorsNamingTheLine() throws IOException {
        Path project = tmp.resolve("notes-web");
        try (var files = Files.walk(Builds.REPO.resolve("examples/notes-web/v1"))) {
            for (Path p : files.toList()) {
                Path to = project.resolve(Builds.REPO.resolve("examples/notes-web/v1").relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(p, to);
                }
            }
        }
        Path pyproject = project.resolve("pyproject.toml");
        String toml = Files.readString(pyproject);
        Path out = tmp.resolve("out");

        // an invalid user name: refused when pyproject.toml is read
        Files.writeString(pyproject, toml.replace("user = \"notes-web\"", "user = \"Notes Web\""));
        Builds.Cli r = Builds.cli("build", project.toString(), "--out", out.toString(), "--python", "host:3.11",
                "--format", "deb", "--quiet");
        assertThat(r.exit()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).contains("pyproject.toml:" + lineOf(toml, "user = ") + ": [tool.packyard.services[0]].user:"
                + " 'Notes Web' is not a valid user name (lower-case letters, digits, '_' and '-', starting with a letter"
                + " or '_', at most 32 characters, as useradd and adduser accept)");
        assertThat(out).doesNotExist();

        // a command the application does not have: refused once the wheels are installed
        Files.writeString(pyproject, toml.replace("command = \"notes-web serve", "command = \"notes-webb serve"));
        r = Builds.cli("build", project.toString(), "--out", out.toString(), "--python", "host:3.11", "--format", "deb",
                "--quiet");
        assertThat(r.exit()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).contains("pyproject.toml:" + lineOf(toml, "command = ") + ": [tool.packyard.services[0]].command:"
                + " 'notes-webb' is not one of the application's commands or console scripts (notes-web)");
        assertThat(out).doesNotExist();
    }

    private static int lineOf(String text, String start) {
        List<String> lines = text.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(start)) {
                return i + 1;
            }
        }
        throw new AssertionError(start + " not in pyproject.toml");
    }

    /** dpkg, waiting while another process (another test, apt) holds its lock. */
    private static Sh.Result dpkg(String... args) throws InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("dpkg"));
        cmd.addAll(List.of(args));
        Sh.Result r = Sh.run(Map.of(), null, cmd);
        for (int i = 0; i < 180 && r.exit() != 0 && r.output().contains("lock"); i++) {
            Thread.sleep(1000);
            r = Sh.run(Map.of(), null, cmd);
        }
        return r;
    }

    /** nginx -t on a configuration that includes {@code site}, everything nginx writes in a temporary directory. */
    private Sh.Result nginxTest(Path site) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("nginx"));
        Path conf = dir.resolve("nginx.conf");
        Files.writeString(conf, """
                pid @D/nginx.pid;
                error_log @D/error.log;
                events {}
                http {
                    access_log @D/access.log;
                    client_body_temp_path @D/body;
                    proxy_temp_path @D/proxy;
                    fastcgi_temp_path @D/fastcgi;
                    uwsgi_temp_path @D/uwsgi;
                    scgi_temp_path @D/scgi;
                    include @S;
                }
                """.replace("@D", dir.toString()).replace("@S", site.toString()));
        return Sh.run("nginx", "-t", "-p", dir + "/", "-e", dir.resolve("error.log").toString(), "-c", conf.toString());
    }

    /** The NAME=value lines of an environment file (this example's has no quoting). */
    private static Map<String, String> environmentFile(Path file) throws IOException {
        Map<String, String> out = new HashMap<>();
        for (String line : Files.readAllLines(file)) {
            Matcher m = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)=(.*)").matcher(line.strip());
            if (m.matches()) {
                out.put(m.group(1), m.group(2));
            }
        }
        return out;
    }

    /** The unit's ExecStart= words, with "..." quoting removed and ${NAME} replaced as systemd does. */
    private static List<String> execStart(String unit, Map<String, String> env) {
        Matcher m = Pattern.compile("(?m)^ExecStart=(.*)$").matcher(unit);
        assertThat(m.find()).isTrue();
        List<String> words = new ArrayList<>();
        Matcher w = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"|(\\S+)").matcher(m.group(1));
        while (w.find()) {
            String word = w.group(1) != null ? w.group(1).replaceAll("\\\\(.)", "$1") : w.group(2);
            Matcher v = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}").matcher(word);
            words.add(v.replaceAll(r -> Matcher.quoteReplacement(env.getOrDefault(r.group(1), ""))));
        }
        return words;
    }
}
