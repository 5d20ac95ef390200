package io.packyard.formats.services;

import io.packyard.bundle.Bundle;
import io.packyard.bundle.BundleMetadata;
import io.packyard.bundle.ConfigFile;
import io.packyard.bundle.Service;
import io.packyard.formats.PackageFormat;
import io.packyard.formats.testkit.FixtureBundle;
import io.packyard.formats.testkit.Packages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fixture bundles with services for the format and script tests: the {@link FixtureBundle} tree
 * plus a static directory, two services (one with a user, an environment file and an nginx site;
 * one as root), and a configuration file. The versions' environment files differ, so that an
 * upgrade over a changed file shows what dpkg and rpm do with it.
 */
public final class ServiceBundles {
    private ServiceBundles() {}

    /** The user of the first service: the package name (short lower-case names in these tests). */
    public static String user(String name) {
        return name;
    }

    /** A file of this repository (packaging/rpmlint.toml, an example), found above the working directory. */
    public static Path repositoryFile(String relative) {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.exists(p.resolve(relative))) {
                return p.resolve(relative);
            }
        }
        throw new AssertionError(relative + " not found above " + Path.of("").toAbsolutePath());
    }

    public static Bundle build(String name, String version, Path dir) throws IOException {
        FixtureBundle f = FixtureBundle.named(name).version(version);
        Bundle b = f.build(dir.resolve("stage"));
        Files.createDirectories(b.root().resolve("lib/python3.12/site-packages/app/static"));
        Files.writeString(b.root().resolve("lib/python3.12/site-packages/app/static/style.css"), "body {}\n");
        Path project = Files.createDirectories(dir.resolve("project"));
        Path env = project.resolve("app.env");
        Files.writeString(env, "# environment of the web service (" + version + ")\nPORT=8080\nGREETING=\"hello world\"\n"
                + (version.startsWith("1") ? "" : "# added in " + version + "\nLOG_LEVEL=info\n"));
        Path conf = project.resolve("app.conf");
        Files.writeString(conf, "[app]\ncolor = blue\n");
        String launcher = "bin/" + f.command();
        Service web = new Service(name + "-web", "Fixture web service", f.command(),
                List.of("serve", "--port", "${PORT}", "a b", "100%"), user(name), user(name),
                Optional.of(new ConfigFile("app.env", env, 0600, "pyproject.toml:20: [tool.packyard.services[0]].environment-file")),
                "web", Optional.empty(), "on-failure",
                Optional.of(new Service.NginxSite(List.of("app.example.org"), 80, 8080,
                        Map.of("/static/", "lib/python3.12/site-packages/app/static"), "")),
                launcher, "pyproject.toml:18: [tool.packyard.services[0]].command");
        Service worker = new Service(name + "-worker", "Fixture worker", f.command(), List.of("work"), "root", "root",
                Optional.empty(), "worker", Optional.of("/tmp"), "always", Optional.empty(), launcher,
                "pyproject.toml:30: [tool.packyard.services[1]].command");
        BundleMetadata m = b.metadata().withServices(
                List.of(new ConfigFile("app.conf", conf, 0644, "pyproject.toml:9: [tool.packyard].config-files")),
                List.of(web, worker));
        return Bundle.builder().metadata(m).root(b.root()).sourceDateEpoch(b.sourceDateEpoch()).build();
    }

    /** Versions 1.0 and 2.0 of the fixture bundle {@code name}, built as {@code format} packages once per test class. */
    public static Upgrade upgrade(PackageFormat format, String name) {
        return new Upgrade(format, name);
    }

    /**
     * A class-level extension ({@code @RegisterExtension static final}) that builds the 1.0 and
     * 2.0 packages in a temporary directory before the class's tests and deletes it after them.
     */
    public static final class Upgrade implements BeforeAllCallback, AfterAllCallback {
        private final PackageFormat format;
        private final String name;
        private Path dir;
        private Path v1;
        private Path v2;

        private Upgrade(PackageFormat format, String name) {
            this.format = format;
            this.name = name;
        }

        /** The 1.0 package. */
        public Path v1() {
            return v1;
        }

        /** The 2.0 package: a changed environment file, for an upgrade over it. */
        public Path v2() {
            return v2;
        }

        @Override
        public void beforeAll(ExtensionContext context) throws IOException {
            dir = Files.createTempDirectory("packyard-" + name);
            v1 = Packages.build(format, build(name, "1.0", dir.resolve("b1")), dir.resolve("out"));
            v2 = Packages.build(format, build(name, "2.0", dir.resolve("b2")), dir.resolve("out"));
        }

        @Override
        public void afterAll(ExtensionContext context) throws IOException {
            if (dir == null) {
                return;
            }
            try (Stream<Path> tree = Files.walk(dir)) {
                for (Path p : tree.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }
}
