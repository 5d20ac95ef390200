package io.packyard.repository.packages;

import io.packyard.bundle.Bundle;
import io.packyard.bundle.BundleMetadata;
import io.packyard.bundle.Command;
import io.packyard.bundle.Target;
import io.packyard.formats.PackageFormat;
import io.packyard.formats.deb.DebFormat;
import io.packyard.formats.rpm.RpmFormat;
import io.packyard.python.util.Progress;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Packages for repository tests: real .deb and .rpm files made by Packyard's own formats from a
 * tiny staged application, and hand-made ones (dpkg-deb, rpmbuild) that exercise fields
 * Packyard's formats do not write (epochs, pre-requires, weak dependencies, ghosts, several
 * changelog entries).
 */
public final class TestPackages {
    private TestPackages() {}

    /**
     * A Packyard .deb of application {@code name} at {@code version} (PEP 440), with command
     * {@code <name>-hello} on PATH and {@code data/version.txt} holding the version.
     */
    public static Path packyardDeb(Path work, String name, String version) throws IOException {
        return build(new DebFormat(0), bundle(work, name, version, ""), work.resolve("out"));
    }

    /** The same application as an .rpm. */
    public static Path packyardRpm(Path work, String name, String version) throws IOException {
        return build(new RpmFormat(0), bundle(work, name, version, ""), work.resolve("out"));
    }

    /** An .rpm whose data/version.txt also holds {@code variant}: same name and version, other content. */
    public static Path packyardRpm(Path work, String name, String version, String variant) throws IOException {
        return build(new RpmFormat(0), bundle(work, name, version, variant), work.resolve("out"));
    }

    /** A .deb whose data/version.txt also holds {@code variant}. */
    public static Path packyardDeb(Path work, String name, String version, String variant) throws IOException {
        return build(new DebFormat(0), bundle(work, name, version, variant), work.resolve("out"));
    }

    private static Bundle bundle(Path work, String name, String version, String variant) throws IOException {
        Path root = work.resolve("stage-" + name + "-" + version + (variant.isEmpty() ? "" : "-" + variant));
        Files.createDirectories(root);
        Path python = root.resolve("python/bin/python3");
        script(python, "#!/bin/sh\necho \"fixture python: $*\"\n");
        script(root.resolve("bin/" + name + "-hello"), "#!/bin/sh\nself=$(readlink -f \"$0\")\nexec \"$(dirname \"$self\")/../python/bin/python3\" -m hello \"$@\"\n");
        Files.createDirectories(root.resolve("data"));
        Files.writeString(root.resolve("data/version.txt"), version + "\n" + variant);
        BundleMetadata m = new BundleMetadata(
                name, version,
                "Repository test application " + name,
                "A tiny application published by repository tests.\n\nIt has a command and a data file.",
                "https://example.org/" + name,
                "MIT",
                "Packyard Tests <tests@packyard.example.org>",
                "Packyard Repo Tests",
                name,
                Target.host(),
                "3.12",
                true,
                List.of(new Command(name + "-hello", "bin/" + name + "-hello", false)),
                null, null, List.of(), List.of());
        return Bundle.builder().metadata(m).root(root).sourceDateEpoch(1_700_000_000L).build();
    }

    private static Path build(PackageFormat format, Bundle bundle, Path dir) throws IOException {
        Files.createDirectories(dir);
        Path out = dir.resolve(format.fileName(bundle));
        Files.deleteIfExists(out);
        format.write(bundle, out, Progress.NONE);
        return out;
    }

    private static void script(Path p, String text) throws IOException {
        Files.createDirectories(p.getParent());
        Files.writeString(p, text, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /**
     * A .deb built with {@code dpkg-deb --build} from {@code control} (the DEBIAN/control text)
     * and files (path below / to content).
     */
    public static Path dpkgDeb(Path work, String fileName, String control, Map<String, String> files) throws IOException {
        Path tree = work.resolve("tree-" + fileName);
        Files.createDirectories(tree.resolve("DEBIAN"));
        Files.writeString(tree.resolve("DEBIAN/control"), control, StandardCharsets.UTF_8);
        for (Map.Entry<String, String> f : files.entrySet()) {
            Path p = tree.resolve(f.getKey());
            Files.createDirectories(p.getParent());
            Files.writeString(p, f.getValue(), StandardCharsets.UTF_8);
        }
        try (Stream<Path> s = Files.walk(tree)) {
            for (Path p : s.toList()) {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
        Path out = work.resolve(fileName);
        Cmd.run(List.of("dpkg-deb", "--root-owner-group", "-Zxz", "--build", tree.toString(), out.toString()),
                Map.of("SOURCE_DATE_EPOCH", "1700000000"), null).ok();
        return out;
    }

    /** Builds the binary rpm(s) of {@code spec} with rpmbuild and returns the one named {@code fileName}. */
    public static Path rpmbuild(Path work, String specName, String spec, String fileName) throws IOException {
        Path top = work.resolve("rpmbuild-" + specName);
        for (String d : new String[] {"SPECS", "SOURCES", "BUILD", "RPMS", "SRPMS", "BUILDROOT"}) {
            Files.createDirectories(top.resolve(d));
        }
        Path specFile = top.resolve("SPECS/" + specName + ".spec");
        Files.writeString(specFile, spec, StandardCharsets.UTF_8);
        Cmd.run(List.of("rpmbuild", "-bb", "--nodeps",
                "--define", "_topdir " + top,
                "--define", "_build_id_links none",
                "--define", "__os_install_post %{nil}",
                "--define", "_binary_payload w6.xzdio",
                specFile.toString()), Map.of("SOURCE_DATE_EPOCH", "1700000000"), null).ok();
        try (Stream<Path> s = Files.walk(top.resolve("RPMS"))) {
            return s.filter(p -> p.getFileName().toString().equals(fileName)).findFirst()
                    .orElseThrow(() -> new AssertionError("rpmbuild made no " + fileName));
        }
    }
}
