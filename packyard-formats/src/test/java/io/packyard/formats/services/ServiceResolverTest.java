package io.packyard.formats.services;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.packyard.bundle.Command;
import io.packyard.bundle.Service;
import io.packyard.python.PackyardException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServiceResolverTest {
    private static final String WHERE = "pyproject.toml:31: [tool.packyard.services[0]].command";
    private static final String SITE = "pyproject.toml:40: [tool.packyard.services[0].nginx].static";
    private static final String PURELIB = "lib/python3.12/site-packages";

    @TempDir
    Path stage;

    private final List<Command> commands = List.of(new Command("notes", "bin/notes", false),
            new Command("notes-gui", "bin/notes-gui", true));

    @BeforeEach
    void stage() throws IOException {
        for (String f : List.of("bin/notes", "bin/notes-gui", "bin/notes-worker", "bin/pip")) {
            Files.createDirectories(stage.resolve(f).getParent());
            Files.writeString(stage.resolve(f), "#!/bin/sh\n");
        }
        Files.createDirectories(stage.resolve(PURELIB + "/notes/static"));
    }

    private static Service service(String command, Map<String, String> statics) {
        return new Service("notes", "", command, List.of("serve"), "notes", "notes", Optional.empty(), "notes",
                Optional.empty(), "on-failure",
                statics == null ? Optional.empty()
                        : Optional.of(new Service.NginxSite(List.of("_"), 80, 8000, statics, SITE)),
                "", WHERE);
    }

    private List<Service> resolve(Service s) {
        return ServiceResolver.resolve(List.of(s), commands, List.of("notes", "notes-worker", "pip"), "bin", PURELIB, stage);
    }

    @Test
    void commandsAndConsoleScriptsResolveToTheirLaunchers() {
        Service s = resolve(service("notes", Map.of("/static/", "notes/static"))).get(0);
        assertThat(s.launcher()).isEqualTo("bin/notes");
        assertThat(s.nginx().orElseThrow().staticLocations()).isEqualTo(Map.of("/static/", PURELIB + "/notes/static"));
        // a console script that is not on PATH still has its launcher in the bundle
        assertThat(resolve(service("notes-worker", null)).get(0).launcher()).isEqualTo("bin/notes-worker");
    }

    @Test
    void unknownCommandsAndMissingDirectoriesNameTheLine() {
        assertThatThrownBy(() -> resolve(service("notes-webb", null))).isInstanceOf(PackyardException.class)
                .hasMessage(WHERE + ": 'notes-webb' is not one of the application's commands or console scripts"
                        + " (notes, notes-worker, pip)")
                .satisfies(e -> assertThat(((PackyardException) e).kind()).isEqualTo(PackyardException.Kind.CONFIG));
        // a GUI script is not a service
        assertThatThrownBy(() -> resolve(service("notes-gui", null))).hasMessageStartingWith(WHERE + ": 'notes-gui'");
        assertThatThrownBy(() -> resolve(service("notes", Map.of("/media/", "notes/media"))))
                .hasMessage(SITE + ": 'notes/media' is not a directory in site-packages (" + PURELIB + ") of the bundle");
    }
}
