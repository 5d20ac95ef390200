package io.packyard.formats.testkit;

import io.packyard.bundle.Bundle;
import io.packyard.bundle.BundleMetadata;
import io.packyard.bundle.Command;
import io.packyard.bundle.Target;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * A synthetic staged application for format tests. Its {@code python/bin/python3} is a fixture:
 * a small sh script standing in for an interpreter, so the packages are tiny and need nothing
 * but /bin/sh on the machine that installs them.
 *
 * <pre>
 *   python/bin/python3                  fixture "interpreter": prints its arguments
 *   python/bin/python -> python3        a symlink
 *   bin/&lt;command&gt;                       launcher: resolves its own symlinks, runs the fixture
 *   hooks/post-install, pre-uninstall   hooks: print their arguments, append them to $HOOK_OUT,
 *                                       fail when $HOOK_FAIL is 1
 *   data/file with spaces.txt, data/café.txt
 *   lib/python3.12/site-packages/...    a path longer than 100 bytes
 * </pre>
 */
public final class FixtureBundle {
    public static final String LONG_PATH = "lib/python3.12/site-packages/a_package_with_a_rather_long_name/"
            + "a_subpackage_with_another_long_name/a_module_whose_name_is_long_too.py";

    private String name = "packyard-fixture";
    private String version = "1.0";
    private String company = "Packyard Fixture";
    private String product = "Demo";
    private String command = "packyard-fixture-hello";
    private boolean bundledInterpreter = true;
    private boolean hooks = true;
    private long sourceDateEpoch = 1_700_000_000L;
    private List<String> debDepends = List.of();
    private List<String> rpmRequires = List.of();
    private String extraFile = null;

    public static FixtureBundle named(String name) {
        FixtureBundle f = new FixtureBundle();
        f.name = name;
        f.company = "Packyard " + name;
        f.command = name + "-hello";
        return f;
    }

    public FixtureBundle version(String v) {
        this.version = v;
        return this;
    }

    public FixtureBundle company(String c) {
        this.company = c;
        return this;
    }

    public FixtureBundle product(String p) {
        this.product = p;
        return this;
    }

    public FixtureBundle systemInterpreter() {
        this.bundledInterpreter = false;
        return this;
    }

    public FixtureBundle withoutHooks() {
        this.hooks = false;
        return this;
    }

    public FixtureBundle sourceDateEpoch(long s) {
        this.sourceDateEpoch = s;
        return this;
    }

    public FixtureBundle debDepends(List<String> d) {
        this.debDepends = d;
        return this;
    }

    public FixtureBundle rpmRequires(List<String> r) {
        this.rpmRequires = r;
        return this;
    }

    private int modules;
    private java.util.function.IntUnaryOperator moduleSize = i -> 0;
    private long moduleSeed;

    /** Adds a file {@code data/<name>} holding the version, so two versions differ in files too. */
    public FixtureBundle extraFile(String fileName) {
        this.extraFile = fileName;
        return this;
    }

    public String command() {
        return command;
    }

    public String name() {
        return name;
    }

    /** Stages the tree under {@code root} (which must not exist yet or be empty) and scans it. */
    public Bundle build(Path root) throws IOException {
        Files.createDirectories(root);
        script(root.resolve("python/bin/python3"), """
                #!/bin/sh
                # Test fixture standing in for a Python interpreter: prints what it was asked to run.
                echo "fixture python: $*"
                """);
        Files.createSymbolicLink(root.resolve("python/bin/python"), Path.of("python3"));
        script(root.resolve("bin/" + command), """
                #!/bin/sh
                # Relocatable launcher: finds the interpreter next to its own resolved location.
                self=$(readlink -f "$0")
                here=$(dirname "$self")
                exec "$here/../python/bin/python3" -m hello "$@"
                """);
        if (hooks) {
            for (String hook : List.of("post-install", "pre-uninstall")) {
                script(root.resolve("hooks/" + hook), """
                        #!/bin/sh
                        echo "@NAME@: $*"
                        if [ -n "$HOOK_OUT" ]; then
                            printf '%s %s|%s\\n' "@NAME@" "$1" "$2" >>"$HOOK_OUT"
                        fi
                        if [ "$HOOK_FAIL" = 1 ]; then
                            echo "hook asked to fail" >&2
                            exit 3
                        fi
                        exit 0
                        """.replace("@NAME@", hook));
            }
        }
        write(root.resolve("data/file with spaces.txt"), "spaces\n");
        write(root.resolve("data/café.txt"), "non-ASCII name\n");
        write(root.resolve(LONG_PATH), "# a module with a long path\n");
        write(root.resolve("data/version.txt"), version + "\n");
        if (extraFile != null) {
            write(root.resolve("data/" + extraFile), version + "\n");
        }
        writeModules(root);
        BundleMetadata m = new BundleMetadata(
                name,
                version,
                "Fixture application for Packyard format tests",
                "A synthetic bundle with a stand-in interpreter.\n\nIt exercises long paths, spaces in names,\n"
                        + "symlinks and install hooks.",
                "https://example.org/packyard-fixture",
                "MIT",
                "Packyard Tests <tests@packyard.example.org>",
                company,
                product,
                Target.host(),
                "3.12",
                bundledInterpreter,
                List.of(new Command(command, "bin/" + command, false)),
                hooks ? "hooks/post-install" : null,
                hooks ? "hooks/pre-uninstall" : null,
                debDepends,
                rpmRequires);
        return Bundle.builder().metadata(m).root(root).sourceDateEpoch(sourceDateEpoch).build();
    }

    private static void script(Path p, String text) throws IOException {
        write(p, text);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static void write(Path p, String text) throws IOException {
        Files.createDirectories(p.getParent());
        Files.writeString(p, text, StandardCharsets.UTF_8);
    }

    /**
     * Adds {@code count} modules of compressible, source-like text, {@code data/module_<i>.py}
     * (pseudo-random from {@code seed}): enough data for a format's parallel compressors to cut
     * several blocks.
     *
     * @param size the minimum size in characters of module {@code i}
     */
    public FixtureBundle modules(int count, java.util.function.IntUnaryOperator size, long seed) {
        this.modules = count;
        this.moduleSize = size;
        this.moduleSeed = seed;
        return this;
    }

    private void writeModules(Path root) throws IOException {
        java.util.Random r = new java.util.Random(moduleSeed);
        for (int i = 0; i < modules; i++) {
            StringBuilder text = new StringBuilder();
            while (text.length() < moduleSize.applyAsInt(i)) {
                text.append("value_").append(r.nextInt(5000)).append(" = ").append(r.nextLong()).append('\n');
            }
            write(root.resolve("data/module_" + i + ".py"), text.toString());
        }
    }
}
