package io.packyard.bundle.project;

import static org.assertj.core.api.Assertions.assertThat;

import io.packyard.bundle.ConfigFile;
import io.packyard.bundle.Service;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServicesConfigTest {
    private static final String HEAD = """
            [project]
            name = "notes-web"
            version = "1.0"
            [tool.packyard]
            company = "Acme"
            product = "Notes Web"
            """;

    private final Path dir;
    private final PyprojectFixture pyproject;

    ServicesConfigTest(@TempDir Path dir) {
        this.dir = dir;
        this.pyproject = new PyprojectFixture(dir, HEAD);
    }

    @BeforeEach
    void files() throws Exception {
        Files.createDirectories(dir.resolve("deploy"));
        Files.writeString(dir.resolve("deploy/notes.env"), "# settings\nPORT=8000\n\n HOST = 127.0.0.1\nNAME=\"a \\\n b\"\n");
        Files.writeString(dir.resolve("deploy/notes.conf"), "[notes]\n");
    }

    @Test
    void readsEveryKey() throws Exception {
        Project p = pyproject.load("""
                config-files = ["deploy/notes.conf"]

                [[tool.packyard.services]]
                name = "notes-web"
                description = "Notes on the web"
                command = "notes-web serve --host 127.0.0.1 --port ${PORT} 'two words' \\"say \\\\\\"hi\\\\\\"\\" back\\\\ slash"
                user = "notes"
                group = "www-notes"
                environment-file = "deploy/notes.env"
                working-directory = "/srv/notes"
                state-directory = "data/web"
                restart = "always"

                [tool.packyard.services.nginx]
                server-names = ["notes.example.org", "*.notes.example.org"]
                listen = 8080
                port = 8000
                static = { "/static/" = "notes_web/static", "/media/files/" = "notes_web/media" }

                [[tool.packyard.services]]
                name = "notes-worker"
                command = ["notes-web", "work", "--queue", "a b"]
                user = "root"
                """);
        assertThat(p.packyard().configFiles()).extracting(ConfigFile::name, ConfigFile::mode)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("notes.conf", 0644));
        assertThat(p.packyard().configFiles().get(0).source()).isEqualTo(dir.resolve("deploy/notes.conf").toAbsolutePath());
        List<Service> services = p.packyard().services();
        assertThat(services).hasSize(2);
        Service web = services.get(0);
        assertThat(web.name()).isEqualTo("notes-web");
        assertThat(web.unitName()).isEqualTo("notes-web.service");
        assertThat(web.description()).isEqualTo("Notes on the web");
        assertThat(web.command()).isEqualTo("notes-web");
        assertThat(web.arguments()).containsExactly("serve", "--host", "127.0.0.1", "--port", "${PORT}", "two words",
                "say \"hi\"", "back slash");
        assertThat(web.user()).isEqualTo("notes");
        assertThat(web.group()).isEqualTo("www-notes");
        assertThat(web.environmentFile().orElseThrow().name()).isEqualTo("notes.env");
        assertThat(web.environmentFile().orElseThrow().mode()).isEqualTo(0600);
        assertThat(web.workingDirectory()).contains("/srv/notes");
        assertThat(web.stateDirectory()).isEqualTo("data/web");
        assertThat(web.restart()).isEqualTo("always");
        assertThat(web.launcher()).isEmpty();
        assertThat(web.where()).endsWith("/pyproject.toml:12: [tool.packyard.services[0]].command");
        Service.NginxSite site = web.nginx().orElseThrow();
        assertThat(site.serverNames()).containsExactly("notes.example.org", "*.notes.example.org");
        assertThat(site.listen()).isEqualTo(8080);
        assertThat(site.port()).isEqualTo(8000);
        assertThat(site.staticLocations()).isEqualTo(Map.of("/static/", "notes_web/static", "/media/files/", "notes_web/media"));
        assertThat(site.staticLocations().keySet()).containsExactly("/media/files/", "/static/");

        Service worker = services.get(1);
        assertThat(worker.arguments()).containsExactly("work", "--queue", "a b");
        assertThat(worker.runsAsRoot()).isTrue();
        assertThat(worker.group()).isEqualTo("root");
    }

    @Test
    void defaults() throws Exception {
        Project p = pyproject.load("""
                [[tool.packyard.services]]
                name = "notes-web"
                command = "notes-web serve"
                """);
        Service s = p.packyard().services().get(0);
        assertThat(s.user()).isEqualTo("notes-web");
        assertThat(s.group()).isEqualTo("notes-web");
        assertThat(s.stateDirectory()).isEqualTo("notes-web");
        assertThat(s.workingDirectory()).isEmpty();
        assertThat(s.restart()).isEqualTo("on-failure");
        assertThat(s.description()).isEqualTo("Notes Web (notes-web)");
        assertThat(s.environmentFile()).isEmpty();
        assertThat(s.nginx()).isEmpty();
        assertThat(p.packyard().configFiles()).isEmpty();
        assertThat(pyproject.load("").packyard().services()).isEmpty();
        Project nginx = pyproject.load("""
                [[tool.packyard.services]]
                name = "web"
                command = "notes-web"
                nginx = { server-names = ["_"], port = 9000 }
                """);
        assertThat(nginx.packyard().services().get(0).nginx().orElseThrow().listen()).isEqualTo(80);
        assertThat(nginx.packyard().services().get(0).nginx().orElseThrow().staticLocations()).isEmpty();
        assertThat(nginx.packyard().services().get(0).arguments()).isEqualTo(List.of());
        assertThat(nginx.packyard().services().get(0).environmentFile()).isEqualTo(Optional.empty());
    }

    @Test
    void badServicesNameTheLineAndKey() {
        String svc = "[[tool.packyard.services]]\n";
        pyproject.fails(svc + "name = \"w\"\ncommand = \"x\"\nport = 80\n",
                "pyproject.toml:10: [tool.packyard.services[0]].port: unknown key (known keys: command, description,"
                        + " environment-file, group, name, nginx, restart, state-directory, user, working-directory)");
        pyproject.fails(svc + "command = \"x\"\n",
                "pyproject.toml:7: [tool.packyard.services[0]].name: missing (the unit name, e.g. name = \"notes-web\")");
        pyproject.fails(svc + "name = \"w\"\n",
                "pyproject.toml:7: [tool.packyard.services[0]].command: missing (the command line, e.g. command ="
                        + " \"notes-web serve --port 8000\")");
        pyproject.fails(svc + "name = \"web app\"\ncommand = \"x\"\n",
                "pyproject.toml:8: [tool.packyard.services[0]].name: 'web app' is not a systemd unit name (letters,"
                        + " digits, '_', '.', ':' and '-', without '.service')");
        pyproject.fails(svc + "name = \"web.service\"\ncommand = \"x\"\n",
                "pyproject.toml:8: [tool.packyard.services[0]].name: 'web.service' is not a systemd unit name (letters,"
                        + " digits, '_', '.', ':' and '-', without '.service')");
        pyproject.fails(svc + "name = \"w\"\ncommand = \"x\"\nuser = \"Notes Web\"\n",
                "pyproject.toml:10: [tool.packyard.services[0]].user: 'Notes Web' is not a valid user name (lower-case"
                        + " letters, digits, '_' and '-', starting with a letter or '_', at most 32 characters, as useradd"
                        + " and adduser accept)");
        pyproject.fails(svc + "name = \"w\"\ncommand = \"x\"\nuser = \"1notes\"\n",
                "pyproject.toml:10: [tool.packyard.services[0]].user: '1notes' is not a valid user name (lower-case"
                        + " letters, digits, '_' and '-', starting with a letter or '_', at most 32 characters, as useradd"
                        + " and adduser accept)");
        pyproject.fails(svc + "name = \"w\"\ncommand = \"x\"\nuser = \"" + "n".repeat(33) + "\"\n",
                "pyproject.toml:10: [tool.packyard.services[0]].user: '" + "n".repeat(33) + "' is not a valid user name"
                        + " (lower-case letters, digits, '_' and '-', starting with a letter or '_', at most 32"
                        + " characters, as useradd and adduser accept)");
        pyproject.fails(svc + "name = \"w\"\ncommand = \"x\"\nuser = \"nobody\"\n",
                "pyproject.toml:10: [tool.packyard.services[0]].user: 'nobody' is shared by unrelated programs; give the"
                        + " service its own user");
        pyproject.fails(svc + "name = \"Web\"\ncommand = \"x\"\n",
                "pyproject.toml:8: [tool.packyard.services[0]].name: 'Web' cannot be a user name; set user = \"...\""
                        + " (lower-case letters, digits, '_' and '-', starting with a letter or '_', at most 32 characters)");
        pyproject.fails(svc + "name = \"w\"\ncommand = \"x\"\nuser = \"root\"\ngroup = \"w\"\n",
                "pyproject.toml:11: [tool.packyard.services[0]].group: a service that runs as root runs with group root");
        pyproject.fails(svc + "name = \"w\"\ncommand = \"/usr/bin/python3 -m http.server\"\n",
                "pyproject.toml:9: [tool.packyard.services[0]].command: '/usr/bin/python3' is not a command name: the"
                        + " command line must start with one of the application's commands or console scripts, without a"
                        + " directory");
        pyproject.fails(svc + "name = \"w\"\ncommand = \"x 'unclosed\"\n",
                "pyproject.toml:9: [tool.packyard.services[0]].command: unclosed ' in 'x 'unclosed'");
        pyproject.fails(svc + "name = \"w\"\ncommand = \"x 'a\\nb'\"\n",
                "pyproject.toml:9: [tool.packyard.services[0]].command: arguments cannot contain line breaks or control"
                        + " characters");
        pyproject.fails(svc + "name = \"w\"\ncommand = 3\n",
                "pyproject.toml:9: [tool.packyard.services[0]].command: expected a string or an array of strings");
        pyproject.fails(svc + "name = \"w\"\ncommand = \"x\"\nrestart = \"sometimes\"\n",
                "pyproject.toml:10: [tool.packyard.services[0]].restart: 'sometimes' is not a systemd restart policy"
                        + " (no, always, on-success, on-failure, on-abnormal, on-abort, on-watchdog)");
        pyproject.fails(svc + "name = \"w\"\ncommand = \"x\"\nworking-directory = \"srv/notes\"\n",
                "pyproject.toml:10: [tool.packyard.services[0]].working-directory: 'srv/notes' is not an absolute,"
                        + " normalized path");
        pyproject.fails(svc + "name = \"w\"\ncommand = \"x\"\nstate-directory = \"../etc\"\n",
                "pyproject.toml:10: [tool.packyard.services[0]].state-directory: '../etc' is not a relative path of"
                        + " simple names (letters, digits, '_', '.', '+' and '-')");
        pyproject.fails(svc + "name = \"w\"\ncommand = \"x\"\nstate-directory = \"installed-version\"\n",
                "pyproject.toml:10: [tool.packyard.services[0]].state-directory: 'installed-version' is used by the"
                        + " packages themselves");
        pyproject.fails(svc + "name = \"w\"\ncommand = \"x\"\nenvironment-file = \"deploy/missing.env\"\n",
                "pyproject.toml:10: [tool.packyard.services[0]].environment-file: deploy/missing.env: no such file");
        pyproject.fails(svc + "name = \"w\"\ncommand = \"x\"\n" + svc + "name = \"w\"\ncommand = \"y\"\n",
                "pyproject.toml:11: [tool.packyard.services[1]].name: 'w' is already the name of"
                        + " [tool.packyard.services[0]]");
        pyproject.fails(svc + "name = \"a\"\ncommand = \"x\"\nuser = \"u\"\n" + svc + "name = \"b\"\ncommand = \"y\"\nuser = \"u\"\n"
                        + "group = \"g\"\n",
                "pyproject.toml:15: [tool.packyard.services[1]].group: user 'u' has group 'u' in another service; a user"
                        + " has one primary group");
        pyproject.fails(svc + "name = \"a\"\ncommand = \"x\"\nstate-directory = \"data\"\n" + svc
                        + "name = \"b\"\ncommand = \"y\"\nstate-directory = \"data\"\n",
                "pyproject.toml:14: [tool.packyard.services[1]].state-directory: 'data' belongs to user 'a' of another"
                        + " service; give this service its own state-directory");
        pyproject.fails("services = \"notes-web\"\n",
                "pyproject.toml:7: [tool.packyard].services: expected an array of tables, got the string \"notes-web\"");
    }

    @Test
    void badEnvironmentFilesAndConfigFiles() throws Exception {
        Files.writeString(dir.resolve("deploy/bad.env"), "PORT=8000\nthis is not a setting\n");
        pyproject.fails("[[tool.packyard.services]]\nname = \"w\"\ncommand = \"x\"\nenvironment-file = \"deploy/bad.env\"\n",
                "pyproject.toml:10: [tool.packyard.services[0]].environment-file: deploy/bad.env:2: not a NAME=value"
                        + " line, a comment or blank: 'this is not a setting'");
        Files.writeString(dir.resolve("deploy/export.env"), "A=1\nexport B=2\n");
        pyproject.fails("[[tool.packyard.services]]\nname = \"w\"\ncommand = \"x\"\nenvironment-file = \"deploy/export.env\"\n",
                "pyproject.toml:10: [tool.packyard.services[0]].environment-file: deploy/export.env:2: systemd does not"
                        + " read 'export NAME=value' lines; write NAME=value");
        Files.write(dir.resolve("deploy/latin1.env"), new byte[] {'A', '=', (byte) 0xe9, '\n'});
        pyproject.fails("[[tool.packyard.services]]\nname = \"w\"\ncommand = \"x\"\nenvironment-file = \"deploy/latin1.env\"\n",
                "pyproject.toml:10: [tool.packyard.services[0]].environment-file: deploy/latin1.env: not UTF-8 text");
        pyproject.fails("config-files = [\"deploy/none.conf\"]\n",
                "pyproject.toml:7: [tool.packyard].config-files: deploy/none.conf: no such file");
        Files.createDirectories(dir.resolve("other"));
        Files.writeString(dir.resolve("other/notes.conf"), "x\n");
        pyproject.fails("config-files = [\"deploy/notes.conf\", \"other/notes.conf\"]\n",
                "pyproject.toml:7: [tool.packyard].config-files: 'other/notes.conf' and 'deploy/notes.conf' would both be"
                        + " installed as notes.conf");
        Files.writeString(dir.resolve("other/notes.env"), "A=1\n");
        pyproject.fails("config-files = [\"deploy/notes.env\"]\n[[tool.packyard.services]]\nname = \"w\"\ncommand = \"x\"\n"
                        + "environment-file = \"other/notes.env\"\n",
                "pyproject.toml:11: [tool.packyard.services[0]].environment-file: would be installed as notes.env, the"
                        + " name of another configuration file");
        pyproject.fails("config-files = [\"deploy/notes.env\"]\n[[tool.packyard.services]]\nname = \"w\"\ncommand = \"x\"\n"
                        + "environment-file = \"deploy/notes.env\"\n",
                "pyproject.toml:11: [tool.packyard.services[0]].environment-file: notes.env is also in config-files; an"
                        + " environment file is installed readable by root only");
        Files.writeString(dir.resolve("nginx"), "x\n");
        pyproject.fails("config-files = [\"nginx\"]\n",
                "pyproject.toml:7: [tool.packyard].config-files: nginx: 'nginx' is the directory of the nginx sites;"
                        + " rename the file");
    }

    @Test
    void badNginxSites() {
        String svc = "[[tool.packyard.services]]\nname = \"w\"\ncommand = \"x\"\n";
        pyproject.fails(svc + "[tool.packyard.services.nginx]\nport = 8000\n",
                "pyproject.toml:10: [tool.packyard.services[0].nginx].server-names: missing (the host names the site"
                        + " answers, e.g. server-names = [\"notes.example.org\"])");
        pyproject.fails(svc + "[tool.packyard.services.nginx]\nserver-names = [\"a.example\"]\n",
                "pyproject.toml:10: [tool.packyard.services[0].nginx].port: missing (the port the service listens on at"
                        + " 127.0.0.1)");
        pyproject.fails(svc + "[tool.packyard.services.nginx]\nserver-names = [\"a.example\"]\nport = 70000\n",
                "pyproject.toml:12: [tool.packyard.services[0].nginx].port: expected a port number from 1 to 65535");
        pyproject.fails(svc + "[tool.packyard.services.nginx]\nserver-names = [\"a.example\"]\nport = \"8000\"\n",
                "pyproject.toml:12: [tool.packyard.services[0].nginx].port: expected a port number from 1 to 65535");
        pyproject.fails(svc + "[tool.packyard.services.nginx]\nserver-names = [\"a example\"]\nport = 8000\n",
                "pyproject.toml:11: [tool.packyard.services[0].nginx].server-names: 'a example' is not a host name nginx"
                        + " can match");
        pyproject.fails(svc + "[tool.packyard.services.nginx]\nserver-names = [\"a.example\"]\nport = 8000\n"
                        + "static = { \"static\" = \"app/static\" }\n",
                "pyproject.toml:13: [tool.packyard.services[0].nginx].static: 'static' is not a URL prefix such as"
                        + " /static/ (starting and ending with /, of letters, digits, '.', '_', '~' and '-')");
        pyproject.fails(svc + "[tool.packyard.services.nginx]\nserver-names = [\"a.example\"]\nport = 8000\n"
                        + "static = { \"/static/\" = \"../../etc\" }\n",
                "pyproject.toml:13: [tool.packyard.services[0].nginx].static: '../../etc' is not a relative path of"
                        + " simple names (letters, digits, '_', '.', '+' and '-')");
        pyproject.fails(svc + "[tool.packyard.services.nginx]\nserver-names = [\"a.example\"]\nport = 8000\nroot = \"/srv\"\n",
                "pyproject.toml:13: [tool.packyard.services[0].nginx].root: unknown key (known keys: listen, port,"
                        + " server-names, static)");
    }
}
